// Every example of examples/examples.json, built with examples/Dockerfile in our builder
// variant and run hardened in our runtime variant (the Debian 3.13 images CI builds), does
// its real work; and app:check finds nothing wrong with any of the images.
import * as assert from "assert";
import { spawnSync } from "node:child_process";
import { ROOT } from "../app/harness";
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
        for (const image of images) {
            const r = spawnSync("npm", ["run", "--silent", "app:check", "--", "--image", image], { cwd: ROOT, encoding: "utf8" });
            assert.strictEqual(r.status, 0, `${image}: ${r.stdout}${r.stderr}`);
            assert.strictEqual(r.stdout, "", image);
        }
    });
});
