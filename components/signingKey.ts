// The key the rebuild signs published images with: a Cloud KMS key ring and asymmetric
// signing key (cosign's `gcpkms://` signer), and optionally Binary Authorization.
//
// Neither the key ring nor the key can be deleted: Cloud KMS has no delete for key rings
// and keys (only key *versions* are destroyed, after a scheduled delay), so both are created
// with `protect: true`; `pulumi destroy` stops at them instead of pretending to remove them.
// Forgetting them from state (`pulumi state delete --force`) is the only way out, and every
// signature ever made stays verifiable with the exported public key.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

/** What cosign's KMS signer needs on the key and nothing else: sign/verify, and reading the key, its versions and the public key. */
export const SIGNER_ROLES = ["roles/cloudkms.signerVerifier", "roles/cloudkms.viewer"] as const;
/** cosign signs ECDSA P-256 SHA-256 by default; Binary Authorization accepts the same. */
export const SIGNING_ALGORITHM = "EC_SIGN_P256_SHA256";
export const BINAUTHZ_SIGNATURE_ALGORITHM = "ECDSA_P256_SHA256";
/** The key version every signature pins (the key's first, created with it). */
export const SIGNING_KEY_VERSION = 1;
export const SIGNING_APIS = ["cloudkms.googleapis.com"] as const;
export const BINAUTHZ_APIS = ["binaryauthorization.googleapis.com", "containeranalysis.googleapis.com"] as const;

export interface SigningKeyArgs {
    /** GCP project of the key ring. Required. */
    project: string;
    /** KMS location (a region such as `europe-west1`, or `global`). Required. */
    location: string;
    /** Key ring name. Default: `"distroless-python"`. */
    keyRing?: string;
    /** Key name. Default: `"image-signing"`. */
    key?: string;
    /** Members that sign with the key (the rebuild's build account), granted SIGNER_ROLES on the key. Default: `[]`. */
    signers?: pulumi.Input<string>[];
    /**
     * Binary Authorization: `"off"` (default), `"attestor"` (a note and an attestor whose
     * attestations the signers create as Artifact Analysis occurrences), or `"policy"` (the
     * attestor and the project's one Binary Authorization policy, owned by this stack: the
     * default rule admits only images this attestor attested). Only one stack per project may
     * say `"policy"`.
     */
    binaryAuthorization?: "off" | "attestor" | "policy";
    /** Enable the APIs with `gcp.projects.Service` (never disabled on destroy). Default: `true`. */
    enableApis?: boolean;
}

/** Validates the args; pure, the message names the arg and what is accepted. */
export function validateSigningKeyArgs(args: SigningKeyArgs): void {
    const name = /^[A-Za-z0-9_-]{1,63}$/;
    for (const k of ["keyRing", "key"] as const) {
        const v = args[k];
        if (v !== undefined && !name.test(v)) throw new Error(`SigningKey arg "${k}": ${JSON.stringify(v)} is not valid; accepted: 1 to 63 letters, digits, _ or -`);
    }
    if (!/^[a-z0-9-]+$/.test(args.location)) throw new Error(`SigningKey arg "location": ${JSON.stringify(args.location)} is not valid; accepted: a KMS location such as europe-west1 or global`);
    const b = args.binaryAuthorization;
    if (b !== undefined && !["off", "attestor", "policy"].includes(b)) throw new Error(`SigningKey arg "binaryAuthorization": ${JSON.stringify(b)} is not supported; accepted: off, attestor, policy`);
}

/** The defaults of the key ring and key names (one place: the component and signingKeyUri). */
export const SIGNING_KEY_DEFAULTS = { keyRing: "distroless-python", key: "image-signing" } as const;
/** The Artifact Analysis note the attestor reads; the rebuild attaches its attestations to it. */
export const ATTESTATION_NOTE_ID = "distroless-python-rebuild";

/** `projects/P/notes/N` of the attestor's note (what `rebuild --attestation-note` takes). */
export function attestationNoteName(project: string): string {
    return `projects/${project}/notes/${ATTESTATION_NOTE_ID}`;
}

/**
 * The pinned key version a SigningKey with these args signs with, as a plain string before
 * the component exists: the rebuild's trigger needs it, and the key's signer grants need the
 * rebuild's build account, so index.ts computes it first.
 */
export function signingKeyUri(args: Pick<SigningKeyArgs, "project" | "location" | "keyRing" | "key">): string {
    return kmsKeyUri(args.project, args.location, args.keyRing ?? SIGNING_KEY_DEFAULTS.keyRing, args.key ?? SIGNING_KEY_DEFAULTS.key);
}

/** `gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K/cryptoKeyVersions/N`: what `rebuild --sign-key` and `image:verify --key` take. */
export function kmsKeyUri(project: string, location: string, keyRing: string, key: string, version = SIGNING_KEY_VERSION): string {
    return `gcpkms://projects/${project}/locations/${location}/keyRings/${keyRing}/cryptoKeys/${key}/cryptoKeyVersions/${version}`;
}

export class SigningKey extends pulumi.ComponentResource {
    public readonly keyRing: gcp.kms.KeyRing;
    public readonly key: gcp.kms.CryptoKey;
    /** The pinned key version as cosign names it (gcpkms://...). */
    public readonly keyUri: string;
    /** PEM of the key version's public key: verifies every signature (`image:verify --key FILE`). */
    public readonly publicKeyPem: pulumi.Output<string>;
    public readonly attestor?: gcp.binaryauthorization.Attestor;
    public readonly policy?: gcp.binaryauthorization.Policy;
    /** Every grant to the signers (on the key, and with an attestor on its note and project): what a signing run needs in place. */
    public readonly signerGrants: pulumi.Resource[] = [];

    constructor(name: string, args: SigningKeyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("distroless-python:signing:SigningKey", name, {}, opts);
        validateSigningKeyArgs(args);
        const ringName = args.keyRing ?? SIGNING_KEY_DEFAULTS.keyRing;
        const keyName = args.key ?? SIGNING_KEY_DEFAULTS.key;
        const binauthz = args.binaryAuthorization ?? "off";
        const apis = [...SIGNING_APIS, ...(binauthz === "off" ? [] : BINAUTHZ_APIS)];
        const services = (args.enableApis ?? true)
            ? apis.map((service) => new gcp.projects.Service(`${name}-${service.split(".")[0]}`, { project: args.project, service, disableOnDestroy: false, disableDependentServices: false }, { parent: this }))
            : [];

        this.keyRing = new gcp.kms.KeyRing(`${name}-ring`, { project: args.project, location: args.location, name: ringName }, { parent: this, dependsOn: services, protect: true });
        this.key = new gcp.kms.CryptoKey(`${name}-key`, {
            keyRing: this.keyRing.id,
            name: keyName,
            purpose: "ASYMMETRIC_SIGN",
            versionTemplate: { algorithm: SIGNING_ALGORITHM, protectionLevel: "SOFTWARE" },
            labels: { "managed-by": "pulumi" },
        }, { parent: this, protect: true });
        this.keyUri = signingKeyUri(args);

        const signers = args.signers ?? [];
        signers.forEach((member, i) => {
            for (const role of SIGNER_ROLES) {
                // On the key, not the ring or project: the account can sign with this key only.
                this.signerGrants.push(new gcp.kms.CryptoKeyIAMMember(`${name}-signer-${i}-${role.split(".")[1]}`, { cryptoKeyId: this.key.id, role, member }, { parent: this }));
            }
        });

        const version = gcp.kms.getKMSCryptoKeyVersionOutput({ cryptoKey: this.key.id, version: SIGNING_KEY_VERSION }, { parent: this });
        this.publicKeyPem = version.publicKeys.apply((keys) => keys[0]?.pem ?? "");

        if (binauthz !== "off") {
            this.attestor = this.binaryAuthorization(name, args.project, signers, version.id);
            if (binauthz === "policy") this.policy = this.projectPolicy(name, args.project, this.attestor);
        }
        this.registerOutputs({ keyUri: this.keyUri, publicKeyPem: this.publicKeyPem, attestor: this.attestor?.name });
    }

    /**
     * A note and an attestor with the KMS public key; the signers may attach occurrences to the
     * note and create them. The rebuild creates each attestation with the Container Analysis
     * API itself (scripts/rebuild/attestation.ts: note name and key version are its arguments),
     * so it never reads the attestor and gets no attestorsViewer.
     */
    private binaryAuthorization(name: string, project: string, signers: pulumi.Input<string>[], versionId: pulumi.Output<string>): gcp.binaryauthorization.Attestor {
        const note = new gcp.containeranalysis.Note(`${name}-note`, {
            project, name: ATTESTATION_NOTE_ID,
            attestationAuthority: { hint: { humanReadableName: "Published by the distroless-python rebuild" } },
        }, { parent: this });
        const attestor = new gcp.binaryauthorization.Attestor(`${name}-attestor`, {
            project, name: ATTESTATION_NOTE_ID,
            attestationAuthorityNote: {
                noteReference: note.name,
                publicKeys: [{ id: pulumi.interpolate`//cloudkms.googleapis.com/v1/${versionId}`, pkixPublicKey: { publicKeyPem: this.publicKeyPem, signatureAlgorithm: BINAUTHZ_SIGNATURE_ALGORITHM } }],
            },
        }, { parent: this });
        signers.forEach((member, i) => {
            // Attaching an attestation occurrence to this note (containeranalysis.notes.attachOccurrence).
            this.signerGrants.push(new gcp.containeranalysis.NoteIamMember(`${name}-attacher-${i}`, { project, note: note.name, role: "roles/containeranalysis.notes.attacher", member }, { parent: this }));
            // Occurrences are project resources: Artifact Analysis has no narrower grant to create them.
            this.signerGrants.push(new gcp.projects.IAMMember(`${name}-occurrences-${i}`, { project, role: "roles/containeranalysis.occurrences.editor", member }, { parent: this }));
        });
        return attestor;
    }

    /**
     * The project's one policy: images need this attestor's attestation (GKE's own system
     * images stay admitted by the global evaluation mode). Blocks, and logs, the rest.
     */
    private projectPolicy(name: string, project: string, attestor: gcp.binaryauthorization.Attestor): gcp.binaryauthorization.Policy {
        return new gcp.binaryauthorization.Policy(`${name}-policy`, {
            project,
            globalPolicyEvaluationMode: "ENABLE",
            defaultAdmissionRule: {
                evaluationMode: "REQUIRE_ATTESTATION",
                enforcementMode: "ENFORCED_BLOCK_AND_AUDIT_LOG",
                requireAttestationsBies: [attestor.name],
            },
        }, { parent: this });
    }
}
