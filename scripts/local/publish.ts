/**
 * Publishes the local stack's images and app to the loopback registry and writes the release
 * lock the local stack deploys from (imageSource release-lock):
 *
 *   npm run --silent local:publish -- [--registry 127.0.0.1:5000] [--lock .local/release-lock.json] [--reuse]
 *
 * Through the one producer of published images, `rebuild:local`: the Debian flavour of 3.13
 * (runtime, debug, builder; linux/amd64), built from the build spec, checked, signed with the
 * rebuild's local key (once `npm run cosign:install` has run) and tagged, then the sample app
 * on those digests (`--app debian/3.13`: app:check, signed the same way), all recorded in the
 * release lock it writes under .local/release/, which is copied to --lock. The committed
 * locks are used as they are (--no-refresh). The upstream flavour would need the loopback
 * python.org mirror and a CPython build of several minutes; the Debian flavour proves the same
 * deployment. A rerun rebuilds nothing unchanged (the rebuild skips what is published);
 * --reuse keeps an existing lock whose digests the registry still holds (seconds).
 * Prints the lock path on its last stdout line.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { lockedEntries, readReleaseLock, type ReleaseLock } from "../../config/releaseLock";
import { APP_NAME } from "../rebuild/app";
import { manifestDigest, splitRef } from "./registry";

const ROOT = path.resolve(__dirname, "..", "..");
export const LOCAL_LOCK = ".local/release-lock.json";
export const LOCAL_REGISTRY = "127.0.0.1:5000";
/** Where rebuild:local publishes the local release (release lock, the locks it built from). */
export const LOCAL_RELEASE_DIR = ".local/release";
const MINOR = "3.13";
const FLAVOR = "debian";

function log(msg: string): void {
    process.stderr.write(`[local:publish] ${msg}\n`);
}

/** rebuild:local's arguments for the local stack's images and app. */
export function rebuildArgs(registry: string): string[] {
    return [
        "--registry", registry, "--minors", MINOR, "--flavors", FLAVOR, "--platforms", "linux/amd64",
        "--app", `${FLAVOR}/${MINOR}`, "--no-refresh",
        "--release-dir", path.join(ROOT, LOCAL_RELEASE_DIR), "--lease-file", path.join(ROOT, ".local", "rebuild.lease"),
    ];
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

/** True when every digest of the lock is still in the registry. */
export async function lockIsPublished(lock: ReleaseLock): Promise<boolean> {
    const entries = lockedEntries(lock);
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
    log(`rebuild:local ${FLAVOR} ${MINOR} (runtime, debug, builder) and the sample app -> ${registry}`);
    const summary = await npmLastLine(["rebuild:local", "--", ...rebuildArgs(registry)]);
    log(`rebuild:local: ${summary}`);
    const released = path.join(ROOT, LOCAL_RELEASE_DIR, "release-lock.json");
    const lock = readReleaseLock(released);
    if (lock.repositoryUrl !== registry || !lock.images[FLAVOR]?.[MINOR] || !lock.apps[APP_NAME]) {
        throw new Error(`${path.relative(ROOT, released)}: rebuild:local left no ${FLAVOR} ${MINOR} images and ${APP_NAME} for ${registry}`);
    }
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (path.resolve(released) !== file) fs.copyFileSync(released, file);
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
