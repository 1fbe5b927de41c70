/**
 * The tools cache: one folder outside the repository, keyed by tool and version, so a warm
 * machine (or a second clone) reuses every build. Go's module and build caches live in it
 * too, so a version bump rebuilds only what changed.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** Default cache root; override with DISTROLESS_PYTHON_TOOLS_CACHE. */
export const DEFAULT_CACHE_ROOT = "/var/cache/distroless-python-tools";
export const CACHE_ENV = "DISTROLESS_PYTHON_TOOLS_CACHE";

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
    const fromEnv = env[CACHE_ENV];
    if (fromEnv !== undefined && fromEnv !== "" && !path.isAbsolute(fromEnv)) {
        throw new Error(`${CACHE_ENV}=${fromEnv}: expected an absolute path`);
    }
    return fromEnv || DEFAULT_CACHE_ROOT;
}

/** Where one tool version's files live: <root>/tools/<tool>-<version>/bin/<binary>. */
export function toolDir(root: string, tool: string, version: string): string {
    return path.join(root, "tools", `${tool}-${version}`);
}

/** PULUMI_HOME shared by every run (plugins are keyed by version inside it). */
export function pulumiHome(root: string): string {
    return path.join(root, "pulumi-home");
}

export interface Stamp {
    tool: string;
    version: string;
    /** Seconds the cold build took. */
    seconds: number;
    builtAt: string;
    binaries: string[];
    /** Extra facts worth keeping beside the binaries (e.g. the provider's source commit). */
    notes?: Record<string, string>;
}

const STAMP = "build.json";

/** The stamp of a completed build, or undefined when absent or when a binary went missing. */
export function readStamp(dir: string): Stamp | undefined {
    const file = path.join(dir, STAMP);
    if (!fs.existsSync(file)) return undefined;
    const stamp = JSON.parse(fs.readFileSync(file, "utf8")) as Stamp;
    const complete = stamp.binaries.every((b) => fs.existsSync(path.join(dir, "bin", b)));
    return complete ? stamp : undefined;
}

/**
 * Moves a finished staging folder into place and writes its stamp last, so an interrupted
 * build never looks complete.
 */
export function commitBuild(staging: string, dir: string, stamp: Stamp): void {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    fs.renameSync(staging, dir);
    fs.writeFileSync(path.join(dir, STAMP), JSON.stringify(stamp, null, 2) + "\n");
}

/** Go's caches and build settings, all under the cache root. */
export function goEnv(root: string): NodeJS.ProcessEnv {
    return {
        ...process.env,
        GOMODCACHE: path.join(root, "go", "mod"),
        GOCACHE: path.join(root, "go", "build"),
        GOPATH: path.join(root, "go", "path"),
        GOFLAGS: "-mod=mod",
        // Building with the installed Go keeps the cold build free of a toolchain download.
        GOTOOLCHAIN: "local",
        CGO_ENABLED: "0",
    };
}
