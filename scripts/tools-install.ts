/**
 * Builds the integration tools (Pulumi CLI, Kubernetes provider, etcd, kube-apiserver +
 * controller-manager + scheduler, kwok, fake-gcs-server, actionlint) into a cache outside the repo,
 * keyed by version, reusing what is there.
 *
 *   npm run --silent tools:install -- [tool...] [--force]
 *
 * Progress and timings go to stderr; stdout gets one line per binary path, so
 * `npm run --silent tools:install -- fake-gcs-server | tail -1` is that binary's path.
 * Cache root: $DISTROLESS_PYTHON_TOOLS_CACHE (default /var/cache/distroless-python-tools).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { cacheRoot, commitBuild, goEnv, readStamp, toolDir } from "./tools/cache";
import { log, run } from "./tools/exec";
import { RECIPES } from "./tools/registry";
import { installProviderPlugin } from "./tools/pluginInstall";
import { field, loadToolVersions, TOOL_NAMES, type ToolName, type ToolVersions } from "./tools/versions";

export const VERSIONS_FILE = path.join(__dirname, "..", "tools", "versions.json");

export function parseTools(positionals: string[]): ToolName[] {
    if (positionals.length === 0) return [...TOOL_NAMES];
    for (const p of positionals) {
        if (!(TOOL_NAMES as readonly string[]).includes(p)) throw new Error(`unknown tool "${p}"; expected one of ${TOOL_NAMES.join(", ")}`);
    }
    // Build order is fixed (the provider's plugin install uses the CLI), whatever the order asked.
    return TOOL_NAMES.filter((t) => positionals.includes(t));
}

async function checkGo(versions: ToolVersions): Promise<void> {
    const out = await run("go version", "go", ["env", "GOVERSION"], { capture: true }).catch(() => {
        throw new Error(`Go ${versions.goMinimum}+ is needed on PATH (e.g. /usr/local/go/bin) to build the tools`);
    });
    const [major, minor] = out.trim().replace(/^go/, "").split(".").map(Number);
    const [wantMajor, wantMinor] = versions.goMinimum.split(".").map(Number);
    if (major < wantMajor || (major === wantMajor && minor < wantMinor)) {
        throw new Error(`${out.trim()} is too old; tools/versions.json asks for Go ${versions.goMinimum} or newer`);
    }
}

/** Ensures one tool is built; returns its bin folder and binaries. */
export async function ensureTool(tool: ToolName, versions: ToolVersions, root: string, force: boolean): Promise<{ bin: string; binaries: string[] }> {
    const recipe = RECIPES[tool];
    const version = field(versions, tool, recipe.versionKey);
    const dir = toolDir(root, tool, version);
    const cached = force ? undefined : readStamp(dir);
    if (cached) {
        log(`${tool} ${version}: cached in ${dir} (cold build took ${cached.seconds}s on ${cached.builtAt})`);
        return { bin: path.join(dir, "bin"), binaries: cached.binaries };
    }
    log(`${tool} ${version}: building (cold build about ${recipe.coldMinutes} min on 2 cores)`);
    const started = Date.now();
    const staging = `${dir}.partial`;
    fs.rmSync(staging, { recursive: true, force: true });
    fs.mkdirSync(path.join(staging, "bin"), { recursive: true });
    const work = path.join(root, "work", `${tool}-${version}`);
    const result = await recipe.build({ versions, root, env: goEnv(root), staging, work });
    const seconds = Math.round((Date.now() - started) / 1000);
    commitBuild(staging, dir, { tool, version, seconds, builtAt: new Date().toISOString(), binaries: result.binaries, notes: result.notes });
    log(`${tool} ${version}: built in ${seconds}s -> ${dir}/bin`);
    return { bin: path.join(dir, "bin"), binaries: result.binaries };
}

async function main(): Promise<void> {
    const { values, positionals } = parseArgs({
        allowPositionals: true,
        options: {
            force: { type: "boolean", default: false },
            help: { type: "boolean", short: "h", default: false },
        },
    });
    if (values.help) {
        process.stdout.write(`usage: tools:install [${TOOL_NAMES.join("|")}...] [--force]\n`);
        return;
    }
    const tools = parseTools(positionals);
    const versions = loadToolVersions(VERSIONS_FILE);
    const root = cacheRoot();
    fs.mkdirSync(root, { recursive: true });
    await checkGo(versions);
    const started = Date.now();
    const paths: string[] = [];
    for (const tool of tools) {
        const toolStarted = Date.now();
        const { bin, binaries } = await ensureTool(tool, versions, root, values.force);
        if (tool === "pulumi-kubernetes") await installProviderPlugin(versions, root);
        log(`${tool}: ready in ${Math.round((Date.now() - toolStarted) / 1000)}s`);
        paths.push(...binaries.map((b) => path.join(bin, b)));
    }
    log(`all requested tools ready in ${Math.round((Date.now() - started) / 1000)}s (cache ${root})`);
    process.stdout.write(paths.join("\n") + "\n");
}

if (require.main === module) {
    main().catch((err: Error) => {
        process.stderr.write(`tools:install: ${err.message}\n`);
        process.exit(1);
    });
}
