// Runs the Pulumi program without the CLI or any cloud: the merged stack config goes to
// the runtime, `pulumi.runtime.setMocks` answers every resource and invoke with realistic
// per-type state, and every registration is recorded (inputs and the options the engine
// would receive). Shared by `npm run render` and the unit tests.
import * as crypto from "crypto";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { applyStackConfig, loadStackConfig } from "../../config/stackConfig";
import { DOCKER_BUILD_ENV } from "../../components/buildRender";

/** What the engine would receive for one resource. */
export interface Registration {
    type: string;
    name: string;
    custom: boolean;
    /** Inputs as sent; secrets stay wrapped (see isSecret / redact). */
    inputs: Record<string, unknown>;
    /** Resource options visible to the engine. */
    options: { retainOnDelete: boolean; parent: string; dependencies: string[]; protect?: boolean };
}

export interface ProgramRun {
    registrations: Registration[];
    /** The stack's exports, resolved. */
    outputs: Record<string, unknown>;
    /** Messages logged with pulumi.log.warn. */
    warnings: string[];
}

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** True if `v` is a secret as the engine receives it. */
export function isSecret(v: unknown): v is { value: unknown } {
    return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** Replaces every secret with "[secret]", so rendered files never hold one. */
export function redact(v: unknown): unknown {
    if (isSecret(v)) return "[secret]";
    if (Array.isArray(v)) return v.map(redact);
    if (typeof v === "object" && v !== null) {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redact(x)]));
    }
    return v;
}

/** Unwraps secrets (tests look at the plain value). */
export function reveal(v: unknown): unknown {
    if (isSecret(v)) return reveal(v.value);
    if (Array.isArray(v)) return v.map(reveal);
    if (typeof v === "object" && v !== null) {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, reveal(x)]));
    }
    return v;
}

function sha256(text: string): string {
    return crypto.createHash("sha256").update(text).digest("hex");
}

/** Deterministic fake digest of what a build would push. */
export function fakeDigest(seed: unknown): string {
    return `sha256:${sha256(JSON.stringify(reveal(seed)))}`;
}

export const MOCK_ACCESS_TOKEN = "ya29.mock-access-token";

/** Per-type state, shaped like the providers' real outputs. */
export const mocks: pulumi.runtime.Mocks = {
    newResource(args) {
        const inputs = args.inputs as Record<string, unknown>;
        switch (args.type) {
            case "gcp:artifactregistry/repository:Repository": {
                const project = (inputs.project as string | undefined) ?? "mock-project";
                const location = inputs.location as string;
                const repositoryId = inputs.repositoryId as string;
                return {
                    id: `projects/${project}/locations/${location}/repositories/${repositoryId}`,
                    state: {
                        ...inputs,
                        project,
                        name: repositoryId,
                        registryUri: `${location}-docker.pkg.dev/${project}/${repositoryId}`,
                        createTime: "2026-01-01T00:00:00Z",
                    },
                };
            }
            case "docker-build:index:Image": {
                const tags = (inputs.tags as string[] | undefined) ?? [];
                const digest = fakeDigest({ tags, buildArgs: inputs.buildArgs, target: inputs.target, platforms: inputs.platforms });
                return {
                    id: `${args.name}-id`,
                    state: {
                        ...inputs,
                        digest,
                        ref: tags.length > 0 ? `${tags[0]}@${digest}` : "",
                        contextHash: sha256(JSON.stringify(inputs.context ?? {})),
                    },
                };
            }
            case "docker-build:index:Index": {
                // The index digest of its tag and sources, as `imagetools create` would push.
                const digest = fakeDigest({ tag: inputs.tag, sources: inputs.sources });
                return { id: `${args.name}-id`, state: { ...inputs, ref: `${inputs.tag as string}@${digest}` } };
            }
            case "gcp:projects/service:Service":
                return { id: `${inputs.project as string}/${inputs.service as string}`, state: inputs };
            // ScheduledRebuild: ids and computed fields shaped like the providers' own.
            case "gcp:serviceaccount/account:Account": {
                const email = `${inputs.accountId as string}@${inputs.project as string}.iam.gserviceaccount.com`;
                const id = `projects/${inputs.project as string}/serviceAccounts/${email}`;
                return { id, state: { ...inputs, email, name: id, member: `serviceAccount:${email}`, uniqueId: "100000000000000000001" } };
            }
            case "gcp:pubsub/topic:Topic": {
                const id = `projects/${inputs.project as string}/topics/${inputs.name as string}`;
                return { id, state: inputs };
            }
            case "gcp:storage/bucket:Bucket":
                return { id: inputs.name as string, state: { ...inputs, url: `gs://${inputs.name as string}`, selfLink: `https://www.googleapis.com/storage/v1/b/${inputs.name as string}` } };
            case "gcp:storage/bucketObject:BucketObject":
                return { id: `${inputs.bucket as string}-${inputs.name as string}`, state: { ...inputs, generation: 1767225600123456, md5hash: "mock", selfLink: "mock" } };
            // SigningKey: KMS and Binary Authorization ids as the providers return them.
            case "gcp:kms/keyRing:KeyRing": {
                const id = `projects/${inputs.project as string}/locations/${inputs.location as string}/keyRings/${inputs.name as string}`;
                return { id, state: inputs };
            }
            case "gcp:kms/cryptoKey:CryptoKey": {
                const id = `${inputs.keyRing as string}/cryptoKeys/${inputs.name as string}`;
                return { id, state: { ...inputs, primaries: [{ name: `${id}/cryptoKeyVersions/1`, state: "ENABLED" }] } };
            }
            case "gcp:containeranalysis/note:Note":
                return { id: `projects/${inputs.project as string}/notes/${inputs.name as string}`, state: inputs };
            case "gcp:binaryauthorization/attestor:Attestor":
                return { id: `projects/${inputs.project as string}/attestors/${inputs.name as string}`, state: inputs };
            case "gcp:cloudbuild/trigger:Trigger":
                return { id: `projects/${inputs.project as string}/locations/${inputs.location as string}/triggers/${args.name}`, state: { ...inputs, triggerId: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0" } };
            default:
                return { id: `${args.name}-id`, state: inputs };
        }
    },
    call(args) {
        switch (args.token) {
            case "gcp:organizations/getClientConfig:getClientConfig":
                return { accessToken: MOCK_ACCESS_TOKEN, project: "mock-project", region: "europe-west1", zone: "", id: "mock", defaultLabels: {} };
            case "gcp:organizations/getProject:getProject":
                return { projectId: args.inputs.projectId, number: "123456789012", name: args.inputs.projectId, id: `projects/${args.inputs.projectId as string}` };
            case "gcp:kms/getKMSCryptoKeyVersion:getKMSCryptoKeyVersion": {
                const name = `${args.inputs.cryptoKey as string}/cryptoKeyVersions/${String(args.inputs.version ?? 1)}`;
                const pem = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEmockmockmockmockmockmockmockmockmockmockmockmockmockmockmockmockmockmockmockmockmockmock==\n-----END PUBLIC KEY-----\n";
                return { id: name, name, cryptoKey: args.inputs.cryptoKey, version: args.inputs.version ?? 1, algorithm: "EC_SIGN_P256_SHA256", protectionLevel: "SOFTWARE", state: "ENABLED", publicKeys: [{ algorithm: "EC_SIGN_P256_SHA256", pem }] };
            }
            case "docker:index/getRegistryImage:getRegistryImage":
                return { id: args.inputs.name, name: args.inputs.name, sha256Digest: fakeDigest(args.inputs.name) };
            default:
                throw new Error(`unexpected invoke ${args.token}: add a realistic mock for it`);
        }
    },
};

// Records the options the engine would receive (MockResourceArgs carries no options).
interface RegisterRequest {
    getType(): string;
    getName(): string;
    getCustom(): boolean;
    getParent(): string;
    getDependenciesList(): string[];
    getRetainondelete(): boolean | undefined;
    getProtect(): boolean | undefined;
}
let current: Registration[] | undefined;
let lastRun: Registration[] = [];

/** Registrations of the latest run, also when it failed (to prove nothing was registered). */
export function lastRunRegistrations(): Registration[] {
    return lastRun;
}
let patched = false;
function patchMonitor(): void {
    if (patched) return;
    patched = true;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require("@pulumi/pulumi/runtime/mocks") as { MockMonitor: { prototype: Record<string, unknown> } };
    const original = mod.MockMonitor.prototype.registerResource as (this: unknown, req: RegisterRequest, cb: unknown) => Promise<void>;
    mod.MockMonitor.prototype.registerResource = async function (this: unknown, req: RegisterRequest, cb: unknown) {
        const pending = {
            type: req.getType(),
            name: req.getName(),
            custom: req.getCustom(),
            options: { retainOnDelete: req.getRetainondelete() ?? false, parent: req.getParent(), dependencies: req.getDependenciesList(), protect: req.getProtect() ?? false },
        };
        const target = current;
        await original.call(this, req, cb);
        const inputs = lastInputs.get(`${pending.type}::${pending.name}`) ?? {};
        target?.push({ ...pending, inputs });
    };
}

// Inputs as newResource saw them, keyed by type and name.
const lastInputs = new Map<string, Record<string, unknown>>();
const mocksWithCapture: pulumi.runtime.Mocks = {
    newResource(args) {
        lastInputs.set(`${args.type}::${args.name}`, args.inputs as Record<string, unknown>);
        return mocks.newResource(args);
    },
    call: (args) => mocks.call(args),
};

async function drain(): Promise<void> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
    for (let i = 0; i < 3; i++) {
        await settings.waitForRPCs();
        await new Promise((r) => setImmediate(r));
    }
}

async function resolveAll(v: unknown): Promise<unknown> {
    if (pulumi.Output.isInstance(v)) {
        return resolveAll(await new Promise((r) => (v as pulumi.Output<unknown>).apply(r)));
    }
    if (Array.isArray(v)) return Promise.all(v.map(resolveAll));
    if (typeof v === "object" && v !== null && !(v instanceof pulumi.Resource)) {
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) out[k] = await resolveAll(x);
        return out;
    }
    return v;
}

export interface RunOptions {
    /** Folder with Pulumi.yaml. Default: the repository root. */
    projectDir?: string;
    stack: string;
    /** Config values over the stack file, fully-qualified keys (e.g. a fixture locksDir). */
    overrides?: Record<string, string>;
    /** The program module. Default: `<projectDir>/index.ts`. Re-required on every run. */
    program?: string;
    /**
     * Environment of the run, over process.env (undefined removes a variable). Default: what
     * `pulumi up` needs, `BUILDX_NO_DEFAULT_ATTESTATIONS=1` (components/buildRender.ts).
     */
    env?: Record<string, string | undefined>;
}

/** Runs the program once under mocks with the stack's merged config. */
export async function runProgram(opts: RunOptions): Promise<ProgramRun> {
    const projectDir = path.resolve(opts.projectDir ?? path.join(__dirname, "..", ".."));
    const stackConfig = loadStackConfig(projectDir, opts.stack);
    patchMonitor();
    const registrations: Registration[] = [];
    current = registrations;
    lastRun = registrations;
    lastInputs.clear();
    const warnings: string[] = [];
    const originalWarn = pulumi.log.warn;
    pulumi.log.warn = (msg: string) => {
        warnings.push(msg);
        return Promise.resolve();
    };
    const cwd = process.cwd();
    const env = { ...DOCKER_BUILD_ENV, ...opts.env };
    const savedEnv = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    for (const [k, v] of Object.entries(env)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    }
    try {
        await pulumi.runtime.setMocks(mocksWithCapture, stackConfig.project, opts.stack, false);
        applyStackConfig(stackConfig, opts.overrides);
        process.chdir(projectDir);
        const program = require.resolve(opts.program ?? path.join(projectDir, "index.ts"));
        delete require.cache[program];
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const loaded = require(program) as unknown;
        // index.ts exports the program as a function, called once per run; a fixture program
        // may still export its outputs as module values.
        const exports = (typeof loaded === "function" ? (loaded as () => unknown)() : loaded) as Record<string, unknown>;
        const outputs = (await resolveAll({ ...exports })) as Record<string, unknown>;
        await drain();
        return { registrations, outputs, warnings };
    } finally {
        process.chdir(cwd);
        for (const [k, v] of Object.entries(savedEnv)) {
            if (v === undefined) delete process.env[k];
            else process.env[k] = v;
        }
        pulumi.log.warn = originalWarn;
        current = undefined;
    }
}
