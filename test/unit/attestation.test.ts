// Binary Authorization attestations the rebuild creates (scripts/rebuild/attestation.ts): the
// request body as a pure function, then the two REST calls against loopback stand-ins for
// Cloud KMS and Container Analysis. KMS's asymmetricSign signs the SHA-256 it is given
// (ECDSA P-256, DER), and Binary Authorization verifies that signature over the serialized
// payload's SHA-256: so the test holds that the digest sent to KMS is the payload's, that the
// occurrence carries exactly KMS's signature, and that the payload names the digest.
import * as assert from "assert";
import * as crypto from "crypto";
import * as http from "http";
import type { AddressInfo } from "net";
import { attestationOccurrence, attestDigests, attestPublished, kmsPublicKeyId, noteProject, PAYLOAD_TYPE, signaturePayload } from "../../scripts/rebuild/attestation";
import { parseRebuildArgs } from "../../scripts/rebuild/options";

const D = `sha256:${"a".repeat(64)}`;
const REF = `europe-west1-docker.pkg.dev/distroless-python-dev/distroless-python/python@${D}`;
const KEY = "gcpkms://projects/distroless-python-dev/locations/europe-west1/keyRings/distroless-python/cryptoKeys/image-signing/cryptoKeyVersions/1";
const NOTE = "projects/distroless-python-dev/notes/distroless-python-rebuild";

describe("Binary Authorization attestation (pure)", () => {
    it("the payload names the image path and its digest, typed as a Binary Authorization container signature", () => {
        assert.deepStrictEqual(JSON.parse(signaturePayload(REF).toString()), {
            critical: {
                identity: { "docker-reference": "europe-west1-docker.pkg.dev/distroless-python-dev/distroless-python/python" },
                image: { "docker-manifest-digest": D },
                type: PAYLOAD_TYPE,
            },
        });
        assert.strictEqual(PAYLOAD_TYPE, "Google cloud binauthz container signature");
    });
    it("the occurrence is an ATTESTATION on the note, for https://<registry>/<image>@sha256:..., payload and signature in base64, key id as the attestor has it", () => {
        const payload = signaturePayload(REF);
        const body = attestationOccurrence({ ref: REF, note: NOTE, keyUri: KEY, payload, signature: Buffer.from([0x30, 0x44, 1, 2]) });
        assert.deepStrictEqual(body, {
            resourceUri: `https://${REF}`,
            noteName: NOTE,
            kind: "ATTESTATION",
            attestation: {
                serializedPayload: payload.toString("base64"),
                signatures: [{ signature: "MEQBAg==", publicKeyId: "//cloudkms.googleapis.com/v1/projects/distroless-python-dev/locations/europe-west1/keyRings/distroless-python/cryptoKeys/image-signing/cryptoKeyVersions/1" }],
            },
        });
    });
    it("refuses a tag reference, an unpinned key, a malformed note and an empty signature, naming the value", () => {
        const ok = { ref: REF, note: NOTE, keyUri: KEY, payload: Buffer.from("{}"), signature: Buffer.from([1]) };
        assert.throws(() => attestationOccurrence({ ...ok, ref: "europe-west1-docker.pkg.dev/p/r/python:3.13" }), /"europe-west1-docker.pkg.dev\/p\/r\/python:3.13" is not a digest reference; accepted: REGISTRY\/PATH@sha256:<64 hex>/);
        assert.throws(() => attestationOccurrence({ ...ok, keyUri: KEY.replace(/\/cryptoKeyVersions\/1$/, "") }), /is not a pinned Cloud KMS key version; accepted: gcpkms:\/\/projects\/P\/.*cryptoKeyVersions\/N/);
        assert.throws(() => attestationOccurrence({ ...ok, note: "distroless-python-rebuild" }), /"distroless-python-rebuild" is not a note name; accepted: projects\/<project>\/notes\/<note>/);
        assert.throws(() => attestationOccurrence({ ...ok, signature: Buffer.alloc(0) }), /: empty signature$/);
        assert.strictEqual(noteProject(NOTE), "distroless-python-dev");
        assert.strictEqual(kmsPublicKeyId(KEY), "//cloudkms.googleapis.com/v1/projects/distroless-python-dev/locations/europe-west1/keyRings/distroless-python/cryptoKeys/image-signing/cryptoKeyVersions/1");
    });
    it("the rebuild CLI takes --attestation-note only with a gcpkms:// key (outside rebuild:local), naming the option", () => {
        const base = ["--registry", "europe-west1-docker.pkg.dev/p/r", "--lease", "gs://b/l", "--release", "gs://b/r/"];
        assert.strictEqual(parseRebuildArgs([...base, "--sign-key", KEY, "--attestation-note", NOTE], false).attestationNote, NOTE);
        assert.throws(() => parseRebuildArgs([...base, "--attestation-note", NOTE], false), /option --attestation-note needs --sign-key gcpkms:\/\//);
        assert.throws(() => parseRebuildArgs([...base, "--sign-key", KEY, "--attestation-note", "notes/x"], false), /option --attestation-note: "notes\/x" is not valid; accepted: projects\/<project>\/notes\/<note>/);
        assert.strictEqual(parseRebuildArgs(["--registry", "127.0.0.1:5000", "--attestation-note", NOTE], true).attestationNote, NOTE);
    });
});

describe("Binary Authorization attestation (against loopback KMS and Container Analysis stand-ins)", () => {
    const requests: { method: string; url: string; auth: string; body: Record<string, unknown> }[] = [];
    let server: http.Server;
    let base = "";
    before(async () => {
        server = http.createServer((req, res) => {
            let text = "";
            req.on("data", (c) => { text += c; });
            req.on("end", () => {
                const body = JSON.parse(text) as Record<string, unknown>;
                requests.push({ method: req.method!, url: req.url!, auth: String(req.headers.authorization), body });
                if (req.url!.endsWith(":asymmetricSign")) {
                    // A stand-in signature: bytes derived from the digest, so the test can tell which digest was signed.
                    const signature = crypto.createHash("sha256").update("kms-signature:").update((body.digest as { sha256: string }).sha256).digest();
                    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ signature: signature.toString("base64") }));
                } else {
                    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ ...body, name: `projects/distroless-python-dev/occurrences/${requests.length}` }));
                }
            });
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => server.close());

    it("signs each digest's payload with the key version and creates one occurrence per digest, in the note's project", async () => {
        const refs = [REF, REF.replace(D, `sha256:${"b".repeat(64)}`)];
        const lines: string[] = [];
        const names = await attestDigests(refs, { keyUri: KEY, note: NOTE, log: (m) => lines.push(m) }, { kms: base, containerAnalysis: base, token: async () => "tok" });
        assert.deepStrictEqual(names, ["projects/distroless-python-dev/occurrences/2", "projects/distroless-python-dev/occurrences/4"]);
        assert.deepStrictEqual(requests.map((r) => [r.method, r.url, r.auth]), [
            ["POST", "/v1/projects/distroless-python-dev/locations/europe-west1/keyRings/distroless-python/cryptoKeys/image-signing/cryptoKeyVersions/1:asymmetricSign", "Bearer tok"],
            ["POST", "/v1/projects/distroless-python-dev/occurrences", "Bearer tok"],
            ["POST", "/v1/projects/distroless-python-dev/locations/europe-west1/keyRings/distroless-python/cryptoKeys/image-signing/cryptoKeyVersions/1:asymmetricSign", "Bearer tok"],
            ["POST", "/v1/projects/distroless-python-dev/occurrences", "Bearer tok"],
        ]);
        for (const [i, ref] of refs.entries()) {
            const signed = (requests[2 * i].body.digest as { sha256: string }).sha256;
            const occ = requests[2 * i + 1].body as { resourceUri: string; attestation: { serializedPayload: string; signatures: { signature: string }[] } };
            assert.strictEqual(occ.resourceUri, `https://${ref}`);
            const payload = Buffer.from(occ.attestation.serializedPayload, "base64");
            // KMS signed the SHA-256 of exactly the payload the occurrence carries, and the occurrence carries KMS's signature.
            assert.strictEqual(signed, crypto.createHash("sha256").update(payload).digest("base64"), `${ref}: KMS signed another payload`);
            assert.strictEqual(occ.attestation.signatures[0].signature, crypto.createHash("sha256").update("kms-signature:").update(signed).digest("base64"));
            assert.strictEqual((JSON.parse(payload.toString()) as { critical: { image: { "docker-manifest-digest": string } } }).critical.image["docker-manifest-digest"], ref.split("@")[1]);
        }
        assert.deepStrictEqual(lines, [`  Binary Authorization: attested 2 digest(s) on ${NOTE}`]);
    });
    it("rebuild:local skips it with a log line and calls nothing", async () => {
        const before = requests.length;
        const lines: string[] = [];
        await attestPublished({ local: true, attestationNote: NOTE }, [REF], (m) => lines.push(m));
        assert.strictEqual(requests.length, before);
        assert.deepStrictEqual(lines, [`  Binary Authorization attestation skipped (rebuild:local: no Artifact Analysis offline): 1 digest(s) not attested on ${NOTE}`]);
        await attestPublished({ local: false }, [REF], (m) => lines.push(m));
        assert.strictEqual(lines.length, 1, "no note, no attestation, no log");
    });
    it("a refused call fails naming the digest, the status and the endpoint", async () => {
        const refusing = http.createServer((_req, res) => res.writeHead(403).end("PERMISSION_DENIED: containeranalysis.occurrences.create"));
        await new Promise<void>((r) => refusing.listen(0, "127.0.0.1", r));
        const url = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}`;
        try {
            await assert.rejects(attestDigests([REF], { keyUri: KEY, note: NOTE, log: () => undefined }, { kms: base, containerAnalysis: url, token: async () => "tok" }),
                { message: `Binary Authorization attestation of ${REF}: HTTP 403 from ${url}/v1/projects/distroless-python-dev/occurrences: PERMISSION_DENIED: containeranalysis.occurrences.create` });
        } finally {
            refusing.close();
        }
    });
});
