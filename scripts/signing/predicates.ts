// The two attestation predicates the rebuild attaches to every published image. Pure: the
// inputs are files and labels the pipeline already has; tests check the exact shapes.
import * as crypto from "node:crypto";
import { DIGEST_PATTERN } from "../../components/constants";

/** cosign --type names and the predicate types they put in the in-toto statement. */
export const SBOM_TYPE = { cosign: "cyclonedx", predicateType: "https://cyclonedx.org/bom" } as const;
export const PROVENANCE_TYPE = { cosign: "slsaprovenance1", predicateType: "https://slsa.dev/provenance/v1" } as const;
/** What `buildDefinition.buildType` says: this repository's rebuild, schema 1. */
export const BUILD_TYPE = "https://github.com/distroless-python-gcp/rebuild/v1";

interface CdxComponent { "bom-ref"?: string; name: string; version?: string; purl?: string; type?: string }
export interface CdxDocument { bomFormat: string; specVersion: string; metadata?: { component?: { name?: string; properties?: { name: string; value: string }[] } }; components?: CdxComponent[]; [k: string]: unknown }

/**
 * The SBOM of one variant: the image carries one CycloneDX file per layer
 * (/usr/share/sbom/python.cdx.json for the runtime layer, debug.cdx.json / builder.cdx.json
 * for the variant's own); the attestation is their union, the runtime file's metadata kept.
 */
export function mergeSboms(files: Record<string, CdxDocument>, where: string): CdxDocument {
    const base = files["python.cdx.json"];
    if (!base) throw new Error(`${where}: no /usr/share/sbom/python.cdx.json in the image (found: ${Object.keys(files).join(", ") || "none"})`);
    for (const [name, doc] of Object.entries(files)) {
        if (doc.bomFormat !== "CycloneDX") throw new Error(`${where}: /usr/share/sbom/${name} is not a CycloneDX document (bomFormat ${JSON.stringify(doc.bomFormat)})`);
    }
    const merged: CdxDocument = JSON.parse(JSON.stringify(base)) as CdxDocument;
    const seen = new Set((merged.components ?? []).map((c) => c["bom-ref"] ?? `${c.name}@${c.version}`));
    for (const name of Object.keys(files).filter((n) => n !== "python.cdx.json").sort()) {
        for (const c of files[name].components ?? []) {
            const ref = c["bom-ref"] ?? `${c.name}@${c.version}`;
            if (seen.has(ref)) continue;
            (merged.components ??= []).push(c);
            seen.add(ref);
        }
    }
    return merged;
}

export interface LockPackage { layer: string; package: string; version: string; architecture: string; filename: string; sha256: string }
export interface ProvenanceInput {
    /** Immutable reference the provenance describes (`repo:tag`), for people reading it. */
    image: string;
    flavor: string;
    minor: string;
    variant: string;
    /** GCS generation of the source archive the build read; undefined locally (the work tree). */
    sourceGeneration?: string;
    lockFile: string;
    lockBytes: Buffer;
    /** From the image's labels: what was really built (a --python-version override included). */
    cpython: { version: string; sha256?: string; url?: string };
    /** The build spec: per platform the Dockerfile target, build args and platform. */
    buildSpec: Record<string, unknown>;
    /** Platforms the provenance covers (one for a platform manifest, all for the index). */
    arches: string[];
    startedOn: string;
    finishedOn: string;
    builderId: string;
}

const sha256 = (b: Buffer | string): string => crypto.createHash("sha256").update(b).digest("hex");

/**
 * SLSA provenance v1: externalParameters carry the build's inputs as named facts (source
 * generation, lock sha256, CPython version and sha256, Debian package versions, build spec);
 * resolvedDependencies carry every downloaded artifact with its sha256.
 */
export function provenancePredicate(p: ProvenanceInput): Record<string, unknown> {
    const lock = JSON.parse(p.lockBytes.toString("utf8")) as { architectures?: Record<string, LockPackage[]>; suites?: unknown };
    const layers = new Set(["runtime", p.variant]);
    const packages: Record<string, Record<string, string>> = {};
    const deps: { name: string; uri: string; digest: { sha256: string } }[] = [];
    for (const arch of p.arches) {
        const list = lock.architectures?.[arch];
        if (!list) throw new Error(`${p.lockFile}: architectures.${arch} is missing; the image was built for ${arch}`);
        packages[arch] = {};
        for (const pkg of list.filter((x) => layers.has(x.layer))) {
            packages[arch][pkg.package] = pkg.version;
            deps.push({ name: `${pkg.package}_${pkg.version}_${pkg.architecture}.deb`, uri: `pkg:deb/debian/${pkg.package}@${encodeURIComponent(pkg.version)}?arch=${pkg.architecture}`, digest: { sha256: pkg.sha256 } });
        }
    }
    if (p.cpython.sha256) deps.unshift({ name: `Python-${p.cpython.version}.tar.xz`, uri: p.cpython.url ?? `https://www.python.org/ftp/python/${p.cpython.version}/Python-${p.cpython.version}.tar.xz`, digest: { sha256: p.cpython.sha256 } });
    return {
        buildDefinition: {
            buildType: BUILD_TYPE,
            externalParameters: {
                image: p.image,
                flavor: p.flavor,
                minor: p.minor,
                variant: p.variant,
                sourceGeneration: p.sourceGeneration ?? "work-tree",
                lock: { file: p.lockFile, sha256: sha256(p.lockBytes) },
                cpython: { version: p.cpython.version, ...(p.cpython.sha256 ? { sha256: p.cpython.sha256 } : {}) },
                debianPackages: packages,
                buildSpec: p.buildSpec,
            },
            resolvedDependencies: deps,
        },
        runDetails: {
            builder: { id: p.builderId },
            metadata: { startedOn: p.startedOn, finishedOn: p.finishedOn },
        },
    };
}

/** One pinned requirement of a `pip-compile --generate-hashes` file: name, version, its allowed sha256s. */
export interface PinnedRequirement { name: string; version: string; sha256: string[] }

// pip's --hash=sha256:<hex> has the digest's own shape (components/constants.ts).
const SHA256 = DIGEST_PATTERN.source.replace(/^\^|\$$/g, "");
const PINNED_LINE = new RegExp(`^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\\s;]+)((?:\\s+--hash=${SHA256})+)\\s*$`);

/**
 * Reads `name==version \ --hash=sha256:...` entries (comments, options such as --find-links and
 * `# via` lines skipped); a requirement without a pin or without a hash fails naming the line,
 * since the build installs with --require-hashes and the SBOM must list exactly what it installed.
 */
export function pinnedRequirements(text: string, file: string): PinnedRequirement[] {
    const out: PinnedRequirement[] = [];
    const logical = text.replace(/\\\r?\n/g, " ").split(/\r?\n/);
    for (const [i, raw] of logical.entries()) {
        const line = raw.replace(/(^|\s)#.*$/, "").trim();
        if (line === "" || line.startsWith("-")) continue;
        const m = PINNED_LINE.exec(line);
        if (!m) throw new Error(`${file}: "${line.slice(0, 80)}" (logical line ${i + 1}) is not name==version with --hash=sha256:... (what --require-hashes installs)`);
        out.push({ name: m[1].toLowerCase().replace(/[._]+/g, "-"), version: m[2], sha256: [...m[3].matchAll(/sha256:([0-9a-f]{64})/g)].map((h) => h[1]) });
    }
    return out;
}

/**
 * The sample app's SBOM: the runtime image's (the app image is built on it and keeps its
 * /usr/share/sbom/python.cdx.json: Debian packages and CPython) plus one pypi component per
 * pinned requirement the venv holds.
 */
export function appSbom(runtime: CdxDocument, requirements: PinnedRequirement[], image: string): CdxDocument {
    const doc = JSON.parse(JSON.stringify(runtime)) as CdxDocument;
    doc.metadata = { ...(doc.metadata ?? {}), component: { ...(doc.metadata?.component ?? {}), name: image } };
    for (const r of requirements) {
        const purl = `pkg:pypi/${r.name}@${r.version}`;
        (doc.components ??= []).push({ "bom-ref": purl, type: "library", name: r.name, version: r.version, purl });
    }
    return doc;
}

export interface AppProvenanceInput {
    /** The pushed tag (`repo:app-<hash>`), for people reading it. */
    image: string;
    builderImage: string;
    runtimeImage: string;
    platform: string;
    requirementsFile: string;
    requirementsBytes: Buffer;
    requirements: PinnedRequirement[];
    startedOn: string;
    finishedOn: string;
    builderId: string;
}

/** What the app's provenance says its `buildType` is. */
export const APP_BUILD_TYPE = "https://github.com/distroless-python-gcp/app-build/v1";

/**
 * SLSA provenance v1 of the sample app: its base images and the requirements file's
 * sha256 as parameters; the base images and every pinned wheel (its allowed sha256s) as
 * resolved dependencies.
 */
export function appProvenancePredicate(p: AppProvenanceInput): Record<string, unknown> {
    // A pushed base image is named by digest; a local one (image:build without --push) by its
    // content-addressed tag, which carries the buildId of everything it was built from.
    const base = (name: string, ref: string) => {
        const m = /@sha256:([0-9a-f]{64})$/.exec(ref);
        return m ? { name, uri: ref, digest: { sha256: m[1] } } : { name, uri: ref };
    };
    return {
        buildDefinition: {
            buildType: APP_BUILD_TYPE,
            externalParameters: {
                image: p.image,
                builderImage: p.builderImage,
                runtimeImage: p.runtimeImage,
                platform: p.platform,
                requirements: { file: p.requirementsFile, sha256: sha256(p.requirementsBytes) },
            },
            resolvedDependencies: [
                base("builder", p.builderImage),
                base("runtime", p.runtimeImage),
                ...p.requirements.map((r) => ({ name: `${r.name}==${r.version}`, uri: `pkg:pypi/${r.name}@${r.version}`, digest: { sha256: r.sha256[0] }, annotations: { allowedSha256: r.sha256 } })),
            ],
        },
        runDetails: { builder: { id: p.builderId }, metadata: { startedOn: p.startedOn, finishedOn: p.finishedOn } },
    };
}
