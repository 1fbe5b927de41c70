// Every example of examples/examples.json, built with examples/Dockerfile in our builder
// variant and run hardened in our runtime variant (the Debian 3.13 images CI builds), does
// its real work; and app:check finds nothing wrong with any of the images.
import * as assert from "assert";
import { checkImage } from "../../scripts/app-check";
import { formatFinding } from "../../scripts/app-check/findings";
import { exampleBaseImages } from "./base";
import { defaultExtraCa } from "../../scripts/app-build";
import { loadCatalog } from "../../scripts/examples/catalog";
import { runMatrixCell, type CellResult } from "../../scripts/examples/matrix";

describe("examples (real applications on the builder -> runtime pattern)", function () {
    this.timeout(15 * 60 * 1000);
    const results = new Map<string, CellResult & { image?: string }>();

    for (const example of loadCatalog()) {
        it(`${example.name}: ${example.description}`, async () => {
            const base = await exampleBaseImages();
            const r = await runMatrixCell(example, { ...base, extraCa: defaultExtraCa() });
            results.set(example.name, r);
            assert.ok(r.ok, r.detail);
            console.log(`      ${r.detail}; cold start ${r.coldStartMs} ms; ${(r.sizeBytes! / 1e6).toFixed(1)} MB; built in ${r.buildSeconds}s`);
        });
    }

    it("app:check reports nothing for any example image", () => {
        const images = [...results.values()].filter((r) => r.image).map((r) => r.image!);
        assert.strictEqual(images.length, loadCatalog().length, "every example must have built an image to check");
        // In-process (the CLI itself is exercised by app-check.test.ts): one ts-node start less per image.
        for (const image of images) {
            const r = checkImage(image);
            assert.deepStrictEqual(r.findings.map(formatFinding), [], image);
            assert.match(r.elfSummary, /every interpreter and DT_NEEDED library resolves/, image);
        }
    });
});
