import * as assert from "assert";
import * as childProcess from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { parseArgs, render, renderRegistrations } from "../../scripts/render";
import { Registration } from "../../scripts/lib/mockRuntime";
import { listStacks } from "../../config/stackConfig";

const ROOT = path.join(__dirname, "..", "..");
const SECRET = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "s3cret" };

describe("render", () => {
    describe("the dev stack", () => {
        let out: string;
        let files: string[];
        before(async () => {
            out = fs.mkdtempSync(path.join(os.tmpdir(), "render-dev-"));
            files = await render({ stack: "dev", out, overrides: { "distroless-python:locksDir": "test/fixtures/locks" } }, ROOT);
        });
        it("writes one JSON file per non-Kubernetes resource: the repository, its APIs and every image", () => {
            for (const f of [
                "gcp.artifactregistry.Repository-images-repository.json",
                "gcp.projects.Service-images-artifactregistry.json",
                "gcp.projects.Service-images-containerscanning.json",
                "docker-build.Image-python-313-runtime-amd64.json",
                "docker-build.Image-python-313-runtime-arm64.json",
                "docker-build.Index-python-313-runtime-index.json",
                "docker-build.Image-python-313-debug-amd64.json",
                "docker-build.Image-python-313-builder-amd64.json",
            ]) {
                assert.ok(files.includes(f), `missing ${f}; got ${files.join(", ")}`);
            }
            assert.deepStrictEqual(fs.readdirSync(out).sort(), [...files].sort());
        });
        it("each JSON file has the type, the name and the inputs", () => {
            const repo = JSON.parse(fs.readFileSync(path.join(out, "gcp.artifactregistry.Repository-images-repository.json"), "utf8"));
            assert.strictEqual(repo.type, "gcp:artifactregistry/repository:Repository");
            assert.strictEqual(repo.name, "images-repository");
            assert.strictEqual(repo.inputs.format, "DOCKER");
        });
        it("never writes a secret: the registry token is [secret]", () => {
            for (const f of files.filter((x) => x.startsWith("docker-build."))) {
                const text = fs.readFileSync(path.join(out, f), "utf8");
                assert.ok(!text.includes("mock-access-token"), f);
            }
            const image = JSON.parse(fs.readFileSync(path.join(out, "docker-build.Image-python-313-runtime-amd64.json"), "utf8"));
            assert.match(JSON.stringify(image.inputs.registries), /\[secret\]/);
        });
    });

    it("the dev stack renders as committed (its own locks, python-versions.json and app config agree)", async () => {
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "render-committed-"));
        const files = await render({ stack: "dev", out, overrides: {} }, ROOT);
        assert.ok(files.includes("gcp.artifactregistry.Repository-images-repository.json"));
        assert.ok(files.some((f) => /^docker-build\.Index-python-313-runtime-index\.json$/.test(f)));
        for (const f of files.filter((x) => x.endsWith(".yaml"))) {
            const manifest = YAML.parse(fs.readFileSync(path.join(out, f), "utf8")) as Record<string, unknown>;
            assert.ok(typeof manifest.apiVersion === "string" && typeof manifest.kind === "string" && manifest.metadata, f);
        }
    });

    it("writes Kubernetes objects as <kind>-<name>.yaml manifests with apiVersion, kind, metadata and body", () => {
        const deployment: Registration = {
            type: "kubernetes:apps/v1:Deployment",
            name: "web-deployment",
            custom: true,
            inputs: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "app" }, spec: { replicas: 2 } },
            options: { retainOnDelete: false, parent: "", dependencies: [] },
        };
        const secret: Registration = {
            type: "kubernetes:core/v1:Secret",
            name: "token",
            custom: true,
            inputs: { apiVersion: "v1", kind: "Secret", metadata: { name: "token" }, stringData: { token: SECRET } },
            options: { retainOnDelete: false, parent: "", dependencies: [] },
        };
        const [dep, sec] = renderRegistrations([deployment, secret]);
        assert.strictEqual(dep.file, "deployment-app-web.yaml");
        assert.deepStrictEqual(Object.keys(YAML.parse(dep.content)), ["apiVersion", "kind", "metadata", "spec"]);
        assert.deepStrictEqual(YAML.parse(dep.content).spec, { replicas: 2 });
        assert.strictEqual(sec.file, "secret-token.yaml");
        assert.deepStrictEqual(YAML.parse(sec.content).stringData, { token: "[secret]" });
    });

    it("does not write component resources (logical groupings)", () => {
        const component: Registration = { type: "distroless-python:images:DistrolessPythonImage", name: "x", custom: false, inputs: {}, options: { retainOnDelete: false, parent: "", dependencies: [] } };
        assert.deepStrictEqual(renderRegistrations([component]), []);
    });

    describe("command line", () => {
        it("requires --out", () => {
            assert.throws(() => parseArgs(["--stack", "dev"]), {
                message: "render: --out is required; usage: npm run --silent render -- --stack NAME --out DIR [--set namespace:key=value ...]",
            });
        });
        it("requires a value after --stack", () => {
            assert.throws(() => parseArgs(["--stack", "--out", "x"]), /render: --stack needs a value/);
        });
        it("fails on a stack without Pulumi.<stack>.yaml, naming the file", () => {
            const result = childProcess.spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "scripts/render.ts", "--stack", "nope", "--out", os.tmpdir()], {
                cwd: ROOT,
                encoding: "utf8",
            });
            assert.strictEqual(result.status, 1);
            assert.strictEqual(result.stderr, `stack "nope": ${path.join(ROOT, "Pulumi.nope.yaml")} does not exist; stacks here: ${listStacks(ROOT).join(", ")}\n`);
        });
    });
});
