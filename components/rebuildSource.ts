import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";

/**
 * What the rebuild needs of the project, relative to its root: the rebuild script and its
 * imports (scripts/, components/, config/), the image build context and locks (image/), the
 * sample app it publishes (app/, `rebuild --app`), the locked npm dependencies and the
 * TypeScript setup. Everything else (tests, docs) stays out, so a docs change does not upload
 * a new source generation.
 */
export const REBUILD_SOURCE_PATHS = [
    ".nvmrc",
    "Pulumi.yaml",
    "app",
    "package.json",
    "package-lock.json",
    "tsconfig.json",
    "components",
    "config",
    "image",
    "scripts",
] as const;

/** The source archive: one asset or folder archive per path; fails naming a missing path. */
export function sourceArchive(root: string, paths: readonly string[] = REBUILD_SOURCE_PATHS): pulumi.asset.AssetArchive {
    const entries: Record<string, pulumi.asset.Asset | pulumi.asset.Archive> = {};
    for (const p of paths) {
        const full = path.join(root, p);
        if (!fs.existsSync(full)) {
            throw new Error(`ScheduledRebuild source: ${full} does not exist; accepted: paths of the project the rebuild needs (REBUILD_SOURCE_PATHS)`);
        }
        entries[p] = fs.statSync(full).isDirectory() ? new pulumi.asset.FileArchive(full) : new pulumi.asset.FileAsset(full);
    }
    return new pulumi.asset.AssetArchive(entries);
}

export interface VersionedBucketArgs {
    /** Globally unique bucket name. */
    bucketName: string;
    project: pulumi.Input<string>;
    location: pulumi.Input<string>;
    /** Noncurrent generations are deleted this many days after they were superseded. */
    noncurrentRetentionDays: number;
    labels: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * A bucket whose objects keep their history: versioning on, so every upload or write is a
 * new generation that can be pinned (the trigger pins the source's) or compared against
 * (`ifGenerationMatch` on the lease and release objects); uniform bucket-level access, so
 * IAM is the only access control (no object ACLs to audit); public access prevented; and
 * a lifecycle rule that deletes noncurrent generations after the retention. The live
 * generation is never noncurrent, so the one the trigger pins is never deleted.
 */
export function versionedBucket(name: string, args: VersionedBucketArgs, opts: pulumi.CustomResourceOptions): gcp.storage.Bucket {
    return new gcp.storage.Bucket(name, {
        name: args.bucketName,
        project: args.project,
        location: args.location,
        uniformBucketLevelAccess: true,
        publicAccessPrevention: "enforced",
        versioning: { enabled: true },
        lifecycleRules: [{
            action: { type: "Delete" },
            condition: { daysSinceNoncurrentTime: args.noncurrentRetentionDays, withState: "ARCHIVED" },
        }],
        // A destroy must not delete the release history or a source a running build reads.
        forceDestroy: false,
        labels: args.labels,
    }, opts);
}
