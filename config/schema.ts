// The stack's configuration schema: every key the program reads, its type, default and
// description, stated once. Pulumi.yaml's `config:` block, the README's config table and
// the validation below are all checked against this table (test/unit/config.test.ts), so
// adding a key is one entry here plus its line in Pulumi.yaml.
//
// Project-level config in Pulumi.yaml supports only string, integer, boolean and array
// types, so lists are arrays of strings and there are no object-valued keys.
import { RebuildMachineType, REBUILD_LIMITS, REBUILD_MACHINE_TYPES, SCHEDULED_REBUILD_DEFAULTS } from "../components/rebuildDefaults";

/** The Pulumi project name; also the config namespace and the type-token package. */
export const PROJECT = "distroless-python";

// The vocabulary (flavours, variants, platforms) and the build defaults are stated once, in
// components/constants.ts and components/buildSpec.ts; the schema takes them from there.
import { BUILD_DEFAULTS } from "../components/buildSpec";
import { DIGEST_REF_PATTERN, FLAVORS, PLATFORMS, type Platform, type Variant, VARIANTS } from "../components/constants";

/** @deprecated: PLATFORMS from components/constants. */
export const SUPPORTED_PLATFORMS = PLATFORMS;
export { type Platform, type Variant, VARIANTS };

/** The Pulumi.yaml types a project-level key may have. */
export type ConfigType = "string" | "integer" | "boolean" | "array";

/** One key of the schema: how Pulumi.yaml declares it and how the program parses it. */
export interface KeySpec<T> {
    type: ConfigType;
    description: string;
    default: T;
    /** Parses the raw value (a string from the engine, or an already-typed value) or throws a ConfigError. */
    parse(raw: unknown, key: string): T;
}

/** A config value the program cannot use; the message names the key, the value and what is accepted. */
export class ConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ConfigError";
    }
}

/** The fully-qualified key as users write it in `pulumi config set`. */
export function qualify(key: string): string {
    return key.includes(":") ? key : `${PROJECT}:${key}`;
}

function show(raw: unknown): string {
    return JSON.stringify(raw);
}

function fail(key: string, raw: unknown, problem: string, accepted: string): never {
    throw new ConfigError(`config key "${qualify(key)}": ${show(raw)} ${problem}; accepted: ${accepted}`);
}

interface StringOptions {
    description: string;
    default: string;
    /** Whole-value pattern the string must match (an empty default is always allowed). */
    pattern?: RegExp;
    /** Human wording of what `pattern` accepts, used in the error message. */
    accepted?: string;
    oneOf?: readonly string[];
}

function stringKey(o: StringOptions): KeySpec<string> {
    return {
        type: "string",
        description: o.description,
        default: o.default,
        parse(raw, key) {
            if (typeof raw !== "string") {
                fail(key, raw, "is not a string", o.accepted ?? "a string");
            }
            if (o.oneOf && !o.oneOf.includes(raw)) {
                fail(key, raw, "is not supported", o.oneOf.join(", "));
            }
            if (o.pattern && !(raw === "" && o.default === "") && !o.pattern.test(raw)) {
                fail(key, raw, "is not valid", o.accepted ?? o.pattern.source);
            }
            return raw;
        },
    };
}

function enumKey<T extends string>(o: { description: string; default: NoInfer<T>; oneOf: readonly T[] }): KeySpec<T> {
    return {
        type: "string",
        description: o.description,
        default: o.default,
        parse(raw, key) {
            if (typeof raw !== "string" || !(o.oneOf as readonly string[]).includes(raw)) {
                fail(key, raw, "is not supported", o.oneOf.join(", "));
            }
            return raw as T;
        },
    };
}

function integerKey(o: { description: string; default: number; min: number; max: number }): KeySpec<number> {
    const accepted = `integers from ${o.min} to ${o.max}`;
    return {
        type: "integer",
        description: o.description,
        default: o.default,
        parse(raw, key) {
            const text = typeof raw === "number" ? String(raw) : raw;
            if (typeof text !== "string" || !/^-?[0-9]+$/.test(text.trim())) {
                fail(key, raw, "is not an integer", accepted);
            }
            const n = Number(text);
            if (n < o.min || n > o.max) {
                fail(key, raw, "is out of range", accepted);
            }
            return n;
        },
    };
}

function booleanKey(o: { description: string; default: boolean }): KeySpec<boolean> {
    return {
        type: "boolean",
        description: o.description,
        default: o.default,
        parse(raw, key) {
            if (raw === true || raw === "true") return true;
            if (raw === false || raw === "false") return false;
            return fail(key, raw, "is not a boolean", "true, false");
        },
    };
}

interface ArrayOptions<T extends string> {
    description: string;
    default: readonly T[];
    /** Values each item may take; omitted when `itemPattern` is used instead. */
    oneOf?: readonly T[];
    itemPattern?: RegExp;
    itemAccepted?: string;
}

function stringArrayKey<T extends string>(o: ArrayOptions<T>): KeySpec<T[]> {
    const accepted = o.oneOf ? o.oneOf.join(", ") : (o.itemAccepted ?? "strings");
    return {
        type: "array",
        description: o.description,
        default: [...o.default],
        parse(raw, key) {
            let value: unknown = raw;
            if (typeof raw === "string") {
                try {
                    value = JSON.parse(raw);
                } catch {
                    fail(key, raw, "is not a JSON array of strings", `a list of ${accepted}`);
                }
            }
            if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
                fail(key, raw, "is not a JSON array of strings", `a list of ${accepted}`);
            }
            const items = value as string[];
            // An empty list is a value only for keys whose default is empty (optional lists).
            if (items.length === 0 && o.default.length > 0) {
                fail(key, items, "is empty", `one or more of ${accepted}`);
            }
            const seen = new Set<string>();
            for (const item of items) {
                if (o.oneOf && !o.oneOf.includes(item as T)) {
                    fail(key, item, "is not supported", accepted);
                }
                if (o.itemPattern && !o.itemPattern.test(item)) {
                    fail(key, item, "is not valid", accepted);
                }
                if (seen.has(item)) {
                    fail(key, item, "is listed twice", "each value once");
                }
                seen.add(item);
            }
            return items as T[];
        },
    };
}

const URL_PATTERN = /^https?:\/\/[^\s/]+(\/[^\s]*[^\s/])?$/;
const URL_ACCEPTED = "an http:// or https:// URL without a trailing slash";

/**
 * Every project-level key the program reads. The keys are the short names used in
 * Pulumi.yaml; users set them as `distroless-python:<key>`.
 */
export const schema = {
    // --- Artifact Registry -------------------------------------------------------------
    repositoryId: stringKey({
        description: "Artifact Registry repository ID (created in gcp:project at gcp:region).",
        default: "distroless-python",
        pattern: /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/,
        accepted: "1-63 lowercase letters, digits and hyphens, starting with a letter",
    }),
    enableApis: booleanKey({
        description: "Enable the GCP APIs the stack uses (gcp.projects.Service, never disabled on destroy). Set false where APIs are managed centrally.",
        default: true,
    }),
    vulnerabilityScanning: booleanKey({
        description: "Scan pushed images for vulnerabilities (repository setting INHERITED when true, DISABLED when false).",
        default: true,
    }),
    keepRecentVersions: integerKey({
        description: "Cleanup policy: always keep this many most recent versions per image, whatever their tags.",
        default: 10,
        min: 1,
        max: 1000,
    }),
    untaggedRetentionDays: integerKey({
        description: "Cleanup policy: delete UNTAGGED versions (superseded build caches, abandoned pushes) older than this many days. Tagged versions are never deleted.",
        default: 30,
        min: 1,
        max: 3650,
    }),
    cleanupDryRun: booleanKey({
        description: "Run the cleanup policies in dry-run mode (report, delete nothing).",
        default: false,
    }),
    // --- Images --------------------------------------------------------------------------
    flavor: enumKey({
        description: "Python flavour: upstream (CPython built from source, image python) or debian (Debian's python3, image python-debian).",
        default: "upstream",
        oneOf: FLAVORS,
    }),
    pythonMinors: stringArrayKey({
        description: "Python minors to build, each with an entry in image/python-versions.json.",
        default: ["3.13"],
        itemPattern: /^3\.[0-9]{1,2}$/,
        itemAccepted: "minor versions such as 3.13",
    }),
    variants: stringArrayKey<Variant>({
        description: "Image variants (Dockerfile targets) to build for every minor.",
        default: VARIANTS,
        oneOf: VARIANTS,
    }),
    platforms: stringArrayKey<Platform>({
        description: "Platforms of every image (one multi-platform index per image).",
        default: PLATFORMS,
        oneOf: PLATFORMS,
    }),
    buildOnPreview: booleanKey({
        description: "Build images during `pulumi preview` (slow; images built on preview are never pushed).",
        default: false,
    }),
    locksDir: stringKey({
        description: "Folder holding the resolved locks <flavor>-<minor>.json, relative to the project.",
        default: "image/locks",
        pattern: /^[^\s]+$/,
        accepted: "a relative path without spaces",
    }),
    baseImage: stringKey({
        description: "BASE_IMAGE build arg: the Debian trixie image the build stages start from (production pins a digest).",
        default: BUILD_DEFAULTS.baseImage,
        pattern: new RegExp(`^[a-z0-9][a-z0-9._\\-/:]*(${DIGEST_REF_PATTERN.source.replace(/\$$/, "")})?$`),
        accepted: "an image reference such as debian:trixie-slim or name@sha256:<64 hex>",
    }),
    debianMirror: stringKey({
        description: "DEBIAN_MIRROR build arg.",
        default: BUILD_DEFAULTS.debianMirror,
        pattern: URL_PATTERN,
        accepted: URL_ACCEPTED,
    }),
    debianSecurityMirror: stringKey({
        description: "DEBIAN_SECURITY_MIRROR build arg.",
        default: BUILD_DEFAULTS.debianSecurityMirror,
        pattern: URL_PATTERN,
        accepted: URL_ACCEPTED,
    }),
    pythonMirror: stringKey({
        description: "PYTHON_MIRROR build arg: where Python-<version>.tar.xz is downloaded from (checked against its sha256).",
        default: BUILD_DEFAULTS.pythonMirror,
        pattern: URL_PATTERN,
        accepted: URL_ACCEPTED,
    }),
    extraCaFile: stringKey({
        description: "PEM CA bundle passed as the build secret extra_ca for TLS-intercepting proxies (path relative to the project; empty for none). Never stored in a layer.",
        default: "",
        pattern: /^[^\s]+$/,
        accepted: "a path to a PEM file without spaces, or empty",
    }),
    cacheTagPrefix: stringKey({
        description: "Tag prefix of the registry build cache (<prefix>-<minor>-<variant>). Cache manifests are versions too; keep it distinct from published tags.",
        default: BUILD_DEFAULTS.cacheTagPrefix,
        pattern: /^[a-z][a-z0-9-]{0,60}$/,
        accepted: "lowercase letters, digits and hyphens, starting with a letter (not a digit, so it never matches the published 3.x tags)",
    }),
    // --- Scheduled rebuild (components/scheduledRebuild.ts; defaults from rebuildDefaults.ts) ---
    rebuildEnabled: booleanKey({
        description: "Create the ScheduledRebuild (Cloud Scheduler -> Pub/Sub -> Cloud Build) in this stack. One project owns the rebuild (dev); other environments consume its digests.",
        default: false,
    }),
    rebuildSchedule: stringKey({
        description: "Cron (unix-cron, 5 fields, UTC) of the rebuild's Cloud Scheduler job.",
        default: SCHEDULED_REBUILD_DEFAULTS.schedule,
        pattern: /^\S+( \S+){4}$/,
        accepted: "a unix-cron expression of 5 fields such as \"0 * * * *\"",
    }),
    rebuildTimeoutSeconds: integerKey({
        description: "Timeout of one rebuild build, in seconds.",
        default: SCHEDULED_REBUILD_DEFAULTS.timeoutSeconds,
        ...REBUILD_LIMITS.timeoutSeconds,
    }),
    rebuildMachineType: enumKey<RebuildMachineType>({
        description: "Cloud Build machine type of the rebuild.",
        default: SCHEDULED_REBUILD_DEFAULTS.machineType,
        oneOf: REBUILD_MACHINE_TYPES,
    }),
    rebuildAlertWindowHours: integerKey({
        description: "Alert when no rebuild succeeded for this many hours.",
        default: SCHEDULED_REBUILD_DEFAULTS.alertWindowHours,
        ...REBUILD_LIMITS.alertWindowHours,
    }),
    rebuildNotificationChannel: stringKey({
        description: "Cloud Monitoring notification channel of the rebuild alerts (projects/<p>/notificationChannels/<id>); empty: incidents open without notifying anyone.",
        default: "",
        pattern: /^projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/notificationChannels\/[0-9]+$/,
        accepted: "projects/<project>/notificationChannels/<id>, or empty",
    }),
    rebuildReaders: stringArrayKey<string>({
        description: "IAM members of other environments (prod's GKE nodes) granted roles/artifactregistry.reader on this stack's repository, so they pull exactly the digests the rebuild published.",
        default: [],
        itemPattern: /^(serviceAccount|group|user):[^\s@]+@[^\s@]+$/,
        itemAccepted: "IAM members serviceAccount:EMAIL, group:EMAIL or user:EMAIL",
    }),
    // --- Image signing (components/signingKey.ts; scripts/rebuild/sign.ts signs with it) ---
    signingEnabled: booleanKey({
        description: "Create the SigningKey: a Cloud KMS key ring and asymmetric signing key (both protected: KMS cannot delete them) the rebuild signs and attests published images with, the rebuild's build account granted cloudkms.signerVerifier and cloudkms.viewer on the key only; exports signingKey (gcpkms://, version pinned) and signingPublicKey.",
        default: false,
    }),
    signingLocation: stringKey({
        description: "Cloud KMS location of the signing key ring; empty: gcp:region.",
        default: "",
        pattern: /^[a-z0-9-]+$/,
        accepted: "a KMS location such as europe-west1 or global, or empty",
    }),
    binaryAuthorization: enumKey({
        description: "With signingEnabled: off, attestor (an Artifact Analysis note and a Binary Authorization attestor on the signing key; the build account may create attestation occurrences), or policy (also the project's one Binary Authorization policy, owned by this stack: only attested images are admitted). Cosign signatures alone are checked only by GKE continuous validation, which monitors and does not block.",
        default: "off",
        oneOf: ["off", "attestor", "policy"] as const,
    }),
    // --- GitHub Actions identity (components/githubIdentity.ts; the workflows in .github/workflows/) ---
    githubRepository: stringKey({
        description: "owner/name of the GitHub repository whose workflows deploy and preview this stack through Workload Identity Federation (pool, OIDC provider, deployer and read-only previewer accounts); empty: no GitHub identity.",
        default: "",
        pattern: /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/,
        accepted: "owner/name of a GitHub repository, or empty",
    }),
    githubDeployRef: stringKey({
        description: "The only Git ref whose workflow jobs may deploy this stack (the provider's attribute condition and the deployer's binding).",
        default: "refs/heads/main",
        pattern: /^refs\/(heads|tags)\/[A-Za-z0-9._\/-]+$/,
        accepted: "a full ref such as refs/heads/main",
    }),
    githubEnvironment: stringKey({
        description: "GitHub environment the deploy job runs in (its protection rules, e.g. prod's required reviewers, gate the deploy); empty: the stack name.",
        default: "",
        pattern: /^[A-Za-z0-9._-]{1,255}$/,
        accepted: "a GitHub environment name (letters, digits, . _ -), or empty",
    }),
    githubStateBucket: stringKey({
        description: "GCS bucket of the Pulumi state (DIY backend) the workflows use: the deployer gets objectUser, the previewer read access plus its lock files only; empty: no state grants.",
        default: "",
        pattern: /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/,
        accepted: "a GCS bucket name without gs://, or empty",
    }),
    imageSource: enumKey({
        description: "Where the deployed images come from: build (the stack builds and pushes them with docker-build at pulumi up) or release-lock (no build: image and app refs by digest from releaseLockFile, written by the rebuild pipeline or npm run local:up).",
        default: "build",
        oneOf: ["build", "release-lock"] as const,
    }),
    releaseLockFile: stringKey({
        description: "Release lock read when imageSource is release-lock (path relative to the project).",
        default: "image/release-lock.json",
        pattern: /^[^\s]+$/,
        accepted: "a relative path without spaces",
    }),
    // --- Application (Kubernetes sample) ---------------------------------------------------
    appEnabled: booleanKey({
        description: "Build the sample Gunicorn app image (app/) and deploy it to Kubernetes with the GunicornApp component.",
        default: true,
    }),
    appNamespace: stringKey({
        description: "Namespace the sample app is deployed into (created, Pod Security restricted).",
        default: "sample-app",
        pattern: /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
        accepted: "a DNS label: lowercase letters, digits and hyphens, at most 63 characters",
    }),
    appReplicas: integerKey({
        description: "Minimum (and initial) replicas of the sample app; the HPA scales from here to appMaxReplicas.",
        default: 2,
        min: 1,
        max: 100,
    }),
    appMaxReplicas: integerKey({
        description: "HPA ceiling for the sample app (at least appReplicas).",
        default: 6,
        min: 1,
        max: 100,
    }),
    appCpu: stringKey({
        description: "CPU request = limit of the app container; Gunicorn runs 2 x ceil(CPUs) + 1 workers.",
        default: "500m",
        pattern: /^[0-9]+(\.[0-9]+)?m?$/,
        accepted: "a Kubernetes CPU quantity such as 500m or 1",
    }),
    appMemory: stringKey({
        description: "Memory request = limit of the app container (GKE Autopilot: 1 to 6.5 GiB per CPU).",
        default: "512Mi",
        pattern: /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/,
        accepted: "a Kubernetes memory quantity such as 512Mi or 1Gi",
    }),
    appAutopilot: booleanKey({
        description: "Check the app's resources against GKE Autopilot's CPU:memory ratios.",
        default: true,
    }),
    kubeconfig: stringKey({
        description: "Path of the kubeconfig for an explicit Kubernetes provider; empty uses the ambient kubeconfig (KUBECONFIG, ~/.kube/config).",
        default: "",
        pattern: /^[^\s]+$/,
        accepted: "a path without spaces, or empty",
    }),
    kubeContext: stringKey({
        description: "kubeconfig context for an explicit Kubernetes provider; empty uses the current context.",
        default: "",
        pattern: /^[^\s]+$/,
        accepted: "a context name without spaces, or empty",
    }),
    gkeNodeServiceAccount: stringKey({
        description: "Email of the GKE nodes' service account, granted roles/artifactregistry.reader on the repository (non-authoritative); empty for none.",
        default: "",
        pattern: /^[a-z0-9-]+@[a-z0-9.-]+\.gserviceaccount\.com$/,
        accepted: "a service account email, or empty",
    }),
    appGcpServiceAccount: stringKey({
        description: "Email of a Google service account the app acts as through GKE Workload Identity (roles/iam.workloadIdentityUser, non-authoritative); empty for none.",
        default: "",
        pattern: /^[a-z0-9-]+@[a-z0-9.-]+\.gserviceaccount\.com$/,
        accepted: "a service account email, or empty",
    }),
} satisfies Record<string, KeySpec<unknown>>;

export type Schema = typeof schema;
export type SchemaKey = keyof Schema;

/** The project-level config with every key parsed and defaulted. */
export type ProjectConfig = { [K in SchemaKey]: ReturnType<Schema[K]["parse"]> };

/** Provider keys the program reads from another namespace (set per stack, not declared in Pulumi.yaml). */
export const PROVIDER_KEYS = {
    "gcp:project": "the GCP project that holds the repository and the enabled APIs",
    "gcp:region": "the GCP region, also the Artifact Registry location",
} as const;
