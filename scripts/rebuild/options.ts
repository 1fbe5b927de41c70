// The rebuild's command line (npm run --silent rebuild -- ... / rebuild:local -- ...).
// Pure: parses and validates, every error names the option and what is accepted.
import { parseArgs } from "node:util";
import { FLAVORS, type Flavor, PLATFORMS, type Platform, VARIANTS, type Variant } from "../../components/constants";
import { schema } from "../../config/schema";
import { validateKeyRef } from "../signing/cosign";

export interface RebuildOptions {
    registry: string;
    minors: string[];
    flavors: Flavor[];
    variants: Variant[];
    platforms: Platform[];
    pythonMirror?: string;
    debianMirror?: string;
    debianSecurityMirror?: string;
    baseImage?: string;
    locksDir: string;
    pythonVersionsFile: string;
    /** Exactly one of leaseFile / lease (gs://). */
    leaseFile?: string;
    lease?: string;
    /** Exactly one of releaseDir / release (gs://.../). undefined releaseDir with local: the work tree. */
    releaseDir?: string;
    release?: string;
    sourceGeneration?: string;
    /** upstream, tests: build this CPython release instead of the lock's. */
    pythonOverride?: { version: string; sha256: string };
    fast: boolean;
    refresh: boolean;
    bump: boolean;
    waitSeconds: number;
    builder?: string;
    /** Signing key (gcpkms://.../cryptoKeyVersions/N or a cosign key file); rebuild:local default: its local key (scripts/rebuild/sign.ts). */
    signKey?: string;
    /** cosign binary; default: the `npm run cosign:install` build. */
    cosign?: string;
    /** Binary Authorization: the attestor's note (`projects/P/notes/N`); each published digest gets an attestation occurrence on it (needs a gcpkms:// --sign-key; rebuild:local skips it). */
    attestationNote?: string;
    /** --app FLAVOR/MINOR: build, check, sign and record the sample app (app/) on that flavour and minor's builder and runtime. */
    app?: { flavor: Flavor; minor: string };
    local: boolean;
}

export const USAGE = "usage: rebuild --registry HOST[/PATH] [--minors 3.13,3.14] [--flavors upstream,debian] [--variants runtime,debug,builder] " +
    "[--platforms linux/amd64,linux/arm64] [--python-mirror URL] [--debian-mirror URL] [--debian-security-mirror URL] [--base-image REF] " +
    "[--locks-dir DIR] [--lease gs://B/O | --lease-file FILE] [--release gs://B/P/ | --release-dir DIR] [--source-generation N] " +
    "[--python-version X.Y.Z --python-sha256 HEX] [--fast] [--no-refresh] [--bump|--no-bump] [--wait SECONDS] [--builder NAME] [--sign-key gcpkms://...|FILE] [--cosign PATH] [--attestation-note projects/P/notes/N] [--app FLAVOR/MINOR]";

const LOOPBACK = /^(127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}|localhost):[0-9]{1,5}(\/[a-z0-9._/-]+)?$/;
const URL_RE = /^https?:\/\/\S+[^/]$/;

function list<T extends string>(option: string, raw: string | undefined, fallback: readonly T[], accepted?: readonly T[], item?: RegExp): T[] {
    const items = (raw ?? fallback.join(",")).split(",").map((s) => s.trim()).filter(Boolean);
    if (items.length === 0) throw new Error(`option --${option}: empty; accepted: ${accepted ? accepted.join(", ") : "a comma-separated list"}`);
    for (const i of items) {
        if (accepted && !(accepted as readonly string[]).includes(i)) throw new Error(`option --${option}: ${JSON.stringify(i)} is not supported; accepted: ${accepted.join(", ")}`);
        if (item && !item.test(i)) throw new Error(`option --${option}: ${JSON.stringify(i)} is not valid; accepted: minors such as 3.13`);
    }
    if (new Set(items).size !== items.length) throw new Error(`option --${option}: a value is listed twice`);
    return items as T[];
}

/** --app FLAVOR/MINOR, e.g. upstream/3.13 (the stack's flavor and first pythonMinors entry). */
export function parseAppBase(raw: string): { flavor: Flavor; minor: string } {
    const m = /^([a-z]+)\/(3\.[0-9]{1,2})$/.exec(raw);
    if (!m || !(FLAVORS as readonly string[]).includes(m[1])) {
        throw new Error(`option --app: ${JSON.stringify(raw)} is not valid; accepted: FLAVOR/MINOR with FLAVOR one of ${FLAVORS.join(", ")}, e.g. ${FLAVORS[0]}/3.13`);
    }
    return { flavor: m[1] as Flavor, minor: m[2] };
}

/** `local`: rebuild:local (loopback registry, lock-file lease, work tree release, no python.org). */
export function parseRebuildArgs(argv: string[], local: boolean): RebuildOptions {
    const { values } = parseArgs({
        args: argv,
        strict: true,
        options: {
            registry: { type: "string" }, minors: { type: "string" }, flavors: { type: "string" }, variants: { type: "string" },
            platforms: { type: "string" }, "python-mirror": { type: "string" }, "debian-mirror": { type: "string" },
            "debian-security-mirror": { type: "string" }, "base-image": { type: "string" }, "locks-dir": { type: "string" },
            "python-versions": { type: "string" }, lease: { type: "string" }, "lease-file": { type: "string" }, release: { type: "string" },
            "release-dir": { type: "string" }, "source-generation": { type: "string" }, "python-version": { type: "string" },
            "python-sha256": { type: "string" }, fast: { type: "boolean" }, "no-refresh": { type: "boolean" }, bump: { type: "boolean" },
            "no-bump": { type: "boolean" }, wait: { type: "string" }, builder: { type: "string" },
            "sign-key": { type: "string" }, cosign: { type: "string" }, "attestation-note": { type: "string" },
            app: { type: "string" },
        },
    });
    const registry = values.registry?.replace(/\/+$/, "");
    if (!registry) throw new Error(`option --registry is required; ${USAGE}`);
    if (local && !LOOPBACK.test(registry)) throw new Error(`option --registry: ${JSON.stringify(registry)} is not a loopback registry; accepted for rebuild:local: 127.x.x.x:PORT or localhost:PORT (rebuild touches the cloud)`);
    if (!/^[a-z0-9.-]+(:[0-9]{1,5})?(\/[a-z0-9._-]+)*$/.test(registry)) throw new Error(`option --registry: ${JSON.stringify(registry)} is not valid; accepted: HOST[:PORT][/PATH], e.g. europe-west1-docker.pkg.dev/PROJECT/REPO`);
    for (const k of ["python-mirror", "debian-mirror", "debian-security-mirror"] as const) {
        if (values[k] !== undefined && !URL_RE.test(values[k]!)) throw new Error(`option --${k}: ${JSON.stringify(values[k])} is not valid; accepted: an http:// or https:// URL without a trailing slash`);
    }
    if (values.lease && values["lease-file"]) throw new Error("options --lease and --lease-file exclude each other");
    if (values.release && values["release-dir"]) throw new Error("options --release and --release-dir exclude each other");
    if (values.lease && !/^gs:\/\/[^/]+\/.+$/.test(values.lease)) throw new Error(`option --lease: ${JSON.stringify(values.lease)} is not valid; accepted: gs://BUCKET/OBJECT`);
    if (values.release && !/^gs:\/\/[^/]+\/(.*\/)?$/.test(values.release)) throw new Error(`option --release: ${JSON.stringify(values.release)} is not valid; accepted: gs://BUCKET/PREFIX/ (ending in /)`);
    if (!local && !values.lease && !values["lease-file"]) throw new Error("option --lease gs://BUCKET/OBJECT (or --lease-file FILE) is required: two rebuilds must never interleave");
    if (!local && !values.release && !values["release-dir"]) throw new Error("option --release gs://BUCKET/PREFIX/ (or --release-dir DIR) is required: where the release lock is published");
    if ((values["python-version"] === undefined) !== (values["python-sha256"] === undefined)) throw new Error("options --python-version and --python-sha256 go together (the build checks the tarball against that sha256)");
    if (values["python-version"] !== undefined && !/^3\.[0-9]+\.[0-9]+$/.test(values["python-version"])) throw new Error(`option --python-version: ${JSON.stringify(values["python-version"])} is not valid; accepted: X.Y.Z`);
    if (values["python-sha256"] !== undefined && !/^[0-9a-f]{64}$/.test(values["python-sha256"])) throw new Error("option --python-sha256: not 64 lowercase hex digits");
    if (values["source-generation"] !== undefined && !/^[0-9]+$/.test(values["source-generation"])) throw new Error(`option --source-generation: ${JSON.stringify(values["source-generation"])} is not a GCS generation number`);
    if (values.bump && values["no-bump"]) throw new Error("options --bump and --no-bump exclude each other");
    const note = values["attestation-note"];
    if (note !== undefined && !/^projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/notes\/[A-Za-z0-9_-]+$/.test(note)) throw new Error(`option --attestation-note: ${JSON.stringify(note)} is not valid; accepted: projects/<project>/notes/<note>`);
    if (note !== undefined && !local && !values["sign-key"]?.startsWith("gcpkms://")) throw new Error("option --attestation-note needs --sign-key gcpkms://.../cryptoKeyVersions/N: the attestation is signed by the attestor's KMS key version");
    const wait = Number(values.wait ?? "0");
    if (!Number.isInteger(wait) || wait < 0 || wait > 7200) throw new Error(`option --wait: ${JSON.stringify(values.wait)} is not valid; accepted: whole seconds from 0 to 7200`);
    const minors = list("minors", values.minors, schema.pythonMinors.default, undefined, /^3\.[0-9]{1,2}$/);
    if (values["python-version"] !== undefined && (minors.length !== 1 || !values["python-version"].startsWith(`${minors[0]}.`))) {
        throw new Error(`option --python-version ${values["python-version"]} needs exactly one --minors, the release's own`);
    }
    return {
        registry,
        minors,
        app: values.app === undefined ? undefined : parseAppBase(values.app),
        flavors: list("flavors", values.flavors, FLAVORS, FLAVORS),
        variants: list("variants", values.variants, VARIANTS, VARIANTS),
        platforms: list("platforms", values.platforms, PLATFORMS, PLATFORMS),
        pythonMirror: values["python-mirror"],
        debianMirror: values["debian-mirror"],
        debianSecurityMirror: values["debian-security-mirror"],
        baseImage: values["base-image"],
        locksDir: values["locks-dir"] ?? "image/locks",
        pythonVersionsFile: values["python-versions"] ?? "image/python-versions.json",
        leaseFile: values["lease-file"] ?? (values.lease ? undefined : ".cache/rebuild.lease"),
        lease: values.lease,
        releaseDir: values["release-dir"],
        release: values.release,
        sourceGeneration: values["source-generation"],
        pythonOverride: values["python-version"] ? { version: values["python-version"], sha256: values["python-sha256"]! } : undefined,
        fast: values.fast ?? false,
        refresh: !values["no-refresh"],
        // python.org is not reachable from rebuild:local's machines; Cloud Build bumps.
        bump: values.bump ?? (values["no-bump"] ? false : !local),
        waitSeconds: wait,
        builder: values.builder,
        signKey: values["sign-key"] === undefined ? undefined : validateKeyRef("--sign-key", values["sign-key"]),
        cosign: values.cosign,
        attestationNote: note,
        local,
    };
}
