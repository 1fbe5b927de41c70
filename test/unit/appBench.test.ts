// bench:app's policy: server and load generator on separate CPUs, enough rounds for a spread,
// every row in every position of the order, ratios taken per round, and the CPU-per-request
// target read from the median of those ratios.
import * as assert from "assert";
import { DEFAULTS, parseAppBenchOptions } from "../../bench/lib/appOptions";
import { markdown, pairedRatio, resultsDoc, type RowInput } from "../../bench/lib/appReport";
import type { Round } from "../../bench/lib/appRound";
import { median, roundOrder, spread } from "../../bench/lib/stats";

const parse = (argv: string[], cpus = 2) => parseAppBenchOptions(argv, cpus, "/repo");
const round = (cpuMsPerRequest: number, rps: number, extra: Partial<Round> = {}): Round => ({
    readyFromRunMs: 800, readyFromStartMs: 400, rps, p99ms: 20, requests: rps * 5, errors: 0, cpuUs: cpuMsPerRequest * rps * 5000, cpuMsPerRequest, serverCpuBusy: 0.98, ...extra,
});
const size = (gzipBytes: number) => ({ layers: 2, gzipBytes, zstdBytes: Math.round(gzipBytes * 0.8), unpackedBytes: gzipBytes * 3 });

describe("bench:app options", () => {
    it("defaults: 15 rounds of 5 s, server on CPU 0, load on CPU 1, results in bench/", () => {
        const o = parse([]);
        assert.deepStrictEqual({ ...o }, { ...DEFAULTS, upstreamRuntime: undefined, upstreamBuilder: undefined, out: "/repo/bench" });
        assert.deepStrictEqual([o.rounds, o.seconds, o.serverCpu, o.clientCpu], [15, 5, 0, 1]);
    });
    it("an already built upstream runtime comes with its builder", () => {
        const o = parse(["--upstream-image", "python-upstream:r", "--upstream-builder", "python-upstream:b"]);
        assert.deepStrictEqual([o.upstreamRuntime, o.upstreamBuilder], ["python-upstream:r", "python-upstream:b"]);
        assert.throws(() => parse(["--upstream-image", "python-upstream:r"]), /--upstream-image and --upstream-builder go together/);
    });
    it("the server and the load generator never share a CPU, and both CPUs exist", () => {
        assert.throws(() => parse(["--server-cpu", "1"]), /--server-cpu and --client-cpu: both are CPU 1; the server and the load generator must not share a CPU/);
        assert.throws(() => parse(["--client-cpu", "2"]), /option --client-cpu: CPU 2 does not exist; this machine has CPUs 0-1/);
    });
    it("fewer than 3 rounds (no spread) and non-integers are refused, naming the option and value", () => {
        assert.throws(() => parse(["--rounds", "2"]), /option --rounds: "2" is not an integer >= 3/);
        assert.throws(() => parse(["--seconds", "1.5"]), /option --seconds: "1.5" is not an integer >= 1/);
        assert.throws(() => parse(["--bogus", "1"]), /Unknown option '--bogus'.*usage: bench:app/);
    });
});

describe("bench:app statistics", () => {
    it("every row runs first, middle and last equally often, and the order reverses every other cycle", () => {
        assert.deepStrictEqual([0, 1, 2, 3, 4, 5].map((i) => roundOrder(i, 3)), [[0, 1, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0], [0, 2, 1], [1, 0, 2]]);
        for (let pos = 0; pos < 3; pos++) {
            const firsts = [0, 1, 2, 3, 4, 5].map((i) => roundOrder(i, 3)[pos]).sort();
            assert.deepStrictEqual(firsts, [0, 0, 1, 1, 2, 2]);
        }
    });
    it("a spread is min, median and max", () => {
        assert.deepStrictEqual(spread([3, 1, 2, 10]), { min: 1, median: 2.5, max: 10 });
        assert.strictEqual(median([5]), 5);
        assert.throws(() => median([]), /median of no samples/);
    });
    it("ratios to the conventional image are per round, so one slow round moves both sides of its pair", () => {
        const ours = [round(1.0, 100), round(2.0, 50), round(0.9, 110)];
        const conv = [round(1.25, 100), round(2.5, 40), round(1.0, 100)];
        assert.deepStrictEqual(pairedRatio(ours, conv, "cpuMsPerRequest"), { min: 0.8, median: 0.8, max: 0.9 });
        assert.throws(() => pairedRatio(ours, conv.slice(1), "rps"), /3 rounds against 2/);
    });
});

describe("bench:app results", () => {
    const opts = parse(["--rounds", "3"]);
    const rows: RowInput[] = [
        { key: "conventional", label: "conventional", image: "conv:1", base: "bench/app-conventional.Dockerfile", size: size(45_000_000), runs: [round(1.0, 700), round(1.1, 650), round(1.2, 600)] },
        { key: "debian", label: "ours, Debian flavour", image: "app:1", base: "python-debian:r", size: size(22_000_000), runs: [round(0.9, 720), round(1.0, 660), round(1.1, 610)] },
        { key: "upstream", label: "ours, upstream flavour (fast)", image: "app:2", base: "python-upstream:r", size: size(25_000_000), runs: [round(1.1, 650), round(1.2, 600), round(1.3, 560, { errors: 1 })] },
    ];
    const doc = resultsDoc(rows, opts, { date: "2026-12-02T01:00:00.000Z", command: "npm run --silent bench:app -- --rounds 3", cpus: 2, loadavg: [0.5, 1.5], cpuCounter: "cgroup v1 cpuacct.usage" });
    it("CPU per request at or under the conventional image's meets the target; over it does not", () => {
        assert.strictEqual(doc.targets["debian: CPU per request <= 1.0x conventional (median of per-round ratios)"], true);
        assert.strictEqual(doc.targets["upstream: CPU per request <= 1.0x conventional (median of per-round ratios)"], false);
        assert.strictEqual(doc.targets["upstream: zero errors (with the conventional image's)"], false);
        assert.strictEqual(doc.ratios.debian!.gzip, 0.489);
    });
    it("the table shows each figure's spread and the method, CPU counter and command", () => {
        const md = markdown(doc);
        assert.ok(md.includes("| CPU ms/request | 1.000 / **1.100** / 1.200 | 0.900 / **1.000** / 1.100 | 1.100 / **1.200** / 1.300 |"), md);
        assert.ok(md.includes("pinned to CPU 0 (`--cpuset-cpus`)") && md.includes("pinned to CPU 1 (`taskset`)"), md);
        assert.ok(md.includes("(cgroup v1 cpuacct.usage)"), md);
        assert.ok(md.includes("| size: gzip layers as pushed | 45.0 MB | 22.0 MB | 25.0 MB |"), md);
        assert.ok(md.includes("Command: `npm run --silent bench:app -- --rounds 3`"), md);
        assert.ok(md.includes("upstream `app:2` on `python-upstream:r`"), md);
    });
    it("without a conventional row there is nothing to compare with", () => {
        assert.throws(() => resultsDoc(rows.slice(1), opts, { date: "", command: "", cpus: 2, loadavg: [0, 0], cpuCounter: "" }), /no conventional row/);
    });
});
