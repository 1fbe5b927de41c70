/**
 * Policies of the build itself: reproducible, never behind the archive, never missing a
 * library, arm64 from arm64 packages. These build images (slow); each names what it proves.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { readPackages } from "../../scripts/image/archive";
import { serializeLock, type Lock } from "../../scripts/image/resolve";
import { compareDebianVersions } from "../../scripts/image/debianVersion";
import { docker, python } from "../../image/checks/lib";
import { CHECKS } from "../../image/checks/checks";
import { builtImage, buildOnce } from "./images";

const ROOT = path.resolve(__dirname, "../..");
const LOCK = path.join(ROOT, "image/locks/debian-3.13.json");

function readLock(): Lock {
  return JSON.parse(fs.readFileSync(LOCK, "utf8")) as Lock;
}

function writeTempLock(lock: Lock): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "lock-")), "debian-3.13.json");
  fs.writeFileSync(file, serializeLock(lock));
  return file;
}

function imageId(ref: string): string {
  return docker(["image", "inspect", ref, "--format", "{{.Id}}"]).stdout.trim();
}

function layerDigests(ref: string): string[] {
  return JSON.parse(docker(["image", "inspect", ref, "--format", "{{json .RootFS.Layers}}"]).stdout) as string[];
}

async function buildFails(o: Parameters<typeof buildOnce>[0]): Promise<string> {
  // runBuild streams BuildKit's log to our stderr; capture it through a child process instead
  // so the error text can be asserted on.
  const { buildArgv } = await import("./images");
  const r = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin"), "--transpile-only", path.join(ROOT, "scripts/image-build.ts"), ...buildArgv(o)], { encoding: "utf8", cwd: ROOT, maxBuffer: 64 << 20 });
  assert.notEqual(r.status, 0, "the build succeeded but must fail");
  return r.stderr;
}

describe("image build policies (python-debian 3.13)", function () {
  this.timeout(30 * 60_000);

  it("nothing_behind_archive: a lock older than the archive fails the build, naming the package and both versions", async function () {
    const lock = readLock();
    const entry = lock.architectures.amd64.find((p) => p.package === "libc6")!;
    const archive = entry.version;
    entry.version = "2.41-12";
    assert.ok(compareDebianVersions(entry.version, archive) < 0);
    const err = await buildFails({ lock: writeTempLock(lock), noCache: true });
    assert.match(err, /libc6 is behind the archive: lock has 2\.41-12, archive has /);
    // ...and the lock and the one command that refreshes it (test/image/fetch-behind.test.ts checks the whole line).
    assert.match(err, /the debian 3\.13 lock is behind, refresh it: npm run image:resolve -- --python 3\.13 --flavor debian/);
    assert.ok(err.includes(archive), `error does not name the archive version ${archive}`);
  });

  it("missing_library: dropping a needed package fails the build, naming the library and the file that needs it", async function () {
    const lock = readLock();
    for (const arch of Object.keys(lock.architectures)) lock.architectures[arch] = lock.architectures[arch].filter((p) => p.package !== "libffi8");
    const err = await buildFails({ lock: writeTempLock(lock) });
    assert.match(err, /missing library libffi\.so\.8 needed by \/usr\/lib\/python3\.13\/lib-dynload\/_ctypes\.cpython-313-x86_64-linux-gnu\.so/);
  });

  it("reproducible: two --no-cache builds of the same lock give the same digest; one package version changed gives another", async function () {
    // IMAGE_TEST_PRUNE=1 (CI) empties the whole BuildKit cache between the builds; without it,
    // --no-cache still re-runs every step. REVISION hashes only what the build reads
    // (components/buildSpec.ts), so it is the same for both builds of one lock.
    if (process.env.IMAGE_TEST_PRUNE === "1") docker(["builder", "prune", "-af"]);
    const refA = await buildOnce({ noCache: true });
    const a = imageId(refA);
    const layersA = layerDigests(refA);
    if (process.env.IMAGE_TEST_PRUNE === "1") docker(["builder", "prune", "-af"]);
    const refB = await buildOnce({ noCache: true });
    const b = imageId(refB);
    assert.equal(b, a, `same lock, different digest; layers ${JSON.stringify(layersA)} vs ${JSON.stringify(layerDigests(refB))}`);

    // One runtime package at another version: an older one a second suite still carries
    // (e.g. trixie vs trixie-security), allowed past the "behind" gate for this test only.
    const lock = readLock();
    const changed = await olderVersionSomewhere(lock);
    if (!changed) this.skip();
    const c = imageId(await buildOnce({ lock: writeTempLock(changed.lock), buildArgs: { ALLOW_BEHIND: changed.pkg } }));
    assert.notEqual(c, a, `changing ${changed.pkg} did not change the digest`);
  });

  it("arm64_starts: the linux/arm64 image (arm64 packages) boots under qemu and imports ssl, sqlite3, ctypes", async function () {
    const ref = await builtImage({ platform: "linux/arm64" });
    const r = python(ref, "import platform, ssl, sqlite3, ctypes.util; print(platform.machine(), ctypes.util.find_library('c'))", { platform: "linux/arm64" });
    assert.equal(r.stdout.trim(), "aarch64 libc.so.6");
    CHECKS.find((c) => c.name === "no_shell")!.run({ image: ref, platform: "linux/arm64" });
    CHECKS.find((c) => c.name === "scanner_sees_lock")!.run({ image: ref, platform: "linux/arm64" });
  });
});

/** A copy of the lock with one runtime package set to an older version another suite still has. */
async function olderVersionSomewhere(lock: Lock): Promise<{ lock: Lock; pkg: string } | undefined> {
  const runtime = lock.architectures.amd64.filter((p) => p.layer === "runtime");
  const names = new Set(runtime.map((p) => p.package));
  const suites = [
    { mirror: "http://deb.debian.org/debian", suite: "trixie" },
    { mirror: "http://deb.debian.org/debian-security", suite: "trixie-security" },
  ];
  for (const s of suites) {
    const stanzas = await readPackages(s, "amd64", names, { cacheDir: path.join(ROOT, "node_modules/.cache/image-resolve") });
    for (const st of stanzas) {
      const cur = runtime.find((p) => p.package === st.package)!;
      if (compareDebianVersions(st.version, cur.version) < 0) {
        Object.assign(cur, { version: st.version, filename: st.filename, sha256: st.sha256, size: st.size, suite: s.suite });
        return { lock, pkg: st.package };
      }
    }
  }
  return undefined;
}
