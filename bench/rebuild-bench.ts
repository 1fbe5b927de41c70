/**
 * npm run --silent bench:rebuild -- [--flavors upstream,debian] [--platforms linux/amd64,linux/arm64]
 *     [--variants runtime,debug,builder] [--fast] [--port 5002]
 *
 * The rebuild's two costs, one run each on this machine: a full rebuild of the matrix (every
 * image built, checked and published into an empty loopback registry) and the no-op run that
 * follows (the hourly case: locks re-resolved, every buildId found published, nothing built).
 * The Debian archive is frozen for the bench (scripts/debian-mirror.ts), CPython comes from the
 * loopback python.org mirror (python.org is unreachable here). Writes
 * bench/results/rebuild-bench.{json,md}.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { serveDebianMirror } from "../scripts/debian-mirror";
import { LocalRegistry, servedPython } from "../scripts/lib/localRegistry";
import { sharedMirror } from "../scripts/python-mirror";

const ROOT = path.resolve(__dirname, "..");

interface Run { code: number | null; stdout: string; stderr: string; seconds: number }

function run(cmd: string, args: string[]): Promise<Run> {
    const start = Date.now();
    return new Promise((resolve) => {
        const child = spawn(cmd, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => { stdout += d; });
        child.stderr.on("data", (d) => { stderr += d; process.stderr.write(d); });
        child.on("close", (code) => resolve({ code, stdout, stderr, seconds: (Date.now() - start) / 1000 }));
    });
}

/**
 * Where a run's time went, from the rebuild's own progress lines: each candidate's build
 * ("<flavour> <minor> <variant> <arch>: candidate ... (untagged, N s)") and each lock
 * re-resolution ("lock <flavour> <minor> re-resolved ... (N s)").
 */
export function phases(stderr: string): { what: string; seconds: number }[] {
    const out: { what: string; seconds: number }[] = [];
    for (const line of stderr.split("\n")) {
        const build = /^\[rebuild\] (\S+ \S+ \S+ \S+): candidate \S+ \(untagged, ([0-9]+) s\)$/.exec(line);
        if (build) out.push({ what: `build ${build[1]}`, seconds: Number(build[2]) });
        const lock = /^\[rebuild\] lock (\S+ \S+) re-resolved .*\(([0-9]+) s\)$/.exec(line);
        if (lock) out.push({ what: `lock ${lock[1]} re-resolved`, seconds: Number(lock[2]) });
    }
    return out;
}

async function main(): Promise<void> {
    const { values } = parseArgs({ options: {
        flavors: { type: "string", default: "upstream,debian" }, platforms: { type: "string", default: "linux/amd64,linux/arm64" },
        variants: { type: "string", default: "runtime,debug,builder" }, fast: { type: "boolean", default: false }, port: { type: "string", default: "5002" },
    } });
    const loadStart = os.loadavg()[0].toFixed(1);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "rebuild-bench-"));
    const registry = `127.0.0.1:${values.port}`;
    const reg = new LocalRegistry(registry, path.join(work, "registry"));
    await reg.start();
    const debian = await serveDebianMirror(path.join(work, "debian-mirror"), Number(process.env.DEBIAN_MIRROR_PORT ?? 8766));
    const py = await servedPython("3.13");
    const python = await sharedMirror(py.version);
    fs.cpSync(path.join(ROOT, "image", "locks"), path.join(work, "locks"), { recursive: true });
    const args = [
        "run", "--silent", "rebuild:local", "--", "--registry", `${registry}/bench`, "--minors", "3.13", "--flavors", values.flavors!,
        "--platforms", values.platforms!, "--variants", values.variants!, "--locks-dir", path.join(work, "locks"), "--release-dir", path.join(work, "release"),
        "--lease-file", path.join(work, "lease"), "--debian-mirror", `${debian.url}/debian`, "--debian-security-mirror", `${debian.url}/debian-security`,
        "--python-mirror", python.url, "--python-version", py.version, "--python-sha256", py.sha256, ...(values.fast ? ["--fast"] : []),
    ];
    try {
        const full = await run("npm", args);
        const noop = await run("npm", args);
        const last = (s: string) => s.trim().split("\n").pop();
        const result = {
            date: new Date().toISOString().slice(0, 10),
            command: `npm run --silent bench:rebuild -- --flavors ${values.flavors} --platforms ${values.platforms} --variants ${values.variants}${values.fast ? " --fast" : ""}`,
            cpython: py.version,
            options: values.fast ? "--fast (no PGO/LTO)" : "production (amd64 PGO+LTO, arm64 LTO)",
            machine: `${os.cpus().length} cores, 1-minute load average ${loadStart} at the start, ${os.loadavg()[0].toFixed(1)} at the end`,
            full: { seconds: Math.round(full.seconds), exit: full.code, last: last(full.stdout), phases: phases(full.stderr) },
            noop: { seconds: Math.round(noop.seconds), exit: noop.code, last: last(noop.stdout), phases: phases(noop.stderr) },
        };
        fs.mkdirSync(path.join(ROOT, "bench", "results"), { recursive: true });
        fs.writeFileSync(path.join(ROOT, "bench", "results", "rebuild-bench.json"), `${JSON.stringify(result, null, 2)}\n`);
        fs.writeFileSync(path.join(ROOT, "bench", "results", "rebuild-bench.md"), [
            `# Rebuild costs (${result.date}, one run, this machine: ${result.machine})`, "",
            `Matrix: 3.13 (CPython ${py.version}) x ${values.flavors} x ${values.variants} x ${values.platforms}; ${result.options}.`, "",
            "| run | wall time | result |", "| --- | ---: | --- |",
            `| full rebuild (empty registry) | ${result.full.seconds} s | ${result.full.last} (exit ${result.full.exit}) |`,
            `| no-op (nothing changed) | ${result.noop.seconds} s | ${result.noop.last} (exit ${result.noop.exit}) |`, "",
            "Where the time went (the rebuild's progress lines; a variant that reuses the compiled CPython stage builds in seconds):", "",
            "| run | step | seconds |", "| --- | --- | ---: |",
            ...(["full", "noop"] as const).flatMap((k) => result[k].phases.map((p) => `| ${k === "full" ? "full" : "no-op"} | ${p.what} | ${p.seconds} |`)), "",
            `Command: ${result.command}`, "",
        ].join("\n"));
        process.stdout.write(`full ${result.full.seconds} s (${result.full.last}), no-op ${result.noop.seconds} s (${result.noop.last})\n`);
    } finally {
        await reg.stop();
        await debian.close();
        await python.close();
    }
}

if (require.main === module) {
    main().catch((e: Error) => {
        process.stderr.write(`bench:rebuild: ${e.message}\n`);
        process.exit(1);
    });
}
