// Fixtures are untyped manifests, mutated field by field.
/* eslint-disable @typescript-eslint/no-explicit-any */
import * as assert from "assert";
import { CHECKS, WORKLOAD_TYPES, typeOfManifest } from "../../policy/checks";
import { POLICIES } from "../../policy/policies";
import { gunicornAppSettings, podSpec } from "../../components/gunicornAppSpec";

const IMAGE = `127.0.0.1:5000/sample-app@sha256:${"cd".repeat(32)}`;

/** The sample app's pod spec, exactly as GunicornApp builds it: the passing workload. */
function goodPod(): any {
    return JSON.parse(JSON.stringify(podSpec(gunicornAppSettings("web", {}), IMAGE, "web")));
}

function deployment(spec: any, annotations: Record<string, string> = {}): any {
    return { metadata: { name: "web" }, spec: { selector: {}, template: { metadata: { annotations }, spec } } };
}

/** Wraps a pod spec in each workload type the way that type nests its template. */
const WRAP: Record<string, (spec: any) => any> = {
    "kubernetes:core/v1:Pod": (spec) => ({ metadata: {}, spec }),
    "kubernetes:core/v1:ReplicationController": (spec) => deployment(spec),
    "kubernetes:apps/v1:Deployment": (spec) => deployment(spec),
    "kubernetes:apps/v1:StatefulSet": (spec) => deployment(spec),
    "kubernetes:apps/v1:DaemonSet": (spec) => deployment(spec),
    "kubernetes:apps/v1:ReplicaSet": (spec) => deployment(spec),
    "kubernetes:batch/v1:Job": (spec) => deployment(spec),
    "kubernetes:batch/v1:CronJob": (spec) => ({ spec: { schedule: "@daily", jobTemplate: { spec: { template: { spec } } } } }),
};

/** Runs every policy's validateResource like the engine does, collecting reportViolation calls. */
function run(type: string, props: any): { policy: string; message: string }[] {
    const seen: { policy: string; message: string }[] = [];
    for (const p of POLICIES) {
        const validate = p.validateResource as (args: unknown, report: (m: string) => void) => void;
        validate({ type, props, name: "web", urn: "urn:x", opts: {} as any, stackTags: new Map(), isType: () => false, asType: () => undefined as any, getConfig: () => ({}) as any } as any,
            (message: string) => seen.push({ policy: p.name, message }));
    }
    return seen;
}

const c0 = (pod: any) => pod.containers[0];

/** One failing fixture per check: a mutation of the passing pod that breaks exactly that control. */
const FAILING: Record<string, { mutate: (pod: any) => void; annotations?: Record<string, string>; message: RegExp; alsoBy?: string }> = {
    "pss-baseline-host-process": { mutate: (p) => { p.securityContext.windowsOptions = { hostProcess: true }; }, message: /pod: securityContext.windowsOptions.hostProcess must not be true/ },
    "pss-baseline-host-namespaces": { mutate: (p) => { p.hostPID = true; }, message: /pod: spec.hostPID must not be true/ },
    "pss-baseline-privileged": { mutate: (p) => { c0(p).securityContext.privileged = true; }, message: /container "app": securityContext.privileged must not be true/ },
    "pss-baseline-capabilities": { mutate: (p) => { c0(p).securityContext.capabilities.add = ["NET_BIND_SERVICE", "SYS_ADMIN"]; }, message: /capability SYS_ADMIN may not be added \(baseline allows/, alsoBy: "pss-restricted-capabilities" },
    "pss-baseline-host-path-volumes": { mutate: (p) => { p.volumes.push({ name: "docker", hostPath: { path: "/var/run/docker.sock" } }); }, message: /volume "docker": hostPath volumes are forbidden/, alsoBy: "pss-restricted-volume-types" },
    "pss-baseline-host-ports": { mutate: (p) => { c0(p).ports[0].hostPort = 8080; }, message: /container "app": hostPort 8080 is forbidden/ },
    "pss-baseline-apparmor": { mutate: () => undefined, annotations: { "container.apparmor.security.beta.kubernetes.io/app": "unconfined" }, message: /"unconfined" is forbidden/ },
    "pss-baseline-selinux": { mutate: (p) => { p.securityContext.seLinuxOptions = { type: "spc_t" }; }, message: /pod: seLinuxOptions.type spc_t is forbidden/ },
    "pss-baseline-proc-mount": { mutate: (p) => { c0(p).securityContext.procMount = "Unmasked"; }, message: /procMount Unmasked is forbidden/ },
    "pss-baseline-seccomp": { mutate: (p) => { c0(p).securityContext.seccompProfile = { type: "Unconfined" }; }, message: /container "app": seccompProfile.type Unconfined is forbidden/, alsoBy: "pss-restricted-seccomp" },
    "pss-baseline-sysctls": { mutate: (p) => { p.securityContext.sysctls = [{ name: "kernel.msgmax", value: "1" }]; }, message: /pod: sysctl kernel.msgmax is not in the safe set/ },
    "pss-restricted-volume-types": { mutate: (p) => { p.volumes.push({ name: "nfs", nfs: { server: "x", path: "/" } }); }, message: /volume "nfs": type nfs is forbidden/ },
    "pss-restricted-privilege-escalation": { mutate: (p) => { delete c0(p).securityContext.allowPrivilegeEscalation; }, message: /container "app": securityContext.allowPrivilegeEscalation must be false/ },
    "pss-restricted-run-as-non-root": { mutate: (p) => { delete p.securityContext.runAsNonRoot; delete c0(p).securityContext.runAsNonRoot; }, message: /container "app": runAsNonRoot must be true/ },
    "pss-restricted-run-as-user": { mutate: (p) => { p.initContainers = [{ ...JSON.parse(JSON.stringify(c0(p))), name: "init", securityContext: { ...c0(p).securityContext, runAsUser: 0 } }]; }, message: /initContainer "init": securityContext.runAsUser must not be 0/ },
    "pss-restricted-seccomp": { mutate: (p) => { delete p.securityContext.seccompProfile; delete c0(p).securityContext.seccompProfile; }, message: /seccompProfile.type must be RuntimeDefault or Localhost/ },
    "pss-restricted-capabilities": { mutate: (p) => { c0(p).securityContext.capabilities = { drop: ["NET_RAW"] }; }, message: /container "app": capabilities.drop must include ALL/ },
    "read-only-root-filesystem": { mutate: (p) => { c0(p).securityContext.readOnlyRootFilesystem = false; }, message: /container "app": securityContext.readOnlyRootFilesystem must be true/ },
    "image-pinned-by-digest": { mutate: (p) => { c0(p).image = "127.0.0.1:5000/sample-app:1.0"; }, message: /image "127.0.0.1:5000\/sample-app:1.0" is not pinned by digest/ },
    "resources-set": { mutate: (p) => { delete c0(p).resources.limits.cpu; }, message: /container "app": resources limits.cpu must be set/ },
};

describe("policy pack", () => {
    it("has one failing fixture per check, and a policy per check", () => {
        assert.deepStrictEqual(Object.keys(FAILING).sort(), CHECKS.map((c) => c.name).sort());
        assert.deepStrictEqual(POLICIES.map((p) => p.name), CHECKS.map((c) => c.name));
        assert.ok(POLICIES.every((p) => p.enforcementLevel === "mandatory"));
    });

    for (const type of Object.keys(WORKLOAD_TYPES)) {
        it(`the GunicornApp pod passes every policy as a ${type.split(":")[2]}`, () => {
            assert.deepStrictEqual(run(type, WRAP[type](goodPod())), []);
        });
    }

    for (const [name, f] of Object.entries(FAILING)) {
        // Restricted tightens three baseline controls, so those fixtures break both levels.
        it(`${name}: its failing fixture is reported by that policy${f.alsoBy ? ` (and ${f.alsoBy}, which tightens it)` : " alone"}`, () => {
            const pod = goodPod();
            f.mutate(pod);
            const seen = run("kubernetes:apps/v1:Deployment", deployment(pod, f.annotations));
            assert.ok(seen.length > 0, "no violation reported");
            assert.deepStrictEqual([...new Set(seen.map((s) => s.policy))].sort(), [name, ...(f.alsoBy ? [f.alsoBy] : [])].sort(), JSON.stringify(seen));
            const own = seen.filter((s) => s.policy === name);
            assert.match(own[0].message, /^kubernetes:apps\/v1:Deployment "web": /);
            assert.match(own[0].message, f.message);
        });
    }

    it("checks CronJob pods where they live (jobTemplate.spec.template)", () => {
        const pod = goodPod();
        pod.hostNetwork = true;
        const seen = run("kubernetes:batch/v1:CronJob", WRAP["kubernetes:batch/v1:CronJob"](pod));
        assert.deepStrictEqual(seen.map((s) => s.policy), ["pss-baseline-host-namespaces"]);
    });

    it("ignores resources that are not workloads", () => {
        assert.deepStrictEqual(run("kubernetes:core/v1:Service", { spec: { hostNetwork: true } }), []);
    });

    it("maps manifest apiVersion/kind to the type token", () => {
        assert.strictEqual(typeOfManifest({ apiVersion: "apps/v1", kind: "Deployment" }), "kubernetes:apps/v1:Deployment");
        assert.strictEqual(typeOfManifest({ apiVersion: "v1", kind: "Pod" }), "kubernetes:core/v1:Pod");
    });
});
