/**
 * examples/examples.json: which lock, installer, code and command each example uses, and how
 * its result is verified. Data, not logic: the build and run steps read it through
 * validateCatalog(), which names the offending example, key and value on bad input.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export const ROOT = path.resolve(__dirname, "..", "..");
export const EXAMPLES_DIR = path.join(ROOT, "examples");
export const CATALOG_FILE = path.join(EXAMPLES_DIR, "examples.json");

export const INSTALLERS = ["pip", "poetry", "pipenv", "uv"] as const;
export type Installer = (typeof INSTALLERS)[number];
/** The lock file each installer reads (inside the example's `lock` directory). */
export const LOCK_FILES: Record<Installer, string[]> = {
    pip: ["requirements.txt"],
    poetry: ["pyproject.toml", "poetry.lock"],
    pipenv: ["Pipfile", "Pipfile.lock"],
    uv: ["pyproject.toml", "uv.lock"],
};
export const FIXTURES = ["postgres", "fake-gcs-server"] as const;
export type Fixture = (typeof FIXTURES)[number];
export const VERIFIERS = ["fastapi", "pandas", "gcs-grpc", "postgres", "sample-app"] as const;
export type Verifier = (typeof VERIFIERS)[number];

export interface Example {
    /** Lower-case name, also the image repository suffix. */
    name: string;
    description: string;
    installer: Installer;
    /** Directory (relative to the repo root) holding the lock file(s): the `lock` build context. */
    lock: string;
    /** Directory (relative to the repo root) holding `package/`: the `src` build context. */
    src: string;
    /** The Python package copied to /opt/app/src/<package>/. */
    package: string;
    /** server: runs until stopped, ready when `readyPath` answers 200; job: runs to exit 0. */
    mode: "server" | "job";
    /** none: its own loopback-only namespace; host: the host's, servers bound to 127.0.0.1. */
    network: "none" | "host";
    /** Loopback services the test starts on the host before the run (default none). */
    fixtures: Fixture[];
    /** Server port (mode server). */
    port?: number;
    readyPath?: string;
    /** argv after the image's entrypoint (/opt/app/venv/bin/python). */
    command: string[];
    verify: Verifier;
}

function oneOf<T extends string>(where: string, key: string, v: unknown, accepted: readonly T[]): T {
    if (typeof v !== "string" || !accepted.includes(v as T)) {
        throw new Error(`${where}: "${key}" is ${JSON.stringify(v)}; accepted: ${accepted.join(", ")}`);
    }
    return v as T;
}

function str(where: string, key: string, v: unknown, re: RegExp, what: string): string {
    if (typeof v !== "string" || !re.test(v)) throw new Error(`${where}: "${key}" is ${JSON.stringify(v)}; accepted: ${what}`);
    return v;
}

/**
 * Validates the parsed catalog. `exists` (default: fs.existsSync under the repo root) lets
 * tests check the lock-file rule without touching the disk.
 */
export function validateCatalog(raw: unknown, exists: (rel: string) => boolean = (rel) => fs.existsSync(path.join(ROOT, rel))): Example[] {
    const doc = raw as { schemaVersion?: unknown; examples?: unknown };
    if (!doc || doc.schemaVersion !== 1) throw new Error(`examples.json: "schemaVersion" is ${JSON.stringify(doc?.schemaVersion)}; accepted: 1`);
    if (!Array.isArray(doc.examples) || doc.examples.length === 0) throw new Error(`examples.json: "examples" must be a non-empty array`);
    const seen = new Set<string>();
    return doc.examples.map((e: Record<string, unknown>, i: number) => {
        const where = `examples.json examples[${i}]${typeof e?.name === "string" ? ` (${e.name})` : ""}`;
        const name = str(where, "name", e.name, /^[a-z][a-z0-9-]*$/, "lower-case letters, digits and dashes");
        if (seen.has(name)) throw new Error(`${where}: "name" ${JSON.stringify(name)} is used twice`);
        seen.add(name);
        const installer = oneOf(where, "installer", e.installer, INSTALLERS);
        const rel = /^[a-z][a-z0-9_./-]*$/;
        const lock = str(where, "lock", e.lock, rel, "a directory relative to the repo root");
        for (const f of LOCK_FILES[installer]) {
            if (!exists(path.join(lock, f))) throw new Error(`${where}: installer ${installer} needs ${path.join(lock, f)}, which does not exist`);
        }
        const src = str(where, "src", e.src, rel, "a directory relative to the repo root");
        const pkg = str(where, "package", e.package, /^[A-Za-z_][A-Za-z0-9_]*$/, "a Python package name");
        if (!exists(path.join(src, pkg, "__init__.py"))) throw new Error(`${where}: "package" ${pkg}: ${path.join(src, pkg, "__init__.py")} does not exist`);
        const mode = oneOf(where, "mode", e.mode, ["server", "job"] as const);
        const network = oneOf(where, "network", e.network, ["none", "host"] as const);
        const fixtures = ((e.fixtures ?? []) as unknown[]).map((f) => oneOf(where, "fixtures[]", f, FIXTURES));
        if (!Array.isArray(e.command) || e.command.length === 0 || !e.command.every((c) => typeof c === "string")) {
            throw new Error(`${where}: "command" must be a non-empty array of strings (argv after the python entrypoint)`);
        }
        const ex: Example = {
            name, installer, lock, src, package: pkg, mode, network, fixtures,
            description: str(where, "description", e.description, /./, "a non-empty string"),
            command: e.command as string[],
            verify: oneOf(where, "verify", e.verify, VERIFIERS),
        };
        if (mode === "server") {
            if (!Number.isInteger(e.port) || (e.port as number) < 1 || (e.port as number) > 65535) throw new Error(`${where}: "port" is ${JSON.stringify(e.port)}; accepted: 1..65535 (mode server)`);
            ex.port = e.port as number;
            ex.readyPath = str(where, "readyPath", e.readyPath, /^\//, "an absolute URL path (mode server)");
        }
        if (fixtures.length > 0 && network !== "host") throw new Error(`${where}: fixtures listen on the host's loopback, so "network" must be "host" (is ${network})`);
        return ex;
    });
}

export function loadCatalog(file = CATALOG_FILE): Example[] {
    return validateCatalog(JSON.parse(fs.readFileSync(file, "utf8")));
}

/** Selects examples by name; unknown names are an error listing the known ones. */
export function selectExamples(all: Example[], names: string[]): Example[] {
    if (names.length === 0) return all;
    const known = all.map((e) => e.name);
    for (const n of names) if (!known.includes(n)) throw new Error(`unknown example ${JSON.stringify(n)}; accepted: ${known.join(", ")}`);
    return all.filter((e) => names.includes(e.name));
}
