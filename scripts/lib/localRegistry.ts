// Test and bench infrastructure: a private Debian `docker-registry` on a loopback port with its
// own storage (stopping it hurts no other test), and the CPython release the loopback
// python.org mirror serves for a minor.
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { debianMirrorEntries, DEFAULT_MIRROR_ROOT, fillMirror, type MirrorEntry } from "../python-mirror";

export class LocalRegistry {
    private proc?: ChildProcess;
    /** `addr`: `127.0.0.1:PORT`; `dir`: its config and storage. */
    constructor(readonly addr: string, private readonly dir: string) {}

    async start(): Promise<void> {
        const config = path.join(this.dir, "registry.yml");
        fs.mkdirSync(this.dir, { recursive: true });
        fs.writeFileSync(config, `version: 0.1\nlog: {level: error}\nstorage:\n  filesystem: {rootdirectory: ${path.join(this.dir, "data")}}\n  delete: {enabled: true}\nhttp:\n  addr: ${this.addr}\n`);
        this.proc = spawn("docker-registry", ["serve", config], { stdio: "ignore" });
        for (let i = 0; i < 60; i++) {
            if (await fetch(`http://${this.addr}/v2/`).then((r) => r.ok, () => false)) return;
            await new Promise((r) => setTimeout(r, 250));
        }
        throw new Error(`registry on ${this.addr} did not start`);
    }

    stop(): Promise<void> {
        const p = this.proc;
        this.proc = undefined;
        if (!p || p.exitCode !== null) return Promise.resolve();
        return new Promise((r) => { p.once("exit", () => r()); p.kill("SIGTERM"); });
    }

    pid(): number | undefined {
        return this.proc?.pid;
    }
}

/** Fills the python.org mirror and picks the release of `minor` it serves: `prefer` if served, else the newest. */
export async function servedPython(minor: string, prefer?: string): Promise<MirrorEntry> {
    const entries = await debianMirrorEntries();
    const present = await fillMirror(DEFAULT_MIRROR_ROOT, entries, (m) => process.stderr.write(`${m}\n`));
    const served = entries.filter((e) => present.includes(e.version) && e.version.startsWith(`${minor}.`))
        .sort((a, b) => b.version.localeCompare(a.version, undefined, { numeric: true }));
    const py = served.find((e) => e.version === prefer) ?? served[0];
    if (!py) throw new Error(`the python.org mirror serves no ${minor} release (Debian's pool: ${entries.map((e) => e.version).join(", ")})`);
    return py;
}
