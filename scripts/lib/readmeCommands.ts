// The `npm run ...` commands a Markdown file shows (fenced code blocks and inline code), and
// the checks test/unit/readme.test.ts applies to them: the script exists in package.json,
// and every option given after `--` is one the script's own source reads (its parseArgs
// keys, its usage text or its `--flag` literals, in the script file or the local modules it
// imports). Pure functions over texts; the test reads the files.
import * as fs from "fs";
import * as path from "path";

export interface ShownCommand {
    /** 1-based line of the README where the command starts. */
    line: number;
    /** The command as shown, continuation lines joined. */
    text: string;
    script: string;
    /** Options after `--` (`--python`, `-h`), in order. */
    options: string[];
}

/** Splits one shell-ish command line into the `npm run` invocations it holds. */
export function parseNpmRun(text: string, line: number): ShownCommand[] {
    const out: ShownCommand[] = [];
    // A comment ends the command; `&&`, `;` and `|` start another one.
    const code = text.replace(/\s#\s.*$/, "");
    // Only a spaced pipe separates commands: `runtime|debug|builder` is one placeholder.
    for (const part of code.split(/\s&&\s|;\s|\s\|\s/)) {
        const words = part.trim().split(/\s+/);
        const at = words.findIndex((w, i) => w === "npm" && words[i + 1] === "run");
        if (at < 0) continue;
        const rest = words.slice(at + 2);
        // npm's own flags (--silent, -s) come before the script name.
        const nameAt = rest.findIndex((w) => !w.startsWith("-"));
        if (nameAt < 0) continue;
        const script = rest[nameAt].replace(/[`'"),.]+$/, "");
        const afterName = rest.slice(nameAt + 1);
        const dashDash = afterName.indexOf("--");
        const args = dashDash < 0 ? [] : afterName.slice(dashDash + 1);
        const options = args
            .map((a) => a.replace(/^[[(]+/, "").replace(/[\])`'",.]+$/, ""))
            .filter((a) => /^--?[a-z][a-z0-9-]*(=.*)?$/i.test(a))
            .map((a) => a.replace(/=.*$/, ""));
        out.push({ line, text: part.trim(), script, options });
    }
    return out;
}

/** Every `npm run` command in fenced code blocks (continuations joined) and inline code spans. */
export function shownCommands(markdown: string): ShownCommand[] {
    const lines = markdown.split("\n");
    const out: ShownCommand[] = [];
    let fenced = false;
    for (let i = 0; i < lines.length; i++) {
        const raw = lines[i];
        if (/^\s*(```|~~~)/.test(raw)) {
            fenced = !fenced;
            continue;
        }
        if (fenced) {
            let text = raw;
            const start = i;
            while (/\\\s*$/.test(text) && i + 1 < lines.length) text = text.replace(/\\\s*$/, " ") + lines[++i];
            out.push(...parseNpmRun(text, start + 1));
        } else {
            for (const m of raw.matchAll(/`([^`]*\bnpm run\b[^`]*)`/g)) out.push(...parseNpmRun(m[1], i + 1));
        }
    }
    return out;
}

/** The source file an npm script runs (`ts-node ... scripts/x.ts`, `bash scripts/x.sh`), or undefined (mocha, tsc, eslint). */
export function scriptSource(command: string): string | undefined {
    const m = /(?:^|\s)((?:scripts|bench|app)\/[^\s]+\.(?:ts|sh))(?:\s|$)/.exec(command);
    return m?.[1];
}

/** The file and the repository-local modules it imports, transitively (TypeScript relative imports). */
export function sourceClosure(root: string, file: string, seen = new Set<string>()): string[] {
    const abs = path.resolve(root, file);
    if (seen.has(abs) || !fs.existsSync(abs)) return [...seen];
    seen.add(abs);
    if (!abs.endsWith(".ts")) return [...seen];
    const text = fs.readFileSync(abs, "utf8");
    for (const m of text.matchAll(/from\s+"(\.{1,2}\/[^"]+)"/g)) {
        const base = path.resolve(path.dirname(abs), m[1]);
        for (const candidate of [`${base}.ts`, path.join(base, "index.ts")]) {
            if (fs.existsSync(candidate)) sourceClosure(root, path.relative(root, candidate), seen);
        }
    }
    return [...seen];
}

/** True when the sources read the option: `--name` literal, a parseArgs key `name:` / `"name":`, or a `"name"` string. */
export function sourcesKnowOption(texts: string[], option: string): boolean {
    const name = option.replace(/^-+/, "");
    const esc = name.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&");
    const patterns = option.startsWith("--")
        ? [new RegExp(`--${esc}\\b`), new RegExp(`["']${esc}["']\\s*:`), new RegExp(`(^|[\\s{,])${esc}\\s*:\\s*\\{`, "m"), new RegExp(`["']${esc}["']`)]
        : [new RegExp(`short:\\s*["']${esc}["']`), new RegExp(`(^|[\\s|(])-${esc}\\b`, "m")];
    return texts.some((t) => patterns.some((p) => p.test(t)));
}
