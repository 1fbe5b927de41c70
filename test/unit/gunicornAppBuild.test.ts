// app:build's command line: the proxy CA reaches the build only as a BuildKit secret; a pushed
// app is signed with the key given, its SBOM and provenance built from what the build installs.
import * as assert from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { buildxArgs, parseAppBuildArgs } from "../../scripts/app-build";
import { APP_BUILD_TYPE, appProvenancePredicate, appSbom, pinnedRequirements } from "../../scripts/signing/predicates";

const REQUIREMENTS = path.join(__dirname, "..", "..", "app", "requirements.txt");

describe("app:build", () => {
    it("passes the CA as the extra_ca secret and never as a build arg", () => {
        const o = parseAppBuildArgs(["--builder-image", "b:1", "--runtime-image", "r:1", "--extra-ca", "/etc/hostname"], {});
        const args = buildxArgs({ ...o, builderImage: "b:1", runtimeImage: "r:1" }, "sample-app:t", "/tmp/iid");
        assert.deepStrictEqual(args.slice(args.indexOf("--secret"), args.indexOf("--secret") + 2), ["--secret", "id=extra_ca,src=/etc/hostname"]);
        assert.deepStrictEqual(args.filter((a, i) => args[i - 1] === "--build-arg"), ["BUILDER_IMAGE=b:1", "RUNTIME_IMAGE=r:1"]);
        assert.ok(args.includes("--network") && args[args.indexOf("--network") + 1] === "host");
        assert.ok(args.includes("--provenance=false") && args.includes("--sbom=false"));
    });
    it("--no-extra-ca passes no secret", () => {
        const o = parseAppBuildArgs(["--no-extra-ca", "--builder-image", "b", "--runtime-image", "r"], {});
        assert.ok(!buildxArgs({ ...o, builderImage: "b", runtimeImage: "r" }, "t", "/tmp/iid").includes("--secret"));
    });
    const bad: [string[], RegExp][] = [
        [["--builder-image", "b"], /options --builder-image and --runtime-image go together/],
        [["--python", "3"], /option --python: "3" is not supported; accepted: a minor such as 3.13/],
        [["--platform", "linux/s390x"], /option --platform: "linux\/s390x" is not supported; accepted: linux\/amd64, linux\/arm64/],
        [["--frobnicate"], /unknown option "--frobnicate"/],
        [["--extra-ca", "/nonexistent.pem"], /option --extra-ca: "\/nonexistent.pem" does not exist/],
        [["--sign-key", "cosign.key"], /option --sign-key needs --push: a signature names a digest in a registry/],
        [["--push", "127.0.0.1:5000", "--sign-key", "awskms://alias/x"], /option --sign-key: "awskms:\/\/alias\/x" uses a key scheme this project does not use/],
        [["--push", "127.0.0.1:5000", "--sign-key", "gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k"], /option --sign-key: .* accepted: gcpkms:\/\/projects\/P\/.*cryptoKeyVersions\/N \(the version pinned\)/],
    ];
    for (const [argv, message] of bad) {
        it(`rejects ${argv.join(" ")}`, () => assert.throws(() => parseAppBuildArgs(argv, {}), message));
    }

    describe("signing the pushed app (--push REGISTRY --sign-key KEY)", () => {
        const key = "gcpkms://projects/distroless-python-dev/locations/europe-west1/keyRings/distroless-python/cryptoKeys/image-signing/cryptoKeyVersions/1";
        it("takes a pinned KMS key version or a key file, with the cosign to use", () => {
            const o = parseAppBuildArgs(["--push", "127.0.0.1:5000", "--sign-key", key, "--cosign", "/x/cosign"], {});
            assert.deepStrictEqual([o.push, o.signKey, o.cosign], ["127.0.0.1:5000", key, "/x/cosign"]);
            assert.strictEqual(parseAppBuildArgs(["--push", "r", "--sign-key", ".cache/cosign/rebuild-local.key"], {}).signKey, ".cache/cosign/rebuild-local.key");
            assert.strictEqual(parseAppBuildArgs(["--push", "r"], {}).signKey, undefined, "unsigned unless asked");
        });
        it("the SBOM lists every wheel the venv installs (app/requirements.txt, by --require-hashes) on top of the runtime image's", () => {
            const reqs = pinnedRequirements(fs.readFileSync(REQUIREMENTS, "utf8"), "app/requirements.txt");
            const pins = [...fs.readFileSync(REQUIREMENTS, "utf8").matchAll(/^([A-Za-z0-9._-]+)==(\S+)/gm)].map((m) => `${m[1].toLowerCase()}@${m[2]}`);
            assert.deepStrictEqual(reqs.map((r) => `${r.name}@${r.version}`), pins);
            assert.ok(reqs.every((r) => r.sha256.length >= 1));
            const runtime = { bomFormat: "CycloneDX", specVersion: "1.5", components: [{ "bom-ref": "pkg:deb/debian/libc6", name: "libc6" }, { "bom-ref": "cpython", name: "cpython", version: "3.13.18" }] };
            const sbom = appSbom(runtime, reqs, "r/sample-app:app-x");
            assert.deepStrictEqual(sbom.components!.map((c) => c.purl ?? c.name), ["libc6", "cpython", ...reqs.map((r) => `pkg:pypi/${r.name}@${r.version}`)]);
            assert.strictEqual(sbom.metadata?.component?.name, "r/sample-app:app-x");
            assert.strictEqual(runtime.components.length, 2, "the runtime document is not changed");
        });
        it("a requirement without a pin or a hash fails naming it (the SBOM must be what was installed)", () => {
            assert.throws(() => pinnedRequirements("flask>=3\n", "req.txt"), /req.txt: "flask>=3" \(logical line 1\) is not name==version with --hash=sha256/);
            assert.throws(() => pinnedRequirements("flask==3.1.3\n", "req.txt"), /"flask==3.1.3" \(logical line 1\)/);
        });
        it("the provenance records the base images, the requirements file's sha256 and each wheel's hashes", () => {
            const bytes = fs.readFileSync(REQUIREMENTS);
            const reqs = pinnedRequirements(bytes.toString(), "app/requirements.txt");
            const d = `sha256:${"c".repeat(64)}`;
            const p = appProvenancePredicate({ image: "r/sample-app:app-x", builderImage: `r/python@${d}`, runtimeImage: "python:3.13.18-abc-amd64", platform: "linux/amd64",
                requirementsFile: "app/requirements.txt", requirementsBytes: bytes, requirements: reqs, startedOn: "s", finishedOn: "f", builderId: "b" }) as
                { buildDefinition: { buildType: string; externalParameters: { requirements: { sha256: string } }; resolvedDependencies: { name: string; uri: string; digest?: { sha256: string } }[] } };
            assert.strictEqual(p.buildDefinition.buildType, APP_BUILD_TYPE);
            assert.strictEqual(p.buildDefinition.externalParameters.requirements.sha256, crypto.createHash("sha256").update(bytes).digest("hex"));
            const deps = p.buildDefinition.resolvedDependencies;
            assert.deepStrictEqual(deps.slice(0, 2), [{ name: "builder", uri: `r/python@${d}`, digest: { sha256: "c".repeat(64) } }, { name: "runtime", uri: "python:3.13.18-abc-amd64" }]);
            assert.deepStrictEqual(deps.slice(2).map((x) => [x.name, x.digest?.sha256]), reqs.map((r) => [`${r.name}==${r.version}`, r.sha256[0]]));
        });
    });
});
