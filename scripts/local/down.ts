/**
 * npm run local:down: destroys the local stack through the engine (while its control plane is
 * up), stops the control plane's processes by PID and removes .local/state, so nothing keeps
 * running and the next local:up starts clean. The images stay in the registry.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ensureTools, ROOT } from "./engine";
import { localStack, STATE_DIR, WORK_DIR } from "./up";

const POINTER = process.env.CONTROL_PLANE_POINTER ?? "/tmp/distroless-python-control-plane.dir";

async function main(): Promise<void> {
    const planeUp = fs.existsSync(POINTER) && fs.existsSync(path.join(fs.readFileSync(POINTER, "utf8").trim(), "admin.kubeconfig"));
    if (fs.existsSync(STATE_DIR) && planeUp) {
        process.stderr.write("[local:down] pulumi destroy (local stack)\n");
        const stack = await localStack(ensureTools());
        await stack.destroy({ onOutput: (o) => process.stderr.write(o) });
    } else if (fs.existsSync(STATE_DIR)) {
        process.stderr.write("[local:down] no control plane running: dropping the local stack's state without a destroy\n");
    }
    fs.rmSync(STATE_DIR, { recursive: true, force: true });
    fs.rmSync(WORK_DIR, { recursive: true, force: true });
    execFileSync("bash", [path.join(ROOT, "scripts", "local", "control-plane.sh"), "stop"], { stdio: "inherit" });
    process.stderr.write("[local:down] done: no control plane process left, state removed, images kept in 127.0.0.1:5000\n");
}

main().catch((err: Error) => {
    process.stderr.write(`local:down: ${err.message}\n`);
    process.exit(1);
});
