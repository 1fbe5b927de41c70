// bench:app's CPU time comes from the container's cgroup; the counter file is found from the
// process's /proc/<pid>/cgroup and the mounts, for either cgroup driver and version.
import * as assert from "assert";
import { cpuUsageFile, parseCpuUsec, parseMountinfo } from "../../bench/lib/cgroupCpu";

const ID = "34babf1e501ee522eaecea0c7fca75b3e460d3b21c84ba17521daa48828bb4cc";
// This machine: cgroup v1 controllers beside an empty unified hierarchy, Docker's cgroupfs driver.
const HYBRID_MOUNTS = [
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu",
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct",
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw",
].join("\n");
const V2_MOUNTS = "30 23 0:27 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n";

describe("bench:app CPU time from the container's cgroup", () => {
    it("cgroup v1 with the cgroupfs driver: cpuacct.usage under /docker/<id>", () => {
        const cg = `2:cpuacct:/docker/${ID}\n1:cpu:/docker/${ID}\n0::/docker/${ID}\n`;
        assert.deepStrictEqual(cpuUsageFile(cg, HYBRID_MOUNTS), { file: `/sys/fs/cgroup/cpuacct/docker/${ID}/cpuacct.usage`, format: "v1-cpuacct-usage" });
    });
    it("cgroup v1 with the systemd driver and cpu,cpuacct co-mounted: the scope under system.slice", () => {
        const cg = `4:cpu,cpuacct:/system.slice/docker-${ID}.scope\n1:name=systemd:/system.slice/docker-${ID}.scope\n`;
        const mounts = "25 24 0:22 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n";
        assert.strictEqual(cpuUsageFile(cg, mounts).file, `/sys/fs/cgroup/cpu,cpuacct/system.slice/docker-${ID}.scope/cpuacct.usage`);
    });
    it("cgroup v2 (systemd driver): cpu.stat of the scope", () => {
        assert.deepStrictEqual(cpuUsageFile(`0::/system.slice/docker-${ID}.scope\n`, V2_MOUNTS),
            { file: `/sys/fs/cgroup/system.slice/docker-${ID}.scope/cpu.stat`, format: "v2-cpu-stat" });
    });
    it("inside a cgroup namespace the mount's root is taken off the path", () => {
        const mounts = "30 23 0:27 /docker/outer /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
        assert.strictEqual(cpuUsageFile(`0::/docker/outer/docker/${ID}\n`, mounts).file, `/sys/fs/cgroup/docker/${ID}/cpu.stat`);
    });
    it("a missing mount or hierarchy fails saying which", () => {
        assert.throws(() => cpuUsageFile(`2:cpuacct:/docker/${ID}\n`, V2_MOUNTS), /no cgroup mount with the cpuacct option/);
        assert.throws(() => cpuUsageFile(`0::/docker/${ID}\n`, "33 31 0:30 / /x rw - cgroup cgroup rw,cpuacct\n"), /no cgroup2 mount/);
        assert.throws(() => cpuUsageFile("4:memory:/docker/x\n", HYBRID_MOUNTS), /neither a cpuacct \(v1\) nor a unified \(v2\) hierarchy/);
        assert.throws(() => cpuUsageFile("garbage\n", HYBRID_MOUNTS), /unexpected line "garbage"/);
    });
    it("counters are read in microseconds: cpuacct.usage is ns, cpu.stat's usage_usec is us", () => {
        assert.strictEqual(parseCpuUsec("28729864\n", "v1-cpuacct-usage"), 28729.864);
        assert.strictEqual(parseCpuUsec("usage_usec 28729\nuser_usec 12350\nsystem_usec 16379\n", "v2-cpu-stat"), 28729);
        assert.throws(() => parseCpuUsec("user_usec 1\n", "v2-cpu-stat"), /no usage_usec line/);
        assert.throws(() => parseCpuUsec("\n", "v1-cpuacct-usage"), /not a number of nanoseconds/);
    });
    it("mountinfo's optional fields before the separator do not shift the fstype", () => {
        assert.deepStrictEqual(parseMountinfo(V2_MOUNTS)[0], { root: "/", point: "/sys/fs/cgroup", fstype: "cgroup2", superOptions: ["rw", "nsdelegate", "memory_recursiveprot"] });
    });
});
