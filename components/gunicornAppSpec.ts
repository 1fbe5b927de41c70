// Pure helpers behind GunicornApp: quantity parsing, argument validation and the pod
// template. Kept free of resources so unit tests, the policy pack and the docker-run
// translator (test/app/) can use them directly.

import type * as k8s from "@pulumi/kubernetes";
import { DIGEST_REF_PATTERN } from "./constants";
import type * as pulumi from "@pulumi/pulumi";

/** The uid/gid the distroless images define as `nonroot`. */
export const NONROOT_ID = 65532;

/** Accepted image reference: optional tag, then a sha256 digest. */
// name[:port][/path][:tag] followed by the project's one digest pattern.
const DIGEST_REF = new RegExp(`^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?${DIGEST_REF_PATTERN.source}`);

/** True when `image` is pinned by digest (`name[:tag]@sha256:<64 hex>`). */
export function isDigestReference(image: string): boolean {
    return DIGEST_REF.test(image);
}

/**
 * Rejects image references that are not pinned by digest: a tag can move under a running
 * Deployment, so two pods of one ReplicaSet could run different code.
 */
export function validateImageReference(image: string, arg = "image"): void {
    if (!isDigestReference(image)) {
        throw new Error(
            `GunicornApp arg "${arg}": ${JSON.stringify(image)} is not pinned by digest; ` +
            `accepted: <registry>/<repository>[:tag]@sha256:<64 lowercase hex digits>`,
        );
    }
}

const CPU_RE = /^([0-9]+(?:\.[0-9]+)?)(m?)$/;
const MEM_RE = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/;
const MEM_FACTORS: Record<string, number> = {
    "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4,
};

/** Parses a Kubernetes CPU quantity (`"500m"`, `"1"`, `"1.5"`) into millicores; undefined if invalid. */
export function parseCpuMillis(q: string): number | undefined {
    const m = CPU_RE.exec(q.trim());
    if (!m) return undefined;
    const n = Number(m[1]);
    return m[2] === "m" ? n : n * 1000;
}

/** Parses a Kubernetes memory quantity (`"512Mi"`, `"1G"`, `"1048576"`) into bytes; undefined if invalid. */
export function parseMemoryBytes(q: string): number | undefined {
    const m = MEM_RE.exec(q.trim());
    if (!m) return undefined;
    return Math.round(Number(m[1]) * MEM_FACTORS[m[2] ?? ""]);
}

/** GKE Autopilot's general-purpose compute class: CPU:memory from 1:1 to 1:6.5 (GiB per vCPU). */
export const AUTOPILOT_MEMORY_GIB_PER_CPU = { min: 1, max: 6.5 } as const;
/** Autopilot's smallest general-purpose container request. */
export const AUTOPILOT_MIN = { cpuMillis: 50, memoryBytes: 52 * 1024 ** 2 } as const;

/** Plain (resolved) settings of a GunicornApp, every default applied. */
export interface GunicornAppSettings {
    name: string;
    namespace: string;
    replicas: number;
    maxReplicas: number;
    targetCpuUtilization: number;
    cpu: string;
    memory: string;
    tmpSizeLimit: string;
    containerPort: number;
    servicePort: number;
    gracefulTimeoutSeconds: number;
    preStopSleepSeconds: number;
    terminationGracePeriodSeconds: number;
    startupBudgetSeconds: number;
    autopilot: boolean;
}

/** Defaults of GunicornApp's sizing args (the stack's app* config keys default to the same values). */
export const GUNICORN_APP_DEFAULTS = {
    namespace: "sample-app",
    replicas: 2,
    maxReplicas: 6,
    targetCpuUtilization: 70,
    cpu: "500m",
    memory: "512Mi",
    tmpSizeLimit: "64Mi",
    containerPort: 8080,
    servicePort: 80,
    gracefulTimeoutSeconds: 20,
    preStopSleepSeconds: 5,
    startupBudgetSeconds: 30,
    autopilot: true,
} as const;

/** Sizing and timing of a GunicornApp: plain values, validated before any resource exists. */
export interface GunicornAppSizing {
    /** Namespace to create and deploy into (Pod Security `restricted` enforced). Default: `"sample-app"`. */
    namespace?: string;
    /** Minimum (and initial) replicas; the HPA scales between this and `maxReplicas`. Default: `2`; 1..100. */
    replicas?: number;
    /** HPA ceiling. Default: `6`; `replicas`..100. */
    maxReplicas?: number;
    /** HPA target average CPU utilisation, percent of the request. Default: `70`; 10..100. */
    targetCpuUtilization?: number;
    /** CPU request = limit; Gunicorn runs 2 x ceil(CPUs) + 1 workers. Default: `"500m"`. */
    cpu?: string;
    /** Memory request = limit. Default: `"512Mi"`. With `autopilot`, 1 to 6.5 GiB per CPU. */
    memory?: string;
    /** Size limit of the memory-backed `/tmp` emptyDir (counts against `memory`). Default: `"64Mi"`. */
    tmpSizeLimit?: string;
    /** Port Gunicorn binds (passed as `PORT`). Default: `8080`; 1024..65535 (no NET_BIND_SERVICE). */
    containerPort?: number;
    /** Port of the ClusterIP Service. Default: `80`. */
    servicePort?: number;
    /** Gunicorn's graceful timeout (`GRACEFUL_TIMEOUT`): in-flight requests get this long after SIGTERM. Default: `20`. */
    gracefulTimeoutSeconds?: number;
    /** preStop sleep before SIGTERM while endpoints are withdrawn; `0` disables. Default: `5`. */
    preStopSleepSeconds?: number;
    /**
     * Pod grace period; must exceed `preStopSleepSeconds + gracefulTimeoutSeconds`.
     * Default: `preStopSleepSeconds + gracefulTimeoutSeconds + 5` (30 with the defaults).
     */
    terminationGracePeriodSeconds?: number;
    /** Startup probe budget in seconds (probed every second). Default: `30`. */
    startupBudgetSeconds?: number;
    /** Check resources against GKE Autopilot's allowed CPU:memory ratios. Default: `true`. */
    autopilot?: boolean;
}

/** Resolves defaults; the single place they are applied. */
export function gunicornAppSettings(name: string, args: GunicornAppSizing): GunicornAppSettings {
    const preStopSleepSeconds = args.preStopSleepSeconds ?? GUNICORN_APP_DEFAULTS.preStopSleepSeconds;
    const gracefulTimeoutSeconds = args.gracefulTimeoutSeconds ?? GUNICORN_APP_DEFAULTS.gracefulTimeoutSeconds;
    const replicas = args.replicas ?? GUNICORN_APP_DEFAULTS.replicas;
    return {
        name,
        namespace: args.namespace ?? GUNICORN_APP_DEFAULTS.namespace,
        replicas,
        maxReplicas: args.maxReplicas ?? Math.max(GUNICORN_APP_DEFAULTS.maxReplicas, replicas),
        targetCpuUtilization: args.targetCpuUtilization ?? GUNICORN_APP_DEFAULTS.targetCpuUtilization,
        cpu: args.cpu ?? GUNICORN_APP_DEFAULTS.cpu,
        memory: args.memory ?? GUNICORN_APP_DEFAULTS.memory,
        tmpSizeLimit: args.tmpSizeLimit ?? GUNICORN_APP_DEFAULTS.tmpSizeLimit,
        containerPort: args.containerPort ?? GUNICORN_APP_DEFAULTS.containerPort,
        servicePort: args.servicePort ?? GUNICORN_APP_DEFAULTS.servicePort,
        gracefulTimeoutSeconds,
        preStopSleepSeconds,
        terminationGracePeriodSeconds: args.terminationGracePeriodSeconds ?? defaultTerminationGrace(preStopSleepSeconds, gracefulTimeoutSeconds),
        startupBudgetSeconds: args.startupBudgetSeconds ?? GUNICORN_APP_DEFAULTS.startupBudgetSeconds,
        autopilot: args.autopilot ?? GUNICORN_APP_DEFAULTS.autopilot,
    };
}

/**
 * Grace period derived from the drain sequence: the preStop sleep (endpoints are removed
 * while the pod still serves), then Gunicorn's graceful timeout, plus 5 s of margin for the
 * master to reap its workers. The kubelet counts the preStop hook inside the grace period.
 */
export function defaultTerminationGrace(preStopSleepSeconds: number, gracefulTimeoutSeconds: number): number {
    return preStopSleepSeconds + gracefulTimeoutSeconds + 5;
}

function intIn(arg: string, value: number, min: number, max: number): void {
    if (!Number.isInteger(value) || value < min || value > max) {
        throw new Error(`GunicornApp arg "${arg}": ${JSON.stringify(value)} is not supported; accepted: integers from ${min} to ${max}`);
    }
}

/**
 * Validates resolved settings; pure. Each message names the arg, the bad value and what is
 * accepted.
 */
export function validateGunicornAppSettings(s: GunicornAppSettings): void {
    if (!/^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/.test(s.name)) {
        throw new Error(`GunicornApp name: ${JSON.stringify(s.name)} is not supported; accepted: a DNS label of at most 40 characters (lowercase letters, digits, "-")`);
    }
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(s.namespace)) {
        throw new Error(`GunicornApp arg "namespace": ${JSON.stringify(s.namespace)} is not supported; accepted: a DNS label (lowercase letters, digits, "-", at most 63 characters)`);
    }
    intIn("replicas", s.replicas, 1, 100);
    intIn("maxReplicas", s.maxReplicas, s.replicas, 100);
    intIn("targetCpuUtilization", s.targetCpuUtilization, 10, 100);
    intIn("containerPort", s.containerPort, 1024, 65535);
    intIn("servicePort", s.servicePort, 1, 65535);
    intIn("gracefulTimeoutSeconds", s.gracefulTimeoutSeconds, 1, 300);
    intIn("preStopSleepSeconds", s.preStopSleepSeconds, 0, 60);
    intIn("startupBudgetSeconds", s.startupBudgetSeconds, 1, 600);
    const minGrace = s.preStopSleepSeconds + s.gracefulTimeoutSeconds + 1;
    intIn("terminationGracePeriodSeconds", s.terminationGracePeriodSeconds, minGrace, 3600);
    const cpu = parseCpuMillis(s.cpu);
    if (cpu === undefined || cpu <= 0) {
        throw new Error(`GunicornApp arg "cpu": ${JSON.stringify(s.cpu)} is not supported; accepted: a positive CPU quantity such as "500m" or "1"`);
    }
    const mem = parseMemoryBytes(s.memory);
    if (mem === undefined || mem <= 0) {
        throw new Error(`GunicornApp arg "memory": ${JSON.stringify(s.memory)} is not supported; accepted: a positive memory quantity such as "512Mi" or "1Gi"`);
    }
    const tmp = parseMemoryBytes(s.tmpSizeLimit);
    // The /tmp emptyDir is memory-backed: what it holds counts against the memory limit.
    if (tmp === undefined || tmp <= 0 || tmp >= mem) {
        throw new Error(`GunicornApp arg "tmpSizeLimit": ${JSON.stringify(s.tmpSizeLimit)} is not supported; accepted: a positive memory quantity below "memory" (${s.memory}), since /tmp is memory-backed`);
    }
    if (s.autopilot) {
        const ratio = mem / 1024 ** 3 / (cpu / 1000);
        const { min, max } = AUTOPILOT_MEMORY_GIB_PER_CPU;
        if (cpu < AUTOPILOT_MIN.cpuMillis || mem < AUTOPILOT_MIN.memoryBytes || ratio < min || ratio > max) {
            throw new Error(
                `GunicornApp args "cpu"/"memory": ${s.cpu}/${s.memory} (${ratio.toFixed(2)} GiB per CPU) does not fit GKE Autopilot; ` +
                `accepted: at least 50m/52Mi with ${min} to ${max} GiB of memory per CPU (or set autopilot: false)`,
            );
        }
    }
}

/** Labels every object of one app carries; the selector uses name + instance. */
export function appLabels(name: string): Record<string, string> {
    return {
        "app.kubernetes.io/name": "gunicorn-app",
        "app.kubernetes.io/instance": name,
    };
}

/** The environment variable through which Gunicorn learns its CPU limit (gunicorn.conf.py). */
export const CPU_LIMIT_ENV = "CPU_LIMIT_MILLICORES";

/**
 * The pod template spec (without the image, which may be an unresolved Output).
 * Plain data: the policy pack, render tests and the docker-run translator read it back.
 */
export function podSpec(s: GunicornAppSettings, image: pulumi.Input<string>, serviceAccountName: string): k8s.types.input.core.v1.PodSpec {
    const labels = appLabels(s.name);
    const container: k8s.types.input.core.v1.Container = {
        name: "app",
        image,
        imagePullPolicy: "IfNotPresent",
        ports: [{ name: "http", containerPort: s.containerPort, protocol: "TCP" }],
        env: [
            { name: "PORT", value: String(s.containerPort) },
            { name: "GRACEFUL_TIMEOUT", value: String(s.gracefulTimeoutSeconds) },
            // Python sees the node's CPUs, not the cgroup limit: hand the limit over so
            // gunicorn.conf.py sizes the worker pool to what the pod may actually use.
            { name: CPU_LIMIT_ENV, valueFrom: { resourceFieldRef: { containerName: "app", resource: "limits.cpu", divisor: "1m" } } },
            { name: "MEMORY_LIMIT_BYTES", valueFrom: { resourceFieldRef: { containerName: "app", resource: "limits.memory", divisor: "1" } } },
        ],
        // Requests equal limits: Guaranteed QoS, and what Autopilot would enforce anyway.
        resources: {
            requests: { cpu: s.cpu, memory: s.memory },
            limits: { cpu: s.cpu, memory: s.memory },
        },
        securityContext: {
            runAsNonRoot: true,
            runAsUser: NONROOT_ID,
            runAsGroup: NONROOT_ID,
            allowPrivilegeEscalation: false,
            privileged: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"] },
            seccompProfile: { type: "RuntimeDefault" },
        },
        volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
        // Startup: polled every second, so ready is detected within ~1 s of Gunicorn
        // listening; the budget is periodSeconds x failureThreshold.
        startupProbe: {
            httpGet: { path: "/healthz", port: "http" },
            periodSeconds: 1,
            timeoutSeconds: 1,
            failureThreshold: s.startupBudgetSeconds,
        },
        readinessProbe: {
            httpGet: { path: "/readyz", port: "http" },
            periodSeconds: 5,
            timeoutSeconds: 2,
            failureThreshold: 2,
        },
        livenessProbe: {
            httpGet: { path: "/healthz", port: "http" },
            periodSeconds: 10,
            timeoutSeconds: 2,
            failureThreshold: 3,
        },
        // Drain: endpoint removal propagates to kube-proxy and load balancers
        // asynchronously, so the pod keeps serving for a few seconds before Gunicorn gets
        // SIGTERM. The image has no `sleep` binary: the kubelet's sleep action does it
        // (PodLifecycleSleepAction: beta and on by default since Kubernetes 1.30).
        lifecycle: s.preStopSleepSeconds > 0 ? { preStop: { sleep: { seconds: s.preStopSleepSeconds } } } : undefined,
        terminationMessagePolicy: "FallbackToLogsOnError",
    };
    return {
        serviceAccountName,
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        terminationGracePeriodSeconds: s.terminationGracePeriodSeconds,
        securityContext: {
            runAsNonRoot: true,
            runAsUser: NONROOT_ID,
            runAsGroup: NONROOT_ID,
            fsGroup: NONROOT_ID,
            seccompProfile: { type: "RuntimeDefault" },
        },
        containers: [container],
        volumes: [{ name: "tmp", emptyDir: { medium: "Memory", sizeLimit: s.tmpSizeLimit } }],
        topologySpreadConstraints: ["topology.kubernetes.io/zone", "kubernetes.io/hostname"].map((topologyKey) => ({
            maxSkew: 1,
            topologyKey,
            // ScheduleAnyway: spreading is a preference; a zone outage must not block scheduling.
            whenUnsatisfiable: "ScheduleAnyway",
            labelSelector: { matchLabels: labels },
            matchLabelKeys: ["pod-template-hash"],
        })),
    };
}
