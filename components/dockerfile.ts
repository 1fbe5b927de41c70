// What a Dockerfile build reads, computed from the Dockerfile itself: the stages a set of
// targets reaches, the context paths their COPY/ADD instructions send, and the build args a
// RUN step can see. The buildId hashes exactly this set (components/buildSpec.ts), so a
// README, a check or another minor's data never moves an image's tag or digest.
//
// A small parser for the instructions this project's Dockerfiles use (FROM, ARG, COPY, ADD,
// RUN with --mount, and the rest as opaque lines); it fails loudly on what it cannot read,
// since a silently missed COPY source would let a changed file keep an old buildId.

import { PLATFORMS } from "./constants";

/** One instruction after joining `\` continuations and dropping comments. */
export interface Instruction {
    keyword: string;
    /** Everything after the keyword. */
    rest: string;
    /** 1-based line of the instruction's first line. */
    line: number;
}

export interface Stage {
    name: string;
    index: number;
    /** The FROM argument, unexpanded (`${BASE_IMAGE}`, `python-${PYTHON_FLAVOR}`, `scratch`). */
    from: string;
    instructions: Instruction[];
}

export interface ParsedDockerfile {
    /** ARGs declared before the first FROM, with their defaults (undefined when none). */
    globalArgs: Record<string, string | undefined>;
    stages: Stage[];
}

/** BuildKit's automatic platform args: per platform, never hashed into a platform-independent id. */
export const AUTOMATIC_ARGS = new Set([
    "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT",
    "BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT",
]);

/**
 * The automatic args' values on each platform this project builds for (every build x target
 * pair): a stage chosen by platform (`FROM cpython-${BUILDARCH}-${TARGETARCH}`) is read on
 * some platform, so the platform-independent read set holds every stage any of them selects.
 */
const PLATFORM_ARG_SETS: readonly Record<string, string>[] = PLATFORMS.flatMap((build) => PLATFORMS.map((target) => {
    const [bos, barch] = build.split("/");
    const [tos, tarch] = target.split("/");
    return { BUILDPLATFORM: build, BUILDOS: bos, BUILDARCH: barch, BUILDVARIANT: "", TARGETPLATFORM: target, TARGETOS: tos, TARGETARCH: tarch, TARGETVARIANT: "" };
}));

/** Whether `text` reads the arg `name` (`$NAME` or `${NAME}`). */
const mentionsArg = (text: string, name: string): boolean => new RegExp(`\\$\\{?${name}\\b`).test(text);

/** Splits a Dockerfile into instructions. */
export function instructions(text: string): Instruction[] {
    const out: Instruction[] = [];
    const lines = text.split("\n");
    let buf = "";
    let start = 0;
    for (let i = 0; i < lines.length; i++) {
        const raw = lines[i];
        const trimmed = raw.trim();
        // Comment lines are dropped, also inside a continued instruction (as BuildKit does).
        if (trimmed.startsWith("#") || (trimmed === "" && buf === "")) continue;
        if (buf === "") start = i + 1;
        if (/<<-?["']?[A-Z_]+["']?/.test(trimmed) && /^(RUN|COPY)\b/i.test(buf + trimmed)) {
            throw new Error(`Dockerfile line ${i + 1}: heredocs are not supported by the read-set parser; accepted: plain RUN/COPY lines`);
        }
        if (trimmed.endsWith("\\")) {
            buf += trimmed.slice(0, -1) + " ";
            continue;
        }
        buf += trimmed;
        const m = /^([A-Za-z]+)\s*(.*)$/.exec(buf.trim());
        if (!m) throw new Error(`Dockerfile line ${start}: ${JSON.stringify(buf)} is not an instruction`);
        out.push({ keyword: m[1].toUpperCase(), rest: m[2].trim(), line: start });
        buf = "";
    }
    if (buf !== "") throw new Error(`Dockerfile line ${start}: the file ends inside a continued instruction`);
    return out;
}

/** Parses `NAME[=default]` of an ARG instruction. */
function argDecl(rest: string, line: number): [string, string | undefined] {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/.exec(rest);
    if (!m) throw new Error(`Dockerfile line ${line}: ARG ${JSON.stringify(rest)} is not NAME or NAME=default`);
    const value = m[2]?.replace(/^"(.*)"$/, "$1");
    return [m[1], value];
}

export function parseDockerfile(text: string): ParsedDockerfile {
    const globalArgs: Record<string, string | undefined> = {};
    const stages: Stage[] = [];
    for (const ins of instructions(text)) {
        if (ins.keyword === "FROM") {
            const words = ins.rest.split(/\s+/).filter((w) => !w.startsWith("--platform="));
            const asAt = words.findIndex((w) => w.toUpperCase() === "AS");
            const name = asAt === -1 ? String(stages.length) : words[asAt + 1];
            stages.push({ name, index: stages.length, from: words[0], instructions: [] });
        } else if (stages.length === 0) {
            if (ins.keyword !== "ARG") throw new Error(`Dockerfile line ${ins.line}: ${ins.keyword} before the first FROM`);
            const [k, v] = argDecl(ins.rest, ins.line);
            globalArgs[k] = v;
        } else {
            stages[stages.length - 1].instructions.push(ins);
        }
    }
    return { globalArgs, stages };
}

/** Expands `$NAME` and `${NAME}` (no modifiers: none are used here) from `vars`. */
export function expand(s: string, vars: Record<string, string | undefined>, line: number): string {
    return s.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(:[-+][^}]*)?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, braced: string, modifier: string, bare: string) => {
        if (modifier) throw new Error(`Dockerfile line ${line}: \${${braced}${modifier}} modifiers are not supported by the read-set parser`);
        return vars[braced ?? bare] ?? "";
    });
}

/** Flags (`--from=x`, `--mount=...`) and the remaining words of a COPY/ADD/RUN. */
function flags(rest: string): { flags: string[]; words: string[] } {
    const words = rest.split(/\s+/).filter((w) => w !== "");
    let i = 0;
    while (i < words.length && words[i].startsWith("--")) i++;
    return { flags: words.slice(0, i), words: words.slice(i) };
}

/** What each RUN `--mount` reads: a stage or image (`from=`), or a context path (a bind mount without `from=`). */
function mounts(flagList: string[]): { from?: string; contextSource?: string }[] {
    return flagList
        .filter((f) => f.startsWith("--mount="))
        .map((f) => Object.fromEntries(f.slice("--mount=".length).split(",").map((kv) => {
            const eq = kv.indexOf("=");
            return eq === -1 ? [kv, ""] : [kv.slice(0, eq), kv.slice(eq + 1)];
        })) as Record<string, string>)
        .map((m) => {
            if (m.from !== undefined) return { from: m.from };
            if ((m.type ?? "bind") === "bind") return { contextSource: m.source ?? m.src ?? "." };
            return {};
        });
}

export interface ReadSet {
    /** Names of the stages built, in Dockerfile order. */
    stages: string[];
    /** COPY/ADD sources and RUN bind-mount sources from the main context, after arg expansion (files or folders). */
    copySources: string[];
    /**
     * Build args some RUN step can read (declared in a built stage before one of its RUN
     * instructions, or used in a built stage's FROM), automatic platform args excluded.
     */
    runArgs: string[];
}

/**
 * The read set of building `targets` with `args` (build args over the Dockerfile's defaults).
 * `namedContexts` replace stages of the same name (BuildKit's `--build-context name=...`):
 * such a stage is not built and its COPY sources are not read from the main context.
 */
export function readSet(text: string, targets: readonly string[], args: Record<string, string>, namedContexts: readonly string[] = []): ReadSet {
    const parsed = parseDockerfile(text);
    const byName = new Map(parsed.stages.map((s) => [s.name, s]));
    const globals: Record<string, string | undefined> = { ...parsed.globalArgs };
    for (const k of Object.keys(globals)) if (k in args) globals[k] = args[k];
    const built = new Set<string>();
    const copySources = new Set<string>();
    const runArgs = new Set<string>();

    const visit = (ref: string, line: number) => {
        if (namedContexts.includes(ref)) return;
        const stage = byName.get(ref);
        if (!stage) return; // an image (BASE_IMAGE, scratch), not a stage
        if (built.has(stage.name)) return;
        built.add(stage.name);
        for (const [k] of Object.entries(parsed.globalArgs)) {
            if (mentionsArg(stage.from, k)) runArgs.add(k);
        }
        // A FROM naming a stage by platform reads every stage some platform selects.
        if ([...AUTOMATIC_ARGS].some((k) => mentionsArg(stage.from, k))) {
            const refs = new Set(PLATFORM_ARG_SETS.map((p) => expand(stage.from, { ...globals, ...p }, line)));
            for (const r of refs) {
                if (!byName.has(r)) throw new Error(`Dockerfile line ${line}: FROM ${stage.from} selects "${r}" on some platform, which is not a stage of the Dockerfile (it selects ${[...refs].join(", ")} on the platforms ${PLATFORMS.join(", ")})`);
                visit(r, line);
            }
        } else {
            visit(expand(stage.from, globals, line), line);
        }
        // ARGs visible at each point of the stage; a RUN sees those declared before it.
        const declared: Record<string, string | undefined> = {};
        for (const ins of stage.instructions) {
            if (ins.keyword === "ARG") {
                const [k, def] = argDecl(ins.rest, ins.line);
                declared[k] = k in args ? args[k] : (def ?? globals[k]);
                continue;
            }
            const vars = { ...globals, ...declared };
            if (ins.keyword === "RUN") {
                for (const k of Object.keys(declared)) if (!AUTOMATIC_ARGS.has(k)) runArgs.add(k);
                for (const m of mounts(flags(ins.rest).flags)) {
                    if (m.from !== undefined) visit(expand(m.from, vars, ins.line), ins.line);
                    if (m.contextSource !== undefined) copySources.add(expand(m.contextSource, vars, ins.line));
                }
            } else if (ins.keyword === "COPY" || ins.keyword === "ADD") {
                const f = flags(ins.rest);
                if (f.words[0]?.startsWith("[")) throw new Error(`Dockerfile line ${ins.line}: JSON-form ${ins.keyword} is not supported by the read-set parser`);
                const from = f.flags.find((x) => x.startsWith("--from="));
                if (from) {
                    visit(expand(from.slice("--from=".length), vars, ins.line), ins.line);
                    continue;
                }
                if (f.words.length < 2) throw new Error(`Dockerfile line ${ins.line}: ${ins.keyword} needs a source and a destination`);
                for (const src of f.words.slice(0, -1)) copySources.add(expand(src, vars, ins.line));
            }
        }
    };
    for (const t of targets) {
        if (!byName.has(t)) throw new Error(`Dockerfile target ${JSON.stringify(t)} does not exist; accepted: ${parsed.stages.map((s) => s.name).join(", ")}`);
        visit(t, 0);
    }
    return {
        stages: parsed.stages.filter((s) => built.has(s.name)).map((s) => s.name),
        copySources: [...copySources].sort(),
        runArgs: [...runArgs].sort(),
    };
}

/**
 * The context files behind COPY sources: a source naming a folder (or ending in `/`) stands
 * for every file under it. `files` is the context's file list (`/`-separated, relative).
 * A source that matches nothing fails, naming it: the build would fail the same way.
 */
export function filesOfSources(sources: readonly string[], files: readonly string[]): string[] {
    const out = new Set<string>();
    for (const raw of sources) {
        const src = raw.replace(/^\.\//, "").replace(/\/+$/, "");
        if (/[*?[]/.test(src)) throw new Error(`COPY source ${JSON.stringify(raw)}: wildcards are not supported by the read-set parser; accepted: files and folders`);
        const matched = files.filter((f) => f === src || f.startsWith(`${src}/`) || src === "." || src === "");
        if (matched.length === 0) throw new Error(`COPY source ${JSON.stringify(raw)} is not in the build context`);
        matched.forEach((f) => out.add(f));
    }
    return [...out].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
