import * as assert from "node:assert/strict";
import { crossRatio, parseRuns, RUNS, type RunResult } from "../../../bench/arm64-bench";

describe("bench:arm64 (pure parts)", function () {
  it("accepts the named runs and rejects others, naming the accepted ones", function () {
    assert.deepEqual(parseRuns("cross-fast,amd64-fast"), ["cross-fast", "amd64-fast"]);
    assert.throws(() => parseRuns("cross-fast,qemu"), /"qemu" is not a run; accepted: cross-fast, amd64-fast, emulated-fast, cross-prod, amd64-prod, emulated-prod/);
    assert.throws(() => parseRuns(""), /no run named/);
  });

  it("the emulated runs build from the old tree, the others from this one; only prod runs drop --fast", function () {
    assert.deepEqual(Object.entries(RUNS).filter(([, r]) => r.tree === "emulated").map(([n]) => n), ["emulated-fast", "emulated-prod"]);
    assert.deepEqual(Object.entries(RUNS).filter(([, r]) => !r.fast).map(([n]) => n), ["cross-prod", "amd64-prod", "emulated-prod"]);
  });

  it("the cross/amd64 ratio needs both --fast runs finished and successful", function () {
    const r = (run: RunResult["run"], seconds: number, finished = true, ok = true): RunResult => ({ run, what: "", seconds, finished, ok, load: [0, 0] });
    assert.equal(crossRatio([r("cross-fast", 300), r("amd64-fast", 200)]), 1.5);
    assert.equal(crossRatio([r("cross-fast", 300), r("amd64-fast", 200, false)]), undefined);
    assert.equal(crossRatio([r("cross-fast", 300, true, false), r("amd64-fast", 200)]), undefined);
    assert.equal(crossRatio([r("amd64-fast", 200)]), undefined);
  });
});
