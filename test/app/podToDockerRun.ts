// The rendered manifest is untyped YAML; the translator checks each field it reads.
/* eslint-disable @typescript-eslint/no-explicit-any */
// Turns the RENDERED Deployment's pod spec into `docker run` flags, so the real-run tests run
// the image under exactly the constraints the manifest declares: change the manifest and the
// test changes with it. Pure; anything in the spec it cannot reproduce faithfully is an
// error rather than silently dropped.
import { parseCpuMillis, parseMemoryBytes } from "../../components/gunicornAppSpec";

export interface DockerRunPlan {
    /** Arguments after `docker run` (image and command included). */
    args: string[];
    /** The container port the app listens on (named ports resolved). */
    port: number;
    /** Seconds the startup probe allows: initialDelay + period x failureThreshold. */
    startupBudgetSeconds: number;
    /** HTTP paths of the probes. */
    startupPath: string;
    readinessPath: string;
    livenessPath: string;
    /** preStop sleep the kubelet would run before SIGTERM (0 when none). */
    preStopSleepSeconds: number;
    /** Pod grace period: SIGKILL this long after the preStop hook starts. */
    terminationGracePeriodSeconds: number;
    /** The environment as the kubelet would resolve it (downward API included). */
    env: Record<string, string>;
}

export interface PlanOptions {
    /** Image to run instead of the manifest's (a locally built image of the same app). */
    image?: string;
    /** Container name. */
    name?: string;
    /** Docker network; default `none` (the test enters the container's own namespace). */
    network?: string;
    /** Pod name for fieldRef metadata.name. Default: `<deployment>-test`. */
    podName?: string;
    /** Extra `-l` labels, e.g. to find the container again. */
    labels?: Record<string, string>;
}

function unsupported(what: string): never {
    throw new Error(`podToDockerRun: ${what} is not supported; extend the translator before using it in the manifest`);
}

/** Resolves a downward-API resourceFieldRef against the container's resources. */
export function resolveResourceField(resources: any, resource: string, divisor: string | undefined): string {
    const [kind, name] = resource.split(".");
    const q = resources?.[kind]?.[name] ?? (kind === "requests" ? resources?.limits?.[name] : undefined);
    if (q === undefined) unsupported(`resourceFieldRef ${resource} without a value in the container's resources`);
    if (name === "cpu") {
        const millis = parseCpuMillis(String(q));
        const div = parseCpuMillis(divisor ?? "1");
        if (millis === undefined || !div) unsupported(`cpu quantity ${q} / divisor ${divisor}`);
        return String(Math.ceil(millis / div));
    }
    if (name === "memory" || name === "ephemeral-storage") {
        const bytes = parseMemoryBytes(String(q));
        const div = parseMemoryBytes(divisor ?? "1");
        if (bytes === undefined || !div) unsupported(`memory quantity ${q} / divisor ${divisor}`);
        return String(Math.ceil(bytes / div));
    }
    return unsupported(`resourceFieldRef ${resource}`);
}

function probePort(probe: any, ports: any[]): number | undefined {
    const p = probe?.httpGet?.port;
    if (typeof p === "number") return p;
    return ports.find((x) => x.name === p)?.containerPort;
}

/** Plans `docker run` for the first (app) container of a Deployment manifest. */
export function podToDockerRun(deployment: any, opts: PlanOptions = {}): DockerRunPlan {
    if (deployment?.kind !== "Deployment") unsupported(`kind ${deployment?.kind}`);
    const pod = deployment.spec?.template?.spec ?? {};
    if ((pod.containers ?? []).length !== 1) unsupported(`${(pod.containers ?? []).length} containers`);
    if ((pod.initContainers ?? []).length > 0) unsupported("initContainers");
    for (const f of ["hostNetwork", "hostPID", "hostIPC", "shareProcessNamespace"]) if (pod[f]) unsupported(f);
    const c = pod.containers[0];
    const psc = pod.securityContext ?? {};
    const sc = c.securityContext ?? {};
    const args: string[] = ["--detach", "--network", opts.network ?? "none"];
    if (opts.name) args.push("--name", opts.name);
    for (const [k, v] of Object.entries(opts.labels ?? {})) args.push("--label", `${k}=${v}`);

    // Identity: container settings override the pod's, as in Kubernetes.
    const uid = sc.runAsUser ?? psc.runAsUser;
    const gid = sc.runAsGroup ?? psc.runAsGroup;
    if (uid !== undefined) args.push("--user", gid !== undefined ? `${uid}:${gid}` : String(uid));
    else if (gid !== undefined) unsupported("runAsGroup without runAsUser");
    // fsGroup and supplementalGroups become supplementary groups of the process.
    for (const g of [psc.fsGroup, ...(psc.supplementalGroups ?? [])].filter((g) => g !== undefined)) args.push("--group-add", String(g));
    if ((sc.runAsNonRoot ?? psc.runAsNonRoot) === true && uid === 0) unsupported("runAsNonRoot with runAsUser 0");

    if (sc.readOnlyRootFilesystem === true) args.push("--read-only");
    if (sc.privileged === true) args.push("--privileged");
    if (sc.allowPrivilegeEscalation === false) args.push("--security-opt", "no-new-privileges");
    for (const cap of sc.capabilities?.drop ?? []) args.push("--cap-drop", cap);
    for (const cap of sc.capabilities?.add ?? []) args.push("--cap-add", cap);
    const seccomp = sc.seccompProfile?.type ?? psc.seccompProfile?.type;
    // RuntimeDefault is Docker's default profile; only Unconfined needs a flag.
    if (seccomp === "Unconfined") args.push("--security-opt", "seccomp=unconfined");
    else if (seccomp !== undefined && seccomp !== "RuntimeDefault") unsupported(`seccompProfile ${seccomp}`);
    if (sc.procMount !== undefined && sc.procMount !== "Default") unsupported(`procMount ${sc.procMount}`);

    // Volumes: memory-backed emptyDir = tmpfs of its size limit (mode 1777, like the kubelet's).
    const volumes = new Map<string, any>((pod.volumes ?? []).map((v: any) => [v.name, v]));
    for (const m of c.volumeMounts ?? []) {
        const v = volumes.get(m.name);
        if (!v) unsupported(`volumeMount ${m.name} without a volume`);
        if (v.emptyDir === undefined) unsupported(`volume ${m.name} of type ${Object.keys(v).filter((k) => k !== "name").join(",")}`);
        if (v.emptyDir.medium !== "Memory") unsupported(`disk-backed emptyDir ${m.name}`);
        if (m.subPath) unsupported("subPath");
        const size = v.emptyDir.sizeLimit !== undefined ? parseMemoryBytes(String(v.emptyDir.sizeLimit)) : undefined;
        const ro = m.readOnly ? "ro" : "rw";
        args.push("--tmpfs", `${m.mountPath}:${ro},nosuid,nodev,mode=1777${size !== undefined ? `,size=${size}` : ""}`);
    }

    // Resources: limits are what the kernel enforces.
    const limits = c.resources?.limits ?? {};
    if (limits.memory !== undefined) {
        const bytes = parseMemoryBytes(String(limits.memory));
        if (bytes === undefined) unsupported(`memory limit ${limits.memory}`);
        args.push("--memory", String(bytes), "--memory-swap", String(bytes));
    }
    if (limits.cpu !== undefined) {
        const millis = parseCpuMillis(String(limits.cpu));
        if (millis === undefined) unsupported(`cpu limit ${limits.cpu}`);
        args.push("--cpus", (millis / 1000).toString());
    }

    // Environment, downward API resolved the way the kubelet resolves it.
    const env: Record<string, string> = {};
    for (const e of c.env ?? []) {
        if (e.value !== undefined) env[e.name] = String(e.value);
        else if (e.valueFrom?.resourceFieldRef) {
            const r = e.valueFrom.resourceFieldRef;
            if (r.containerName !== undefined && r.containerName !== c.name) unsupported(`resourceFieldRef to container ${r.containerName}`);
            env[e.name] = resolveResourceField(c.resources, r.resource, r.divisor);
        } else if (e.valueFrom?.fieldRef?.fieldPath === "metadata.name") env[e.name] = opts.podName ?? `${deployment.metadata?.name}-test`;
        else if (e.valueFrom?.fieldRef?.fieldPath === "metadata.namespace") env[e.name] = deployment.metadata?.namespace ?? "default";
        else if (e.valueFrom !== undefined) unsupported(`env ${e.name} valueFrom ${Object.keys(e.valueFrom).join(",")}`);
        else env[e.name] = "";
    }
    if ((c.envFrom ?? []).length > 0) unsupported("envFrom");
    for (const [k, v] of Object.entries(env)) args.push("--env", `${k}=${v}`);

    const grace = pod.terminationGracePeriodSeconds ?? 30;
    args.push("--stop-signal", "SIGTERM", "--stop-timeout", String(grace));
    if (c.workingDir) args.push("--workdir", c.workingDir);

    const command: string[] = c.command ?? [];
    if (command.length > 0) args.push("--entrypoint", command[0]);
    args.push(opts.image ?? c.image, ...command.slice(1), ...(c.args ?? []));

    const ports: any[] = c.ports ?? [];
    const port = ports.find((p) => p.name === "http")?.containerPort ?? ports[0]?.containerPort;
    if (port === undefined) unsupported("a container without ports");
    if (ports.some((p) => p.hostPort)) unsupported("hostPort");
    const sp = c.startupProbe;
    const startupBudgetSeconds = sp ? (sp.initialDelaySeconds ?? 0) + (sp.periodSeconds ?? 10) * (sp.failureThreshold ?? 3) : 0;
    for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) {
        if (probe && !probe.httpGet) unsupported("non-HTTP probes");
        if (probe && probePort(probe, ports) !== port) unsupported("probes on another port");
    }
    const pre = c.lifecycle?.preStop;
    if (pre && !pre.sleep) unsupported(`preStop ${Object.keys(pre).join(",")}`);
    return {
        args,
        port,
        startupBudgetSeconds,
        startupPath: c.startupProbe?.httpGet?.path ?? "/",
        readinessPath: c.readinessProbe?.httpGet?.path ?? "/",
        livenessPath: c.livenessProbe?.httpGet?.path ?? "/",
        preStopSleepSeconds: pre?.sleep?.seconds ?? 0,
        terminationGracePeriodSeconds: grace,
        env,
    };
}
