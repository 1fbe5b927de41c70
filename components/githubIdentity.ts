// GitHub Actions -> GCP without key files: a Workload Identity Federation pool and OIDC
// provider that trust only this repository's tokens, and two service accounts the
// workflows (.github/workflows/) impersonate:
//   - the deployer (`pulumi up`): only jobs on the deploy ref running in the stack's GitHub
//     environment (prod's environment carries the approval rule);
//   - the previewer (`pulumi preview`, drift check, release-lock check): read-only, any
//     job of the repository that passed the provider's attribute condition (the deploy
//     ref or a same-repository pull request; fork pull requests get no OIDC token at all).
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

/** GitHub's OIDC issuer. */
export const GITHUB_OIDC_ISSUER = "https://token.actions.githubusercontent.com";

/**
 * Project roles of the deployer, one per resource type the program manages (the unit test
 * fails when the stack registers a GCP type that is not listed here, so a new resource
 * type cannot ship without its grant, and nothing is granted for a type that is gone).
 */
export const DEPLOYER_ROLE_BY_TYPE: Readonly<Record<string, string>> = {
    "gcp:artifactregistry/repository:Repository": "roles/artifactregistry.admin",
    "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember": "roles/artifactregistry.admin",
    "gcp:projects/service:Service": "roles/serviceusage.serviceUsageAdmin",
    "gcp:projects/iAMMember:IAMMember": "roles/resourcemanager.projectIamAdmin",
    "gcp:serviceaccount/account:Account": "roles/iam.serviceAccountAdmin",
    "gcp:serviceaccount/iAMMember:IAMMember": "roles/iam.serviceAccountAdmin",
    // The trigger runs as the rebuild's build account: creating it needs actAs on that account.
    "gcp:cloudbuild/trigger:Trigger": "roles/cloudbuild.builds.editor",
    "gcp:cloudscheduler/job:Job": "roles/cloudscheduler.admin",
    "gcp:pubsub/topic:Topic": "roles/pubsub.admin",
    "gcp:pubsub/topicIAMMember:TopicIAMMember": "roles/pubsub.admin",
    "gcp:storage/bucket:Bucket": "roles/storage.admin",
    "gcp:storage/bucketIAMMember:BucketIAMMember": "roles/storage.admin",
    "gcp:storage/bucketObject:BucketObject": "roles/storage.admin",
    "gcp:logging/metric:Metric": "roles/logging.configWriter",
    "gcp:monitoring/alertPolicy:AlertPolicy": "roles/monitoring.alertPolicyEditor",
    // This component itself: the deployer keeps its own pool, provider and accounts in sync.
    "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": "roles/iam.workloadIdentityPoolAdmin",
    "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": "roles/iam.workloadIdentityPoolAdmin",
};

/** Deployer roles that do not map to one resource type. */
export const DEPLOYER_EXTRA_ROLES = [
    // actAs on the rebuild's build account (the trigger's serviceAccount).
    "roles/iam.serviceAccountUser",
    // The sample app's Kubernetes objects on the stack's GKE cluster (and the cluster's credentials).
    "roles/container.developer",
] as const;

/**
 * Project roles of the previewer: read every resource the program manages (refresh reads
 * them all, IAM policies and the app's Kubernetes objects included) and pull from the
 * registry (the release-lock check).
 */
export const PREVIEWER_ROLES = [
    "roles/viewer",
    "roles/iam.securityReviewer",
    "roles/artifactregistry.reader",
    // The sample app's Kubernetes objects on the stack's GKE cluster, read-only.
    "roles/container.viewer",
] as const;

export interface GitHubWorkloadIdentityArgs {
    /** GCP project of the pool and the accounts. Required. */
    project: string;
    /** `owner/name` of the GitHub repository whose workflows are trusted. Required. */
    repository: string;
    /** The only ref whose jobs may deploy. Default: `"refs/heads/main"`. */
    deployRef?: string;
    /** GitHub environment the deploy job runs in (its protection rules gate the deploy). Required. */
    deployEnvironment: string;
    /** Bucket of the Pulumi state (DIY backend): deployer objectUser; previewer read + its lock files only. Default: none. */
    stateBucket?: string;
    /**
     * Where the rebuild publishes its release (the ScheduledRebuild's state bucket and
     * RELEASE_PREFIX): the previewer may read the objects under that prefix, which the
     * scheduled release-lock workflow copies into a pull request. Default: none.
     */
    releaseObjects?: { bucket: pulumi.Input<string>; prefix: string };
    /** Pool id. Default: `"github"`. */
    poolId?: string;
    /** Provider id. Default: `"github-actions"`. */
    providerId?: string;
}

const REPOSITORY = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/;
const REF = /^refs\/(heads|tags)\/[A-Za-z0-9._\/-]+$/;
const ENVIRONMENT = /^[A-Za-z0-9._-]{1,255}$/;
const POOL_ID = /^[a-z0-9-]{4,32}$/;
const BUCKET = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

/** Validates the plain args; pure, messages name the arg, the value and what is accepted. */
export function validateGitHubIdentityArgs(args: GitHubWorkloadIdentityArgs): void {
    const check = (key: string, value: string | undefined, pattern: RegExp, accepted: string) => {
        if (value !== undefined && !pattern.test(value)) {
            throw new Error(`GitHubWorkloadIdentity arg "${key}": ${JSON.stringify(value)} is not valid; accepted: ${accepted}`);
        }
    };
    check("repository", args.repository, REPOSITORY, "owner/name of a GitHub repository");
    check("deployRef", args.deployRef, REF, "a full ref such as refs/heads/main");
    check("deployEnvironment", args.deployEnvironment, ENVIRONMENT, "a GitHub environment name (letters, digits, . _ -)");
    check("poolId", args.poolId, POOL_ID, "4-32 lowercase letters, digits and hyphens");
    check("providerId", args.providerId, POOL_ID, "4-32 lowercase letters, digits and hyphens");
    if (args.stateBucket !== undefined && args.stateBucket !== "") check("stateBucket", args.stateBucket, BUCKET, "a GCS bucket name (no gs://)");
    if (args.poolId?.startsWith("gcp-")) throw new Error(`GitHubWorkloadIdentity arg "poolId": ${JSON.stringify(args.poolId)} starts with the reserved prefix gcp-`);
}

/** CEL string literal (single quotes; the values are validated, so only quotes need care). */
function cel(value: string): string {
    return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/**
 * The provider's attribute condition: tokens of this repository only, and of those only
 * the deploy ref's jobs or pull-request jobs (a feature branch's push cannot authenticate).
 */
export function attributeCondition(repository: string, deployRef: string): string {
    return `assertion.repository == ${cel(repository)} && (assertion.ref == ${cel(deployRef)} || assertion.event_name == 'pull_request')`;
}

/**
 * Attribute mapping. `attribute.ref_subject` joins the ref and the subject, so the deployer's
 * binding names both: a pull-request job that declares the prod environment has the same
 * subject (`repo:o/r:environment:prod`) but another ref, and does not match.
 */
export const ATTRIBUTE_MAPPING = {
    "google.subject": "assertion.sub",
    "attribute.repository": "assertion.repository",
    "attribute.ref": "assertion.ref",
    "attribute.event_name": "assertion.event_name",
    "attribute.ref_subject": "assertion.ref + '|' + assertion.sub",
} as const;

/** `ref|sub` of a deploy job: GitHub's subject for a job in an environment. */
export function deploySubject(repository: string, deployRef: string, environment: string): string {
    return `${deployRef}|repo:${repository}:environment:${environment}`;
}

/** Every deployer project role (the type map's roles plus the extras), sorted, once each. */
export function deployerRoles(): string[] {
    return [...new Set([...Object.values(DEPLOYER_ROLE_BY_TYPE), ...DEPLOYER_EXTRA_ROLES])].sort();
}

/** Project-level roles the rest of the program grants (the rebuild's build account writes logs). */
export const PROGRAM_PROJECT_GRANTS = ["roles/logging.logWriter"] as const;

/**
 * The deployer's projectIamAdmin may only add or remove grants of the roles this program
 * grants at project level (its own, the previewer's, the rebuild's): without the condition
 * it could grant itself roles/owner.
 */
export function projectIamCondition(): { title: string; description: string; expression: string } {
    const roles = [...new Set([...deployerRoles(), ...PREVIEWER_ROLES, ...PROGRAM_PROJECT_GRANTS])].sort();
    return {
        title: "program-roles-only",
        description: "grant or revoke only the project roles the Pulumi program manages",
        expression: `api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly([${roles.map(cel).join(", ")}])`,
    };
}

/** IAM condition: the objects under one prefix of a bucket. */
export function objectPrefixCondition(bucket: string, prefix: string): { title: string; description: string; expression: string } {
    return {
        title: "release-objects-only",
        description: `objects under ${prefix} only`,
        expression: `resource.name.startsWith("projects/_/buckets/${bucket}/objects/${prefix}")`,
    };
}

/** IAM condition: objects under the DIY backend's lock folder only. */
export function lockObjectsCondition(bucket: string): { title: string; description: string; expression: string } {
    return {
        title: "pulumi-locks-only",
        description: "Pulumi's DIY backend writes and deletes a lock file per operation, previews included",
        expression: `resource.name.startsWith("projects/_/buckets/${bucket}/objects/.pulumi/locks/")`,
    };
}

export class GitHubWorkloadIdentity extends pulumi.ComponentResource {
    public readonly pool: gcp.iam.WorkloadIdentityPool;
    public readonly provider: gcp.iam.WorkloadIdentityPoolProvider;
    public readonly deployer: gcp.serviceaccount.Account;
    public readonly previewer: gcp.serviceaccount.Account;
    /** `projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>`: the workflows' `workload_identity_provider`. */
    public readonly providerName: pulumi.Output<string>;

    constructor(name: string, args: GitHubWorkloadIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("distroless-python:ci:GitHubWorkloadIdentity", name, {}, opts);
        try {
            validateGitHubIdentityArgs(args);
        } catch (e) {
            throw new pulumi.ResourceError((e as Error).message, this);
        }
        const { project, repository } = args;
        const deployRef = args.deployRef ?? "refs/heads/main";
        const poolId = args.poolId ?? "github";
        const providerId = args.providerId ?? "github-actions";
        const child = { parent: this };

        this.pool = new gcp.iam.WorkloadIdentityPool(`${name}-pool`, {
            project,
            workloadIdentityPoolId: poolId,
            displayName: "GitHub Actions",
            description: `OIDC tokens of ${repository}'s workflows`,
        }, child);
        this.provider = new gcp.iam.WorkloadIdentityPoolProvider(`${name}-provider`, {
            project,
            workloadIdentityPoolId: this.pool.workloadIdentityPoolId,
            workloadIdentityPoolProviderId: providerId,
            displayName: "GitHub Actions OIDC",
            attributeMapping: { ...ATTRIBUTE_MAPPING },
            attributeCondition: attributeCondition(repository, deployRef),
            oidc: { issuerUri: GITHUB_OIDC_ISSUER },
        }, child);

        const number = gcp.organizations.getProjectOutput({ projectId: project }, child).number;
        const poolPath = pulumi.interpolate`projects/${number}/locations/global/workloadIdentityPools/${this.pool.workloadIdentityPoolId}`;
        this.providerName = pulumi.interpolate`${poolPath}/providers/${this.provider.workloadIdentityPoolProviderId}`;

        this.deployer = new gcp.serviceaccount.Account(`${name}-deployer`, {
            project, accountId: "github-deployer", displayName: `GitHub ${repository} ${args.deployEnvironment} deployer`,
        }, child);
        this.previewer = new gcp.serviceaccount.Account(`${name}-previewer`, {
            project, accountId: "github-previewer", displayName: `GitHub ${repository} read-only previewer`,
        }, child);

        new gcp.serviceaccount.IAMMember(`${name}-deployer-wif`, {
            serviceAccountId: this.deployer.name,
            role: "roles/iam.workloadIdentityUser",
            member: pulumi.interpolate`principalSet://iam.googleapis.com/${poolPath}/attribute.ref_subject/${deploySubject(repository, deployRef, args.deployEnvironment)}`,
        }, child);
        new gcp.serviceaccount.IAMMember(`${name}-previewer-wif`, {
            serviceAccountId: this.previewer.name,
            role: "roles/iam.workloadIdentityUser",
            member: pulumi.interpolate`principalSet://iam.googleapis.com/${poolPath}/attribute.repository/${repository}`,
        }, child);

        for (const role of deployerRoles()) {
            new gcp.projects.IAMMember(`${name}-deployer-${role.replace(/^roles\//, "").replace(/\./g, "-")}`, {
                project, role, member: this.deployer.member,
                ...(role === "roles/resourcemanager.projectIamAdmin" ? { condition: projectIamCondition() } : {}),
            }, child);
        }
        for (const role of PREVIEWER_ROLES) {
            new gcp.projects.IAMMember(`${name}-previewer-${role.replace(/^roles\//, "").replace(/\./g, "-")}`, {
                project, role, member: this.previewer.member,
            }, child);
        }
        if (args.stateBucket) {
            new gcp.storage.BucketIAMMember(`${name}-deployer-state`, {
                bucket: args.stateBucket, role: "roles/storage.objectUser", member: this.deployer.member,
            }, child);
            new gcp.storage.BucketIAMMember(`${name}-previewer-state`, {
                bucket: args.stateBucket, role: "roles/storage.objectViewer", member: this.previewer.member,
            }, child);
            new gcp.storage.BucketIAMMember(`${name}-previewer-locks`, {
                bucket: args.stateBucket, role: "roles/storage.objectUser", member: this.previewer.member,
                condition: lockObjectsCondition(args.stateBucket),
            }, child);
        }
        if (args.releaseObjects) {
            const { bucket, prefix } = args.releaseObjects;
            new gcp.storage.BucketIAMMember(`${name}-previewer-release`, {
                bucket, role: "roles/storage.objectViewer", member: this.previewer.member,
                condition: pulumi.output(bucket).apply((b) => objectPrefixCondition(b, prefix)),
            }, child);
        }
        this.registerOutputs({ providerName: this.providerName, deployer: this.deployer.email, previewer: this.previewer.email });
    }
}
