// The Cloud Build build of the scheduled rebuild, as pure functions of the stack's image
// config: the same minors, flavour, variants, platforms and mirrors that the stack's own
// images are built from (index.ts passes one Config to both), so the two cannot drift.
// The build is produced in the Cloud Build v1 REST shape (`Build` message, what
// `gcloud builds submit --config` reads and what `render` writes as cloudbuild.json) and
// converted to the provider's `TriggerBuild` input shape with one rename table.
import type { types } from "@pulumi/gcp";
import { LEASE_OBJECT, RebuildMachineType, REBUILD_LIMITS, REBUILD_MACHINE_TYPES, RELEASE_PREFIX, RUNNER_COSIGN } from "./rebuildDefaults";

/** What the rebuild builds: the stack's image matrix. */
export interface RebuildMatrix {
    /** Python minors, e.g. `["3.13"]` (config pythonMinors). */
    minors: string[];
    /** Flavours, e.g. `["upstream"]` (the stack's config flavor). */
    flavors: string[];
    /** Variants (config variants). */
    variants: string[];
    /** Platforms (config platforms). */
    platforms: string[];
    /** Mirrors (config pythonMirror, debianMirror, debianSecurityMirror). */
    pythonMirror: string;
    debianMirror: string;
    debianSecurityMirror: string;
    /** The Debian trixie base image of the build stages (config baseImage). */
    baseImage: string;
    /**
     * `FLAVOR/MINOR` the sample app is built on (`rebuild --app`): the stack's flavor and first
     * pythonMinors entry, as index.ts builds it. Undefined (appEnabled false): no app.
     */
    app?: string;
}

/** The stack config fields the matrix is read from (a structural subset of config's Config). */
export interface ImageMatrixConfig {
    pythonMinors: string[];
    flavor: string;
    variants: string[];
    platforms: string[];
    pythonMirror: string;
    debianMirror: string;
    debianSecurityMirror: string;
    baseImage: string;
    /** Whether the stack deploys the sample app (config appEnabled; default false here). */
    appEnabled?: boolean;
}

/** The rebuild's matrix from the stack config: the very fields the stack's images are built from. */
export function rebuildMatrix(config: ImageMatrixConfig): RebuildMatrix {
    return {
        minors: [...config.pythonMinors],
        flavors: [config.flavor],
        variants: [...config.variants],
        platforms: [...config.platforms],
        pythonMirror: config.pythonMirror,
        debianMirror: config.debianMirror,
        debianSecurityMirror: config.debianSecurityMirror,
        baseImage: config.baseImage,
        ...(config.appEnabled ? { app: `${config.flavor}/${config.pythonMinors[0]}` } : {}),
    };
}

/** Everything the build needs, resolved to plain values. */
export interface RebuildBuildSpec extends RebuildMatrix {
    /** `<location>-docker.pkg.dev/<project>/<repo>`. */
    registry: string;
    /** The runner image by digest, `<repo>/rebuild-runner@sha256:...`. */
    runnerImage: string;
    /** Source bucket, object and generation (the archive `pulumi up` uploaded). */
    sourceBucket: string;
    sourceObject: string;
    sourceGeneration: string;
    /** Bucket of the lease and the release objects. */
    stateBucket: string;
    timeoutSeconds: number;
    machineType: RebuildMachineType;
    /** `projects/<project>/serviceAccounts/<email>`. */
    serviceAccount: string;
    /** Build tags (filterable in the console and in logs). */
    tags: string[];
    /** Signing (the stack's SigningKey); undefined: the rebuild publishes unsigned images (and says so). */
    signing?: RebuildSigning;
}

/** How the rebuild signs what it publishes (components/signingKey.ts). */
export interface RebuildSigning {
    /** The pinned KMS key version, `gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K/cryptoKeyVersions/N`. */
    keyUri: string;
    /**
     * The Binary Authorization attestor's note, `projects/P/notes/N`: the rebuild also creates
     * an attestation occurrence on it for every published digest. Default: none (no attestor).
     */
    attestationNote?: string;
}

/** A pinned KMS key version as cosign's gcpkms:// signer names it. */
const KMS_KEY_URI = /^gcpkms:\/\/projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+\/cryptoKeyVersions\/[0-9]+$/;
const NOTE_NAME = /^projects\/[^/]+\/notes\/[^/]+$/;

/** One Cloud Build step in the v1 REST shape (the subset the rebuild uses). */
export interface CloudBuildStep {
    id: string;
    name: string;
    entrypoint: string;
    args: string[];
    env?: string[];
}

/** The Cloud Build v1 `Build` in its REST (proto3 JSON) shape. */
export interface CloudBuildBuild {
    steps: CloudBuildStep[];
    timeout: string;
    options: { machineType: string; logging: "CLOUD_LOGGING_ONLY" };
    source: { storageSource: { bucket: string; object: string; generation: string } };
    serviceAccount: string;
    tags: string[];
}

/**
 * BuildKit image of the docker-container builder the rebuild builds with: the multi-platform
 * pushes and registry cache need it (Cloud Build's engine uses the classic image store). Same
 * BuildKit line (0.13) as the local engine the image tests run on.
 */
export const BUILDKIT_IMAGE = "moby/buildkit:v0.13.2";
/** Name of that builder; the rebuild script builds with it (`--builder`). */
export const BUILDX_BUILDER = "rebuild";

/** `gs://` URLs of the lease and the release prefix in the state bucket. */
export function stateUrls(stateBucket: string): { lease: string; release: string } {
    return { lease: `gs://${stateBucket}/${LEASE_OBJECT}`, release: `gs://${stateBucket}/${RELEASE_PREFIX}` };
}

/**
 * The rebuild script's command line (`npm run --silent rebuild -- <these>`), every value
 * from the matrix: the mirrors are always passed, so the script's own defaults never decide.
 */
export function rebuildCliArgs(spec: Omit<RebuildBuildSpec, "runnerImage" | "sourceBucket" | "sourceObject" | "timeoutSeconds" | "machineType" | "serviceAccount" | "tags">): string[] {
    const { lease, release } = stateUrls(spec.stateBucket);
    return [
        "--registry", spec.registry,
        "--minors", spec.minors.join(","),
        "--flavors", spec.flavors.join(","),
        "--variants", spec.variants.join(","),
        "--platforms", spec.platforms.join(","),
        "--python-mirror", spec.pythonMirror,
        "--debian-mirror", spec.debianMirror,
        "--debian-security-mirror", spec.debianSecurityMirror,
        "--base-image", spec.baseImage,
        "--builder", BUILDX_BUILDER,
        "--lease", lease,
        "--release", release,
        "--source-generation", spec.sourceGeneration,
        // The runner's cosign (the script would otherwise look for a cosign:install build).
        ...(spec.signing ? ["--sign-key", spec.signing.keyUri, "--cosign", RUNNER_COSIGN] : []),
        ...(spec.signing?.attestationNote ? ["--attestation-note", spec.signing.attestationNote] : []),
        // The sample app the stacks deploy, on this release's builder and runtime.
        ...(spec.app ? ["--app", spec.app] : []),
    ];
}

/** True if the matrix builds for a platform the amd64 Cloud Build machine can only emulate. */
export function needsEmulation(platforms: string[]): boolean {
    return platforms.some((p) => p !== "linux/amd64");
}

/**
 * The steps, in order (Cloud Build runs steps without `waitFor` one after the other):
 * - `binfmt` (only when a non-amd64 platform is built): registers qemu's binfmt handlers
 *   in the build VM's kernel, so the arm64 checks of the candidate images can run; it has
 *   to be a privileged container, which a step itself is not;
 * - `registry-login`: the Docker CLI gets registry credentials from the runner's
 *   `docker-credential-metadata`, a fresh token of the build account per push (a token
 *   fetched once would expire during a long rebuild);
 * - `buildx`: a docker-container builder (multi-platform push, registry cache);
 * - `deps`: the project's locked npm dependencies (`npm ci`);
 * - `rebuild`: the rebuild script, which prints `published <n>` last.
 */
export function rebuildSteps(spec: RebuildBuildSpec): CloudBuildStep[] {
    const runner = spec.runnerImage;
    const steps: CloudBuildStep[] = [];
    if (needsEmulation(spec.platforms)) {
        steps.push({
            id: "binfmt",
            name: runner,
            entrypoint: "docker",
            args: ["run", "--rm", "--privileged", "--network", "none", "--entrypoint", "/usr/local/bin/register-binfmt", runner],
        });
    }
    steps.push(
        {
            id: "registry-login",
            name: runner,
            entrypoint: "use-metadata-credentials",
            args: [spec.registry.split("/")[0]],
        },
        {
            id: "buildx",
            name: runner,
            entrypoint: "docker",
            // The rebuild's builds run RUN steps with `--network host` (buildSpec's network):
            // a docker-container BuildKit refuses that entitlement unless its daemon allows it.
            args: [
                "buildx", "create", "--name", BUILDX_BUILDER, "--driver", "docker-container",
                "--driver-opt", `image=${BUILDKIT_IMAGE}`, "--driver-opt", "network=host",
                "--buildkitd-flags=--allow-insecure-entitlement network.host", "--use", "--bootstrap",
            ],
        },
        { id: "deps", name: runner, entrypoint: "npm", args: ["ci", "--no-audit", "--no-fund"] },
        {
            id: "rebuild",
            name: runner,
            entrypoint: "npm",
            args: ["run", "--silent", "rebuild", "--", ...rebuildCliArgs(spec)],
        },
    );
    return steps;
}

/**
 * Checks the plain settings; pure, the message names the arg and what is accepted.
 * Cloud Build substitutes `$NAME` and `${NAME}` in step args, so a `$` in a value
 * (a mirror URL, a bucket) would be rewritten: refused here.
 */
export function validateRebuildSpec(spec: RebuildBuildSpec): void {
    const fail = (arg: string, value: unknown, accepted: string): never => {
        throw new Error(`ScheduledRebuild arg "${arg}": ${JSON.stringify(value)} is not supported; accepted: ${accepted}`);
    };
    const { min, max } = REBUILD_LIMITS.timeoutSeconds;
    if (!Number.isInteger(spec.timeoutSeconds) || spec.timeoutSeconds < min || spec.timeoutSeconds > max) {
        fail("timeoutSeconds", spec.timeoutSeconds, `integers from ${min} to ${max}`);
    }
    if (!(REBUILD_MACHINE_TYPES as readonly string[]).includes(spec.machineType)) {
        fail("machineType", spec.machineType, REBUILD_MACHINE_TYPES.join(", "));
    }
    for (const key of ["minors", "flavors", "variants", "platforms"] as const) {
        if (spec[key].length === 0) fail(key, spec[key], "one or more values");
        for (const v of spec[key]) {
            if (!/^[a-z0-9./]+$/.test(v)) fail(key, v, "lowercase letters, digits, dots and slashes (no commas: the CLI joins with commas)");
        }
    }
    if (!/^[0-9]+$/.test(spec.sourceGeneration)) {
        fail("sourceGeneration", spec.sourceGeneration, "the decimal generation of the uploaded source object");
    }
    for (const key of ["registry", "pythonMirror", "debianMirror", "debianSecurityMirror", "baseImage", "stateBucket", "runnerImage"] as const) {
        if (spec[key].includes("$")) fail(key, spec[key], "a value without \"$\" (Cloud Build would substitute it)");
    }
    if (spec.signing && !KMS_KEY_URI.test(spec.signing.keyUri)) {
        fail("signing.keyUri", spec.signing.keyUri, "gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K/cryptoKeyVersions/N (the version pinned)");
    }
    const note = spec.signing?.attestationNote;
    if (note !== undefined && !NOTE_NAME.test(note)) fail("signing.attestationNote", note, "projects/<project>/notes/<note>");
}

/** The whole build, validated. */
export function rebuildBuild(spec: RebuildBuildSpec): CloudBuildBuild {
    validateRebuildSpec(spec);
    return {
        steps: rebuildSteps(spec),
        timeout: `${spec.timeoutSeconds}s`,
        // CLOUD_LOGGING_ONLY: a build running as a user-specified service account fails to
        // start without a logging choice or a logs bucket; Cloud Logging needs no bucket grant.
        options: { machineType: spec.machineType, logging: "CLOUD_LOGGING_ONLY" },
        source: { storageSource: { bucket: spec.sourceBucket, object: spec.sourceObject, generation: spec.sourceGeneration } },
        serviceAccount: spec.serviceAccount,
        tags: spec.tags,
    };
}

/**
 * REST field name -> provider input name where the two differ (the provider pluralises
 * repeated fields). Applied to steps and options; used both ways.
 */
export const PROVIDER_FIELD_NAMES: Record<string, string> = {
    env: "envs",
    secretEnv: "secretEnvs",
    waitFor: "waitFors",
    sourceProvenanceHash: "sourceProvenanceHashes",
};

function renameKeys(o: Record<string, unknown>, table: Record<string, string>): Record<string, unknown> {
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [table[k] ?? k, v]));
}

function renameBuild(build: Record<string, unknown>, table: Record<string, string>): Record<string, unknown> {
    const out: Record<string, unknown> = { ...build };
    if (Array.isArray(build.steps)) out.steps = build.steps.map((s) => renameKeys(s as Record<string, unknown>, table));
    if (typeof build.options === "object" && build.options !== null) out.options = renameKeys(build.options as Record<string, unknown>, table);
    return out;
}

/**
 * The provider's `TriggerBuild` input for a REST build. `serviceAccount` is not part of
 * `TriggerBuild` (the trigger carries it), so it is returned separately.
 */
export function toTriggerBuild(build: CloudBuildBuild): { build: types.input.cloudbuild.TriggerBuild; serviceAccount: string } {
    const { serviceAccount, ...rest } = build;
    const renamed = renameBuild(rest as unknown as Record<string, unknown>, PROVIDER_FIELD_NAMES);
    return { build: renamed as unknown as types.input.cloudbuild.TriggerBuild, serviceAccount };
}

/** The REST build from a trigger's `build` input and its `serviceAccount` (what `render` writes). */
export function fromTriggerBuild(build: Record<string, unknown>, serviceAccount: unknown): Record<string, unknown> {
    const inverse = Object.fromEntries(Object.entries(PROVIDER_FIELD_NAMES).map(([a, b]) => [b, a]));
    const rest = renameBuild(build, inverse);
    return serviceAccount === undefined ? rest : { ...rest, serviceAccount };
}
