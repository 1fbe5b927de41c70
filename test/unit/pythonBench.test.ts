// bench:python's figures come from pyperf's JSON the way pyperf computes them: mean time per
// benchmark, speed = baseline / changed, geometric mean over the benchmarks both ran.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { compareFiles } from "../../bench/python-compare";
import { BENCHMARKS, readPyperf, ROWS, sameSourceSpeedups, sourceDifferences, speedups } from "../../bench/python-bench";

const suite = (values: Record<string, number[]>) => JSON.stringify({
    version: "1.0",
    benchmarks: Object.entries(values).map(([name, v]) => ({ metadata: { name }, runs: [{ warmups: [[1, 99]], metadata: {} }, { values: v }] })),
});

describe("bench:python", () => {
    it("reads every value of a pyperf suite and never counts warmups", () => {
        assert.deepStrictEqual(readPyperf(suite({ nbody: [0.1, 0.3] })), [{ name: "nbody", values: [0.1, 0.3] }]);
        assert.throws(() => readPyperf(JSON.stringify({ benchmarks: [{ metadata: { name: "x" }, runs: [{}] }] }), "r.json"), /r\.json: benchmark x has no values/);
        assert.throws(() => readPyperf("{}", "r.json"), /r\.json: no "benchmarks" array/);
    });

    it("speed is the baseline's mean time over the row's, and the summary their geometric mean", () => {
        const base = readPyperf(suite({ a: [2, 2], b: [1, 1], only_base: [1] }));
        const changed = readPyperf(suite({ a: [1, 1], b: [2, 2], only_changed: [1] }));
        const s = speedups(base, changed);
        assert.deepStrictEqual(s.perBenchmark, { a: 2, b: 0.5 });
        assert.ok(Math.abs(s.geometricMean - 1) < 1e-12, String(s.geometricMean));
        assert.deepStrictEqual(s.missing, ["only_base", "only_changed"]);
        assert.throws(() => speedups(base, readPyperf(suite({ z: [1] }))), /no benchmark in common/);
    });

    it("a benchmark whose source Debian patched is set apart only for the upstream releases concerned, and the headline keeps it", () => {
        // gh-91555: in upstream 3.13.4 and 3.13.5, reverted in 3.13.6; Debian's 3.13.5 carries the revert.
        assert.deepStrictEqual(sourceDifferences("3.13.5").map((d) => d.benchmark), ["logging_silent"]);
        assert.deepStrictEqual(sourceDifferences("3.13.4").map((d) => d.benchmark), ["logging_silent"]);
        assert.deepStrictEqual(sourceDifferences("3.13.6"), []);
        assert.deepStrictEqual(sourceDifferences("3.13.18"), []);
        const base = readPyperf(suite({ a: [1], logging_silent: [1] }));
        const changed = readPyperf(suite({ a: [0.5], logging_silent: [2] }));
        assert.strictEqual(speedups(base, changed).geometricMean, 1);
        assert.deepStrictEqual(sameSourceSpeedups(base, changed, ["logging_silent"]), { geometricMean: 2, count: 1 });
    });

    it("bench:python:compare recomputes both means from result files, and sets apart only against Debian's base", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pycompare-"));
        const file = (name: string, version: string, values: Record<string, number[]>) => {
            const f = path.join(dir, name);
            fs.writeFileSync(f, JSON.stringify({ ...JSON.parse(suite(values)), metadata: { python_version: `${version} (64-bit)` } }));
            return f;
        };
        const debian = file("debian.json", "3.13.5", { a: [1], logging_silent: [1] });
        const upstream = file("upstream.json", "3.13.5", { a: [0.5], logging_silent: [2] });
        assert.deepStrictEqual(compareFiles(debian, upstream, true).slice(0, 2), ["every benchmark: 1.0000x over 2 results", "same source only: 2.0000x over 1 results"]);
        assert.match(compareFiles(debian, upstream, true)[2], /set apart: logging_silent at 0\.5000x: .*gh-91555/);
        assert.deepStrictEqual(compareFiles(debian, upstream, false), ["every benchmark: 1.0000x over 2 results"]);
        assert.throws(() => compareFiles(debian, file("bare.json", "", { a: [1] }), true), /bare\.json: no metadata\.python_version/);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("the named subset is pyperformance benchmarks, each once; every upstream row builds the upstream flavour", () => {
        assert.strictEqual(new Set(BENCHMARKS).size, BENCHMARKS.length);
        assert.ok(BENCHMARKS.length >= 30, "a subset broad enough for a geometric mean");
        for (const [name, row] of Object.entries(ROWS)) {
            assert.strictEqual(row.upstream, name.startsWith("upstream"), name);
            assert.strictEqual(row.args[row.args.indexOf("--flavor") + 1], row.upstream ? "upstream" : "debian", name);
            assert.strictEqual(row.args[row.args.indexOf("--variant") + 1], "builder", `${name}: pyperformance needs pip and venv (the builder variant)`);
        }
    });
});
