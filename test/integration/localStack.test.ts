// The project's own program through the real Pulumi engine (CLI built from the Go proxy, file
// backend in a temp folder, passphrase secrets) against a real control plane on 127.0.0.1
// (etcd, kube-apiserver with PodSecurity admission, controller-manager, scheduler, a kwok
// node). What mocks cannot show: the dependency graph, real diffs against real state, secrets
// in state, policy packs evaluated by the engine, and the API server's validation/admission.
//   npm run test:integration
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { spawnSync } from "child_process";
import program from "../../index";
import { releaseLockRefs } from "../../scripts/image-verify";
import { LOCAL_KEY_PREFIX } from "../../scripts/rebuild/sign";
import { readReleaseLock, type ReleaseLock } from "../../config/releaseLock";
import {
    backendFiles, Backend, ControlPlane, ensureReleaseLock, ensureTools, fileBackend, inlineStack, KubeClient,
    localStackConfig, missingFields, objectPath, POLICY_PACK, registryHas, ROOT, startControlPlane,
} from "../../scripts/local/engine";

const NS = "sample-app";
/** The provider's await of a Deployment gives up after 10 minutes; an up this fast hit no timeout. */
const UP_BUDGET_MS = 120_000;

interface K8sState {
    type: string;
    urn: string;
    inputs: Record<string, unknown>;
}

describe("local stack through the real engine and a real control plane", function () {
    this.timeout(15 * 60_000);
    let plane: ControlPlane;
    let backend: Backend;
    let stack: Stack;
    let kube: KubeClient;
    let lock: ReleaseLock;
    let lockFile = "";
    let objects: K8sState[] = [];

    before(async function () {
        const started = Date.now();
        const tools = ensureTools();
        lockFile = ensureReleaseLock();
        lock = readReleaseLock(lockFile);
        plane = startControlPlane();
        kube = new KubeClient(plane.kubeconfig);
        backend = await fileBackend(tools);
        stack = await inlineStack(backend, "local", async () => program());
        await stack.setAllConfig(localStackConfig({
            "distroless-python:releaseLockFile": path.relative(process.cwd(), lockFile),
            "distroless-python:kubeconfig": plane.kubeconfig,
        }));
        process.stderr.write(`      (setup ${Math.round((Date.now() - started) / 1000)}s: tools, images, control plane ${plane.dir}, backend ${backend.dir})\n`);
    });
    after(async function () {
        if (stack) await stack.destroy().catch(() => undefined);
        plane?.stop();
        backend?.cleanup();
    });

    describe("what it deploys comes from the one producer, signed", () => {
        it("every digest of the release lock (images and the sample app) was published by rebuild:local and verifies against its key", () => {
            assert.ok(lock.apps["sample-app"], "the release lock names no sample-app");
            assert.match(lock.apps["sample-app"].tag, /^app-[0-9a-f]{12}$/);
            const pub = `${LOCAL_KEY_PREFIX}.pub`;
            assert.ok(fs.existsSync(pub), `${pub}: rebuild:local signs with its local key once cosign is installed (npm run --silent cosign:install)`);
            const r = spawnSync("npm", ["run", "--silent", "image:verify", "--", "--key", pub, "--release-lock", lockFile], { cwd: ROOT, encoding: "utf8" });
            assert.strictEqual(r.status, 0, `${r.stdout}${r.stderr}`);
            assert.strictEqual(r.stdout.trim().split("\n").pop(), `verified ${releaseLockRefs(lock).length} of ${releaseLockRefs(lock).length}`);
        });
    });

    describe("preview, then up", () => {
        let upMs = 0;
        let previewOut = "";
        it("previews the creation of every object, with the policy pack evaluated by the engine", async () => {
            const preview = await stack.preview({ policyPacks: [POLICY_PACK] });
            previewOut = preview.stdout;
            // 8 Kubernetes objects, the GunicornApp component, the explicit provider and the stack.
            assert.strictEqual(preview.changeSummary.create, 11, JSON.stringify(preview.changeSummary));
            // The CLI lists the packs it ran; the pack's name comes from policy/index.ts.
            assert.match(previewOut, /distroless-python-k8s/);
        });
        it("up creates them through the API server and returns without hitting a timeout", async () => {
            const t = Date.now();
            const up = await stack.up({ policyPacks: [POLICY_PACK] });
            upMs = Date.now() - t;
            assert.strictEqual(up.summary.result, "succeeded");
            assert.ok(upMs < UP_BUDGET_MS, `up took ${upMs} ms`);
            assert.strictEqual(up.outputs.appImageRef.value, lock.apps["sample-app"].ref);
            const state = await stack.exportStack();
            objects = (state.deployment.resources as K8sState[]).filter((r) => r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers:"));
            assert.deepStrictEqual(objects.map((o) => o.type.split(":")[2]).sort(), [
                "Deployment", "HorizontalPodAutoscaler", "Namespace", "NetworkPolicy", "NetworkPolicy", "PodDisruptionBudget", "Service", "ServiceAccount",
            ]);
        });
        it("every object exists in the API server with the fields the component declares", async () => {
            for (const o of objects) {
                const meta = o.inputs.metadata as { name: string; namespace?: string; labels?: object; annotations?: object };
                const res = await kube.get(objectPath(String(o.inputs.apiVersion), String(o.inputs.kind), meta.name, meta.namespace));
                assert.strictEqual(res.status, 200, `${o.urn}: GET ${res.status}`);
                const declared = Object.fromEntries(Object.entries(o.inputs).filter(([k]) => !["apiVersion", "kind", "metadata"].includes(k)));
                const missing = [
                    ...missingFields(declared, res.body),
                    ...missingFields({ labels: meta.labels ?? {} }, res.body.metadata),
                ];
                assert.deepStrictEqual(missing, [], `${o.type} ${meta.name}`);
            }
        });
        it("the namespace enforces PodSecurity restricted, the pods were admitted (no FailedCreate) and are Ready", async () => {
            const ns = await kube.get(`/api/v1/namespaces/${NS}`);
            assert.strictEqual((ns.body.metadata as { labels: Record<string, string> }).labels["pod-security.kubernetes.io/enforce"], "restricted");
            const events = (await kube.get(`/api/v1/namespaces/${NS}/events`)).body.items as { reason: string; message: string }[];
            assert.deepStrictEqual(events.filter((e) => e.reason === "FailedCreate").map((e) => e.message), []);
            const dep = (await kube.get(`/apis/apps/v1/namespaces/${NS}/deployments/${NS}`)).body as { spec: { replicas: number }; status: { readyReplicas?: number; availableReplicas?: number } };
            assert.strictEqual(dep.status.availableReplicas, dep.spec.replicas);
            const pods = (await kube.get(`/api/v1/namespaces/${NS}/pods`)).body.items as { metadata: { name: string }; spec: { nodeName?: string; containers: { image: string }[] }; status: { conditions?: { type: string; status: string }[] } }[];
            assert.strictEqual(pods.length, dep.spec.replicas);
            for (const p of pods) {
                assert.ok(p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True"), `${p.metadata.name} not Ready`);
                assert.strictEqual(p.spec.nodeName, "kwok-node-0");
                assert.strictEqual(p.spec.containers[0].image, lock.apps["sample-app"].ref);
            }
        });
    });

    describe("real diffs against real state", () => {
        it("a second preview reports no changes", async () => {
            const preview = await stack.preview();
            assert.deepStrictEqual(Object.keys(preview.changeSummary).filter((k) => k !== "same"), [], JSON.stringify(preview.changeSummary));
        });
        it("changing appReplicas previews exactly that change", async () => {
            const events: EngineEvent[] = [];
            await stack.setConfig("distroless-python:appReplicas", { value: "3" });
            try {
                await stack.preview({ onEvent: (e) => events.push(e) });
            } finally {
                await stack.removeConfig("distroless-python:appReplicas");
            }
            const changed = events
                .map((e) => e.resourcePreEvent?.metadata)
                .filter((m): m is NonNullable<typeof m> => m !== undefined && m.op !== "same")
                .map((m) => `${m.op} ${m.type}`)
                .sort();
            // Only the HPA's floor: the Deployment ignores spec.replicas (the HPA owns the count
            // once running), and the real engine honours that ignoreChanges.
            assert.deepStrictEqual(changed, ["update kubernetes:autoscaling/v2:HorizontalPodAutoscaler"]);
            const details = events
                .map((e) => e.resourcePreEvent?.metadata)
                .filter((m) => m !== undefined && m.op === "update")
                .flatMap((m) => Object.keys(m!.detailedDiff ?? {}))
                .sort();
            assert.deepStrictEqual(details, ["spec.minReplicas"]);
        });
    });

    describe("the policy pack, evaluated by the engine", () => {
        it("rejects a variant that runs as root and pins a tag, with the rules' messages", async () => {
            const variant = await inlineStack(backend, "policy-violation", async () => {
                const provider = new k8s.Provider("cluster", { kubeconfig: pulumi.secret(fs.readFileSync(plane.kubeconfig, "utf8")) });
                new k8s.apps.v1.Deployment("root-and-tag", {
                    metadata: { namespace: NS },
                    spec: {
                        selector: { matchLabels: { app: "root-and-tag" } },
                        template: {
                            metadata: { labels: { app: "root-and-tag" } },
                            spec: { containers: [{ name: "app", image: "127.0.0.1:5000/sample-app:latest", securityContext: { runAsUser: 0 } }] },
                        },
                    },
                }, { provider });
            });
            await assert.rejects(variant.preview({ policyPacks: [POLICY_PACK] }), (err: Error) => {
                assert.match(err.message, /mandatory/);
                assert.match(err.message, /image-pinned-by-digest/);
                assert.match(err.message, /127\.0\.0\.1:5000\/sample-app:latest/);
                assert.match(err.message, /pss-restricted-run-as-non-root/);
                return true;
            });
            await variant.workspace.removeStack("policy-violation");
        });
    });

    describe("admission, for real", () => {
        it("refuses a bare Pod that violates restricted, created through the provider, with its reason", async () => {
            const bare = await inlineStack(backend, "bare-pod", async () => {
                const provider = new k8s.Provider("cluster", { kubeconfig: pulumi.secret(fs.readFileSync(plane.kubeconfig, "utf8")) });
                new k8s.core.v1.Pod("root-pod", {
                    metadata: { namespace: NS },
                    spec: { containers: [{ name: "app", image: lock.apps["sample-app"].ref, securityContext: { runAsUser: 0, allowPrivilegeEscalation: true } }] },
                }, { provider });
            });
            await assert.rejects(bare.up(), /violates PodSecurity "restricted:latest"/);
            const pods = (await kube.get(`/api/v1/namespaces/${NS}/pods`)).body.items as { metadata: { name: string } }[];
            assert.deepStrictEqual(pods.filter((p) => p.metadata.name.startsWith("root-pod")), []);
            await bare.destroy();
            await bare.workspace.removeStack("bare-pod");
        });
    });

    describe("secrets in state", () => {
        it("the state holds the kubeconfig (its client key) only encrypted", async () => {
            const keyPem = kube.key.toString("utf8");
            const keyB64 = kube.key.toString("base64");
            const keyBody = keyPem.split("\n").find((l) => l.length > 40)!;
            const files = backendFiles(backend.dir);
            assert.ok(files.some((f) => f.endsWith(path.join("local.json"))), files.join("\n"));
            let ciphertexts = 0;
            for (const f of files) {
                const text = fs.readFileSync(f, "utf8");
                for (const needle of [keyB64, keyBody, "BEGIN PRIVATE KEY", "BEGIN RSA PRIVATE KEY", backend.passphrase]) {
                    assert.ok(!text.includes(needle), `${f} contains ${needle.slice(0, 20)}...`);
                }
                ciphertexts += (text.match(/"ciphertext"/g) ?? []).length;
            }
            // The secret is in the state (the provider's kubeconfig input), encrypted.
            assert.ok(ciphertexts > 0, "no ciphertext in the state: the secret did not reach it");
        });
    });

    describe("destroy", () => {
        it("removes every object it created, and the images stay in the registry", async () => {
            const res = await stack.destroy();
            assert.strictEqual(res.summary.result, "succeeded");
            for (const o of objects) {
                const meta = o.inputs.metadata as { name: string; namespace?: string };
                const got = await kube.get(objectPath(String(o.inputs.apiVersion), String(o.inputs.kind), meta.name, meta.namespace));
                assert.strictEqual(got.status, 404, `${o.type} ${meta.name} still there (${got.status})`);
            }
            const refs = [
                ...Object.values(lock.images).flatMap((m) => Object.values(m ?? {}).flatMap((v) => Object.values(v).map((e) => e.ref))),
                lock.apps["sample-app"].ref,
            ];
            for (const ref of refs) assert.ok(await registryHas(ref), `${ref} gone from the registry`);
        });
    });
});
