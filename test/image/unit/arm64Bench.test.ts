import * as assert from "node:assert/strict";
import { buildArgs, crossRatio, MULTI_PLATFORM_BASE, nativeBuildCached, pairRatio, parseRuns, RUNS, type RunResult } from "../../../bench/arm64-bench";

describe("bench:arm64 (pure parts)", function () {
  it("accepts the named runs and rejects others, naming the accepted ones", function () {
    assert.deepEqual(parseRuns("cross-fast,amd64-fast"), ["cross-fast", "amd64-fast"]);
    assert.throws(() => parseRuns("cross-fast,qemu"), /"qemu" is not a run; accepted: cross-fast, pair-fast, amd64-fast, emulated-fast, cross-prod, amd64-prod, emulated-prod/);
    assert.throws(() => parseRuns(""), /no run named/);
  });

  it("the emulated runs build from the old tree, the others from this one; only prod runs drop --fast", function () {
    assert.deepEqual(Object.entries(RUNS).filter(([, r]) => r.tree === "emulated").map(([n]) => n), ["emulated-fast", "emulated-prod"]);
    assert.deepEqual(Object.entries(RUNS).filter(([, r]) => !r.fast).map(([n]) => n), ["cross-prod", "amd64-prod", "emulated-prod"]);
  });

  it("the old tree builds on a base image with an arm64 manifest, or its 'emulated' build compiles x86-64 natively", function () {
    const m = { url: "http://127.0.0.1:8765", version: "3.13.5", sha256: "a".repeat(64) };
    const base = (a: string[]) => (a.includes("--base-image") ? a[a.indexOf("--base-image") + 1] : undefined);
    assert.equal(base(buildArgs("emulated-fast", "linux/arm64", m, true)), MULTI_PLATFORM_BASE);
    assert.match(MULTI_PLATFORM_BASE, /^[^/]+\/debian:trixie-slim$/);
    // This tree's arm64 build compiles on the build platform: the default base is right for it.
    assert.equal(base(buildArgs("cross-fast", "linux/arm64", m, true)), undefined);
    assert.deepEqual(buildArgs("pair-fast", "linux/amd64", m, false).filter((a) => a === "--no-cache"), []);
    assert.ok(buildArgs("emulated-fast", "linux/arm64", m, true).includes("--no-cache"));
  });

  it("the cross/amd64 ratio needs both --fast runs finished and successful", function () {
    const r = (run: RunResult["run"], seconds: number, finished = true, ok = true): RunResult => ({ run, what: "", seconds, finished, ok, load: [0, 0] });
    assert.equal(crossRatio([r("cross-fast", 300), r("amd64-fast", 200)]), 1.5);
    assert.equal(crossRatio([r("cross-fast", 300), r("amd64-fast", 200, false)]), undefined);
    assert.equal(crossRatio([r("cross-fast", 300, true, false), r("amd64-fast", 200)]), undefined);
    assert.equal(crossRatio([r("amd64-fast", 200)]), undefined);
  });

  it("pair-fast's ratio is its arm64 time over the amd64 build before it, only when both succeeded", function () {
    const p = (seconds: number, amd64Seconds?: number, ok = true): RunResult => ({ run: "pair-fast", what: "", seconds, finished: true, ok, load: [0, 0], amd64Seconds });
    assert.equal(pairRatio([p(240, 200)]), 1.2);
    assert.equal(pairRatio([p(240, 200, false)]), undefined);
    assert.equal(pairRatio([p(240)]), undefined);
  });

  it("the arm64 build reused amd64's interpreter only when every native compile step is CACHED", function () {
    const step = "#12 [cpython-native 2/2] RUN bash /usr/src/cpython-build/build.sh";
    assert.equal(nativeBuildCached(`${step}\n#12 CACHED\n`), true);
    assert.equal(nativeBuildCached(`${step}\n#12 0.2 + set -euxo pipefail\n#12 DONE 240.1s\n`), false);
    // No native step at all (the old build compiled its build Python inside the cross stage).
    assert.equal(nativeBuildCached("#9 [cpython-upstream 8/9] RUN bash /usr/src/cpython-build/build.sh\n#9 CACHED\n"), false);
  });
});
