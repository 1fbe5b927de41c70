/**
 * Publishes the local stack's images to the loopback registry and writes the release lock the
 * local stack deploys from (imageSource release-lock):
 *
 *   npm run --silent local:publish -- [--registry 127.0.0.1:5000] [--lock .local/release-lock.json] [--reuse]
 *
 * The Debian flavour of 3.13 (runtime, debug, builder; linux/amd64) with `image:build --push`,
 * then the sample app on those digests with `app:build --push`. Until the rebuild pipeline's
 * `rebuild:local` exists this is the lock's writer for the local stack. The upstream flavour
 * would need the loopback python.org mirror (`npm run python:mirror`) and a CPython build of
 * several minutes; the Debian flavour (about 35 s a variant here) proves the same deployment.
 * --reuse keeps an existing lock whose digests the registry still holds (seconds).
 * Prints the lock path on its last stdout line.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { readReleaseLock, writeReleaseLock, type LockedImage, type ReleaseLock } from "../../config/releaseLock";
import { manifestDigest, splitRef, tags } from "./registry";

const ROOT = path.resolve(__dirname, "..", "..");
export const LOCAL_LOCK = ".local/release-lock.json";
export const LOCAL_REGISTRY = "127.0.0.1:5000";
const MINOR = "3.13";
const FLAVOR = "debian";
const VARIANTS = ["builder", "runtime", "debug"] as const;

function log(msg: string): void {
    process.stderr.write(`[local:publish] ${msg}\n`);
}

/** Runs an npm script, streaming its progress, and returns the last line of its stdout. */
function npmLastLine(args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = execFile("npm", ["run", "--silent", ...args], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 }, (err, stdout) => {
            if (err) return reject(new Error(`npm run ${args.join(" ")} failed: ${err.message}`));
            const last = stdout.trim().split("\n").pop() ?? "";
            resolve(last);
        });
        child.stderr?.pipe(process.stderr);
    });
}

async function entryFor(ref: string): Promise<LockedImage> {
    const { registry, repository, reference } = splitRef(ref);
    const digest = reference.startsWith("sha256:") ? reference : await manifestDigest(registry, repository, reference);
    if (!digest) throw new Error(`${ref}: pushed but the registry does not hold it`);
    let tag = reference.startsWith("sha256:") ? undefined : reference;
    // app:build prints repo@digest: find the tag the push gave that digest.
    for (const t of tag ? [] : await tags(registry, repository)) {
        if ((await manifestDigest(registry, repository, t)) === digest) tag = t;
    }
    if (!tag) throw new Error(`${ref}: no tag of ${registry}/${repository} points at ${digest}`);
    return { tag, digest, ref: `${registry}/${repository}@${digest}` };
}

/** True when every digest of the lock is still in the registry. */
export async function lockIsPublished(lock: ReleaseLock): Promise<boolean> {
    const entries = [...Object.values(lock.images).flatMap((m) => Object.values(m ?? {}).flatMap((v) => Object.values(v))), ...Object.values(lock.apps)];
    for (const e of entries) {
        const { registry, repository } = splitRef(e.ref);
        if ((await manifestDigest(registry, repository, e.digest)) !== e.digest) return false;
    }
    return entries.length > 0;
}

export async function publish(registry: string, lockFile: string, reuse: boolean): Promise<string> {
    const file = path.resolve(ROOT, lockFile);
    if (reuse && fs.existsSync(file)) {
        const lock = readReleaseLock(file);
        if (lock.repositoryUrl === registry && (await lockIsPublished(lock))) {
            log(`reusing ${lockFile}: every digest is in ${registry}`);
            return file;
        }
    }
    const started = Date.now();
    const images: Record<string, LockedImage> = {};
    for (const variant of VARIANTS) {
        const t = Date.now();
        log(`image:build ${FLAVOR} ${MINOR} ${variant} -> ${registry}`);
        const ref = await npmLastLine(["image:build", "--", "--python", MINOR, "--flavor", FLAVOR, "--variant", variant, "--platform", "linux/amd64", "--push", registry]);
        images[variant] = await entryFor(ref);
        log(`${variant}: ${images[variant].ref} (${Math.round((Date.now() - t) / 1000)}s)`);
    }
    const t = Date.now();
    log(`app:build sample-app on ${images.builder.digest.slice(0, 19)}... / ${images.runtime.digest.slice(0, 19)}...`);
    const appRef = await npmLastLine([
        "app:build", "--", "--python", MINOR, "--flavor", FLAVOR, "--platform", "linux/amd64",
        "--builder-image", images.builder.ref, "--runtime-image", images.runtime.ref, "--push", registry,
    ]);
    const app = await entryFor(appRef);
    log(`sample-app: ${app.ref} (${Math.round((Date.now() - t) / 1000)}s)`);
    writeReleaseLock(file, { schemaVersion: 1, repositoryUrl: registry, images: { [FLAVOR]: { [MINOR]: images } }, apps: { "sample-app": app } });
    log(`wrote ${lockFile} in ${Math.round((Date.now() - started) / 1000)}s`);
    return file;
}

if (require.main === module) {
    const { values } = parseArgs({
        options: {
            registry: { type: "string", default: LOCAL_REGISTRY },
            lock: { type: "string", default: LOCAL_LOCK },
            reuse: { type: "boolean", default: false },
        },
    });
    publish(values.registry, values.lock, values.reuse).then(
        (file) => process.stdout.write(`${file}\n`),
        (err: Error) => {
            process.stderr.write(`local:publish: ${err.message}\n`);
            process.exit(1);
        },
    );
}
