// fetch.sh's refusal of a lock behind the archive, run as the build runs it (bash in a Debian
// trixie container, the real lock reader and dpkg's version comparison) against an archive that
// offers a newer version of every package: apt-cache and apt-get are stand-ins on PATH, so no
// network and no build. Proves the message names the package, both versions, the flavour and
// minor of the lock, and the one command that refreshes it. Seconds, not a build.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const BASE = process.env.IMAGE_TEST_BASE ?? "debian:trixie-slim";

/** Runs fetch.sh LOCK amd64 in a container where the archive's candidate of every package is 99:1.0. */
function fetchBehind(lockFile: string): { status: number | null; stderr: string } {
  const shims = fs.mkdtempSync(path.join(os.tmpdir(), "fetch-shims-"));
  fs.writeFileSync(path.join(shims, "apt-cache"), "#!/bin/sh\necho \"  Installed: (none)\"\necho \"  Candidate: 99:1.0\"\n", { mode: 0o755 });
  fs.writeFileSync(path.join(shims, "apt-get"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  try {
    const r = spawnSync("docker", ["run", "--rm", "--pull", "never", "--network", "none",
      "-v", `${path.join(ROOT, "image/assemble")}:/lib/distroless:ro`, "-v", `${lockFile}:/lock.json:ro`, "-v", `${shims}:/shims:ro`,
      "-e", "PATH=/shims:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      BASE, "bash", "/lib/distroless/fetch.sh", "/lock.json", "amd64", "/tmp/out"], { encoding: "utf8" });
    return { status: r.status, stderr: r.stderr };
  } finally {
    fs.rmSync(shims, { recursive: true, force: true });
  }
}

describe("fetch.sh: a lock behind the archive (stand-in archive, no build)", function () {
  this.timeout(120_000);
  for (const [lock, flavor, command] of [
    ["debian-3.13.json", "debian", "npm run image:resolve -- --python 3.13 --flavor debian"],
    ["upstream-3.13.json", "upstream", "npm run python:lock -- --python 3.13"],
  ] as const) {
    it(`${lock}: fails naming libc6, both versions, the ${flavor} 3.13 lock and "${command}"`, function () {
      const file = path.join(ROOT, "image/locks", lock);
      const libc = (JSON.parse(fs.readFileSync(file, "utf8")) as { architectures: { amd64: { package: string; version: string }[] } }).architectures.amd64.find((p) => p.package === "libc6")!;
      const r = fetchBehind(file);
      assert.equal(r.status, 1, r.stderr.slice(-2000));
      const line = r.stderr.split("\n").find((l) => l.startsWith("fetch.sh: libc6 is behind"));
      assert.equal(line, `fetch.sh: libc6 is behind the archive: lock has ${libc.version}, archive has 99:1.0 (amd64); the ${flavor} 3.13 lock is behind, refresh it: ${command}`);
      assert.match(r.stderr, new RegExp(`^fetch\\.sh: [0-9]+ package\\(s\\) behind the archive or missing: .*; refresh the ${flavor} 3\\.13 lock: ${command.replace(/[.]/g, "\\.")}$`, "m"));
    });
  }
});
