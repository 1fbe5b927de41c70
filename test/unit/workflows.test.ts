// .github/: every job states its permissions, no action is referenced by a moving tag, and
// the delivery rules the workflows promise (previews per stack with the policy pack and an
// edited-in-place comment, no token for forks, refresh for drift, one deploy per stack at a
// time, the CLI the integration suite runs). actionlint (.ci/run stage workflows) checks the
// syntax; these check the repository's own rules.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { formatFindings, permissionFindings, pinFindings, usesRefs } from "../../scripts/lib/workflowPolicy";

const ROOT = path.join(__dirname, "..", "..");
const WORKFLOWS = path.join(ROOT, ".github", "workflows");
const ACTIONS = path.join(ROOT, ".github", "actions");

type Step = { uses?: string; run?: string; with?: Record<string, unknown>; id?: string; if?: string };
type Job = { permissions?: Record<string, string>; steps?: Step[]; if?: string; concurrency?: { group: string; "cancel-in-progress": boolean }; environment?: string; strategy?: { matrix: { stack?: string[] } } };
type Workflow = { on: Record<string, unknown>; jobs: Record<string, Job> };

const workflowFiles = () => fs.readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f)).sort();
const actionFiles = () => fs.readdirSync(ACTIONS).map((d) => path.join(ACTIONS, d, "action.yml")).filter((f) => fs.existsSync(f));
const read = (file: string) => fs.readFileSync(file, "utf8");
const workflow = (name: string) => YAML.parse(read(path.join(WORKFLOWS, name))) as Workflow;
const pulumiSteps = (job: Job) => (job.steps ?? []).filter((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command);

describe("GitHub workflows (.github/)", () => {
    it("has the pull-request, main and scheduled workflows", () => {
        assert.deepStrictEqual(workflowFiles(), ["main.yml", "pull-request.yml", "scheduled.yml"]);
    });

    it("gives every job explicit permissions and the workflows none by default", () => {
        const findings = workflowFiles().flatMap((f) => permissionFindings(f, read(path.join(WORKFLOWS, f))));
        assert.strictEqual(formatFindings(findings), "");
    });

    it("pins every action by full commit SHA with its version in a comment, one SHA per action", () => {
        const refs = [
            ...workflowFiles().flatMap((f) => usesRefs(f, read(path.join(WORKFLOWS, f)))),
            ...actionFiles().map((f) => [path.relative(ROOT, f), read(f)] as const).flatMap(([f, t]) => usesRefs(f, t)),
        ];
        assert.ok(refs.filter((r) => !r.uses.startsWith("./")).length >= 10, "the checker found the uses: lines");
        assert.strictEqual(formatFindings(pinFindings(refs)), "");
    });

    it("the checkers catch a job without permissions, a moving tag, a SHA without version and two pins of one action", () => {
        const bad = [
            "permissions: {}",
            "jobs:",
            "  a:",
            "    runs-on: ubuntu-24.04",
            "    steps:",
            "      - uses: actions/checkout@v4",
            "      - uses: actions/cache@5a3ec84eff668545956fd18022155c47e93e2684",
            "  b:",
            "    permissions: write-all",
            "    steps:",
            "      - uses: actions/checkout@34e114876b0b11c390a56381ad16ebd13914f8d5 # v4.3.1",
            "      - uses: ./.github/actions/pulumi-setup",
        ].join("\n");
        assert.deepStrictEqual(permissionFindings("x.yml", bad).map((f) => f.where), ["jobs.a", "jobs.b"]);
        assert.deepStrictEqual(permissionFindings("y.yml", "jobs:\n  a:\n    permissions: {}\n").map((f) => f.where), ["permissions"]);
        const problems = pinFindings(usesRefs("x.yml", bad)).map((f) => f.problem);
        assert.deepStrictEqual(problems, [
            "actions/checkout@v4: not pinned by a full 40-hex commit SHA (a tag or branch can move)",
            'actions/cache@5a3ec84eff668545956fd18022155c47e93e2684: the pinned SHA needs its version in a comment, e.g. "# v4.3.1"',
            "actions/checkout is pinned to 2 different commits: v4, 34e114876b0b11c390a56381ad16ebd13914f8d5",
        ]);
    });

    it("previews dev and prod on same-repository pull requests, with the policy pack, one comment per stack edited in place", () => {
        const pr = workflow("pull-request.yml");
        const preview = pr.jobs.preview;
        assert.deepStrictEqual(preview.strategy?.matrix.stack, ["dev", "prod"]);
        assert.strictEqual(preview.if, "github.event.pull_request.head.repo.full_name == github.repository", "forks get no OIDC token: no preview");
        const [step] = pulumiSteps(preview);
        assert.deepStrictEqual(
            { command: step.with!.command, stack: step.with!["stack-name"], comment: step.with!["comment-on-pr"], edit: step.with!["edit-pr-comment"], policy: step.with!.policyPacks },
            { command: "preview", stack: "${{ matrix.stack }}", comment: true, edit: true, policy: "policy" },
        );
        assert.ok(fs.existsSync(path.join(ROOT, "policy", "PulumiPolicy.yaml")), "policyPacks names the policy pack folder");
        assert.deepStrictEqual(preview.permissions, { contents: "read", "id-token": "write", "pull-requests": "write" });
        // The previewer account, not the deployer.
        assert.match(JSON.stringify(preview.steps), /GCP_PREVIEWER_/);
        assert.doesNotMatch(JSON.stringify(preview.steps), /GCP_DEPLOYER_/);
    });

    it("runs the tests with .ci/run in a privileged debian:12 container, caching the tools by version; uploads the rendered manifests", () => {
        const pr = workflow("pull-request.yml") as unknown as { jobs: Record<string, Job & { container: { image: string; options: string } }> };
        assert.deepStrictEqual(pr.jobs.test.container, { image: "debian:12", options: "--privileged" });
        const steps = pr.jobs.test.steps!;
        assert.ok(steps.some((s) => s.run === "bash .ci/run"));
        const cache = steps.find((s) => s.uses?.startsWith("actions/cache@"));
        assert.match(String(cache?.with?.key), /hashFiles\('tools\/versions\.json'\)/);
        assert.strictEqual(cache?.with?.path, "/var/cache/distroless-python-tools");
        assert.deepStrictEqual(pr.jobs.test.permissions, { contents: "read" });
        const upload = pr.jobs.render.steps!.find((s) => s.uses?.startsWith("actions/upload-artifact@"));
        assert.strictEqual(upload?.with?.path, "out/");
        const render = String(pr.jobs.render.steps!.find((s) => s.run?.includes("npm run --silent render"))?.run);
        assert.match(render, /render -- --stack dev --out out\/dev\n/);
        // prod is a release-lock stack: the committed lock, or the fixture before the first one is merged.
        assert.match(render, /\[ -f "\$lock" \] \|\| lock=test\/fixtures\/release-lock\/prod\.json\n.*render -- --stack prod --out out\/prod --set "distroless-python:releaseLockFile=\$lock"/);
        assert.ok(fs.existsSync(path.join(ROOT, "test", "fixtures", "release-lock", "prod.json")));
        assert.match(render, /--stack local --out out\/local --set distroless-python:releaseLockFile=test\/fixtures\/release-lock\/local\.json/);
        assert.ok(fs.existsSync(path.join(ROOT, "test", "fixtures", "release-lock", "local.json")));
    });

    it("deploys dev, then prod from the same commit behind the prod environment, one update per stack at a time", () => {
        const main = workflow("main.yml");
        assert.deepStrictEqual(Object.keys(main.on), ["push"]);
        assert.strictEqual(main.jobs["deploy-dev"].environment, "dev");
        assert.strictEqual(main.jobs["promote-prod"].environment, "prod");
        assert.deepStrictEqual((main.jobs["promote-prod"] as { needs?: string }).needs, "deploy-dev");
        for (const [id, stack] of [["deploy-dev", "dev"], ["promote-prod", "prod"]]) {
            const job = main.jobs[id];
            assert.deepStrictEqual(job.concurrency, { group: `pulumi-${stack}`, "cancel-in-progress": false });
            assert.deepStrictEqual(pulumiSteps(job).map((s) => [s.with!.command, s.with!["stack-name"]]), [["up", stack]]);
            assert.match(JSON.stringify(job.steps), new RegExp(`GCP_DEPLOYER_${stack}`));
        }
    });

    it("verifies every digest of the release lock with image:verify before each pulumi up, with the cosign cosign:install builds", () => {
        const main = workflow("main.yml");
        const pkg = JSON.parse(read(path.join(ROOT, "package.json"))) as { scripts: Record<string, string> };
        for (const id of ["deploy-dev", "promote-prod"]) {
            const steps = main.jobs[id].steps!;
            const verify = steps.findIndex((s) => /npm run --silent image:verify -- /.test(s.run ?? ""));
            const up = steps.findIndex((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command === "up");
            const install = steps.findIndex((s) => /npm run --silent cosign:install/.test(s.run ?? ""));
            assert.ok(verify >= 0 && up >= 0 && install >= 0, `${id}: steps missing (verify ${verify}, up ${up}, cosign ${install})`);
            assert.ok(install < verify && verify < up, `${id}: cosign:install (${install}) < image:verify (${verify}) < pulumi up (${up})`);
            // The cosign build is cached by its pin, in the folder cosign:install builds into.
            const cache = steps.slice(0, install).find((s) => s.uses?.startsWith("actions/cache@"));
            assert.match(String(cache?.with?.key), /hashFiles\('tools\/cosign\.json'\)/);
            assert.strictEqual(cache?.with?.path, (steps[install] as { env?: Record<string, string> }).env?.DISTROLESS_PYTHON_TOOLS_CACHE);
            // The flags image:verify reads (scripts/image-verify.ts parseVerifyArgs), and the lock pulumi up deploys.
            const run = steps[verify].run!;
            assert.match(run, /--key "\$RUNNER_TEMP\/signing\.pub" --cosign "\$COSIGN" --release-lock image\/release-lock\.json/);
            assert.match(run, /IMAGE_SIGNING_PUBLIC_KEY is not set/);
            assert.ok(pkg.scripts["image:verify"] && pkg.scripts["cosign:install"]);
        }
        const verifySource = read(path.join(ROOT, "scripts", "image-verify.ts"));
        for (const flag of ["key", "cosign", "release-lock"]) assert.match(verifySource, new RegExp(`"?${flag}"?: \\{ type: "string"`), flag);
    });

    it("checks drift with a refreshed preview that must show no change, in the stack's deploy group, and opens an issue", () => {
        const drift = workflow("scheduled.yml").jobs.drift;
        const [step] = pulumiSteps(drift);
        assert.deepStrictEqual([step.with!.command, step.with!.refresh, step.with!["expect-no-changes"]], ["preview", true, true]);
        assert.strictEqual(drift.concurrency?.group, "pulumi-${{ matrix.stack }}");
        assert.ok(drift.steps!.some((s) => s.run?.includes("drift-issue.sh") && s.if?.includes("failure()")));
        assert.deepStrictEqual(drift.permissions, { contents: "read", "id-token": "write", issues: "write" });
    });

    it("turns a published release and new CPython releases into pull requests", () => {
        const jobs = workflow("scheduled.yml").jobs;
        assert.ok(jobs["release-lock"].steps!.some((s) => s.run?.includes("release-lock-sync.sh")));
        assert.ok(jobs["release-lock"].steps!.some((s) => s.run?.includes("image/release-lock.json")));
        assert.ok(jobs["python-bump"].steps!.some((s) => s.run?.includes("npm run --silent python:bump")));
        const pkg = JSON.parse(read(path.join(ROOT, "package.json"))) as { scripts: Record<string, string> };
        assert.ok(pkg.scripts["python:bump"]);
    });

    it("installs the Pulumi CLI the integration suite builds (tools/versions.json)", () => {
        const action = YAML.parse(read(path.join(ACTIONS, "pulumi-setup", "action.yml"))) as { runs: { steps: Step[] } };
        const install = action.runs.steps.find((s) => s.uses?.startsWith("pulumi/actions@"));
        const tools = JSON.parse(read(path.join(ROOT, "tools", "versions.json"))) as { tools: { pulumi: { version: string } } };
        assert.strictEqual(`v${String(install?.with?.["pulumi-version"])}`, tools.tools.pulumi.version);
        // Keyless: the credentials come from the OIDC exchange, never from a key.
        const auth = action.runs.steps.find((s) => s.uses?.startsWith("google-github-actions/auth@"));
        assert.deepStrictEqual(Object.keys(auth?.with ?? {}).sort(), ["service_account", "workload_identity_provider"]);
        const all = [...workflowFiles().map((f) => read(path.join(WORKFLOWS, f))), read(path.join(ACTIONS, "pulumi-setup", "action.yml"))].join("\n");
        assert.doesNotMatch(all, /credentials_json|GOOGLE_CREDENTIALS|service_account_key/);
    });

    it("gives an OIDC token only to jobs that never run for a pull request from a fork", () => {
        for (const f of workflowFiles()) {
            const wf = workflow(f);
            for (const [id, job] of Object.entries(wf.jobs)) {
                if (job.permissions?.["id-token"] !== "write") continue;
                const onPullRequest = "pull_request" in wf.on || "pull_request_target" in wf.on;
                if (onPullRequest) assert.match(String(job.if), /head\.repo\.full_name == github\.repository/, `${f}: jobs.${id}`);
            }
        }
    });
});
