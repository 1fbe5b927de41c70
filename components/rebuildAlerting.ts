import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

/**
 * Cloud Logging filters over this trigger's build logs (`resource.type="build"`, one
 * trigger). Cloud Build writes a build's log as text lines: a failed build (a step that
 * exits non-zero, a timeout) ends with a line starting `ERROR`, a successful one with
 * `DONE`. Scoping by trigger id keeps other builds in the project out of both metrics.
 */
export function rebuildLogFilters(triggerId: string): { failed: string; succeeded: string } {
    const scope = `resource.type="build" AND resource.labels.build_trigger_id="${triggerId}"`;
    return {
        failed: `${scope} AND textPayload=~"^ERROR"`,
        succeeded: `${scope} AND textPayload="DONE"`,
    };
}

export interface RebuildAlertsArgs {
    project: pulumi.Input<string>;
    triggerId: pulumi.Input<string>;
    /** Alert when no rebuild succeeded for this many hours. */
    windowHours: number;
    /** `projects/<p>/notificationChannels/<id>`; none: incidents open without notifying. */
    notificationChannels: string[];
}

/** Log-based metrics and alert policies for the rebuild: one on a failure, one on silence. */
export function rebuildAlerts(name: string, args: RebuildAlertsArgs, opts: pulumi.CustomResourceOptions) {
    const filters = pulumi.output(args.triggerId).apply(rebuildLogFilters);
    const counter = { metricKind: "DELTA", valueType: "INT64", unit: "1" };
    const failedMetric = new gcp.logging.Metric(`${name}-failed`, {
        project: args.project,
        name: `${name}-failed`,
        description: "Failed scheduled rebuilds (Cloud Build ERROR line of the rebuild trigger's builds).",
        filter: filters.failed,
        metricDescriptor: counter,
    }, opts);
    const succeededMetric = new gcp.logging.Metric(`${name}-succeeded`, {
        project: args.project,
        name: `${name}-succeeded`,
        description: "Successful scheduled rebuilds (Cloud Build DONE line of the rebuild trigger's builds).",
        filter: filters.succeeded,
        metricDescriptor: counter,
    }, opts);
    const metricFilter = (m: gcp.logging.Metric) => pulumi.interpolate`metric.type="logging.googleapis.com/user/${m.name}"`;
    const sum = { alignmentPeriod: "300s", perSeriesAligner: "ALIGN_SUM" };
    const runbook = "The scheduled rebuild (README, \"Scheduled rebuilds\") publishes Debian and CPython fixes. Open the failed build in Cloud Build; `npm run --silent rebuild:local` reproduces a run locally.";
    const failedPolicy = new gcp.monitoring.AlertPolicy(`${name}-failed`, {
        project: args.project,
        displayName: `${name}: a scheduled rebuild failed`,
        combiner: "OR",
        conditions: [{
            displayName: "failed rebuild builds > 0",
            conditionThreshold: {
                filter: metricFilter(failedMetric),
                comparison: "COMPARISON_GT",
                thresholdValue: 0,
                duration: "0s",
                aggregations: [sum],
                trigger: { count: 1 },
            },
        }],
        notificationChannels: args.notificationChannels,
        documentation: { content: runbook, mimeType: "text/markdown" },
        alertStrategy: { autoClose: "86400s" },
    }, opts);
    const silentPolicy = new gcp.monitoring.AlertPolicy(`${name}-silent`, {
        project: args.project,
        displayName: `${name}: no successful rebuild in ${args.windowHours} h`,
        combiner: "OR",
        conditions: [{
            displayName: `no successful rebuild for ${args.windowHours} h`,
            // Absence: a log-based counter writes no point when nothing matched, so "no point
            // for the window" is exactly "no successful build for the window".
            conditionAbsent: {
                filter: metricFilter(succeededMetric),
                duration: `${args.windowHours * 3600}s`,
                aggregations: [sum],
                trigger: { count: 1 },
            },
        }],
        notificationChannels: args.notificationChannels,
        documentation: { content: runbook, mimeType: "text/markdown" },
    }, opts);
    return { failedMetric, succeededMetric, failedPolicy, silentPolicy };
}
