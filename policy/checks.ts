// Resource props reach policies as untyped JSON (@pulumi/policy types them Record<string, any>).
/* eslint-disable @typescript-eslint/no-explicit-any */
// The checks behind the policy pack, as pure functions over a pod template. Each check is
// one control of the Pod Security Standards (kubernetes.io/docs/concepts/security/
// pod-security-standards/, baseline and restricted, as of Kubernetes 1.34) or one of this
// project's own rules (read-only root, image by digest, resources). A check returns the
// violation messages; the pack (policy/index.ts) reports them per workload.
//
// Deliberately no dependency on @pulumi/policy here: the unit tests, the render test and the
// docker-run translator call these directly.
import { DIGEST_REF_PATTERN } from "../components/constants";

/** The pod template of a workload: its spec and the template's annotations. */
export interface PodTemplate {
    spec: any;
    annotations: Record<string, string>;
}

/** Resource types whose pods the pack checks, and where each keeps its pod template. */
export const WORKLOAD_TYPES: Record<string, (props: any) => PodTemplate | undefined> = {
    "kubernetes:core/v1:Pod": (p) => p?.spec && { spec: p.spec, annotations: p.metadata?.annotations ?? {} },
    "kubernetes:core/v1:ReplicationController": (p) => template(p?.spec?.template),
    "kubernetes:apps/v1:Deployment": (p) => template(p?.spec?.template),
    "kubernetes:apps/v1:StatefulSet": (p) => template(p?.spec?.template),
    "kubernetes:apps/v1:DaemonSet": (p) => template(p?.spec?.template),
    "kubernetes:apps/v1:ReplicaSet": (p) => template(p?.spec?.template),
    "kubernetes:batch/v1:Job": (p) => template(p?.spec?.template),
    "kubernetes:batch/v1:CronJob": (p) => template(p?.spec?.jobTemplate?.spec?.template),
};

function template(t: any): PodTemplate | undefined {
    return t?.spec ? { spec: t.spec, annotations: t.metadata?.annotations ?? {} } : undefined;
}

/** Maps a Kubernetes `kind` (as in rendered YAML) to the Pulumi type token the pack sees. */
export function typeOfManifest(obj: { apiVersion?: string; kind?: string }): string {
    const [group, version] = (obj.apiVersion ?? "").includes("/") ? (obj.apiVersion as string).split("/") : ["core", obj.apiVersion];
    return `kubernetes:${group}/${version}:${obj.kind}`;
}

/** Extracts the pod template of a workload, or undefined for other types. */
export function podTemplateOf(type: string, props: any): PodTemplate | undefined {
    return WORKLOAD_TYPES[type]?.(props);
}

interface NamedContainer { kind: string; c: any }

/** Every container of the pod: init, regular and ephemeral. */
function containers(spec: any): NamedContainer[] {
    const out: NamedContainer[] = [];
    for (const [field, kind] of [["initContainers", "initContainer"], ["containers", "container"], ["ephemeralContainers", "ephemeralContainer"]]) {
        for (const c of spec?.[field] ?? []) out.push({ kind, c });
    }
    return out;
}

const who = ({ kind, c }: NamedContainer) => `${kind} "${c?.name ?? "?"}"`;

export interface PodCheck {
    /** Policy name (kebab-case), unique. */
    name: string;
    /** Which standard it comes from. */
    profile: "baseline" | "restricted" | "project";
    description: string;
    check(pod: PodTemplate): string[];
}

const BASELINE_CAPABILITIES = new Set([
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
    "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
]);
const SAFE_SYSCTLS = new Set([
    "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
]);
const SELINUX_TYPES = new Set(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);
const RESTRICTED_VOLUMES = new Set(["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"]);
// One digest pattern for the whole project (components/constants.ts).
const DIGEST = DIGEST_REF_PATTERN;

/** Security contexts of the pod and of each container, labelled for messages. */
function contexts(spec: any): { where: string; sc: any }[] {
    return [{ where: "pod", sc: spec?.securityContext }, ...containers(spec).map((nc) => ({ where: who(nc), sc: nc.c?.securityContext }))];
}

export const CHECKS: PodCheck[] = [
    // ---- Baseline ------------------------------------------------------------------------
    {
        name: "pss-baseline-host-process", profile: "baseline",
        description: "Windows HostProcess containers are forbidden.",
        check: ({ spec }) => contexts(spec).filter(({ sc }) => sc?.windowsOptions?.hostProcess === true)
            .map(({ where }) => `${where}: securityContext.windowsOptions.hostProcess must not be true`),
    },
    {
        name: "pss-baseline-host-namespaces", profile: "baseline",
        description: "Sharing the host's network, PID or IPC namespace is forbidden.",
        check: ({ spec }) => ["hostNetwork", "hostPID", "hostIPC"].filter((f) => spec?.[f] === true)
            .map((f) => `pod: spec.${f} must not be true`),
    },
    {
        name: "pss-baseline-privileged", profile: "baseline",
        description: "Privileged containers are forbidden.",
        check: ({ spec }) => containers(spec).filter(({ c }) => c?.securityContext?.privileged === true)
            .map((nc) => `${who(nc)}: securityContext.privileged must not be true`),
    },
    {
        name: "pss-baseline-capabilities", profile: "baseline",
        description: "Only the baseline set of capabilities may be added.",
        check: ({ spec }) => containers(spec).flatMap((nc) => (nc.c?.securityContext?.capabilities?.add ?? [])
            .filter((cap: string) => !BASELINE_CAPABILITIES.has(cap))
            .map((cap: string) => `${who(nc)}: capability ${cap} may not be added (baseline allows ${[...BASELINE_CAPABILITIES].join(", ")})`)),
    },
    {
        name: "pss-baseline-host-path-volumes", profile: "baseline",
        description: "hostPath volumes are forbidden.",
        check: ({ spec }) => (spec?.volumes ?? []).filter((v: any) => v?.hostPath !== undefined)
            .map((v: any) => `volume "${v.name}": hostPath volumes are forbidden`),
    },
    {
        name: "pss-baseline-host-ports", profile: "baseline",
        description: "hostPort must be unset or 0.",
        check: ({ spec }) => containers(spec).flatMap((nc) => (nc.c?.ports ?? [])
            .filter((p: any) => p?.hostPort !== undefined && p.hostPort !== 0)
            .map((p: any) => `${who(nc)}: hostPort ${p.hostPort} is forbidden`)),
    },
    {
        name: "pss-baseline-apparmor", profile: "baseline",
        description: "AppArmor may only be RuntimeDefault or Localhost; never Unconfined.",
        check: ({ spec, annotations }) => [
            ...Object.entries(annotations ?? {})
                .filter(([k, v]) => k.startsWith("container.apparmor.security.beta.kubernetes.io/") && v !== "runtime/default" && !String(v).startsWith("localhost/"))
                .map(([k, v]) => `annotation ${k}: "${v}" is forbidden (runtime/default or localhost/*)`),
            ...contexts(spec).filter(({ sc }) => sc?.appArmorProfile?.type !== undefined && !["RuntimeDefault", "Localhost"].includes(sc.appArmorProfile.type))
                .map(({ where, sc }) => `${where}: securityContext.appArmorProfile.type ${sc.appArmorProfile.type} is forbidden (RuntimeDefault or Localhost)`),
        ],
    },
    {
        name: "pss-baseline-selinux", profile: "baseline",
        description: "SELinux type limited to the container types; user and role must be unset.",
        check: ({ spec }) => contexts(spec).flatMap(({ where, sc }) => {
            const o = sc?.seLinuxOptions;
            if (!o) return [];
            const out: string[] = [];
            if (o.type !== undefined && !SELINUX_TYPES.has(o.type)) out.push(`${where}: seLinuxOptions.type ${o.type} is forbidden`);
            if (o.user !== undefined && o.user !== "") out.push(`${where}: seLinuxOptions.user must be unset`);
            if (o.role !== undefined && o.role !== "") out.push(`${where}: seLinuxOptions.role must be unset`);
            return out;
        }),
    },
    {
        name: "pss-baseline-proc-mount", profile: "baseline",
        description: "procMount must be Default.",
        check: ({ spec }) => containers(spec).filter(({ c }) => c?.securityContext?.procMount !== undefined && c.securityContext.procMount !== "Default")
            .map((nc) => `${who(nc)}: securityContext.procMount ${nc.c.securityContext.procMount} is forbidden (Default)`),
    },
    {
        name: "pss-baseline-seccomp", profile: "baseline",
        description: "seccompProfile must not be Unconfined.",
        check: ({ spec }) => contexts(spec).filter(({ sc }) => sc?.seccompProfile?.type === "Unconfined")
            .map(({ where }) => `${where}: seccompProfile.type Unconfined is forbidden`),
    },
    {
        name: "pss-baseline-sysctls", profile: "baseline",
        description: "Only the safe set of sysctls may be set.",
        check: ({ spec }) => (spec?.securityContext?.sysctls ?? []).filter((s: any) => !SAFE_SYSCTLS.has(s?.name))
            .map((s: any) => `pod: sysctl ${s?.name} is not in the safe set`),
    },
    // ---- Restricted ----------------------------------------------------------------------
    {
        name: "pss-restricted-volume-types", profile: "restricted",
        description: "Volumes limited to configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret.",
        check: ({ spec }) => (spec?.volumes ?? []).flatMap((v: any) => Object.keys(v ?? {}).filter((k) => k !== "name" && !RESTRICTED_VOLUMES.has(k))
            .map((k) => `volume "${v.name}": type ${k} is forbidden (${[...RESTRICTED_VOLUMES].join(", ")})`)),
    },
    {
        name: "pss-restricted-privilege-escalation", profile: "restricted",
        description: "allowPrivilegeEscalation must be false.",
        check: ({ spec }) => containers(spec).filter(({ c }) => c?.securityContext?.allowPrivilegeEscalation !== false)
            .map((nc) => `${who(nc)}: securityContext.allowPrivilegeEscalation must be false`),
    },
    {
        name: "pss-restricted-run-as-non-root", profile: "restricted",
        description: "runAsNonRoot must be true (pod level or every container), never false.",
        check: ({ spec }) => {
            const podLevel = spec?.securityContext?.runAsNonRoot;
            const out = podLevel === false ? ["pod: securityContext.runAsNonRoot must not be false"] : [];
            for (const nc of containers(spec)) {
                const v = nc.c?.securityContext?.runAsNonRoot;
                if (v === false) out.push(`${who(nc)}: securityContext.runAsNonRoot must not be false`);
                else if (v !== true && podLevel !== true) out.push(`${who(nc)}: runAsNonRoot must be true (set it on the pod or the container)`);
            }
            return out;
        },
    },
    {
        name: "pss-restricted-run-as-user", profile: "restricted",
        description: "runAsUser must not be 0.",
        check: ({ spec }) => contexts(spec).filter(({ sc }) => sc?.runAsUser === 0)
            .map(({ where }) => `${where}: securityContext.runAsUser must not be 0`),
    },
    {
        name: "pss-restricted-seccomp", profile: "restricted",
        description: "seccompProfile must be RuntimeDefault or Localhost (pod level or every container).",
        check: ({ spec }) => {
            const ok = (t: unknown) => t === "RuntimeDefault" || t === "Localhost";
            const podType = spec?.securityContext?.seccompProfile?.type;
            const out = podType !== undefined && !ok(podType) ? [`pod: seccompProfile.type ${podType} is forbidden (RuntimeDefault or Localhost)`] : [];
            for (const nc of containers(spec)) {
                const t = nc.c?.securityContext?.seccompProfile?.type;
                if (t !== undefined && !ok(t)) out.push(`${who(nc)}: seccompProfile.type ${t} is forbidden (RuntimeDefault or Localhost)`);
                else if (t === undefined && !ok(podType)) out.push(`${who(nc)}: seccompProfile.type must be RuntimeDefault or Localhost (set it on the pod or the container)`);
            }
            return out;
        },
    },
    {
        name: "pss-restricted-capabilities", profile: "restricted",
        description: "Containers must drop ALL capabilities and may add only NET_BIND_SERVICE.",
        check: ({ spec }) => containers(spec).flatMap((nc) => {
            const caps = nc.c?.securityContext?.capabilities ?? {};
            const out: string[] = [];
            if (!(caps.drop ?? []).includes("ALL")) out.push(`${who(nc)}: capabilities.drop must include ALL`);
            for (const cap of caps.add ?? []) if (cap !== "NET_BIND_SERVICE") out.push(`${who(nc)}: capability ${cap} may not be added (only NET_BIND_SERVICE)`);
            return out;
        }),
    },
    // ---- This project's rules ----------------------------------------------------------------
    {
        name: "read-only-root-filesystem", profile: "project",
        description: "Every container mounts its root filesystem read-only (write to emptyDir volumes instead).",
        check: ({ spec }) => containers(spec).filter(({ c }) => c?.securityContext?.readOnlyRootFilesystem !== true)
            .map((nc) => `${who(nc)}: securityContext.readOnlyRootFilesystem must be true`),
    },
    {
        name: "image-pinned-by-digest", profile: "project",
        description: "Every image is pinned by digest (name[:tag]@sha256:<64 hex>); tags can move.",
        check: ({ spec }) => containers(spec).filter(({ c }) => typeof c?.image !== "string" || !DIGEST.test(c.image))
            .map((nc) => `${who(nc)}: image ${JSON.stringify(nc.c?.image)} is not pinned by digest (@sha256:<64 hex>)`),
    },
    {
        name: "resources-set", profile: "project",
        description: "Every container (init included) requests and limits CPU and memory.",
        check: ({ spec }) => containers(spec).filter(({ kind }) => kind !== "ephemeralContainer").flatMap((nc) => {
            const r = nc.c?.resources ?? {};
            const missing = [["requests", "cpu"], ["requests", "memory"], ["limits", "cpu"], ["limits", "memory"]]
                .filter(([k, res]) => r[k]?.[res] === undefined || r[k]?.[res] === "")
                .map(([k, res]) => `${k}.${res}`);
            return missing.length ? [`${who(nc)}: resources ${missing.join(", ")} must be set`] : [];
        }),
    },
];

/** Runs every check against one workload's props; returns `[policy name, message]` pairs. */
export function violationsOf(type: string, props: any): [string, string][] {
    const pod = podTemplateOf(type, props);
    if (!pod) return [];
    return CHECKS.flatMap((c) => c.check(pod).map((m): [string, string] => [c.name, m]));
}
