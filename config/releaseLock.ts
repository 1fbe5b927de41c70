// The release lock: which published images (by digest) a stack deploys when
// `imageSource: release-lock`. The rebuild pipeline writes it after pushing; the program reads
// it instead of building. Contract (schemaVersion 1):
//   { "schemaVersion": 1, "repositoryUrl": "127.0.0.1:5000",
//     "images": { "<flavor>": { "<minor>": { "<variant>": { "tag", "digest", "ref" } } } },
//     "apps": { "sample-app": { "tag", "digest", "ref" } } }
// where ref is `<repositoryUrl>/<python|python-debian|app>@<digest>`. Pure reader, validator and
// writer; every error names the file, the JSON path and what is accepted.
import * as fs from "fs";
import * as path from "path";
import { DIGEST_PATTERN } from "../components/constants";
import { FLAVORS, imageName, type Flavor } from "../components/imageNaming";
import { VARIANTS, type Variant } from "./schema";

export const RELEASE_LOCK_SCHEMA_VERSION = 1;

export interface LockedImage {
    /** Immutable tag, e.g. `3.13.15-<buildId>[-variant]` (an app's own tag scheme for apps). */
    tag: string;
    /** `sha256:<64 hex>`. */
    digest: string;
    /** `<repositoryUrl>/<image>@<digest>`: what a deployment pins. */
    ref: string;
}

export interface ReleaseLock {
    schemaVersion: 1;
    /** Registry and path the images live under, e.g. `127.0.0.1:5000` or `<loc>-docker.pkg.dev/<project>/<repo>`. */
    repositoryUrl: string;
    images: Partial<Record<Flavor, Record<string, Partial<Record<Variant, LockedImage>>>>>;
    apps: Record<string, LockedImage>;
}

export class ReleaseLockError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ReleaseLockError";
    }
}

const DIGEST = DIGEST_PATTERN;
const REPOSITORY = /^[a-z0-9.-]+(:[0-9]{1,5})?(\/[a-z0-9._-]+)*$/;
const MINOR = /^3\.[0-9]{1,2}$/;
const APP_NAME = /^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

function fail(file: string, jsonPath: string, got: unknown, accepted: string): never {
    throw new ReleaseLockError(`${file}: ${jsonPath} is ${JSON.stringify(got)}; accepted: ${accepted}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The tag an image of this variant must carry: `<x.y.z>-<12 hex>` plus `-<variant>` except for
 * runtime, plus `-fast` for a build without PGO/LTO (tests and CI only).
 */
export function imageTagPattern(minor: string, variant: Variant): RegExp {
    const suffix = variant === "runtime" ? "" : `-${variant}`;
    return new RegExp(`^${minor.replace(".", "\\.")}\\.[0-9]+-[0-9a-f]{12}${suffix}(-fast)?$`);
}

function validateEntry(file: string, jsonPath: string, raw: unknown, repositoryUrl: string, image: string, tag?: RegExp): LockedImage {
    if (!isObject(raw)) fail(file, jsonPath, raw, "an object with tag, digest and ref");
    const { tag: t, digest, ref } = raw;
    if (typeof t !== "string" || !(tag ?? TAG).test(t)) {
        fail(file, `${jsonPath}.tag`, t, tag ? `a tag matching ${tag.source}` : "a Docker tag");
    }
    if (typeof digest !== "string" || !DIGEST.test(digest)) fail(file, `${jsonPath}.digest`, digest, "sha256:<64 lowercase hex>");
    const expected = `${repositoryUrl}/${image}@${digest}`;
    if (ref !== expected) fail(file, `${jsonPath}.ref`, ref, `"${expected}" (repositoryUrl/${image}@digest)`);
    return { tag: t, digest, ref: expected };
}

/** Validates a parsed lock; `file` only names the source in errors. */
export function validateReleaseLock(raw: unknown, file: string): ReleaseLock {
    if (!isObject(raw)) fail(file, "$", raw, "an object");
    if (raw.schemaVersion !== RELEASE_LOCK_SCHEMA_VERSION) fail(file, "$.schemaVersion", raw.schemaVersion, String(RELEASE_LOCK_SCHEMA_VERSION));
    const repositoryUrl = raw.repositoryUrl;
    if (typeof repositoryUrl !== "string" || !REPOSITORY.test(repositoryUrl)) {
        fail(file, "$.repositoryUrl", repositoryUrl, "a registry host[:port][/path] without scheme or trailing slash, e.g. 127.0.0.1:5000");
    }
    if (!isObject(raw.images)) fail(file, "$.images", raw.images, `an object keyed by flavour (${FLAVORS.join(", ")})`);
    const images: ReleaseLock["images"] = {};
    for (const [flavor, minors] of Object.entries(raw.images)) {
        const fPath = `$.images.${flavor}`;
        if (!(FLAVORS as readonly string[]).includes(flavor)) fail(file, fPath, flavor, `a flavour: ${FLAVORS.join(", ")}`);
        if (!isObject(minors)) fail(file, fPath, minors, "an object keyed by Python minor (e.g. 3.13)");
        const byMinor: Record<string, Partial<Record<Variant, LockedImage>>> = {};
        for (const [minor, variants] of Object.entries(minors)) {
            const mPath = `${fPath}["${minor}"]`;
            if (!MINOR.test(minor)) fail(file, mPath, minor, "a Python minor such as 3.13");
            if (!isObject(variants)) fail(file, mPath, variants, `an object keyed by variant (${VARIANTS.join(", ")})`);
            const byVariant: Partial<Record<Variant, LockedImage>> = {};
            for (const [variant, entry] of Object.entries(variants)) {
                const vPath = `${mPath}.${variant}`;
                if (!(VARIANTS as readonly string[]).includes(variant)) fail(file, vPath, variant, `a variant: ${VARIANTS.join(", ")}`);
                byVariant[variant as Variant] = validateEntry(file, vPath, entry, repositoryUrl, imageName(flavor as Flavor), imageTagPattern(minor, variant as Variant));
            }
            byMinor[minor] = byVariant;
        }
        images[flavor as Flavor] = byMinor;
    }
    if (!isObject(raw.apps)) fail(file, "$.apps", raw.apps, "an object keyed by app name (e.g. sample-app)");
    const apps: Record<string, LockedImage> = {};
    for (const [name, entry] of Object.entries(raw.apps)) {
        if (!APP_NAME.test(name)) fail(file, `$.apps.${name}`, name, "an image name: lowercase letters, digits, '.', '_' and '-'");
        apps[name] = validateEntry(file, `$.apps["${name}"]`, entry, repositoryUrl, name);
    }
    return { schemaVersion: 1, repositoryUrl, images, apps };
}

/** Reads and validates a lock file (path as given, relative to the working directory). */
export function readReleaseLock(file: string): ReleaseLock {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        throw new ReleaseLockError(`${file}: cannot read the release lock (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); write it with the rebuild pipeline or npm run local:up`);
    }
    let raw: unknown;
    try {
        raw = JSON.parse(text);
    } catch (err) {
        throw new ReleaseLockError(`${file}: not JSON (${(err as Error).message}); accepted: a release lock, schemaVersion ${RELEASE_LOCK_SCHEMA_VERSION}`);
    }
    return validateReleaseLock(raw, file);
}

/** The lock as written: validated first, stable key order from the object, 2-space JSON. */
export function formatReleaseLock(lock: ReleaseLock, file: string): string {
    return JSON.stringify(validateReleaseLock(lock, file), null, 2) + "\n";
}

/** Validates and writes a lock atomically (temp file + rename), so a reader never sees half a file. */
export function writeReleaseLock(file: string, lock: ReleaseLock): void {
    const text = formatReleaseLock(lock, file);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
}

/** One image of the lock, or an error naming what the lock holds instead. */
export function lockedImage(lock: ReleaseLock, file: string, flavor: Flavor, minor: string, variant: Variant): LockedImage {
    const entry = lock.images[flavor]?.[minor]?.[variant];
    if (!entry) {
        const held = Object.entries(lock.images).flatMap(([f, ms]) => Object.entries(ms ?? {}).flatMap(([m, vs]) => Object.keys(vs).map((v) => `${f}/${m}/${v}`)));
        throw new ReleaseLockError(`${file}: $.images.${flavor}["${minor}"].${variant} is missing; the lock holds: ${held.join(", ") || "no images"} (check flavor, pythonMinors and variants)`);
    }
    return entry;
}

/** One app of the lock, or an error naming the apps it holds. */
export function lockedApp(lock: ReleaseLock, file: string, name: string): LockedImage {
    const entry = lock.apps[name];
    if (!entry) throw new ReleaseLockError(`${file}: $.apps["${name}"] is missing; the lock holds: ${Object.keys(lock.apps).join(", ") || "no apps"}`);
    return entry;
}

/** Every entry of the lock (images by flavour, minor and variant, then apps by name), in a stable order. */
export function lockedEntries(lock: ReleaseLock): LockedImage[] {
    const byKey = <T>(o: Record<string, T>): T[] => Object.keys(o).sort().map((k) => o[k]);
    const images = byKey(lock.images as Record<string, Record<string, Partial<Record<Variant, LockedImage>>>>)
        .flatMap((byMinor) => byKey(byMinor).flatMap((byVariant) => byKey(byVariant as Record<string, LockedImage | undefined>)));
    return [...images.filter((e): e is LockedImage => e !== undefined), ...byKey(lock.apps)];
}

/** The stack's `imageRefs` / `imageTags` outputs, read from the lock for the configured matrix. */
export function lockedImageSet(
    lock: ReleaseLock,
    file: string,
    flavor: Flavor,
    minors: readonly string[],
    variants: readonly Variant[],
): { refs: Record<string, Record<string, string>>; tags: Record<string, Record<string, string>> } {
    const refs: Record<string, Record<string, string>> = {};
    const tags: Record<string, Record<string, string>> = {};
    for (const minor of minors) {
        for (const variant of variants) {
            const entry = lockedImage(lock, file, flavor, minor, variant);
            (refs[minor] ??= {})[variant] = entry.ref;
            (tags[minor] ??= {})[variant] = entry.tag;
        }
    }
    return { refs, tags };
}
