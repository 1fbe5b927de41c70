/**
 * npm run bench [-- --rounds 5 --runs 15 --python 3.13]
 *
 * Our distroless image vs a Google-equivalent (gcr.io/distroless/python3-debian13's exact 38
 * packages, assembled by the same Dockerfile with TRIM=0 and no bytecode, like Google's), plus
 * that Google-equivalent with bytecode, in one run on one machine:
 *   - sizes (bench/lib/size.ts, the one sizing method of every bench): compressed = the sum of
 *     the gzip layer blobs as pushed to a private loopback registry (what a pull downloads);
 *     zstd = the same layers recompressed with zstd -3; unpacked = the layers' regular files
 *   - package count: /var/lib/dpkg/status.d entries
 *   - cold imports of a fixed module set (reference: ../shared/reference/...): one container per
 *     sample, uid 65532, read-only root, no capabilities, no network; inside it one Python
 *     spawns N fresh interpreters that each import the set; a sample is their mean. Median of
 *     >= 5 alternating rounds.
 *   - cold build: `image:build --no-cache` wall time of our runtime.
 * Writes bench/results/image-bench.{json,md}; progress on stderr.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { docker, HARDENED } from "../image/checks/lib";
import { parseBuildArgs, runBuild } from "../scripts/image-build";
import { measureImages } from "./lib/size";
import { median } from "./lib/stats";

const ROOT = path.resolve(__dirname, "..");
export const MODULES = ["json", "ssl", "sqlite3", "decimal", "asyncio", "email.message", "http.client", "logging", "urllib.request", "uuid", "zlib", "lzma", "bz2", "ctypes"];

function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}

export interface ImageSizes {
  /** Sum of the gzip layer blobs as pushed to a registry. */
  compressedBytes: number;
  /** Sum of the same layers recompressed with zstd -3. */
  zstdBytes: number;
  unpackedBytes: number;
  layers: number;
  packages: number;
}

/** Debian packages an image declares: its /var/lib/dpkg/status.d entries (distroless layout). */
export function dpkgPackages(paths: string[]): number {
  const names = new Set<string>();
  for (const p of paths) {
    const m = /^var\/lib\/dpkg\/status\.d\/([^/]+)$/.exec(p);
    if (m && !m[1].endsWith(".md5sums")) names.add(m[1]);
  }
  return names.size;
}

/** Sizes (bench/lib/size.ts) and package count of each image, in the order given. */
export async function measureImagesWithPackages(refs: string[]): Promise<ImageSizes[]> {
  return (await measureImages(refs)).map((s) => ({
    compressedBytes: s.gzipBytes, zstdBytes: s.zstdBytes, unpackedBytes: s.unpackedBytes, layers: s.layers, packages: dpkgPackages(s.paths),
  }));
}

/** Mean ms of `runs` fresh interpreters importing MODULES, inside one hardened container. */
export function coldImportMs(ref: string, runs: number): number {
  const code = `
import subprocess, sys, time
code = "import ${MODULES.join(", ")}"
samples = []
for _ in range(${runs}):
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    samples.append(time.perf_counter() - t)
print(sum(samples) / len(samples) * 1000)`;
  const r = docker(["run", "--rm", ...HARDENED, "--entrypoint", "/usr/bin/python3", ref, "-c", code]);
  return Number(r.stdout.trim());
}

function resolveGoogleLock(python: string): string {
  const out = path.join(ROOT, "bench/results", `google-equivalent-debian-${python}.lock.json`);
  const r = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin"), "--transpile-only", path.join(ROOT, "scripts/image-resolve.ts"),
    "--python", python, "--flavor", "debian", "--packages", path.join(ROOT, "bench/google-python3-debian13.packages.json"), "--output", out, "--arch", "amd64"],
  { stdio: ["ignore", 2, 2] });
  if (r.status !== 0) throw new Error("resolving the Google-equivalent lock failed");
  return out;
}

async function build(argv: string[]): Promise<string> {
  return runBuild(parseBuildArgs(argv));
}

async function main(): Promise<void> {
  const python = arg("python", "3.13");
  const rounds = Number(arg("rounds", "5"));
  const runs = Number(arg("runs", "15"));
  if (!(rounds >= 5)) throw new Error("--rounds must be >= 5 (median of at least 5 alternating rounds)");

  log("cold build of our runtime (--no-cache)");
  const t0 = Date.now();
  const ours = await build(["--python", python, "--flavor", "debian", "--no-cache"]);
  const coldBuildSeconds = (Date.now() - t0) / 1000;

  const googleLock = resolveGoogleLock(python);
  const base = ["--python", python, "--flavor", "debian", "--lock", googleLock, "--build-arg", "TRIM=0"];
  log("Google-equivalent, without and with bytecode");
  const google = await build([...base, "--name", "python-google-equivalent", "--build-arg", "COMPILE_BYTECODE=0"]);
  const googlePyc = await build([...base, "--name", "python-google-equivalent-pyc", "--build-arg", "COMPILE_BYTECODE=1"]);

  const images = { ours, google, googlePyc } as const;
  const measured = await measureImagesWithPackages(Object.values(images));
  const sizes = Object.fromEntries(Object.keys(images).map((k, i) => [k, measured[i]])) as Record<keyof typeof images, ImageSizes>;

  const samples: Record<keyof typeof images, number[]> = { ours: [], google: [], googlePyc: [] };
  for (const ref of Object.values(images)) coldImportMs(ref, 2); // warm the page cache
  for (let i = 0; i < rounds; i++) {
    // Alternate the order every round so drift (other load, thermal) hits all images alike.
    const order = (i % 2 ? ["googlePyc", "google", "ours"] : ["ours", "google", "googlePyc"]) as (keyof typeof images)[];
    for (const k of order) samples[k].push(coldImportMs(images[k], runs));
    log(`round ${i + 1}/${rounds}: ${order.map((k) => `${k} ${samples[k][i].toFixed(0)} ms`).join(", ")}`);
  }
  const importMs = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])) as Record<keyof typeof images, number>;

  const result = {
    python,
    modules: MODULES,
    method: `median of ${rounds} alternating rounds; each round: one container per image (${HARDENED.join(" ")}), ${runs} fresh interpreters spawned by one Python, mean`,
    images: Object.fromEntries(Object.entries(images).map(([k, ref]) => [k, { ref, ...sizes[k as keyof typeof images], coldImportMs: Number(importMs[k as keyof typeof images].toFixed(1)), samplesMs: samples[k as keyof typeof images].map((x) => Number(x.toFixed(1))) }])),
    ratios: {
      compressedVsGoogle: Number((sizes.ours.compressedBytes / sizes.google.compressedBytes).toFixed(3)),
      coldImportVsGoogle: Number((importMs.ours / importMs.google).toFixed(3)),
      coldImportVsGooglePyc: Number((importMs.ours / importMs.googlePyc).toFixed(3)),
    },
    coldBuildSeconds: Number(coldBuildSeconds.toFixed(1)),
    targets: {
      compressedAtMost20MB: sizes.ours.compressedBytes <= 20_000_000,
      coldImportAtMost030xGoogle: importMs.ours / importMs.google <= 0.3,
      fewerThan38Packages: sizes.ours.packages < 38,
      coldBuildAtMost120s: coldBuildSeconds <= 120,
    },
    machine: { cpus: os.cpus().length, kernel: os.release() },
  };
  const outDir = path.join(ROOT, "bench/results");
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, "image-bench.json"), JSON.stringify(result, null, 2) + "\n");
  const mb = (b: number) => (b / 1e6).toFixed(1);
  const row = (label: string, k: keyof typeof images) =>
    `| ${label} | ${mb(sizes[k].compressedBytes)} MB | ${mb(sizes[k].zstdBytes)} MB | ${mb(sizes[k].unpackedBytes)} MB | ${sizes[k].packages} | ${importMs[k].toFixed(0)} ms |`;
  const md = [
    `# Image benchmark: python-debian ${python} vs Google-equivalent`,
    "",
    `Same machine, same run (${os.cpus().length} CPUs). Cold imports of \`${MODULES.join(", ")}\`: ${result.method}.`,
    "",
    "| image | compressed (gzip layers as pushed) | zstd -3 layers | unpacked | packages | cold imports |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
    row("ours (runtime)", "ours"),
    row("Google-equivalent (38 packages, no .pyc)", "google"),
    row("Google-equivalent + .pyc", "googlePyc"),
    "",
    `- compressed size vs Google-equivalent: ${result.ratios.compressedVsGoogle}x; cold imports: ${result.ratios.coldImportVsGoogle}x (vs with .pyc: ${result.ratios.coldImportVsGooglePyc}x)`,
    `- cold build of our runtime (\`image:build --no-cache\`): ${result.coldBuildSeconds} s`,
    `- targets: ${Object.entries(result.targets).map(([k, v]) => `${k} ${v ? "met" : "NOT met"}`).join(", ")}`,
    "",
    "Reproduce: `npm run bench` (writes bench/results/image-bench.json and this file).",
    "",
  ].join("\n");
  fs.writeFileSync(path.join(outDir, "image-bench.md"), md);
  process.stdout.write(md);
}

if (require.main === module) {
  main().catch((e: Error) => {
    process.stderr.write(`bench: ${e.message}\n`);
    process.exit(1);
  });
}
