// The base images the examples tests build on: our builder and runtime variants as the image
// tests build them (test/app/harness.ts baseImages), or a pair given as
// EXAMPLES_BUILDER_IMAGE / EXAMPLES_RUNTIME_IMAGE (e.g. the upstream flavour, or images
// already pushed to the local registry).
import { baseImages } from "../app/harness";
import type { BaseImages } from "../../scripts/examples/build";

export function exampleBaseImages(env: NodeJS.ProcessEnv = process.env): Promise<BaseImages> {
    const { EXAMPLES_BUILDER_IMAGE: builderImage, EXAMPLES_RUNTIME_IMAGE: runtimeImage } = env;
    if ((builderImage === undefined) !== (runtimeImage === undefined)) {
        return Promise.reject(new Error("EXAMPLES_BUILDER_IMAGE and EXAMPLES_RUNTIME_IMAGE go together (the venv built in one runs in the other)"));
    }
    return builderImage && runtimeImage ? Promise.resolve({ builderImage, runtimeImage }) : baseImages();
}
