/** One cell of the matrix: build one example on one pair of base images, run it, measure it. */
import type { Example } from "./catalog";
import { buildExample, type ExampleBuildOptions } from "./build";
import { imageSize, runExample, type ExampleResult } from "./run";

export interface CellResult extends ExampleResult {
    /** The built image's tag, when the build succeeded. */
    image?: string;
    /** Image size in bytes (`docker image inspect .Size`), when the build succeeded. */
    sizeBytes?: number;
    buildSeconds?: number;
}

export async function runMatrixCell(example: Example, o: ExampleBuildOptions): Promise<CellResult> {
    const t0 = Date.now();
    let image: string;
    try {
        process.stderr.write(`examples: building ${example.name} (${example.installer})\n`);
        image = await buildExample(example, o);
    } catch (e) {
        return { name: example.name, ok: false, detail: `build failed: ${(e as Error).message}` };
    }
    const buildSeconds = Math.round((Date.now() - t0) / 100) / 10;
    process.stderr.write(`examples: built ${image} in ${buildSeconds}s; running\n`);
    const r = await runExample(example, image);
    return { ...r, image, sizeBytes: imageSize(image), buildSeconds };
}
