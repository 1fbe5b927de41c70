/**
 * arm64 without emulating the compiler (issue 8, item 5): the upstream flavour for
 * linux/arm64 is cross-compiled on the amd64 build platform (image/cpython/build.sh), --fast,
 * CPython from the loopback python.org mirror. qemu only RUNS the checks: every distroless
 * check passes on the arm64 runtime, debug and builder images, and the cross build is the
 * same interpreter a native build would be (sysconfig's compiler, configure's run-time
 * answers, the arm64 library packages).
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { CHECKS } from "../../image/checks/checks";
import { docker, python } from "../../image/checks/lib";
import { parseBuildArgs, runBuild } from "../../scripts/image-build";
import { debianMirrorEntries, DEFAULT_MIRROR_ROOT, fillMirror, type MirrorEntry, type RunningMirror, serveMirror } from "../../scripts/python-mirror";

const ROOT = path.resolve(__dirname, "../..");
const LOCK = path.join(ROOT, "image/locks/upstream-3.13.json");
const ARM64 = "linux/arm64";

function argv(e: MirrorEntry, mirror: string, variant: string, platform: string): string[] {
  return ["--python", "3.13", "--flavor", "upstream", "--variant", variant, "--platform", platform, "--fast",
    "--python-mirror", mirror, "--python-version", e.version, "--python-sha256", e.sha256];
}

/** sysconfig and pyconfig.h facts of an image's interpreter, read by the interpreter itself. */
function buildFacts(image: string, platform: string): { vars: Record<string, string>; pyconfig: Record<string, string | null>; machine: string } {
  const code = `
import json, platform, re, sysconfig
names = ["CC", "CXX", "LDSHARED", "LDCXXSHARED", "BLDSHARED", "LINKCC", "AR", "CPP", "MAINCC"]
v = {n: str(sysconfig.get_config_var(n)) for n in names}
mk = open(sysconfig.get_makefile_filename()).read()
for n in ["CC", "AR", "LDSHARED"]:
    m = re.search(r"^" + n + r"=[ \\t]*(.*)$", mk, re.M)
    v["Makefile:" + n] = m.group(1).strip() if m else None
macros = ["HAVE_COMPUTED_GOTOS", "HAVE_ALIGNED_REQUIRED", "HAVE_BROKEN_SEM_GETVALUE", "HAVE_WORKING_TZSET", "HAVE_BROKEN_NICE",
    "HAVE_BROKEN_POLL", "HAVE_BROKEN_MBSTOWCS", "HAVE_DEV_PTMX", "HAVE_DEV_PTC", "HAVE_GETADDRINFO", "POSIX_SEMAPHORES_NOT_ENABLED",
    "HAVE_CHFLAGS", "HAVE_LCHFLAGS", "X87_DOUBLE_ROUNDING", "SIGNED_RIGHT_SHIFT_ZERO_FILLS", "PTHREAD_SYSTEM_SCHED_SUPPORTED",
    "HAVE_GLIBC_MEMMOVE_BUG", "HAVE_IPA_PURE_CONST_BUG", "HAVE_USABLE_WCHAR_T", "_REENTRANT", "WORDS_BIGENDIAN"]
h = open(sysconfig.get_config_h_filename()).read()
p = {}
for n in macros:
    m = re.search(r"^#define " + n + r" (.*)$", h, re.M)
    p[n] = m.group(1).strip() if m else None
print(json.dumps({"vars": v, "pyconfig": p, "machine": platform.machine()}))`;
  return JSON.parse(python(image, code, { platform }).stdout);
}

describe("upstream CPython cross-compiled for linux/arm64 (--fast, checks under qemu)", function () {
  this.timeout(90 * 60_000);
  let mirror: RunningMirror;
  let py313: MirrorEntry;
  const refs: { image?: string; debug?: string; builder?: string } = {};

  before(async function () {
    const entries = await debianMirrorEntries();
    const present = await fillMirror(DEFAULT_MIRROR_ROOT, entries, (m) => process.stderr.write(`${m}\n`));
    py313 = entries.find((e) => e.suite === "trixie" && present.includes(e.version))!;
    assert.ok(py313, "trixie's python3.13 orig tarball must be in the pool");
    // The tests' fixed port, so the CPython build is cached across test files and runs.
    mirror = await serveMirror(DEFAULT_MIRROR_ROOT, Number(process.env.PYTHON_MIRROR_PORT ?? 8765));
    const started = Date.now();
    refs.image = await runBuild(parseBuildArgs(argv(py313, mirror.url, "runtime", ARM64)));
    refs.debug = await runBuild(parseBuildArgs(argv(py313, mirror.url, "debug", ARM64)));
    refs.builder = await runBuild(parseBuildArgs(argv(py313, mirror.url, "builder", ARM64)));
    process.stderr.write(`[arm64-cross] runtime+debug+builder built in ${Math.round((Date.now() - started) / 1000)}s\n`);
  });
  after(async () => mirror && mirror.close());

  for (const check of CHECKS) {
    it(`${check.name}: ${check.policy}`, function () {
      check.run({ image: refs.image!, debug: refs.debug, builder: refs.builder, lock: LOCK, platform: ARM64 });
    });
  }

  it("the images are arm64 images of an aarch64 interpreter", function () {
    for (const ref of [refs.image!, refs.debug!, refs.builder!]) {
      assert.equal(docker(["image", "inspect", "--format", "{{.Architecture}}", ref]).stdout.trim(), "arm64", ref);
    }
    assert.equal(python(refs.image!, "import platform, sys; print(platform.machine(), sys.version.split()[0])", { platform: ARM64 }).stdout.trim(), `aarch64 ${py313.version}`);
  });

  it("the CPython library packages are the lock's, as arm64 packages (the ELF scan mapped /usr/lib/aarch64-linux-gnu)", function () {
    const comp = JSON.parse(python(refs.image!, "print(open('/usr/local/share/cpython/cdx-component.json').read())", { platform: ARM64 }).stdout);
    const libs = (comp.properties as { name: string; value: string }[]).find((p) => p.name === "cpython:debian-libraries")!.value.split(" ");
    const lock = JSON.parse(fs.readFileSync(LOCK, "utf8")) as { cpython: { libraries: string[] }; architectures: Record<string, { package: string; architecture: string }[]> };
    assert.deepEqual(libs, [...lock.cpython.libraries].sort());
    const status = python(refs.image!, "import os; print(' '.join(sorted(open('/var/lib/dpkg/status.d/' + f).read().split('Architecture: ')[1].split()[0] for f in os.listdir('/var/lib/dpkg/status.d') if f in " + JSON.stringify(libs) + ")))", { platform: ARM64 }).stdout.trim();
    assert.deepEqual([...new Set(status.split(" "))], ["arm64"]);
  });

  it("the builder's sysconfig names the same compiler as the native amd64 build (gcc, not aarch64-linux-gnu-gcc)", async function () {
    const amd64 = await runBuild(parseBuildArgs(argv(py313, mirror.url, "builder", "linux/amd64")));
    const native = buildFacts(amd64, "linux/amd64");
    const cross = buildFacts(refs.builder!, ARM64);
    assert.equal(cross.machine, "aarch64");
    assert.deepEqual(cross.vars, native.vars);
    for (const v of Object.values(cross.vars)) assert.doesNotMatch(String(v), /aarch64-linux-gnu-/);
  });

  it("configure's run-time answers (CONFIG_SITE) equal what the native build found, except aarch64's unsigned wchar_t", async function () {
    const amd64 = await runBuild(parseBuildArgs(argv(py313, mirror.url, "builder", "linux/amd64")));
    const native = buildFacts(amd64, "linux/amd64").pyconfig;
    const cross = buildFacts(refs.builder!, ARM64).pyconfig;
    // Debian's natively built arm64 python3.13 defines HAVE_USABLE_WCHAR_T, its amd64 one does not.
    assert.equal(cross.HAVE_USABLE_WCHAR_T, "1");
    assert.equal(native.HAVE_USABLE_WCHAR_T, null);
    delete cross.HAVE_USABLE_WCHAR_T;
    delete native.HAVE_USABLE_WCHAR_T;
    assert.deepEqual(cross, native);
    assert.equal(cross.HAVE_COMPUTED_GOTOS, "1");
  });
});
