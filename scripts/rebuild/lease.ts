// One rebuild at a time. The registry API has no conditional tag write, so two runs that
// interleave could leave `3.13` and `3.13-debug` from different builds: a lease serialises
// them. Locally a lock file created exclusively; in Cloud Build a GCS object created with
// ifGenerationMatch=0 (only one creator can win) and deleted with its own generation.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type GcsClient, parseGsUrl } from "./gcs";

export interface Lease {
    /** Who holds it, for messages. */
    describe(): string;
    release(): Promise<void>;
}

/** The lease is held by another run: the message names it and what to do. */
export class LeaseHeldError extends Error {
    constructor(where: string, holder: string) {
        super(`another rebuild holds the lease ${where} (${holder}); this run changes nothing. Wait for it, or remove the lease if that run is gone`);
        this.name = "LeaseHeldError";
    }
}

interface Holder { pid: number; host: string; started: string }

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === "EPERM";
    }
}

/** A lock file lease. A lease left by a process that no longer runs (same host) is taken over, with a message. */
export async function fileLease(file: string, log: (m: string) => void, waitSeconds = 0): Promise<Lease> {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const me: Holder = { pid: process.pid, host: os.hostname(), started: new Date().toISOString() };
    const deadline = Date.now() + waitSeconds * 1000;
    for (;;) {
        try {
            fs.writeFileSync(file, `${JSON.stringify(me)}\n`, { flag: "wx" });
            return {
                describe: () => `${file} (pid ${me.pid})`,
                release: async () => {
                    const now = JSON.parse(fs.readFileSync(file, "utf8")) as Holder;
                    if (now.pid === me.pid && now.host === me.host) fs.rmSync(file);
                },
            };
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        }
        let holder: Holder | undefined;
        try {
            holder = JSON.parse(fs.readFileSync(file, "utf8")) as Holder;
        } catch {
            holder = undefined; // being written or removed right now: look again
        }
        if (holder && holder.host === me.host && !alive(holder.pid)) {
            log(`lease ${file} was left by pid ${holder.pid}, which is not running: taking it over`);
            fs.rmSync(file, { force: true });
            continue;
        }
        if (Date.now() >= deadline) {
            throw new LeaseHeldError(file, holder ? `pid ${holder.pid} on ${holder.host} since ${holder.started}` : "being written");
        }
        await new Promise((r) => setTimeout(r, 1000));
    }
}

/**
 * A GCS object lease: created only if absent (ifGenerationMatch=0), deleted only at our own
 * generation. A lease older than `staleSeconds` (a run killed at its timeout) is replaced
 * with a generation check, so two runs can never both take it over.
 */
export async function gcsLease(gcs: GcsClient, url: string, staleSeconds: number, log: (m: string) => void): Promise<Lease> {
    const { bucket, object } = parseGsUrl(url);
    const me: Holder = { pid: process.pid, host: os.hostname(), started: new Date().toISOString() };
    let generation = await gcs.create(bucket, object, JSON.stringify(me), 0);
    if (generation === undefined) {
        const existing = await gcs.read(bucket, object);
        if (!existing) throw new LeaseHeldError(url, "just released; retry");
        const holder = JSON.parse(existing.body) as Holder;
        const age = (Date.now() - Date.parse(holder.started)) / 1000;
        if (age < staleSeconds) throw new LeaseHeldError(url, `${holder.host} since ${holder.started}`);
        log(`lease ${url} is ${Math.round(age)} s old (stale after ${staleSeconds} s): replacing it at generation ${existing.generation}`);
        generation = await gcs.create(bucket, object, JSON.stringify(me), existing.generation);
        if (generation === undefined) throw new LeaseHeldError(url, "taken over by another run");
    }
    const held = generation;
    return {
        describe: () => `${url} (generation ${held})`,
        release: () => gcs.remove(bucket, object, held),
    };
}
