// One measured round of bench:app: a fresh server container pinned to one CPU, load from wrk
// pinned to the other, and the container's CPU time over the measured run.
import { spawn } from "node:child_process";
import { containerPid, docker, httpGet, parseWrk, sleep, type WrkResult } from "../../test/app/harness";
import type { AppBenchOptions } from "./appOptions";
import { containerCpuReader, type CpuUsageFile } from "./cgroupCpu";

export interface Round {
    /** `docker run` returned to /readyz 200, and the container's StartedAt to it. */
    readyFromRunMs: number;
    readyFromStartMs: number;
    rps: number;
    p99ms: number;
    requests: number;
    errors: number;
    /** The container's CPU time (every process in it) over the measured wrk run. */
    cpuUs: number;
    cpuMsPerRequest: number;
    /** cpuUs over the run's wall time: ~1.0 when the server had its CPU to itself and was saturated. */
    serverCpuBusy: number;
}

/** wrk in the container's network namespace, pinned to `cpu` (one thread: one CPU). */
function pinnedWrk(pid: number, cpu: number, seconds: number, connections: number): Promise<WrkResult> {
    return new Promise((resolve, reject) => {
        const p = spawn("taskset", ["-c", String(cpu), "nsenter", "-t", String(pid), "--net",
            "wrk", "-t1", `-c${connections}`, `-d${seconds}s`, "--timeout", "5s", "--latency", "http://127.0.0.1:8080/"]);
        let out = "";
        p.stdout.on("data", (d) => { out += d; });
        p.stderr.on("data", (d) => { out += d; });
        p.on("error", reject);
        p.on("close", (code) => code === 0 ? resolve(parseWrk(out)) : reject(new Error(`wrk exited ${code}: ${out}`)));
    });
}

/** Runs one round of `image`; `extra` are its own docker run flags (user, read-only, ...). */
export async function runRound(image: string, o: AppBenchOptions, extra: string[]): Promise<Round & { cpuFile: CpuUsageFile }> {
    const t0 = Date.now();
    // --network none: the container's own namespace with only loopback; wrk and curl enter it.
    const id = docker(["run", "--detach", "--network", "none", "--cpuset-cpus", String(o.serverCpu),
        "--tmpfs", "/tmp:rw,nosuid,nodev,size=67108864", "--env", `GUNICORN_WORKERS=${o.workers}`, ...extra, image]);
    if (!id) throw new Error(`docker run ${image} failed`);
    try {
        const pid = containerPid(id);
        let readyAt = 0;
        while (Date.now() - t0 < 30000) {
            if ((await httpGet(pid, 8080, "/readyz", 1)).status === 200) { readyAt = Date.now(); break; }
            await sleep(10);
        }
        if (!readyAt) throw new Error(`${image} not ready within 30 s`);
        const startedAt = Date.parse(JSON.parse(docker(["inspect", id]))[0].State.StartedAt);
        if (o.warmup > 0) await pinnedWrk(pid, o.clientCpu, o.warmup, o.connections);
        const cpu = containerCpuReader(pid);
        const before = cpu.read();
        const w0 = process.hrtime.bigint();
        const r = await pinnedWrk(pid, o.clientCpu, o.seconds, o.connections);
        const after = cpu.read();
        const wallUs = Number(process.hrtime.bigint() - w0) / 1000;
        const cpuUs = after - before;
        if (!(r.requests > 0)) throw new Error(`${image}: wrk completed no requests in ${o.seconds} s: ${r.raw}`);
        return {
            readyFromRunMs: readyAt - t0, readyFromStartMs: readyAt - startedAt, rps: r.rps, p99ms: r.p99ms, requests: r.requests,
            errors: r.errors + r.non2xx, cpuUs: Math.round(cpuUs), cpuMsPerRequest: cpuUs / 1000 / r.requests,
            serverCpuBusy: cpuUs / wallUs, cpuFile: cpu.file,
        };
    } finally {
        docker(["rm", "-f", id], { allowFail: true });
    }
}
