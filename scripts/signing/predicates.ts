// The two attestation predicates the rebuild attaches to every published image. Pure: the
// inputs are files and labels the pipeline already has; tests check the exact shapes.
import * as crypto from "node:crypto";

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
