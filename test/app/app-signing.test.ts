// The sample app is signed the way the rebuild signs the Python images: `app:build --push
// --sign-key KEY` signs and attests the pushed digest with scripts/rebuild/sign.ts, so the
// deploy path's image:verify accepts it (and refuses it with another key). Real cosign (the
// cosign:install build), a key pair made for the test, the app image the other app tests build
// (cached), pushed under this test's own path of the loopback registry. Seconds after setup.
import * as assert from "assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildApp, defaultExtraCa } from "../../scripts/app-build";
import { ensureCosign } from "../../scripts/cosign-install";
import { cosign, ensureLocalKeyPair } from "../../scripts/signing/cosign";
import { SBOM_TYPE } from "../../scripts/signing/predicates";
import { attestationStatements, verifyDigest } from "../../scripts/signing/verify";
import { APP_PYTHON, baseImages } from "./harness";

describe("sample app image: signed by its publisher (app:build --push --sign-key)", function () {
    this.timeout(30 * 60 * 1000);
    const registry = `${process.env.REGISTRY_ADDR ?? "127.0.0.1:5000"}/app-signing-test`;
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "app-signing-"));
    let bin = "";
    let key: { key: string; pub: string };
    let ref = "";
    before(async () => {
        bin = await ensureCosign();
        key = await ensureLocalKeyPair(bin, path.join(work, "app"));
        ref = await buildApp({ ...APP_PYTHON, ...(await baseImages()), noCache: false, extraCa: defaultExtraCa(), push: registry, signKey: key.key, cosign: bin });
    });
    after(() => fs.rmSync(work, { recursive: true, force: true }));

    it("image:verify accepts the pushed digest: signature, SBOM and provenance attestations, each for that digest", async () => {
        assert.match(ref, new RegExp(`^${registry.replace(/\./g, "\\.")}/sample-app@sha256:[0-9a-f]{64}$`));
        assert.deepStrictEqual((await verifyDigest(bin, key.pub, ref)).failures, []);
    });
    it("the attested SBOM lists the venv's wheels on top of the runtime image's packages", async () => {
        const out = await cosign(bin, ["verify-attestation", "--key", key.pub, "--insecure-ignore-tlog=true", "--type", SBOM_TYPE.cosign, ref]);
        const sbom = attestationStatements(out)[0].predicate as { components: { name: string; purl?: string }[] };
        const purls = sbom.components.map((c) => c.purl ?? "");
        for (const p of ["pkg:pypi/flask@", "pkg:pypi/gunicorn@"]) assert.ok(purls.some((x) => x.startsWith(p)), `${p} not in the SBOM`);
        assert.ok(sbom.components.some((c) => c.name === "libc6"), "the runtime image's Debian packages are kept");
    });
    it("another key's public key is refused, naming the digest's signature (negative control)", async () => {
        const other = await ensureLocalKeyPair(bin, path.join(work, "other"));
        const r = await verifyDigest(bin, other.pub, ref);
        assert.ok(r.failures.some((f) => f.startsWith("signature: ")), r.failures.join("; "));
    });
});
