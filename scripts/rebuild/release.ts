// Where a rebuild publishes its release: the release lock (per flavour, minor and variant:
// the immutable tag and digest now published) with the refreshed locks and
// python-versions.json. Locally files in a folder (the work tree by default); in Cloud Build
// GCS objects, each written only at the generation this run read (a concurrent writer makes
// the write fail instead of being overwritten). The delivery workflow turns a change into a PR.
import * as fs from "node:fs";
import * as path from "node:path";
import { formatReleaseLock, type ReleaseLock, validateReleaseLock } from "../../config/releaseLock";
import { type GcsClient, parseGsUrl } from "./gcs";

export interface ReleaseFiles {
    releaseLock: ReleaseLock;
    /** `<flavor>-<minor>.json` -> bytes. */
    locks: Record<string, Buffer>;
    pythonVersions: Buffer;
}

export interface ReleaseTarget {
    describe(): string;
    /** The release lock published so far, if any. */
    current(): Promise<ReleaseLock | undefined>;
    write(files: ReleaseFiles): Promise<string[]>;
}

const LOCK_NAME = "release-lock.json";

/** A folder. `workTree`: the release lock beside the locks and python-versions.json the build used (written in place). */
export function dirRelease(dir: string, opts: { workTree: boolean; locksDir: string; pythonVersionsFile: string }): ReleaseTarget {
    const lockFile = opts.workTree ? path.join(path.dirname(opts.pythonVersionsFile), LOCK_NAME) : path.join(dir, LOCK_NAME);
    return {
        describe: () => (opts.workTree ? `${lockFile} (work tree)` : dir),
        async current() {
            return fs.existsSync(lockFile) ? validateReleaseLock(JSON.parse(fs.readFileSync(lockFile, "utf8")), lockFile) : undefined;
        },
        async write(files) {
            const written: string[] = [];
            const put = (file: string, bytes: Buffer | string) => {
                const before = fs.existsSync(file) ? fs.readFileSync(file) : undefined;
                if (before && before.equals(Buffer.from(bytes))) return;
                fs.mkdirSync(path.dirname(file), { recursive: true });
                fs.writeFileSync(file, bytes);
                written.push(file);
            };
            put(lockFile, formatReleaseLock(files.releaseLock, lockFile));
            if (!opts.workTree) {
                for (const [name, bytes] of Object.entries(files.locks)) put(path.join(dir, "locks", name), bytes);
                put(path.join(dir, "python-versions.json"), files.pythonVersions);
            }
            return written;
        },
    };
}

/** GCS objects under `gs://bucket/prefix/`, generation-checked. */
export function gcsRelease(gcs: GcsClient, url: string): ReleaseTarget {
    const { bucket, object: prefix } = parseGsUrl(`${url}x`);
    const base = prefix.slice(0, -1);
    const generations = new Map<string, number>();
    const read = async (name: string) => {
        const obj = await gcs.read(bucket, base + name);
        generations.set(name, obj?.generation ?? 0);
        return obj;
    };
    return {
        describe: () => url,
        async current() {
            const obj = await read(LOCK_NAME);
            return obj ? validateReleaseLock(JSON.parse(obj.body), `${url}${LOCK_NAME}`) : undefined;
        },
        async write(files) {
            const entries: [string, string][] = [
                ...Object.entries(files.locks).map(([n, b]) => [`locks/${n}`, b.toString("utf8")] as [string, string]),
                ["python-versions.json", files.pythonVersions.toString("utf8")],
                // Last: a reader that sees the new release lock sees the locks it was built from.
                [LOCK_NAME, formatReleaseLock(files.releaseLock, `${url}${LOCK_NAME}`)],
            ];
            const written: string[] = [];
            for (const [name, body] of entries) {
                if (!generations.has(name)) {
                    const existing = await read(name);
                    if (existing?.body === body) continue;
                }
                const gen = await gcs.create(bucket, base + name, body, generations.get(name) ?? 0);
                if (gen === undefined) throw new Error(`${url}${name} changed while this rebuild ran (generation is no longer ${generations.get(name)}); nothing after it was written`);
                generations.set(name, gen);
                written.push(`${url}${name}#${gen}`);
            }
            return written;
        },
    };
}
