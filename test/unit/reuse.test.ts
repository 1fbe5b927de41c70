// Reuse: another stack installs this package from its `npm pack` tarball (compiled JS +
// .d.ts and the image/ build context; test/lib/consumer.ts) and instantiates the components.
// The real build from the package's files runs in test/image/reuse.test.ts.
import * as assert from "assert";
import * as childProcess from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ProgramRun, runProgram } from "../../scripts/lib/mockRuntime";
import { imageBuildSpec, readBuildSources, stageLock } from "../../components/buildSpec";
import { installConsumer } from "../lib/consumer";

const ROOT = path.join(__dirname, "..", "..");

describe("reuse: a consumer stack installs the npm pack tarball", function () {
    this.timeout(90000);
    let dir: string;
    let run: ProgramRun;
    let typecheck: Promise<{ code: number | null; output: string }>;

    before(async () => {
        dir = installConsumer().dir;

        // Type-check the consumer against the published .d.ts while the program runs.
        typecheck = new Promise((resolve) => {
            const tsc = childProcess.spawn(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", dir]);
            let output = "";
            tsc.stdout.on("data", (d) => (output += d));
            tsc.stderr.on("data", (d) => (output += d));
            tsc.on("close", (code) => resolve({ code, output }));
        });

        // No contextDir or lockFile: the consumer builds from the package's own image/ (README "Reuse").
        run = await runProgram({ projectDir: dir, stack: "test", program: path.join(dir, "index.ts") });
    });

    it("builds from the image/ build context the package ships, with this repository's buildId", () => {
        const pkg = path.join(dir, "node_modules", "distroless-python-gcp");
        assert.strictEqual(run.outputs.usedContext, path.join(fs.realpathSync(pkg), "image"));
        for (const f of ["Dockerfile", "assemble/assemble.sh", "packages/trim.txt", "locks/debian-3.13.json", "python-versions.json"]) {
            assert.ok(fs.existsSync(path.join(pkg, "image", f)), `image/${f} is in the package`);
        }
        assert.ok(!fs.existsSync(path.join(pkg, "image", "checks")), "the image tests stay out of the package");
        // Same files the Dockerfile reads, same lock: the same content-addressed id as a build from this checkout.
        const lockBytes = fs.readFileSync(path.join(ROOT, "image", "locks", "debian-3.13.json"));
        const own = imageBuildSpec({
            sources: readBuildSources(path.join(ROOT, "image")), lockBytes, lockContextDir: stageLock(lockBytes, path.join(dir, ".cache")),
            flavor: "debian", minor: "3.13", variant: "debug", platforms: ["linux/amd64"],
        });
        assert.strictEqual(run.outputs.buildId, own.buildId);
    });

    it("a contextDir without a file the Dockerfile copies fails naming the context and the file", () => {
        const partial = fs.mkdtempSync(path.join(os.tmpdir(), "partial-context-"));
        fs.cpSync(path.join(ROOT, "image"), partial, { recursive: true });
        fs.rmSync(path.join(partial, "packages", "trim.txt"));
        const lockBytes = fs.readFileSync(path.join(partial, "locks", "debian-3.13.json"));
        assert.throws(
            () => imageBuildSpec({
                sources: readBuildSources(partial), lockBytes, lockContextDir: stageLock(lockBytes, path.join(partial, ".cache")),
                flavor: "debian", minor: "3.13", variant: "runtime", platforms: ["linux/amd64"],
            }),
            new RegExp(`build context ${partial.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: COPY source "packages/trim.txt" is not in the build context; accepted: the package's own image/ folder`),
        );
        fs.rmSync(partial, { recursive: true, force: true });
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
        assert.match(run.outputs.ref as string, /^us-central1-docker\.pkg\.dev\/team-project\/team-python\/python-debian@sha256:[0-9a-f]{64}$/);
        assert.match(run.outputs.tag as string, /^3\.13\.[0-9]+-[0-9a-f]{12}-debug$/);
        assert.strictEqual(run.outputs.tagShape, "3.13.5-0123456789ab-debug");
    });
});
