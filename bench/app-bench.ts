/**
 * npm run --silent bench:app [-- --rounds 5 --seconds 10 --connections 32 --workers 2 --out bench]
 *
 * The sample app on our distroless runtime vs the same app and venv on a conventional image
 * (bench/app-conventional.Dockerfile: Docker Hub-style trixie-slim + Debian's python3.13,
 * shell, root), in one run: both images built (or reused from the BuildKit cache), then
 * `rounds` alternating rounds; each round starts a fresh container per side (start to ready),
 * warms up, and runs wrk at fixed concurrency inside the container's own network namespace.
 * Medians per side. Sizes: sum of the gzip -6 compressed layers, and unpacked.
 * Writes bench/app-results.json and bench/app-results.md; the Markdown goes to stdout too.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { appImage, containerPid, docker, httpGet, sleep, wrk, WrkResult } from "../test/app/harness";
import { isTar, maybeGunzip, readTar } from "../test/app/tar";
import { median } from "./image-bench";

const ROOT = path.resolve(__dirname, "..");

interface Options { rounds: number; seconds: number; connections: number; workers: number; out: string }

function parseOptions(argv: string[]): Options {
    const o: Options = { rounds: 5, seconds: 10, connections: 32, workers: 2, out: path.join(ROOT, "bench") };
    for (let i = 0; i < argv.length; i += 2) {
        const [k, v] = [argv[i], argv[i + 1]];
        if (v === undefined) throw new Error(`option ${k} needs a value`);
        if (k === "--out") o.out = path.resolve(v);
        else if (["--rounds", "--seconds", "--connections", "--workers"].includes(k)) {
            const n = Number(v);
            if (!Number.isInteger(n) || n < 1) throw new Error(`option ${k}: ${JSON.stringify(v)} is not a positive integer`);
            (o as unknown as Record<string, number>)[k.slice(2)] = n;
        } else throw new Error(`unknown option ${k}; accepted: --rounds, --seconds, --connections, --workers, --out`);
    }
    if (o.rounds < 5) throw new Error(`option --rounds: ${o.rounds} is below 5; the bench reports medians of at least 5 runs`);
    return o;
}

function buildConventional(appRef: string): Promise<string> {
    const tag = `sample-app-conventional:${appRef.split(":").pop()}`;
    return new Promise((resolve, reject) => {
        const p = spawn("docker", ["buildx", "build", "--network", "host", "--pull=false", "--provenance=false", "--sbom=false", "--progress", "quiet",
            "-f", path.join(ROOT, "bench", "app-conventional.Dockerfile"), "--build-arg", `APP_IMAGE=${appRef}`, "-t", tag, "--load", path.join(ROOT, "bench")],
            { stdio: ["ignore", "ignore", "pipe"] });
        let err = "";
        p.stderr.on("data", (d) => { err += d; });
        p.on("close", (code) => code === 0 ? resolve(tag) : reject(new Error(`conventional build failed: ${err.slice(-3000)}`)));
    });
}

/** Compressed (sum of gzip -6 layers) and unpacked (sum of regular files) size in bytes. */
function sizes(ref: string): { compressed: number; unpacked: number; layers: number } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "app-bench-"));
    try {
        const file = path.join(dir, "image.tar");
        docker(["save", "-o", file, ref]);
        let compressed = 0;
        let unpacked = 0;
        let layers = 0;
        for (const e of readTar(fs.readFileSync(file))) {
            if (!e.name.startsWith("blobs/sha256/") || e.type !== "0") continue;
            const raw = maybeGunzip(Buffer.from(e.data));
            if (!isTar(raw)) continue;
            layers++;
            compressed += zlib.gzipSync(raw, { level: 6 }).length;
            for (const f of readTar(raw)) if (f.type === "0") unpacked += f.data.length;
        }
        return { compressed, unpacked, layers };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

interface Round { readyFromRunMs: number; readyFromStartMs: number; rps: number; p99ms: number; requests: number; errors: number }

/** One fresh container: start to ready, warm-up, then the measured wrk run. */
async function round(image: string, o: Options, extra: string[]): Promise<Round> {
    const t0 = Date.now();
    const id = docker(["run", "--detach", "--network", "none", "--tmpfs", "/tmp:rw,nosuid,nodev,size=67108864", "--env", `GUNICORN_WORKERS=${o.workers}`, ...extra, image]);
    try {
        const pid = containerPid(id);
        let readyAt = 0;
        while (Date.now() - t0 < 30000) {
            if ((await httpGet(pid, 8080, "/readyz", 1)).status === 200) { readyAt = Date.now(); break; }
            await sleep(10);
        }
        if (!readyAt) throw new Error(`${image} not ready within 30 s`);
        const startedAt = Date.parse(JSON.parse(docker(["inspect", id]))[0].State.StartedAt);
        await wrk(pid, 8080, { seconds: 2, connections: o.connections });
        const r: WrkResult = await wrk(pid, 8080, { seconds: o.seconds, connections: o.connections });
        return { readyFromRunMs: readyAt - t0, readyFromStartMs: readyAt - startedAt, rps: r.rps, p99ms: r.p99ms, requests: r.requests, errors: r.errors + r.non2xx };
    } finally {
        docker(["rm", "-f", id], { allowFail: true });
    }
}

const mb = (b: number) => (b / 1e6).toFixed(1);

async function main(): Promise<void> {
    const o = parseOptions(process.argv.slice(2));
    process.env.APP_BUILD_QUIET ??= "1";
    const ours = await appImage();
    const conventional = await buildConventional(ours);
    // Ours runs as the manifest does (read-only, uid 65532, no capabilities); the
    // conventional image as such images usually run: root, writable root filesystem.
    const sides = {
        ours: { image: ours, extra: ["--read-only", "--user", "65532:65532", "--cap-drop", "ALL", "--security-opt", "no-new-privileges"] },
        conventional: { image: conventional, extra: [] as string[] },
    };
    const runs: Record<keyof typeof sides, Round[]> = { ours: [], conventional: [] };
    for (let i = 0; i < o.rounds; i++) {
        const order = (i % 2 === 0 ? ["ours", "conventional"] : ["conventional", "ours"]) as (keyof typeof sides)[];
        for (const side of order) {
            const r = await round(sides[side].image, o, sides[side].extra);
            runs[side].push(r);
            process.stderr.write(`[bench:app] round ${i + 1} ${side}: ${r.rps} req/s, p99 ${r.p99ms} ms, ready ${r.readyFromStartMs} ms after start (${r.readyFromRunMs} ms after docker run), errors ${r.errors}\n`);
        }
    }
    const summary = (side: keyof typeof sides) => ({
        image: sides[side].image,
        rps: median(runs[side].map((r) => r.rps)),
        p99ms: median(runs[side].map((r) => r.p99ms)),
        readyFromStartMs: median(runs[side].map((r) => r.readyFromStartMs)),
        readyFromRunMs: median(runs[side].map((r) => r.readyFromRunMs)),
        errors: runs[side].reduce((a, r) => a + r.errors, 0),
        ...sizes(sides[side].image),
        runs: runs[side],
    });
    const a = summary("ours");
    const b = summary("conventional");
    const ratios = { rps: a.rps / b.rps, p99: a.p99ms / b.p99ms, compressed: a.compressed / b.compressed };
    const targets = {
        "rps >= 1.0x conventional": ratios.rps >= 1.0,
        "p99 <= conventional": a.p99ms <= b.p99ms,
        "compressed size <= 0.6x conventional": ratios.compressed <= 0.6,
        "start to ready <= 1 s": a.readyFromStartMs <= 1000,
        "zero errors": a.errors === 0 && b.errors === 0,
    };
    const result = {
        date: new Date().toISOString(),
        machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model },
        method: { rounds: o.rounds, seconds: o.seconds, warmupSeconds: 2, connections: o.connections, wrkThreads: 2, gunicornWorkers: o.workers, statistic: "median of alternating rounds, fresh container per round" },
        ours: a, conventional: b, ratios, targets,
    };
    const md = [
        `## Sample app: our distroless runtime vs a conventional image`,
        ``,
        `${o.rounds} alternating rounds, a fresh container per round, \`wrk -t2 -c${o.connections} -d${o.seconds}s\` after a 2 s warm-up, ${o.workers} sync Gunicorn workers, same app and venv; medians. ${result.machine.cpus} CPUs, ${result.date.slice(0, 10)}.`,
        ``,
        `| | ours (distroless runtime, uid 65532, read-only) | conventional (trixie-slim + python3.13, root) | ratio |`,
        `| --- | --- | --- | --- |`,
        `| requests/s | ${a.rps.toFixed(0)} | ${b.rps.toFixed(0)} | ${ratios.rps.toFixed(2)}x |`,
        `| p99 latency | ${a.p99ms.toFixed(2)} ms | ${b.p99ms.toFixed(2)} ms | ${ratios.p99.toFixed(2)}x |`,
        `| compressed size (gzip -6 layers) | ${mb(a.compressed)} MB | ${mb(b.compressed)} MB | ${ratios.compressed.toFixed(2)}x |`,
        `| unpacked size | ${mb(a.unpacked)} MB | ${mb(b.unpacked)} MB | ${(a.unpacked / b.unpacked).toFixed(2)}x |`,
        `| container start to ready | ${a.readyFromStartMs} ms | ${b.readyFromStartMs} ms | |`,
        `| \`docker run\` to ready | ${a.readyFromRunMs} ms | ${b.readyFromRunMs} ms | |`,
        `| errors (all rounds) | ${a.errors} | ${b.errors} | |`,
        ``,
        `Targets: ${Object.entries(targets).map(([k, v]) => `${k}: ${v ? "met" : "NOT met"}`).join("; ")}.`,
        ``,
    ].join("\n");
    fs.mkdirSync(o.out, { recursive: true });
    fs.writeFileSync(path.join(o.out, "app-results.json"), `${JSON.stringify(result, null, 2)}\n`);
    fs.writeFileSync(path.join(o.out, "app-results.md"), md);
    process.stdout.write(md);
    if (!Object.values(targets).every(Boolean)) process.exitCode = 1;
}

if (require.main === module) {
    main().catch((e: Error) => {
        process.stderr.write(`bench:app: ${e.message}\n`);
        process.exit(1);
    });
}

