import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { configTable, TABLE_END, TABLE_START } from "../../config/docs";
import { qualify, schema } from "../../config/schema";
import { loadStackConfig, SECRET_PLACEHOLDER } from "../../config/stackConfig";
import { validateConfig } from "../../config/validate";

const ROOT = path.join(__dirname, "..", "..");
const BASE = { "gcp:project": "distroless-python-dev", "gcp:region": "europe-west1" };
const K = (key: string) => `distroless-python:${key}`;

describe("stack config", () => {
    describe("every bad value fails naming the key, the value and what is accepted", () => {
        const declared = Object.keys(schema).map(qualify).join(", ");
        const cases: Array<[string, Record<string, unknown>, string]> = [
            ["unsupported platform", { [K("platforms")]: '["linux/s390x"]' },
                'config key "distroless-python:platforms": "linux/s390x" is not supported; accepted: linux/amd64, linux/arm64'],
            ["platforms not a JSON array", { [K("platforms")]: "linux/amd64" },
                'config key "distroless-python:platforms": "linux/amd64" is not a JSON array of strings; accepted: a list of linux/amd64, linux/arm64'],
            ["empty platforms", { [K("platforms")]: "[]" },
                'config key "distroless-python:platforms": [] is empty; accepted: one or more of linux/amd64, linux/arm64'],
            ["duplicate platform", { [K("platforms")]: '["linux/amd64","linux/amd64"]' },
                'config key "distroless-python:platforms": "linux/amd64" is listed twice; accepted: each value once'],
            ["unknown variant", { [K("variants")]: '["slim"]' },
                'config key "distroless-python:variants": "slim" is not supported; accepted: runtime, debug, builder'],
            ["malformed minor", { [K("pythonMinors")]: '["3"]' },
                'config key "distroless-python:pythonMinors": "3" is not valid; accepted: minor versions such as 3.13'],
            ["unknown flavour", { [K("flavor")]: "alpine" },
                'config key "distroless-python:flavor": "alpine" is not supported; accepted: upstream, debian'],
            ["non-integer retention", { [K("keepRecentVersions")]: "ten" },
                'config key "distroless-python:keepRecentVersions": "ten" is not an integer; accepted: integers from 1 to 1000'],
            ["zero versions kept", { [K("keepRecentVersions")]: "0" },
                'config key "distroless-python:keepRecentVersions": "0" is out of range; accepted: integers from 1 to 1000'],
            ["retention too long", { [K("untaggedRetentionDays")]: "4000" },
                'config key "distroless-python:untaggedRetentionDays": "4000" is out of range; accepted: integers from 1 to 3650'],
            ["boolean spelled yes", { [K("enableApis")]: "yes" },
                'config key "distroless-python:enableApis": "yes" is not a boolean; accepted: true, false'],
            ["repository ID with capitals", { [K("repositoryId")]: "Bad_Repo" },
                'config key "distroless-python:repositoryId": "Bad_Repo" is not valid; accepted: 1-63 lowercase letters, digits and hyphens, starting with a letter'],
            ["mirror with trailing slash", { [K("debianMirror")]: "http://deb.debian.org/debian/" },
                'config key "distroless-python:debianMirror": "http://deb.debian.org/debian/" is not valid; accepted: an http:// or https:// URL without a trailing slash'],
            ["ftp mirror", { [K("pythonMirror")]: "ftp://ftp.python.org/pub" },
                'config key "distroless-python:pythonMirror": "ftp://ftp.python.org/pub" is not valid; accepted: an http:// or https:// URL without a trailing slash'],
            ["base image with spaces", { [K("baseImage")]: "debian trixie" },
                'config key "distroless-python:baseImage": "debian trixie" is not valid; accepted: an image reference such as debian:trixie-slim or name@sha256:<64 hex>'],
            ["cache prefix that looks like a published tag", { [K("cacheTagPrefix")]: "3cache" },
                'config key "distroless-python:cacheTagPrefix": "3cache" is not valid; accepted: lowercase letters, digits and hyphens, starting with a letter (not a digit, so it never matches the published 3.x tags)'],
            ["empty locks folder", { [K("locksDir")]: "" },
                'config key "distroless-python:locksDir": "" is not valid; accepted: a relative path without spaces'],
            ["CA path with spaces", { [K("extraCaFile")]: "my ca.pem" },
                'config key "distroless-python:extraCaFile": "my ca.pem" is not valid; accepted: a path to a PEM file without spaces, or empty'],
            ["misspelt key", { [K("platfroms")]: '["linux/amd64"]' },
                `config key "distroless-python:platfroms" is not declared in Pulumi.yaml; accepted keys: ${declared}`],
            ["missing region", { "gcp:region": undefined },
                'config key "gcp:region" is required: the GCP region, also the Artifact Registry location; accepted: a GCP region such as europe-west1'],
            ["malformed region", { "gcp:region": "Europe" },
                'config key "gcp:region": "Europe" is not valid; accepted: a GCP region such as europe-west1'],
            ["app without its builder variant", { [K("variants")]: '["runtime"]' },
                'config key "distroless-python:variants": ["runtime"] lacks builder or runtime, which the sample app (appEnabled: true) builds on; accepted: include both, or set appEnabled: false'],
            ["missing project", { "gcp:project": "" },
                'config key "gcp:project" is required: the GCP project that holds the repository and the enabled APIs; accepted: a GCP project ID: 6-30 lowercase letters, digits and hyphens'],
            ["rebuild schedule that is not cron", { [K("rebuildSchedule")]: "hourly" },
                'config key "distroless-python:rebuildSchedule": "hourly" is not valid; accepted: a unix-cron expression of 5 fields such as "0 * * * *"'],
            ["deprecated rebuild machine type", { [K("rebuildMachineType")]: "N1_HIGHCPU_8" },
                'config key "distroless-python:rebuildMachineType": "N1_HIGHCPU_8" is not supported; accepted: E2_HIGHCPU_8, E2_HIGHCPU_32, E2_MEDIUM, E2_STANDARD_2'],
            ["rebuild timeout above Cloud Build's 24 h", { [K("rebuildTimeoutSeconds")]: "90000" },
                'config key "distroless-python:rebuildTimeoutSeconds": "90000" is out of range; accepted: integers from 600 to 86400'],
            ["alert window beyond an absence condition's limit", { [K("rebuildAlertWindowHours")]: "24" },
                'config key "distroless-python:rebuildAlertWindowHours": "24" is out of range; accepted: integers from 2 to 23'],
            ["rebuild reader without a member type", { [K("rebuildReaders")]: '["gke-nodes@p.iam.gserviceaccount.com"]' },
                'config key "distroless-python:rebuildReaders": "gke-nodes@p.iam.gserviceaccount.com" is not valid; accepted: IAM members serviceAccount:EMAIL, group:EMAIL or user:EMAIL'],
            ["notification channel that is not a resource name", { [K("rebuildNotificationChannel")]: "ops-email" },
                'config key "distroless-python:rebuildNotificationChannel": "ops-email" is not valid; accepted: projects/<project>/notificationChannels/<id>, or empty'],
        ];
        for (const [what, raw, message] of cases) {
            it(`rejects ${what}`, () => {
                assert.throws(() => validateConfig({ ...BASE, ...raw }), (e: Error) => {
                    assert.strictEqual(e.message, message);
                    return true;
                });
            });
        }
    });

    it("applies every schema default when a key is unset", () => {
        const config = validateConfig(BASE);
        for (const [key, spec] of Object.entries(schema)) {
            assert.deepStrictEqual(config[key as keyof typeof config], spec.default, key);
        }
        assert.strictEqual(config.gcpProject, "distroless-python-dev");
        assert.strictEqual(config.gcpRegion, "europe-west1");
    });

    it("keeps a configured false, empty string or typed value (?? not ||)", () => {
        const config = validateConfig({
            ...BASE,
            [K("enableApis")]: "false",
            [K("extraCaFile")]: "",
            [K("keepRecentVersions")]: 3,
            [K("platforms")]: ["linux/arm64"],
        });
        assert.strictEqual(config.enableApis, false);
        assert.strictEqual(config.extraCaFile, "");
        assert.strictEqual(config.keepRecentVersions, 3);
        assert.deepStrictEqual(config.platforms, ["linux/arm64"]);
    });

    it("accepts an empty list only for a list whose default is empty (rebuildReaders, not platforms)", () => {
        assert.deepStrictEqual(validateConfig({ ...BASE, [K("rebuildReaders")]: "[]" }).rebuildReaders, []);
        assert.throws(() => validateConfig({ ...BASE, [K("platforms")]: "[]" }), /is empty/);
    });

    it("ignores keys of other namespaces (the app's kubernetes:*, provider settings)", () => {
        assert.doesNotThrow(() => validateConfig({ ...BASE, "kubernetes:context": "kind", "gcp:zone": "europe-west1-b" }));
    });

    describe("Pulumi.yaml declares exactly the schema", () => {
        const project = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
            name: string;
            main: string;
            runtime: { name: string; options: Record<string, unknown> };
            config: Record<string, { type: string; description: string; default: unknown; items?: { type: string } }>;
        };
        it("is a TypeScript nodejs project whose program is index.ts", () => {
            assert.strictEqual(project.name, "distroless-python");
            assert.strictEqual(project.runtime.name, "nodejs");
            assert.strictEqual(project.runtime.options.typescript, true);
            assert.strictEqual(project.main, "index.ts");
        });
        for (const [key, spec] of Object.entries(schema)) {
            it(`declares ${key} with the schema's type, description and default`, () => {
                const decl = project.config[key];
                assert.ok(decl, `Pulumi.yaml config has no ${key}`);
                assert.strictEqual(decl.type, spec.type);
                assert.strictEqual(decl.description, spec.description);
                assert.deepStrictEqual(decl.default, spec.default);
                if (spec.type === "array") assert.deepStrictEqual(decl.items, { type: "string" });
            });
        }
        it("declares no key the program does not read", () => {
            const typed = Object.entries(project.config).filter(([, d]) => typeof d === "object" && d !== null && "type" in d).map(([k]) => k);
            assert.deepStrictEqual(typed.sort(), Object.keys(schema).sort());
        });
        it("uses only the types project-level config supports", () => {
            for (const [key, decl] of Object.entries(project.config)) {
                assert.ok(["string", "integer", "boolean", "array"].includes(decl.type), `${key}: ${decl.type}`);
            }
        });
    });

    it("README's config table is the one generated from the schema", () => {
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
        const section = readme.slice(readme.indexOf(TABLE_START) + TABLE_START.length, readme.indexOf(TABLE_END)).trim();
        assert.strictEqual(section, configTable(), "README.md is stale: run npm run docs:config");
    });

    describe("loadStackConfig merges Pulumi.yaml defaults with Pulumi.<stack>.yaml", () => {
        const fixture = path.join(ROOT, "test", "fixtures", "project");
        const loaded = loadStackConfig(fixture, "test");
        it("qualifies project keys with the project name and lets the stack file win", () => {
            assert.strictEqual(loaded.project, "fixture");
            assert.deepStrictEqual(loaded.config, {
                "fixture:region": "europe-west1",
                "fixture:replicas": "5",
                "fixture:platforms": '["linux/arm64"]',
                "fixture:enabled": "false",
                "fixture:token": SECRET_PLACEHOLDER,
                "gcp:region": "us-central1",
                "gcp:project": "fixture-project",
            });
        });
        it("marks secure values as secrets without decrypting them", () => {
            assert.deepStrictEqual(loaded.secretKeys, ["fixture:token"]);
        });
        it("names the missing stack file and the stacks that exist", () => {
            assert.throws(() => loadStackConfig(fixture, "nope"), {
                message: `stack "nope": ${path.join(fixture, "Pulumi.nope.yaml")} does not exist; stacks here: test`,
            });
        });
        it("gives the repository's dev stack valid config", () => {
            const dev = loadStackConfig(ROOT, "dev");
            const config = validateConfig(dev.config);
            assert.strictEqual(config.gcpRegion, "europe-west1");
            assert.deepStrictEqual(config.platforms, ["linux/amd64", "linux/arm64"]);
        });
        it("gives prod longer retention than dev", () => {
            const dev = validateConfig(loadStackConfig(ROOT, "dev").config);
            const prod = validateConfig(loadStackConfig(ROOT, "prod").config);
            assert.ok(prod.untaggedRetentionDays > dev.untaggedRetentionDays);
            assert.ok(prod.keepRecentVersions > dev.keepRecentVersions);
        });
    });
});
