// What `npm run render` writes for the Kubernetes cluster is valid for the API server: every
// object validates against the Kubernetes OpenAPI schema of its kind, strictly (unknown
// fields rejected, so a typo in a field name cannot hide), for the Kubernetes versions GKE
// runs; and every rendered workload passes Pod Security restricted and the policy pack.
import * as assert from "assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { render } from "../../scripts/render";
import { typeOfManifest, violationsOf, WORKLOAD_TYPES } from "../../policy/checks";
import { ROOT } from "./harness";
import { ensureVenv } from "./venv";

/** Kubernetes minors the manifests must be valid for (GKE's regular and rapid channels). */
const KUBERNETES_VERSIONS = ["1.33.0", "1.34.0"];
const STACKS = ["dev", "prod"];

function validate(bin: string, version: string, files: string[]): { status: number; output: string } {
    const r = spawnSync(path.join(bin, "kubernetes-validate"), ["--strict", "--kubernetes-version", version, ...files], { encoding: "utf8" });
    return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

describe("rendered Kubernetes objects", function () {
    this.timeout(5 * 60 * 1000);
    let bin = "";
    const rendered: Record<string, string[]> = {};
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "render-schema-"));

    before(async () => {
        bin = ensureVenv("k8s-schema-venv", "test/app/k8s-schema/requirements.txt");
        for (const stack of STACKS) {
            const out = path.join(tmp, stack);
            // Prod deploys from a release lock (imageSource release-lock): the committed fixture
            // stands in for the one the rebuild writes, which a fresh clone does not have.
            const overrides: Record<string, string> = { "distroless-python:locksDir": "test/fixtures/locks" };
            if (stack === "prod") overrides["distroless-python:releaseLockFile"] = "test/fixtures/release-lock/prod.json";
            const files = await render({ stack, out, overrides }, ROOT);
            rendered[stack] = files.filter((f) => f.endsWith(".yaml")).map((f) => path.join(out, f));
        }
    });
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    for (const stack of STACKS) {
        it(`${stack}: renders the app's Namespace, ServiceAccount, Deployment, Service, PDB, HPA and NetworkPolicies`, () => {
            const kinds = rendered[stack].map((f) => YAML.parse(fs.readFileSync(f, "utf8")).kind).sort();
            assert.deepStrictEqual(kinds, ["Deployment", "HorizontalPodAutoscaler", "Namespace", "NetworkPolicy", "NetworkPolicy", "PodDisruptionBudget", "Service", "ServiceAccount"]);
        });
        for (const version of KUBERNETES_VERSIONS) {
            it(`${stack}: every object validates strictly against the Kubernetes ${version} schema of its kind`, () => {
                const r = validate(bin, version, rendered[stack]);
                assert.strictEqual(r.status, 0, r.output);
                assert.strictEqual((r.output.match(/ passed for resource /g) ?? []).length, rendered[stack].length, r.output);
            });
        }
        it(`${stack}: every workload passes every Pod Security baseline/restricted check and the policy pack`, () => {
            const workloads = rendered[stack].map((f) => YAML.parse(fs.readFileSync(f, "utf8"))).filter((d) => typeOfManifest(d) in WORKLOAD_TYPES);
            assert.ok(workloads.length >= 1);
            for (const w of workloads) assert.deepStrictEqual(violationsOf(typeOfManifest(w), w), [], `${w.kind}/${w.metadata.name}`);
        });
    }

    it("the validation is strict: a misspelt field is rejected", () => {
        const file = rendered.dev.find((f) => path.basename(f).startsWith("deployment-"))!;
        const doc = YAML.parse(fs.readFileSync(file, "utf8"));
        doc.spec.template.spec.containers[0].securityContext.readOnlyRootFilesytem = true;
        const bad = path.join(tmp, "bad-deployment.yaml");
        fs.writeFileSync(bad, YAML.stringify(doc));
        const r = validate(bin, "1.34.0", [bad]);
        assert.notStrictEqual(r.status, 0);
        assert.match(r.output, /'readOnlyRootFilesytem' was unexpected/);
    });
});
