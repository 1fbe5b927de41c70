// tools/versions.json and the tools cache's pure parts (scripts/tools/): a typo must fail
/* eslint-disable @typescript-eslint/no-explicit-any -- fixtures are mutated as plain JSON */
// before a 15-minute build starts, naming the file, the JSON path and what is accepted.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { cacheRoot, DEFAULT_CACHE_ROOT, toolDir } from "../../scripts/tools/cache";
import { replaceArgs } from "../../scripts/tools/goWrapper";
import { validateToolVersions } from "../../scripts/tools/versions";
import { parseTools } from "../../scripts/tools-install";

const FILE = path.join(__dirname, "..", "..", "tools", "versions.json");
const raw = () => JSON.parse(fs.readFileSync(FILE, "utf8"));

describe("tools installer (tools/versions.json, scripts/tools)", () => {
    it("accepts the repository's versions.json and records the provider's source commit beside its stamped version", () => {
        const v = validateToolVersions(raw(), FILE);
        const k = v.tools["pulumi-kubernetes"];
        assert.strictEqual(k.version, "4.34.2");
        assert.ok(String(k.moduleVersion).endsWith(String(k.sourceCommit)), "moduleVersion is the pseudo-version of sourceCommit");
    });
    it("stamps the provider with the version @pulumi/kubernetes asks the engine for", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8"));
        assert.strictEqual(raw().tools["pulumi-kubernetes"].version, pkg.dependencies["@pulumi/kubernetes"]);
    });
    const bad: [string, (v: any) => void, RegExp][] = [
        ["schemaVersion", (v) => (v.schemaVersion = 2), /versions\.json: \$\.schemaVersion is 2; expected 1/],
        ["an unknown tool", (v) => (v.tools.kind = {}), /\$\.tools\.kind is "kind"; expected one of fake-gcs-server, pulumi/],
        ["a missing field", (v) => delete v.tools.pulumi.sdkModule, /\$\.tools\["pulumi"\]\.sdkModule is undefined; expected a non-empty string/],
        ["a version without v", (v) => (v.tools.kwok.version = "0.8.0"), /\$\.tools\["kwok"\]\.version is "0\.8\.0"; expected a Go module version like "v1\.2\.3"/],
        ["a provider version with v", (v) => (v.tools["pulumi-kubernetes"].version = "v4.34.2"), /\.version is "v4\.34\.2"; expected a plain semver like "4\.34\.2"/],
        ["an empty binaries list", (v) => (v.tools.kubernetes.binaries = []), /\$\.tools\["kubernetes"\]\.binaries is \[\]; expected a non-empty list of names/],
    ];
    for (const [name, mutate, message] of bad) {
        it(`refuses ${name}`, () => {
            const v = raw();
            mutate(v);
            assert.throws(() => validateToolVersions(v, FILE), message);
        });
    }
    it("keys the cache by tool and version under an overridable root outside the repo", () => {
        assert.strictEqual(cacheRoot({}), DEFAULT_CACHE_ROOT);
        assert.strictEqual(cacheRoot({ DISTROLESS_PYTHON_TOOLS_CACHE: "/x/c" }), "/x/c");
        assert.throws(() => cacheRoot({ DISTROLESS_PYTHON_TOOLS_CACHE: "rel" }), /DISTROLESS_PYTHON_TOOLS_CACHE=rel: expected an absolute path/);
        assert.strictEqual(toolDir("/c", "pulumi", "v3.274.1"), "/c/tools/pulumi-v3.274.1");
    });
    it("copies a dependency's module replaces and maps its local-path replaces to published versions", () => {
        const goMod = {
            Replace: [
                { Old: { Path: "github.com/atotto/clipboard" }, New: { Path: "github.com/pulumi/clipboard", Version: "v0.0.0-1" } },
                { Old: { Path: "k8s.io/api" }, New: { Path: "./staging/src/k8s.io/api" } },
                { Old: { Path: "k8s.io/none" }, New: { Path: "../none" } },
            ],
        };
        const local = (old: string) => (old === "k8s.io/api" ? { path: old, version: "v0.34.4" } : undefined);
        assert.deepStrictEqual(replaceArgs(goMod, local), [
            "-replace=github.com/atotto/clipboard=github.com/pulumi/clipboard@v0.0.0-1",
            "-replace=k8s.io/api=k8s.io/api@v0.34.4",
        ]);
    });
    it("builds in a fixed order whatever order is asked, and names an unknown tool", () => {
        assert.deepStrictEqual(parseTools(["kwok", "pulumi"]), ["pulumi", "kwok"]);
        assert.throws(() => parseTools(["kubectl"]), /unknown tool "kubectl"; expected one of fake-gcs-server, pulumi, pulumi-kubernetes, etcd, kubernetes, kwok/);
    });
});
