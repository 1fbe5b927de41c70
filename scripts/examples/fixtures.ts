/**
 * Loopback services the examples talk to, started on the host for one run and stopped after:
 * PostgreSQL (Debian's package, a throw-away cluster in a temp dir, run as the unprivileged
 * `postgres` user, listening on 127.0.0.1 only) and fake-gcs-server (built by tools:install).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT } from "./catalog";

export interface Running {
    /** Environment the example gets to find the service. */
    env: Record<string, string>;
    /** What the verifier needs to check the service's side independently. */
    info: Record<string, string>;
    stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const s = net.createServer();
        s.once("error", reject);
        s.listen(0, "127.0.0.1", () => {
            const port = (s.address() as net.AddressInfo).port;
            s.close(() => resolve(port));
        });
    });
}

function must(cmd: string, args: string[], what: string): string {
    const r = spawnSync(cmd, args, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${what}: ${cmd} ${args.join(" ")} exited ${r.status ?? r.error}\n${r.stderr}${r.stdout}`);
    return r.stdout;
}

async function waitUntil(what: string, budgetMs: number, probe: () => boolean | Promise<boolean>, child?: ChildProcess, log?: () => string): Promise<void> {
    const t0 = Date.now();
    while (Date.now() - t0 < budgetMs) {
        if (child && child.exitCode !== null) throw new Error(`${what} exited ${child.exitCode} before it was ready\n${log?.() ?? ""}`);
        if (await probe()) return;
        await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${what} not ready within ${budgetMs} ms\n${log?.() ?? ""}`);
}

function stopChild(child: ChildProcess): Promise<void> {
    return new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        child.once("exit", () => { clearTimeout(timer); resolve(); });
        child.kill("SIGTERM");
    });
}

/** Newest PostgreSQL server binaries installed from Debian (postgresql-NN). */
export function postgresBinDir(root = "/usr/lib/postgresql"): string {
    const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => /^\d+$/.test(v) && fs.existsSync(path.join(root, v, "bin", "postgres"))) : [];
    if (versions.length === 0) throw new Error(`no PostgreSQL server under ${root}: install Debian's package (apt-get install -y postgresql)`);
    return path.join(root, versions.sort((a, b) => Number(b) - Number(a))[0], "bin");
}

/** PostgreSQL run by the `postgres` system user; trust auth, only on 127.0.0.1. */
export async function startPostgres(user = "postgres"): Promise<Running> {
    const bin = postgresBinDir();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "examples-pg-"));
    fs.chmodSync(dir, 0o755);
    must("chown", [user, dir], "postgres fixture");
    const data = path.join(dir, "data");
    must("runuser", ["-u", user, "--", path.join(bin, "initdb"), "-D", data, "-A", "trust", "-U", "app", "-E", "UTF8", "--no-sync"], "postgres fixture initdb");
    const port = await freePort();
    let log = "";
    const child = spawn("runuser", ["-u", user, "--", path.join(bin, "postgres"), "-D", data, "-h", "127.0.0.1", "-p", String(port), "-k", dir, "-c", "fsync=off"], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout?.on("data", (d) => { log += d; });
    child.stderr?.on("data", (d) => { log += d; });
    await waitUntil("postgres", 30_000, () => spawnSync(path.join(bin, "pg_isready"), ["-h", "127.0.0.1", "-p", String(port), "-q"]).status === 0, child, () => log);
    const url = `postgresql://app@127.0.0.1:${port}/postgres`;
    return {
        env: { DATABASE_URL: url },
        info: { url, psql: path.join(bin, "psql") },
        stop: async () => {
            await stopChild(child);
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}

/** The fake-gcs-server binary from tools:install (built from the Go module proxy, cached). */
export function fakeGcsServerBinary(): string {
    if (process.env.FAKE_GCS_SERVER) return process.env.FAKE_GCS_SERVER;
    const out = must("npm", ["run", "--silent", "tools:install", "--", "fake-gcs-server"], "fake-gcs-server fixture (npm run tools:install)");
    const bin = out.trim().split("\n").pop() ?? "";
    if (!fs.existsSync(bin)) throw new Error(`tools:install printed ${JSON.stringify(bin)}, which is not a file`);
    return bin;
}

/** fake-gcs-server over plain HTTP on 127.0.0.1, in-memory backend. */
export async function startFakeGcs(): Promise<Running> {
    const bin = fakeGcsServerBinary();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    let log = "";
    const child = spawn(bin, ["-scheme", "http", "-host", "127.0.0.1", "-port", String(port), "-backend", "memory", "-public-host", `127.0.0.1:${port}`, "-log-level", "warn"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout?.on("data", (d) => { log += d; });
    child.stderr?.on("data", (d) => { log += d; });
    await waitUntil("fake-gcs-server", 20_000, async () => {
        try { return (await fetch(`${base}/storage/v1/b`)).ok; } catch { return false; }
    }, child, () => log);
    return { env: { STORAGE_EMULATOR_HOST: base }, info: { base }, stop: () => stopChild(child) };
}

export const FIXTURE_STARTERS: Record<string, () => Promise<Running>> = {
    "postgres": startPostgres,
    "fake-gcs-server": startFakeGcs,
};
