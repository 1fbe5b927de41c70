/**
 * npm run --silent app:check -- --image REF [--platform linux/amd64]
 *
 * Inspects an application image built on ours without running it: exports its filesystem and
 * names, per file, every shared library an ELF file (a wheel's extension, a bundled library)
 * needs and the image lacks, and every script whose `#!` interpreter does not exist in the
 * image (e.g. a venv's console script pointing at another venv's python), for the files an
 * image execs: `bin`/`sbin` directories and its ENTRYPOINT/CMD. The ELF part IS the
 * image's own check, image/assemble/elf-check.pl, run read-only on the exported tree.
 * stdout: one line per finding ("<file>: ..."), nothing for a clean image; a summary on stderr.
 * Exit 0 clean, 1 findings, 2 usage or inspection error.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { PLATFORMS } from "../components/constants";
import { docker, exportRootfs } from "../image/checks/lib";
import { formatFinding, parseElfCheck, resolveInRoot, scanShebangs, type Finding } from "./app-check/findings";

export const ELF_CHECK = path.join(__dirname, "..", "image", "assemble", "elf-check.pl");
const USAGE = "usage: app:check --image REF [--platform linux/amd64|linux/arm64]";

export function parseAppCheckArgs(argv: string[]): { image: string; platform?: string } {
    const { values } = parseArgs({ args: argv, strict: true, options: { image: { type: "string" }, platform: { type: "string" } } });
    if (!values.image) throw new Error(`option --image is required (an image reference the local engine has or can pull). ${USAGE}`);
    if (values.platform !== undefined && !(PLATFORMS as readonly string[]).includes(values.platform)) {
        throw new Error(`option --platform: ${JSON.stringify(values.platform)}; accepted: ${PLATFORMS.join(", ")}`);
    }
    return { image: values.image, platform: values.platform };
}

export interface AppCheckReport { findings: Finding[]; elfSummary: string; scripts: number }

/** Checks an exported root filesystem; `entrypoints` are absolute paths the image execs. */
export function checkRootfs(root: string, entrypoints: string[] = []): AppCheckReport {
    const elf = spawnSync("perl", [ELF_CHECK, root], { encoding: "utf8", maxBuffer: 64 << 20 });
    const elfFindings = parseElfCheck(elf.stderr ?? "");
    if (elf.status !== 0 && elfFindings.length === 0) throw new Error(`perl ${ELF_CHECK} exited ${elf.status ?? elf.error} without findings:\n${elf.stderr}`);
    const { findings, scripts } = scanShebangs(root, new Set(entrypoints.map((p) => resolveInRoot(root, p) ?? p)));
    const all = [...elfFindings, ...findings].sort((a, b) => a.file.localeCompare(b.file) || a.missing.localeCompare(b.missing));
    const summary = (elf.stderr ?? "").trim().split("\n").pop() ?? "";
    return { findings: all, elfSummary: summary, scripts };
}

/** Exports IMAGE's filesystem and checks it. */
export function checkImage(image: string, platform?: string): AppCheckReport {
    const config = JSON.parse(docker(["image", "inspect", "-f", "{{json .Config}}", image]).stdout) as { Entrypoint?: string[] | null; Cmd?: string[] | null };
    const first = (config.Entrypoint?.length ? config.Entrypoint : config.Cmd ?? [])[0];
    const root = exportRootfs(image, platform);
    try {
        return checkRootfs(root, first?.startsWith("/") ? [first] : []);
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
}

if (require.main === module) {
    try {
        const o = parseAppCheckArgs(process.argv.slice(2));
        const r = checkImage(o.image, o.platform);
        for (const f of r.findings) process.stdout.write(`${formatFinding(f)}\n`);
        process.stderr.write(`app:check ${o.image}: ${r.findings.length} finding(s); ${r.scripts} scripts checked; ${r.elfSummary}\n`);
        process.exit(r.findings.length ? 1 : 0);
    } catch (e) {
        process.stderr.write(`app:check: ${(e as Error).message}\n`);
        process.exit(2);
    }
}
