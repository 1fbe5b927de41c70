/**
 * npm run --silent bench:upstream [-- --rounds 5 --runs 15 --fast]
 *
 * The upstream-CPython images (issue 4) beside Debian's, in one run on one machine:
 *   - compressed (gzip layers as pushed to a loopback registry), zstd -3 and unpacked size and
 *     package count of each runtime (bench/lib/size.ts via image-bench's
 *     measureImagesWithPackages), cold imports of the same module set (its coldImportMs: hardened
 *     container, uid 65532, read-only root), and the Google-equivalent for the ratio;
 *   - a CPU workload (bench/cpu_workload.py: nbody, json, regex, richards-style, strings)
 *     run in-container; the fair pair is upstream 3.13 (PGO+LTO) vs Debian's 3.13, both
 *     3.13.5 here; other upstream minors are reported beside them when their tarball can be
 *     served.
 * Medians of >= 5 alternating rounds. Upstream builds come from the loopback mirror
 * (scripts/python-mirror.ts, Debian's pool), because python.org is unreachable here.
 * `--fast` benchmarks --fast upstream builds (no PGO/LTO): quicker, not the production build.
 * `--image LABEL=REF` (repeatable) adds an already built distroless image as a row;
 * `--interp LABEL=REF` adds a bare interpreter image for the CPU workload only, e.g.
 * `image/cpython/Dockerfile --target cpython-smoke` (same CPython build, on trixie-slim).
 * `--no-build` builds no upstream image (use the rows given).
 * Writes bench/results/upstream-bench.{json,md}; the Markdown goes to stdout too.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { docker, HARDENED } from "../image/checks/lib";
import { parseBuildArgs, runBuild } from "../scripts/image-build";
import { debianMirrorEntries, DEFAULT_MIRROR_ROOT, fillMirror, serveMirror } from "../scripts/python-mirror";
import { coldImportMs, measureImagesWithPackages, type ImageSizes } from "./image-bench";
import { median } from "./lib/stats";

const ROOT = path.resolve(__dirname, "..");
const log = (m: string) => process.stderr.write(`[bench:upstream] ${m}\n`);
const argv = process.argv.slice(2);
const opt = (name: string, def: string) => (argv.indexOf(`--${name}`) >= 0 ? argv[argv.indexOf(`--${name}`) + 1] : def);

/** One in-container run of the CPU workload: its total ms (hardened, no network). */
export function cpuWorkloadMs(ref: string): number {
    const r = docker(["run", "--rm", ...HARDENED, "-v", `${path.join(ROOT, "bench")}:/bench:ro`, "--entrypoint", "python3", ref, "/bench/cpu_workload.py"]);
    return Number(JSON.parse(r.stdout.trim()).total);
}

interface Row { label: string; ref: string; sizes?: ImageSizes; importMs: number[]; cpuMs: number[]; cpuOnly?: boolean }

async function main(): Promise<void> {
    const rounds = Number(opt("rounds", "5"));
    const runs = Number(opt("runs", "15"));
    const fast = argv.includes("--fast");
    if (!(rounds >= 5)) throw new Error("--rounds must be >= 5 (medians of at least 5 alternating runs)");

    const entries = await debianMirrorEntries();
    const present = await fillMirror(DEFAULT_MIRROR_ROOT, entries, log);
    // Same fixed port as test/image/upstream.test.ts: the mirror URL is a build arg, so the
    // tests' --fast builds are reused from BuildKit's cache.
    const mirror = await serveMirror(DEFAULT_MIRROR_ROOT, Number(process.env.PYTHON_MIRROR_PORT ?? 8765));
    const rows: Row[] = [];
    try {
        log("building Debian's 3.13 runtime");
        rows.push({ label: "debian 3.13", ref: await runBuild(parseBuildArgs(["--python", "3.13", "--flavor", "debian"])), importMs: [], cpuMs: [] });
        const given = argv.flatMap((a, i) => (a === "--image" || a === "--interp" ? [[a, argv[i + 1]]] : []));
        for (const [kind, g] of given) {
            rows.push({ label: g.split("=")[0], ref: g.split("=").slice(1).join("="), importMs: [], cpuMs: [], cpuOnly: kind === "--interp" });
        }
        for (const e of entries.filter((x) => present.includes(x.version) && !argv.includes("--no-build"))) {
            const minor = e.version.split(".").slice(0, 2).join(".");
            log(`building upstream ${e.version} (${fast ? "--fast" : "PGO+LTO"})`);
            const ref = await runBuild(parseBuildArgs(["--python", minor, "--flavor", "upstream", ...(fast ? ["--fast"] : []),
                "--python-mirror", mirror.url, "--python-version", e.version, "--python-sha256", e.sha256]));
            rows.push({ label: `upstream ${e.version}${fast ? " (fast)" : ""}`, ref, importMs: [], cpuMs: [] });
        }
        const google = path.join(ROOT, "bench/results/google-equivalent-debian-3.13.lock.json");
        if (fs.existsSync(google)) {
            rows.push({ label: "google-equivalent 3.13", importMs: [], cpuMs: [], ref: await runBuild(parseBuildArgs(["--python", "3.13", "--flavor", "debian",
                "--lock", google, "--name", "python-google-equivalent", "--build-arg", "TRIM=0", "--build-arg", "COMPILE_BYTECODE=0"])) });
        } else log(`no ${path.relative(ROOT, google)} (written by npm run bench): Google-equivalent row skipped`);
    } finally {
        await mirror.close();
    }
    const sized = rows.filter((r) => !r.cpuOnly);
    (await measureImagesWithPackages(sized.map((r) => r.ref))).forEach((s, i) => { sized[i].sizes = s; });
    for (let i = 0; i < rounds; i++) {
        // Alternate the order every round so drift (other load, thermal) hits both sides alike.
        const order = i % 2 ? [...rows].reverse() : rows;
        for (const r of order) {
            if (!r.cpuOnly) r.importMs.push(coldImportMs(r.ref, runs));
            if (!r.label.startsWith("google")) r.cpuMs.push(cpuWorkloadMs(r.ref));
        }
        log(`round ${i + 1}/${rounds} done`);
    }
    const debian = rows[0];
    const google = rows.find((r) => r.label.startsWith("google"));
    const result = rows.map((r) => ({
        label: r.label, ref: r.ref, ...r.sizes,
        compressedMB: r.sizes ? +(r.sizes.compressedBytes / 1e6).toFixed(1) : null,
        zstdMB: r.sizes ? +(r.sizes.zstdBytes / 1e6).toFixed(1) : null,
        coldImportMs: r.importMs.length ? +median(r.importMs).toFixed(1) : null,
        coldImportVsGoogle: google && r.importMs.length ? +(median(r.importMs) / median(google.importMs)).toFixed(2) : null,
        cpuWorkloadMs: r.cpuMs.length ? +median(r.cpuMs).toFixed(1) : null,
        // > 1: faster than Debian's 3.13 (speed = Debian time / this time).
        cpuSpeedVsDebian313: r.cpuMs.length ? +(median(debian.cpuMs) / median(r.cpuMs)).toFixed(3) : null,
        samples: { importMs: r.importMs, cpuMs: r.cpuMs },
    }));
    const md = [
        `# Upstream CPython images (${new Date().toISOString().slice(0, 10)}, ${rounds} alternating rounds, medians)`,
        "",
        "| image | compressed MB (gzip layers as pushed) | zstd -3 MB | packages | cold imports ms | vs Google-eq | CPU workload ms | speed vs Debian 3.13 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ...result.map((r) => `| ${r.label} | ${r.compressedMB ?? "-"} | ${r.zstdMB ?? "-"} | ${r.packages ?? "-"} | ${r.coldImportMs ?? "-"} | ${r.coldImportVsGoogle ?? "-"} | ${r.cpuWorkloadMs ?? "-"} | ${r.cpuSpeedVsDebian313 ?? "-"} |`),
        "",
        `Command: npm run --silent bench:upstream -- --rounds ${rounds} --runs ${runs}${fast ? " --fast" : ""}`,
        "",
    ].join("\n");
    const outDir = path.join(ROOT, "bench/results");
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(path.join(outDir, "upstream-bench.json"), JSON.stringify({ rounds, runs, fast, results: result }, null, 2) + "\n");
    fs.writeFileSync(path.join(outDir, "upstream-bench.md"), md);
    process.stdout.write(md);
}

if (require.main === module) {
    main().catch((e: Error) => {
        process.stderr.write(`bench:upstream: ${e.message}\n`);
        process.exit(1);
    });
}
