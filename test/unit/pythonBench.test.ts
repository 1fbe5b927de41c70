// bench:python's figures come from pyperf's JSON the way pyperf computes them: mean time per
// benchmark, speed = baseline / changed, geometric mean over the benchmarks both ran.
import * as assert from "assert";
import { BENCHMARKS, readPyperf, ROWS, speedups } from "../../bench/python-bench";

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
