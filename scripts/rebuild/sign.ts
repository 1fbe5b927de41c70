// Signing in the rebuild: right after a variant's index is created and before its moving tags
// move, the index and each platform manifest get a cosign signature, the CycloneDX SBOM the
// image carries as an attestation, and a SLSA provenance attestation. cosign's default
// tag-based storage (`sha256-<digest>.sig|.att` in the same repository) keeps them tagged, so
// the repository's cleanup policy (components/artifactRepository.ts) keeps them. A failure
// here fails the (flavour, minor): the moving tags never name an unsigned digest.
// A skipped (flavour, minor) is verified with the run's key instead, and signed again where it
// does not verify (a rotated key): what the release lock names always passes image:verify.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { ImageSpec } from "../../components/buildSpec";
import { type Platform, platformArch } from "../../components/constants";
import { cosign, ensureLocalKeyPair, findCosign } from "../signing/cosign";
import { verifyDigest } from "../signing/verify";
import { type CdxDocument, mergeSboms, PROVENANCE_TYPE, provenancePredicate, SBOM_TYPE } from "../signing/predicates";
import type { RebuildOptions } from "./options";
import { docker, indexManifests } from "./registry";

const ROOT = path.resolve(__dirname, "../..");
/** rebuild:local's key pair when no --sign-key is given (made on first use, reused after). */
export const LOCAL_KEY_PREFIX = path.join(ROOT, ".cache", "cosign", "rebuild-local");
const BUILDER_ID = "https://github.com/distroless-python-gcp/scripts/rebuild.ts";

export interface Signer {
    bin: string;
    key: string;
    describe: string;
    /** What verifies this signer's signatures (a public key file or the KMS key); found on first use when unset. */
    verifyKey?: string;
}

export interface PublishedImage {
    spec: ImageSpec;
    flavor: string;
    minor: string;
    variant: string;
    /** The index digest (what the tags name). */
    index: string;
    manifests: { platform: Platform; digest: string }[];
    lockFile: string;
}

/** When this rebuild run started (the provenance's startedOn). */
const RUN_STARTED = new Date(Date.now() - process.uptime() * 1000);

let signer: Promise<Signer | undefined> | undefined;

/**
 * The signer a run uses: --sign-key with cosign (--cosign, else the cosign:install build);
 * rebuild:local without --sign-key signs with the local key pair once cosign is installed.
 * undefined: this run publishes unsigned images (said loudly, once).
 */
export function signerFor(o: RebuildOptions, log: (m: string) => void): Promise<Signer | undefined> {
    signer ??= (async () => {
        const bin = findCosign(o.cosign);
        if (o.signKey) {
            if (!bin) throw new Error(`--sign-key ${o.signKey} needs cosign: npm run --silent cosign:install, or --cosign PATH`);
            log(`signing with ${o.signKey} (cosign ${bin}; no transparency-log upload)`);
            return { bin, key: o.signKey, describe: o.signKey };
        }
        if (!bin) {
            log(`WARNING: publishing UNSIGNED images: ${o.local ? "cosign is not installed (npm run --silent cosign:install)" : "no --sign-key"}`);
            return undefined;
        }
        if (!o.local) {
            log("WARNING: publishing UNSIGNED images: no --sign-key (the pipeline signs with the stack's KMS key: --sign-key gcpkms://...)");
            return undefined;
        }
        const pair = await ensureLocalKeyPair(bin, LOCAL_KEY_PREFIX);
        log(`signing with the local key ${path.relative(ROOT, pair.key)} (verify with ${path.relative(ROOT, pair.pub)}; no transparency log offline)`);
        return { bin, key: pair.key, describe: pair.key, verifyKey: pair.pub };
    })();
    return signer;
}

/**
 * A signer for an explicit key (`gcpkms://...` or a cosign key file) outside the rebuild (app:build):
 * the cosign binary from `--cosign`, else the cosign:install build; fails naming both.
 */
export function keySigner(key: string, explicitCosign?: string): Signer {
    const bin = findCosign(explicitCosign);
    if (!bin) throw new Error(`--sign-key ${key} needs cosign: npm run --silent cosign:install, or --cosign PATH`);
    return { bin, key, describe: key };
}

/** The image's labels and its /usr/share/sbom/*.cdx.json files, read through the engine. */
export async function readImage(ref: string, platform: Platform): Promise<{ labels: Record<string, string>; sboms: Record<string, CdxDocument> }> {
    const config = JSON.parse(await docker(["buildx", "imagetools", "inspect", ref, "--format", "{{json .Image}}"])) as { config?: { Labels?: Record<string, string> } };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sbom-"));
    const id = (await docker(["create", "--platform", platform, ref])).trim();
    try {
        await docker(["cp", `${id}:/usr/share/sbom`, dir]);
        const sboms: Record<string, CdxDocument> = {};
        for (const f of fs.readdirSync(path.join(dir, "sbom")).filter((n) => n.endsWith(".cdx.json"))) {
            sboms[f] = JSON.parse(fs.readFileSync(path.join(dir, "sbom", f), "utf8")) as CdxDocument;
        }
        return { labels: config.config?.Labels ?? {}, sboms };
    } finally {
        await docker(["rm", id]).catch(() => undefined);
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

function buildSpecOf(spec: ImageSpec, platforms: Platform[]): Record<string, unknown> {
    return {
        imageName: spec.imageName, version: spec.version, revision: spec.revision, buildId: spec.buildId, tag: spec.tag, epoch: spec.epoch,
        readFiles: spec.readFiles, runArgs: spec.runArgs,
        perPlatform: spec.perPlatform.filter((p) => platforms.includes(p.platform)).map((p) => ({
            platform: p.platform, dockerfile: path.relative(ROOT, p.dockerfile), target: p.target, buildArgs: p.buildArgs,
            attestations: p.attestations,
        })),
    };
}

async function attest(s: Signer, ref: string, type: string, predicate: unknown, work: string): Promise<void> {
    const file = path.join(work, `${type}-${Math.random().toString(36).slice(2)}.json`);
    fs.writeFileSync(file, JSON.stringify(predicate));
    await cosign(s.bin, ["attest", "--key", s.key, "--tlog-upload=false", "--type", type, "--predicate", file, ref]);
}

/**
 * One digest's signature and attestations, what image:verify checks: `cosign sign`, a
 * CycloneDX attestation per SBOM, one SLSA provenance attestation (tag-based storage).
 */
export async function signAndAttest(s: Signer, ref: string, sboms: CdxDocument[], provenance: unknown): Promise<void> {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "attest-"));
    try {
        await cosign(s.bin, ["sign", "--key", s.key, "--tlog-upload=false", ref]);
        for (const sbom of sboms) await attest(s, ref, SBOM_TYPE.cosign, sbom, work);
        await attest(s, ref, PROVENANCE_TYPE.cosign, provenance, work);
    } finally {
        fs.rmSync(work, { recursive: true, force: true });
    }
}

/**
 * Where Artifact Registry hosts the image, the SBOM is also stored as an Artifact Analysis SBOM
 * reference (`gcloud artifacts sbom load`); Artifact Registry's own scanning does not read it.
 */
async function loadSbomReference(ref: string, file: string, log: (m: string) => void): Promise<void> {
    if (!/^[a-z0-9-]+-docker\.pkg\.dev\//.test(ref)) return;
    const { execFileSync } = await import("node:child_process");
    execFileSync("gcloud", ["artifacts", "sbom", "load", `--source=${file}`, `--uri=${ref}`], { stdio: ["ignore", "ignore", "inherit"] });
    log(`  SBOM reference stored in Artifact Analysis for ${ref}`);
}

/** Signs and attests one published variant: each platform manifest, then the index. */
export async function signImage(o: RebuildOptions, img: PublishedImage, log: (m: string) => void): Promise<void> {
    const s = await signerFor(o, log);
    if (!s) return;
    const started = Date.now();
    const repo = img.spec.repo;
    const lockBytes = fs.readFileSync(img.lockFile);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "attest-"));
    try {
        const indexSboms: CdxDocument[] = [];
        let cpython = { version: img.spec.version } as { version: string; sha256?: string };
        for (const m of img.manifests) {
            const ref = `${repo}@${m.digest}`;
            const arch = platformArch(m.platform);
            const { labels, sboms } = await readImage(ref, m.platform);
            const sbom = mergeSboms(sboms, ref);
            ((sbom.metadata ??= {}).component ??= {}).properties = [...(sbom.metadata.component.properties ?? []), { name: "platform", value: m.platform }];
            indexSboms.push(sbom);
            cpython = { version: labels["org.opencontainers.image.version"] ?? img.spec.version, ...(labels["dev.distroless-python.cpython.sha256"] ? { sha256: labels["dev.distroless-python.cpython.sha256"] } : {}) };
            const provenance = provenancePredicate({
                image: `${repo}:${img.spec.tag}`, flavor: img.flavor, minor: img.minor, variant: img.variant, sourceGeneration: o.sourceGeneration,
                lockFile: path.relative(ROOT, img.lockFile), lockBytes, cpython, buildSpec: buildSpecOf(img.spec, [m.platform]), arches: [arch],
                startedOn: RUN_STARTED.toISOString(), finishedOn: new Date().toISOString(), builderId: BUILDER_ID,
            });
            await signAndAttest(s, ref, [sbom], provenance);
            const sbomFile = path.join(work, `sbom-${arch}.json`);
            fs.writeFileSync(sbomFile, JSON.stringify(sbom));
            await loadSbomReference(ref, sbomFile, log);
        }
        const ref = `${repo}@${img.index}`;
        // The index carries each platform's SBOM (one attestation each) and one provenance.
        await signAndAttest(s, ref, indexSboms, provenancePredicate({
            image: `${repo}:${img.spec.tag}`, flavor: img.flavor, minor: img.minor, variant: img.variant, sourceGeneration: o.sourceGeneration,
            lockFile: path.relative(ROOT, img.lockFile), lockBytes, cpython, buildSpec: buildSpecOf(img.spec, img.manifests.map((m) => m.platform)),
            arches: img.manifests.map((m) => platformArch(m.platform)), startedOn: RUN_STARTED.toISOString(), finishedOn: new Date().toISOString(), builderId: BUILDER_ID,
        }));
        log(`${img.flavor} ${img.minor} ${img.variant}: signed and attested (SBOM, provenance) ${ref} and ${img.manifests.length} platform manifest(s) (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    } finally {
        fs.rmSync(work, { recursive: true, force: true });
    }
}

/**
 * The key that verifies what `s` signs: a KMS key verifies with itself; a private key file's
 * public half comes from `cosign public-key` (written next to the run's temporary files).
 */
async function verifyKeyOf(s: Signer): Promise<string> {
    if (s.verifyKey) return s.verifyKey;
    if (s.key.startsWith("gcpkms://")) return (s.verifyKey = s.key);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cosign-pub-")), "key.pub");
    await cosign(s.bin, ["public-key", "--key", s.key, "--outfile", file]);
    return (s.verifyKey = file);
}

/**
 * A skipped (flavour, minor) is not rebuilt, but what it names must still pass the deploy's
 * image:verify with this run's key: after a key rotation, or where another producer signed the
 * same content-addressed digests, every deploy would otherwise refuse an image the rebuild calls
 * published. Each index that does not verify (signature and both attestations) is signed and
 * attested again, with its platform manifests; nothing is rebuilt and no tag moves. Resolves to
 * the digest references signed again (the caller attests them for Binary Authorization).
 */
export async function signAgainWhereUnverified(o: RebuildOptions, imgs: Omit<PublishedImage, "manifests">[], log: (m: string) => void): Promise<string[]> {
    const s = await signerFor(o, log);
    if (!s) return [];
    const signed: string[] = [];
    for (const img of imgs) {
        const ref = `${img.spec.repo}@${img.index}`;
        const failures = await unverifiedBy(s, ref);
        if (failures.length === 0) continue;
        log(`${img.flavor} ${img.minor} ${img.variant}: ${ref} does not verify with this run's key (${failures[0].slice(0, 160)}): signing it again`);
        const manifests = await indexManifests(ref);
        await signImage(o, { ...img, manifests }, log);
        signed.push(ref, ...manifests.map((m) => `${img.spec.repo}@${m.digest}`));
    }
    return signed;
}

/** Whether `ref` verifies with `s`'s key (what image:verify checks): the failures, empty when it does. */
export async function unverifiedBy(s: Signer, ref: string): Promise<string[]> {
    return (await verifyDigest(s.bin, await verifyKeyOf(s), ref)).failures;
}
