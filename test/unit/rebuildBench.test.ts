// bench:rebuild reports where a run's time went from the rebuild's own progress lines, so a
// variant that compiles CPython again instead of reusing the compiled stage shows in the table.
import * as assert from "assert";
import { phases } from "../../bench/rebuild-bench";

// Lines as scripts/rebuild.ts prints them (copied from a run of test/image/rebuild.test.ts).
const STDERR = [
    "[rebuild] lock upstream 3.13 re-resolved against today's archive (39 s)",
    "[rebuild] upstream 3.13 runtime amd64: building (log: .cache/rebuild-logs/upstream-3.13-runtime-amd64.log)",
    `[rebuild] upstream 3.13 runtime amd64: candidate 127.0.0.1:5001/rb/python@sha256:${"6".repeat(64)} (untagged, 360 s)`,
    `[rebuild] upstream 3.13 debug amd64: candidate 127.0.0.1:5001/rb/python@sha256:${"7".repeat(64)} (untagged, 2 s)`,
    "[rebuild]   ok   zoneinfo amd64 (0 s)",
    "#9 [cpython-upstream 8/9] RUN bash /usr/src/cpython-build/build.sh",
].join("\n");

describe("bench:rebuild: where the time went", () => {
    it("lists each lock re-resolution and each candidate build with its seconds, in order", () => {
        assert.deepStrictEqual(phases(STDERR), [
            { what: "lock upstream 3.13 re-resolved", seconds: 39 },
            { what: "build upstream 3.13 runtime amd64", seconds: 360 },
            { what: "build upstream 3.13 debug amd64", seconds: 2 },
        ]);
    });
    it("counts nothing from check lines or BuildKit's own output", () => {
        assert.deepStrictEqual(phases("[rebuild]   ok   zoneinfo amd64 (0 s)\n#9 DONE 360.2s\n"), []);
    });
});
