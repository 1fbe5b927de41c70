// Reuse: another stack installs this package from its `npm pack` tarball (compiled JS +
// .d.ts) and instantiates the components. The install is offline: the consumer's
// @pulumi/* dependencies are linked to ours, so the tarball is the only new package.
import * as assert from "assert";
import * as childProcess from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ProgramRun, runProgram } from "../../scripts/lib/mockRuntime";

const ROOT = path.join(__dirname, "..", "..");
const PULUMI_PACKAGES = ["pulumi", "gcp", "docker", "docker-build", "kubernetes"];

function exec(cmd: string, args: string[], cwd: string): string {
    return childProcess.execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

describe("reuse: a consumer stack installs the npm pack tarball", function () {
    this.timeout(90000);
    let dir: string;
    let run: ProgramRun;
    let typecheck: Promise<{ code: number | null; output: string }>;

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "consumer-"));
        fs.cpSync(path.join(ROOT, "test", "fixtures", "consumer"), dir, { recursive: true });
        const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as Record<string, unknown>;
        manifest.dependencies = Object.fromEntries(PULUMI_PACKAGES.map((p) => [`@pulumi/${p}`, `file:${path.join(ROOT, "node_modules", "@pulumi", p)}`]));
        fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify(manifest, null, 2));

        const tarball = exec("npm", ["pack", "--silent", "--pack-destination", dir], ROOT).trim().split("\n").pop()!;
        exec("npm", ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", "--no-package-lock", path.join(dir, tarball)], dir);

        // Type-check the consumer against the published .d.ts while the program runs.
        typecheck = new Promise((resolve) => {
            const tsc = childProcess.spawn(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", dir]);
            let output = "";
            tsc.stdout.on("data", (d) => (output += d));
            tsc.stderr.on("data", (d) => (output += d));
            tsc.on("close", (code) => resolve({ code, output }));
        });

        const image = path.join(dir, "image");
        fs.mkdirSync(path.join(image, "locks"), { recursive: true });
        // A stand-in context with the Dockerfile interface's targets (issue 14 builds the real one from the package).
        fs.writeFileSync(path.join(image, "Dockerfile"), "FROM scratch AS runtime\nFROM scratch AS debug\nFROM scratch AS builder\n");
        fs.writeFileSync(path.join(image, "locks", "upstream-3.13.json"), `${JSON.stringify({
            python: { minor: "3.13", version: "3.13.5" },
            cpython: { version: "3.13.5", sha256: "93e583f243454e6e9e4588ca2c2662206ad961659863277afcdb96801647d640" },
        })}\n`);
        run = await runProgram({
            projectDir: dir,
            stack: "test",
            program: path.join(dir, "index.ts"),
            overrides: { "consumer:contextDir": image, "consumer:lockFile": path.join(image, "locks", "upstream-3.13.json") },
        });
    });

    it("the tarball holds compiled JS and declarations, not TypeScript sources", () => {
        const pkg = path.join(dir, "node_modules", "distroless-python-gcp");
        assert.ok(fs.existsSync(path.join(pkg, "bin", "components", "index.js")));
        assert.ok(fs.existsSync(path.join(pkg, "bin", "components", "index.d.ts")));
        assert.ok(!fs.existsSync(path.join(pkg, "components")));
        assert.ok(!fs.existsSync(path.join(pkg, "test")));
    });

    it("the consumer type-checks against the published declarations", async () => {
        const { code, output } = await typecheck;
        assert.strictEqual(code, 0, output);
    });

    it("creates the consumer's repository, reader grant (non-authoritative) and image with the consumer's names", () => {
        const names = run.registrations.filter((r) => r.custom).map((r) => `${r.type} ${r.name}`).sort();
        assert.deepStrictEqual(names, [
            "docker-build:index:Image py313-amd64",
            "docker-build:index:Index py313-index",
            "gcp:artifactregistry/repository:Repository team-repository",
            "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember team-reader-serviceAccount-nodes-team-project-iam-gserviceaccount-com",
        ]);
    });

    it("exports a digest-pinned reference from the consumer's repository", () => {
        assert.match(run.outputs.ref as string, /^us-central1-docker\.pkg\.dev\/team-project\/team-python\/python@sha256:[0-9a-f]{64}$/);
        assert.match(run.outputs.tag as string, /^3\.13\.5-[0-9a-f]{12}-debug$/);
        assert.strictEqual(run.outputs.tagShape, "3.13.5-0123456789ab-debug");
    });
});
