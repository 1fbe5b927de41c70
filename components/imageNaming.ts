// Image names and tags, shared by every build path (docs/architecture.md, "Image naming").
// Pure string logic; the buildId itself comes from the build spec (components/buildSpec.ts),
// which hashes exactly what a build reads. Runnable as a CLI:
//   npx ts-node components/imageNaming.ts --flavor upstream --python 3.13 [--variant debug] [--lock FILE] [--platforms linux/amd64,linux/arm64]
// prints the image's immutable tag.
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { DIGEST_PATTERN, type Flavor, FLAVORS, IMAGE_NAMES, type Platform, PLATFORMS, type Variant } from "./constants";

export { FLAVORS, type Flavor };

/** Repository image name per flavour: `python` (upstream CPython) or `python-debian`. */
export function imageName(flavor: Flavor): string {
    if (!(FLAVORS as readonly string[]).includes(flavor)) {
        throw new Error(`flavor ${JSON.stringify(flavor)} is not supported; accepted: ${FLAVORS.join(", ")}`);
    }
    return IMAGE_NAMES[flavor];
}

/** `<locksDir>/<flavor>-<minor>.json`. */
export function lockPath(locksDir: string, flavor: Flavor, minor: string): string {
    return path.join(locksDir, `${flavor}-${minor}.json`);
}

/**
 * The one immutable tag of a build: `<full version>-<buildId>` for `runtime`, with
 * `-<variant>` appended for the other variants (e.g. `3.13.5-0123456789ab-debug`).
 */
export function immutableTag(version: string, buildId: string, variant: string): string {
    if (!/^[0-9]+\.[0-9]+\.[0-9]+$/.test(version)) {
        throw new Error(`version ${JSON.stringify(version)} is not valid; accepted: a full version such as 3.13.5`);
    }
    if (!/^[0-9a-f]{12}$/.test(buildId)) {
        throw new Error(`buildId ${JSON.stringify(buildId)} is not valid; accepted: 12 lowercase hex digits`);
    }
    if (!/^[a-z]+$/.test(variant)) {
        throw new Error(`variant ${JSON.stringify(variant)} is not valid; accepted: a Dockerfile target such as runtime`);
    }
    return variant === "runtime" ? `${version}-${buildId}` : `${version}-${buildId}-${variant}`;
}

/** `<repository>/<image>@<digest>`: the reference a deployment pins. */
export function digestRef(repositoryUrl: string, image: string, digest: string): string {
    if (!DIGEST_PATTERN.test(digest)) {
        throw new Error(`digest ${JSON.stringify(digest)} is not valid; accepted: sha256:<64 lowercase hex>`);
    }
    return `${repositoryUrl.replace(/\/+$/, "")}/${image}@${digest}`;
}

function main(argv: string[]): void {
    // Loaded here, not at the top: buildSpec imports this module.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { imageBuildSpec, readBuildSources } = require("./buildSpec") as typeof import("./buildSpec");
    const { values } = parseArgs({ args: argv, options: {
        context: { type: "string", default: "image" }, flavor: { type: "string", default: "upstream" }, python: { type: "string" },
        variant: { type: "string", default: "runtime" }, lock: { type: "string" }, platforms: { type: "string", default: PLATFORMS.join(",") },
    } });
    if (!values.python) throw new Error("imageNaming: --python MINOR is required; usage: --flavor upstream|debian --python 3.13 [--variant V] [--lock FILE] [--platforms P,P]");
    const flavor = values.flavor as Flavor;
    imageName(flavor);
    const lock = values.lock ?? lockPath(path.join(values.context!, "locks"), flavor, values.python);
    const lockBytes = fs.readFileSync(lock);
    const spec = imageBuildSpec({
        sources: readBuildSources(values.context!), lockBytes, lockContextDir: path.dirname(lock), flavor, minor: values.python,
        variant: values.variant as Variant, platforms: values.platforms!.split(",") as Platform[],
    });
    process.stdout.write(`${spec.tag}\n`);
}

if (require.main === module) {
    try {
        main(process.argv.slice(2));
    } catch (e) {
        process.stderr.write(`${(e as Error).message}\n`);
        process.exit(2);
    }
}
