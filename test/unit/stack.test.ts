// The stack as the engine sees it: the program (index.ts) runs under setMocks with the
// dev stack's merged config; every registration is checked against policy.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { rfc3339, sourceDateEpoch } from "../../scripts/image/buildInputs";
import { imageBuildSpec } from "../../components/buildSpec";
import { imageRequest } from "../../components/distrolessPythonImage";
import { readPythonVersions } from "../../config/pythonVersions";
import { fakeDigest, isSecret, lastRunRegistrations, MOCK_ACCESS_TOKEN, ProgramRun, Registration, reveal, runProgram } from "../../scripts/lib/mockRuntime";
import { cleanupPolicies, validateRetention } from "../../components/artifactRepository";
import { validateImageArgs } from "../../components/distrolessPythonImage";

const ROOT = path.join(__dirname, "..", "..");
const FIXTURE_LOCKS = "test/fixtures/locks";
const MINORS = ["3.13", "3.14"];
const BASE_OVERRIDES = {
    "distroless-python:locksDir": FIXTURE_LOCKS,
    "distroless-python:pythonMinors": JSON.stringify(MINORS),
};
const REGISTRY = "europe-west1-docker.pkg.dev/distroless-python-dev/distroless-python";

const ofType = (run: ProgramRun, type: string) => run.registrations.filter((r) => r.type === type);
const one = (run: ProgramRun, type: string): Registration => {
    const found = ofType(run, type);
    assert.strictEqual(found.length, 1, `${type}: ${found.length} registrations`);
    return found[0];
};

describe("stack (dev, under mocks)", function () {
    let run: ProgramRun;
    before(async () => {
        run = await runProgram({ stack: "dev", overrides: BASE_OVERRIDES });
    });

    describe("Artifact Registry repository", () => {
        const repo = () => one(run, "gcp:artifactregistry/repository:Repository").inputs;
        it("is a DOCKER repository in gcp:region of gcp:project", () => {
            assert.strictEqual(repo().format, "DOCKER");
            assert.strictEqual(repo().location, "europe-west1");
            assert.strictEqual(repo().project, "distroless-python-dev");
            assert.strictEqual(repo().repositoryId, "distroless-python");
        });
        it("has mutable tags, so only the scheduled rebuild can move 3.13 and latest", () => {
            assert.deepStrictEqual(repo().dockerConfig, { immutableTags: false });
        });
        it("keeps published tags and recent versions, and deletes only untagged versions after the stack's retention", () => {
            assert.deepStrictEqual(repo().cleanupPolicies, [
                { id: "keep-published", action: "KEEP", condition: { tagState: "TAGGED", tagPrefixes: ["3.", "latest", "app-", "sha256-"] } },
                { id: "keep-recent", action: "KEEP", mostRecentVersions: { keepCount: 5 } },
                { id: "delete-untagged", action: "DELETE", condition: { tagState: "UNTAGGED", olderThan: `${7 * 86400}s` } },
            ]);
            assert.strictEqual(repo().cleanupPolicyDryRun, false);
        });
        it("no DELETE policy can match a tagged version", () => {
            const policies = cleanupPolicies({ publishedTagPrefixes: ["3."], keepRecentVersions: 1, untaggedRetentionDays: 1 });
            for (const p of policies.filter((x) => x.action === "DELETE")) {
                assert.strictEqual((p.condition as { tagState: string }).tagState, "UNTAGGED");
            }
        });
        it("keeps cosign's signature and attestation tags (sha256-<digest>.sig|.att) whatever their age", () => {
            const prefixes = (repo().cleanupPolicies as Array<{ condition?: { tagPrefixes?: string[] } }>)[0].condition!.tagPrefixes!;
            const digest = "a".repeat(64);
            for (const tag of [`sha256-${digest}.sig`, `sha256-${digest}.att`]) assert.ok(prefixes.some((p) => tag.startsWith(p)), `${tag} is not kept`);
            const policies = cleanupPolicies({ publishedTagPrefixes: prefixes, keepRecentVersions: 1, untaggedRetentionDays: 1 });
            assert.ok(policies.filter((p) => p.action === "DELETE").every((p) => (p.condition as { tagState: string }).tagState === "UNTAGGED"), "a DELETE policy could match a tagged signature");
        });
        it("the build-cache tag prefix is not a published prefix, so superseded caches are cleaned up", () => {
            const prefixes = (repo().cleanupPolicies as Array<{ condition?: { tagPrefixes?: string[] } }>)[0].condition!.tagPrefixes!;
            assert.ok(!prefixes.some((p) => "buildcache-3.13-runtime".startsWith(p)));
        });
        it("scans for vulnerabilities (INHERITED) and is labelled", () => {
            assert.deepStrictEqual(repo().vulnerabilityScanningConfig, { enablementConfig: "INHERITED" });
            assert.deepStrictEqual(repo().labels, { "managed-by": "pulumi", stack: "dev" });
        });
        it("enables its APIs without ever disabling them on destroy, and waits for them", () => {
            // The repository's own APIs (the scheduled rebuild enables its own: scheduledRebuild.test.ts).
            const services = ofType(run, "gcp:projects/service:Service").filter((s) => s.name.startsWith("images-"));
            assert.deepStrictEqual(services.map((s) => s.inputs.service).sort(), ["artifactregistry.googleapis.com", "containerscanning.googleapis.com"]);
            for (const s of services) {
                assert.strictEqual(s.inputs.disableOnDestroy, false);
                assert.strictEqual(s.inputs.project, "distroless-python-dev");
            }
            const deps = one(run, "gcp:artifactregistry/repository:Repository").options.dependencies;
            assert.strictEqual(deps.filter((d) => d.includes("gcp:projects/service:Service")).length, 2);
        });
        it("retention arguments out of range fail naming the arg and the range", () => {
            assert.throws(() => validateRetention({ keepRecentVersions: 0, untaggedRetentionDays: 30 }), {
                message: 'ArtifactRepository arg "keepRecentVersions": 0 is not supported; accepted: integers from 1 to 1000',
            });
        });
        it("uses only non-authoritative IAM resources", () => {
            const iam = run.registrations.filter((r) => /Iam(Binding|Policy):/.test(r.type));
            assert.deepStrictEqual(iam.map((r) => r.type), []);
        });
    });

    describe("images", () => {
        // Base images only (the sample app's images are other docker-build Images).
        const images = () => ofType(run, "docker-build:index:Image").filter((r) => r.name.startsWith("python-"));
        const indexes = () => ofType(run, "docker-build:index:Index").filter((r) => r.name.startsWith("python-"));
        const versions = readPythonVersions(path.join(ROOT, "image", "python-versions.json")).file.pythons;
        const spec = (minor: string, variant: "runtime" | "debug" | "builder") => imageBuildSpec(imageRequest({
            repositoryUrl: REGISTRY, pythonMinor: minor, variant, flavor: "upstream", contextDir: "image",
            lockFile: path.join(FIXTURE_LOCKS, `upstream-${minor}.json`),
        }, REGISTRY));
        const expectedTag = (minor: string, variant: string) => {
            const version = versions.find((p) => p.minor === minor)!.version;
            return `${version}-${spec(minor, variant as "runtime").buildId}${variant === "runtime" ? "" : `-${variant}`}`;
        };
        const image = (minor: string, variant: string, arch: string) => {
            const found = images().find((r) => r.name === `python-${minor.replace(".", "")}-${variant}-${arch}`);
            assert.ok(found, `no image for ${minor} ${variant} ${arch}`);
            return found;
        };
        const index = (minor: string, variant: string) => {
            const found = indexes().find((r) => r.name === `python-${minor.replace(".", "")}-${variant}-index`);
            assert.ok(found, `no index for ${minor} ${variant}`);
            return found;
        };

        it("builds one docker-build Image per Python minor x variant x platform, joined by one Index per minor x variant", () => {
            const names: string[] = [];
            for (const m of ["313", "314"]) for (const v of ["builder", "debug", "runtime"]) names.push(`python-${m}-${v}-amd64`, `python-${m}-${v}-arm64`);
            assert.deepStrictEqual(images().map((r) => r.name).sort(), names.sort());
            assert.strictEqual(indexes().length, 6);
        });
        for (const minor of MINORS) {
            for (const variant of ["runtime", "debug", "builder"]) {
                it(`${minor} ${variant}: the Index carries the one immutable content-addressed tag; each platform image <tag>-<arch>, target ${variant}`, () => {
                    const tag = expectedTag(minor, variant);
                    assert.strictEqual(index(minor, variant).inputs.tag, `${REGISTRY}/python:${tag}`);
                    for (const arch of ["amd64", "arm64"]) {
                        const inputs = image(minor, variant, arch).inputs;
                        assert.deepStrictEqual(inputs.tags, [`${REGISTRY}/python:${tag}-${arch}`]);
                        assert.deepStrictEqual(inputs.platforms, [`linux/${arch}`]);
                        assert.strictEqual(inputs.target, variant);
                    }
                });
            }
        }
        it("the Index joins exactly its platform images, by digest", () => {
            const inputs = index("3.13", "runtime").inputs;
            const refs = ["amd64", "arm64"].map((a) => {
                const i = image("3.13", "runtime", a).inputs;
                return `${(i.tags as string[])[0]}@${fakeDigest({ tags: i.tags, buildArgs: i.buildArgs, target: i.target, platforms: i.platforms })}`;
            });
            assert.deepStrictEqual(inputs.sources, refs);
            assert.strictEqual(inputs.push, true);
        });
        it("builds the platforms one after another, each after the previous finished, and the Index after both", () => {
            const urn = (r: Registration) => `urn:pulumi:dev::distroless-python::distroless-python:images:DistrolessPythonImage$docker-build:index:${r.type.split(":").pop()}::${r.name}`;
            const amd = image("3.13", "runtime", "amd64");
            const arm = image("3.13", "runtime", "arm64");
            // Besides the repository (the component's own dependency, which its children inherit).
            const own = (r: Registration) => r.options.dependencies.filter((d) => !d.includes("ArtifactRepository"));
            assert.deepStrictEqual(own(amd), []);
            assert.deepStrictEqual(own(arm), [urn(amd)]);
            assert.deepStrictEqual([...own(index("3.13", "runtime"))].sort(), [urn(amd), urn(arm)].sort());
        });
        it("pushes through the engine's buildx binary on the spec's named builder, never builds on preview", () => {
            for (const r of images()) {
                assert.strictEqual(r.inputs.push, true);
                assert.strictEqual(r.inputs.exec, true);
                assert.deepStrictEqual(r.inputs.builder, { name: "default" });
                assert.strictEqual(r.inputs.network, "host");
                assert.strictEqual(r.inputs.buildOnPreview, false);
            }
        });
        it("logs every build step and the Index in to Artifact Registry as oauth2accesstoken with the client token, as a secret", () => {
            for (const r of images()) {
                const registries = reveal(r.inputs.registries) as { address: string; username: string; password: string }[];
                assert.deepStrictEqual(registries, [{ address: "europe-west1-docker.pkg.dev", username: "oauth2accesstoken", password: MOCK_ACCESS_TOKEN }]);
                assert.ok(isSecret(r.inputs.registries) || isSecret((r.inputs.registries as { password: unknown }[])[0].password), "the token must reach the engine as a secret");
            }
            for (const r of indexes()) {
                assert.deepStrictEqual(reveal(r.inputs.registry), { address: "europe-west1-docker.pkg.dev", username: "oauth2accesstoken", password: MOCK_ACCESS_TOKEN });
            }
        });
        it("is retained on delete, so destroy or replace never deletes a published image", () => {
            for (const r of [...images(), ...indexes()]) assert.strictEqual(r.options.retainOnDelete, true, r.name);
        });
        it("uses a dedicated registry cache per minor, variant and platform (docker-build caches one platform per build)", () => {
            for (const arch of ["amd64", "arm64"]) {
                const inputs = image("3.13", "debug", arch).inputs;
                const ref = `${REGISTRY}/python:buildcache-3.13-debug-${arch}`;
                assert.deepStrictEqual(inputs.cacheFrom, [{ registry: { ref } }]);
                assert.deepStrictEqual(inputs.cacheTo, [{ registry: { ref, mode: "max", imageManifest: true, ociMediaTypes: true } }]);
            }
        });
        it("builds from the image/ context with the Dockerfile interface's build args, CPython's version and sha256 from the lock", () => {
            const inputs = image("3.13", "runtime", "amd64").inputs;
            const lockBytes = fs.readFileSync(path.join(ROOT, FIXTURE_LOCKS, "upstream-3.13.json"));
            const lock = JSON.parse(lockBytes.toString("utf8")) as { cpython: { version: string; sha256: string } };
            assert.strictEqual((inputs.context as { location: string }).location, "image");
            assert.deepStrictEqual(inputs.dockerfile, { location: path.join("image", "Dockerfile") });
            const epoch = sourceDateEpoch(lockBytes);
            assert.deepStrictEqual(inputs.buildArgs, {
                BASE_IMAGE: "debian:trixie-slim",
                DEBIAN_MIRROR: "http://deb.debian.org/debian",
                DEBIAN_SECURITY_MIRROR: "http://deb.debian.org/debian-security",
                PYTHON_FLAVOR: "upstream",
                PYTHON_MINOR: "3.13",
                PYTHON_VERSION: lock.cpython.version,
                PYTHON_SHA256: lock.cpython.sha256,
                PYTHON_MIRROR: "https://www.python.org/ftp/python",
                PYTHON_FAST: "0",
                // The production optimisation switches at their defaults (BUILD_DEFAULTS).
                PYTHON_PGO_TASK: "default",
                PYTHON_BOLT: "0",
                PYTHON_BUILD_OPTIONS: "pgo-task=default bolt=0",
                SOURCE_DATE_EPOCH: String(epoch),
                IMAGE_CREATED: rfc3339(epoch),
                REVISION: spec("3.13", "runtime").revision,
            });
        });
        it("builds with the very lock hashed into its tag (a named context replaces the Dockerfile's lock stage)", () => {
            for (const minor of MINORS) {
                const context = image(minor, "runtime", "amd64").inputs.context as { named?: { lock?: { location: string } } };
                const staged = context.named?.lock?.location;
                assert.ok(staged, "no named lock context");
                assert.match(staged, /^\.cache\/build-locks\/[0-9a-f]{16}$/);
                assert.deepStrictEqual(
                    fs.readFileSync(path.join(ROOT, staged, "lock.json")),
                    fs.readFileSync(path.join(ROOT, FIXTURE_LOCKS, `upstream-${minor}.json`)),
                );
            }
        });
        it("passes no CA secret unless extraCaFile is set", () => {
            assert.deepStrictEqual(reveal(image("3.13", "runtime", "amd64").inputs.secrets), {});
        });
        it("exports a digest-pinned reference (the Index's digest) and the immutable tag per minor and variant", () => {
            const refs = run.outputs.imageRefs as Record<string, Record<string, string>>;
            const tags = run.outputs.imageTags as Record<string, Record<string, string>>;
            assert.deepStrictEqual(Object.keys(refs).sort(), MINORS);
            for (const minor of MINORS) {
                for (const variant of ["runtime", "debug", "builder"]) {
                    const ix = index(minor, variant).inputs;
                    assert.strictEqual(refs[minor][variant], `${REGISTRY}/python@${fakeDigest({ tag: ix.tag, sources: ix.sources })}`);
                    assert.strictEqual(tags[minor][variant], expectedTag(minor, variant));
                }
            }
            assert.strictEqual(run.outputs.repositoryUrl, REGISTRY);
        });
        it("image arguments outside the contract fail naming the arg and what is accepted", () => {
            const ok = { pythonMinor: "3.13", pythonVersion: "3.13.5", contextDir: ROOT, lockFile: path.join(ROOT, FIXTURE_LOCKS, "upstream-3.13.json") };
            assert.throws(() => validateImageArgs({ ...ok, variant: "slim" as never }), {
                message: 'DistrolessPythonImage arg "variant": "slim" is not supported; accepted: runtime, debug, builder',
            });
            assert.throws(() => validateImageArgs({ ...ok, pythonVersion: "3.12.1" }), {
                message: 'DistrolessPythonImage arg "pythonVersion": "3.12.1" is not a release of 3.13; accepted: 3.13.<patch>',
            });
            assert.throws(() => validateImageArgs({ ...ok, lockFile: "nope.json" }), {
                message: 'DistrolessPythonImage arg "lockFile": "nope.json" does not exist; accepted: a resolved lock <flavor>-<minor>.json (write it with the image lock step)',
            });
            assert.throws(() => validateImageArgs({ ...ok, platforms: ["linux/s390x" as never] }), {
                message: 'DistrolessPythonImage arg "platforms": "linux/s390x" is not supported; accepted: linux/amd64, linux/arm64',
            });
        });
        it("refuses to build unless BuildKit's default attestations are off in the provider's environment, saying how", async () => {
            const saved = process.env.BUILDX_NO_DEFAULT_ATTESTATIONS;
            delete process.env.BUILDX_NO_DEFAULT_ATTESTATIONS;
            try {
                await assert.rejects(runProgram({ stack: "dev", overrides: BASE_OVERRIDES, env: { BUILDX_NO_DEFAULT_ATTESTATIONS: undefined } }),
                    /BUILDX_NO_DEFAULT_ATTESTATIONS is undefined in the environment of pulumi up; accepted: "1"\..*export BUILDX_NO_DEFAULT_ATTESTATIONS=1/);
            } finally {
                if (saved !== undefined) process.env.BUILDX_NO_DEFAULT_ATTESTATIONS = saved;
            }
        });
    });

    describe("switches", () => {
        it("enableApis false creates no Service and the repository depends on none", async () => {
            const off = await runProgram({ stack: "dev", overrides: { ...BASE_OVERRIDES, "distroless-python:enableApis": "false" } });
            assert.strictEqual(ofType(off, "gcp:projects/service:Service").length, 0);
            assert.deepStrictEqual(one(off, "gcp:artifactregistry/repository:Repository").options.dependencies, []);
        });
        it("vulnerabilityScanning false disables scanning; extraCaFile becomes the extra_ca build secret; platforms and buildOnPreview follow config", async () => {
            const custom = await runProgram({
                stack: "dev",
                overrides: {
                    ...BASE_OVERRIDES,
                    "distroless-python:pythonMinors": '["3.13"]',
                    "distroless-python:variants": '["runtime", "builder"]',
                    "distroless-python:vulnerabilityScanning": "false",
                    "distroless-python:extraCaFile": "test/fixtures/ca.pem",
                    "distroless-python:platforms": '["linux/arm64"]',
                    "distroless-python:buildOnPreview": "true",
                },
            });
            assert.deepStrictEqual(one(custom, "gcp:artifactregistry/repository:Repository").inputs.vulnerabilityScanningConfig, { enablementConfig: "DISABLED" });
            const built = ofType(custom, "docker-build:index:Image").filter((r) => r.name.startsWith("python-313-runtime-"));
            assert.deepStrictEqual(built.map((r) => r.name), ["python-313-runtime-arm64"]);
            const image = built[0].inputs;
            const secrets = image.secrets as Record<string, unknown>;
            assert.ok(isSecret(secrets) || isSecret(secrets.extra_ca), "the CA must reach the engine as a secret");
            assert.match((reveal(image.secrets) as { extra_ca: string }).extra_ca, /BEGIN CERTIFICATE/);
            assert.deepStrictEqual(image.ignoreSecretsInDiffCalculation, ["extra_ca"]);
            assert.deepStrictEqual(image.platforms, ["linux/arm64"]);
            assert.strictEqual(image.buildOnPreview, true);
        });
        it("bad config fails before any resource is registered", async () => {
            await assert.rejects(
                runProgram({ stack: "dev", overrides: { ...BASE_OVERRIDES, "distroless-python:platforms": '["linux/s390x"]' } }),
                { message: 'config key "distroless-python:platforms": "linux/s390x" is not supported; accepted: linux/amd64, linux/arm64' },
            );
            assert.deepStrictEqual(lastRunRegistrations(), []);
        });
        it("a missing lock fails naming the file and how to get it", async () => {
            await assert.rejects(runProgram({ stack: "dev", overrides: { ...BASE_OVERRIDES, "distroless-python:locksDir": "test/fixtures/nolocks" } }), {
                message: "lock test/fixtures/nolocks/upstream-3.13.json does not exist; accepted: a resolved lock for upstream 3.13 (write it with the image lock step, or set distroless-python:locksDir)",
            });
        });
    });

    it("every component child is named after its component and parented to it", () => {
        const components = run.registrations.filter((r) => r.type === "distroless-python:artifacts:ArtifactRepository" || r.type === "distroless-python:images:DistrolessPythonImage");
        assert.ok(components.length >= 2);
        for (const c of components) {
            const children = run.registrations.filter((r) => r.options.parent.endsWith(`${c.type}::${c.name}`));
            assert.ok(children.length > 0, `${c.name} has no children`);
            for (const child of children) assert.ok(child.name.startsWith(`${c.name}-`), `${child.name} is not prefixed ${c.name}-`);
        }
    });

    it("@pulumi/docker pins a moving tag to its registry digest (resolveDigestRef)", async () => {
        const pinned = await runProgram({
            projectDir: path.join(ROOT, "test", "fixtures", "project"),
            stack: "test",
            program: path.join(ROOT, "test", "fixtures", "programs", "resolveDigest.ts"),
        });
        assert.strictEqual(pinned.outputs.pinned, `europe-west1-docker.pkg.dev/p/r/python@${fakeDigest("europe-west1-docker.pkg.dev/p/r/python:3.13")}`);
    });

    it("is deterministic: two runs register identical inputs, so an unchanged stack previews no diff", async () => {
        const again = await runProgram({ stack: "dev", overrides: BASE_OVERRIDES });
        const snapshot = (r: ProgramRun) =>
            r.registrations
                .map((x) => JSON.stringify({ type: x.type, name: x.name, inputs: reveal(x.inputs), options: x.options }))
                .sort();
        assert.deepStrictEqual(snapshot(again), snapshot(run));
        assert.deepStrictEqual(again.outputs, run.outputs);
    });
});
