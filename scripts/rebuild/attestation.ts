// Binary Authorization attestations: for every digest the rebuild publishes, an ATTESTATION
// occurrence on the attestor's Artifact Analysis note (Container Analysis v1
// `projects.occurrences.create`), so clusters whose policy requires this attestor admit it.
// The attestation is a PKIX one, no PGP: the payload is the one
// `gcloud container binauthz create-signature-payload` writes (the image path and its digest),
// signed by the stack's KMS key version (`cryptoKeyVersions.asymmetricSign`, ECDSA P-256 over
// the payload's SHA-256, what the attestor's ECDSA_P256_SHA256 public key verifies), and the
// signature's publicKeyId is the attestor's key id (components/signingKey.ts).
// cosign signatures are a separate thing: Binary Authorization's attestor check never reads them.
import * as crypto from "node:crypto";
import { DIGEST_PATTERN } from "../../components/constants";
import { metadataToken } from "./gcs";

/** The `critical.type` of a Binary Authorization container signature payload. */
export const PAYLOAD_TYPE = "Google cloud binauthz container signature";
const KMS_KEY = /^gcpkms:\/\/(projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+\/cryptoKeyVersions\/[0-9]+)$/;
const NOTE = /^projects\/([^/]+)\/notes\/[^/]+$/;
const DIGEST_REF = new RegExp(`^([a-z0-9.-]+(?::[0-9]{1,5})?(?:/[a-z0-9._-]+)+)@(${DIGEST_PATTERN.source.replace(/^\^|\$$/g, "")})$`);

/** `REGISTRY/PATH@sha256:...` split; refuses anything else (an attestation names one digest). */
export function splitDigestRef(ref: string): { repository: string; digest: string } {
    const m = DIGEST_REF.exec(ref);
    if (!m) throw new Error(`${JSON.stringify(ref)} is not a digest reference; accepted: REGISTRY/PATH@sha256:<64 hex>`);
    return { repository: m[1], digest: m[2] };
}

/** The serialized payload the signature covers: the JSON gcloud's create-signature-payload prints (image path and digest). */
export function signaturePayload(ref: string): Buffer {
    const { repository, digest } = splitDigestRef(ref);
    const payload = { critical: { identity: { "docker-reference": repository }, image: { "docker-manifest-digest": digest }, type: PAYLOAD_TYPE } };
    return Buffer.from(`${JSON.stringify(payload, null, 2)}\n`);
}

/** `//cloudkms.googleapis.com/v1/projects/.../cryptoKeyVersions/N`: the attestor's id of the KMS public key. */
export function kmsPublicKeyId(keyUri: string): string {
    const m = KMS_KEY.exec(keyUri);
    if (!m) throw new Error(`${JSON.stringify(keyUri)} is not a pinned Cloud KMS key version; accepted: gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K/cryptoKeyVersions/N`);
    return `//cloudkms.googleapis.com/v1/${m[1]}`;
}

/** The project of `projects/P/notes/N` (the occurrence is created there, beside its note). */
export function noteProject(note: string): string {
    const m = NOTE.exec(note);
    if (!m) throw new Error(`${JSON.stringify(note)} is not a note name; accepted: projects/<project>/notes/<note>`);
    return m[1];
}

/** The Container Analysis v1 Occurrence of one attestation (the request body of projects.occurrences.create). */
export interface AttestationOccurrence {
    resourceUri: string;
    noteName: string;
    kind: "ATTESTATION";
    attestation: { serializedPayload: string; signatures: { signature: string; publicKeyId: string }[] };
}

/**
 * The request body for one digest: resourceUri `https://REGISTRY/PATH@sha256:...` (the form
 * Binary Authorization looks up for the image a pod names), the note, the base64 payload and
 * the base64 DER signature over it. Pure.
 */
export function attestationOccurrence(a: { ref: string; note: string; keyUri: string; payload: Buffer; signature: Buffer }): AttestationOccurrence {
    splitDigestRef(a.ref);
    noteProject(a.note);
    if (a.signature.length === 0) throw new Error(`${a.ref}: empty signature`);
    return {
        resourceUri: `https://${a.ref}`,
        noteName: a.note,
        kind: "ATTESTATION",
        attestation: {
            serializedPayload: a.payload.toString("base64"),
            signatures: [{ signature: a.signature.toString("base64"), publicKeyId: kmsPublicKeyId(a.keyUri) }],
        },
    };
}

/** The two REST endpoints (tests point them at loopback servers). */
export interface AttestationEndpoints {
    kms: string;
    containerAnalysis: string;
    token: () => Promise<string>;
}

export const GOOGLE_ENDPOINTS: AttestationEndpoints = {
    kms: "https://cloudkms.googleapis.com",
    containerAnalysis: "https://containeranalysis.googleapis.com",
    token: metadataToken,
};

async function post(url: string, token: string, body: unknown, what: string): Promise<Record<string, unknown>> {
    const res = await fetch(url, { method: "POST", headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" }, body: JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${what}: HTTP ${res.status} from ${url}: ${text.slice(0, 500)}`);
    return JSON.parse(text) as Record<string, unknown>;
}

/** KMS asymmetricSign of the payload's SHA-256; resolves to the DER signature. */
export async function kmsSign(keyUri: string, payload: Buffer, ep: AttestationEndpoints = GOOGLE_ENDPOINTS): Promise<Buffer> {
    const name = kmsPublicKeyId(keyUri).replace("//cloudkms.googleapis.com/v1/", "");
    const digest = crypto.createHash("sha256").update(payload).digest("base64");
    const res = await post(`${ep.kms}/v1/${name}:asymmetricSign`, await ep.token(), { digest: { sha256: digest } }, `KMS asymmetricSign with ${keyUri}`);
    if (typeof res.signature !== "string" || res.signature === "") throw new Error(`KMS asymmetricSign with ${keyUri}: no signature in the answer`);
    return Buffer.from(res.signature, "base64");
}

/** Signs and creates the attestation occurrence of each digest; resolves to the occurrences' names. */
export async function attestDigests(refs: string[], o: { keyUri: string; note: string; log: (m: string) => void }, ep: AttestationEndpoints = GOOGLE_ENDPOINTS): Promise<string[]> {
    const project = noteProject(o.note);
    const names: string[] = [];
    for (const ref of refs) {
        const payload = signaturePayload(ref);
        const body = attestationOccurrence({ ref, note: o.note, keyUri: o.keyUri, payload, signature: await kmsSign(o.keyUri, payload, ep) });
        const created = await post(`${ep.containerAnalysis}/v1/projects/${project}/occurrences`, await ep.token(), body, `Binary Authorization attestation of ${ref}`);
        names.push(String(created.name ?? "(unnamed)"));
    }
    o.log(`  Binary Authorization: attested ${refs.length} digest(s) on ${o.note}`);
    return names;
}

/**
 * The rebuild's step: with --attestation-note, attests every published digest (the index and
 * each platform manifest); rebuild:local skips it with a log line (no Artifact Analysis here).
 */
export async function attestPublished(o: { local: boolean; signKey?: string; attestationNote?: string }, refs: string[], log: (m: string) => void): Promise<void> {
    if (!o.attestationNote) return;
    if (o.local) {
        log(`  Binary Authorization attestation skipped (rebuild:local: no Artifact Analysis offline): ${refs.length} digest(s) not attested on ${o.attestationNote}`);
        return;
    }
    await attestDigests(refs, { keyUri: o.signKey!, note: o.attestationNote, log });
}
