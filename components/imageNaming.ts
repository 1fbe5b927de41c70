// Image names and content-addressed tags, shared by `image:build` and
// DistrolessPythonImage (docs/architecture.md, "Image naming"). Pure string logic plus
// one hashing function over files; runnable as a CLI:
//   npx ts-node components/imageNaming.ts --context image --lock image/locks/upstream-3.13.json \
//       [--version 3.13.5] [--variant debug]
// prints the buildId, or the full tag when --version is given.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

export const FLAVORS = ["upstream", "debian"] as const;
export type Flavor = (typeof FLAVORS)[number];

/**
 * Top-level folders of the build context that do not go into the buildId: locks are
 * hashed separately (only the selected one counts), checks and tests do not change the
 * image.
 */
export const BUILD_ID_EXCLUDES = ["locks", "checks", "test"] as const;

/** Repository image name per flavour: `python` (upstream CPython) or `python-debian`. */
export function imageName(flavor: Flavor): string {
    switch (flavor) {
        case "upstream":
            return "python";
        case "debian":
            return "python-debian";
        default:
            throw new Error(`flavor ${JSON.stringify(flavor)} is not supported; accepted: ${FLAVORS.join(", ")}`);
    }
}

/** `<locksDir>/<flavor>-<minor>.json`. */
export function lockPath(locksDir: string, flavor: Flavor, minor: string): string {
    return path.join(locksDir, `${flavor}-${minor}.json`);
}

/** Files of the build context that go into the buildId, as sorted `/`-separated relative paths. */
export function buildContextFiles(contextDir: string): string[] {
    const out: string[] = [];
    const walk = (rel: string) => {
        for (const entry of fs.readdirSync(path.join(contextDir, rel), { withFileTypes: true })) {
            const child = rel === "" ? entry.name : `${rel}/${entry.name}`;
            if (rel === "" && (BUILD_ID_EXCLUDES as readonly string[]).includes(entry.name)) continue;
            if (entry.isDirectory()) walk(child);
            else if (entry.isFile()) out.push(child);
        }
    };
    walk("");
    // Sort by code unit, not locale, so every machine agrees.
    return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * sha256 over the build context (every file except BUILD_ID_EXCLUDES, as
 * `relative path NUL content` in sorted path order) followed by the bytes of the selected
 * lock: the content hash of what one build reads from `image/`. It is the image's
 * `REVISION` label (a tree hash of `image/`, not a git commit, and blind to the other
 * minors' locks, so their changes never alter this image) and, shortened, its buildId.
 */
export function buildRevision(contextDir: string, lockFile: string): string {
    const hash = crypto.createHash("sha256");
    for (const rel of buildContextFiles(contextDir)) {
        hash.update(rel);
        hash.update("\0");
        hash.update(fs.readFileSync(path.join(contextDir, rel)));
    }
    hash.update(fs.readFileSync(lockFile));
    return hash.digest("hex");
}

/**
 * The first 12 hex digits of buildRevision. Equal inputs give equal ids on every machine,
 * so an unchanged stack previews no diff and a changed lock or Dockerfile gives a new tag.
 */
export function computeBuildId(contextDir: string, lockFile: string): string {
    return buildRevision(contextDir, lockFile).slice(0, 12);
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

/** The registry cache tag of one (minor, variant): never a published tag. */
export function cacheTag(prefix: string, minor: string, variant: string): string {
    return `${prefix}-${minor}-${variant}`;
}

/** `<repository>/<image>@<digest>`: the reference a deployment pins. */
export function digestRef(repositoryUrl: string, image: string, digest: string): string {
    if (!/^sha256:[0-9a-f]{64}$/.test(digest)) {
        throw new Error(`digest ${JSON.stringify(digest)} is not valid; accepted: sha256:<64 lowercase hex>`);
    }
    return `${repositoryUrl.replace(/\/+$/, "")}/${image}@${digest}`;
}

function main(argv: string[]): void {
    const args: Record<string, string> = {};
    for (let i = 0; i < argv.length; i += 2) {
        const flag = argv[i];
        const value = argv[i + 1];
        if (!flag.startsWith("--") || value === undefined) {
            throw new Error(`usage: imageNaming --context DIR --lock FILE [--version X.Y.Z] [--variant runtime|debug|builder]`);
        }
        args[flag.slice(2)] = value;
    }
    if (!args.context || !args.lock) {
        throw new Error("imageNaming: --context DIR and --lock FILE are required");
    }
    const buildId = computeBuildId(args.context, args.lock);
    process.stdout.write(`${args.version ? immutableTag(args.version, buildId, args.variant ?? "runtime") : buildId}\n`);
}

if (require.main === module) {
    try {
        main(process.argv.slice(2));
    } catch (e) {
        process.stderr.write(`${(e as Error).message}\n`);
        process.exit(2);
    }
}
