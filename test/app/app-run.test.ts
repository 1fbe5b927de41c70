// The sample app's image, run under exactly the constraints of the RENDERED Deployment
// (podToDockerRun), behaves as the manifest promises: ready within the startup budget,
// error-free under load, drains in-flight requests on SIGTERM, survives a killed worker.
import * as assert from "assert";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import { DockerRunPlan, podToDockerRun } from "./podToDockerRun";
import { appImage, childPids, containerPid, docker, httpGet, renderedDeployment, sleep, waitFor200, wrk } from "./harness";

const LOAD_SECONDS = 30;
const LOAD_CONNECTIONS = 16;

describe("sample app under the rendered pod spec (docker run)", function () {
    this.timeout(15 * 60 * 1000);
    let plan: DockerRunPlan;
    let id = "";
    let pid = 0;
    let readyMs = 0;
    let readyFromStartMs = 0;

    before(async () => {
        const [image, deployment] = await Promise.all([appImage(), renderedDeployment()]);
        plan = podToDockerRun(deployment, { image, name: `app-run-${process.pid}`, labels: { "distroless-python.test": "app-run" } });
        const t0 = Date.now();
        id = docker(["run", ...plan.args]);
        pid = containerPid(id);
        readyMs = await waitFor200(pid, plan.port, plan.startupPath, t0, plan.startupBudgetSeconds * 1000);
        // From the moment the container's process started (after image unpack and container
        // creation, which belong to the runtime, not the image).
        const startedAt = Date.parse(JSON.parse(docker(["inspect", id]))[0].State.StartedAt);
        readyFromStartMs = t0 + readyMs - startedAt;
    });

    after(() => {
        if (id) docker(["rm", "-f", id], { allowFail: true });
    });

    it("runs as the manifest says: uid/gid 65532, read-only root, no capabilities, no new privileges", () => {
        const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
        assert.match(status, /^Uid:\s+65532\s+65532\s+65532\s+65532$/m);
        assert.match(status, /^Gid:\s+65532\s+65532\s+65532\s+65532$/m);
        assert.match(status, /^CapEff:\s+0000000000000000$/m);
        assert.match(status, /^CapBnd:\s+0000000000000000$/m);
        assert.match(status, /^NoNewPrivs:\s+1$/m);
        const inspect = JSON.parse(docker(["inspect", id]))[0];
        assert.strictEqual(inspect.HostConfig.ReadonlyRootfs, true);
        assert.ok(Object.keys(inspect.HostConfig.Tmpfs).includes("/tmp"));
    });

    it("is ready within the startup probe's budget", () => {
        console.log(`      ready ${readyMs} ms after docker run, ${readyFromStartMs} ms after the process started (CPU limit ${plan.env.CPU_LIMIT_MILLICORES}m)`);
        assert.ok(readyMs < plan.startupBudgetSeconds * 1000, `ready after ${readyMs} ms`);
    });

    /** 2 x ceil(CPUs) + 1, from the CPU limit the manifest passes through the downward API. */
    const expectedWorkers = () => 2 * Math.max(1, Math.ceil(Number(plan.env.CPU_LIMIT_MILLICORES) / 1000)) + 1;
    /** Waits up to 15 s (a loaded 2-core machine forks late) for the master's worker count. */
    async function workersSettled(n: number): Promise<number[]> {
        let pids: number[] = [];
        for (let i = 0; i < 300; i++) {
            pids = childPids(pid);
            if (pids.length === n) break;
            await sleep(50);
        }
        return pids;
    }

    it("sizes its worker pool from the CPU limit passed through the downward API", async () => {
        assert.strictEqual((await workersSettled(expectedWorkers())).length, expectedWorkers());
    });

    it("answers the probes and the JSON endpoint", async () => {
        for (const p of [plan.startupPath, plan.readinessPath, plan.livenessPath]) {
            assert.strictEqual((await httpGet(pid, plan.port, p)).status, 200, p);
        }
        const root = await httpGet(pid, plan.port, "/");
        assert.strictEqual(JSON.parse(root.body).service, "sample-app");
    });

    it(`serves ${LOAD_SECONDS} s of load at ${LOAD_CONNECTIONS} connections with zero errors`, async () => {
        const r = await wrk(pid, plan.port, { seconds: LOAD_SECONDS, connections: LOAD_CONNECTIONS });
        console.log(`      wrk: ${r.requests} requests, ${r.rps} req/s, p99 ${r.p99ms} ms`);
        assert.ok(r.requests > 0);
        assert.strictEqual(r.errors, 0, r.raw);
        assert.strictEqual(r.non2xx, 0, r.raw);
    });

    it("replaces a SIGKILLed worker while service continues", async () => {
        const before = await workersSettled(expectedWorkers());
        assert.strictEqual(before.length, expectedWorkers());
        const victim = before[0];
        // Load runs across the kill: at most the one request the victim was serving fails.
        const load = wrk(pid, plan.port, { seconds: 6, connections: 4 });
        await sleep(2000);
        process.kill(victim, "SIGKILL");
        const results = [];
        for (let i = 0; i < 20; i++) results.push((await httpGet(pid, plan.port, "/")).status);
        const after = await workersSettled(before.length);
        const during = await load;
        console.log(`      across the kill: ${during.requests} requests, ${during.errors} socket errors, ${during.non2xx} non-2xx`);
        assert.ok(during.errors + during.non2xx <= 1, during.raw);
        assert.deepStrictEqual(results, Array(20).fill(200));
        assert.strictEqual(after.length, before.length, `workers before ${before}, after ${after}`);
        assert.ok(!after.includes(victim));
    });

    it("drains: a slow request in flight at SIGTERM completes with 200 and the container exits 0 within the grace period", async () => {
        const slowSeconds = plan.preStopSleepSeconds + 3;
        const slow = httpGet(pid, plan.port, `/slow?seconds=${slowSeconds}`, slowSeconds + 30);
        await sleep(500);
        // The kubelet: run the preStop hook (sleep), then SIGTERM; SIGKILL at the grace period.
        const t0 = Date.now();
        await sleep(plan.preStopSleepSeconds * 1000);
        // During preStop the pod still serves (endpoints are being withdrawn elsewhere).
        assert.strictEqual((await httpGet(pid, plan.port, plan.readinessPath)).status, 200);
        docker(["kill", "--signal", "SIGTERM", id]);
        // The kubelet's SIGKILL at the end of the grace period (which began with preStop).
        const remaining = plan.terminationGracePeriodSeconds * 1000 - (Date.now() - t0);
        const killer = setTimeout(() => docker(["kill", "--signal", "SIGKILL", id], { allowFail: true }), Math.max(0, remaining));
        const exit = await new Promise<string>((resolve) => execFile("docker", ["wait", id], { encoding: "utf8" }, (_e, out) => resolve(String(out).trim())));
        clearTimeout(killer);
        const elapsed = (Date.now() - t0) / 1000;
        const r = await slow;
        assert.strictEqual(r.status, 200, `slow request got ${r.status}`);
        assert.deepStrictEqual(JSON.parse(r.body), { slept: slowSeconds });
        assert.strictEqual(exit, "0");
        assert.ok(elapsed < plan.terminationGracePeriodSeconds, `exited ${elapsed}s after preStop began (grace ${plan.terminationGracePeriodSeconds}s)`);
        const state = JSON.parse(docker(["inspect", id]))[0].State;
        assert.strictEqual(state.OOMKilled, false);
    });
});
