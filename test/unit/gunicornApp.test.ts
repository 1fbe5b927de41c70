// Mocked resource inputs are untyped JSON.
/* eslint-disable @typescript-eslint/no-explicit-any */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";

// Resources registered through the mocks, in order; each test looks them up by type + name.
interface Registered { type: string; name: string; inputs: any }
const registered: Registered[] = [];

// Set inside each suite that registers resources (not as a root hook, which would apply to
// every other test file in the mocha run).
async function useMocks(): Promise<void> {
    await pulumi.runtime.setMocks({
        newResource: (args) => {
            registered.push({ type: args.type, name: args.name, inputs: args.inputs });
            const state: Record<string, unknown> = { ...args.inputs };
            if (args.type.startsWith("kubernetes:") && !state.metadata) state.metadata = { name: args.name };
            return { id: `${args.name}-id`, state };
        },
        call: (args) => args.inputs,
    }, "distroless-python", "unit", false);
}

// Imported after the mocks are in place.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const app = require("../../components/gunicornApp") as typeof import("../../components/gunicornApp");

const DIGEST = "sha256:" + "ab".repeat(32);
const IMAGE = `europe-west1-docker.pkg.dev/p/distroless-python/sample-app@${DIGEST}`;

function find(type: string, name: string): any {
    const r = registered.find((x) => x.type === type && x.name === name);
    assert.ok(r, `no ${type} named ${name}; have: ${registered.map((x) => `${x.type}/${x.name}`).join(", ")}`);
    return r.inputs;
}

async function settle(): Promise<void> {
    await new Promise((r) => setTimeout(r, 50));
}

describe("GunicornApp: image reference", () => {
    before(useMocks);
    for (const ok of [IMAGE, `127.0.0.1:5000/sample-app:1.0@${DIGEST}`, `sample-app@${DIGEST}`]) {
        it(`accepts ${ok.slice(0, 40)}...`, () => assert.strictEqual(app.isDigestReference(ok), true));
    }
    const bad = [
        "europe-west1-docker.pkg.dev/p/r/sample-app:1.0",
        "sample-app:latest",
        "sample-app@sha256:abc",
        `sample-app@${DIGEST.toUpperCase()}`,
        "",
    ];
    for (const ref of bad) {
        it(`rejects ${JSON.stringify(ref)} naming the arg`, () => {
            assert.throws(() => app.validateImageReference(ref), {
                message: `GunicornApp arg "image": ${JSON.stringify(ref)} is not pinned by digest; accepted: <registry>/<repository>[:tag]@sha256:<64 lowercase hex digits>`,
            });
        });
    }
    it("a tag-only image fails the component before any child is registered", () => {
        const before = registered.length;
        assert.throws(() => new app.GunicornApp("tagged", { image: "sample-app:1.0" }), /GunicornApp arg "image": "sample-app:1.0" is not pinned by digest/);
        assert.strictEqual(registered.filter((r, i) => i >= before && r.name.startsWith("tagged-")).length, 0);
    });
});

describe("GunicornApp: quantities", () => {
    const cpu: [string, number | undefined][] = [["500m", 500], ["1", 1000], ["1.5", 1500], ["0.25", 250], ["x", undefined], ["1Gi", undefined]];
    for (const [q, want] of cpu) it(`cpu ${q} -> ${want}`, () => assert.strictEqual(app.parseCpuMillis(q), want));
    const mem: [string, number | undefined][] = [["512Mi", 512 * 1024 ** 2], ["1Gi", 1024 ** 3], ["1G", 1e9], ["1000", 1000], ["1.5Gi", 1.5 * 1024 ** 3], ["12mb", undefined]];
    for (const [q, want] of mem) it(`memory ${q} -> ${want}`, () => assert.strictEqual(app.parseMemoryBytes(q), want));
});

describe("GunicornApp: settings validation (exact messages)", () => {
    const base = app.gunicornAppSettings("web", {});
    const cases: [string, Partial<typeof base>, string][] = [
        ["grace shorter than preStop + graceful timeout", { terminationGracePeriodSeconds: 25 },
            `GunicornApp arg "terminationGracePeriodSeconds": 25 is not supported; accepted: integers from 26 to 3600`],
        ["memory outside Autopilot's ratio", { cpu: "2", memory: "512Mi" },
            `GunicornApp args "cpu"/"memory": 2/512Mi (0.25 GiB per CPU) does not fit GKE Autopilot; accepted: at least 50m/52Mi with 1 to 6.5 GiB of memory per CPU (or set autopilot: false)`],
        ["/tmp as large as the memory limit", { tmpSizeLimit: "512Mi" },
            `GunicornApp arg "tmpSizeLimit": "512Mi" is not supported; accepted: a positive memory quantity below "memory" (512Mi), since /tmp is memory-backed`],
        ["privileged port", { containerPort: 80 },
            `GunicornApp arg "containerPort": 80 is not supported; accepted: integers from 1024 to 65535`],
        ["maxReplicas below replicas", { replicas: 3, maxReplicas: 2 },
            `GunicornApp arg "maxReplicas": 2 is not supported; accepted: integers from 3 to 100`],
        ["bad cpu", { cpu: "lots" },
            `GunicornApp arg "cpu": "lots" is not supported; accepted: a positive CPU quantity such as "500m" or "1"`],
        ["bad namespace", { namespace: "Sample_App" },
            `GunicornApp arg "namespace": "Sample_App" is not supported; accepted: a DNS label (lowercase letters, digits, "-", at most 63 characters)`],
    ];
    for (const [what, patch, message] of cases) {
        it(`rejects ${what}`, () => assert.throws(() => app.validateGunicornAppSettings({ ...base, ...patch }), { message }));
    }
    it("accepts the defaults, and a non-Autopilot ratio when autopilot is off", () => {
        app.validateGunicornAppSettings(base);
        app.validateGunicornAppSettings({ ...base, cpu: "2", memory: "512Mi", autopilot: false });
    });
    it("derives the grace period from the drain sequence: preStop 5 + graceful 20 + 5", () => {
        assert.strictEqual(base.terminationGracePeriodSeconds, 30);
        assert.strictEqual(app.gunicornAppSettings("w", { preStopSleepSeconds: 10, gracefulTimeoutSeconds: 40 }).terminationGracePeriodSeconds, 55);
    });
});

describe("GunicornApp: the objects it creates", () => {
    before(async () => {
        await useMocks();
        new app.GunicornApp("web", {
            image: IMAGE,
            namespace: "shop",
            workloadIdentity: { project: "proj", gcpServiceAccountEmail: "web@proj.iam.gserviceaccount.com" },
            imagePullAccess: { location: "europe-west1", repository: "distroless-python", member: "serviceAccount:nodes@proj.iam.gserviceaccount.com" },
        });
        await settle();
    });
    const deployment = () => find("kubernetes:apps/v1:Deployment", "web-deployment");
    const pod = () => deployment().spec.template.spec;
    const container = () => pod().containers[0];

    it("names every child after the component", () => {
        const mine = registered.filter((r) => ["web-namespace", "web-sa", "web-deployment", "web-service", "web-pdb", "web-hpa", "web-default-deny", "web-allow-http", "web-workload-identity", "web-image-pull"].includes(r.name));
        assert.strictEqual(mine.length, 10);
    });
    it("namespace enforces, audits and warns Pod Security restricted", () => {
        const labels = find("kubernetes:core/v1:Namespace", "web-namespace").metadata.labels;
        for (const mode of ["enforce", "audit", "warn"]) assert.strictEqual(labels[`pod-security.kubernetes.io/${mode}`], "restricted");
    });
    it("service account mounts no token and is bound to the Google service account", () => {
        const sa = find("kubernetes:core/v1:ServiceAccount", "web-sa");
        assert.strictEqual(sa.automountServiceAccountToken, false);
        assert.strictEqual(sa.metadata.annotations["iam.gke.io/gcp-service-account"], "web@proj.iam.gserviceaccount.com");
        const wi = find("gcp:serviceaccount/iAMMember:IAMMember", "web-workload-identity");
        assert.deepStrictEqual([wi.role, wi.member, wi.serviceAccountId], [
            "roles/iam.workloadIdentityUser", "serviceAccount:proj.svc.id.goog[shop/web]",
            "projects/proj/serviceAccounts/web@proj.iam.gserviceaccount.com"]);
    });
    it("nodes may read the image repository (non-authoritative member)", () => {
        const m = find("gcp:artifactregistry/repositoryIamMember:RepositoryIamMember", "web-image-pull");
        assert.deepStrictEqual([m.role, m.repository, m.member], ["roles/artifactregistry.reader", "distroless-python", "serviceAccount:nodes@proj.iam.gserviceaccount.com"]);
    });
    it("runs the image pinned by digest", () => assert.strictEqual(container().image, IMAGE));
    it("runs as non-root 65532 with RuntimeDefault seccomp at pod and container level", () => {
        assert.deepStrictEqual(pod().securityContext, { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } });
        const sc = container().securityContext;
        assert.deepStrictEqual([sc.runAsNonRoot, sc.runAsUser, sc.runAsGroup, sc.seccompProfile.type], [true, 65532, 65532, "RuntimeDefault"]);
    });
    it("drops every capability, forbids escalation, and mounts the root filesystem read-only", () => {
        const sc = container().securityContext;
        assert.deepStrictEqual(sc.capabilities, { drop: ["ALL"] });
        assert.strictEqual(sc.allowPrivilegeEscalation, false);
        assert.strictEqual(sc.privileged, false);
        assert.strictEqual(sc.readOnlyRootFilesystem, true);
        assert.strictEqual(pod().automountServiceAccountToken, false);
    });
    it("/tmp is a memory-backed emptyDir with a size limit", () => {
        assert.deepStrictEqual(pod().volumes, [{ name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } }]);
        assert.deepStrictEqual(container().volumeMounts, [{ name: "tmp", mountPath: "/tmp" }]);
    });
    it("requests equal limits (Guaranteed QoS, Autopilot-sized)", () => {
        const r = container().resources;
        assert.deepStrictEqual(r.requests, { cpu: "500m", memory: "512Mi" });
        assert.deepStrictEqual(r.limits, r.requests);
    });
    it("passes the CPU limit to Gunicorn through the downward API", () => {
        const env = container().env.find((e: any) => e.name === "CPU_LIMIT_MILLICORES");
        assert.deepStrictEqual(env.valueFrom.resourceFieldRef, { containerName: "app", resource: "limits.cpu", divisor: "1m" });
    });
    it("has startup, readiness and liveness probes on the app port", () => {
        const c = container();
        assert.deepStrictEqual([c.startupProbe.httpGet.path, c.readinessProbe.httpGet.path, c.livenessProbe.httpGet.path], ["/healthz", "/readyz", "/healthz"]);
        assert.strictEqual(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold, 30);
    });
    it("drains: preStop sleep action, then a grace period longer than preStop + Gunicorn's graceful timeout", () => {
        assert.deepStrictEqual(container().lifecycle, { preStop: { sleep: { seconds: 5 } } });
        const graceful = Number(container().env.find((e: any) => e.name === "GRACEFUL_TIMEOUT").value);
        assert.ok(pod().terminationGracePeriodSeconds > 5 + graceful);
    });
    it("rolls out without ever dropping below the desired replicas", () => {
        assert.deepStrictEqual(deployment().spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    });
    it("spreads pods over zones and nodes", () => {
        assert.deepStrictEqual(pod().topologySpreadConstraints.map((t: any) => t.topologyKey), ["topology.kubernetes.io/zone", "kubernetes.io/hostname"]);
    });
    it("service, PDB (policy/v1) and HPA (autoscaling/v2) select and target the app", () => {
        const svc = find("kubernetes:core/v1:Service", "web-service");
        assert.deepStrictEqual(svc.spec.ports, [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }]);
        const pdb = find("kubernetes:policy/v1:PodDisruptionBudget", "web-pdb");
        assert.strictEqual(pdb.spec.maxUnavailable, 1);
        const hpa = find("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "web-hpa");
        assert.deepStrictEqual([hpa.spec.scaleTargetRef.name, hpa.spec.minReplicas, hpa.spec.maxReplicas], ["web", 2, 6]);
        assert.deepStrictEqual(svc.spec.selector, pdb.spec.selector.matchLabels);
    });
    it("network: default deny in both directions, then only the app port in", () => {
        const deny = find("kubernetes:networking.k8s.io/v1:NetworkPolicy", "web-default-deny");
        assert.deepStrictEqual(deny.spec, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
        const allow = find("kubernetes:networking.k8s.io/v1:NetworkPolicy", "web-allow-http");
        assert.deepStrictEqual(allow.spec.ingress, [{ ports: [{ protocol: "TCP", port: 8080 }] }]);
    });
    it("allows no egress unless asked; allowedEgress adds exactly those rules", async () => {
        assert.ok(!registered.some((r) => r.name === "web-allow-egress"));
        const dns = { to: [{ namespaceSelector: {} }], ports: [{ protocol: "UDP", port: 53 }] };
        new app.GunicornApp("egress", { image: IMAGE, namespace: "egress", allowedEgress: [dns] });
        await settle();
        const p = find("kubernetes:networking.k8s.io/v1:NetworkPolicy", "egress-allow-egress");
        assert.deepStrictEqual([p.spec.policyTypes, p.spec.egress], [["Egress"], [dns]]);
    });
    it("without GKE options creates no GCP resources", async () => {
        const before = registered.length;
        new app.GunicornApp("plain", { image: IMAGE, namespace: "plain" });
        await settle();
        assert.ok(registered.slice(before).every((r) => r.type.startsWith("kubernetes:") || r.type.startsWith("distroless-python:")));
    });
});
