/** Child processes for the tools installer: output goes to stderr, failures name the command. */
import { spawn } from "node:child_process";

export function log(message: string): void {
    process.stderr.write(`[tools] ${message}\n`);
}

export interface RunOptions {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    /** Capture stdout instead of streaming it (stderr still streams). */
    capture?: boolean;
    /** Seconds between "still running" lines on long steps; default 60. */
    heartbeat?: number;
}

/** Runs a command; resolves with its stdout when captured, rejects naming the command. */
export function run(label: string, cmd: string, args: string[], opts: RunOptions = {}): Promise<string> {
    const started = Date.now();
    return new Promise((resolve, reject) => {
        const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        child.stdout.on("data", (d: Buffer) => (opts.capture ? (out += d.toString()) : process.stderr.write(d)));
        child.stderr.on("data", (d: Buffer) => process.stderr.write(d));
        const beat = setInterval(
            () => log(`${label}: still running (${Math.round((Date.now() - started) / 1000)}s)`),
            (opts.heartbeat ?? 60) * 1000,
        );
        child.on("error", (err) => {
            clearInterval(beat);
            reject(new Error(`${label}: cannot start ${cmd}: ${err.message}`));
        });
        child.on("close", (code, signal) => {
            clearInterval(beat);
            if (code === 0) resolve(out);
            else reject(new Error(`${label}: ${cmd} ${args.join(" ")} failed (${signal ?? `exit ${code}`})${opts.cwd ? ` in ${opts.cwd}` : ""}`));
        });
    });
}
