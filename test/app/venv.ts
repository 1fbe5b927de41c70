// Python venvs for test tools, under .cache/, installed from hash-locked requirements and
// rebuilt when the lock changes.
import { execFileSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");

/** Creates (or reuses) `.cache/<name>` with `requirements` installed `--require-hashes`; returns its bin dir. */
export function ensureVenv(name: string, requirements: string): string {
    const venv = path.join(ROOT, ".cache", name);
    const stamp = path.join(venv, ".requirements.sha256");
    const want = crypto.createHash("sha256").update(fs.readFileSync(path.join(ROOT, requirements))).digest("hex");
    if (!fs.existsSync(path.join(venv, "bin", "python")) || !fs.existsSync(stamp) || fs.readFileSync(stamp, "utf8") !== want) {
        fs.rmSync(venv, { recursive: true, force: true });
        execFileSync(process.env.PYTHON ?? "python3", ["-m", "venv", venv], { stdio: "inherit" });
        execFileSync(path.join(venv, "bin", "pip"), ["install", "--quiet", "--disable-pip-version-check", "--require-hashes", "-r", path.join(ROOT, requirements)], { stdio: "inherit" });
        fs.writeFileSync(stamp, want);
    }
    return path.join(venv, "bin");
}
