// Rendered manifests are untyped YAML.
/* eslint-disable @typescript-eslint/no-explicit-any */
// Shared pieces of the real-run tests: the app image (built once per process), the rendered
// Deployment, and HTTP from inside the container's own network namespace.
//
// Networking: the container runs with `--network none` (its own namespace with only
// loopback, which the test created) and every request enters that namespace with
// `nsenter --net`, so the manifest's port is used as is and nothing listens on the host.
import { execFile, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { baseImage, buildApp, defaultExtraCa } from "../../scripts/app-build";
import { docker as runDocker } from "../../image/checks/lib";

export const ROOT = path.resolve(__dirname, "..", "..");
// Build logs only when a build fails.
process.env.APP_BUILD_QUIET ??= "1";

/** The Python the app tests build on: the Debian 3.13 flavour, amd64 (what default CI builds). */
export const APP_PYTHON = { python: "3.13", flavor: "debian" as const, platform: "linux/amd64" };

let basePromise: Promise<{ builderImage: string; runtimeImage: string }> | undefined;
/**
 * Our builder and runtime images. Inside `npm run test:image` they come from the image
 * tests' memoized builtImage() (one build per mocha run); standalone, from image:build.
 */
export function baseImages(): Promise<{ builderImage: string; runtimeImage: string }> {
    basePromise ??= (async () => {
        let build: (variant: "builder" | "runtime") => Promise<string>;
        try {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const { builtImage } = require("../image/images") as { builtImage: (o: object) => Promise<string> };
            build = (variant) => builtImage({ ...APP_PYTHON, variant });
        } catch {
            build = (variant) => baseImage(APP_PYTHON.python, APP_PYTHON.flavor, variant, APP_PYTHON.platform);
        }
        return { builderImage: await build("builder"), runtimeImage: await build("runtime") };
    })();
    return basePromise;
}

let appImagePromise: Promise<string> | undefined;
/**
 * The app image on our real builder/runtime images, built once per process (BuildKit caches
 * across processes). `APP_IMAGE=<ref>` skips the build.
 */
export function appImage(): Promise<string> {
    appImagePromise ??= process.env.APP_IMAGE
        ? Promise.resolve(process.env.APP_IMAGE)
        : baseImages().then((base) => buildApp({ ...APP_PYTHON, ...base, noCache: false, extraCa: defaultExtraCa() }));
    return appImagePromise;
}

let deploymentPromise: Promise<any> | undefined;
/** The Deployment exactly as `npm run render -- --stack dev` writes it. */
export function renderedDeployment(): Promise<any> {
    deploymentPromise ??= (async () => {
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "app-render-"));
        try {
            // Spawned, not imported: render runs the program under its own mocks.
            execFileSync("npm", ["run", "--silent", "render", "--", "--stack", "dev", "--out", out, "--set", "locksDir=test/fixtures/locks"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
            const docs = fs.readdirSync(out).filter((f) => f.endsWith(".yaml")).map((f) => YAML.parse(fs.readFileSync(path.join(out, f), "utf8")));
            const deployments = docs.filter((d) => d.kind === "Deployment");
            if (deployments.length !== 1) throw new Error(`render wrote ${deployments.length} Deployments`);
            return deployments[0];
        } finally {
            fs.rmSync(out, { recursive: true, force: true });
        }
    })();
    return deploymentPromise;
}

/** The image checks' docker runner, reduced to trimmed stdout ("" for an allowed failure). */
export function docker(args: string[], opts: { allowFail?: boolean } = {}): string {
    const r = runDocker(args, { allowFail: opts.allowFail });
    return r.code === 0 ? r.stdout.trim() : "";
}

/** Host PID of the container's init process (Gunicorn's master). */
export function containerPid(id: string): number {
    return Number(docker(["inspect", "-f", "{{.State.Pid}}", id]));
}

/** Children of a process, from /proc (the image has no shell, so no `docker exec ps`). */
export function childPids(pid: number): number[] {
    const out: number[] = [];
    for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
        const children = fs.readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim();
        if (children) out.push(...children.split(/\s+/).map(Number));
    }
    return out.sort((a, b) => a - b);
}

export interface HttpResult { status: number; body: string; seconds: number }

/** GET from inside the container's network namespace (curl run under nsenter). */
export function httpGet(pid: number, port: number, urlPath: string, timeoutSeconds = 5): Promise<HttpResult> {
    return new Promise((resolve) => {
        execFile("nsenter", ["-t", String(pid), "--net", "curl", "-s", "-m", String(timeoutSeconds), "-o", "-", "-w", "\n%{http_code} %{time_total}", `http://127.0.0.1:${port}${urlPath}`],
            { encoding: "utf8" }, (_err, stdout) => {
                const lines = (stdout ?? "").split("\n");
                const [code, secs] = (lines.pop() ?? "0 0").split(" ");
                resolve({ status: Number(code) || 0, body: lines.join("\n"), seconds: Number(secs) || 0 });
            });
    });
}

/** Polls `urlPath` every 20 ms until 200 or the deadline; resolves to the elapsed ms since `since`. */
export async function waitFor200(pid: number, port: number, urlPath: string, since: number, budgetMs: number): Promise<number> {
    while (Date.now() - since < budgetMs) {
        const r = await httpGet(pid, port, urlPath, 1);
        if (r.status === 200) return Date.now() - since;
        await new Promise((res) => setTimeout(res, 20));
    }
    throw new Error(`${urlPath} not 200 within ${budgetMs} ms`);
}

export interface WrkResult { requests: number; rps: number; p99ms: number; errors: number; non2xx: number; raw: string }

/** Parses `wrk --latency` output. */
export function parseWrk(raw: string): WrkResult {
    const num = (re: RegExp) => Number(re.exec(raw)?.[1] ?? NaN);
    const toMs = (v: string, unit: string) => Number(v) * ({ us: 0.001, ms: 1, s: 1000, m: 60000 } as Record<string, number>)[unit];
    const p99 = /99%\s+([0-9.]+)(us|ms|s|m)\b/.exec(raw);
    const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(raw);
    return {
        requests: num(/(\d+) requests in/),
        rps: num(/Requests\/sec:\s+([0-9.]+)/),
        p99ms: p99 ? toMs(p99[1], p99[2]) : NaN,
        errors: sock ? sock.slice(1).map(Number).reduce((a, b) => a + b, 0) : 0,
        non2xx: num(/Non-2xx or 3xx responses: (\d+)/) || 0,
        raw,
    };
}

/** Runs wrk inside the container's network namespace against 127.0.0.1:port. */
export function wrk(pid: number, port: number, o: { seconds: number; connections: number; threads?: number; path?: string }): Promise<WrkResult> {
    return new Promise((resolve, reject) => {
        const p = spawn("nsenter", ["-t", String(pid), "--net", "wrk", `-t${o.threads ?? 2}`, `-c${o.connections}`, `-d${o.seconds}s`, "--timeout", "5s", "--latency", `http://127.0.0.1:${port}${o.path ?? "/"}`]);
        let out = "";
        p.stdout.on("data", (d) => { out += d; });
        p.stderr.on("data", (d) => { out += d; });
        p.on("close", (code) => code === 0 ? resolve(parseWrk(out)) : reject(new Error(`wrk exited ${code}: ${out}`)));
    });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
