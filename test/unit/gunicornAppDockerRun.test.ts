// Manifests are untyped JSON.
/* eslint-disable @typescript-eslint/no-explicit-any */
import * as assert from "assert";
import { gunicornAppSettings, podSpec } from "../../components/gunicornAppSpec";
import { podToDockerRun, resolveResourceField } from "../app/podToDockerRun";

const IMAGE = `registry.example/sample-app@sha256:${"ef".repeat(32)}`;

function manifest(sizing: Parameters<typeof gunicornAppSettings>[1] = {}): any {
    const s = gunicornAppSettings("web", sizing);
    return JSON.parse(JSON.stringify({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "ns" }, spec: { template: { spec: podSpec(s, IMAGE, "web") } } }));
}

describe("docker-run translator (the real-run tests run the rendered pod spec)", () => {
    it("turns the GunicornApp pod spec into exactly these docker run flags", () => {
        const plan = podToDockerRun(manifest(), { image: "sample-app:local", name: "t1" });
        assert.deepStrictEqual(plan.args, [
            "--detach", "--network", "none", "--name", "t1",
            "--user", "65532:65532", "--group-add", "65532",
            "--read-only", "--security-opt", "no-new-privileges", "--cap-drop", "ALL",
            "--tmpfs", `/tmp:rw,nosuid,nodev,mode=1777,size=${64 * 1024 * 1024}`,
            "--memory", String(512 * 1024 * 1024), "--memory-swap", String(512 * 1024 * 1024), "--cpus", "0.5",
            "--env", "PORT=8080", "--env", "GRACEFUL_TIMEOUT=20", "--env", "CPU_LIMIT_MILLICORES=500", "--env", `MEMORY_LIMIT_BYTES=${512 * 1024 * 1024}`,
            "--stop-signal", "SIGTERM", "--stop-timeout", "30",
            "sample-app:local",
        ]);
        assert.deepStrictEqual([plan.port, plan.startupBudgetSeconds, plan.preStopSleepSeconds, plan.terminationGracePeriodSeconds], [8080, 30, 5, 30]);
        assert.deepStrictEqual([plan.startupPath, plan.readinessPath, plan.livenessPath], ["/healthz", "/readyz", "/healthz"]);
    });
    it("a manifest change changes the run: CPU, memory, /tmp size, grace period", () => {
        const plan = podToDockerRun(manifest({ cpu: "2", memory: "4Gi", tmpSizeLimit: "32Mi", gracefulTimeoutSeconds: 40 }));
        assert.strictEqual(plan.env.CPU_LIMIT_MILLICORES, "2000");
        assert.ok(plan.args.includes(`/tmp:rw,nosuid,nodev,mode=1777,size=${32 * 1024 * 1024}`));
        assert.ok(plan.args.includes(String(4 * 1024 ** 3)));
        assert.strictEqual(plan.terminationGracePeriodSeconds, 50);
        assert.strictEqual(plan.args.at(-1), IMAGE);
    });
    it("command and args become --entrypoint and trailing arguments", () => {
        const m = manifest();
        m.spec.template.spec.containers[0].command = ["/opt/app/venv/bin/python", "-m", "gunicorn"];
        m.spec.template.spec.containers[0].args = ["--workers", "2"];
        const args = podToDockerRun(m, { image: "x" }).args;
        assert.deepStrictEqual(args.slice(args.indexOf("--entrypoint")), ["--entrypoint", "/opt/app/venv/bin/python", "x", "-m", "gunicorn", "--workers", "2"]);
    });
    it("resolves downward-API resource fields with their divisor", () => {
        const r = { limits: { cpu: "1500m", memory: "1Gi" } };
        assert.strictEqual(resolveResourceField(r, "limits.cpu", "1m"), "1500");
        assert.strictEqual(resolveResourceField(r, "limits.cpu", "1"), "2");
        assert.strictEqual(resolveResourceField(r, "limits.memory", "1Mi"), "1024");
    });
    it("refuses what it cannot reproduce instead of dropping it", () => {
        const m = manifest();
        m.spec.template.spec.volumes.push({ name: "host", hostPath: { path: "/" } });
        m.spec.template.spec.containers[0].volumeMounts.push({ name: "host", mountPath: "/host" });
        assert.throws(() => podToDockerRun(m), /podToDockerRun: volume host of type hostPath is not supported/);
        const d = manifest();
        d.spec.template.spec.volumes[0].emptyDir = {};
        assert.throws(() => podToDockerRun(d), /disk-backed emptyDir tmp is not supported/);
    });
});
