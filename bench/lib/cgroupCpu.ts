// CPU time a container has used, read from its cgroup. The file depends on the engine's
// cgroup setup: cgroup v1 (cgroupfs or systemd driver) keeps it in the cpuacct hierarchy as
// `cpuacct.usage` (nanoseconds), cgroup v2 in `cpu.stat` as `usage_usec`. The container's
// cgroup path (`/docker/<id>` with cgroupfs, `/system.slice/docker-<id>.scope` with systemd)
// is read from /proc/<pid>/cgroup, and the hierarchy's mount point from /proc/self/mountinfo,
// so neither driver nor version is guessed.
import * as fs from "node:fs";
import * as path from "node:path";

export interface CpuUsageFile {
    /** Absolute path of the counter file. */
    file: string;
    /** `cpuacct.usage`: one integer in ns (v1); `cpu.stat`: `usage_usec N` line (v2). */
    format: "v1-cpuacct-usage" | "v2-cpu-stat";
}

interface Mount { root: string; point: string; fstype: string; superOptions: string[] }

/** The mounts of /proc/<pid>/mountinfo: root, mount point, fstype and super options. */
export function parseMountinfo(text: string): Mount[] {
    return text.split("\n").filter(Boolean).flatMap((line) => {
        // 33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime shared:1 - cgroup cgroup rw,cpuacct
        const [left, right] = line.split(" - ");
        if (right === undefined) return [];
        const f = left.split(" ");
        const [fstype, , superOptions = ""] = right.split(" ");
        return [{ root: f[3], point: f[4], fstype, superOptions: superOptions.split(",") }];
    });
}

/** The counter file for a process, from its /proc/<pid>/cgroup and our /proc/self/mountinfo. */
export function cpuUsageFile(procCgroup: string, mountinfo: string): CpuUsageFile {
    const lines = procCgroup.split("\n").filter(Boolean).map((l) => {
        const m = /^(\d+):([^:]*):(.*)$/.exec(l);
        if (!m) throw new Error(`/proc/<pid>/cgroup: unexpected line ${JSON.stringify(l)}`);
        return { controllers: m[2].split(","), path: m[3] };
    });
    const mounts = parseMountinfo(mountinfo);
    const join = (m: Mount, p: string) => {
        // In a cgroup namespace the mount's root is a prefix of the paths it shows.
        const rel = m.root !== "/" && p.startsWith(m.root) ? p.slice(m.root.length) : p;
        return path.join(m.point, rel);
    };
    // Hybrid hosts list both; the v1 cpuacct hierarchy is where the CPU controllers live there.
    const v1 = lines.find((l) => l.controllers.includes("cpuacct"));
    if (v1) {
        const m = mounts.find((x) => x.fstype === "cgroup" && x.superOptions.includes("cpuacct"));
        if (!m) throw new Error("the process is in a cgroup v1 cpuacct hierarchy, but no cgroup mount with the cpuacct option is in /proc/self/mountinfo");
        return { file: join(m, path.join(v1.path, "cpuacct.usage")), format: "v1-cpuacct-usage" };
    }
    const v2 = lines.find((l) => l.controllers.length === 1 && l.controllers[0] === "");
    if (v2) {
        const m = mounts.find((x) => x.fstype === "cgroup2");
        if (!m) throw new Error("the process is in a cgroup v2 hierarchy, but no cgroup2 mount is in /proc/self/mountinfo");
        return { file: join(m, path.join(v2.path, "cpu.stat")), format: "v2-cpu-stat" };
    }
    throw new Error(`/proc/<pid>/cgroup lists neither a cpuacct (v1) nor a unified (v2) hierarchy: ${JSON.stringify(procCgroup)}`);
}

/** Microseconds of CPU from the counter file's text. */
export function parseCpuUsec(text: string, format: CpuUsageFile["format"]): number {
    if (format === "v1-cpuacct-usage") {
        const ns = Number(text.trim());
        if (!Number.isFinite(ns) || text.trim() === "") throw new Error(`cpuacct.usage: ${JSON.stringify(text)} is not a number of nanoseconds`);
        return ns / 1000;
    }
    const m = /^usage_usec (\d+)$/m.exec(text);
    if (!m) throw new Error(`cpu.stat has no usage_usec line: ${JSON.stringify(text.slice(0, 200))}`);
    return Number(m[1]);
}

/** A reader of one container's CPU time (all its processes), located from its init pid. */
export function containerCpuReader(pid: number): { file: CpuUsageFile; read: () => number } {
    const file = cpuUsageFile(fs.readFileSync(`/proc/${pid}/cgroup`, "utf8"), fs.readFileSync("/proc/self/mountinfo", "utf8"));
    return { file, read: () => parseCpuUsec(fs.readFileSync(file.file, "utf8"), file.format) };
}
