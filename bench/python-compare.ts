/**
 * npm run --silent bench:python:compare -- BASE.json CHANGED.json [--debian-base]
 *
 * The geometric mean of CHANGED's speed relative to BASE from two pyperf JSON results already
 * written (e.g. bench/results/python/*.json), without running anything: over every benchmark
 * both hold, and, with --debian-base (BASE is Debian's python3.13), over the benchmarks whose
 * source is the same on both sides (SOURCE_DIFFERENCES in bench/python-bench.ts), naming what
 * it sets apart and why.
 */
import * as fs from "node:fs";
import { readPyperf, sameSourceComparison, speedups } from "./python-bench";

function pythonVersion(file: string): string {
    const j = JSON.parse(fs.readFileSync(file, "utf8")) as { metadata?: { python_version?: string } };
    const v = /^([0-9]+\.[0-9]+\.[0-9]+)/.exec(j.metadata?.python_version ?? "");
    if (!v) throw new Error(`${file}: no metadata.python_version (not a pyperformance result)`);
    return v[1];
}

export function compareFiles(baseFile: string, changedFile: string, debianBase: boolean): string[] {
    const base = readPyperf(fs.readFileSync(baseFile, "utf8"), baseFile);
    const changed = readPyperf(fs.readFileSync(changedFile, "utf8"), changedFile);
    const all = speedups(base, changed);
    const lines = [`every benchmark: ${all.geometricMean.toFixed(4)}x over ${Object.keys(all.perBenchmark).length} results`];
    const same = debianBase ? sameSourceComparison(base, changed, pythonVersion(changedFile)) : undefined;
    if (same) {
        lines.push(`same source only: ${same.geometricMean.toFixed(4)}x over ${same.count} results`);
        for (const d of same.excluded) lines.push(`  set apart: ${d.benchmark} at ${all.perBenchmark[d.benchmark].toFixed(4)}x: ${d.why}`);
    }
    return lines;
}

if (require.main === module) {
    const args = process.argv.slice(2);
    const files = args.filter((a) => !a.startsWith("--"));
    const unknown = args.filter((a) => a.startsWith("--") && a !== "--debian-base");
    if (files.length !== 2 || unknown.length) {
        process.stderr.write(`usage: bench:python:compare -- BASE.json CHANGED.json [--debian-base]${unknown.length ? ` (unknown option ${unknown[0]})` : ""}\n`);
        process.exit(2);
    }
    try {
        process.stdout.write(compareFiles(files[0], files[1], args.includes("--debian-base")).join("\n") + "\n");
    } catch (e) {
        process.stderr.write(`bench:python:compare: ${(e as Error).message}\n`);
        process.exit(1);
    }
}
