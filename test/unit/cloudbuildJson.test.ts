// `render` writes the scheduled rebuild's build as cloudbuild.json; it must be a valid Cloud
// Build v1 `Build` message (checked against the descriptors @google-cloud/cloudbuild ships),
// and the validator must reject what the API would (negative controls below).
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CLOUDBUILD_FILE, cloudBuildFiles, render } from "../../scripts/render";
import { Registration } from "../../scripts/lib/mockRuntime";
import { ProtoSchema } from "../../scripts/lib/protoJson";

const ROOT = path.join(__dirname, "..", "..");
const BUILD = "google.devtools.cloudbuild.v1.Build";
const schema = ProtoSchema.fromFile(require.resolve("@google-cloud/cloudbuild/build/protos/protos.json"));
const FIXTURE = { "distroless-python:locksDir": "test/fixtures/locks" };

describe("cloudbuild.json (render)", function () {
    let out: string;
    let files: string[];
    let build: Record<string, unknown>;
    before(async () => {
        out = fs.mkdtempSync(path.join(os.tmpdir(), "render-cloudbuild-"));
        files = await render({ stack: "dev", out, overrides: FIXTURE }, ROOT);
        build = JSON.parse(fs.readFileSync(path.join(out, CLOUDBUILD_FILE), "utf8")) as Record<string, unknown>;
    });

    it("the dev stack (which owns the rebuild) renders cloudbuild.json", () => {
        assert.ok(files.includes(CLOUDBUILD_FILE), files.join(", "));
    });
    it("is a valid Cloud Build v1 Build message: no unknown field, no output-only field, every enum and type right", () => {
        assert.deepStrictEqual(schema.validate(BUILD, build), []);
    });
    it("is the trigger's build in the REST spelling, with the trigger's service account", () => {
        const trigger = JSON.parse(fs.readFileSync(path.join(out, "gcp.cloudbuild.Trigger-rebuild-trigger.json"), "utf8")) as { inputs: { build: { steps: unknown[] }; serviceAccount: string } };
        assert.deepStrictEqual(build.steps, trigger.inputs.build.steps);
        assert.strictEqual(build.serviceAccount, trigger.inputs.serviceAccount);
        assert.deepStrictEqual(Object.keys(build).sort(), ["options", "serviceAccount", "source", "steps", "tags", "timeout"]);
    });
    it("a stack that does not own the rebuild renders no cloudbuild.json", async () => {
        const other = fs.mkdtempSync(path.join(os.tmpdir(), "render-norebuild-"));
        const written = await render({ stack: "dev", out: other, overrides: { ...FIXTURE, "distroless-python:rebuildEnabled": "false" } }, ROOT);
        assert.ok(!written.includes(CLOUDBUILD_FILE));
    });
    it("refuses to render two triggers into one cloudbuild.json", () => {
        const trigger = (name: string): Registration => ({
            type: "gcp:cloudbuild/trigger:Trigger", name, custom: true, inputs: { build: { steps: [] } },
            options: { retainOnDelete: false, parent: "", dependencies: [] },
        });
        assert.throws(() => cloudBuildFiles([trigger("a"), trigger("b")]), { message: "render: 2 Cloud Build triggers (a, b); cloudbuild.json holds one build" });
    });

    describe("the validator rejects what the Build message does not allow (negative controls)", () => {
        const mutate = (f: (b: Record<string, unknown> & { steps: Array<Record<string, unknown>>; options: Record<string, unknown> }) => void) => {
            const copy = JSON.parse(JSON.stringify(build)) as Record<string, unknown> & { steps: Array<Record<string, unknown>>; options: Record<string, unknown> };
            f(copy);
            return schema.validate(BUILD, copy);
        };
        it("an unknown field: the provider's plural waitFors instead of the API's waitFor", () => {
            const errors = mutate((b) => { b.steps[0].waitFors = ["-"]; });
            assert.strictEqual(errors.length, 1);
            assert.match(errors[0], /^\$\.steps\[0\]\.waitFors: unknown field of google\.devtools\.cloudbuild\.v1\.BuildStep; accepted: name, env, args, /);
        });
        it("an unknown top-level field", () => {
            assert.match(mutate((b) => { b.trigger = "x"; })[0], /^\$\.trigger: unknown field of google\.devtools\.cloudbuild\.v1\.Build;/);
        });
        it("an output-only field (status is set by Cloud Build)", () => {
            assert.deepStrictEqual(mutate((b) => { b.status = "SUCCESS"; }), ["$.status: OUTPUT_ONLY field of google.devtools.cloudbuild.v1.Build, set by the service; accepted: leave it out"]);
        });
        it("a machine type that is not a MachineType value", () => {
            const errors = mutate((b) => { b.options.machineType = "N2_HIGHCPU_8"; });
            assert.strictEqual(errors.length, 1);
            assert.match(errors[0], /^\$\.options\.machineType: "N2_HIGHCPU_8" is not a value of google\.devtools\.cloudbuild\.v1\.BuildOptions\.MachineType; accepted: UNSPECIFIED, /);
        });
        it("a timeout that is not a Duration string", () => {
            assert.deepStrictEqual(mutate((b) => { b.timeout = 10800; }), ['$.timeout: 10800 is not valid; accepted: a duration string such as "600s"']);
        });
        it("a repeated field given a scalar, and a string field given a number", () => {
            assert.deepStrictEqual(mutate((b) => { b.steps[0].args = "run"; b.steps[1].name = 7; }), [
                '$.steps[0].args: "run" is not an array; accepted: a list of string',
                "$.steps[1].name: 7 is not a JSON string; accepted: a string",
            ]);
        });
        it("a nested unknown field in the storage source", () => {
            assert.match(mutate((b) => { (b.source as { storageSource: Record<string, unknown> }).storageSource.generations = "1"; })[0], /^\$\.source\.storageSource\.generations: unknown field of google\.devtools\.cloudbuild\.v1\.StorageSource;/);
        });
    });
});
