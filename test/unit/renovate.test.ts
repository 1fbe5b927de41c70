// renovate.json: the managers it enables and what its custom regex managers extract from the
// files they name. Renovate runs only on GitHub; this applies the same patterns (JavaScript
// and RE2 agree on this syntax) so a reformatted tools/versions.json or a renamed input that
// Renovate would silently stop updating fails here.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..");
interface CustomManager { customType: string; managerFilePatterns: string[]; matchStrings: string[]; depNameTemplate?: string; datasourceTemplate: string }
const config = JSON.parse(fs.readFileSync(path.join(ROOT, "renovate.json"), "utf8")) as { enabledManagers: string[]; customManagers: CustomManager[]; extends: string[] };

/** Files of the repository a manager's patterns (`/regex/`) select. */
function managedFiles(m: CustomManager): string[] {
    const patterns = m.managerFilePatterns.map((p) => {
        const match = /^\/(.*)\/$/.exec(p);
        assert.ok(match, `${p}: expected a /regex/ pattern`);
        return new RegExp(match[1]);
    });
    const candidates = ["tools/versions.json", ".github/actions/pulumi-setup/action.yml", "package.json", "image/python-versions.json"];
    return candidates.filter((f) => patterns.some((p) => p.test(f)));
}

/** [depName, currentValue] pairs a manager extracts, as Renovate's regex manager would. */
function extract(m: CustomManager): [string, string][] {
    const out: [string, string][] = [];
    for (const file of managedFiles(m)) {
        const text = fs.readFileSync(path.join(ROOT, file), "utf8");
        for (const s of m.matchStrings) {
            for (const g of text.matchAll(new RegExp(s, "g"))) out.push([g.groups?.depName ?? m.depNameTemplate ?? "?", g.groups!.currentValue]);
        }
    }
    return out;
}

describe("renovate.json", () => {
    it("updates npm, the workflows' actions (digest pins kept) and the custom-managed tool versions", () => {
        assert.deepStrictEqual([...config.enabledManagers].sort(), ["custom.regex", "github-actions", "npm"]);
        assert.ok(config.extends.includes("helpers:pinGitHubActionDigests"));
    });

    it("extracts every Go tool of tools/versions.json whose version the installer builds, with the Go datasource", () => {
        const [tools] = config.customManagers;
        assert.strictEqual(tools.datasourceTemplate, "go");
        const versions = JSON.parse(fs.readFileSync(path.join(ROOT, "tools", "versions.json"), "utf8")) as { tools: Record<string, { module: string; version: string }> };
        const expected = Object.values(versions.tools).filter((t) => t.version.startsWith("v")).map((t) => [t.module, t.version]);
        assert.deepStrictEqual(extract(tools).sort(), expected.sort());
        assert.ok(extract(tools).some(([dep]) => dep === "github.com/rhysd/actionlint"));
    });

    it("keeps the workflows' Pulumi CLI in the same group as the integration suite's", () => {
        const [, cli] = config.customManagers;
        const versions = JSON.parse(fs.readFileSync(path.join(ROOT, "tools", "versions.json"), "utf8")) as { tools: { pulumi: { module: string; version: string } } };
        assert.deepStrictEqual(extract(cli), [[versions.tools.pulumi.module, versions.tools.pulumi.version.replace(/^v/, "")]]);
    });

    it("leaves image/python-versions.json to the python:bump workflow", () => {
        for (const m of config.customManagers) assert.ok(!managedFiles(m).includes("image/python-versions.json"));
    });
});
