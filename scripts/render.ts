// npm run --silent render -- --stack NAME --out DIR [--set key=value ...]
//
// Runs the program under mocks with the stack's merged config (Pulumi.yaml defaults +
// Pulumi.<stack>.yaml, no CLI, no cloud) and writes what it would create, one file per
// resource: Kubernetes objects as YAML (`<kind>-<name>.yaml`, apiVersion/kind/metadata/...),
// everything else as JSON (`<type>-<name>.json` with type, name and inputs). Secrets are
// written as "[secret]". Component resources are logical groupings and are not written.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { Registration, redact, runProgram } from "./lib/mockRuntime";
import { fromTriggerBuild } from "../components/rebuildBuild";

/** The rendered Cloud Build build of the scheduled rebuild. */
export const CLOUDBUILD_FILE = "cloudbuild.json";

export interface RenderedFile {
    file: string;
    content: string;
}

function slug(s: string): string {
    return s.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "");
}

/** `gcp:artifactregistry/repository:Repository` -> `gcp.artifactregistry.Repository`. */
export function typeSlug(type: string): string {
    const [pkg, mod = "", cls = ""] = type.split(":");
    return slug([pkg, mod.split("/")[0], cls].filter((p) => p !== "" && p !== "index").join("."));
}

function dropUndefined(v: unknown): unknown {
    return JSON.parse(JSON.stringify(v ?? null));
}

/** Kubernetes resources are the `kubernetes:*` types except providers and Helm/YAML wrappers. */
export function isKubernetesObject(r: Registration): boolean {
    return r.type.startsWith("kubernetes:") && typeof r.inputs.kind === "string" && typeof r.inputs.apiVersion === "string";
}

/** The manifest of one Kubernetes resource: apiVersion, kind, metadata first, then the body. */
export function kubernetesManifest(r: Registration): Record<string, unknown> {
    const inputs = dropUndefined(redact(r.inputs)) as Record<string, unknown>;
    const { apiVersion, kind, metadata, ...body } = inputs;
    return { apiVersion, kind, metadata: metadata ?? { name: r.name }, ...body };
}

/** One file per custom resource, in a stable order. */
export function renderRegistrations(registrations: Registration[]): RenderedFile[] {
    const files: RenderedFile[] = [];
    const custom = registrations
        .filter((r) => r.custom)
        .sort((a, b) => (a.type + a.name < b.type + b.name ? -1 : a.type + a.name > b.type + b.name ? 1 : 0));
    for (const r of custom) {
        if (isKubernetesObject(r)) {
            const manifest = kubernetesManifest(r);
            const meta = (manifest.metadata ?? {}) as { name?: string; namespace?: string };
            const name = meta.name ?? r.name;
            files.push({
                file: `${slug(String(manifest.kind).toLowerCase())}-${slug(meta.namespace ? `${meta.namespace}-${name}` : name)}.yaml`,
                content: YAML.stringify(manifest, { lineWidth: 0 }),
            });
        } else {
            files.push({
                file: `${typeSlug(r.type)}-${slug(r.name)}.json`,
                content: `${JSON.stringify({ type: r.type, name: r.name, inputs: dropUndefined(redact(r.inputs)) }, null, 2)}\n`,
            });
        }
    }
    files.push(...cloudBuildFiles(custom));
    const seen = new Set<string>();
    for (const f of files) {
        if (seen.has(f.file)) {
            throw new Error(`render: two resources map to ${f.file}; give them distinct names`);
        }
        seen.add(f.file);
    }
    return files;
}

/**
 * `cloudbuild.json`: the scheduled rebuild's Cloud Build build in the v1 REST shape (what
 * `gcloud builds submit --config` reads), from the stack's one Cloud Build trigger. None
 * when the stack has no trigger (rebuildEnabled false); two triggers are an error.
 */
export function cloudBuildFiles(registrations: Registration[]): RenderedFile[] {
    const triggers = registrations.filter((r) => r.type === "gcp:cloudbuild/trigger:Trigger");
    if (triggers.length > 1) {
        throw new Error(`render: ${triggers.length} Cloud Build triggers (${triggers.map((t) => t.name).join(", ")}); cloudbuild.json holds one build`);
    }
    return triggers.map((t) => {
        const inputs = dropUndefined(redact(t.inputs)) as { build: Record<string, unknown>; serviceAccount?: string };
        return { file: CLOUDBUILD_FILE, content: `${JSON.stringify(fromTriggerBuild(inputs.build, inputs.serviceAccount), null, 2)}\n` };
    });
}

export interface RenderArgs {
    stack: string;
    out: string;
    overrides: Record<string, string>;
}

export function parseArgs(argv: string[]): RenderArgs {
    const usage = "usage: npm run --silent render -- --stack NAME --out DIR [--set namespace:key=value ...]";
    let stack: string | undefined;
    let out: string | undefined;
    const overrides: Record<string, string> = {};
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i];
        const value = argv[i + 1];
        if (!["--stack", "--out", "--set"].includes(flag)) {
            throw new Error(`render: unknown argument ${JSON.stringify(flag)}; ${usage}`);
        }
        if (value === undefined || value.startsWith("--")) {
            throw new Error(`render: ${flag} needs a value; ${usage}`);
        }
        i++;
        if (flag === "--stack") stack = value;
        else if (flag === "--out") out = value;
        else {
            const eq = value.indexOf("=");
            if (eq <= 0) throw new Error(`render: --set ${JSON.stringify(value)} is not key=value; ${usage}`);
            const key = value.slice(0, eq);
            overrides[key.includes(":") ? key : `distroless-python:${key}`] = value.slice(eq + 1);
        }
    }
    if (!stack) throw new Error(`render: --stack is required; ${usage}`);
    if (!out) throw new Error(`render: --out is required; ${usage}`);
    return { stack, out, overrides };
}

/** Renders a stack into `out` (created; stale *.json/*.yaml from an earlier render are removed). */
export async function render(args: RenderArgs, projectDir = path.join(__dirname, "..")): Promise<string[]> {
    const run = await runProgram({ projectDir, stack: args.stack, overrides: args.overrides });
    const files = renderRegistrations(run.registrations);
    fs.mkdirSync(args.out, { recursive: true });
    for (const old of fs.readdirSync(args.out)) {
        if (/\.(json|yaml)$/.test(old)) fs.rmSync(path.join(args.out, old));
    }
    for (const f of files) {
        fs.writeFileSync(path.join(args.out, f.file), f.content);
    }
    return files.map((f) => f.file);
}

if (require.main === module) {
    (async () => {
        const args = parseArgs(process.argv.slice(2));
        const written = await render(args);
        process.stdout.write(`rendered ${written.length} resources of stack ${args.stack} into ${args.out}\n`);
    })().catch((e: unknown) => {
        process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
        process.exit(1);
    });
}
