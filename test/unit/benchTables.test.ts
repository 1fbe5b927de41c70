// The README's comparison tables are the bench results, not prose.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { resultsDoc } from "../../bench/lib/appReport";
import { parseAppBenchOptions } from "../../bench/lib/appOptions";
import { BEGIN, END, renderBenchTables, updateBenchSection } from "../../scripts/lib/benchTables";

const ROOT = path.join(__dirname, "..", "..");

describe("README bench tables", () => {
    it("are exactly what the bench results files render (npm run docs:bench)", () => {
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
        assert.strictEqual(updateBenchSection(readme, renderBenchTables(ROOT)), readme, "README.md's bench tables are stale: run npm run docs:bench");
    });
    it("name each image's numbers from its results file", () => {
        const image = JSON.parse(fs.readFileSync(path.join(ROOT, "bench/results/image-bench.json"), "utf8"));
        const tables = renderBenchTables(ROOT);
        assert.ok(tables.includes(`${(image.images.ours.compressedBytes / 1e6).toFixed(1)} MB`));
        assert.ok(tables.includes(`${Math.round(image.images.google.coldImportMs)} ms`));
    });
    it("a README without the markers fails naming them", () => {
        assert.throws(() => updateBenchSection("# x\n", "t"), new RegExp(`has no bench section: add the lines .*${END}`));
        assert.ok(BEGIN.includes("npm run docs:bench"));
    });
    it("the app table of a reworked bench:app (schema 2) shows CPU ms/request with its spread for each row", () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "bench-tables-"));
        try {
            fs.mkdirSync(path.join(root, "bench/results"), { recursive: true });
            for (const f of ["image-bench.json", "upstream-bench.json"]) fs.copyFileSync(path.join(ROOT, "bench/results", f), path.join(root, "bench/results", f));
            const run = (cpuMsPerRequest: number) => ({ readyFromRunMs: 900, readyFromStartMs: 500, rps: 700, p99ms: 30, requests: 3500, errors: 0, cpuUs: 1, cpuMsPerRequest, serverCpuBusy: 1 });
            const size = { layers: 2, gzipBytes: 22_000_000, zstdBytes: 21_000_000, unpackedBytes: 59_000_000 };
            const doc = resultsDoc([
                { key: "conventional", label: "conventional", image: "c", base: "b", size, runs: [run(1.3), run(1.4), run(1.5)] },
                { key: "debian", label: "ours, Debian flavour", image: "d", base: "b", size, runs: [run(1.2), run(1.25), run(1.4)] },
            ], parseAppBenchOptions(["--rounds", "3"], 2, root), { date: "2026-12-02T00:00:00Z", command: "x", cpus: 2, loadavg: [0, 0], cpuCounter: "cgroup v1 cpuacct.usage" });
            fs.writeFileSync(path.join(root, "bench/app-results.json"), JSON.stringify(doc));
            const tables = renderBenchTables(root);
            assert.ok(tables.includes("| ours, Debian flavour | 22.0 / 21.0 MB | 1.25 (1.20-1.40) | 700 (700-700) | 30 (30-30) ms | 500 (500-500) ms |"), tables);
            assert.ok(tables.includes("min / median / max over 3 alternating rounds"), tables);
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });
});
