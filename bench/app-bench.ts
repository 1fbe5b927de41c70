/**
 * npm run --silent bench:app [-- --rounds 15 --seconds 5 --warmup 1 --connections 16 --workers 2
 *     --server-cpu 0 --client-cpu 1 --upstream-image RUNTIME_REF --upstream-builder BUILDER_REF --out bench]
 *
 * The sample app on our distroless runtime, both flavours (upstream, the product's default, and
 * Debian), vs the same app and venv on a conventional image (bench/app-conventional.Dockerfile:
 * Docker Hub-style trixie-slim + Debian's python3.13, shell, root: what python:3.13-slim users
 * run). Built in one run (or reused from the BuildKit cache); --upstream-image/--upstream-builder
 * take an already built upstream runtime and builder (the production PGO+LTO build takes ~40 min);
 * without them the upstream images are built with --fast and the row says "(fast)".
 *
 * Made to hold on a shared 2-core machine:
 *   - the server container is pinned to one CPU (`docker run --cpuset-cpus`), wrk (one thread)
 *     to the other (`taskset`), and so are this process and its curl/docker children;
 *   - CPU time per request: the container's cgroup CPU counter (every process in it), read
 *     just before and just after the measured wrk run, divided by the requests wrk completed.
 *     The counter is located from /proc/<pid>/cgroup and /proc/self/mountinfo
 *     (bench/lib/cgroupCpu.ts): cgroup v1 `cpuacct.usage` (ns) with either cgroup driver, or
 *     cgroup v2 `cpu.stat` `usage_usec`. Another job on the server's CPU delays the server but
 *     does not add to its CPU time, so this figure holds where requests/s does not;
 *   - many short rounds (default 15 x 5 s after a 1 s warm-up), the row order rotated every
 *     round, a fresh container per row and round; every figure is min / median / max over the
 *     rounds, and each ratio to the conventional image is taken per round (back-to-back runs).
 * Figures per row: CPU ms/request, requests/s, p99 latency, server CPU busy (CPU s per wall s:
 * ~1.0 when the server was saturated and had its CPU to itself), container start to /readyz 200
 * and `docker run` to ready, errors, and sizes (bench/lib/size.ts, the one sizing method of
 * every bench: the gzip layer blobs as pushed to a loopback registry, the same layers with
 * zstd -3, unpacked). Containers use --network none (loopback only); wrk enters the namespace.
 * Writes <out>/app-results.{json,md}; the Markdown goes to stdout too; exit 1 when a target is
 * not met.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildApp, defaultExtraCa } from "../scripts/app-build";
import { parseBuildArgs, runBuild } from "../scripts/image-build";
import { servedPython } from "../scripts/lib/localRegistry";
import { sharedMirror } from "../scripts/python-mirror";
import { appImage, baseImages } from "../test/app/harness";
import { type AppBenchOptions, parseAppBenchOptions } from "./lib/appOptions";
import { markdown, resultsDoc, type RowInput, type RowKey } from "./lib/appReport";
import { runRound } from "./lib/appRound";
import { measureImages } from "./lib/size";
import { roundOrder } from "./lib/stats";

const ROOT = path.resolve(__dirname, "..");
const log = (m: string) => process.stderr.write(`[bench:app] ${m}\n`);

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

/** The app on the upstream flavour: on the given runtime/builder, or on --fast ones built here. */
async function upstreamApp(o: AppBenchOptions): Promise<{ image: string; runtime: string; fast: boolean }> {
    let builderImage = o.upstreamBuilder;
    let runtimeImage = o.upstreamRuntime;
    const fast = runtimeImage === undefined;
    if (fast) {
        const py = await servedPython("3.13");
        // The port the upstream tests share: the mirror URL is a build arg, so their --fast builds are cache hits.
        const mirror = await sharedMirror(py.version);
        try {
            const build = (variant: string) => runBuild(parseBuildArgs(["--python", "3.13", "--flavor", "upstream", "--fast", "--variant", variant,
                "--python-mirror", mirror.url, "--python-version", py.version, "--python-sha256", py.sha256]));
            log(`building the upstream ${py.version} --fast runtime and builder`);
            runtimeImage = await build("runtime");
            builderImage = await build("builder");
        } finally {
            await mirror.close();
        }
    }
    const image = await buildApp({ python: "3.13", flavor: "upstream", builderImage, runtimeImage, platform: "linux/amd64", noCache: false, extraCa: defaultExtraCa() });
    return { image, runtime: runtimeImage!, fast };
}

/** Pins this process (all its threads) to `cpu`: its curl and docker children inherit it. */
function pinSelf(cpu: number): void {
    const r = spawnSync("taskset", ["-a", "-c", "-p", String(cpu), String(process.pid)], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`taskset -a -c -p ${cpu} ${process.pid}: ${r.stderr}`);
}

async function main(): Promise<void> {
    const argv = process.argv.slice(2);
    const o = parseAppBenchOptions(argv, os.cpus().length, ROOT);
    process.env.APP_BUILD_QUIET ??= "1";
    log("building the app on our Debian-flavour runtime and on the conventional image");
    const debian = await appImage();
    const conventional = await buildConventional(debian);
    const upstream = await upstreamApp(o);
    // Ours runs as the manifest does (read-only, uid 65532, no capabilities); the
    // conventional image as such images usually run: root, writable root filesystem.
    const hardened = ["--read-only", "--user", "65532:65532", "--cap-drop", "ALL", "--security-opt", "no-new-privileges"];
    const specs: { key: RowKey; label: string; image: string; base: string; extra: string[] }[] = [
        { key: "conventional", label: "conventional (trixie-slim + Debian's python3.13, root)", image: conventional, base: "bench/app-conventional.Dockerfile", extra: [] },
        { key: "debian", label: "ours, Debian flavour (uid 65532, read-only)", image: debian, base: (await baseImages()).runtimeImage, extra: hardened },
        { key: "upstream", label: `ours, upstream flavour${upstream.fast ? " (fast)" : ""} (uid 65532, read-only)`, image: upstream.image, base: upstream.runtime, extra: hardened },
    ];
    log("sizes (pushed to a private loopback registry)");
    const sizes = await measureImages(specs.map((s) => s.image));
    const rows: RowInput[] = specs.map((s, i) => ({ key: s.key, label: s.label, image: s.image, base: s.base, runs: [],
        size: { layers: sizes[i].layers, gzipBytes: sizes[i].gzipBytes, zstdBytes: sizes[i].zstdBytes, unpackedBytes: sizes[i].unpackedBytes } }));
    pinSelf(o.clientCpu);
    const loadBefore = os.loadavg()[0];
    let cpuCounter = "";
    for (let i = 0; i < o.rounds; i++) {
        for (const k of roundOrder(i, specs.length)) {
            const { cpuFile, ...r } = await runRound(specs[k].image, o, specs[k].extra);
            cpuCounter ||= cpuFile.format === "v1-cpuacct-usage" ? "cgroup v1 cpuacct.usage" : "cgroup v2 cpu.stat usage_usec";
            rows[k].runs.push(r);
            log(`round ${i + 1}/${o.rounds} ${specs[k].key}: ${r.cpuMsPerRequest.toFixed(3)} CPU ms/request, ${r.rps} req/s, p99 ${r.p99ms} ms, ` +
                `server CPU busy ${r.serverCpuBusy.toFixed(2)}, ready ${r.readyFromStartMs} ms after start, errors ${r.errors}`);
        }
    }
    const doc = resultsDoc(rows, o, {
        date: new Date().toISOString(), command: `npm run --silent bench:app${argv.length ? ` -- ${argv.join(" ")}` : ""}`,
        cpus: os.cpus().length, model: os.cpus()[0]?.model, loadavg: [loadBefore, os.loadavg()[0]], cpuCounter,
    });
    const md = markdown(doc);
    fs.mkdirSync(o.out, { recursive: true });
    fs.writeFileSync(path.join(o.out, "app-results.json"), `${JSON.stringify(doc, null, 2)}\n`);
    fs.writeFileSync(path.join(o.out, "app-results.md"), md);
    process.stdout.write(md);
    if (!Object.values(doc.targets).every(Boolean)) process.exitCode = 1;
}

if (require.main === module) {
    main().catch((e: Error) => {
        process.stderr.write(`bench:app: ${e.message}\n`);
        process.exit(1);
    });
}
