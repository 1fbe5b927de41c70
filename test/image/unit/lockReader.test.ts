/**
 * The lock reader the build stages use (image/assemble/lock.sh, awk, no JSON tool in the
 * stages): it must return exactly what a JSON parser sees, and a line it does not understand
 * must fail naming it instead of silently dropping a package (issue 8, item 7).
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../../..");
const LOCK_SH = path.join(ROOT, "image/assemble/lock.sh");
const LOCKS = fs.readdirSync(path.join(ROOT, "image/locks")).filter((f) => f.endsWith(".json")).map((f) => path.join(ROOT, "image/locks", f));

interface Entry { layer: string; package: string; version: string; architecture: string; sha256: string; filename: string }
type LockJson = { architectures: Record<string, Entry[]>; buildDependencies?: Record<string, Entry[]> };

/** Runs lock_entries LOCK SECTION KEY in bash (as fetch.sh and the cpython-deps stage do). */
function lockEntries(file: string, section: string, key: string): { status: number | null; rows: string[][]; stderr: string } {
  const r = spawnSync("bash", ["-c", `set -euo pipefail; . "${LOCK_SH}"; lock_entries "$1" "$2" "$3"`, "lock_entries", file, section, key], { encoding: "utf8" });
  return { status: r.status, rows: r.stdout.split("\n").filter(Boolean).map((l) => l.split("\t")), stderr: r.stderr };
}

function tmpLock(text: string): string {
  const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "lock-reader-")), "lock.json");
  fs.writeFileSync(f, text);
  return f;
}

describe("lock reader (image/assemble/lock.sh)", function () {
  for (const file of LOCKS) {
    const lock = JSON.parse(fs.readFileSync(file, "utf8")) as LockJson;
    const sections: [string, Record<string, Entry[]>][] = [["architectures", lock.architectures], ...(lock.buildDependencies ? [["buildDependencies", lock.buildDependencies] as [string, Record<string, Entry[]>]] : [])];
    for (const [section, groups] of sections) {
      for (const key of Object.keys(groups)) {
        it(`${path.basename(file)} ${section}.${key}: the same ${groups[key].length} entries as JSON.parse`, function () {
          const r = lockEntries(file, section, key);
          assert.equal(r.status, 0, r.stderr);
          assert.deepEqual(r.rows, groups[key].map((p) => [p.layer, p.package, p.version, p.architecture, p.sha256, p.filename]));
        });
      }
    }
  }

  const lockFile = path.join(ROOT, "image/locks/debian-3.13.json");
  const text = fs.readFileSync(lockFile, "utf8");
  const lines = text.split("\n");
  const i = lines.findIndex((l) => l.includes('"package":"libffi8"') && l.includes('"architecture":"amd64"'));

  it("a reformatted entry (a space after a colon) fails, naming the line and the package", function () {
    const bad = [...lines];
    bad[i] = bad[i].replace('"version":', '"version": ');
    const r = lockEntries(tmpLock(bad.join("\n")), "architectures", "amd64");
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, new RegExp(`line ${i + 1}: not a package entry this reader understands.*"package":"libffi8"`));
  });

  it("an entry split over two lines, or with keys reordered, fails", function () {
    const split = [...lines];
    split[i] = split[i].replace(',"suite":', ',\n        "suite":');
    assert.notEqual(lockEntries(tmpLock(split.join("\n")), "architectures", "amd64").status, 0);
    const reordered = [...lines];
    const o = JSON.parse(reordered[i].trim().replace(/,$/, "")) as Record<string, unknown>;
    reordered[i] = `      ${JSON.stringify({ package: o.package, layer: o.layer, version: o.version, architecture: o.architecture, suite: o.suite, filename: o.filename, sha256: o.sha256, size: o.size })},`;
    const r = lockEntries(tmpLock(reordered.join("\n")), "architectures", "amd64");
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /libffi8/);
  });

  it("a reformatted entry of another architecture fails too (every line is checked, not only the selected ones)", function () {
    const bad = [...lines];
    bad[i] = bad[i].replace('"layer":', '"layer" :');
    assert.notEqual(lockEntries(tmpLock(bad.join("\n")), "architectures", "arm64").status, 0);
  });

  it("a truncated lock, a missing comma and a missing section fail", function () {
    assert.match(lockEntries(tmpLock(text.slice(0, text.lastIndexOf("]"))), "architectures", "amd64").stderr, /truncated|unexpected|not a package entry/);
    const noComma = [...lines];
    noComma[i] = noComma[i].replace(/,$/, "");
    assert.match(lockEntries(tmpLock(noComma.join("\n")), "architectures", "amd64").stderr, /missing comma/);
    assert.match(lockEntries(lockFile, "architectures", "riscv64").stderr, /has no architectures\.riscv64/);
    assert.match(lockEntries(lockFile, "buildDependencies", "amd64/amd64").stderr, /has no buildDependencies\.amd64\/amd64/);
  });

  it("a missing lock file fails (a failing producer is never an empty list)", function () {
    const r = lockEntries("/nonexistent/lock.json", "architectures", "amd64");
    assert.notEqual(r.status, 0);
    assert.equal(r.rows.length, 0);
  });
});

/** Runs lock_header / lock_refresh_command in bash, as fetch.sh does. */
function lockShell(script: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync("bash", ["-c", `set -euo pipefail; . "${LOCK_SH}"; ${script}`, "lock", ...args], { encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("the refresh command a behind lock names (image/assemble/lock.sh lock_header, lock_refresh_command)", function () {
  for (const file of LOCKS) {
    const lock = JSON.parse(fs.readFileSync(file, "utf8")) as { flavor: string; python: { minor: string } };
    const expected = lock.flavor === "upstream" ? `npm run python:lock -- --python ${lock.python.minor}` : `npm run image:resolve -- --python ${lock.python.minor} --flavor debian`;
    it(`${path.basename(file)}: the ${lock.flavor} ${lock.python.minor} lock is refreshed by ${expected}`, function () {
      const r = lockShell('h=$(lock_header "$1"); f=${h%%$\'\\t\'*} m=${h##*$\'\\t\'}; echo "$f $m"; lock_refresh_command "$f" "$m"', file);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(r.stdout.trim().split("\n"), [`${lock.flavor} ${lock.python.minor}`, expected]);
    });
  }
  it("every command it names is a script of package.json with the options that script reads", function () {
    const scripts = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    assert.ok(scripts["python:lock"] && scripts["image:resolve"]);
    assert.match(fs.readFileSync(path.join(ROOT, "scripts/python-upstream-lock.ts"), "utf8"), /python: \{ type: "string"/);
    assert.match(fs.readFileSync(path.join(ROOT, "scripts/image-resolve.ts"), "utf8"), /flavor/);
  });
  it("a lock without its header lines, or of another flavour, fails naming it (never a wrong command)", function () {
    const headless = tmpLock('{\n  "schemaVersion": 1,\n}\n');
    const r = lockShell('lock_header "$1"', headless);
    assert.notEqual(r.status, 0);
    assert.equal(r.stderr.trim(), `lock.sh: ${headless}: no "flavor" or "python"."minor" header line`);
    const other = lockShell('lock_refresh_command alpine 3.13');
    assert.notEqual(other.status, 0);
    assert.equal(other.stderr.trim(), 'lock.sh: flavor "alpine" is not debian or upstream');
  });
});
