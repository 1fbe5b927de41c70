/**
 * npm run --silent examples:matrix -- [--target debian-3.13|upstream-3.13 ...] [--example NAME ...]
 *     [--readme FILE] [--json FILE] [--no-write] [--from-json FILE]
 *
 * The full target x example matrix (not part of .ci/run): for each target, our builder and
 * runtime images (image:build; the upstream flavour from the loopback python.org mirror with
 * --fast, built from the newest 3.13 tarball Debian's pool serves), then every example built,
 * run and verified as `npm run examples` does. Writes the table between the markers in
 * --readme (default examples/README.md). Targets default to every target this machine can
 * build; 3.14 and 3.15 are not among them (no Debian-flavour lock, and Debian's pool serves
 * no 3.14/3.15 tarball for the upstream flavour). --from-json re-renders the table from the
 * --json file of an earlier run (same results, no rebuild).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { baseImage, defaultExtraCa } from "./app-build";
import type { BaseImages } from "./examples/build";
import { EXAMPLES_DIR, loadCatalog, selectExamples } from "./examples/catalog";
import { runMatrixCell, type CellResult } from "./examples/matrix";
import { renderMatrix, replaceSection, type TargetResults } from "./examples/readme";
import { pythonVersion } from "./examples/version";
import { formatLine } from "./examples-run";

export const TARGETS = ["debian-3.13", "upstream-3.13"] as const;
export type Target = (typeof TARGETS)[number];

export function parseMatrixArgs(argv: string[]) {
    const { values } = parseArgs({
        args: argv, strict: true,
        options: {
            target: { type: "string", multiple: true, default: [] },
            example: { type: "string", multiple: true, default: [] },
            readme: { type: "string", default: path.join(EXAMPLES_DIR, "README.md") },
            json: { type: "string" },
            "no-write": { type: "boolean", default: false },
            "from-json": { type: "string" },
        },
    });
    for (const t of values.target) {
        if (!(TARGETS as readonly string[]).includes(t)) throw new Error(`option --target: ${JSON.stringify(t)}; accepted: ${TARGETS.join(", ")}`);
    }
    return { targets: (values.target.length ? values.target : [...TARGETS]) as Target[], examples: values.example, readme: values.readme, json: values.json, write: !values["no-write"], fromJson: values["from-json"] };
}

/** Builds (or reuses from BuildKit's cache) the target's builder and runtime images. */
async function targetImages(target: Target): Promise<BaseImages & { close?: () => Promise<void> }> {
    const [flavor, minor] = target.split("-");
    if (flavor === "debian") {
        return { builderImage: await baseImage(minor, "debian", "builder", "linux/amd64"), runtimeImage: await baseImage(minor, "debian", "runtime", "linux/amd64") };
    }
    // Loaded lazily: only the upstream target needs the mirror and its Debian index reads.
    const mirrorLib = await import("./python-mirror");
    const build = await import("./image-build");
    const entries = await mirrorLib.debianMirrorEntries();
    const present = await mirrorLib.fillMirror(mirrorLib.DEFAULT_MIRROR_ROOT, entries, (m) => process.stderr.write(`${m}\n`));
    const e = entries.filter((x) => present.includes(x.version) && x.version.startsWith(`${minor}.`)).sort((a, b) => b.version.localeCompare(a.version, undefined, { numeric: true }))[0];
    if (!e) throw new Error(`upstream ${minor}: Debian's pool serves no ${minor} tarball for the mirror`);
    // The port the upstream tests use, so BuildKit's CPython build cache is shared with them.
    const mirror = await mirrorLib.serveMirror(mirrorLib.DEFAULT_MIRROR_ROOT, Number(process.env.PYTHON_MIRROR_PORT ?? 8765));
    const argv = (variant: string) => ["--python", minor, "--flavor", "upstream", "--variant", variant, "--platform", "linux/amd64", "--fast",
        "--python-mirror", mirror.url, "--python-version", e.version, "--python-sha256", e.sha256];
    process.stderr.write(`examples:matrix: building upstream ${e.version} --fast (CPython compile, minutes)\n`);
    const runtimeImage = await build.runBuild(build.parseBuildArgs(argv("runtime")));
    const builderImage = await build.runBuild(build.parseBuildArgs(argv("builder")));
    return { builderImage, runtimeImage, close: () => mirror.close() };
}

async function main(): Promise<void> {
    const o = parseMatrixArgs(process.argv.slice(2));
    const examples = selectExamples(loadCatalog(), o.examples);
    const extraCa = defaultExtraCa();
    const saved = o.fromJson ? JSON.parse(fs.readFileSync(o.fromJson, "utf8")) as { command: string; columns: TargetResults[] } : undefined;
    const columns: TargetResults[] = saved?.columns ?? [];
    for (const target of saved ? [] : o.targets) {
        const t0 = Date.now();
        const images = await targetImages(target);
        try {
            const version = pythonVersion(images.runtimeImage);
            const results: CellResult[] = [];
            for (const e of examples) {
                const r = await runMatrixCell(e, { ...images, extraCa });
                results.push(r);
                process.stdout.write(`${target} ${formatLine(r)}\n`);
            }
            columns.push({ target: `${target.split("-")[0]} ${version}`, runtimeImage: images.runtimeImage, results });
            process.stderr.write(`examples:matrix: ${target} done in ${Math.round((Date.now() - t0) / 1000)}s\n`);
        } finally {
            await images.close?.();
        }
    }
    // What to run again to regenerate the table (output paths left out: they don't change it).
    const flags = [...(o.targets.length < TARGETS.length ? o.targets.map((t) => `--target ${t}`) : []), ...o.examples.map((e) => `--example ${e}`)];
    const command = saved?.command ?? `npm run --silent examples:matrix${flags.length ? ` -- ${flags.join(" ")}` : ""}`;
    const table = renderMatrix(columns, { date: new Date().toISOString().slice(0, 10), command });
    if (o.json) fs.writeFileSync(o.json, JSON.stringify({ command, columns }, null, 2) + "\n");
    if (o.write) {
        fs.writeFileSync(o.readme, replaceSection(fs.readFileSync(o.readme, "utf8"), table, o.readme));
        process.stderr.write(`examples:matrix: wrote the table into ${o.readme}\n`);
    } else {
        process.stdout.write(`${table}\n`);
    }
    if (columns.some((c) => c.results.some((r) => !r.ok))) process.exit(1);
}

if (require.main === module) {
    main().catch((e: Error) => {
        process.stderr.write(`examples:matrix: ${e.message}\n`);
        process.exit(1);
    });
}
