import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { rebuildAlerts } from "./rebuildAlerting";
import { RebuildMatrix, rebuildBuild, RebuildSigning, toTriggerBuild } from "./rebuildBuild";
import { LEASE_OBJECT, RebuildMachineType, REBUILD_LIMITS, RELEASE_PREFIX, SCHEDULED_REBUILD_DEFAULTS } from "./rebuildDefaults";
import { RebuildRunnerImage } from "./rebuildRunner";
import { REBUILD_SOURCE_PATHS, sourceArchive, versionedBucket } from "./rebuildSource";

/** APIs the rebuild uses (enabled unless `enableApis` is false). */
export const REBUILD_APIS = [
    "cloudbuild.googleapis.com",
    "cloudscheduler.googleapis.com",
    "pubsub.googleapis.com",
    "storage.googleapis.com",
    "iam.googleapis.com",
    "logging.googleapis.com",
    "monitoring.googleapis.com",
] as const;

export interface ScheduledRebuildArgs {
    /** GCP project that owns the rebuild (and the repository). Required. */
    project: string;
    /** Region of the trigger, the job, the buckets and the repository. Required. */
    location: string;
    /** The repository the rebuild publishes to and the runner is pushed to. Required. */
    repository: {
        /** `<location>-docker.pkg.dev/<project>/<repo>` (ArtifactRepository.registryUri). */
        url: pulumi.Input<string>;
        /** Repository ID (ArtifactRepository.repositoryId). */
        repositoryId: pulumi.Input<string>;
    };
    /** What is rebuilt: the stack's own image matrix (the same config as its images). Required. */
    matrix: RebuildMatrix;
    /** Cron of the Cloud Scheduler job. Default: `"0 * * * *"` (hourly). */
    schedule?: string;
    /** Time zone of `schedule`. Default: `"Etc/UTC"`. */
    timeZone?: string;
    /** Build timeout, seconds. Default: `10800`; 600..86400. */
    timeoutSeconds?: number;
    /** Cloud Build machine type. Default: `"E2_HIGHCPU_8"`. */
    machineType?: RebuildMachineType;
    /** Members of other environments granted `roles/artifactregistry.reader` on the repository (prod's nodes). Default: `[]`. */
    readers?: string[];
    /** Alert when no rebuild succeeded for this many hours. Default: `6`; 2..23. */
    alertWindowHours?: number;
    /** Notification channels of both alert policies. Default: `[]` (incidents open, nobody is notified). */
    notificationChannels?: string[];
    /** Enable the APIs (never disabled on destroy). Default: `true`. */
    enableApis?: boolean;
    /** Project root the source archive is taken from. Default: `"."`. */
    sourceRoot?: string;
    /** Paths of the source archive, relative to `sourceRoot`. Default: {@link REBUILD_SOURCE_PATHS}. */
    sourcePaths?: readonly string[];
    /** Noncurrent generations of the source and state objects are kept this many days. Default: `30`. */
    noncurrentRetentionDays?: number;
    /** The runner image's build: base image, mirrors, CA, preview (see RebuildRunnerImageArgs). Default: its defaults. */
    runner?: { contextDir?: string; baseImage?: string; extraCa?: pulumi.Input<string>; buildOnPreview?: pulumi.Input<boolean> };
    /** Labels on the buckets and the topic. Default: `{}` plus `managed-by: pulumi`. */
    labels?: Record<string, string>;
    /**
     * The key (and optionally the Binary Authorization note) the rebuild signs and attests
     * with: the stack's SigningKey, whose signers must include {@link ScheduledRebuild.buildAccount}.
     * Default: none (the rebuild publishes unsigned images and says so in its log).
     */
    signing?: RebuildSigning;
    /**
     * Resources a run needs that can only be made after this component: the signing key's
     * grants to its build account (which need the account). The scheduler job waits for them,
     * so no scheduled run starts before it may sign. Default: none.
     */
    scheduleAfter?: Promise<pulumi.Resource[]>;
}

/** Checks the plain args; pure, the message names the arg and what is accepted. */
export function validateScheduledRebuildArgs(args: Pick<ScheduledRebuildArgs, "schedule" | "alertWindowHours" | "readers" | "notificationChannels">): void {
    const fail = (arg: string, value: unknown, accepted: string): never => {
        throw new Error(`ScheduledRebuild arg "${arg}": ${JSON.stringify(value)} is not supported; accepted: ${accepted}`);
    };
    const schedule = args.schedule ?? SCHEDULED_REBUILD_DEFAULTS.schedule;
    if (!/^\S+( \S+){4}$/.test(schedule)) fail("schedule", schedule, "a unix-cron expression of 5 fields such as \"0 * * * *\"");
    const window = args.alertWindowHours ?? SCHEDULED_REBUILD_DEFAULTS.alertWindowHours;
    const { min, max } = REBUILD_LIMITS.alertWindowHours;
    if (!Number.isInteger(window) || window < min || window > max) fail("alertWindowHours", window, `integers from ${min} to ${max}`);
    for (const m of args.readers ?? []) {
        if (!/^(serviceAccount|group|user):\S+@\S+$/.test(m)) fail("readers", m, "IAM members serviceAccount:EMAIL, group:EMAIL or user:EMAIL");
    }
    for (const c of args.notificationChannels ?? []) {
        if (!/^projects\/[^/]+\/notificationChannels\/[0-9]+$/.test(c)) fail("notificationChannels", c, "projects/<project>/notificationChannels/<id>");
    }
}

/** The IAM condition that limits the state-bucket grant to the lease object and the release prefix. */
export function stateObjectCondition(bucket: string): { title: string; description: string; expression: string } {
    const objects = `projects/_/buckets/${bucket}/objects/`;
    return {
        title: "lease-and-release-only",
        description: `Only ${LEASE_OBJECT} and ${RELEASE_PREFIX}* of this bucket.`,
        expression: `resource.name == "${objects}${LEASE_OBJECT}" || resource.name.startsWith("${objects}${RELEASE_PREFIX}")`,
    };
}

/**
 * The scheduled, test-gated rebuild: the one producer of the published (moving) tags.
 *
 * Cloud Scheduler publishes to one Pub/Sub topic every `schedule`; the topic's message
 * starts a Cloud Build trigger (`pubsubConfig`) whose inline build runs the rebuild script
 * in the pinned runner image on the source archive `pulumi up` uploaded (generation pinned).
 *
 * Identities and grants (all non-authoritative `*IamMember`s, each on one resource):
 * - the build runs as a dedicated service account with `roles/artifactregistry.writer` on
 *   the repository, `roles/storage.objectViewer` on the source bucket, `roles/storage.objectUser`
 *   on the state bucket conditioned to the lease object and the release prefix, and
 *   `roles/logging.logWriter` on the project: writing log entries (`logging.logEntries.create`)
 *   can only be granted on a project, folder or organisation, and the build logs to Cloud
 *   Logging (CLOUD_LOGGING_ONLY), which the alerts read;
 * - the topic's one publisher grant is `roles/pubsub.publisher` for the Cloud Scheduler service
 *   agent. Pub/Sub targets publish as that service agent, not as a per-job identity: whoever
 *   can create scheduler jobs in the project (`cloudscheduler.jobs.create`) can publish to ANY
 *   topic of the project, this one included, and so start a rebuild. Keep that permission as
 *   narrow as the publish rights it implies. A rebuild started that way still only publishes
 *   images that pass every check. The agent's own role already carries publish rights; the
 *   explicit grant on this topic keeps the schedule working where that role was narrowed, and
 *   puts the topic's one publisher in the topic's own policy, where a test can hold it.
 * - `readers` (another environment's nodes) get `roles/artifactregistry.reader` on the
 *   repository: that is how prod pulls exactly the digests this rebuild published.
 */
export class ScheduledRebuild extends pulumi.ComponentResource {
    public readonly trigger: gcp.cloudbuild.Trigger;
    public readonly topic: gcp.pubsub.Topic;
    public readonly job: gcp.cloudscheduler.Job;
    /** The build's service account. */
    public readonly buildAccount: gcp.serviceaccount.Account;
    public readonly sourceBucket: gcp.storage.Bucket;
    public readonly stateBucket: gcp.storage.Bucket;
    public readonly sourceObject: gcp.storage.BucketObject;
    public readonly runner: RebuildRunnerImage;
    public readonly services: gcp.projects.Service[];

    constructor(name: string, args: ScheduledRebuildArgs, opts?: pulumi.ComponentResourceOptions) {
        super("distroless-python:rebuild:ScheduledRebuild", name, {}, opts);
        try {
            validateScheduledRebuildArgs(args);
        } catch (e) {
            throw new pulumi.ResourceError((e as Error).message, this);
        }
        const d = SCHEDULED_REBUILD_DEFAULTS;
        const project = args.project;
        const labels = { "managed-by": "pulumi", ...(args.labels ?? {}) };
        this.services = this.enableApis(name, args.enableApis ?? true, project);
        const after = { parent: this, dependsOn: this.services };

        // --- Source and state ---------------------------------------------------------------
        const retention = { project, location: args.location, noncurrentRetentionDays: args.noncurrentRetentionDays ?? d.noncurrentRetentionDays, labels };
        // Named after the project: bucket names are global, and this keeps them readable.
        this.sourceBucket = versionedBucket(`${name}-source`, { ...retention, bucketName: `${project}-${name}-source` }, after);
        this.stateBucket = versionedBucket(`${name}-state`, { ...retention, bucketName: `${project}-${name}-state` }, after);
        this.sourceObject = new gcp.storage.BucketObject(`${name}-source`, {
            bucket: this.sourceBucket.name,
            name: "rebuild/source.zip",
            source: sourceArchive(args.sourceRoot ?? ".", args.sourcePaths ?? REBUILD_SOURCE_PATHS),
            contentType: "application/zip",
        }, { parent: this });

        // --- Identities and grants ----------------------------------------------------------
        this.buildAccount = new gcp.serviceaccount.Account(`${name}-builder`, {
            project,
            accountId: `${name}-builder`.slice(0, 30),
            displayName: "Scheduled image rebuild (Cloud Build)",
            description: "Runs the scheduled rebuild: pushes to one repository, reads its source, writes its lease and release objects.",
        }, after);
        const grants = this.buildGrants(name, args, this.buildAccount.member);
        const readerGrants = (args.readers ?? []).map((member) => new gcp.artifactregistry.RepositoryIamMember(
            `${name}-reader-${member.replace(/[^a-zA-Z0-9-]/g, "-")}`,
            { project, location: args.location, repository: args.repository.repositoryId, role: "roles/artifactregistry.reader", member },
            { parent: this },
        ));

        // --- Runner, trigger, topic, schedule -----------------------------------------------
        this.runner = new RebuildRunnerImage(`${name}-runner`, {
            repositoryUrl: args.repository.url,
            contextDir: args.runner?.contextDir,
            baseImage: args.runner?.baseImage,
            debianMirror: args.matrix.debianMirror,
            debianSecurityMirror: args.matrix.debianSecurityMirror,
            extraCa: args.runner?.extraCa,
            buildOnPreview: args.runner?.buildOnPreview,
        }, { parent: this });

        this.topic = new gcp.pubsub.Topic(`${name}-topic`, { project, name: `${name}-schedule`, labels }, after);
        const publisher = this.schedulerPublisher(name, project);

        const build = pulumi
            .all([args.repository.url, this.runner.ref, this.sourceBucket.name, this.sourceObject.name, this.sourceObject.generation, this.stateBucket.name, this.buildAccount.id])
            .apply(([registry, runnerImage, sourceBucket, sourceObject, generation, stateBucket, serviceAccount]) => {
                try {
                    return toTriggerBuild(rebuildBuild({
                        ...args.matrix,
                        registry,
                        runnerImage,
                        sourceBucket,
                        sourceObject,
                        sourceGeneration: String(generation),
                        stateBucket,
                        timeoutSeconds: args.timeoutSeconds ?? d.timeoutSeconds,
                        machineType: args.machineType ?? d.machineType,
                        serviceAccount,
                        tags: [name, pulumi.getStack()],
                        signing: args.signing,
                    }));
                } catch (e) {
                    throw new pulumi.ResourceError((e as Error).message, this);
                }
            });
        this.trigger = new gcp.cloudbuild.Trigger(`${name}-trigger`, {
            project,
            location: args.location,
            name: `${name}-scheduled`,
            description: "Scheduled, test-gated rebuild of the distroless Python images (started by the Cloud Scheduler job through Pub/Sub).",
            pubsubConfig: { topic: this.topic.id },
            serviceAccount: build.serviceAccount,
            build: build.build,
            tags: [name],
        }, { parent: this, dependsOn: [...this.services, ...grants] });

        const jobAfter: Promise<pulumi.Resource[]> = (args.scheduleAfter ?? Promise.resolve<pulumi.Resource[]>([]))
            .then((after) => [...this.services, publisher, this.trigger, ...after]);
        this.job = new gcp.cloudscheduler.Job(`${name}-schedule`, {
            project,
            region: args.location,
            name: `${name}-schedule`,
            description: "Starts the scheduled rebuild by publishing to its topic.",
            schedule: args.schedule ?? d.schedule,
            timeZone: args.timeZone ?? d.timeZone,
            pubsubTarget: {
                topicName: this.topic.id,
                // The trigger ignores the body; a message needs data or attributes.
                data: Buffer.from(JSON.stringify({ reason: "schedule" })).toString("base64"),
            },
        }, { parent: this, dependsOn: jobAfter });

        const alerts = rebuildAlerts(name, {
            project,
            triggerId: this.trigger.triggerId,
            windowHours: args.alertWindowHours ?? d.alertWindowHours,
            notificationChannels: args.notificationChannels ?? [],
        }, after);

        this.registerOutputs({
            trigger: this.trigger.triggerId,
            topic: this.topic.id,
            job: this.job.id,
            buildAccount: this.buildAccount.email,
            runner: this.runner.ref,
            sourceGeneration: this.sourceObject.generation,
            readers: readerGrants.map((g) => g.member),
            alertPolicies: [alerts.failedPolicy.name, alerts.silentPolicy.name],
        });
    }

    private enableApis(name: string, enable: boolean, project: string): gcp.projects.Service[] {
        // disableOnDestroy false: other workloads in the project may use these APIs.
        return enable
            ? REBUILD_APIS.map((service) => new gcp.projects.Service(
                `${name}-${service.split(".")[0]}`,
                { project, service, disableOnDestroy: false, disableDependentServices: false },
                { parent: this },
            ))
            : [];
    }

    /** The build account's grants, each on the one resource it needs (see the class comment). */
    private buildGrants(name: string, args: ScheduledRebuildArgs, member: pulumi.Output<string>): pulumi.Resource[] {
        return [
            new gcp.artifactregistry.RepositoryIamMember(`${name}-builder-writer`, {
                project: args.project, location: args.location, repository: args.repository.repositoryId,
                role: "roles/artifactregistry.writer", member,
            }, { parent: this }),
            new gcp.storage.BucketIAMMember(`${name}-builder-source`, {
                bucket: this.sourceBucket.name, role: "roles/storage.objectViewer", member,
            }, { parent: this }),
            // One bucket for the lease and the release data, and the grant conditioned to those
            // objects: the build cannot touch the source it runs (another bucket, read-only),
            // nor any other object put in this one. Conditions on object names do not apply to
            // listing, so the script reads and writes these objects by name, never by listing.
            new gcp.storage.BucketIAMMember(`${name}-builder-state`, {
                bucket: this.stateBucket.name, role: "roles/storage.objectUser", member,
                condition: this.stateBucket.name.apply(stateObjectCondition),
            }, { parent: this }),
            new gcp.projects.IAMMember(`${name}-builder-logs`, {
                project: args.project, role: "roles/logging.logWriter", member,
            }, { parent: this }),
        ];
    }

    /** The topic's one publisher: the Cloud Scheduler service agent of the project. */
    private schedulerPublisher(name: string, project: string): gcp.pubsub.TopicIAMMember {
        const number = gcp.organizations.getProjectOutput({ projectId: project }, { parent: this }).number;
        return new gcp.pubsub.TopicIAMMember(`${name}-scheduler-publisher`, {
            project,
            topic: this.topic.name,
            role: "roles/pubsub.publisher",
            member: pulumi.interpolate`serviceAccount:service-${number}@gcp-sa-cloudscheduler.iam.gserviceaccount.com`,
        }, { parent: this });
    }
}
