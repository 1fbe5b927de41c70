import * as assert from "assert";
import { loadCatalog, selectExamples, validateCatalog } from "../../../scripts/examples/catalog";
import { exampleBuildArgs, exampleTag } from "../../../scripts/examples/build";
import { parseExamplesArgs } from "../../../scripts/examples-run";

const base = {
    name: "demo", description: "d", installer: "pip", lock: "examples/demo", src: "examples/demo", package: "demo_pkg",
    mode: "job", network: "none", command: ["-m", "demo_pkg"], verify: "pandas",
};
const everything = () => true;
const doc = (over: object) => ({ schemaVersion: 1, examples: [{ ...base, ...over }] });

describe("examples catalog (examples/examples.json)", () => {
    it("the committed catalog validates, with the four workloads and the sample app four ways", () => {
        const all = loadCatalog();
        assert.deepStrictEqual(all.map((e) => e.name), ["fastapi", "pandas", "gcs-grpc", "postgres", "sample-pip", "sample-poetry", "sample-pipenv", "sample-uv"]);
        assert.deepStrictEqual(all.filter((e) => e.name.startsWith("sample-")).map((e) => e.installer), ["pip", "poetry", "pipenv", "uv"]);
    });

    const bad: [string, object, RegExp][] = [
        ["unknown installer", { installer: "conda" }, /examples\[0\] \(demo\): "installer" is "conda"; accepted: pip, poetry, pipenv, uv/],
        ["server without port", { mode: "server", readyPath: "/" }, /"port" is undefined; accepted: 1\.\.65535 \(mode server\)/],
        ["fixture without host network", { fixtures: ["postgres"] }, /fixtures listen on the host's loopback, so "network" must be "host" \(is none\)/],
        ["unknown fixture", { network: "host", fixtures: ["redis"] }, /"fixtures\[\]" is "redis"; accepted: postgres, fake-gcs-server/],
        ["empty command", { command: [] }, /"command" must be a non-empty array of strings/],
        ["bad name", { name: "Demo" }, /"name" is "Demo"; accepted: lower-case letters, digits and dashes/],
    ];
    for (const [what, over, re] of bad) {
        it(`rejects ${what}, naming the example, key and accepted values`, () => {
            assert.throws(() => validateCatalog(doc(over), everything), re);
        });
    }

    it("rejects an installer whose lock file is missing, naming the file", () => {
        assert.throws(() => validateCatalog(doc({ installer: "poetry" }), (rel) => !rel.endsWith("poetry.lock")),
            /installer poetry needs examples\/demo\/poetry\.lock, which does not exist/);
    });

    it("rejects a duplicate name and a wrong schemaVersion", () => {
        assert.throws(() => validateCatalog({ schemaVersion: 1, examples: [base, base] }, everything), /"name" "demo" is used twice/);
        assert.throws(() => validateCatalog({ schemaVersion: 2, examples: [base] }, everything), /"schemaVersion" is 2; accepted: 1/);
    });

    it("selects by name and lists the known names for an unknown one", () => {
        const all = validateCatalog(doc({}), everything);
        assert.strictEqual(selectExamples(all, []).length, 1);
        assert.throws(() => selectExamples(all, ["nope"]), /unknown example "nope"; accepted: demo/);
    });

    it("builds with the lock and src contexts, the installer and the CA only as a secret", () => {
        const [e] = validateCatalog(doc({ installer: "uv" }), everything);
        const images = { builderImage: "r/b:1-builder", runtimeImage: "r/b:1" };
        const withCa = exampleBuildArgs(e, { ...images, extraCa: "/ca.pem" }, "t:1");
        assert.ok(withCa.includes("INSTALLER=uv"));
        assert.ok(withCa.some((a) => /^lock=.*\/examples\/demo$/.test(a)));
        assert.ok(withCa.some((a) => /^src=.*\/examples\/demo$/.test(a)));
        assert.ok(withCa.includes("id=extra_ca,src=/ca.pem"));
        assert.ok(!withCa.join(" ").includes("--build-arg EXTRA_CA"));
        assert.ok(!exampleBuildArgs(e, images, "t:1").includes("--secret"));
        assert.notStrictEqual(exampleTag(e, images), exampleTag(e, { ...images, runtimeImage: "r/b:2" }));
    });

    it("examples options: defaults and paired base images", () => {
        const o = parseExamplesArgs([]);
        assert.deepStrictEqual([o.python, o.flavor, o.examples], ["3.13", "debian", []]);
        assert.throws(() => parseExamplesArgs(["--builder-image", "x"]), /--builder-image and --runtime-image go together/);
        assert.throws(() => parseExamplesArgs(["--python", "3"]), /option --python: "3" is not a minor/);
        assert.throws(() => parseExamplesArgs(["--flavor", "alpine"]), /option --flavor: "alpine"; accepted: debian, upstream/);
    });
});
