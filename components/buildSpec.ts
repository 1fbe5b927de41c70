// The one build definition. Every path that builds an image (DistrolessPythonImage and
// SampleAppImage through docker-build, `image:build` and `app:build` through the buildx CLI,
// the rebuild pipeline, the benches) renders the same pure spec (components/buildRender.ts
// turns it into CLI arguments or docker-build inputs), so what was tested is what ships.
//
// The spec is pure: files are read once into ImageSources/AppSources by the small readers at
// the bottom, and the lock comes in as bytes.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { rfc3339, sourceDateEpoch } from "../scripts/image/buildInputs";
import { APP_IMAGE_NAME, DEFAULT_BUILDER, DEFAULT_CACHE_TAG_PREFIX, type Flavor, IMAGE_NAMES, type Platform, platformArch, PLATFORMS, type Variant, VARIANTS } from "./constants";
import { filesOfSources, parseDockerfile, readSet } from "./dockerfile";
import { immutableTag } from "./imageNaming";

/** Defaults of the Dockerfile interface's inputs, stated once (config/schema.ts uses them too). */
export const BUILD_DEFAULTS = {
    baseImage: "debian:trixie-slim",
    debianMirror: "http://deb.debian.org/debian",
    debianSecurityMirror: "http://deb.debian.org/debian-security",
    pythonMirror: "https://www.python.org/ftp/python",
    cacheTagPrefix: DEFAULT_CACHE_TAG_PREFIX,
    builder: DEFAULT_BUILDER,
    /** upstream PGO training task (image/cpython/build.sh; bench:python measured the choice). */
    pgoTask: "default" as PgoTask,
    /** upstream: BOLT post-link optimisation of native (amd64) PGO builds. */
    bolt: false as boolean,
} as const;

/** PGO training tasks image/cpython/build.sh knows: CPython's own, or nearly the whole test suite. */
export const PGO_TASKS = ["default", "extended"] as const;
export type PgoTask = (typeof PGO_TASKS)[number];

/** The label value naming the upstream optimisation switches, e.g. `pgo-task=default bolt=0`. */
export function buildOptionsLabel(fast: boolean, pgoTask: PgoTask, bolt: boolean): string {
    return fast ? "fast" : `pgo-task=${pgoTask} bolt=${bolt ? 1 : 0}`;
}

/** The id of the CA secret (`RUN --mount=type=secret,id=extra_ca`). */
export const EXTRA_CA_SECRET = "extra_ca";

/** Build args whose value is derived from the buildId itself (label-only): never hashed into it. */
const DERIVED_ARGS = new Set(["REVISION", "IMAGE_CREATED"]);

/** A build context as the spec needs it: its Dockerfile text and every file's sha256. */
export interface BuildSources {
    /** Build context location as passed to the builder (relative to the working directory, or absolute). */
    contextDir: string;
    /** Dockerfile path as passed to the builder. */
    dockerfile: string;
    dockerfileText: string;
    /** `/`-separated path relative to contextDir -> sha256 of its content. */
    files: Record<string, string>;
}

/** Everything one BuildKit invocation needs; rendered by buildRender.ts, never assembled elsewhere. */
export interface BuildSpec {
    /** BuildKit builder, by name. */
    builder: string;
    context: string;
    dockerfile: string;
    target?: string;
    platforms: Platform[];
    buildArgs: Record<string, string>;
    /** Secret ids the build mounts; their values (or files) are supplied by the renderer's caller. */
    secrets: string[];
    /** `--build-context name=dir`. */
    namedContexts: Record<string, string>;
    /** BuildKit attestations: off on every path (signed cosign artifacts come from the pipeline). */
    attestations: { provenance: false; sbom: false };
    /** RUN steps use the host network (Docker's bridge lives in a private range). */
    network: "host";
    noCache: boolean;
    /** Full references, `<repository>/<name>:<tag>` (or `<name>:<tag>` locally). */
    tags: string[];
    /** Registry cache refs (empty when the build has no registry). */
    cacheFrom: string[];
    cacheTo: string[];
}

/** One base image (one flavour, minor and variant) for one or more platforms. */
export interface ImageBuildRequest {
    sources: BuildSources;
    /** The selected lock's bytes: its packages and CPython pins are the build's input. */
    lockBytes: Buffer;
    /** Folder holding `lock.json` (the same bytes): replaces the Dockerfile's `lock` stage. */
    lockContextDir: string;
    flavor: Flavor;
    minor: string;
    variant: Variant;
    /** The platforms of the published index (part of the buildId). */
    platforms: Platform[];
    baseImage?: string;
    debianMirror?: string;
    debianSecurityMirror?: string;
    pythonMirror?: string;
    /** upstream: no PGO/LTO (quick iteration and CI); tagged `-fast`. Default false. */
    fast?: boolean;
    /** upstream: PGO training task. Default BUILD_DEFAULTS.pgoTask. */
    pgoTask?: PgoTask;
    /** upstream: BOLT for native PGO builds (a cross arm64 build skips it). Default BUILD_DEFAULTS.bolt. */
    bolt?: boolean;
    /** upstream, tests only: build this release instead of the lock's. */
    pythonOverride?: { version: string; sha256: string };
    /** Extra build args (tests: ALLOW_BEHIND, TRIM, COMPILE_BYTECODE), merged last. */
    extraBuildArgs?: Record<string, string>;
    /** Mount the CA secret `extra_ca` (TLS-intercepting proxies). Default false. */
    extraCa?: boolean;
    /** `<registry>/<path>`; undefined builds a local name (`python:<tag>`). */
    repository?: string;
    /** Image name. Default: per flavour (`python`, `python-debian`). */
    imageName?: string;
    /** Registry cache tag prefix; false for no cache. Default: `buildcache` when `repository` is set. */
    cacheTagPrefix?: string | false;
    builder?: string;
    noCache?: boolean;
}

/** The spec of one base image: its id, tags and one BuildSpec per platform. */
export interface ImageSpec {
    imageName: string;
    version: string;
    /** sha256 over exactly what the build reads (see buildReadHash); REVISION label. */
    revision: string;
    /** First 12 hex digits of revision. */
    buildId: string;
    /** The immutable tag of the index, e.g. `3.13.5-0123456789ab-debug`. */
    tag: string;
    /** `<repository>/<name>` or `<name>`. */
    repo: string;
    /** One build per platform, tagged `<tag>-<arch>`, each with its own cache ref. */
    perPlatform: (BuildSpec & { platform: Platform; tag: string })[];
    epoch: number;
    /** Context files the build reads (COPY/ADD sources), sorted. */
    readFiles: string[];
    /** Build args some RUN step reads, sorted. */
    runArgs: string[];
}

interface LockView {
    python?: { version?: unknown };
    cpython?: { version?: unknown; sha256?: unknown };
}

/** The Python version and (upstream) CPython sha256 a lock pins: the one source of both. */
export function lockedPython(flavor: Flavor, lockBytes: Buffer): { version: string; sha256: string } {
    const lock = JSON.parse(lockBytes.toString("utf8")) as LockView;
    if (flavor === "upstream") {
        const { version, sha256 } = lock.cpython ?? {};
        if (typeof version !== "string" || !/^[0-9]+\.[0-9]+\.[0-9]+$/.test(version)) {
            throw new Error(`lock field "cpython.version": ${JSON.stringify(version)} is not valid; accepted: a full CPython version such as 3.13.5 (write it with npm run python:lock)`);
        }
        if (typeof sha256 !== "string" || !/^[0-9a-f]{64}$/.test(sha256)) {
            throw new Error(`lock field "cpython.sha256": ${JSON.stringify(sha256)} is not valid; accepted: 64 lowercase hex digits (write it with npm run python:lock)`);
        }
        return { version, sha256 };
    }
    const version = lock.python?.version;
    if (typeof version !== "string" || !/^[0-9]+\.[0-9]+\.[0-9]+$/.test(version)) {
        throw new Error(`lock field "python.version": ${JSON.stringify(version)} is not valid; accepted: the full Python version Debian ships, e.g. 3.13.5`);
    }
    return { version, sha256: "" };
}

/**
 * sha256 over what a build reads: the Dockerfile, the content of every context file the
 * reached stages COPY/ADD, the lock, every build arg a RUN step reads, and the platform set.
 * Nothing else in the context (READMEs, checks, other minors' data) can move it.
 */
export function buildReadHash(sources: BuildSources, readFiles: string[], lockBytes: Buffer, runArgs: string[], buildArgs: Record<string, string>, platforms: readonly string[]): string {
    const h = crypto.createHash("sha256");
    h.update("dockerfile\0").update(sources.dockerfileText).update("\0");
    for (const f of readFiles) h.update(`file\0${f}\0${sources.files[f]}\0`);
    h.update("lock\0").update(lockBytes).update("\0");
    // An arg left unset takes the Dockerfile's default, which the Dockerfile's bytes cover.
    for (const a of runArgs) if (!DERIVED_ARGS.has(a)) h.update(`arg\0${a}\0${a in buildArgs ? `=${buildArgs[a]}` : "(default)"}\0`);
    h.update(`platforms\0${[...platforms].sort().join(",")}`);
    return h.digest("hex");
}

function validateRequest(r: ImageBuildRequest): void {
    if (!/^3\.[0-9]{1,2}$/.test(r.minor)) throw new Error(`build spec "minor": ${JSON.stringify(r.minor)} is not valid; accepted: a minor such as 3.13`);
    if (!(VARIANTS as readonly string[]).includes(r.variant)) throw new Error(`build spec "variant": ${JSON.stringify(r.variant)} is not supported; accepted: ${VARIANTS.join(", ")}`);
    if (r.platforms.length === 0) throw new Error(`build spec "platforms": empty; accepted: one or more of ${PLATFORMS.join(", ")}`);
    for (const p of r.platforms) {
        if (!(PLATFORMS as readonly string[]).includes(p)) throw new Error(`build spec "platforms": ${JSON.stringify(p)} is not supported; accepted: ${PLATFORMS.join(", ")}`);
    }
    if (r.flavor !== "upstream" && (r.fast || r.pythonOverride || r.pythonMirror || r.pgoTask !== undefined || r.bolt !== undefined)) {
        throw new Error(`build spec: fast, pgoTask, bolt, pythonOverride and pythonMirror apply to the upstream flavour only (got flavor ${JSON.stringify(r.flavor)})`);
    }
    if (r.pgoTask !== undefined && !(PGO_TASKS as readonly string[]).includes(r.pgoTask)) {
        throw new Error(`build spec "pgoTask": ${JSON.stringify(r.pgoTask)} is not supported; accepted: ${PGO_TASKS.join(", ")}`);
    }
    // Only an explicit switch conflicts with fast: the defaults are the production build's, and
    // a fast build sets both off below whatever they are.
    if (r.fast && ((r.pgoTask !== undefined && r.pgoTask !== "default") || r.bolt === true)) {
        throw new Error(`build spec: pgoTask ${JSON.stringify(r.pgoTask)} / bolt ${String(r.bolt)} need PGO, which fast turns off; accepted with fast: pgoTask "default", bolt false`);
    }
}

/** The spec of one base image. Pure: same request, same spec, on every machine. */
export function imageBuildSpec(r: ImageBuildRequest): ImageSpec {
    validateRequest(r);
    const locked = lockedPython(r.flavor, r.lockBytes);
    const python = r.pythonOverride ?? locked;
    if (!python.version.startsWith(`${r.minor}.`)) {
        throw new Error(`build spec: the lock pins Python ${python.version}, not a release of ${r.minor}; re-resolve the lock for ${r.flavor} ${r.minor}`);
    }
    const epoch = sourceDateEpoch(r.lockBytes);
    const inputs: Record<string, string> = {
        BASE_IMAGE: r.baseImage ?? BUILD_DEFAULTS.baseImage,
        DEBIAN_MIRROR: r.debianMirror ?? BUILD_DEFAULTS.debianMirror,
        DEBIAN_SECURITY_MIRROR: r.debianSecurityMirror ?? BUILD_DEFAULTS.debianSecurityMirror,
        PYTHON_FLAVOR: r.flavor,
        PYTHON_MINOR: r.minor,
        PYTHON_VERSION: python.version,
        SOURCE_DATE_EPOCH: String(epoch),
        ...(r.flavor === "upstream" ? {
            PYTHON_SHA256: python.sha256,
            PYTHON_MIRROR: r.pythonMirror ?? BUILD_DEFAULTS.pythonMirror,
            PYTHON_FAST: r.fast ? "1" : "0",
            PYTHON_PGO_TASK: r.fast ? "default" : (r.pgoTask ?? BUILD_DEFAULTS.pgoTask),
            PYTHON_BOLT: !r.fast && (r.bolt ?? BUILD_DEFAULTS.bolt) ? "1" : "0",
        } : {}),
        ...(r.extraBuildArgs ?? {}),
    };
    // One id for every variant of a (flavour, minor): the read set of all targets.
    const reads = readSet(r.sources.dockerfileText, VARIANTS, inputs, ["lock"]);
    let readFiles: string[];
    try {
        readFiles = filesOfSources(reads.copySources, Object.keys(r.sources.files));
    } catch (e) {
        // The contextDir contract: every file the Dockerfile COPYs (components/packageContext.ts).
        throw new Error(`build context ${r.sources.contextDir}: ${(e as Error).message}; accepted: the package's own image/ folder (packagedImageContext()) or a folder holding every file the Dockerfile copies`);
    }
    const revision = buildReadHash(r.sources, readFiles, r.lockBytes, reads.runArgs, inputs, r.platforms);
    const buildId = revision.slice(0, 12);
    const imageName = r.imageName ?? IMAGE_NAMES[r.flavor];
    // A --fast build is not the production artifact: its tag says so.
    const tag = immutableTag(python.version, buildId, r.variant) + (r.fast ? "-fast" : "");
    const repo = r.repository ? `${r.repository.replace(/\/+$/, "")}/${imageName}` : imageName;
    const buildArgs = {
        ...inputs, IMAGE_CREATED: rfc3339(epoch), REVISION: revision,
        ...(r.flavor === "upstream" ? { PYTHON_BUILD_OPTIONS: buildOptionsLabel(!!r.fast, inputs.PYTHON_PGO_TASK as PgoTask, inputs.PYTHON_BOLT === "1") } : {}),
    };
    const cachePrefix = r.cacheTagPrefix === false || !r.repository ? undefined : (r.cacheTagPrefix ?? BUILD_DEFAULTS.cacheTagPrefix);
    const perPlatform = r.platforms.map((platform) => {
        const arch = platformArch(platform);
        const cache = cachePrefix ? [`${repo}:${cachePrefix}-${r.minor}-${r.variant}-${arch}`] : [];
        return {
            platform,
            tag: `${tag}-${arch}`,
            builder: r.builder ?? BUILD_DEFAULTS.builder,
            context: r.sources.contextDir,
            dockerfile: r.sources.dockerfile,
            target: r.variant,
            platforms: [platform],
            buildArgs,
            secrets: r.extraCa ? [EXTRA_CA_SECRET] : [],
            namedContexts: { lock: r.lockContextDir },
            attestations: { provenance: false, sbom: false } as const,
            network: "host" as const,
            noCache: r.noCache ?? false,
            tags: [`${repo}:${tag}-${arch}`],
            cacheFrom: cache,
            cacheTo: cache,
        };
    });
    return { imageName, version: python.version, revision, buildId, tag, repo, perPlatform, epoch, readFiles, runArgs: reads.runArgs };
}

// --- The sample app ----------------------------------------------------------------------

/** The app's build context: what its .dockerignore lets through, hashed. */
export type AppSources = BuildSources;

export interface AppBuildRequest {
    sources: AppSources;
    /** Digest references of our builder and runtime images (the venv moves between them). */
    builderImage: string;
    runtimeImage: string;
    platforms: Platform[];
    /** `<registry>/<path>`; undefined builds a local name. */
    repository?: string;
    imageName?: string;
    extraCa?: boolean;
    builder?: string;
    noCache?: boolean;
}

export interface AppSpec {
    repo: string;
    /** `app-<12 hex>`: the app's files and both base references. */
    tag: string;
    perPlatform: (BuildSpec & { platform: Platform; tag: string })[];
}

/**
 * The app's content-addressed tag: the Dockerfile, every context file it reads (COPY and
 * bind-mount sources) and both base references (digests), so an app change or a base
 * change gives a new tag, never a re-pushed one. `app-` is a published tag prefix, so the
 * cleanup policy keeps what old ReplicaSets pin. One function for the component and app:build.
 */
export function appTag(sources: AppSources, builderImage: string, runtimeImage: string): string {
    const args = { BUILDER_IMAGE: builderImage, RUNTIME_IMAGE: runtimeImage };
    const parsed = readSet(sources.dockerfileText, [lastStage(sources.dockerfileText)], args);
    const readFiles = filesOfSources(parsed.copySources, Object.keys(sources.files));
    const h = crypto.createHash("sha256");
    h.update("dockerfile\0").update(sources.dockerfileText).update("\0");
    for (const f of readFiles) h.update(`file\0${f}\0${sources.files[f]}\0`);
    h.update(`builder\0${builderImage}\0runtime\0${runtimeImage}`);
    return `app-${h.digest("hex").slice(0, 12)}`;
}

/** The default target: the last stage. */
function lastStage(text: string): string {
    const stages = parseDockerfile(text).stages;
    return stages[stages.length - 1].name;
}

export function appBuildSpec(r: AppBuildRequest): AppSpec {
    const tag = appTag(r.sources, r.builderImage, r.runtimeImage);
    const name = r.imageName ?? APP_IMAGE_NAME;
    const repo = r.repository ? `${r.repository.replace(/\/+$/, "")}/${name}` : name;
    const perPlatform = r.platforms.map((platform) => ({
        platform,
        tag: `${tag}-${platformArch(platform)}`,
        builder: r.builder ?? BUILD_DEFAULTS.builder,
        context: r.sources.contextDir,
        dockerfile: r.sources.dockerfile,
        platforms: [platform],
        buildArgs: { BUILDER_IMAGE: r.builderImage, RUNTIME_IMAGE: r.runtimeImage },
        secrets: r.extraCa ? [EXTRA_CA_SECRET] : [],
        namedContexts: {},
        attestations: { provenance: false, sbom: false } as const,
        network: "host" as const,
        noCache: r.noCache ?? false,
        tags: [`${repo}:${tag}-${platformArch(platform)}`],
        cacheFrom: [],
        cacheTo: [],
    }));
    return { repo, tag, perPlatform };
}

// --- Readers (the only I/O) ----------------------------------------------------------------

function sha256File(file: string): string {
    return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/** Every file under a folder, `/`-separated and sorted by code unit; `skip` names folders to leave out. */
export function listFiles(dir: string, skip: (rel: string) => boolean = () => false): string[] {
    const out: string[] = [];
    const walk = (rel: string) => {
        for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
            const child = rel === "" ? e.name : `${rel}/${e.name}`;
            if (skip(child)) continue;
            if (e.isDirectory()) walk(child);
            else if (e.isFile()) out.push(child);
        }
    };
    walk("");
    return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Reads a build context: the Dockerfile's text and the sha256 of every file. */
export function readBuildSources(contextDir: string, dockerfile = path.join(contextDir, "Dockerfile"), skip?: (rel: string) => boolean): BuildSources {
    const files: Record<string, string> = {};
    for (const f of listFiles(contextDir, skip)) files[f] = sha256File(path.join(contextDir, f));
    return { contextDir, dockerfile, dockerfileText: fs.readFileSync(dockerfile, "utf8"), files };
}

/** The app context without bytecode caches (its .dockerignore keeps them out of the build too). */
export function readAppSources(contextDir: string): AppSources {
    return readBuildSources(contextDir, path.join(contextDir, "Dockerfile"), (rel) => rel.split("/").pop() === "__pycache__");
}

/**
 * Stages a lock as `<root>/<sha16>/lock.json` (the named context that replaces the
 * Dockerfile's `lock` stage). Named after the lock's hash, so the path is the same on every
 * run and the component previews no diff.
 */
export function stageLock(lockBytes: Buffer, root = path.join(".cache", "build-locks")): string {
    const dir = path.join(root, crypto.createHash("sha256").update(lockBytes).digest("hex").slice(0, 16));
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, "lock.json");
    if (!fs.existsSync(file) || !fs.readFileSync(file).equals(lockBytes)) fs.writeFileSync(file, lockBytes);
    return dir;
}
