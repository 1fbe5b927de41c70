// The ScheduledRebuild defaults, stated once: the component applies them and the stack's
// config schema (config/schema.ts) imports them, so the two can never disagree. Pure data,
// no Pulumi import, so the schema stays loadable without the runtime.

/**
 * Cloud Build machine types the rebuild accepts: the non-deprecated values of
 * `BuildOptions.MachineType` in the Cloud Build v1 API (N1_* are deprecated there;
 * test/unit/scheduledRebuild.test.ts checks this list against the API's descriptors).
 */
export const REBUILD_MACHINE_TYPES = ["E2_HIGHCPU_8", "E2_HIGHCPU_32", "E2_MEDIUM", "E2_STANDARD_2"] as const;
export type RebuildMachineType = (typeof REBUILD_MACHINE_TYPES)[number];

export const SCHEDULED_REBUILD_DEFAULTS = {
    /** Cron (5 fields, Cloud Scheduler's unix-cron): every hour on the hour. */
    schedule: "0 * * * *",
    /** Time zone of `schedule` (tz database name). */
    timeZone: "Etc/UTC",
    /**
     * Build timeout in seconds: 3 hours. A full rebuild builds every (flavour, minor) for
     * every platform, arm64 under emulation; a no-change run skips every image.
     */
    timeoutSeconds: 10800,
    /** 8 vCPUs: the CPython builds are CPU-bound; see the README's cost section. */
    machineType: "E2_HIGHCPU_8" as RebuildMachineType,
    /** Alert when no rebuild succeeded for this many hours (hourly schedule: 6 missed runs). */
    alertWindowHours: 6,
    /** Noncurrent generations of the source and state objects are deleted after this many days. */
    noncurrentRetentionDays: 30,
} as const;

/** Where the lease and the release data live in the state bucket (one place: CLI flags and IAM conditions). */
export const LEASE_OBJECT = "rebuild/lease.json";
export const RELEASE_PREFIX = "release/";

/** Where the runner image has cosign (rebuild/runner/Dockerfile); the rebuild step passes it as `--cosign`. */
export const RUNNER_COSIGN = "/usr/local/bin/cosign";

/** Limits of the numeric settings (config schema and the component's validation share them). */
export const REBUILD_LIMITS = {
    /** Cloud Build accepts 10 min .. 24 h. */
    timeoutSeconds: { min: 600, max: 86400 },
    /** Cloud Monitoring's absence conditions allow at most 23.5 h; whole hours from 2. */
    alertWindowHours: { min: 2, max: 23 },
} as const;
