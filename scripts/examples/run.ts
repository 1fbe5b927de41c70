/**
 * Runs one built example hardened (read-only root, uid/gid 65532, no capabilities, no new
 * privileges, --network none or the host's loopback) and verifies its real work. Measures the
 * cold start: from `docker run` to the first successful answer (servers) or to the verified
 * result (jobs).
 */
import { execFile } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { docker } from "../../image/checks/lib";
import type { Example } from "./catalog";
import { FIXTURE_STARTERS, type Running } from "./fixtures";
import { VERIFIER_SPECS, type Get } from "./verify";

/** The flags every example runs with; /tmp is the only writable path (a tmpfs). */
export function hardenedFlags(network: "none" | "host"): string[] {
    return ["--read-only", "--tmpfs", "/tmp:rw,nosuid,nodev,size=256m", "--user", "65532:65532", "--cap-drop", "ALL",
        "--security-opt", "no-new-privileges", "--network", network];
}

export interface ExampleResult {
    name: string;
    ok: boolean;
    /** ms from `docker run` to the first successful answer / verified job result. */
    coldStartMs?: number;
    detail: string;
}

/** GET over loopback: inside the container's namespace (--network none) or the host's. */
function getter(port: number, pid?: number): Get {
    return (urlPath) => new Promise((resolve) => {
        const curl = ["curl", "-s", "-m", "5", "-o", "-", "-w", "\n%{http_code}", `http://127.0.0.1:${port}${urlPath}`];
        const [cmd, ...args] = pid ? ["nsenter", "-t", String(pid), "--net", ...curl] : curl;
        execFile(cmd, args, { encoding: "utf8" }, (_e, stdout) => {
            const lines = (stdout ?? "").split("\n");
            const status = Number(lines.pop()) || 0;
            resolve({ status, body: lines.join("\n") });
        });
    });
}

async function runServer(example: Example, image: string, env: string[], mounts: string[], verify: (get: Get) => Promise<string>): Promise<{ ms: number; detail: string }> {
    const name = `example-${example.name}-${process.pid}-${Date.now()}`;
    const t0 = Date.now();
    const id = docker(["run", "-d", "--name", name, ...hardenedFlags(example.network), ...env, ...mounts, image, ...example.command]).stdout.trim();
    try {
        const pid = example.network === "none" ? Number(docker(["inspect", "-f", "{{.State.Pid}}", id]).stdout.trim()) : undefined;
        const get = getter(example.port!, pid);
        let ms = -1;
        while (Date.now() - t0 < 60_000) {
            if ((await get(example.readyPath!)).status === 200) { ms = Date.now() - t0; break; }
            const state = docker(["inspect", "-f", "{{.State.Running}}", id]).stdout.trim();
            if (state !== "true") throw new Error(`container exited before answering ${example.readyPath}:\n${docker(["logs", id], { allowFail: true }).stderr.slice(-3000)}`);
            await new Promise((r) => setTimeout(r, 20));
        }
        if (ms < 0) throw new Error(`${example.readyPath} did not answer 200 within 60 s:\n${docker(["logs", id], { allowFail: true }).stderr.slice(-3000)}`);
        return { ms, detail: await verify(get) };
    } finally {
        docker(["rm", "-f", id], { allowFail: true });
    }
}

/** Runs and verifies one example on IMAGE; never throws (the result says what failed). */
export async function runExample(example: Example, image: string): Promise<ExampleResult> {
    const spec = VERIFIER_SPECS[example.verify];
    const inputDir = fs.mkdtempSync(path.join(os.tmpdir(), `example-${example.name}-`));
    fs.chmodSync(inputDir, 0o755);
    const started: Running[] = [];
    try {
        const fixtures: Record<string, string> = {};
        const env: Record<string, string> = {};
        for (const f of example.fixtures) {
            const r = await FIXTURE_STARTERS[f]();
            started.push(r);
            Object.assign(env, r.env);
            for (const [k, v] of Object.entries(r.info)) fixtures[`${f}.${k}`] = v;
        }
        const ctx = { inputDir, fixtures, nonce: crypto.randomBytes(8).toString("hex") };
        Object.assign(env, spec.prepare(ctx));
        for (const f of fs.readdirSync(inputDir)) fs.chmodSync(path.join(inputDir, f), 0o644);
        const envArgs = Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
        const mounts = ["-v", `${inputDir}:/input:ro`];
        if (example.mode === "server") {
            const r = await runServer(example, image, envArgs, mounts, (get) => spec.verify(ctx, { stdout: "", get }));
            return { name: example.name, ok: true, coldStartMs: r.ms, detail: r.detail };
        }
        const t0 = Date.now();
        const r = docker(["run", "--rm", ...hardenedFlags(example.network), ...envArgs, ...mounts, image, ...example.command], { allowFail: true, timeoutMs: 300_000 });
        const ms = Date.now() - t0;
        if (r.code !== 0) throw new Error(`exited ${r.code}:\n${r.stderr.slice(-3000)}`);
        const detail = await spec.verify(ctx, { stdout: r.stdout });
        return { name: example.name, ok: true, coldStartMs: ms, detail };
    } catch (e) {
        return { name: example.name, ok: false, detail: (e as Error).message };
    } finally {
        for (const r of started.reverse()) await r.stop().catch(() => undefined);
        fs.rmSync(inputDir, { recursive: true, force: true });
    }
}

/** Size of the image as the engine reports it (bytes, `docker image inspect .Size`). */
export function imageSize(image: string): number {
    return Number(docker(["image", "inspect", "-f", "{{.Size}}", image]).stdout.trim());
}
