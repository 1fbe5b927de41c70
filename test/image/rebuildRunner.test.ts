// The rebuild runner image (rebuild/runner), built with the local engine exactly as the stack
// builds it (same context, pins and build args), then checked property by property. Nothing
// is pulled: the base image is the engine's debian:trixie-slim (IMAGE_TEST_BASE overrides).
import * as assert from "assert";
import * as childProcess from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { AddressInfo } from "net";
import { runnerPinArgs } from "../../components/rebuildRunner";

const ROOT = path.join(__dirname, "..", "..");
const CONTEXT = path.join(ROOT, "rebuild", "runner");
const TAG = "rebuild-runner:test";
const BASE = process.env.IMAGE_TEST_BASE ?? "debian:trixie-slim";
const HOST_CA = process.env.EXTRA_CA_FILE ?? "/etc/ssl/certs/ca-certificates.crt";
const pins = runnerPinArgs(path.join(CONTEXT, "pins.json"));

interface Result { code: number; stdout: string; stderr: string }

/** Runs a command without a shell; resolves with its exit code and output (never rejects on exit code). */
function run(cmd: string, args: string[], input?: string): Promise<Result> {
    return new Promise((resolve, reject) => {
        const child = childProcess.spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
        child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
        child.stdin.end(input ?? "");
    });
}

/** `docker run` of the runner: no network unless asked, removed afterwards. */
async function inRunner(script: string, opts: { network?: "host" | "none"; env?: Record<string, string>; input?: string } = {}): Promise<Result> {
    const env = Object.entries(opts.env ?? {}).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
    return run("docker", ["run", "--rm", "-i", "--pull", "never", "--network", opts.network ?? "none", ...env, TAG, "sh", "-c", script], opts.input);
}

describe("rebuild runner image (local engine)", function () {
    before(async function () {
        this.timeout(20 * 60 * 1000);
        const args = [
            "buildx", "build", "--network", "host", "--load", "-t", TAG,
            "--build-arg", `BASE_IMAGE=${BASE}`,
            ...Object.entries(pins).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]),
            ...(fs.existsSync(HOST_CA) ? ["--secret", `id=extra_ca,src=${HOST_CA}`] : []),
            CONTEXT,
        ];
        process.stderr.write(`[rebuild-runner] docker ${args.join(" ")}\n`);
        const started = Date.now();
        const r = await run("docker", args);
        process.stderr.write(`[rebuild-runner] build took ${Math.round((Date.now() - started) / 1000)}s\n`);
        assert.strictEqual(r.code, 0, `runner build failed (exit ${r.code}):\n${r.stderr.slice(-6000)}\n${r.stdout.slice(-2000)}`);
    });

    it("stays small, since Cloud Build pulls it on every run: under 400 MB (one emulator, no docs or headers)", async () => {
        const r = await run("docker", ["image", "inspect", "-f", "{{.Size}}", TAG]);
        assert.strictEqual(r.code, 0, r.stderr);
        const mb = Number(r.stdout.trim()) / 1e6;
        process.stderr.write(`[rebuild-runner] image size ${mb.toFixed(0)} MB\n`);
        assert.ok(mb < 400, `${mb.toFixed(0)} MB`);
    });
    it("keeps only the aarch64 emulator and its binfmt entry", async () => {
        const r = await inRunner("ls /usr/bin | grep '^qemu-'; ls /usr/lib/binfmt.d");
        assert.strictEqual(r.code, 0, r.stderr);
        assert.deepStrictEqual(r.stdout.trim().split("\n").sort(), ["qemu-aarch64", "qemu-aarch64-static", "qemu-aarch64.conf"]);
    });

    it("runs the pinned Node 24 and npm", async () => {
        const r = await inRunner("node --version; npm --version");
        assert.strictEqual(r.code, 0, r.stderr);
        assert.deepStrictEqual(r.stdout.trim().split("\n"), [`v${pins.NODE_VERSION}`, pins.NPM_VERSION]);
        assert.strictEqual(pins.NODE_VERSION.split(".")[0], "24");
    });
    it("has the pinned cosign (the one cosign:install builds), a static binary that runs with no network", async () => {
        const r = await inRunner("cosign version 2>&1; ldd /usr/local/bin/cosign 2>&1 | tr -d '\\t'");
        assert.strictEqual(r.code, 0, r.stderr);
        assert.match(r.stdout, new RegExp(`GitVersion:\\s+${pins.COSIGN_VERSION.replace(/\./g, "\\.")}\\n`));
        assert.match(r.stdout, /statically linked|not a dynamic executable/);
    });
    it("has the Docker CLI with the buildx plugin", async () => {
        const r = await inRunner("docker --version && docker buildx version");
        assert.strictEqual(r.code, 0, r.stderr);
        assert.match(r.stdout, /^Docker version [0-9]+\./m);
        assert.match(r.stdout, /github\.com\/docker\/buildx [0-9]+\.[0-9]+/);
    });
    it("has a static qemu for arm64 and a binfmt description with the fix-binary flag (usable from any container)", async () => {
        const conf = "/usr/lib/binfmt.d/qemu-aarch64.conf";
        const r = await inRunner(`qemu-aarch64-static --version | head -1; cut -d: -f8 ${conf}; ldd "$(readlink -f "$(cut -d: -f7 ${conf})")" 2>&1 | tr -d '\\t'`);
        assert.strictEqual(r.code, 0, r.stderr);
        const [version, flags, linkage] = r.stdout.trim().split("\n");
        assert.match(version, /^qemu-aarch64 version [0-9]+/);
        assert.match(flags, /F/);
        // A static interpreter needs no libraries in the emulated container's filesystem.
        assert.match(linkage, /statically linked|not a dynamic executable/);
    });
    it("register-binfmt writes the handler to binfmt_misc's register file (a stand-in folder here, unprivileged)", async () => {
        const r = await inRunner("mkdir -p /tmp/m && : > /tmp/m/register && BINFMT_MISC=/tmp/m register-binfmt && cmp /tmp/m/register /usr/lib/binfmt.d/qemu-aarch64.conf && echo same");
        assert.strictEqual(r.code, 0, r.stderr);
        assert.deepStrictEqual(r.stdout.trim().split("\n"), ["binfmt: registered qemu-aarch64", "same"]);
    });
    it("after the binfmt step (the privileged container Cloud Build runs), an arm64 container runs", async () => {
        // Exactly the build's `binfmt` step; on a kernel that already has the handler it reports so.
        const step = await run("docker", ["run", "--rm", "--privileged", "--network", "none", "--pull", "never", "--entrypoint", "/usr/local/bin/register-binfmt", TAG]);
        assert.strictEqual(step.code, 0, step.stderr);
        assert.match(step.stdout, /^binfmt: (registered|qemu-aarch64 already registered)/m);
        const arm = process.env.IMAGE_TEST_ARM64_BASE ?? "127.0.0.1:5000/debian:trixie-slim-arm64";
        const r = await run("docker", ["run", "--rm", "--pull", "never", "--network", "none", "--platform", "linux/arm64", arm, "uname", "-m"]);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.strictEqual(r.stdout.trim(), "aarch64");
    });
    it("register-binfmt refuses a description without the fix-binary flag (negative control)", async () => {
        const r = await inRunner("sed 's/:[A-Z]*$/:P/' /usr/lib/binfmt.d/qemu-aarch64.conf > /tmp/c && mkdir -p /tmp/m && : > /tmp/m/register && BINFMT_CONF=/tmp/c BINFMT_MISC=/tmp/m register-binfmt");
        assert.strictEqual(r.code, 1);
        assert.match(r.stderr, /^ERROR: \/tmp\/c lacks the F \(fix binary\) flag/);
    });
    it("has trivy-cdxgen, the scanner the checks use, and it lists the runner's own Debian packages", async () => {
        const r = await inRunner("mkdir -p /tmp/r/var/lib /tmp/r/etc && cp -a /var/lib/dpkg /tmp/r/var/lib/ && cp /etc/os-release /tmp/r/etc/ && trivy-cdxgen rootfs --quiet --output /tmp/sbom.json /tmp/r >/dev/null 2>&1; cat /tmp/sbom.json");
        assert.strictEqual(r.code, 0, r.stderr);
        const sbom = JSON.parse(r.stdout) as { components?: Array<{ name: string }> };
        const names = (sbom.components ?? []).map((c) => c.name);
        for (const p of ["docker-cli", "docker-buildx", "qemu-user-static"]) assert.ok(names.includes(p), `${p} not in ${names.length} components`);
    });

    describe("registry credentials from the metadata server", () => {
        let server: http.Server;
        let port = 0;
        let issued = 0;
        let failing = false;
        before(async () => {
            server = http.createServer((req, res) => {
                if (failing || req.headers["metadata-flavor"] !== "Google" || req.url !== "/computeMetadata/v1/instance/service-accounts/default/token") {
                    res.writeHead(failing ? 500 : 403).end("no");
                    return;
                }
                issued++;
                res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ access_token: `token-${issued}`, expires_in: 3599, token_type: "Bearer" }));
            });
            await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
            port = (server.address() as AddressInfo).port;
        });
        after(() => server.close());

        it("docker-credential-metadata answers every get with a fresh token as oauth2accesstoken", async () => {
            const script = "printf europe-west1-docker.pkg.dev | docker-credential-metadata get; printf europe-west1-docker.pkg.dev | docker-credential-metadata get";
            const r = await inRunner(script, { network: "host", env: { GCE_METADATA_HOST: `127.0.0.1:${port}` } });
            assert.strictEqual(r.code, 0, r.stderr);
            const answers = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, string>);
            assert.deepStrictEqual(answers.map((a) => [a.ServerURL, a.Username]), [["europe-west1-docker.pkg.dev", "oauth2accesstoken"], ["europe-west1-docker.pkg.dev", "oauth2accesstoken"]]);
            assert.notStrictEqual(answers[0].Secret, answers[1].Secret, "the second get must fetch a new token");
            assert.match(answers[1].Secret, /^token-[0-9]+$/);
        });
        it("fails naming the metadata URL when the server refuses (negative control)", async () => {
            failing = true;
            try {
                const r = await inRunner("printf h | docker-credential-metadata get", { network: "host", env: { GCE_METADATA_HOST: `127.0.0.1:${port}` } });
                assert.strictEqual(r.code, 1);
                assert.strictEqual(r.stderr.trim(), `docker-credential-metadata: http://127.0.0.1:${port}/computeMetadata/v1/instance/service-accounts/default/token: HTTP 500`);
            } finally {
                failing = false;
            }
        });
        it("use-metadata-credentials adds the helper for the registry host and keeps the existing Docker config", async () => {
            const r = await inRunner("mkdir -p /tmp/h/.docker && echo '{\"auths\":{\"gcr.io\":{}},\"credHelpers\":{\"other\":\"x\"}}' > /tmp/h/.docker/config.json && HOME=/tmp/h use-metadata-credentials europe-west1-docker.pkg.dev >/dev/null && cat /tmp/h/.docker/config.json");
            assert.strictEqual(r.code, 0, r.stderr);
            assert.deepStrictEqual(JSON.parse(r.stdout), { auths: { "gcr.io": {} }, credHelpers: { other: "x", "europe-west1-docker.pkg.dev": "metadata" } });
        });
    });
});
