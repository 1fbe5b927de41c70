// Reuse, for real: a consumer installs the `npm pack` tarball and builds the REAL image from
// the package's own files (its image/ context and lock) with the local engine, through the
// build spec's CLI rendering (the package's compiled imageBuildSpec + buildxArgs, then
// `docker buildx build`): the docker-build provider cannot run here. Debian flavour 3.13
// runtime, amd64 (about a minute on this machine with a warm engine).
import * as assert from "assert";
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type * as BuildRender from "../../components/buildRender";
import type * as BuildSpecModule from "../../components/buildSpec";
import type * as PackageContext from "../../components/packageContext";
import { installConsumer } from "../lib/consumer";

const ROOT = path.join(__dirname, "..", "..");

/** Runs a command with its output streamed (progress), failing with its exit code. */
function run(cmd: string, args: string[]): Promise<void> {
    return new Promise((resolve, reject) => {
        const child = spawn(cmd, args, { stdio: ["ignore", "inherit", "inherit"] });
        child.on("error", reject);
        child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.slice(0, 3).join(" ")} ... exited ${code}`))));
    });
}

describe("reuse: the consumer builds the real image from the packed package", function () {
    this.timeout(900000);
    let pkg: string;
    let dir: string;
    let tag: string;
    let revision: string;

    before(async () => {
        ({ pkg, dir } = installConsumer());
        // The package's compiled modules, as a consumer requires them: not this checkout's sources.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const spec = require(path.join(pkg, "bin", "components", "buildSpec.js")) as typeof BuildSpecModule;
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const render = require(path.join(pkg, "bin", "components", "buildRender.js")) as typeof BuildRender;
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const context = require(path.join(pkg, "bin", "components", "packageContext.js")) as typeof PackageContext;
        const contextDir = context.packagedImageContext(path.join(pkg, "bin", "components"));
        assert.ok(contextDir.startsWith(fs.realpathSync(dir)) || contextDir.startsWith(dir), `${contextDir} is inside the consumer's node_modules`);
        const lockBytes = fs.readFileSync(context.packagedLockFile("debian", "3.13", path.join(pkg, "bin", "components")));
        const image = spec.imageBuildSpec({
            sources: spec.readBuildSources(contextDir),
            lockBytes,
            lockContextDir: spec.stageLock(lockBytes, path.join(dir, ".cache", "build-locks")),
            flavor: "debian",
            minor: "3.13",
            variant: "runtime",
            platforms: ["linux/amd64"],
            imageName: "reuse-consumer/python-debian",
        });
        const platform = image.perPlatform[0];
        tag = platform.tags[0];
        revision = image.revision;
        const args = render.buildxArgs(platform, { output: { load: true } });
        process.stderr.write(`[reuse] docker ${args.join(" ")}\n`);
        const started = Date.now();
        await run("docker", args);
        process.stderr.write(`[reuse] built ${tag} in ${Math.round((Date.now() - started) / 1000)}s\n`);
    });

    after(() => {
        if (tag) execFileSync("docker", ["image", "rm", "--force", tag], { stdio: "ignore" });
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("carries the revision the package's build spec computed from its own files", () => {
        const shipped = execFileSync("docker", ["image", "inspect", tag, "--format", "{{json .Config.Labels}}"], { encoding: "utf8" });
        const labels = JSON.parse(shipped) as Record<string, string>;
        // The revision label is the build spec's content hash of what the build read.
        assert.strictEqual(labels["org.opencontainers.image.revision"], revision);
    });

    it("the image runs CPython 3.13 with no network", () => {
        const out = execFileSync("docker", ["run", "--rm", "--network", "none", tag, "-c", "import sys, ssl, sqlite3; print('%d.%d' % sys.version_info[:2])"], { encoding: "utf8" });
        assert.strictEqual(out.trim(), "3.13");
    });

    it("is the same build as this checkout's image:build spec (same buildId from the package's files)", () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const own = require("../../components/buildSpec") as typeof BuildSpecModule;
        const lockBytes = fs.readFileSync(path.join(ROOT, "image", "locks", "debian-3.13.json"));
        const mine = own.imageBuildSpec({
            sources: own.readBuildSources(path.join(ROOT, "image")), lockBytes, lockContextDir: own.stageLock(lockBytes, path.join(dir, ".cache", "own-locks")),
            flavor: "debian", minor: "3.13", variant: "runtime", platforms: ["linux/amd64"],
        });
        assert.strictEqual(mine.revision, revision);
    });
});
