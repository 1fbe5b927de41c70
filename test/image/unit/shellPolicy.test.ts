/**
 * Shell under image/ (issue 8, item 7): the images' /bin/sh is dash, which has no pipefail,
 * so a `producer | while` there swallows the producer's failure. Every build script runs
 * under bash with `set -euo pipefail` (each stage has bash), and the Dockerfile runs each
 * through bash; plus one behavioural proof that a failing producer fails such a script.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../../..");
const SCRIPTS = ["image/assemble", "image/cpython"].flatMap((d) => fs.readdirSync(path.join(ROOT, d)).filter((f) => f.endsWith(".sh")).map((f) => `${d}/${f}`));

describe("shell under image/", function () {
  it("finds the build scripts", function () {
    assert.ok(SCRIPTS.length >= 8, SCRIPTS.join(" "));
  });

  for (const rel of SCRIPTS) {
    it(`${rel}: #!/bin/bash, and (unless only sourced) set -euo pipefail before anything runs`, function () {
      const text = fs.readFileSync(path.join(ROOT, rel), "utf8");
      assert.ok(text.startsWith("#!/bin/bash\n"), `${rel} does not start with #!/bin/bash`);
      const code = text.split("\n").filter((l) => l.trim() && !l.trim().startsWith("#"));
      const onlyFunctions = /^[a-z_]+\(\) \{$/.test(code[0] ?? "");
      if (!onlyFunctions) assert.match(code[0], /^set -eu(x)?o pipefail$/, `${rel}: first command is "${code[0]}"`);
    });
  }

  it("the Dockerfile runs every image/ script through bash (or its #!/bin/bash)", function () {
    const df = fs.readFileSync(path.join(ROOT, "image/Dockerfile"), "utf8").replace(/\\\n/g, " ");
    const runs = df.split("\n").filter((l) => /^RUN /.test(l) && /\.sh\b/.test(l));
    assert.ok(runs.length >= 5, runs.join("\n"));
    for (const r of runs) assert.doesNotMatch(r, /(^|[;&|]\s*|\s)sh \S+\.sh/, `runs a script with sh: ${r}`);
  });

  it("shellcheck finds nothing (when installed)", function () {
    const which = spawnSync("shellcheck", ["--version"]);
    if (which.status !== 0) this.skip();
    const r = spawnSync("shellcheck", ["-x", ...SCRIPTS], { cwd: ROOT, encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it("a failing producer on the left of a pipe fails under the scripts' options, and would not under dash's", function () {
    const body = "awk '{ print }' /nonexistent/entries.tsv | while read -r l; do echo \"$l\"; done; echo reached";
    const strict = spawnSync("bash", ["-c", `set -euo pipefail; ${body}`], { encoding: "utf8" });
    assert.notEqual(strict.status, 0);
    assert.doesNotMatch(strict.stdout, /reached/);
    const lax = spawnSync("bash", ["-c", `set -eu; ${body}`], { encoding: "utf8" });
    assert.match(lax.stdout, /reached/, "without pipefail the failure is swallowed (the bug this policy prevents)");
  });
});
