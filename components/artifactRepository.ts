import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { PUBLISHED_TAG_PREFIXES } from "./constants";

/** APIs the repository needs; container scanning only when scanning is on. */
export const REPOSITORY_APIS = ["artifactregistry.googleapis.com"] as const;
export const SCANNING_API = "containerscanning.googleapis.com";

/** Tag prefixes kept by default: everything this project publishes (components/constants.ts). */
export const DEFAULT_PUBLISHED_TAG_PREFIXES = PUBLISHED_TAG_PREFIXES;

export interface ArtifactRepositoryArgs {
    /** Location (region), e.g. `europe-west1`. Required. */
    location: pulumi.Input<string>;
    /** Repository ID. Default: `"distroless-python"`. */
    repositoryId?: pulumi.Input<string>;
    /** GCP project. Default: the provider's project (`gcp:project`). */
    project?: pulumi.Input<string>;
    /** Repository description. Default: a sentence naming the images. */
    description?: pulumi.Input<string>;
    /**
     * Enable the APIs with `gcp.projects.Service` (never disabled on destroy). Plain
     * boolean because it decides which resources exist. Default: `true`; set `false` where
     * an organisation manages APIs centrally.
     */
    enableApis?: boolean;
    /**
     * Vulnerability scanning of pushed images: `INHERITED` when true (scans if the
     * Container Scanning API is on), `DISABLED` when false. Default: `true`.
     */
    vulnerabilityScanning?: pulumi.Input<boolean>;
    /**
     * Tag prefixes of published images: versions with such a tag are always kept.
     * Default: `["3.", "latest", "app-", "sha256-"]` ({@link DEFAULT_PUBLISHED_TAG_PREFIXES}). Must not
     * include the build-cache tag prefix, or superseded caches are never cleaned up.
     */
    publishedTagPrefixes?: pulumi.Input<pulumi.Input<string>[]>;
    /** Versions always kept per image, newest first, whatever their tags. Default: `10`; 1..1000. */
    keepRecentVersions?: pulumi.Input<number>;
    /** Untagged versions older than this many days are deleted. Default: `30`; 1..3650. */
    untaggedRetentionDays?: pulumi.Input<number>;
    /** Report what the cleanup policies would delete without deleting. Default: `false`. */
    cleanupDryRun?: pulumi.Input<boolean>;
    /**
     * Members (e.g. `serviceAccount:nodes@p.iam.gserviceaccount.com`) granted
     * `roles/artifactregistry.reader` on this repository with non-authoritative
     * `RepositoryIamMember`s. Plain list because each member is one resource. Default: `[]`.
     */
    readers?: string[];
    /** Labels on the repository (merged over `managed-by: pulumi`). Default: `{}`. */
    labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Checks the numeric cleanup settings; pure, the message names the arg and the accepted range. */
export function validateRetention(args: { keepRecentVersions: number; untaggedRetentionDays: number }): void {
    const check = (name: string, value: number, min: number, max: number) => {
        if (!Number.isInteger(value) || value < min || value > max) {
            throw new Error(`ArtifactRepository arg "${name}": ${JSON.stringify(value)} is not supported; accepted: integers from ${min} to ${max}`);
        }
    };
    check("keepRecentVersions", args.keepRecentVersions, 1, 1000);
    check("untaggedRetentionDays", args.untaggedRetentionDays, 1, 3650);
}

/**
 * The cleanup policies. A version is deleted only if a DELETE policy matches and no KEEP
 * policy does (Artifact Registry applies KEEP first), so:
 * - every tagged version whose tag starts with a published prefix is kept forever, so a
 *   digest a stack deploys is never deleted while its immutable tag exists (tags are
 *   never moved off immutable tags);
 * - the newest `keepRecentVersions` versions are kept, whatever their tags;
 * - only UNTAGGED versions older than `untaggedRetentionDays` are deleted.
 * Signatures, attestations, SBOMs (`sha256-<digest>.sig|.att|.sbom` tags) and build-cache
 * manifests are versions too. While tagged they are never deleted (no DELETE policy
 * matches tagged versions); a cache manifest superseded by the next build loses its tag
 * and goes after the retention period, which is what we want. The per-platform manifests
 * of a multi-platform index are untagged versions, but Artifact Registry refuses to
 * delete a manifest an index still references (GOOGLE_MANIFEST_DANGLING_PARENT_IMAGE,
 * GoogleCloudPlatform/gcr-cleaner#118), so a kept index keeps its children.
 */
export function cleanupPolicies(args: {
    publishedTagPrefixes: string[];
    keepRecentVersions: number;
    untaggedRetentionDays: number;
}): gcp.types.input.artifactregistry.RepositoryCleanupPolicy[] {
    validateRetention(args);
    return [
        { id: "keep-published", action: "KEEP", condition: { tagState: "TAGGED", tagPrefixes: args.publishedTagPrefixes } },
        { id: "keep-recent", action: "KEEP", mostRecentVersions: { keepCount: args.keepRecentVersions } },
        {
            id: "delete-untagged",
            action: "DELETE",
            condition: { tagState: "UNTAGGED", olderThan: `${args.untaggedRetentionDays * 86400}s` },
        },
    ];
}

/**
 * A Docker-format Artifact Registry repository whose cleanup policies can never delete a
 * published image, plus the APIs it needs.
 */
export class ArtifactRepository extends pulumi.ComponentResource {
    /** The repository resource. */
    public readonly repository: gcp.artifactregistry.Repository;
    /** `<location>-docker.pkg.dev/<project>/<repositoryId>`: prefix of every image name. */
    public readonly registryUri: pulumi.Output<string>;
    /** The registry host, `<location>-docker.pkg.dev`, for registry credentials. */
    public readonly registryHost: pulumi.Output<string>;
    /** Repository ID. */
    public readonly repositoryId: pulumi.Output<string>;
    /** The enabled APIs (empty when `enableApis` is false). */
    public readonly services: gcp.projects.Service[];

    constructor(name: string, args: ArtifactRepositoryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("distroless-python:artifacts:ArtifactRepository", name, {}, opts);
        const scanning = pulumi.output(args.vulnerabilityScanning ?? true);
        const enableApis = args.enableApis ?? true;

        const apis = [...REPOSITORY_APIS, SCANNING_API];
        // disableOnDestroy false: other workloads in the project may use these APIs; a
        // stack destroy must not switch them off underneath them.
        this.services = enableApis
            ? apis.map(
                  (service) =>
                      new gcp.projects.Service(
                          `${name}-${service.split(".")[0]}`,
                          { project: args.project, service, disableOnDestroy: false, disableDependentServices: false },
                          { parent: this },
                      ),
              )
            : [];

        const policies = pulumi
            .all([
                args.publishedTagPrefixes ?? [...DEFAULT_PUBLISHED_TAG_PREFIXES],
                args.keepRecentVersions ?? 10,
                args.untaggedRetentionDays ?? 30,
            ])
            .apply(([publishedTagPrefixes, keepRecentVersions, untaggedRetentionDays]) => {
                try {
                    return cleanupPolicies({ publishedTagPrefixes, keepRecentVersions, untaggedRetentionDays });
                } catch (e) {
                    throw new pulumi.ResourceError((e as Error).message, this);
                }
            });

        this.repository = new gcp.artifactregistry.Repository(
            `${name}-repository`,
            {
                project: args.project,
                location: args.location,
                repositoryId: args.repositoryId ?? "distroless-python",
                format: "DOCKER",
                description: args.description ?? "Distroless Python images (upstream CPython on Debian trixie libraries)",
                // Mutable tags: the scheduled rebuild moves `3.13` and `latest`. Immutable
                // `<version>-<buildId>` tags are never re-pushed with other content because
                // the buildId is a hash of everything that goes into the image.
                dockerConfig: { immutableTags: false },
                cleanupPolicies: policies,
                cleanupPolicyDryRun: args.cleanupDryRun ?? false,
                vulnerabilityScanningConfig: {
                    enablementConfig: scanning.apply((on) => (on ? "INHERITED" : "DISABLED")),
                },
                labels: pulumi.output(args.labels ?? {}).apply((l) => ({ "managed-by": "pulumi", ...l })),
            },
            { parent: this, dependsOn: this.services },
        );

        for (const member of args.readers ?? []) {
            // Non-authoritative: adds one member, never removes grants made elsewhere.
            new gcp.artifactregistry.RepositoryIamMember(
                `${name}-reader-${member.replace(/[^a-zA-Z0-9-]/g, "-")}`,
                {
                    project: this.repository.project,
                    location: this.repository.location,
                    repository: this.repository.repositoryId,
                    role: "roles/artifactregistry.reader",
                    member,
                },
                { parent: this },
            );
        }

        this.registryUri = this.repository.registryUri;
        this.registryHost = this.repository.registryUri.apply((u) => u.split("/")[0]);
        this.repositoryId = this.repository.repositoryId;
        this.registerOutputs({
            registryUri: this.registryUri,
            registryHost: this.registryHost,
            repositoryId: this.repositoryId,
        });
    }
}
