// The integration suite's environment: the tools from the cache (tools:install), a control
// plane on 127.0.0.1 (scripts/local/control-plane.sh), the published images' release lock
// (local:publish), and Automation API workspaces on a file backend in a temp folder with the
// passphrase secrets provider. Shared by test/integration and npm run local:up / local:down.
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { ConfigMap, InlineProgramArgs, LocalWorkspace, LocalWorkspaceOptions, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { pulumiHome, cacheRoot, toolDir } from "../tools/cache";
import { field, loadToolVersions } from "../tools/versions";
import { manifestDigest, splitRef } from "./registry";

export const ROOT = path.resolve(__dirname, "..", "..");
export const PROJECT = "distroless-python";
/**
 * The policy pack as the CLI can run it here: an executable (policy/run-policy-pack), since the
 * directory form needs the Node.js language host. Pass it as `policyPacks: [POLICY_PACK]`.
 */
export const POLICY_PACK = path.join(ROOT, "policy", "run-policy-pack");
const CONTROL_PLANE = path.join(ROOT, "scripts", "local", "control-plane.sh");

/** Runs the tools installer (seconds when warm) and returns the Pulumi CLI's install root. */
export function ensureTools(): { pulumiRoot: string; pulumiHome: string } {
    execFileSync("npx", ["--no-install", "ts-node", "--transpile-only", "scripts/tools-install.ts", "pulumi", "pulumi-kubernetes", "etcd", "kubernetes", "kwok"], {
        cwd: ROOT,
        stdio: ["ignore", "ignore", "inherit"],
    });
    const versions = loadToolVersions(path.join(ROOT, "tools", "versions.json"));
    const root = cacheRoot();
    return { pulumiRoot: toolDir(root, "pulumi", field(versions, "pulumi", "version")), pulumiHome: pulumiHome(root) };
}

export interface ControlPlane {
    dir: string;
    kubeconfig: string;
    stop(): void;
}

/** Starts a control plane in a new temp folder; `stop()` ends its processes by PID. */
export function startControlPlane(): ControlPlane {
    const out = execFileSync("bash", [CONTROL_PLANE, "start"], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    const kubeconfig = out.trim().split("\n").pop()!;
    const dir = path.dirname(kubeconfig);
    return { dir, kubeconfig, stop: () => execFileSync("bash", [CONTROL_PLANE, "stop", dir], { stdio: ["ignore", "ignore", "inherit"] }) };
}

/** Publishes the images (reused when the registry still holds the lock's digests); returns the lock path. */
export function ensureReleaseLock(): string {
    const out = execFileSync("npx", ["--no-install", "ts-node", "--transpile-only", "scripts/local/publish.ts", "--reuse"], {
        cwd: ROOT,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
        maxBuffer: 64 * 1024 * 1024,
    });
    return out.trim().split("\n").pop()!;
}

/** The local stack file's config, as `setAllConfig` takes it (arrays as JSON text). */
export function localStackConfig(overrides: Record<string, string> = {}): ConfigMap {
    const doc = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.local.yaml"), "utf8")) as { config: Record<string, unknown> };
    const out: ConfigMap = {};
    for (const [k, v] of Object.entries(doc.config)) out[k] = { value: typeof v === "string" ? v : JSON.stringify(v) };
    for (const [k, v] of Object.entries(overrides)) out[k] = { value: v };
    return out;
}

export interface Backend {
    /** The file backend's folder (state files under .pulumi/). */
    dir: string;
    passphrase: string;
    options: LocalWorkspaceOptions;
    cleanup(): void;
}

/** A file backend in a temp folder, passphrase secrets, the cached CLI and PULUMI_HOME. */
export async function fileBackend(tools: { pulumiRoot: string; pulumiHome: string }): Promise<Backend> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "distroless-python-state-"));
    const passphrase = `integration-${process.pid}-${Date.now()}`;
    const pulumiCommand = await PulumiCommand.get({ root: tools.pulumiRoot });
    return {
        dir,
        passphrase,
        options: {
            pulumiCommand,
            pulumiHome: tools.pulumiHome,
            secretsProvider: "passphrase",
            projectSettings: { name: PROJECT, runtime: "nodejs", backend: { url: `file://${dir}` } },
            envVars: {
                PULUMI_CONFIG_PASSPHRASE: passphrase,
                PULUMI_SKIP_UPDATE_CHECK: "true",
                PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            },
        },
        cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
    };
}

/** An inline-program stack on the backend. */
export function inlineStack(backend: Backend, stackName: string, program: InlineProgramArgs["program"]): Promise<Stack> {
    return LocalWorkspace.createOrSelectStack({ stackName, projectName: PROJECT, program }, backend.options);
}

/** Every file of the backend (state, history, backups), for the plaintext-secret check. */
export function backendFiles(dir: string): string[] {
    const out: string[] = [];
    const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, e.name);
            if (e.isDirectory()) walk(p);
            else out.push(p);
        }
    };
    walk(dir);
    return out;
}

interface KubeconfigDoc {
    clusters: { cluster: { server: string; "certificate-authority-data": string } }[];
    users: { user: { "client-certificate-data": string; "client-key-data": string } }[];
}

/** A minimal Kubernetes API client over the kubeconfig's client certificate (no kubectl here). */
export class KubeClient {
    private readonly server: string;
    private readonly ca: Buffer;
    readonly cert: Buffer;
    readonly key: Buffer;
    constructor(kubeconfig: string) {
        const doc = YAML.parse(fs.readFileSync(kubeconfig, "utf8")) as KubeconfigDoc;
        this.server = doc.clusters[0].cluster.server;
        this.ca = Buffer.from(doc.clusters[0].cluster["certificate-authority-data"], "base64");
        this.cert = Buffer.from(doc.users[0].user["client-certificate-data"], "base64");
        this.key = Buffer.from(doc.users[0].user["client-key-data"], "base64");
    }
    /** GET an API path; resolves with status and parsed body. */
    get(apiPath: string): Promise<{ status: number; body: Record<string, unknown> }> {
        return new Promise((resolve, reject) => {
            const req = https.get(`${this.server}${apiPath}`, { ca: this.ca, cert: this.cert, key: this.key }, (res) => {
                let text = "";
                res.on("data", (d: Buffer) => (text += d.toString()));
                res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }));
            });
            req.on("error", reject);
        });
    }
}

/** `/api/v1/...` or `/apis/<group>/<version>/...` of an object (plural: lower-case kind + s / ies). */
export function objectPath(apiVersion: string, kind: string, name: string, namespace?: string): string {
    const lower = kind.toLowerCase();
    const plural = lower.endsWith("y") ? `${lower.slice(0, -1)}ies` : `${lower}s`;
    const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    return `${base}${namespace ? `/namespaces/${namespace}` : ""}/${plural}/${name}`;
}

/**
 * Paths where `declared` is not contained in `live` (objects recursively, arrays item by item,
 * scalars by equality): empty when the API server holds every declared field.
 */
export function missingFields(declared: unknown, live: unknown, at = ""): string[] {
    if (Array.isArray(declared)) {
        if (!Array.isArray(live) || live.length !== declared.length) return [`${at} (declared ${JSON.stringify(declared)}, live ${JSON.stringify(live)})`];
        return declared.flatMap((d, i) => missingFields(d, live[i], `${at}[${i}]`));
    }
    if (typeof declared === "object" && declared !== null) {
        if (typeof live !== "object" || live === null) return [`${at} (live ${JSON.stringify(live)})`];
        return Object.entries(declared).flatMap(([k, v]) => missingFields(v, (live as Record<string, unknown>)[k], `${at}.${k}`));
    }
    return declared === live ? [] : [`${at} (declared ${JSON.stringify(declared)}, live ${JSON.stringify(live)})`];
}

/** True while the loopback registry still holds a manifest, by digest reference. */
export async function registryHas(ref: string): Promise<boolean> {
    const { registry, repository, reference } = splitRef(ref);
    if (!reference.startsWith("sha256:")) throw new Error(`${ref}: not a digest reference`);
    return (await manifestDigest(registry, repository, reference)) === reference;
}

/** Runs a command asynchronously (the suite must not block the event loop the engine talks to). */
export function run(cmd: string, args: string[]): Promise<string> {
    return new Promise((resolve, reject) => execFile(cmd, args, { cwd: ROOT }, (err, stdout) => (err ? reject(err) : resolve(stdout))));
}
