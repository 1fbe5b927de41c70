/**
 * A throwaway Go module that requires the tool's module and builds its main packages.
 *
 * Why a wrapper and not `go install module@version`: the tools here (Pulumi, Kubernetes, etcd,
 * kwok) carry replace directives in their go.mod, which `go install` refuses and which do not
 * apply to a dependent module. The wrapper copies each dependency's module replaces and maps
 * its local-path replaces (`=> ../sdk`, `=> ./staging/src/k8s.io/api`) to published versions.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { run } from "./exec";

export interface ModuleRef {
    path: string;
    version: string;
}

export interface WrapperSpec {
    /** Progress label, e.g. "pulumi". */
    label: string;
    /** The wrapper module's folder (created; reused between runs). */
    dir: string;
    env: NodeJS.ProcessEnv;
    requires: ModuleRef[];
    /**
     * Modules whose go.mod replace directives the wrapper copies; `local` maps a local-path
     * replace of that module to a published module version (undefined: dropped).
     */
    copyReplacesFrom?: { module: ModuleRef; local: (oldPath: string) => ModuleRef | undefined }[];
    /** Packages imported from tools.go so `go mod tidy` keeps their dependencies. */
    imports: string[];
}

interface GoModJson {
    Replace?: { Old: { Path: string; Version?: string }; New: { Path: string; Version?: string } }[];
}

async function goModOf(spec: WrapperSpec, mod: ModuleRef): Promise<GoModJson> {
    const info = JSON.parse(
        await run(`${spec.label}: go mod download ${mod.path}@${mod.version}`, "go", ["mod", "download", "-json", `${mod.path}@${mod.version}`], {
            cwd: spec.dir,
            env: spec.env,
            capture: true,
        }),
    ) as { GoMod?: string; Error?: string };
    if (!info.GoMod) throw new Error(`${spec.label}: go mod download ${mod.path}@${mod.version}: ${info.Error ?? "no go.mod reported"}`);
    return JSON.parse(
        await run(`${spec.label}: go mod edit -json`, "go", ["mod", "edit", "-json", info.GoMod], { cwd: spec.dir, env: spec.env, capture: true }),
    ) as GoModJson;
}

/** The `-replace` arguments that carry a dependency's replaces over to the wrapper. */
export function replaceArgs(goMod: GoModJson, local: (oldPath: string) => ModuleRef | undefined): string[] {
    const args: string[] = [];
    for (const r of goMod.Replace ?? []) {
        const old = r.Old.Version ? `${r.Old.Path}@${r.Old.Version}` : r.Old.Path;
        if (r.New.Version) {
            args.push(`-replace=${old}=${r.New.Path}@${r.New.Version}`);
        } else {
            const mapped = local(r.Old.Path);
            if (mapped) args.push(`-replace=${old}=${mapped.path}@${mapped.version}`);
        }
    }
    return args;
}

/** Writes go.mod/tools.go, copies replaces and runs `go mod tidy`. */
export async function prepareWrapper(spec: WrapperSpec): Promise<void> {
    fs.mkdirSync(spec.dir, { recursive: true });
    const name = `local/tools-${spec.label}`;
    fs.writeFileSync(path.join(spec.dir, "go.mod"), `module ${name}\n\ngo 1.24\n`);
    fs.writeFileSync(
        path.join(spec.dir, "tools.go"),
        `//go:build tools\n\n// Package tools pins the tool's main packages for go mod tidy.\npackage tools\n\nimport (\n${spec.imports.map((i) => `\t_ "${i}"`).join("\n")}\n)\n`,
    );
    const edits = spec.requires.map((r) => `-require=${r.path}@${r.version}`);
    for (const source of spec.copyReplacesFrom ?? []) edits.push(...replaceArgs(await goModOf(spec, source.module), source.local));
    await run(`${spec.label}: go mod edit`, "go", ["mod", "edit", ...edits], { cwd: spec.dir, env: spec.env });
    await run(`${spec.label}: go mod tidy`, "go", ["mod", "tidy"], { cwd: spec.dir, env: spec.env });
}

/**
 * `go build` of the given packages into outDir, with -s -w and the given -X stamps; one
 * package may be given an output name (etcd's main package is its module root, ".../v3").
 */
export async function goBuild(
    spec: WrapperSpec,
    packages: string[],
    outDir: string,
    stamps: Record<string, string> = {},
    outName?: string,
): Promise<void> {
    fs.mkdirSync(outDir, { recursive: true });
    const ldflags = ["-s", "-w", ...Object.entries(stamps).map(([k, v]) => `-X '${k}=${v}'`)].join(" ");
    const out = packages.length === 1 ? path.join(outDir, outName ?? path.basename(packages[0])) : outDir + path.sep;
    await run(`${spec.label}: go build`, "go", ["build", "-trimpath", "-ldflags", ldflags, "-o", out, ...packages], {
        cwd: spec.dir,
        env: spec.env,
    });
}
