import * as assert from "assert";
import { BEGIN, END, renderMatrix, replaceSection } from "../../../scripts/examples/readme";
import { parseMatrixArgs, TARGETS } from "../../../scripts/examples-matrix";

describe("examples matrix in the README", () => {
    const targets = [
        { target: "debian 3.13.5", runtimeImage: "r/python-debian:a", results: [
            { name: "fastapi", ok: true, coldStartMs: 1810, sizeBytes: 26_100_000, detail: "ok" },
            { name: "pandas", ok: false, detail: "build failed: no wheel | for cp313\nmore" },
        ] },
        { target: "upstream 3.13.5", runtimeImage: "r/python-upstream:b", results: [
            { name: "fastapi", ok: true, coldStartMs: 1500, sizeBytes: 30_000_000, detail: "ok" },
        ] },
    ];

    it("one row per example, one column per target: pass with size and cold start, FAIL with the first line of the reason", () => {
        const md = renderMatrix(targets, { date: "2026-12-01", command: "npm run --silent examples:matrix" });
        const rows = md.split("\n").filter((l) => l.startsWith("| "));
        assert.deepStrictEqual(rows, [
            "| example | debian 3.13.5 | upstream 3.13.5 |",
            "| fastapi | pass, 26.1 MB, 1810 ms | pass, 30.0 MB, 1500 ms |",
            "| pandas | **FAIL** (build failed: no wheel \\| for cp313) | not run |",
        ]);
        assert.match(md, /^Generated 2026-12-01 by `npm run --silent examples:matrix`/);
    });

    it("replaces only the marked section, and refuses a README without exactly one pair of markers", () => {
        const doc = `# T\n\n${BEGIN}\nold table\n${END}\n\ntail\n`;
        assert.strictEqual(replaceSection(doc, "new"), `# T\n\n${BEGIN}\nnew\n${END}\n\ntail\n`);
        assert.strictEqual(replaceSection(replaceSection(doc, "new"), "new"), replaceSection(doc, "new"));
        assert.throws(() => replaceSection("# none\n", "x", "examples/README.md"), /examples\/README\.md: needs exactly one/);
        assert.throws(() => replaceSection(`${BEGIN}\n${BEGIN}\n${END}`, "x"), /needs exactly one/);
    });

    it("matrix options: every buildable target by default; unknown targets name the accepted ones", () => {
        assert.deepStrictEqual(parseMatrixArgs([]).targets, [...TARGETS]);
        assert.deepStrictEqual(parseMatrixArgs(["--target", "debian-3.13"]).targets, ["debian-3.13"]);
        assert.throws(() => parseMatrixArgs(["--target", "debian-3.14"]), /option --target: "debian-3.14"; accepted: debian-3.13, upstream-3.13/);
    });
});
