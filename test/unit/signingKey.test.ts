// The signing key as the engine sees it (dev stack, which owns the rebuild, with signing on),
// and the pure helpers of signing and verifying. Every statement is a policy.
import * as assert from "assert";
import * as crypto from "crypto";
import { ProgramRun, Registration, runProgram } from "../../scripts/lib/mockRuntime";
import { kmsKeyUri, SIGNER_ROLES, validateSigningKeyArgs } from "../../components/signingKey";
import { validateKeyRef } from "../../scripts/signing/cosign";
import { attestationProblem, attestationStatements, validateDigestRef } from "../../scripts/signing/verify";
import { mergeSboms, PROVENANCE_TYPE, provenancePredicate, SBOM_TYPE } from "../../scripts/signing/predicates";
import { parseRebuildArgs } from "../../scripts/rebuild/options";
import { kmsPublicKeyId } from "../../scripts/rebuild/attestation";
import { releaseLockRefs } from "../../scripts/image-verify";
import { validateCosignPin } from "../../scripts/cosign-install";
import { reveal } from "../../scripts/lib/mockRuntime";
import { RUNNER_COSIGN } from "../../components/rebuildDefaults";

const PROJECT = "distroless-python-dev";
const BUILD_ACCOUNT = `serviceAccount:rebuild-builder@${PROJECT}.iam.gserviceaccount.com`;
const BASE = { "distroless-python:locksDir": "test/fixtures/locks", "distroless-python:signingEnabled": "true" };
const ofType = (run: ProgramRun, type: string) => run.registrations.filter((r) => r.type === type);
const one = (run: ProgramRun, type: string): Registration => {
    const found = ofType(run, type);
    assert.strictEqual(found.length, 1, `${type}: ${found.length} registrations`);
    return found[0];
};
const grants = (run: ProgramRun) => run.registrations.filter((r) => r.custom && typeof r.inputs.role === "string" && "member" in r.inputs);
const KEY_ID = `projects/${PROJECT}/locations/europe-west1/keyRings/distroless-python/cryptoKeys/image-signing`;
/** The rebuild step's arguments after `npm run --silent rebuild --`. */
const rebuildArgs = (run: ProgramRun): string[] => {
    const build = reveal(one(run, "gcp:cloudbuild/trigger:Trigger").inputs.build) as { steps: { id: string; args: string[] }[] };
    const step = build.steps.find((s) => s.id === "rebuild");
    assert.ok(step, "no rebuild step");
    return step.args.slice(4);
};
const option = (args: string[], name: string): string | undefined => {
    const i = args.indexOf(name);
    return i < 0 ? undefined : args[i + 1];
};

describe("signing key (dev stack with signingEnabled, under mocks)", function () {
    this.timeout(120_000);
    let run: ProgramRun;
    before(async () => {
        run = await runProgram({ stack: "dev", overrides: BASE });
    });

    it("creates one key ring and one asymmetric EC P-256 signing key, both protected (KMS can delete neither)", () => {
        const ring = one(run, "gcp:kms/keyRing:KeyRing");
        const key = one(run, "gcp:kms/cryptoKey:CryptoKey");
        assert.deepStrictEqual([ring.inputs.project, ring.inputs.location, ring.inputs.name], [PROJECT, "europe-west1", "distroless-python"]);
        assert.strictEqual(key.inputs.purpose, "ASYMMETRIC_SIGN");
        assert.deepStrictEqual(key.inputs.versionTemplate, { algorithm: "EC_SIGN_P256_SHA256", protectionLevel: "SOFTWARE" });
        assert.strictEqual(ring.options.protect, true);
        assert.strictEqual(key.options.protect, true);
    });
    it("grants the build account exactly signerVerifier and viewer on the key, as non-authoritative CryptoKeyIAMMembers", () => {
        const onKey = grants(run).filter((g) => g.type.startsWith("gcp:kms/"));
        assert.deepStrictEqual(onKey.map((g) => [g.type, g.inputs.cryptoKeyId, g.inputs.role, g.inputs.member]).sort(), [
            ["gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", KEY_ID, "roles/cloudkms.signerVerifier", BUILD_ACCOUNT],
            ["gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", KEY_ID, "roles/cloudkms.viewer", BUILD_ACCOUNT],
        ]);
        assert.deepStrictEqual([...SIGNER_ROLES].sort(), ["roles/cloudkms.signerVerifier", "roles/cloudkms.viewer"]);
    });
    it("no KMS grant on the key ring or the project, and no Binary Authorization resources when it is off", () => {
        assert.ok(!grants(run).some((g) => /keyRingIAM|cloudkms/.test(`${g.type} ${g.type.startsWith("gcp:projects/") ? g.inputs.role as string : ""}`)));
        assert.strictEqual(run.registrations.filter((r) => r.type.startsWith("gcp:binaryauthorization/") || r.type.startsWith("gcp:containeranalysis/")).length, 0);
    });
    it("exports the pinned key version as cosign names it and the public key PEM", () => {
        assert.strictEqual(run.outputs.signingKey, `gcpkms://${KEY_ID}/cryptoKeyVersions/1`);
        assert.match(run.outputs.signingPublicKey as string, /^-----BEGIN PUBLIC KEY-----\n/);
        assert.doesNotThrow(() => validateKeyRef("--sign-key", run.outputs.signingKey as string));
    });
    it("the Cloud Build rebuild step signs with the stack's key version, with the runner's cosign", () => {
        const args = rebuildArgs(run);
        assert.strictEqual(option(args, "--sign-key"), run.outputs.signingKey);
        assert.strictEqual(option(args, "--sign-key"), `gcpkms://${KEY_ID}/cryptoKeyVersions/1`);
        assert.strictEqual(option(args, "--cosign"), RUNNER_COSIGN);
        assert.strictEqual(option(args, "--attestation-note"), undefined, "no attestor, no attestation");
        const parsed = parseRebuildArgs(args, false);
        assert.deepStrictEqual([parsed.signKey, parsed.cosign, parsed.attestationNote], [run.outputs.signingKey, RUNNER_COSIGN, undefined]);
    });
    it("the key's signer grants go to the very account the trigger's builds run as", () => {
        const trigger = one(run, "gcp:cloudbuild/trigger:Trigger").inputs;
        const email = /^projects\/[^/]+\/serviceAccounts\/(.+)$/.exec(trigger.serviceAccount as string)?.[1];
        const members = [...new Set(grants(run).filter((g) => g.type.startsWith("gcp:kms/")).map((g) => g.inputs.member))];
        assert.deepStrictEqual(members, [`serviceAccount:${email}`]);
        assert.strictEqual(members[0], BUILD_ACCOUNT);
    });
    it("without signingEnabled the step passes no signing option (the script then says it publishes unsigned images)", async () => {
        const unsigned = await runProgram({ stack: "dev", overrides: { "distroless-python:locksDir": "test/fixtures/locks" } });
        const args = rebuildArgs(unsigned);
        for (const o of ["--sign-key", "--cosign", "--attestation-note"]) assert.ok(!args.includes(o), o);
    });
    it("enables the KMS API without disabling it on destroy", () => {
        const kms = ofType(run, "gcp:projects/service:Service").find((s) => s.inputs.service === "cloudkms.googleapis.com");
        assert.ok(kms);
        assert.strictEqual(kms.inputs.disableOnDestroy, false);
    });

    describe("binaryAuthorization", () => {
        let attestor: ProgramRun;
        let policy: ProgramRun;
        before(async () => {
            attestor = await runProgram({ stack: "dev", overrides: { ...BASE, "distroless-python:binaryAuthorization": "attestor" } });
            policy = await runProgram({ stack: "dev", overrides: { ...BASE, "distroless-python:binaryAuthorization": "policy" } });
        });
        it("no scheduled run before the build account may sign and attest: the scheduler job waits for every signer grant", () => {
            for (const r of [run, attestor]) {
                const job = one(r, "gcp:cloudscheduler/job:Job");
                const signerGrants = grants(r).filter((g) => g.inputs.member === BUILD_ACCOUNT && /^gcp:(kms|containeranalysis|projects)\//.test(g.type) && !/logWriter/.test(String(g.inputs.role)));
                assert.ok(signerGrants.length >= (r === run ? 2 : 4), `${signerGrants.length} signer grants`);
                for (const g of signerGrants) assert.ok(job.options.dependencies.some((d) => d.endsWith(`${g.type}::${g.name}`)), `the job does not wait for ${g.name} (${String(g.inputs.role)})`);
            }
        });
        it("attestor: a note and an attestor carrying the KMS key version's public key, and no policy (another stack may own it)", () => {
            const a = one(attestor, "gcp:binaryauthorization/attestor:Attestor");
            const note = a.inputs.attestationAuthorityNote as { noteReference: string; publicKeys: { id: string; pkixPublicKey: { publicKeyPem: string; signatureAlgorithm: string } }[] };
            assert.strictEqual(note.noteReference, "distroless-python-rebuild");
            assert.strictEqual(note.publicKeys[0].id, `//cloudkms.googleapis.com/v1/${KEY_ID}/cryptoKeyVersions/1`);
            assert.strictEqual(note.publicKeys[0].pkixPublicKey.signatureAlgorithm, "ECDSA_P256_SHA256");
            assert.match(note.publicKeys[0].pkixPublicKey.publicKeyPem, /BEGIN PUBLIC KEY/);
            assert.strictEqual(ofType(attestor, "gcp:binaryauthorization/policy:Policy").length, 0);
        });
        it("attestor: the build account may attach occurrences to the note and create occurrences (a project resource), nothing more", () => {
            const mine = grants(attestor).filter((g) => g.inputs.member === BUILD_ACCOUNT && !g.type.startsWith("gcp:kms/"));
            const binauthz = mine.filter((g) => /binaryauthorization|containeranalysis/.test(g.type) || /containeranalysis|binaryauthorization/.test(g.inputs.role as string));
            assert.deepStrictEqual(binauthz.map((g) => [g.type, g.inputs.role, g.inputs.note ?? `project ${g.inputs.project as string}`]).sort(), [
                ["gcp:containeranalysis/noteIamMember:NoteIamMember", "roles/containeranalysis.notes.attacher", "distroless-python-rebuild"],
                ["gcp:projects/iAMMember:IAMMember", "roles/containeranalysis.occurrences.editor", `project ${PROJECT}`],
            ]);
            // Nobody else gets a Binary Authorization or Artifact Analysis grant.
            assert.deepStrictEqual(grants(attestor).filter((g) => /binaryauthorization|containeranalysis/.test(`${g.type} ${g.inputs.role as string}`) && g.inputs.member !== BUILD_ACCOUNT).map((g) => g.name), []);
        });
        it("attestor: the rebuild step attests on the attestor's note, with the key the attestor holds", () => {
            const args = rebuildArgs(attestor);
            assert.strictEqual(option(args, "--attestation-note"), `projects/${PROJECT}/notes/distroless-python-rebuild`);
            assert.strictEqual(option(args, "--sign-key"), `gcpkms://${KEY_ID}/cryptoKeyVersions/1`);
            const a = one(attestor, "gcp:binaryauthorization/attestor:Attestor").inputs.attestationAuthorityNote as { noteReference: string; publicKeys: { id: string }[] };
            assert.strictEqual(`projects/${PROJECT}/notes/${a.noteReference}`, option(args, "--attestation-note"));
            assert.strictEqual(kmsPublicKeyId(option(args, "--sign-key")!), a.publicKeys[0].id);
            assert.strictEqual(parseRebuildArgs(args, false).attestationNote, `projects/${PROJECT}/notes/distroless-python-rebuild`);
        });
        it("policy: the project's one policy requires this attestor on every image, blocking and logging the rest", () => {
            const p = one(policy, "gcp:binaryauthorization/policy:Policy");
            assert.deepStrictEqual(p.inputs.defaultAdmissionRule, {
                evaluationMode: "REQUIRE_ATTESTATION",
                enforcementMode: "ENFORCED_BLOCK_AND_AUDIT_LOG",
                requireAttestationsBies: ["distroless-python-rebuild"],
            });
            assert.strictEqual(p.inputs.globalPolicyEvaluationMode, "ENABLE");
            assert.strictEqual(p.inputs.project, PROJECT);
        });
    });
});

describe("signing: pure helpers", () => {
    it("validateSigningKeyArgs names the arg and what is accepted", () => {
        assert.throws(() => validateSigningKeyArgs({ project: "p", location: "Europe West" }), /SigningKey arg "location": "Europe West" is not valid; accepted: a KMS location/);
        assert.throws(() => validateSigningKeyArgs({ project: "p", location: "global", keyRing: "a b" }), /SigningKey arg "keyRing": "a b" is not valid/);
        assert.throws(() => validateSigningKeyArgs({ project: "p", location: "global", binaryAuthorization: "on" as "off" }), /accepted: off, attestor, policy/);
    });
    it("a signing key is a pinned gcpkms:// key version or a key file; anything else is refused naming the option", () => {
        const uri = kmsKeyUri("my-project", "europe-west1", "r", "k");
        assert.strictEqual(validateKeyRef("--sign-key", uri), uri);
        assert.strictEqual(validateKeyRef("--key", "cosign.pub"), "cosign.pub");
        assert.throws(() => validateKeyRef("--sign-key", uri.replace(/\/cryptoKeyVersions\/1$/, "")), /option --sign-key: .* accepted: gcpkms:\/\/projects\/P\/.*cryptoKeyVersions\/N \(the version pinned\)/);
        assert.throws(() => validateKeyRef("--key", "awskms://alias/x"), /option --key: "awskms:\/\/alias\/x" uses a key scheme this project does not use/);
        assert.throws(() => parseRebuildArgs(["--registry", "127.0.0.1:5000", "--sign-key", "hashivault://k"], true), /option --sign-key/);
        assert.strictEqual(parseRebuildArgs(["--registry", "127.0.0.1:5000", "--sign-key", uri, "--cosign", "/x/cosign"], true).signKey, uri);
    });
    it("verify takes digest references only (a tag can move after the check)", () => {
        const d = `sha256:${"a".repeat(64)}`;
        assert.strictEqual(validateDigestRef(`127.0.0.1:5000/python@${d}`), `127.0.0.1:5000/python@${d}`);
        assert.throws(() => validateDigestRef("127.0.0.1:5000/python:3.13"), /is not a digest reference; accepted: REGISTRY\/PATH@sha256:<64 hex>/);
    });
    it("an attestation whose subject is another digest is refused, naming both digests", () => {
        const a = `sha256:${"a".repeat(64)}`;
        const b = `sha256:${"b".repeat(64)}`;
        const line = JSON.stringify({ payload: Buffer.from(JSON.stringify({ predicateType: SBOM_TYPE.predicateType, subject: [{ digest: { sha256: "a".repeat(64) } }], predicate: {} })).toString("base64") });
        const statements = attestationStatements(`${line}\n`);
        assert.strictEqual(attestationProblem(statements, SBOM_TYPE.predicateType, a), undefined);
        assert.strictEqual(attestationProblem(statements, SBOM_TYPE.predicateType, b), `attestation made for another digest (subject ${a}, not ${b})`);
        assert.match(attestationProblem(statements, PROVENANCE_TYPE.predicateType, a)!, /^no https:\/\/slsa.dev\/provenance\/v1 attestation \(found: https:\/\/cyclonedx.org\/bom\)$/);
    });
    it("the variant's SBOM is the runtime layer's plus its own layer's components", () => {
        const doc = (names: string[]) => ({ bomFormat: "CycloneDX", specVersion: "1.5", components: names.map((n) => ({ "bom-ref": `pkg:deb/debian/${n}`, name: n })) });
        const merged = mergeSboms({ "python.cdx.json": doc(["libc6", "cpython"]), "debug.cdx.json": doc(["busybox", "libc6"]) }, "x");
        assert.deepStrictEqual(merged.components!.map((c) => c.name), ["libc6", "cpython", "busybox"]);
        assert.throws(() => mergeSboms({ "debug.cdx.json": doc([]) }, "img@sha256:x"), /img@sha256:x: no \/usr\/share\/sbom\/python.cdx.json in the image \(found: debug.cdx.json\)/);
    });
    it("provenance records source generation, lock sha256, CPython version and sha256, the variant's Debian packages and the build spec", () => {
        const lock = Buffer.from(JSON.stringify({ architectures: { amd64: [
            { layer: "runtime", package: "libc6", version: "2.41-12", architecture: "amd64", filename: "f", sha256: "1".repeat(64) },
            { layer: "debug", package: "busybox", version: "1:1.37.0-6", architecture: "amd64", filename: "f", sha256: "2".repeat(64) },
        ] } }));
        const p = provenancePredicate({ image: "r/python:3.13.5-x", flavor: "upstream", minor: "3.13", variant: "runtime", sourceGeneration: "17", lockFile: "image/locks/upstream-3.13.json", lockBytes: lock,
            cpython: { version: "3.13.5", sha256: "3".repeat(64) }, buildSpec: { target: "runtime" }, arches: ["amd64"], startedOn: "2026-01-01T00:00:00Z", finishedOn: "2026-01-01T00:01:00Z", builderId: "b" }) as {
            buildDefinition: { externalParameters: Record<string, unknown>; resolvedDependencies: { name: string; digest: { sha256: string } }[] } };
        const ext = p.buildDefinition.externalParameters;
        assert.strictEqual(ext.sourceGeneration, "17");
        assert.strictEqual((ext.lock as { sha256: string }).sha256, crypto.createHash("sha256").update(lock).digest("hex"));
        assert.deepStrictEqual(ext.cpython, { version: "3.13.5", sha256: "3".repeat(64) });
        assert.deepStrictEqual(ext.debianPackages, { amd64: { libc6: "2.41-12" } });
        assert.deepStrictEqual(ext.buildSpec, { target: "runtime" });
        assert.deepStrictEqual(p.buildDefinition.resolvedDependencies.map((d) => d.name), ["Python-3.13.5.tar.xz", "libc6_2.41-12_amd64.deb"]);
        assert.throws(() => provenancePredicate({ image: "i", flavor: "f", minor: "m", variant: "runtime", lockFile: "L", lockBytes: lock, cpython: { version: "1" }, buildSpec: {}, arches: ["arm64"], startedOn: "", finishedOn: "", builderId: "" }), /L: architectures.arm64 is missing/);
    });
    it("image:verify checks every image and app digest of a release lock", () => {
        const d = (c: string) => `sha256:${c.repeat(64)}`;
        const img = (c: string) => ({ tag: "t", digest: d(c), ref: `r/python@${d(c)}` });
        assert.deepStrictEqual(releaseLockRefs({ schemaVersion: 1, repositoryUrl: "r", images: { upstream: { "3.13": { runtime: img("a"), debug: img("b") } } }, apps: { "sample-app": { tag: "t", digest: d("c"), ref: `r/app@${d("c")}` } } }),
            [`r/python@${d("b")}`, `r/python@${d("a")}`, `r/app@${d("c")}`]);
    });
    it("the cosign pin is a v2 release of the module it builds", () => {
        assert.throws(() => validateCosignPin({ module: "m", package: "m/cmd/cosign", version: "latest" }, "tools/cosign.json"), /tools\/cosign.json: version is "latest"; expected a cosign v2 release/);
        assert.throws(() => validateCosignPin({ module: "m", package: "x/cmd/cosign", version: "v2.6.5" }, "f"), /package x\/cmd\/cosign is not inside module m/);
    });
});
