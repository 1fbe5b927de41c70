// The GitHub Actions identity (components/githubIdentity.ts) as the engine sees it: dev and
// prod under setMocks with githubRepository set. Every statement is a policy the
// registrations must satisfy: who can get a token for which account, and with what grants.
import * as assert from "assert";
import { ProgramRun, Registration, reveal, runProgram } from "../../scripts/lib/mockRuntime";
import {
    ATTRIBUTE_MAPPING, attributeCondition, DEPLOYER_ROLE_BY_TYPE, deployerRoles, GITHUB_OIDC_ISSUER, PREVIEWER_ROLES, validateGitHubIdentityArgs,
} from "../../components/githubIdentity";
import { validateConfig } from "../../config/validate";
import { RELEASE_PREFIX } from "../../components/rebuildDefaults";

const REPO = "acme/distroless-python";
const STATE = "acme-pulumi-state";
const NUMBER = "123456789012";
const POOL = `projects/${NUMBER}/locations/global/workloadIdentityPools/github`;
const PROD_LOCK = "test/fixtures/release-lock/prod.json";
const overrides = {
    "distroless-python:githubRepository": REPO,
    "distroless-python:githubStateBucket": STATE,
    "distroless-python:locksDir": "test/fixtures/locks",
    // prod deploys a release lock (imageSource release-lock); the fixture stands in for the rebuild's.
    "distroless-python:releaseLockFile": PROD_LOCK,
};

const ofType = (run: ProgramRun, type: string) => run.registrations.filter((r) => r.type === type);
const named = (run: ProgramRun, name: string): Registration => {
    const found = run.registrations.find((r) => r.name === name);
    assert.ok(found, `no resource ${name}`);
    return found;
};
const input = (r: Registration, key: string) => reveal(r.inputs[key]);
/** Project roles granted to a member (`serviceAccount:<email>`). */
const projectRoles = (run: ProgramRun, email: string) =>
    ofType(run, "gcp:projects/iAMMember:IAMMember").filter((r) => r.inputs.member === `serviceAccount:${email}`).map((r) => r.inputs.role as string).sort();

describe("GitHub Actions identity (Workload Identity Federation, under mocks)", function () {
    this.timeout(60000);
    let dev: ProgramRun;
    let prod: ProgramRun;
    before(async () => {
        dev = await runProgram({ stack: "dev", overrides });
        prod = await runProgram({ stack: "prod", overrides });
    });

    it("trusts GitHub's issuer only, for this repository's deploy ref and its pull requests", () => {
        const provider = named(dev, "github-provider");
        assert.deepStrictEqual(input(provider, "oidc"), { issuerUri: GITHUB_OIDC_ISSUER });
        assert.strictEqual(
            input(provider, "attributeCondition"),
            "assertion.repository == 'acme/distroless-python' && (assertion.ref == 'refs/heads/main' || assertion.event_name == 'pull_request')",
        );
        assert.deepStrictEqual(input(provider, "attributeMapping"), { ...ATTRIBUTE_MAPPING });
        assert.strictEqual(named(dev, "github-pool").inputs.project, "distroless-python-dev");
    });

    it("binds the deployer to deploy-ref jobs in the stack's own GitHub environment, the previewer to the repository", () => {
        for (const [run, env] of [[dev, "dev"], [prod, "prod"]] as const) {
            assert.strictEqual(
                named(run, "github-deployer-wif").inputs.member,
                `principalSet://iam.googleapis.com/${POOL}/attribute.ref_subject/refs/heads/main|repo:${REPO}:environment:${env}`,
            );
            assert.strictEqual(named(run, "github-deployer-wif").inputs.role, "roles/iam.workloadIdentityUser");
            assert.strictEqual(named(run, "github-previewer-wif").inputs.member, `principalSet://iam.googleapis.com/${POOL}/attribute.repository/${REPO}`);
        }
        assert.strictEqual(dev.outputs.githubProvider, `${POOL}/providers/github-actions`);
        assert.strictEqual(dev.outputs.githubDeployer, "github-deployer@distroless-python-dev.iam.gserviceaccount.com");
        assert.strictEqual(prod.outputs.githubPreviewer, "github-previewer@distroless-python-prod.iam.gserviceaccount.com");
    });

    it("grants the deployer one role per GCP resource type the stacks manage, and none for a type they do not", () => {
        const types = new Set([...dev.registrations, ...prod.registrations].filter((r) => r.custom && r.type.startsWith("gcp:")).map((r) => r.type));
        const unmapped = [...types].filter((t) => !(t in DEPLOYER_ROLE_BY_TYPE));
        assert.deepStrictEqual(unmapped, [], "resource types the deployer has no role for");
        const stale = Object.keys(DEPLOYER_ROLE_BY_TYPE).filter((t) => !types.has(t));
        assert.deepStrictEqual(stale, [], "roles for resource types no stack registers");
        assert.deepStrictEqual(projectRoles(dev, "github-deployer@distroless-python-dev.iam.gserviceaccount.com"), deployerRoles());
        assert.ok(!deployerRoles().some((r) => /^roles\/(owner|editor)$/.test(r)));
    });

    it("lets the deployer grant only the project roles the program itself grants", () => {
        const admin = ofType(dev, "gcp:projects/iAMMember:IAMMember").find((r) => r.inputs.role === "roles/resourcemanager.projectIamAdmin");
        assert.ok(admin);
        const expression = (input(admin, "condition") as { expression: string }).expression;
        const allowed = [...expression.matchAll(/'(roles\/[^']+)'/g)].map((m) => m[1]);
        const granted = new Set(ofType(dev, "gcp:projects/iAMMember:IAMMember").map((r) => r.inputs.role as string));
        assert.deepStrictEqual([...granted].filter((r) => !allowed.includes(r)), [], "project roles the program grants but the condition forbids");
        assert.ok(!allowed.includes("roles/owner") && !allowed.includes("roles/editor"));
    });

    it("keeps the previewer read-only: project read roles, state read, and writes under the lock folder only", () => {
        assert.deepStrictEqual(projectRoles(dev, "github-previewer@distroless-python-dev.iam.gserviceaccount.com"), [...PREVIEWER_ROLES].sort());
        const bucketGrants = ofType(dev, "gcp:storage/bucketIAMMember:BucketIAMMember").filter((r) => r.inputs.member === "serviceAccount:github-previewer@distroless-python-dev.iam.gserviceaccount.com");
        const state = bucketGrants.filter((r) => r.inputs.bucket === STATE);
        const byRole = Object.fromEntries(state.map((r) => [r.inputs.role as string, input(r, "condition") as { expression: string } | undefined]));
        assert.deepStrictEqual(Object.keys(byRole).sort(), ["roles/storage.objectUser", "roles/storage.objectViewer"]);
        assert.strictEqual(byRole["roles/storage.objectViewer"], undefined);
        assert.strictEqual(byRole["roles/storage.objectUser"]!.expression, `resource.name.startsWith("projects/_/buckets/${STATE}/objects/.pulumi/locks/")`);
        // dev owns the rebuild: the previewer reads what it published (release/ only), nothing else of its state bucket.
        const release = bucketGrants.filter((r) => r.inputs.bucket !== STATE);
        assert.deepStrictEqual(release.map((r) => [r.inputs.bucket, r.inputs.role, (input(r, "condition") as { expression: string }).expression]), [
            ["distroless-python-dev-rebuild-state", "roles/storage.objectViewer", `resource.name.startsWith("projects/_/buckets/distroless-python-dev-rebuild-state/objects/${RELEASE_PREFIX}")`],
        ]);
        assert.strictEqual(ofType(prod, "gcp:storage/bucketIAMMember:BucketIAMMember").filter((r) => r.name === "github-previewer-release").length, 0);
    });

    it("registers nothing for GitHub when githubRepository is empty (the committed stacks)", async () => {
        const plain = await runProgram({ stack: "prod", overrides: { "distroless-python:locksDir": "test/fixtures/locks", "distroless-python:releaseLockFile": PROD_LOCK } });
        assert.deepStrictEqual(plain.registrations.filter((r) => r.name.startsWith("github")).map((r) => r.name), []);
        assert.strictEqual(plain.outputs.githubProvider, undefined);
    });

    it("builds the condition from the arguments, CEL-quoted", () => {
        assert.strictEqual(attributeCondition("o/r", "refs/tags/v1"), "assertion.repository == 'o/r' && (assertion.ref == 'refs/tags/v1' || assertion.event_name == 'pull_request')");
    });

    const bad: [string, Record<string, string>, RegExp][] = [
        ["a repository without owner", { repository: "distroless-python" }, /arg "repository": "distroless-python" is not valid; accepted: owner\/name/],
        ["a CEL injection in the repository", { repository: "o/r' || true || '" }, /arg "repository"/],
        ["a short ref", { deployRef: "main" }, /arg "deployRef": "main" is not valid; accepted: a full ref such as refs\/heads\/main/],
        ["a reserved pool id", { poolId: "gcp-pool" }, /arg "poolId": "gcp-pool" starts with the reserved prefix gcp-/],
        ["a gs:// bucket", { stateBucket: "gs://state" }, /arg "stateBucket": "gs:\/\/state" is not valid; accepted: a GCS bucket name \(no gs:\/\/\)/],
    ];
    for (const [name, change, message] of bad) {
        it(`refuses ${name}`, () => {
            assert.throws(() => validateGitHubIdentityArgs({ project: "p-123456", repository: REPO, deployEnvironment: "dev", ...change }), message);
        });
    }

    it("refuses githubRepository on a stack without gcp:project, naming the key", () => {
        assert.throws(
            () => validateConfig({ "distroless-python:imageSource": "release-lock", "distroless-python:githubRepository": REPO }),
            /config key "distroless-python:githubRepository": "acme\/distroless-python" needs GCP, but gcp:project is not set/,
        );
        assert.throws(
            () => validateConfig({ "gcp:project": "p-123456", "gcp:region": "europe-west1", "distroless-python:githubDeployRef": "main" }),
            /config key "distroless-python:githubDeployRef": "main" is not valid; accepted: a full ref such as refs\/heads\/main/,
        );
    });
});
