// Registered inputs are untyped JSON.
/* eslint-disable @typescript-eslint/no-explicit-any */
// The stack wires the sample app: the app image is built on this stack's builder/runtime
// images and pushed to the repository, GunicornApp deploys it by digest, and the app keys of
// the stack config reach the objects.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { loadStackConfig } from "../../config/stackConfig";
import { lastRunRegistrations, ProgramRun, Registration, runProgram } from "../../scripts/lib/mockRuntime";
import { GUNICORN_APP_DEFAULTS, isDigestReference } from "../../components/gunicornAppSpec";
import { schema } from "../../config/schema";

// prod deploys a release lock (imageSource release-lock); the fixture stands in for the rebuild's.
const PROD_LOCK = "test/fixtures/release-lock/prod.json";
const OVERRIDES = { "distroless-python:locksDir": "test/fixtures/locks", "distroless-python:releaseLockFile": PROD_LOCK };

function one(run: ProgramRun, type: string, name?: string): Registration {
    const found = run.registrations.filter((r) => r.type === type && (name === undefined || r.name === name));
    assert.strictEqual(found.length, 1, `${type} ${name ?? ""}: ${found.length} registered`);
    return found[0];
}

describe("stack: the sample app", function () {
    this.timeout(60000);
    let dev: ProgramRun;
    let prod: ProgramRun;
    before(async () => {
        dev = await runProgram({ stack: "dev", overrides: OVERRIDES });
        prod = await runProgram({ stack: "prod", overrides: OVERRIDES });
    });

    it("builds the app image on this stack's builder and runtime images, pushed to the repository", () => {
        const img = one(dev, "docker-build:index:Image", "sample-app-amd64").inputs as any;
        const builder = one(dev, "docker-build:index:Image", "python-313-builder-amd64").inputs as any;
        const index = one(dev, "docker-build:index:Index", "sample-app-index");
        assert.strictEqual(img.push, true);
        assert.deepStrictEqual(img.context, { location: "app" });
        assert.match(img.buildArgs.BUILDER_IMAGE, /\/python@sha256:[0-9a-f]{64}$/);
        assert.match(img.buildArgs.RUNTIME_IMAGE, /\/python@sha256:[0-9a-f]{64}$/);
        assert.notStrictEqual(img.buildArgs.BUILDER_IMAGE, img.buildArgs.RUNTIME_IMAGE);
        assert.ok(builder.tags[0].endsWith("-builder-amd64"));
        assert.match(img.tags[0], /^europe-west1-docker\.pkg\.dev\/distroless-python-dev\/distroless-python\/sample-app:app-[0-9a-f]{12}-amd64$/);
        assert.match(index.inputs.tag as string, /^europe-west1-docker\.pkg\.dev\/distroless-python-dev\/distroless-python\/sample-app:app-[0-9a-f]{12}$/);
        assert.strictEqual(one(dev, "docker-build:index:Image", "sample-app-amd64").options.retainOnDelete, true);
        assert.strictEqual(index.options.retainOnDelete, true);
    });
    it("deploys that image by digest and exports it", () => {
        const dep = one(dev, "kubernetes:apps/v1:Deployment").inputs as any;
        const image: string = dep.spec.template.spec.containers[0].image;
        assert.ok(isDigestReference(image), image);
        assert.strictEqual(image, dev.outputs.appImageRef);
        assert.ok(image.startsWith("europe-west1-docker.pkg.dev/distroless-python-dev/distroless-python/sample-app@sha256:"));
    });
    it("targets the stack's cluster through an explicit provider (kubeContext)", () => {
        const p = one(dev, "pulumi:providers:kubernetes").inputs as any;
        assert.strictEqual(p.context, "gke_distroless-python-dev_europe-west1_dev");
    });
    it("grants the GKE nodes read access on the repository, not the project", () => {
        // The app's own grant (the scheduled rebuild adds its writer and prod's reader: scheduledRebuild.test.ts).
        const grants = dev.registrations.filter((r) => r.type === "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember" && r.name.startsWith("sample-app-"));
        assert.strictEqual(grants.length, 1);
        const m = grants[0].inputs as any;
        assert.deepStrictEqual([m.role, m.member, m.repository, m.location], [
            "roles/artifactregistry.reader", "serviceAccount:gke-nodes@distroless-python-dev.iam.gserviceaccount.com", "distroless-python", "europe-west1"]);
    });
    it("prod deploys exactly the digests dev's rebuild published: the release lock's app by digest, from dev's repository, and builds nothing", () => {
        const lock = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", PROD_LOCK), "utf8")) as { repositoryUrl: string; apps: Record<string, { ref: string }>; images: { upstream: Record<string, Record<string, { ref: string }>> } };
        const image = (one(prod, "kubernetes:apps/v1:Deployment").inputs as any).spec.template.spec.containers[0].image;
        assert.strictEqual(image, lock.apps["sample-app"].ref);
        assert.strictEqual(prod.outputs.appImageRef, lock.apps["sample-app"].ref);
        assert.deepStrictEqual(prod.outputs.imageRefs, { "3.13": Object.fromEntries(Object.entries(lock.images.upstream["3.13"]).map(([v, x]) => [v, x.ref])) });
        assert.strictEqual(prod.outputs.repositoryUrl, "europe-west1-docker.pkg.dev/distroless-python-dev/distroless-python");
        assert.deepStrictEqual(prod.registrations.filter((r) => r.type.startsWith("docker-build:")).map((r) => r.name), []);
    });
    it("prod's stack file says imageSource release-lock (what the README's promotion section promises)", () => {
        const stack = loadStackConfig(path.join(__dirname, "..", ".."), "prod").config;
        assert.strictEqual(stack["distroless-python:imageSource"], "release-lock");
        assert.strictEqual(loadStackConfig(path.join(__dirname, "..", ".."), "dev").config["distroless-python:imageSource"], "build", "dev keeps building for a developer's own pulumi up");
    });
    it("prod runs more replicas and a higher HPA ceiling", () => {
        const hpa = one(prod, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler").inputs as any;
        assert.deepStrictEqual([hpa.spec.minReplicas, hpa.spec.maxReplicas], [3, 12]);
        assert.strictEqual((one(prod, "kubernetes:apps/v1:Deployment").inputs as any).spec.replicas, 3);
    });
    it("the stack's app keys default to the component's defaults (one value, never drifting)", () => {
        assert.deepStrictEqual(
            [schema.appNamespace.default, schema.appReplicas.default, schema.appMaxReplicas.default, schema.appCpu.default, schema.appMemory.default, schema.appAutopilot.default],
            [GUNICORN_APP_DEFAULTS.namespace, GUNICORN_APP_DEFAULTS.replicas, GUNICORN_APP_DEFAULTS.maxReplicas, GUNICORN_APP_DEFAULTS.cpu, GUNICORN_APP_DEFAULTS.memory, GUNICORN_APP_DEFAULTS.autopilot]);
    });
    it("appEnabled false builds and deploys nothing of the app", async () => {
        const off = await runProgram({ stack: "dev", overrides: { ...OVERRIDES, "distroless-python:appEnabled": "false" } });
        assert.deepStrictEqual(off.registrations.filter((r) => r.type.startsWith("kubernetes:") || r.name.startsWith("sample-app")).map((r) => r.name), []);
    });
    it("without a builder variant the app cannot be built: the error names the key, and nothing is registered", async () => {
        await assert.rejects(
            runProgram({ stack: "dev", overrides: { ...OVERRIDES, "distroless-python:variants": '["runtime"]' } }),
            { message: 'config key "distroless-python:variants": ["runtime"] lacks builder or runtime, which the sample app (appEnabled: true) builds on; accepted: include both, or set appEnabled: false' },
        );
        assert.deepStrictEqual(lastRunRegistrations(), []);
    });
});
