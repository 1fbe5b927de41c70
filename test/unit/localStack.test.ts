// The local stack (Pulumi.local.yaml) under mocks: what the real engine will be asked to do on
/* eslint-disable @typescript-eslint/no-explicit-any -- fixtures are mutated as plain JSON */
// this machine, where only the Kubernetes provider can be installed. It must register no gcp:,
// docker: or docker-build: resource and call no invoke at all (getClientConfig,
// getRegistryImage need providers that cannot be installed), and deploy the lock's digests.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { isSecret, lastRunRegistrations, mocks, ProgramRun, reveal, runProgram } from "../../scripts/lib/mockRuntime";
import { readReleaseLock } from "../../config/releaseLock";
import { LOCAL_REGISTRY, LOCAL_RELEASE_DIR, rebuildArgs } from "../../scripts/local/publish";
import { parseRebuildArgs } from "../../scripts/rebuild/options";

const ROOT = path.join(__dirname, "..", "..");
const LOCK = "test/fixtures/release-lock/local.json";
const KUBECONFIG = "test/fixtures/release-lock/kubeconfig.yaml";
const OVERRIDES = { "distroless-python:releaseLockFile": LOCK, "distroless-python:kubeconfig": KUBECONFIG };
/** Packages whose providers cannot be installed here (only kubernetes builds from the Go proxy). */
const FORBIDDEN = /^(pulumi:providers:)?(gcp|docker|docker-build)(:|$)/;

/** Runs the program and records every invoke token the engine would receive. */
async function runRecordingInvokes(overrides: Record<string, string>): Promise<{ run: ProgramRun; invokes: string[] }> {
    const invokes: string[] = [];
    const original = mocks.call;
    mocks.call = (args: pulumi.runtime.MockCallArgs) => {
        invokes.push(args.token);
        return original(args);
    };
    try {
        return { run: await runProgram({ stack: "local", overrides }), invokes };
    } finally {
        mocks.call = original;
    }
}

describe("local stack (Pulumi.local.yaml, under mocks)", function () {
    let run: ProgramRun;
    let invokes: string[];
    const lock = readReleaseLock(path.join(ROOT, LOCK));
    before(async () => {
        ({ run, invokes } = await runRecordingInvokes(OVERRIDES));
    });

    it("registers no gcp:, docker: or docker-build: resource or provider", () => {
        const forbidden = run.registrations.filter((r) => FORBIDDEN.test(r.type)).map((r) => `${r.type} ${r.name}`);
        assert.deepStrictEqual(forbidden, []);
        // The check above is only meaningful if the program registered its Kubernetes objects.
        assert.ok(run.registrations.some((r) => r.type === "kubernetes:apps/v1:Deployment"), "no Deployment registered");
    });
    it("calls no invoke (no getClientConfig, no getRegistryImage)", () => {
        assert.deepStrictEqual(invokes, []);
    });
    it("deploys the lock's sample-app digest", () => {
        const dep = run.registrations.find((r) => r.type === "kubernetes:apps/v1:Deployment")!;
        const image = (dep.inputs as any).spec.template.spec.containers[0].image;
        assert.strictEqual(image, lock.apps["sample-app"].ref);
        assert.match(image, /^127\.0\.0\.1:5000\/sample-app@sha256:[0-9a-f]{64}$/);
        assert.strictEqual(run.outputs.appImageRef, image);
    });
    it("exports the lock's repository, image refs and tags for the configured matrix", () => {
        const debian = lock.images.debian!["3.13"];
        assert.strictEqual(run.outputs.repositoryUrl, "127.0.0.1:5000");
        assert.deepStrictEqual(run.outputs.imageRefs, { "3.13": { runtime: debian.runtime!.ref, debug: debian.debug!.ref, builder: debian.builder!.ref } });
        assert.deepStrictEqual(run.outputs.imageTags, { "3.13": { runtime: debian.runtime!.tag, debug: debian.debug!.tag, builder: debian.builder!.tag } });
    });
    it("targets the kubeconfig's cluster through an explicit provider that holds its contents as a secret", () => {
        const p = run.registrations.find((r) => r.type === "pulumi:providers:kubernetes")!;
        assert.ok(p, "no explicit Kubernetes provider");
        assert.ok(isSecret(p.inputs.kubeconfig), "kubeconfig is not a secret");
        assert.strictEqual(reveal(p.inputs.kubeconfig), fs.readFileSync(path.join(ROOT, KUBECONFIG), "utf8"));
    });
    it("names the lock file when it is missing, before registering anything", async () => {
        await assert.rejects(
            runProgram({ stack: "local", overrides: { ...OVERRIDES, "distroless-python:releaseLockFile": "test/fixtures/release-lock/absent.json" } }),
            /test\/fixtures\/release-lock\/absent\.json: cannot read the release lock \(ENOENT\)/,
        );
        assert.deepStrictEqual(lastRunRegistrations().filter((r) => r.custom), []);
    });
    it("names the lock entry a minor without images would need", async () => {
        await assert.rejects(
            runProgram({ stack: "local", overrides: { ...OVERRIDES, "distroless-python:pythonMinors": '["3.14"]' } }),
            /local\.json: \$\.images\.debian\["3\.14"\]\.runtime is missing; the lock holds: debian\/3\.13\/runtime, debian\/3\.13\/debug, debian\/3\.13\/builder/,
        );
    });
    it("refuses GCP-only keys without gcp:project", async () => {
        await assert.rejects(
            runProgram({ stack: "local", overrides: { ...OVERRIDES, "distroless-python:gkeNodeServiceAccount": "n@p-123456.iam.gserviceaccount.com" } }),
            /config key "distroless-python:gkeNodeServiceAccount": "n@p-123456\.iam\.gserviceaccount\.com" needs GCP, but gcp:project is not set/,
        );
    });
});

describe("local:publish: the local stack's images and app come from the one producer, rebuild:local", () => {
    const o = parseRebuildArgs(rebuildArgs(LOCAL_REGISTRY), true);
    it("publishes the Debian flavour of 3.13 (every variant, linux/amd64) and the sample app on it, to the loopback registry", () => {
        assert.deepStrictEqual([o.registry, o.flavors, o.minors, o.variants, o.platforms, o.app],
            [LOCAL_REGISTRY, ["debian"], ["3.13"], ["runtime", "debug", "builder"], ["linux/amd64"], { flavor: "debian", minor: "3.13" }]);
    });
    it("builds from the committed locks (no refresh, no python.org) and keeps its release and lease under .local/", () => {
        assert.deepStrictEqual([o.refresh, o.bump, o.local], [false, false, true]);
        assert.strictEqual(path.relative(ROOT, o.releaseDir!), LOCAL_RELEASE_DIR);
        assert.strictEqual(path.relative(ROOT, o.leaseFile!), path.join(".local", "rebuild.lease"));
    });
});
