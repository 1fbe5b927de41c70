// One spec, one digest: the same build through image:build's buildx invocation and through
// the invocation docker-build's exec mode makes from the component's inputs (the provider
// cannot be installed here; test/lib/dockerBuildExec.ts reproduces its argv from its source),
// on one named builder, pushed to the loopback registry.
import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { dockerBuildImageArgs, DOCKER_BUILD_ENV } from "../../components/buildRender";
import { imageRequest } from "../../components/distrolessPythonImage";
import { imageBuildSpec } from "../../components/buildSpec";
import { buildImage, parseBuildArgs } from "../../scripts/image-build";
import { providerExecArgs, type DockerBuildInputs } from "../lib/dockerBuildExec";

const ROOT = path.resolve(__dirname, "../..");
const REGISTRY = process.env.REGISTRY_ADDR ?? "127.0.0.1:5000";

function run(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = spawn("docker", args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
        let log = "";
        child.stdout.on("data", (d) => { log += d; });
        child.stderr.on("data", (d) => { log += d; });
        child.on("close", (code) => (code === 0 ? resolve(log) : reject(new Error(`docker ${args.slice(0, 2).join(" ")} exited ${code}\n${log.slice(-3000)}`))));
    });
}

/** Runs the provider's exec-mode invocation the way it does: a private DOCKER_CONFIG, the host's buildx state. */
async function providerBuild(inputs: DockerBuildInputs, extraEnv: Record<string, string | undefined>): Promise<string> {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-docker-"));
    const hostConfig = process.env.DOCKER_CONFIG ?? path.join(os.homedir(), ".docker");
    try {
        // The provider finds the buildx plugin from the host's config; here `docker buildx` needs it under DOCKER_CONFIG.
        fs.mkdirSync(path.join(tmp, "cli-plugins"));
        fs.symlinkSync(fs.realpathSync(path.join(hostConfig, "cli-plugins", "docker-buildx")), path.join(tmp, "cli-plugins", "docker-buildx"));
        fs.writeFileSync(path.join(tmp, "config.json"), "{}");
        const metadata = path.join(tmp, "metadata.json");
        const { args, env } = providerExecArgs(inputs, metadata);
        const runEnv: NodeJS.ProcessEnv = { ...process.env, ...env, DOCKER_CONFIG: tmp, BUILDX_CONFIG: path.join(hostConfig, "buildx") };
        for (const [k, v] of Object.entries(extraEnv)) {
            if (v === undefined) delete runEnv[k];
            else runEnv[k] = v;
        }
        await run(args, runEnv);
        return String(JSON.parse(fs.readFileSync(metadata, "utf8"))["containerimage.digest"]);
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

describe("one build spec, one digest (CLI and docker-build, same builder)", function () {
    this.timeout(30 * 60 * 1000);
    const lock = path.join(ROOT, "image/locks/debian-3.13.json");
    const base = `${REGISTRY}/debian:trixie-slim`;
    let cli: { digest: string; ref: string };
    let inputs: DockerBuildInputs;

    before(async () => {
        const result = await buildImage(parseBuildArgs([
            "--python", "3.13", "--flavor", "debian", "--platform", "linux/amd64", "--lock", lock,
            "--base-image", base, "--push", REGISTRY, "--name", "spec-cli",
        ]));
        cli = { digest: result.platforms[0].digest!, ref: result.platforms[0].ref };
        // The component's inputs for the same build, rendered by the component's own request.
        const spec = imageBuildSpec(imageRequest({
            repositoryUrl: REGISTRY, pythonMinor: "3.13", flavor: "debian", variant: "runtime", contextDir: "image", lockFile: lock,
            platforms: ["linux/amd64"], baseImage: base,
        }, REGISTRY)).perPlatform[0];
        inputs = dockerBuildImageArgs({ ...spec, tags: [`${REGISTRY}/spec-provider:${spec.tags[0].split(":").pop()}`], cacheFrom: [], cacheTo: [] }) as DockerBuildInputs;
        inputs.cacheFrom = [];
        inputs.cacheTo = [];
    });

    it("the provider's invocation of the component's inputs pushes the digest image:build pushed", async () => {
        const digest = await providerBuild(inputs, DOCKER_BUILD_ENV);
        assert.match(digest, /^sha256:[0-9a-f]{64}$/);
        assert.strictEqual(digest, cli.digest, `CLI ${cli.ref} ${cli.digest}, provider ${digest}`);
    });

    it("negative control: without BUILDX_NO_DEFAULT_ATTESTATIONS the provider's push carries a provenance attestation, another digest", async () => {
        const digest = await providerBuild({ ...inputs, tags: [`${REGISTRY}/spec-provider-attested:x`] }, { BUILDX_NO_DEFAULT_ATTESTATIONS: undefined });
        assert.notStrictEqual(digest, cli.digest);
    });
});
