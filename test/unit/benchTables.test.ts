// The README's comparison tables are the bench results, not prose.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { BEGIN, END, renderBenchTables, updateBenchSection } from "../../scripts/lib/benchTables";

const ROOT = path.join(__dirname, "..", "..");

describe("README bench tables", () => {
    it("are exactly what the bench results files render (npm run docs:bench)", () => {
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
        assert.strictEqual(updateBenchSection(readme, renderBenchTables(ROOT)), readme, "README.md's bench tables are stale: run npm run docs:bench");
    });
    it("name each image's numbers from its results file", () => {
        const image = JSON.parse(fs.readFileSync(path.join(ROOT, "bench/results/image-bench.json"), "utf8"));
        const tables = renderBenchTables(ROOT);
        assert.ok(tables.includes(`${(image.images.ours.compressedBytes / 1e6).toFixed(1)} MB`));
        assert.ok(tables.includes(`${Math.round(image.images.google.coldImportMs)} ms`));
    });
    it("a README without the markers fails naming them", () => {
        assert.throws(() => updateBenchSection("# x\n", "t"), new RegExp(`has no bench section: add the lines .*${END}`));
        assert.ok(BEGIN.includes("npm run docs:bench"));
    });
});
