/**
 * What app:check reports, per file: a shared library an ELF file needs that the image lacks
 * (from the image's own ELF check, image/assemble/elf-check.pl, run read-only on the exported
 * filesystem, so RUNPATH/$ORIGIN and bundled `*.libs/` resolve exactly as at image assembly),
 * and a script whose `#!` interpreter does not exist in the image.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export interface Finding {
    /** Absolute path inside the image. */
    file: string;
    kind: "missing-library" | "missing-elf-interpreter" | "missing-script-interpreter";
    /** The library soname or the interpreter path. */
    missing: string;
}

/** Parses elf-check.pl's stderr ("ELF check failed: missing library L needed by /f"). */
export function parseElfCheck(stderr: string): Finding[] {
    const out: Finding[] = [];
    for (const line of stderr.split("\n")) {
        const lib = /^ELF check failed: missing library (\S+) needed by (.+)$/.exec(line);
        if (lib) { out.push({ file: lib[2], kind: "missing-library", missing: lib[1] }); continue; }
        const interp = /^ELF check failed: missing ELF interpreter (\S+) needed by (.+)$/.exec(line);
        if (interp) out.push({ file: interp[2], kind: "missing-elf-interpreter", missing: interp[1] });
    }
    return out;
}

/**
 * The interpreter of a `#!` line as the kernel reads it: the first word after `#!`
 * (undefined when the file does not start with `#!`).
 */
export function shebangInterpreter(head: Buffer): string | undefined {
    if (head.length < 3 || head[0] !== 0x23 || head[1] !== 0x21) return undefined;
    const nl = head.indexOf(0x0a);
    const line = head.subarray(2, nl === -1 ? head.length : nl).toString("utf8").trim();
    return line.split(/[ \t]+/)[0] || "";
}

/**
 * Resolves an absolute path inside ROOT, following symlinks relative to ROOT (never the
 * host's), as elf-check.pl's resolve() does. Returns the in-root path of an existing
 * non-directory, or undefined.
 */
export function resolveInRoot(root: string, p: string): string | undefined {
    let todo = p;
    for (let hops = 0; hops < 40; hops++) {
        const parts = todo.split("/").filter((x) => x !== "" && x !== ".");
        const done: string[] = [];
        let restarted = false;
        while (parts.length > 0) {
            const part = parts.shift()!;
            if (part === "..") { done.pop(); continue; }
            const cand = "/" + [...done, part].join("/");
            let st: fs.Stats | undefined;
            try { st = fs.lstatSync(path.join(root, cand)); } catch { return undefined; }
            if (st.isSymbolicLink()) {
                const t = fs.readlinkSync(path.join(root, cand));
                todo = (t.startsWith("/") ? t : `/${done.join("/")}/${t}`) + (parts.length ? `/${parts.join("/")}` : "");
                restarted = true;
                break;
            }
            done.push(part);
        }
        if (restarted) continue;
        const final = "/" + done.join("/");
        const st = fs.statSync(path.join(root, final), { throwIfNoEntry: false });
        return st && !st.isDirectory() ? final : undefined;
    }
    return undefined;
}

/**
 * Whether the shebang scan looks at an executable file: anything in a `bin`/`sbin` directory
 * (a venv's console scripts, /usr/local/bin, /usr/bin), which is what PATH lookups and
 * entrypoints exec, plus the paths in `also` (the image's ENTRYPOINT/CMD). Executable modules
 * inside packages (numpy ships `#!/usr/bin/env python3` test helpers) and Debian's
 * /etc/update-motd.d scripts are never exec'd in a distroless container, so they are not
 * findings.
 */
export function isExecLocation(rel: string, also: ReadonlySet<string> = new Set()): boolean {
    if (also.has(rel)) return true;
    return path.posix.dirname(rel).split("/").some((seg) => seg === "bin" || seg === "sbin");
}

/** Executable files in exec locations (isExecLocation) whose `#!` interpreter is missing from ROOT. */
export function scanShebangs(root: string, also: ReadonlySet<string> = new Set()): { findings: Finding[]; scripts: number } {
    const findings: Finding[] = [];
    let scripts = 0;
    const head = Buffer.alloc(256);
    const walk = (rel: string) => {
        for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
            const r = rel === "/" ? `/${e.name}` : `${rel}/${e.name}`;
            if (e.isDirectory()) { if (r !== "/proc" && r !== "/sys") walk(r); continue; }
            if (!e.isFile() || !isExecLocation(r, also)) continue;
            const abs = path.join(root, r);
            if ((fs.statSync(abs).mode & 0o111) === 0) continue;
            const fd = fs.openSync(abs, "r");
            const n = fs.readSync(fd, head, 0, head.length, 0);
            fs.closeSync(fd);
            const interp = shebangInterpreter(head.subarray(0, n));
            if (interp === undefined) continue;
            scripts++;
            if (!interp.startsWith("/") || resolveInRoot(root, interp) === undefined) {
                findings.push({ file: r, kind: "missing-script-interpreter", missing: interp });
            }
        }
    };
    walk("/");
    return { findings, scripts };
}

/** One line per finding, sorted by file: what a person reads to fix the image. */
export function formatFinding(f: Finding): string {
    switch (f.kind) {
        case "missing-library": return `${f.file}: needs shared library ${f.missing}, which the image does not have`;
        case "missing-elf-interpreter": return `${f.file}: ELF interpreter ${f.missing} does not exist in the image`;
        case "missing-script-interpreter": return `${f.file}: script interpreter ${f.missing} does not exist in the image`;
    }
}
