// bench:app's figures from its rounds (pure): a spread per figure and row, per-round ratios of
// each of our rows to the conventional image, the targets, and the Markdown table.
import type { AppBenchOptions } from "./appOptions";
import type { Round } from "./appRound";
import { type Spread, spread } from "./stats";

export type RowKey = "conventional" | "debian" | "upstream";
export interface RowSize { layers: number; gzipBytes: number; zstdBytes: number; unpackedBytes: number }
/** `image`: the app image measured; `base`: what it is built on (our runtime's reference, or the conventional Dockerfile). */
export interface RowInput { key: RowKey; label: string; image: string; base: string; size: RowSize; runs: Round[] }

export interface Figures { cpuMsPerRequest: Spread; rps: Spread; p99ms: Spread; serverCpuBusy: Spread; readyFromStartMs: Spread; readyFromRunMs: Spread; errors: number; requests: number }

export function figures(runs: Round[]): Figures {
    const of = (k: keyof Round, digits: number) => spread(runs.map((r) => r[k]), digits);
    return {
        cpuMsPerRequest: of("cpuMsPerRequest", 4), rps: of("rps", 1), p99ms: of("p99ms", 2), serverCpuBusy: of("serverCpuBusy", 2),
        readyFromStartMs: of("readyFromStartMs", 0), readyFromRunMs: of("readyFromRunMs", 0),
        errors: runs.reduce((a, r) => a + r.errors, 0), requests: runs.reduce((a, r) => a + r.requests, 0),
    };
}

/** ours/conventional per round (rounds alternate, so round i of both rows ran back to back). */
export function pairedRatio(ours: Round[], base: Round[], k: "cpuMsPerRequest" | "rps" | "p99ms"): Spread {
    if (ours.length !== base.length || ours.length === 0) throw new Error(`pairedRatio: ${ours.length} rounds against ${base.length}; the rows must run the same rounds`);
    return spread(ours.map((r, i) => r[k] / base[i][k]), 3);
}

export interface Ratios { cpuMsPerRequest: Spread; rps: Spread; p99ms: Spread; gzip: number; zstd: number }

export function ratios(ours: RowInput, base: RowInput): Ratios {
    return {
        cpuMsPerRequest: pairedRatio(ours.runs, base.runs, "cpuMsPerRequest"), rps: pairedRatio(ours.runs, base.runs, "rps"), p99ms: pairedRatio(ours.runs, base.runs, "p99ms"),
        gzip: Number((ours.size.gzipBytes / base.size.gzipBytes).toFixed(3)), zstd: Number((ours.size.zstdBytes / base.size.zstdBytes).toFixed(3)),
    };
}

/** The bench's targets for one of our rows (issue 12: CPU per request; earlier issues: size, start, errors). */
export function targets(row: RowInput, f: Figures, r: Ratios, base: Figures): Record<string, boolean> {
    return {
        [`${row.key}: CPU per request <= 1.0x conventional (median of per-round ratios)`]: r.cpuMsPerRequest.median <= 1.0,
        [`${row.key}: gzip size <= 0.6x conventional`]: r.gzip <= 0.6,
        [`${row.key}: container start to ready <= 1 s (median)`]: f.readyFromStartMs.median <= 1000,
        [`${row.key}: zero errors (with the conventional image's)`]: f.errors === 0 && base.errors === 0,
    };
}

export interface Method { cpuCounter: string; cpus: number }

/** The results document (app-results.json). */
export function resultsDoc(rows: RowInput[], o: AppBenchOptions, m: Method & { date: string; command: string; model?: string; loadavg: [number, number] }) {
    const base = rows.find((r) => r.key === "conventional");
    if (!base) throw new Error("resultsDoc: no conventional row to compare with");
    const fig = Object.fromEntries(rows.map((r) => [r.key, figures(r.runs)])) as Record<RowKey, Figures>;
    const ours = rows.filter((r) => r.key !== "conventional");
    const rat = Object.fromEntries(ours.map((r) => [r.key, ratios(r, base)])) as Partial<Record<RowKey, Ratios>>;
    return {
        schema: 2,
        date: m.date,
        command: m.command,
        machine: { cpus: m.cpus, model: m.model, loadavgBeforeAfter: m.loadavg },
        method: {
            rounds: o.rounds, seconds: o.seconds, warmupSeconds: o.warmup, connections: o.connections, wrkThreads: 1, gunicornWorkers: o.workers,
            serverCpu: o.serverCpu, clientCpu: o.clientCpu, cpuCounter: m.cpuCounter,
            statistic: "min/median/max over alternating rounds (order rotated every round), a fresh container per row and round; ratios are per-round pairs",
            size: "gzip: sum of the layer blobs as pushed to a loopback registry; zstd: the same layers recompressed with zstd -3; unpacked: sum of the layers' regular files",
        },
        rows: rows.map((r) => ({ key: r.key, label: r.label, image: r.image, base: r.base, size: r.size, figures: fig[r.key], runs: r.runs })),
        ratios: rat,
        targets: Object.assign({}, ...ours.map((r) => targets(r, fig[r.key], rat[r.key]!, fig.conventional))) as Record<string, boolean>,
    };
}

export type ResultsDoc = ReturnType<typeof resultsDoc>;

const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
const sp = (s: Spread, d: number) => `${s.min.toFixed(d)} / **${s.median.toFixed(d)}** / ${s.max.toFixed(d)}`;

export function markdown(doc: ResultsDoc): string {
    const m = doc.method;
    const row = (name: string, cell: (r: ResultsDoc["rows"][number]) => string) => `| ${name} | ${doc.rows.map(cell).join(" | ")} |`;
    const ours = doc.rows.filter((r) => r.key !== "conventional");
    const rrow = (name: string, cell: (r: Ratios) => string) => `| ${name} | ${ours.map((r) => cell(doc.ratios[r.key]!)).join(" | ")} |`;
    return [
        "## Sample app: our runtimes vs a conventional image",
        "",
        `${m.rounds} alternating rounds (row order rotated every round), a fresh container per row and round; the server pinned to CPU ${m.serverCpu} (\`--cpuset-cpus\`), ` +
        `\`wrk -t1 -c${m.connections} -d${m.seconds}s\` pinned to CPU ${m.clientCpu} (\`taskset\`) after a ${m.warmupSeconds} s warm-up; ${m.gunicornWorkers} sync Gunicorn workers; the same app. ` +
        `Each figure is min / **median** / max over the rounds. CPU ms/request: the container's CPU time over the measured run (${m.cpuCounter}) divided by the requests wrk completed. ` +
        `${doc.machine.cpus} CPUs, ${doc.date.slice(0, 10)}, load average ${doc.machine.loadavgBeforeAfter.map((x) => x.toFixed(1)).join(" before, ")} after.`,
        "",
        `| | ${doc.rows.map((r) => r.label).join(" | ")} |`,
        `| --- |${doc.rows.map(() => " --- |").join("")}`,
        row("CPU ms/request", (r) => sp(r.figures.cpuMsPerRequest, 3)),
        row("requests/s", (r) => sp(r.figures.rps, 0)),
        row("p99 latency, ms", (r) => sp(r.figures.p99ms, 1)),
        row("server CPU busy (CPU s per wall s)", (r) => sp(r.figures.serverCpuBusy, 2)),
        row("container start to ready, ms", (r) => sp(r.figures.readyFromStartMs, 0)),
        row("`docker run` to ready, ms", (r) => sp(r.figures.readyFromRunMs, 0)),
        row("errors (all rounds)", (r) => String(r.figures.errors)),
        row("size: gzip layers as pushed", (r) => mb(r.size.gzipBytes)),
        row("size: zstd -3 layers", (r) => mb(r.size.zstdBytes)),
        row("size: unpacked", (r) => mb(r.size.unpackedBytes)),
        "",
        "Ours / conventional, per-round pairs (min / **median** / max); sizes as one ratio:",
        "",
        `| | ${ours.map((r) => r.label).join(" | ")} |`,
        `| --- |${ours.map(() => " --- |").join("")}`,
        rrow("CPU per request", (r) => sp(r.cpuMsPerRequest, 2)),
        rrow("requests/s", (r) => sp(r.rps, 2)),
        rrow("p99 latency", (r) => sp(r.p99ms, 2)),
        rrow("size, gzip", (r) => `${r.gzip.toFixed(2)}x`),
        rrow("size, zstd", (r) => `${r.zstd.toFixed(2)}x`),
        "",
        `Images: ${doc.rows.map((r) => `${r.key} \`${r.image}\` on \`${r.base}\``).join("; ")}.`,
        "",
        `Targets: ${Object.entries(doc.targets).map(([k, v]) => `${k}: ${v ? "met" : "NOT met"}`).join("; ")}.`,
        "",
        `Command: \`${doc.command}\``,
        "",
    ].join("\n");
}
