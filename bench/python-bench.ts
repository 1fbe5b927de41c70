/**
 * npm run --silent bench:python -- [--rows debian,upstream,upstream-bolt,upstream-extended]
 *     [--image LABEL=REF ...] [--rigorous] [--benchmarks a,b,...] [--out NAME]
 *
 * The interpreters compared with the community's own suite: pyperformance, run inside each
 * image's builder variant (it pip-installs the benchmarks' dependencies into venvs it makes
 * with the image's own interpreter, so it needs pip, venv and the network: the host CA is
 * mounted for the run only, never built into an image). One run on this machine, rows
 * alternating (the subset in three slices, each slice on every row, the order reversed every
 * slice), each container pinned to CPU 1 (`--cpuset-cpus` and pyperformance's `--affinity`),
 * pyperf's `--fast` mode unless `--rigorous`. Results: one pyperf JSON per row
 * in bench/results/python/, compared by `pyperf compare_to` (geometric mean and per-benchmark
 * significance) against the first row (Debian's python3.13), plus each row's sysconfig
 * compiler flags. Our own geometric mean (speedups(), from the same JSON) is the figure the
 * README quotes; compare_to's table is kept beside it. Writes bench/results/<out>.{json,md}
 * (`--out`, default python-bench: the file the README's table is generated from; the first
 * row is the baseline, Debian's python3.13 unless --rows says otherwise).
 *
 * Rows (all CPython 3.13.5: the release this machine can serve for both flavours; 3.14 and
 * 3.15 sources cannot be served here, python.org being unreachable and Debian's pool not
 * carrying their upstream tarballs):
 *   debian             our Debian-flavour builder: Debian's python3.13 (PGO+LTO by Debian)
 *   upstream           our upstream build, the production options (PGO default task + LTO)
 *   upstream-bolt      + BOLT (image:build --bolt)
 *   upstream-extended  PGO trained on the extended task (image:build --pgo-task extended)
 *   upstream-fast      --fast (no PGO/LTO): smoke runs only
 * Production builds take ~40 min each on 2 cores; BuildKit's cache makes a re-run cheap.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { HOST_CA, parseBuildArgs, runBuild } from "../scripts/image-build";
import { debianMirrorEntries, DEFAULT_MIRROR_ROOT, fillMirror, sharedMirror } from "../scripts/python-mirror";

const ROOT = path.resolve(__dirname, "..");
const log = (m: string) => process.stderr.write(`[bench:python] ${m}\n`);

/** Versions of the suite, pinned: a new pyperformance can change what a benchmark does. */
export const PYPERFORMANCE = "pyperformance==1.14.0";
export const PYPERF = "pyperf==2.11.0";

/**
 * The named subset: pyperformance's `default` group minus what does not fit here, ~10 min a
 * row in --fast mode on this machine. Left out, and why:
 *   needs a C build or a heavy wheel set: 2to3, crypto_pyaes (sdist), dulwich_log, mdp, networkx*,
 *     sqlalchemy_*, sympy, xdsl, docutils, sphinx, html5lib, genshi, chameleon, django_template,
 *     fastapi, tornado_http, asyncio_websockets, coverage
 *   slow for their signal here (minutes each): async_tree_* variants beyond async_tree,
 *     asyncio_tcp*, concurrent_imap, gc_collect, gc_traversal, pprint, python_startup*,
 *     sqlglot_v2*, bpe_tokeniser, typing_runtime_protocols
 *   near duplicates of kept ones: argparse*, async_generators, base64, pickle, pickle_dict,
 *     pickle_list, unpickle, unpickle_list, richards_super
 */
export const BENCHMARKS = [
    "async_tree", "chaos", "comprehensions", "coroutines", "deepcopy", "deltablue", "fannkuch", "float", "generators", "go", "hexiom",
    "json_dumps", "json_loads", "logging", "mako", "meteor_contest", "nbody", "nqueens", "pathlib", "pickle_pure_python", "pidigits",
    "pyflate", "raytrace", "regex_compile", "regex_dna", "regex_effbot", "regex_v8", "richards", "scimark", "spectral_norm",
    "sqlite_synth", "telco", "tomli_loads", "unpack_sequence", "unpickle_pure_python", "xml_etree",
];

/** image:build arguments of each named row (the upstream ones get the mirror's release). */
export const ROWS: Record<string, { label: string; args: string[]; upstream: boolean }> = {
    debian: { label: "debian 3.13 (Debian's python3.13)", args: ["--python", "3.13", "--flavor", "debian", "--variant", "builder"], upstream: false },
    upstream: { label: "upstream 3.13 (PGO+LTO)", args: ["--python", "3.13", "--flavor", "upstream", "--variant", "builder"], upstream: true },
    "upstream-bolt": { label: "upstream 3.13 (PGO+LTO+BOLT)", args: ["--python", "3.13", "--flavor", "upstream", "--variant", "builder", "--bolt"], upstream: true },
    "upstream-extended": {
        label: "upstream 3.13 (PGO extended task+LTO)", args: ["--python", "3.13", "--flavor", "upstream", "--variant", "builder", "--pgo-task", "extended"], upstream: true,
    },
    "upstream-fast": { label: "upstream 3.13 (--fast, no PGO/LTO)", args: ["--python", "3.13", "--flavor", "upstream", "--variant", "builder", "--fast"], upstream: true },
};

/** One pyperf benchmark of a result file: its name and every measured value (seconds). */
export interface PyperfBenchmark { name: string; values: number[] }

interface PyperfJson {
    benchmarks: { metadata?: { name?: string }; runs: { values?: number[]; metadata?: unknown }[] }[];
    metadata?: { name?: string };
}

/** Reads a pyperf/pyperformance JSON suite: warmups are not values, so only `values` count. */
export function readPyperf(text: string, file = "pyperf JSON"): PyperfBenchmark[] {
    const j = JSON.parse(text) as PyperfJson;
    if (!Array.isArray(j.benchmarks)) throw new Error(`${file}: no "benchmarks" array (not a pyperf suite)`);
    return j.benchmarks.map((b, i) => {
        const name = b.metadata?.name ?? j.metadata?.name;
        if (!name) throw new Error(`${file}: benchmark ${i} has no metadata.name`);
        const values = b.runs.flatMap((r) => r.values ?? []);
        if (values.length === 0) throw new Error(`${file}: benchmark ${name} has no values`);
        return { name, values };
    });
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Speed of `changed` relative to `base` per benchmark (base mean time / changed mean time:
 * > 1 is faster) over the benchmarks both have, and their geometric mean, as pyperf's
 * compare_to computes it. A benchmark missing on one side is listed, never silently dropped.
 */
export function speedups(base: PyperfBenchmark[], changed: PyperfBenchmark[]): { perBenchmark: Record<string, number>; geometricMean: number; missing: string[] } {
    const b = new Map(base.map((x) => [x.name, x]));
    const c = new Map(changed.map((x) => [x.name, x]));
    const perBenchmark: Record<string, number> = {};
    const missing = [...new Set([...b.keys(), ...c.keys()])].filter((n) => !b.has(n) || !c.has(n)).sort();
    for (const [name, x] of b) {
        const y = c.get(name);
        if (y) perBenchmark[name] = mean(x.values) / mean(y.values);
    }
    const ratios = Object.values(perBenchmark);
    if (ratios.length === 0) throw new Error("no benchmark in common between the two results");
    const geometricMean = Math.exp(ratios.reduce((a, r) => a + Math.log(r), 0) / ratios.length);
    return { perBenchmark, geometricMean, missing };
}

/**
 * Benchmarks whose Python source differs between an upstream release and Debian's package of
 * the same version (Debian backports fixes), so their ratio measures the source, not the
 * build: the upstream versions concerned, and why. Reported beside the geometric mean over
 * every benchmark, which stays the headline; nothing is dropped from it.
 */
export const SOURCE_DIFFERENCES: { benchmark: string; upstream: RegExp; why: string }[] = [{
    benchmark: "logging_silent",
    upstream: /^3\.13\.[45]$/,
    why: "CPython 3.13.4 made Logger.isEnabledFor call Logger._is_disabled, a thread-local getattr on every call (gh-91555); 3.13.6 reverted it (Misc/NEWS), and Debian's python3.13 3.13.5 carries the revert (its isEnabledFor reads self.disabled only)",
}];

/** The SOURCE_DIFFERENCES that apply to upstream `version` compared with Debian's package. */
export function sourceDifferences(version: string): { benchmark: string; why: string }[] {
    return SOURCE_DIFFERENCES.filter((d) => d.upstream.test(version)).map(({ benchmark, why }) => ({ benchmark, why }));
}

/** speedups() over the benchmarks whose source is the same on both sides. */
export function sameSourceSpeedups(base: PyperfBenchmark[], changed: PyperfBenchmark[], excluded: string[]): { geometricMean: number; count: number } {
    const keep = (xs: PyperfBenchmark[]) => xs.filter((x) => !excluded.includes(x.name));
    const s = speedups(keep(base), keep(changed));
    return { geometricMean: s.geometricMean, count: Object.keys(s.perBenchmark).length };
}

/**
 * An upstream row against Debian's package of the same version: the SOURCE_DIFFERENCES both
 * sides ran, and the geometric mean without them; undefined when none applies.
 */
export function sameSourceComparison(base: PyperfBenchmark[], changed: PyperfBenchmark[], upstreamVersion: string):
    { excluded: { benchmark: string; why: string }[]; geometricMean: number; count: number } | undefined {
    const ran = (name: string) => base.some((b) => b.name === name) && changed.some((c) => c.name === name);
    const excluded = sourceDifferences(upstreamVersion).filter((d) => ran(d.benchmark));
    return excluded.length ? { excluded, ...sameSourceSpeedups(base, changed, excluded.map((d) => d.benchmark)) } : undefined;
}

function run(cmd: string, args: string[], opts: { capture?: boolean } = {}): string {
    const r = spawnSync(cmd, args, { encoding: "utf8", stdio: ["ignore", opts.capture ? "pipe" : "inherit", "inherit"], maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(`${cmd} ${args.slice(0, 6).join(" ")} ... exited ${r.status}`);
    return r.stdout ?? "";
}

/** `docker run` of the builder image as uid 65532 with the work dir, CPU 1 and the CA for pip. */
function inImage(ref: string, work: string, cwd: string, argv: string[], capture = false): string {
    const ca = fs.existsSync(HOST_CA) ? ["-v", `${HOST_CA}:/run/bench-ca.crt:ro`, "-e", "SSL_CERT_FILE=/run/bench-ca.crt", "-e", "PIP_CERT=/run/bench-ca.crt"] : [];
    return run("docker", ["run", "--rm", "--network", "host", "--cpuset-cpus", "1", "--user", "65532:65532", "-v", `${work}:/work`, "-w", cwd,
        "-e", "HOME=/work/home", "-e", "PIP_CACHE_DIR=/work/pip-cache", "-e", "PIP_DISABLE_PIP_VERSION_CHECK=1", ...ca,
        "--entrypoint", argv[0], ref, ...argv.slice(1)], { capture });
}

const SYSCONFIG_KEYS = ["CC", "CONFIG_ARGS", "OPT", "CFLAGS", "PY_CFLAGS_NODIST", "LDFLAGS", "PY_LDFLAGS_NODIST"];

async function main(): Promise<void> {
    const argv = process.argv.slice(2);
    const opt = (name: string) => (argv.indexOf(`--${name}`) >= 0 ? argv[argv.indexOf(`--${name}`) + 1] : undefined);
    // --rows none: only the --image rows (images built before, e.g. by an older tree).
    const rowNames = (opt("rows") ?? "debian,upstream").split(",").filter((r) => r !== "none");
    for (const r of rowNames) if (!ROWS[r]) throw new Error(`option --rows: "${r}" is not a row; accepted: ${Object.keys(ROWS).join(", ")}`);
    const rigorous = argv.includes("--rigorous");
    const out = opt("out") ?? "python-bench";
    if (!/^[a-z0-9][a-z0-9-]*$/.test(out)) throw new Error(`option --out: "${out}" is not a results name; accepted: lowercase letters, digits and hyphens (bench/results/<out>.json)`);
    const benchmarks = (opt("benchmarks") ?? BENCHMARKS.join(",")).split(",");
    const given = argv.flatMap((a, i) => (a === "--image" ? [argv[i + 1]] : []));
    for (const g of given) if (!/^[^=]+=\S+$/.test(g)) throw new Error(`option --image: "${g}" is not LABEL=REF`);
    if (rowNames.length + given.length < 2) throw new Error("bench:python needs two rows or more (--rows and/or --image LABEL=REF): the first is the baseline");

    const rows: { label: string; ref: string; buildSeconds?: number }[] = [];
    // A row whose build fails is reported as such; the other rows are still measured.
    const failed: { label: string; error: string; seconds: number }[] = [];
    const entries = await debianMirrorEntries();
    const py = entries.find((e) => e.version.startsWith("3.13."));
    if (!py) throw new Error("the loopback python.org mirror has no 3.13 release to serve (Debian's pool)");
    await fillMirror(DEFAULT_MIRROR_ROOT, [py], log);
    // The fixed port of the tests and the other benches: the mirror URL is a build arg, so a
    // production build made by any of them is reused from BuildKit's cache.
    const mirror = await sharedMirror(py.version);
    try {
        for (const name of rowNames) {
            const row = ROWS[name];
            const pin = row.upstream ? ["--python-mirror", mirror.url, "--python-version", py.version, "--python-sha256", py.sha256] : [];
            log(`building ${row.label} (cached when built before)`);
            const start = Date.now();
            try {
                rows.push({ label: row.label, ref: await runBuild(parseBuildArgs([...row.args, ...pin])), buildSeconds: (Date.now() - start) / 1000 });
            } catch (e) {
                if (rows.length === 0) throw e;
                failed.push({ label: row.label, error: (e as Error).message, seconds: (Date.now() - start) / 1000 });
                log(`${row.label}: BUILD FAILED after ${((Date.now() - start) / 1000).toFixed(0)} s: ${(e as Error).message}`);
            }
        }
    } finally {
        await mirror.close();
    }
    for (const g of given) rows.push({ label: g.split("=")[0], ref: g.split("=").slice(1).join("=") });

    const work = path.join(ROOT, ".cache", "bench-python");
    fs.rmSync(work, { recursive: true, force: true });
    fs.mkdirSync(path.join(work, "home"), { recursive: true });
    fs.mkdirSync(path.join(work, "pip-cache"), { recursive: true });
    fs.chmodSync(work, 0o777);
    for (const d of ["home", "pip-cache"]) fs.chmodSync(path.join(work, d), 0o777);
    const outDir = path.join(ROOT, "bench/results", out === "python-bench" ? "python" : out);
    fs.mkdirSync(outDir, { recursive: true });

    // Rows alternate: the subset runs in CHUNKS slices, each slice on every row in turn, the
    // order reversed every slice, so slow drift of the machine hits every row alike.
    const CHUNKS = 3;
    const slices = Array.from({ length: CHUNKS }, (_, k) => benchmarks.filter((_, j) => j % CHUNKS === k)).filter((x) => x.length);
    const results = rows.map((r, i) => ({ label: r.label, ref: r.ref, id: `row${i}`, seconds: 0, sysconfig: {} as Record<string, string>, version: "", file: "" }));
    for (const r of results) {
        fs.mkdirSync(path.join(work, r.id), { recursive: true });
        fs.chmodSync(path.join(work, r.id), 0o777);
        // One container for both facts: the interpreter's version and its compiler flags.
        const facts = JSON.parse(inImage(r.ref, work, "/work", ["python3", "-c", "import json, sys, sysconfig; print(json.dumps({'version': sys.version.split()[0], " +
            `'sysconfig': {k: str(sysconfig.get_config_var(k)) for k in ${JSON.stringify(SYSCONFIG_KEYS)}}}))`], true)) as { version: string; sysconfig: Record<string, string> };
        r.version = facts.version;
        r.sysconfig = facts.sysconfig;
        log(`${r.label}: Python ${r.version}; installing ${PYPERFORMANCE} into a venv of the image's interpreter`);
        inImage(r.ref, work, `/work/${r.id}`, ["python3", "-m", "venv", `/work/${r.id}/tool`]);
        inImage(r.ref, work, `/work/${r.id}`, [`/work/${r.id}/tool/bin/python`, "-m", "pip", "install", "-q", PYPERFORMANCE, PYPERF]);
    }
    for (const [k, slice] of slices.entries()) {
        for (const r of k % 2 ? [...results].reverse() : results) {
            log(`${r.label}: slice ${k + 1}/${slices.length}: pyperformance run ${rigorous ? "--rigorous" : "--fast"} -b ${slice.join(",")} (CPU 1)`);
            const start = Date.now();
            inImage(r.ref, work, `/work/${r.id}`, [`/work/${r.id}/tool/bin/pyperformance`, "run", rigorous ? "--rigorous" : "--fast", "--affinity", "1",
                // pyperformance starts pip (and the benchmarks) with a clean environment: pip needs the CA.
                "--inherit-environ", "SSL_CERT_FILE,PIP_CERT,PIP_CACHE_DIR,PIP_DISABLE_PIP_VERSION_CHECK",
                "-p", "/usr/bin/python3", "-b", slice.join(","), "--append", `/work/${r.id}/result.json`]);
            r.seconds += (Date.now() - start) / 1000;
        }
    }
    for (const [i, r] of results.entries()) {
        r.file = path.join(outDir, `${i}-${r.label.replace(/[^a-z0-9.]+/gi, "-").replace(/-+$/, "").toLowerCase()}.json`);
        fs.copyFileSync(path.join(work, r.id, "result.json"), r.file);
        log(`${r.label}: ${r.seconds.toFixed(0)} s in pyperformance, ${path.relative(ROOT, r.file)}`);
    }

    const base = results[0];
    const baseBench = readPyperf(fs.readFileSync(base.file, "utf8"), base.file);
    const comparisons = results.slice(1).map((r) => {
        const changed = readPyperf(fs.readFileSync(r.file, "utf8"), r.file);
        const s = speedups(baseBench, changed);
        // Upstream against Debian's package of the same version: set apart what Debian patched.
        const same = base.label.startsWith("debian") && !r.label.startsWith("debian") ? sameSourceComparison(baseBench, changed, r.version) : undefined;
        // pyperf's own table: per-benchmark significance and its geometric mean.
        const table = inImage(r.ref, work, "/work", [`/work/${r.id}/tool/bin/python`, "-m", "pyperf", "compare_to",
            `/work/${base.id}/result.json`, `/work/${r.id}/result.json`, "--table", "-G"], true);
        return {
            label: r.label, vs: base.label, geometricMean: +s.geometricMean.toFixed(4), perBenchmark: s.perBenchmark, missing: s.missing, compareTo: table,
            ...(same ? { sameSource: { geometricMean: +same.geometricMean.toFixed(4), benchmarks: same.count, excluded: same.excluded } } : {}),
        };
    });
    const command = `npm run --silent bench:python -- --rows ${rowNames.join(",") || "none"}${out !== "python-bench" ? ` --out ${out}` : ""}${given.map((g) => ` --image "${g}"`).join("")}${rigorous ? " --rigorous" : ""}${opt("benchmarks") ? ` --benchmarks ${benchmarks.join(",")}` : ""}`;
    const date = new Date().toISOString();
    const loadavg = fs.readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
    // Runs on different days may land on different hosts: the CPU says whether two are comparable.
    const cpu = os.cpus()[0]?.model.trim() ?? "unknown CPU";
    const md = [
        `# pyperformance: ${results.slice(1).map((r) => r.label).join(", ")} beside ${base.label}`,
        "",
        `${date}; ${PYPERFORMANCE}, ${PYPERF}, ${rigorous ? "--rigorous" : "--fast"} mode, ${benchmarks.length} benchmarks (the named subset in bench/python-bench.ts),`,
        `each row alone on CPU 1 of this 2-CPU machine (${cpu}; load average at the end: ${loadavg}). Speed = the baseline's (${base.label}) mean time / this row's (> 1: faster).`,
        `Command: \`${command}\``,
        "",
        "| interpreter | Python | geometric mean vs the baseline | pyperformance wall time | image build this run |",
        "| --- | --- | ---: | ---: | ---: |",
        ...results.map((r, i) => `| ${r.label} | ${r.version} | ${i === 0 ? "1 (baseline)" : `${comparisons[i - 1].geometricMean}x`} | ${r.seconds.toFixed(0)} s | ${rows[i].buildSeconds !== undefined ? `${rows[i].buildSeconds!.toFixed(0)} s` : "given"} |`),
        ...failed.map((f) => `| ${f.label} | - | build failed after ${f.seconds.toFixed(0)} s: ${f.error.split("\n")[0]} | - | - |`),
        "",
        "Image build this run: seconds `image:build` took for the row in this invocation (BuildKit reuses cached layers: a row built before costs little).",
        "",
        ...comparisons.flatMap((c) => c.sameSource ? [
            `Same source only (${c.label}): ${c.sameSource.geometricMean}x over ${c.sameSource.benchmarks} results, without ${c.sameSource.excluded.map((d) => `${d.benchmark} (${d.why})`).join("; ")}.`, "",
        ] : []),
        ...comparisons.flatMap((c) => [`## ${c.label} vs ${c.vs} (pyperf compare_to)`, "", "```", c.compareTo.trim(), "```", "",
            ...(c.missing.length ? [`Missing on one side: ${c.missing.join(", ")}`, ""] : [])]),
        "## Compiler flags (sysconfig)",
        "",
        "| key | " + results.map((r) => r.label).join(" | ") + " |",
        "| --- | " + results.map(() => "---").join(" | ") + " |",
        ...SYSCONFIG_KEYS.map((k) => `| ${k} | ${results.map((r) => `\`${r.sysconfig[k].replace(/\|/g, "\\|").replace(/'/g, "")}\``).join(" | ")} |`),
        "",
    ].join("\n");
    fs.writeFileSync(path.join(ROOT, `bench/results/${out}.json`), JSON.stringify({
        date, command, cpu, pyperformance: PYPERFORMANCE, pyperf: PYPERF, mode: rigorous ? "rigorous" : "fast", benchmarks,
        rows: results.map((r, i) => ({ label: r.label, ref: r.ref, python: r.version, result: path.relative(ROOT, r.file), pyperformanceSeconds: r.seconds,
            buildSeconds: rows[i].buildSeconds ?? null, sysconfig: r.sysconfig })),
        comparisons: comparisons.map(({ compareTo: _t, ...c }) => c), failedBuilds: failed,
    }, null, 2) + "\n");
    fs.writeFileSync(path.join(ROOT, `bench/results/${out}.md`), md);
    process.stdout.write(md);
}

if (require.main === module) {
    main().catch((e: Error) => {
        process.stderr.write(`bench:python: ${e.message}\n`);
        process.exit(1);
    });
}
