/**
 * The local stack, up for real (after scripts/local/up.sh installed the prerequisites):
 * tools from the cache (built on the first run, with progress), images published to the
 * loopback registry and their release lock, a control plane on 127.0.0.1, then `pulumi up`
 * of Pulumi.local.yaml's stack through the real engine via the Automation API. State lives in
 * .local/state (file backend, passphrase in .local/passphrase); `npm run local:down` destroys
 * the stack, stops the control plane and removes both (and .local/work).
 */
import { spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { ensureReleaseLock, ensureTools, KubeClient, localStackConfig, PROJECT, ROOT, startControlPlane } from "./engine";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import program from "../../index";
import { estimateColdMinutes } from "../tools/estimate";
import { LOCAL_KEY_PREFIX } from "../rebuild/sign";
import { findCosign } from "../signing/cosign";

export const LOCAL_DIR = path.join(ROOT, ".local");
export const STATE_DIR = path.join(LOCAL_DIR, "state");
const PASSPHRASE_FILE = path.join(LOCAL_DIR, "passphrase");
/** The workspace folder: its Pulumi.local.yaml keeps the stack's config and encryption salt between runs. */
export const WORK_DIR = path.join(LOCAL_DIR, "work");

function log(msg: string): void {
    process.stderr.write(`[local:up] ${msg}\n`);
}

/** The local stack on the .local/state backend (created on first use). */
export async function localStack(tools: { pulumiRoot: string; pulumiHome: string }): Promise<Stack> {
    fs.mkdirSync(STATE_DIR, { recursive: true });
    fs.mkdirSync(WORK_DIR, { recursive: true });
    if (!fs.existsSync(PASSPHRASE_FILE)) fs.writeFileSync(PASSPHRASE_FILE, crypto.randomBytes(24).toString("hex") + "\n", { mode: 0o600 });
    return LocalWorkspace.createOrSelectStack({ stackName: "local", projectName: PROJECT, program: async () => program() }, {
        workDir: WORK_DIR,
        pulumiCommand: await PulumiCommand.get({ root: tools.pulumiRoot }),
        pulumiHome: tools.pulumiHome,
        secretsProvider: "passphrase",
        projectSettings: { name: PROJECT, runtime: "nodejs", backend: { url: `file://${STATE_DIR}` } },
        envVars: {
            PULUMI_CONFIG_PASSPHRASE: fs.readFileSync(PASSPHRASE_FILE, "utf8").trim(),
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        },
    });
}

/**
 * The deploy path verifies before rollout, as main.yml does: every digest of the release lock
 * must carry rebuild:local's signature and attestations (image:verify with its local public
 * key); a failure stops here, before anything is deployed.
 */
function verifyBeforeRollout(lockFile: string): void {
    const pub = `${LOCAL_KEY_PREFIX}.pub`;
    const cosign = findCosign();
    if (!cosign || !fs.existsSync(pub)) {
        log(`WARNING: not verifying ${path.relative(ROOT, lockFile)}: ${cosign ? `no ${path.relative(ROOT, pub)} (rebuild:local signs once cosign is installed)` : "cosign is not installed (npm run --silent cosign:install)"}`);
        return;
    }
    log(`image:verify: every digest of ${path.relative(ROOT, lockFile)} against ${path.relative(ROOT, pub)}`);
    const r = spawnSync("npm", ["run", "--silent", "image:verify", "--", "--key", pub, "--release-lock", lockFile], { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] });
    if (r.status !== 0) throw new Error(`image:verify refused ${path.relative(ROOT, lockFile)} (exit ${r.status}); nothing deployed`);
}

async function main(): Promise<void> {
    const started = Date.now();
    const cold = estimateColdMinutes(["pulumi", "pulumi-kubernetes", "etcd", "kubernetes", "kwok"]);
    if (cold > 0) log(`tools: ${cold} min of cold builds ahead on 2 cores (the first run only; cached afterwards)`);
    const tools = ensureTools();
    log("images: publishing to 127.0.0.1:5000 (reused when the lock's digests are there)");
    const lockFile = ensureReleaseLock();
    verifyBeforeRollout(lockFile);
    log("control plane: starting on 127.0.0.1");
    const plane = startControlPlane();
    const stack = await localStack(tools);
    await stack.setAllConfig(localStackConfig({
        "distroless-python:releaseLockFile": path.relative(ROOT, lockFile),
        "distroless-python:kubeconfig": plane.kubeconfig,
    }));
    log("pulumi up (real engine, local stack)");
    const up = await stack.up({ onOutput: (o) => process.stderr.write(o), policyPacks: [path.join(ROOT, "policy", "run-policy-pack")] });
    const outputs = Object.fromEntries(Object.entries(up.outputs).map(([k, v]) => [k, v.secret ? "[secret]" : v.value]));
    process.stdout.write(`${JSON.stringify(outputs, null, 2)}\n`);
    const pods = (await new KubeClient(plane.kubeconfig).get(`/api/v1/namespaces/${String(outputs.appNamespace)}/pods`)).body.items as { metadata: { name: string }; status: { conditions?: { type: string; status: string }[] } }[];
    const ready = pods.filter((p) => p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
    log(`pods Ready: ${ready.length}/${pods.length} (${pods.map((p) => p.metadata.name).join(", ")})`);
    if (pods.length === 0 || ready.length !== pods.length) throw new Error("the app's pods are not all Ready");
    log(`done in ${Math.round((Date.now() - started) / 1000)}s`);
    log(`kubeconfig: ${plane.kubeconfig}`);
    log(`the app: Deployment ${outputs.appNamespace}/${outputs.appNamespace}, Service ${outputs.appService}; its pods are kwok's (admission and scheduling are real, no container runs).`);
    log("to reach the app itself: kwok runs no container, so nothing answers behind the Service; the same image runs under this Deployment's constraints in npm run test:image (test/app/app-run.test.ts), requests entering its network namespace");
    log("stop everything: npm run local:down");
}

if (require.main === module) {
    main().catch((err: Error) => {
        process.stderr.write(`local:up: ${err.message}\n`);
        process.exit(1);
    });
}
