/**
 * npm run --silent bench:arm64 [-- --runs cross-fast,amd64-fast,emulated-fast,cross-prod,amd64-prod]
 *     [--timeout-min 30] [--emulated-commit SHA] [--python-version 3.13.5] [--merge]
 *
 * Wall time of the upstream-flavour runtime build (issue 8, item 5), one run each, on this
 * machine, every build `--no-cache` through `image:build`:
 *   cross-fast     linux/arm64 --fast, cross-compiled on the amd64 build platform (this tree)
 *   pair-fast      the two-platform --fast build as every path runs it (amd64, then arm64, one
 *                  build cache), from an EMPTY cache (`docker buildx prune --all` first: the
 *                  builder's whole cache goes): arm64's own time beside amd64's, and whether
 *                  the arm64 build reused the amd64 interpreter as its build Python
 *   amd64-fast     linux/amd64 --fast, native (this tree)
 *   emulated-fast  linux/arm64 --fast, the old build that compiled under qemu (image/ and the
 *                  scripts of --emulated-commit, default the last commit before cross-compiling)
 *   cross-prod     linux/arm64 production options (LTO; PGO cannot run cross)
 *   amd64-prod     linux/amd64 production options (PGO+LTO)
 *   emulated-prod  linux/arm64 production options under qemu (old build; hours)
 * A run still going after --timeout-min is stopped and reported as "> N s (stopped)": a
 * measured lower bound, never an estimate. CPython comes from the loopback python.org mirror
 * (scripts/python-mirror.ts, Debian's pool). Writes bench/results/arm64-bench.{json,md}
 * (the Markdown to stdout too) with the machine's load average before and after each run and
 * when it started. `--merge` keeps the runs of the existing results file that this invocation
 * does not repeat (one table from runs measured one after another).
 */
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_BUILDER } from "../components/constants";
import { LOCAL_REGISTRY } from "../scripts/local/publish";
import { debianMirrorEntries, DEFAULT_MIRROR_ROOT, fillMirror, serveMirror } from "../scripts/python-mirror";

const ROOT = path.resolve(__dirname, "..");
const log = (m: string) => process.stderr.write(`[bench:arm64] ${m}\n`);
/** The last commit whose arm64 upstream build compiled CPython under qemu. */
export const EMULATED_BASELINE = "0a0eb849ddec6981344238e91fcb2f8afb343635";
/**
 * The old tree compiles in `FROM ${BASE_IMAGE} AS cpython-upstream`, a stage of the target
 * platform: it needs a base image that has an arm64 manifest. The engine's local
 * debian:trixie-slim is amd64 only (.ci/base-images.sh), so given that, the "emulated" build
 * compiled an x86-64 interpreter natively and measured nothing about emulation. The
 * multi-platform index .ci/base-images.sh publishes has both.
 */
export const MULTI_PLATFORM_BASE = `${process.env.REGISTRY_ADDR ?? LOCAL_REGISTRY}/debian:trixie-slim`;

export const RUNS = {
  "cross-fast": { platform: "linux/arm64", fast: true, tree: "this", what: "arm64 --fast, cross-compiled" },
  "pair-fast": { platform: "linux/arm64", fast: true, tree: "this", what: "arm64 --fast right after amd64 --fast, one build cache, emptied first" },
  "amd64-fast": { platform: "linux/amd64", fast: true, tree: "this", what: "amd64 --fast, native" },
  "emulated-fast": { platform: "linux/arm64", fast: true, tree: "emulated", what: "arm64 --fast, compiled under qemu (old build)" },
  "cross-prod": { platform: "linux/arm64", fast: false, tree: "this", what: "arm64 production (LTO), cross-compiled" },
  "amd64-prod": { platform: "linux/amd64", fast: false, tree: "this", what: "amd64 production (PGO+LTO), native" },
  "emulated-prod": { platform: "linux/arm64", fast: false, tree: "emulated", what: "arm64 production (LTO) under qemu (old build)" },
} as const;
export type RunName = keyof typeof RUNS;

/** image:build arguments of one run (the old tree gets the multi-platform base). */
export function buildArgs(run: RunName, platform: string, mirror: { url: string; version: string; sha256: string }, noCache: boolean): string[] {
  const spec = RUNS[run];
  return ["--python", "3.13", "--flavor", "upstream", "--platform", platform, ...(spec.fast ? ["--fast"] : []), ...(noCache ? ["--no-cache"] : []),
    ...(spec.tree === "emulated" ? ["--base-image", MULTI_PLATFORM_BASE] : []),
    "--python-mirror", mirror.url, "--python-version", mirror.version, "--python-sha256", mirror.sha256, "--name", `arm64-bench-${run}`];
}

export interface RunResult {
  run: RunName; what: string; seconds: number; finished: boolean; ok: boolean; ref?: string; imageId?: string; load: [number, number]; started?: string;
  /** pair-fast: the amd64 build's time (from the emptied cache), and whether arm64 reused its interpreter. */
  amd64Seconds?: number; nativeShared?: boolean;
}

/** Validates --runs; errors name the value and the accepted ones. */
export function parseRuns(v: string): RunName[] {
  const names = v.split(",").filter(Boolean);
  for (const n of names) if (!(n in RUNS)) throw new Error(`option --runs: "${n}" is not a run; accepted: ${Object.keys(RUNS).join(", ")}`);
  if (names.length === 0) throw new Error("option --runs: no run named");
  return names as RunName[];
}

/** cross-fast / amd64-fast, the issue's target (<= 1.5), when both finished. */
export function crossRatio(results: RunResult[]): number | undefined {
  const c = results.find((r) => r.run === "cross-fast" && r.finished && r.ok);
  const a = results.find((r) => r.run === "amd64-fast" && r.finished && r.ok);
  return c && a ? c.seconds / a.seconds : undefined;
}

/** pair-fast's arm64 / amd64, when both finished. */
export function pairRatio(results: RunResult[]): number | undefined {
  const p = results.find((r) => r.run === "pair-fast" && r.finished && r.ok);
  return p?.amd64Seconds ? p.seconds / p.amd64Seconds : undefined;
}

/**
 * Whether a build's plain progress shows the native interpreter's compile (the cpython-native
 * stage's build.sh step) as CACHED: the arm64 build of pair-fast then took its build Python
 * from the amd64 build instead of compiling one. False when the step is absent or ran.
 */
export function nativeBuildCached(progress: string): boolean {
  const ids = [...progress.matchAll(/^#([0-9]+) \[cpython-native [0-9]+\/[0-9]+\] RUN bash \/usr\/src\/cpython-build\/build\.sh$/gm)].map((m) => m[1]);
  return ids.length > 0 && ids.every((id) => new RegExp(`^#${id} CACHED$`, "m").test(progress));
}

/** The old tree: image/ and the build scripts of `commit`, with this checkout's node_modules. */
function emulatedTree(commit: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "arm64-bench-emulated-"));
  const tar = execFileSync("git", ["-C", ROOT, "archive", commit], { maxBuffer: 1 << 30 });
  execFileSync("tar", ["-x", "-C", dir], { input: tar });
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
  return dir;
}

function runBuild(tree: string, args: string[], timeoutS: number, logFile: string): Promise<{ code: number | null; seconds: number; finished: boolean; ref: string }> {
  const started = Date.now();
  const out = fs.openSync(logFile, "w");
  const child = spawn(process.execPath, [require.resolve("ts-node/dist/bin"), "--transpile-only", path.join(tree, "scripts/image-build.ts"), ...args],
    { cwd: tree, stdio: ["ignore", "pipe", out], detached: true });
  let stdout = "";
  child.stdout?.on("data", (d) => { stdout += d; });
  let stopped = false;
  const timer = setTimeout(() => { stopped = true; try { process.kill(-child.pid!, "SIGTERM"); } catch { /* gone */ } }, timeoutS * 1000);
  return new Promise((resolve) => child.on("close", (code) => {
    clearTimeout(timer);
    fs.closeSync(out);
    resolve({ code, seconds: Math.round((Date.now() - started) / 1000), finished: !stopped, ref: stdout.trim().split("\n").pop() ?? "" });
  }));
}

export function markdown(results: RunResult[], meta: Record<string, string>): string {
  const ratio = crossRatio(results);
  const lines = [
    "# arm64 upstream build: cross-compiled vs emulated vs amd64",
    "",
    `One run each, runtime variant, CPython ${meta.python} from the loopback mirror; ${meta.date}; ${meta.cpus} CPUs. Every build \`--no-cache\`,`,
    "except pair-fast's two (the build cache emptied before them). The load averages say how quiet the machine was.",
    `Command: \`${meta.command}\``,
    "",
    "| run | what | wall time | load before/after | started |",
    "| --- | --- | --- | --- | --- |",
    ...results.map((r) => `| ${r.run} | ${r.what}${r.amd64Seconds !== undefined ? ` (amd64 before it: ${r.amd64Seconds} s; build Python ${r.nativeShared ? "reused from amd64" : "compiled again"})` : ""} | ${!r.ok && r.finished ? `failed after ${r.seconds} s` : r.finished ? `${r.seconds} s` : `> ${r.seconds} s (stopped)`} | ${r.load[0].toFixed(1)} / ${r.load[1].toFixed(1)} | ${r.started ?? ""} |`),
    "",
    ratio === undefined ? "cross-fast / amd64-fast (each alone, --no-cache): not both measured." :
      `cross-fast / amd64-fast (each alone, --no-cache) = ${ratio.toFixed(2)} (target <= 1.5: ${ratio <= 1.5 ? "met" : "MISSED"}).`,
  ];
  const pair = pairRatio(results);
  if (pair !== undefined) lines.push("", `pair-fast arm64 / amd64 (the two-platform build every path runs) = ${pair.toFixed(2)} (target <= 1.5: ${pair <= 1.5 ? "met" : "MISSED"}).`);
  const missing = (Object.keys(RUNS) as RunName[]).filter((n) => !results.some((r) => r.run === n));
  if (missing.length) lines.push("", `Not measured in this run: ${missing.join(", ")}.`);
  return `${lines.join("\n")}\n`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      runs: { type: "string", default: "cross-fast,amd64-fast,emulated-fast" },
      "timeout-min": { type: "string", default: "30" },
      "emulated-commit": { type: "string", default: EMULATED_BASELINE },
      "python-version": { type: "string" },
      merge: { type: "boolean", default: false },
    },
    strict: true,
  });
  const runs = parseRuns(values.runs);
  const timeoutS = Number(values["timeout-min"]) * 60;
  if (!(timeoutS > 0)) throw new Error(`option --timeout-min: "${values["timeout-min"]}" is not a positive number of minutes`);
  const entries = await debianMirrorEntries();
  const present = await fillMirror(DEFAULT_MIRROR_ROOT, entries, log);
  const e = entries.find((x) => present.includes(x.version) && (values["python-version"] ? x.version === values["python-version"] : x.suite === "trixie"));
  if (!e) throw new Error(`option --python-version: ${values["python-version"] ?? "trixie's 3.13"} is not served by the mirror (served: ${present.join(", ")})`);
  const mirror = await serveMirror(DEFAULT_MIRROR_ROOT, Number(process.env.PYTHON_MIRROR_PORT ?? 8765));
  const source = { url: mirror.url, version: e.version, sha256: e.sha256 };
  const results: RunResult[] = [];
  let oldTree: string | undefined;
  try {
    for (const run of runs) {
      const spec = RUNS[run];
      const tree = spec.tree === "this" ? ROOT : (oldTree ??= emulatedTree(values["emulated-commit"]));
      const pair = run === "pair-fast";
      const argsFor = (platform: string) => buildArgs(run, platform, source, !pair);
      const logFile = path.join(os.tmpdir(), `arm64-bench-${run}.log`);
      log(`${run}: ${spec.what} (log ${logFile}, stopped after ${timeoutS} s)`);
      const before = os.loadavg()[0];
      const started = new Date().toISOString();
      let amd64: { seconds: number; ok: boolean } | undefined;
      if (pair) {
        log(`${run}: emptying the build cache of builder ${DEFAULT_BUILDER} (docker buildx prune --all)`);
        execFileSync("docker", ["buildx", "prune", "--builder", DEFAULT_BUILDER, "--all", "--force"], { stdio: ["ignore", "ignore", "inherit"] });
        const a = await runBuild(tree, argsFor("linux/amd64"), timeoutS, path.join(os.tmpdir(), `arm64-bench-${run}-amd64.log`));
        amd64 = { seconds: a.seconds, ok: a.finished && a.code === 0 };
        log(`${run}: amd64 ${amd64.ok ? `built in ${a.seconds} s` : `FAILED or stopped after ${a.seconds} s`}`);
      }
      const r = amd64 && !amd64.ok ? { code: null, seconds: 0, finished: true, ref: "" } : await runBuild(tree, argsFor(spec.platform), timeoutS, logFile);
      const ok = r.finished && r.code === 0;
      const imageId = ok ? execFileSync("docker", ["image", "inspect", "--format", "{{.Id}}", r.ref], { encoding: "utf8" }).trim() : undefined;
      results.push({ run, what: spec.what, seconds: r.seconds, finished: r.finished, ok, ref: ok ? r.ref : undefined, imageId, load: [before, os.loadavg()[0]], started,
        ...(amd64 ? { amd64Seconds: amd64.seconds, nativeShared: ok && nativeBuildCached(fs.readFileSync(logFile, "utf8")) } : {}) });
      log(`${run}: ${r.finished ? `${ok ? "built" : "FAILED"} in ${r.seconds} s` : `stopped after ${r.seconds} s`}`);
    }
  } finally {
    await mirror.close();
    if (oldTree) fs.rmSync(oldTree, { recursive: true, force: true });
  }
  const jsonFile = path.join(ROOT, "bench/results/arm64-bench.json");
  if (values.merge && fs.existsSync(jsonFile)) {
    const old = (JSON.parse(fs.readFileSync(jsonFile, "utf8")) as { results: RunResult[] }).results.filter((o) => !results.some((r) => r.run === o.run));
    results.unshift(...old);
  }
  const meta = { python: e.version, date: new Date().toISOString(), cpus: String(os.cpus().length), command: `npm run --silent bench:arm64 -- ${process.argv.slice(2).join(" ")}`.trim() };
  const md = markdown(results, meta);
  fs.writeFileSync(jsonFile, `${JSON.stringify({ ...meta, emulatedCommit: values["emulated-commit"], results, crossOverAmd64Fast: crossRatio(results) ?? null, pairArm64OverAmd64: pairRatio(results) ?? null }, null, 2)}\n`);
  fs.writeFileSync(path.join(ROOT, "bench/results/arm64-bench.md"), md);
  process.stdout.write(md);
}

if (require.main === module) {
  main().catch((e: Error) => {
    process.stderr.write(`bench:arm64: ${e.message}\n`);
    process.exit(1);
  });
}
