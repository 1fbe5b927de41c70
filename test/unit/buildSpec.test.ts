// One build definition: the component, the CLI and the pipeline render the same spec, and a
// build's id hashes exactly what the build reads.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { appBuildSpec, appTag, imageBuildSpec, type ImageBuildRequest, readAppSources, readBuildSources } from "../../components/buildSpec";
import { checkDockerBuildEnvironment, DOCKER_BUILD_ENV } from "../../components/buildRender";
import { FLAVORS, PUBLISHED_TAG_PREFIXES, VARIANTS } from "../../components/constants";
import { cleanupPolicies } from "../../components/artifactRepository";
import { readSet } from "../../components/dockerfile";
import { schema } from "../../config/schema";
import { BUILD_DEFAULTS } from "../../components/buildSpec";
import { parseBuildArgs, planBuilds } from "../../scripts/image-build";
import { reveal, runProgram } from "../../scripts/lib/mockRuntime";
import { normalizeBuildxArgs, providerExecArgs, type DockerBuildInputs } from "../lib/dockerBuildExec";

const ROOT = path.join(__dirname, "..", "..");
const REGISTRY = "europe-west1-docker.pkg.dev/distroless-python-dev/distroless-python";

/** A copy of image/ to edit. */
function contextCopy(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "context-"));
    fs.cpSync(path.join(ROOT, "image"), dir, { recursive: true });
    return dir;
}

function request(contextDir: string, flavor: "upstream" | "debian" = "upstream", minor = "3.13"): ImageBuildRequest {
    const lockBytes = fs.readFileSync(path.join(ROOT, "image", "locks", `${flavor}-${minor}.json`));
    return { sources: readBuildSources(contextDir), lockBytes, lockContextDir: "lock", flavor, minor, variant: "runtime", platforms: ["linux/amd64", "linux/arm64"] };
}

describe("build spec", () => {
    describe("one build for the component and the CLI", function () {
        this.timeout(60000);
        it("the component's docker-build inputs (as the provider runs them) and image:build's buildx arguments are the same build, flag by flag", async () => {
            const run = await runProgram({
                stack: "dev",
                overrides: {
                    "distroless-python:locksDir": "image/locks",
                    "distroless-python:pythonMinors": '["3.13"]',
                    "distroless-python:extraCaFile": "test/fixtures/ca.pem",
                },
            });
            const { builds } = planBuilds(parseBuildArgs([
                "--python", "3.13", "--flavor", "upstream", "--lock", path.join(ROOT, "image/locks/upstream-3.13.json"),
                "--platform", "linux/amd64,linux/arm64", "--push", REGISTRY, "--cache", "buildcache",
            ]));
            for (const variant of ["runtime"]) {
                for (const [i, arch] of ["amd64", "arm64"].entries()) {
                    const reg = run.registrations.find((r) => r.type === "docker-build:index:Image" && r.name === `python-313-${variant}-${arch}`);
                    assert.ok(reg, `no ${arch} image registered`);
                    const inputs = reveal(reg.inputs) as DockerBuildInputs;
                    const provider = providerExecArgs(inputs, "/tmp/metadata.json");
                    const fromComponent = normalizeBuildxArgs(provider.args, ROOT, DOCKER_BUILD_ENV);
                    const fromCli = normalizeBuildxArgs(builds[i].args, ROOT, {});
                    assert.deepStrictEqual(fromComponent, fromCli);
                    // And the normalizer sees what matters: without the env var the provider's build differs.
                    assert.notDeepStrictEqual(normalizeBuildxArgs(provider.args, ROOT, {}), fromCli);
                }
            }
        });
    });

    describe("attestations are off on every path", () => {
        it("the CLI passes --provenance=false --sbom=false", () => {
            const { builds } = planBuilds(parseBuildArgs(["--python", "3.13", "--flavor", "debian"]));
            assert.ok(builds[0].args.includes("--provenance=false") && builds[0].args.includes("--sbom=false"));
        });
        it("pulumi up fails early, saying what to set, unless the provider's environment turns them off", () => {
            assert.throws(() => checkDockerBuildEnvironment({}), /BUILDX_NO_DEFAULT_ATTESTATIONS is undefined in the environment of pulumi up; accepted: "1"/);
            assert.throws(() => checkDockerBuildEnvironment({ BUILDX_NO_DEFAULT_ATTESTATIONS: "0" }), /is "0"/);
            checkDockerBuildEnvironment(DOCKER_BUILD_ENV);
        });
    });

    describe("the buildId hashes what the build reads, and nothing else", () => {
        const ids = (dir: string) => Object.fromEntries(
            FLAVORS.map((f) => [f, imageBuildSpec(request(dir, f)).buildId]),
        );
        const base = ids(path.join(ROOT, "image"));
        const edited = (edit: (dir: string) => void) => {
            const dir = contextCopy();
            edit(dir);
            return ids(dir);
        };
        it("is the same for every variant of a (flavour, minor)", () => {
            for (const f of FLAVORS) {
                const r = request(path.join(ROOT, "image"), f);
                assert.deepStrictEqual(new Set(VARIANTS.map((variant) => imageBuildSpec({ ...r, variant }).buildId)).size, 1);
            }
        });
        it("each optimisation switch (PGO task, BOLT) is a build input: its own buildId and label; fast refuses both", () => {
            const r = request(path.join(ROOT, "image"));
            const plain = imageBuildSpec(r);
            const bolt = imageBuildSpec({ ...r, bolt: true });
            const extended = imageBuildSpec({ ...r, pgoTask: "extended" });
            assert.strictEqual(new Set([plain.buildId, bolt.buildId, extended.buildId]).size, 3);
            assert.ok(plain.runArgs.includes("PYTHON_BOLT") && plain.runArgs.includes("PYTHON_PGO_TASK"), plain.runArgs.join(" "));
            assert.strictEqual(plain.perPlatform[0].buildArgs.PYTHON_BUILD_OPTIONS, `pgo-task=${BUILD_DEFAULTS.pgoTask} bolt=${BUILD_DEFAULTS.bolt ? 1 : 0}`);
            assert.strictEqual(bolt.perPlatform[0].buildArgs.PYTHON_BUILD_OPTIONS, `pgo-task=${BUILD_DEFAULTS.pgoTask} bolt=1`);
            assert.strictEqual(imageBuildSpec({ ...r, fast: true }).perPlatform[0].buildArgs.PYTHON_BUILD_OPTIONS, "fast");
            assert.throws(() => imageBuildSpec({ ...r, fast: true, bolt: true }), /need PGO, which fast turns off/);
            assert.throws(() => imageBuildSpec({ ...r, pgoTask: "everything" as "default" }), /"pgoTask": "everything" is not supported; accepted: default, extended/);
            assert.throws(() => imageBuildSpec({ ...request(path.join(ROOT, "image"), "debian"), bolt: true }), /upstream flavour only/);
            assert.throws(() => parseBuildArgs(["--python", "3.13", "--fast", "--bolt"]), /need PGO, which --fast turns off/);
            assert.throws(() => parseBuildArgs(["--python", "3.13", "--pgo-task", "all"]), /--pgo-task: "all" is not valid; accepted: default, extended/);
            assert.strictEqual(parseBuildArgs(["--python", "3.13", "--bolt", "--pgo-task", "extended"]).bolt, true);
        });
        it("another minor's entry in python-versions.json leaves every buildId unchanged", () => {
            assert.deepStrictEqual(edited((d) => {
                const file = path.join(d, "python-versions.json");
                const data = JSON.parse(fs.readFileSync(file, "utf8")) as { pythons: { minor: string; version: string }[] };
                data.pythons.find((p) => p.minor === "3.14")!.version = "3.14.99";
                fs.writeFileSync(file, JSON.stringify(data, null, 2));
            }), base);
        });
        it("a README under image/, the checks and another minor's lock leave every buildId unchanged", () => {
            assert.deepStrictEqual(edited((d) => {
                fs.appendFileSync(path.join(d, "cpython", "README.md"), "\n");
                fs.appendFileSync(path.join(d, "checks", "checks.ts"), "\n// edited\n");
                fs.appendFileSync(path.join(d, "locks", "upstream-3.14.json"), "\n");
            }), base);
        });
        it("a bench or a test outside image/ cannot reach it: the context is image/ alone", () => {
            assert.ok(!Object.keys(readBuildSources(path.join(ROOT, "image")).files).some((f) => f.startsWith("bench/") || f.startsWith("test/")));
        });
        it("editing a file the upstream target copies changes the upstream buildId only", () => {
            const after = edited((d) => fs.appendFileSync(path.join(d, "cpython", "build.sh"), "\n# edited\n"));
            assert.notStrictEqual(after.upstream, base.upstream);
            assert.strictEqual(after.debian, base.debian);
        });
        it("a file only the cross build's stages copy (the production build Python) is read too: a stage chosen by platform counts", () => {
            const after = edited((d) => fs.appendFileSync(path.join(d, "cpython", "build-python.sh"), "\n# edited\n"));
            assert.notStrictEqual(after.upstream, base.upstream);
            assert.strictEqual(after.debian, base.debian);
        });
        it("a FROM that picks a stage by platform reads every stage some platform picks, and fails naming one that does not exist", () => {
            const text = ["FROM scratch AS x-amd64", "COPY a.txt /", "FROM scratch AS x-arm64", "COPY b.txt /", "FROM x-${TARGETARCH} AS out", ""].join("\n");
            assert.deepStrictEqual(readSet(text, ["out"], {}).copySources, ["a.txt", "b.txt"]);
            assert.throws(() => readSet(text.replace("AS x-arm64", "AS x-arm"), ["out"], {}), /FROM x-\$\{TARGETARCH\} selects "x-arm64" on some platform, which is not a stage/);
        });
        it("editing a file both flavours copy changes both", () => {
            const after = edited((d) => fs.appendFileSync(path.join(d, "assemble", "assemble.sh"), "\n# edited\n"));
            assert.notStrictEqual(after.upstream, base.upstream);
            assert.notStrictEqual(after.debian, base.debian);
        });
        it("the Dockerfile, the lock, a RUN-read build arg and the platform set each change it", () => {
            const r = request(path.join(ROOT, "image"));
            const id = imageBuildSpec(r).buildId;
            assert.notStrictEqual(imageBuildSpec({ ...r, sources: { ...r.sources, dockerfileText: `${r.sources.dockerfileText}\n# x\n` } }).buildId, id);
            assert.notStrictEqual(imageBuildSpec({ ...r, lockBytes: Buffer.concat([r.lockBytes, Buffer.from("\n")]) }).buildId, id);
            assert.notStrictEqual(imageBuildSpec({ ...r, fast: true }).buildId, id);
            assert.notStrictEqual(imageBuildSpec({ ...r, baseImage: `debian@sha256:${"0".repeat(64)}` }).buildId, id);
            assert.notStrictEqual(imageBuildSpec({ ...r, extraBuildArgs: { TRIM: "0" } }).buildId, id);
            assert.notStrictEqual(imageBuildSpec({ ...r, platforms: ["linux/amd64"] }).buildId, id);
        });
        it("every COPY/ADD source and bind mount in image/Dockerfile is in the read set of some flavour (a missed source fails here)", () => {
            const text = fs.readFileSync(path.join(ROOT, "image", "Dockerfile"), "utf8");
            // A deliberately naive scan: every COPY/ADD without --from, every bind mount without from=.
            const naive = new Set<string>();
            for (const line of text.replace(/\\\n/g, " ").split("\n")) {
                const m = /^\s*(COPY|ADD)\s+(.*)$/.exec(line);
                if (m && !/--from=/.test(m[2])) m[2].split(/\s+/).filter((w) => w && !w.startsWith("--")).slice(0, -1).forEach((w) => naive.add(w));
                for (const bind of line.matchAll(/--mount=type=bind,([^\s]*)/g)) {
                    if (!/from=/.test(bind[1])) naive.add(/source=([^,\s]+)/.exec(bind[1])![1]);
                }
            }
            const readByAny = new Set<string>();
            for (const f of FLAVORS) {
                const r = request(path.join(ROOT, "image"), f);
                const args = { PYTHON_FLAVOR: f, PYTHON_MINOR: "3.13" };
                readSet(text, VARIANTS, args, ["lock"]).copySources.forEach((s) => readByAny.add(s));
                // The lock stage's COPY is read only when no named context replaces it.
                readSet(text, VARIANTS, args).copySources.forEach((s) => readByAny.add(s));
                assert.ok(imageBuildSpec(r).readFiles.length > 0);
            }
            const expand = (s: string) => s.replace("${PYTHON_FLAVOR}-${PYTHON_MINOR}", "debian-3.13").replace("${PYTHON_FLAVOR}", "debian");
            const missing = [...naive].filter((s) => ![...readByAny].some((r) => r === s || r === expand(s) || expand(s).startsWith(r)) && !s.includes("${"));
            assert.deepStrictEqual(missing, []);
            assert.ok(naive.size >= 5, `the scan found only ${[...naive].join(", ")}`);
        });
        it("fails naming a COPY source that is not in the context", () => {
            const r = request(path.join(ROOT, "image"));
            // A stage no target reaches is not read: its sources need not exist.
            imageBuildSpec({ ...r, sources: { ...r.sources, dockerfileText: `${r.sources.dockerfileText}\nFROM scratch AS unused\nCOPY nope/ /x/\n` } });
            const text = `${r.sources.dockerfileText.replace("COPY packages/trim.txt", "COPY packages/missing.txt")}`;
            assert.throws(() => imageBuildSpec({ ...r, sources: { ...r.sources, dockerfileText: text } }), /^Error: build context \S*image: COPY source "packages\/missing\.txt" is not in the build context; accepted: the package's own image\/ folder/);
        });
        it("CPython's version and sha256 come from the lock, the one source of both", () => {
            const r = request(path.join(ROOT, "image"));
            const lock = JSON.parse(r.lockBytes.toString("utf8")) as { cpython: { version: string; sha256: string } };
            const args = imageBuildSpec(r).perPlatform[0].buildArgs;
            assert.strictEqual(args.PYTHON_VERSION, lock.cpython.version);
            assert.strictEqual(args.PYTHON_SHA256, lock.cpython.sha256);
        });
    });

    describe("the sample app's tag", () => {
        const sources = readAppSources(path.join(ROOT, "app"));
        const b = `r/python@sha256:${"1".repeat(64)}`;
        const rt = `r/python@sha256:${"2".repeat(64)}`;
        it("is app-<12 hex> and the same function for the component and app:build", async () => {
            assert.match(appTag(sources, b, rt), /^app-[0-9a-f]{12}$/);
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const cli = require("../../scripts/app-build") as typeof import("../../scripts/app-build");
            assert.strictEqual(cli.appTag(b, rt), appTag(sources, b, rt));
            assert.strictEqual(appBuildSpec({ sources, builderImage: b, runtimeImage: rt, platforms: ["linux/amd64"] }).tag, appTag(sources, b, rt));
        });
        it("changes with an app file and with either base digest, not with the app's tests", () => {
            const tag = appTag(sources, b, rt);
            assert.notStrictEqual(appTag(sources, `r/python@sha256:${"3".repeat(64)}`, rt), tag);
            assert.notStrictEqual(appTag(sources, b, `r/python@sha256:${"3".repeat(64)}`), tag);
            const wsgi = Object.keys(sources.files).find((f) => f.startsWith("sample_app/"))!;
            assert.notStrictEqual(appTag({ ...sources, files: { ...sources.files, [wsgi]: "0".repeat(64) } }, b, rt), tag);
            const test = Object.keys(sources.files).find((f) => f.startsWith("tests/"));
            assert.ok(test, "app/tests/ exists");
            assert.strictEqual(appTag({ ...sources, files: { ...sources.files, [test]: "0".repeat(64) } }, b, rt), tag);
        });
        it("published app tags are kept by the cleanup policy (old ReplicaSets may pin them)", () => {
            const keep = cleanupPolicies({ publishedTagPrefixes: [...PUBLISHED_TAG_PREFIXES], keepRecentVersions: 1, untaggedRetentionDays: 1 })
                .find((p) => p.id === "keep-published")!.condition as { tagPrefixes: string[] };
            const prefixes = keep.tagPrefixes;
            assert.ok(prefixes.some((p) => appTag(sources, b, rt).startsWith(p)));
            assert.ok(prefixes.some((p) => `${appTag(sources, b, rt)}-amd64`.startsWith(p)));
            assert.ok(!prefixes.some((p) => `${BUILD_DEFAULTS.cacheTagPrefix}-3.13-runtime-amd64`.startsWith(p)));
        });
    });

    describe("defaults are stated once", () => {
        it("the config schema's image defaults are the build spec's", () => {
            assert.strictEqual(schema.baseImage.default, BUILD_DEFAULTS.baseImage);
            assert.strictEqual(schema.debianMirror.default, BUILD_DEFAULTS.debianMirror);
            assert.strictEqual(schema.debianSecurityMirror.default, BUILD_DEFAULTS.debianSecurityMirror);
            assert.strictEqual(schema.pythonMirror.default, BUILD_DEFAULTS.pythonMirror);
            assert.strictEqual(schema.cacheTagPrefix.default, BUILD_DEFAULTS.cacheTagPrefix);
            assert.deepStrictEqual(schema.variants.default, [...VARIANTS]);
        });
        it("no other source file declares its own copy of the variants, platforms, flavours, digest pattern or registry login", () => {
            const copies = [
                /\["runtime", "debug", "builder"\]/, /\["linux\/amd64", "linux\/arm64"\]/, /\["upstream", "debian"\]/,
                /sha256:\[0-9a-f\]\{64\}/, /sha256:\[a-f0-9\]\{64\}/, /"oauth2accesstoken"/, /getClientConfigOutput\(/,
            ];
            const offenders: string[] = [];
            const walk = (dir: string) => {
                for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
                    const rel = path.join(dir, e.name);
                    if (e.isDirectory()) walk(rel);
                    else if (rel.endsWith(".ts") && !rel.endsWith(".d.ts")) {
                        const text = fs.readFileSync(path.join(ROOT, rel), "utf8").split("\n").filter((l) => !/^\s*(\/\/|\*|\/\*\*)/.test(l)).join("\n");
                        for (const c of copies) if (c.test(text)) offenders.push(`${rel}: ${c.source}`);
                    }
                }
            };
            for (const dir of ["components", "config", "scripts", "policy", "bench"]) walk(dir);
            const allowed = new Set(["components/constants.ts", "components/registryAuth.ts"].map((f) => path.normalize(f)));
            assert.deepStrictEqual(offenders.filter((o) => !allowed.has(o.split(":")[0])), []);
        });
    });
});
