/**
 * The upstream lock's CPython build dependencies (scripts/python-upstream-lock.ts): the
 * roles of image/cpython/build-deps.txt, apt's simulation output, the lock text the build
 * stages read with image/assemble/lock.sh.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { aptSpecs, parseAptSimulation, parseBuildDeps, parseBuildPair, pinBuildDeps, withBuildDependencies, DEFAULT_BUILDS } from "../../../scripts/python-upstream-lock";

const ROOT = path.resolve(__dirname, "../../..");
const DEPS = fs.readFileSync(path.join(ROOT, "image/cpython/build-deps.txt"), "utf8");

describe("upstream lock: CPython build dependencies", function () {
  it("native builds install tools and target libraries of one architecture; cross builds add the cross toolchain and qualify the target's -dev packages", function () {
    const deps = parseBuildDeps(DEPS);
    const native = aptSpecs(deps, "amd64/amd64");
    assert.ok(native.includes("gcc") && native.includes("libssl-dev") && native.includes("libc6-dev"));
    assert.ok(!native.some((s) => s.includes(":") || s.includes("aarch64")), native.join(" "));
    const cross = aptSpecs(deps, "amd64/arm64");
    for (const s of ["gcc", "libc6-dev", "libc6-dev:arm64", "libssl-dev:arm64", "gcc-aarch64-linux-gnu", "binutils-aarch64-linux-gnu", "zlib1g-dev", "zlib1g-dev:arm64"]) {
      assert.ok(cross.includes(s), `${s} missing from ${cross.join(" ")}`);
    }
    assert.ok(!cross.includes("libssl-dev"), "the build Python needs no native libssl-dev");
    assert.ok(!native.some((s) => s.startsWith("bolt-")) && !cross.some((s) => s.startsWith("bolt-")), "only a +bolt pair downloads LLVM's BOLT");
    const bolt = aptSpecs(deps, "amd64/amd64+bolt");
    assert.deepEqual(bolt.filter((s) => !native.includes(s)), ["bolt-19"]);
  });

  it("rejects unknown roles, a missing role, duplicates and bad pairs, naming the line", function () {
    assert.throws(() => parseBuildDeps("gcc tool\nlibfoo-dev lib\n", "f.txt"), /f\.txt:2: libfoo-dev: unknown role "lib"; accepted: tool, target, cross, build-python, bolt/);
    assert.throws(() => parseBuildDeps("gcc\n", "f.txt"), /f\.txt:1: gcc has no role/);
    assert.throws(() => parseBuildDeps("gcc tool\ngcc target\n", "f.txt"), /f\.txt:2: gcc is listed twice/);
    assert.throws(() => parseBuildDeps("gcc-{triplet} tool\n", "f.txt"), /\{triplet\} only makes sense with the role cross/);
    assert.throws(() => parseBuildPair("amd64-arm64"), /not BUILDARCH\/TARGETARCH/);
    assert.throws(() => parseBuildPair("amd64/riscv64"), /architectures amd64, arm64/);
    assert.throws(() => parseBuildPair("amd64/arm64+bolt"), /\+bolt needs a native pair/);
    assert.deepEqual(DEFAULT_BUILDS.map(parseBuildPair), [
      { build: "amd64", target: "amd64", bolt: false }, { build: "amd64", target: "arm64", bolt: false }, { build: "amd64", target: "amd64", bolt: true },
    ]);
  });

  it("reads apt-get install -s: new packages, upgrades and packages configured later", function () {
    const got = parseAptSimulation([
      "Reading package lists...",
      "Inst libc6:arm64 (2.41-12+deb13u5 Debian:13.8/stable [arm64])",
      "Inst libgcc-s1 (14.2.0-19 Debian:13.8/stable [amd64]) []",
      "Inst libc6 [2.41-12+deb13u4] (2.41-12+deb13u5 Debian:13.8/stable, Debian-Security:13/stable-security [amd64])",
      "Inst ca-certificates (20250419+deb13u1 Debian:13.8/stable [all])",
      "Conf libc6 (2.41-12+deb13u5 Debian:13.8/stable [amd64])",
    ].join("\n"));
    assert.deepEqual(got.map((g) => `${g.package}:${g.architecture}=${g.version}`), [
      "libc6:arm64=2.41-12+deb13u5", "libgcc-s1:amd64=14.2.0-19", "libc6:amd64=2.41-12+deb13u5", "ca-certificates:all=20250419+deb13u1",
    ]);
    assert.throws(() => parseAptSimulation("Inst weird line"), /cannot read "Inst weird line"/);
    assert.throws(() => parseAptSimulation("E: Unable to locate package nope"), /installs nothing/);
  });

  it("pins each package to a signed index entry of exactly apt's version, or names the ones no index has", function () {
    const st = (p: string, v: string, a: string) => ({ package: p, version: v, architecture: a, filename: `pool/main/${p}_${v}_${a}.deb`, sha256: "c".repeat(64), size: 3 });
    const suites = [
      { suite: "trixie", byArch: { amd64: [st("make", "4.4.1-2", "amd64"), st("ca-certificates", "1", "all")], arm64: [st("libc6", "2.41-12", "arm64")] } },
      { suite: "trixie-security", byArch: { amd64: [], arm64: [st("libc6", "2.41-12+deb13u5", "arm64")] } },
    ];
    const got = pinBuildDeps([{ package: "make", version: "4.4.1-2", architecture: "amd64" }, { package: "libc6", version: "2.41-12+deb13u5", architecture: "arm64" }, { package: "ca-certificates", version: "1", architecture: "all" }], suites, "amd64/arm64");
    assert.deepEqual(got.map((g) => [g.package, g.architecture, g.suite]), [["ca-certificates", "all", "trixie"], ["libc6", "arm64", "trixie-security"], ["make", "amd64", "trixie"]]);
    assert.throws(() => pinBuildDeps([{ package: "make", version: "9", architecture: "amd64" }], suites, "amd64/amd64"), /amd64\/amd64: apt chose versions no signed index carries: make:amd64=9/);
  });

  it("writes buildDependencies that JSON.parse and the stages' lock reader agree on", function () {
    const lock = fs.readFileSync(path.join(ROOT, "image/locks/debian-3.13.json"), "utf8");
    const dep = { layer: "build" as const, package: "make", version: "4.4.1-2", architecture: "amd64", suite: "trixie", filename: "pool/main/m/make-dfsg/make_4.4.1-2_amd64.deb", sha256: "d".repeat(64), size: 463104 };
    const text = withBuildDependencies(lock, { "amd64/arm64": [dep, { ...dep, package: "libc6-dev", architecture: "arm64", filename: "pool/main/g/glibc/libc6-dev_2.41_arm64.deb" }], "amd64/amd64": [dep] });
    const parsed = JSON.parse(text) as { buildDependencies: Record<string, { package: string }[]> };
    assert.deepEqual(Object.keys(parsed.buildDependencies), ["amd64/amd64", "amd64/arm64"]);
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "upstream-lock-")), "lock.json");
    fs.writeFileSync(f, text);
    const r = spawnSync("bash", ["-c", `. "${ROOT}/image/assemble/lock.sh"; lock_entries "$1" buildDependencies amd64/arm64`, "x", f], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split("\n").map((l) => l.split("\t")[1]), ["make", "libc6-dev"]);
    assert.throws(() => withBuildDependencies("{}\n", {}), /does not end with the architectures section/);
  });

  it("every committed upstream lock pins the build dependencies of the default build pairs", function () {
    for (const minor of ["3.13", "3.14"]) {
      const lock = JSON.parse(fs.readFileSync(path.join(ROOT, `image/locks/upstream-${minor}.json`), "utf8")) as { buildDependencies?: Record<string, { package: string; architecture: string }[]> };
      assert.ok(lock.buildDependencies, `upstream-${minor}.json has no buildDependencies: npm run python:lock -- --python ${minor}`);
      assert.deepEqual(Object.keys(lock.buildDependencies).sort(), [...DEFAULT_BUILDS].sort());
      const cross = lock.buildDependencies["amd64/arm64"];
      assert.ok(cross.some((p) => p.package === "gcc-aarch64-linux-gnu" && p.architecture === "amd64"));
      assert.ok(cross.some((p) => p.package === "libssl-dev" && p.architecture === "arm64"));
      assert.ok(lock.buildDependencies["amd64/amd64+bolt"].some((p) => p.package === "bolt-19"), `upstream-${minor}.json: the +bolt pair lacks bolt-19`);
    }
  });
});
