// The pack starts the way `pulumi preview --policy-pack policy` runs it: node loads
// policy/index.ts from the pack folder, @pulumi/policy validates the pack and its policy names,
// and the pack serves on a loopback port it prints to stdout.
import * as assert from "assert";
import { spawn } from "node:child_process";
import * as path from "node:path";

describe("policy pack: loads and serves", function () {
    this.timeout(30000);
    it("prints the gRPC port it listens on (127.0.0.1) within 30 s", async () => {
        const dir = path.join(__dirname, "..", "..", "policy");
        const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "index.ts"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        let err = "";
        try {
            const port = await new Promise<number>((resolve, reject) => {
                child.stdout.on("data", (d) => {
                    out += d;
                    const m = /^(\d+)\s*$/m.exec(out);
                    if (m) resolve(Number(m[1]));
                });
                child.stderr.on("data", (d) => { err += d; });
                child.on("exit", (code) => reject(new Error(`policy pack exited ${code}: ${err}${out}`)));
            });
            assert.ok(port > 0 && port < 65536);
        } finally {
            child.kill("SIGKILL");
        }
    });
});
