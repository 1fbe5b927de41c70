// bench:app's command line: parsed with node:util parseArgs, validated here (every error names
// the option, the value and what is accepted).
import * as path from "node:path";
import { parseArgs } from "node:util";

export interface AppBenchOptions {
    /** Alternating rounds; every row runs once per round in a fresh container (>= 3: a spread needs three). */
    rounds: number;
    /** Seconds of the measured wrk run per container. */
    seconds: number;
    /** Seconds of unmeasured wrk load before it (imports, first-request caches). */
    warmup: number;
    connections: number;
    /** Sync Gunicorn workers (GUNICORN_WORKERS). */
    workers: number;
    /** The CPU the server container may use (--cpuset-cpus). */
    serverCpu: number;
    /** The CPU wrk, curl and this process run on (taskset). */
    clientCpu: number;
    /** An already built upstream-flavour runtime and the builder it goes with (the venv is built in one and runs in the other). */
    upstreamRuntime?: string;
    upstreamBuilder?: string;
    /** Folder of app-results.{json,md}. */
    out: string;
}

export const DEFAULTS = { rounds: 15, seconds: 5, warmup: 1, connections: 16, workers: 2, serverCpu: 0, clientCpu: 1 } as const;

const USAGE = "usage: bench:app [--rounds 15] [--seconds 5] [--warmup 1] [--connections 16] [--workers 2] [--server-cpu 0] [--client-cpu 1] " +
    "[--upstream-image RUNTIME_REF --upstream-builder BUILDER_REF] [--out bench]";

/** Parses argv; `cpus` is the machine's CPU count (the CPU options must name two of them). */
export function parseAppBenchOptions(argv: string[], cpus: number, root: string): AppBenchOptions {
    let values;
    try {
        ({ values } = parseArgs({
            args: argv, strict: true, allowPositionals: false, options: {
                rounds: { type: "string" }, seconds: { type: "string" }, warmup: { type: "string" }, connections: { type: "string" },
                workers: { type: "string" }, "server-cpu": { type: "string" }, "client-cpu": { type: "string" },
                "upstream-image": { type: "string" }, "upstream-builder": { type: "string" }, out: { type: "string" },
            },
        }));
    } catch (e) {
        throw new Error(`${(e as Error).message}; ${USAGE}`);
    }
    const int = (name: string, v: string | undefined, def: number, min: number): number => {
        if (v === undefined) return def;
        const n = Number(v);
        if (!/^[0-9]+$/.test(v) || n < min) throw new Error(`option --${name}: ${JSON.stringify(v)} is not an integer >= ${min}; ${USAGE}`);
        return n;
    };
    const o: AppBenchOptions = {
        rounds: int("rounds", values.rounds, DEFAULTS.rounds, 3),
        seconds: int("seconds", values.seconds, DEFAULTS.seconds, 1),
        warmup: int("warmup", values.warmup, DEFAULTS.warmup, 0),
        connections: int("connections", values.connections, DEFAULTS.connections, 1),
        workers: int("workers", values.workers, DEFAULTS.workers, 1),
        serverCpu: int("server-cpu", values["server-cpu"], DEFAULTS.serverCpu, 0),
        clientCpu: int("client-cpu", values["client-cpu"], DEFAULTS.clientCpu, 0),
        upstreamRuntime: values["upstream-image"],
        upstreamBuilder: values["upstream-builder"],
        out: path.resolve(root, values.out ?? "bench"),
    };
    for (const [name, cpu] of [["server-cpu", o.serverCpu], ["client-cpu", o.clientCpu]] as const) {
        if (cpu >= cpus) throw new Error(`option --${name}: CPU ${cpu} does not exist; this machine has CPUs 0-${cpus - 1}`);
    }
    if (o.serverCpu === o.clientCpu) throw new Error(`options --server-cpu and --client-cpu: both are CPU ${o.serverCpu}; the server and the load generator must not share a CPU`);
    if ((o.upstreamRuntime === undefined) !== (o.upstreamBuilder === undefined)) {
        throw new Error(`options --upstream-image and --upstream-builder go together (the app's venv is built in the builder and runs in the runtime); ${USAGE}`);
    }
    return o;
}
