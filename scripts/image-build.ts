/**
 * npm run --silent image:build -- --python 3.13 [--flavor upstream|debian] [--variant runtime|debug|builder]
 *     [--platform linux/amd64|linux/arm64] [--lock FILE] [--push REGISTRY] [--no-cache]
 *     [--base-image REF] [--mirror URL] [--security-mirror URL] [--build-arg K=V ...] [--name NAME]
 *     upstream flavour: [--fast] [--python-mirror URL] [--python-version X.Y.Z --python-sha256 HEX]
 *
 * Builds image/Dockerfile with the local engine (docker buildx, --network host), progress on
 * stderr, and prints the image reference as the LAST line of stdout. The tag comes from the
 * shared naming helper (components/imageNaming.ts), SOURCE_DATE_EPOCH from the lock.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildRevision, imageName, immutableTag, type Flavor } from "../components/imageNaming";
import { rfc3339, sourceDateEpoch } from "./image/buildInputs";

const ROOT = path.resolve(__dirname, "..");
const HOST_CA = process.env.EXTRA_CA_FILE ?? "/etc/ssl/certs/ca-certificates.crt";
export const CONTEXT = path.join(ROOT, "image");
export const VARIANTS = ["runtime", "debug", "builder"] as const;
export const PLATFORMS = ["linux/amd64", "linux/arm64"] as const;
/** Flavours image:build can build today; issue 4 adds "upstream". */
export const BUILDABLE_FLAVORS: readonly string[] = ["debian", "upstream"];

export interface BuildOptions {
  python: string;
  flavor: Flavor;
  variant: (typeof VARIANTS)[number];
  platforms: string[];
  lock: string;
  push?: string;
  noCache: boolean;
  baseImage?: string;
  mirror?: string;
  securityMirror?: string;
  buildArgs: Record<string, string>;
  name?: string;
  /** upstream: no PGO/LTO (quick iteration, CI). */
  fast: boolean;
  /** upstream: python.org-layout mirror (default https://www.python.org/ftp/python). */
  pythonMirror?: string;
  /** upstream: build this release instead of the lock's (tests); both or neither. */
  pythonVersion?: string;
  pythonSha256?: string;
}

const USAGE =
  "usage: image:build --python 3.13 --flavor debian [--variant runtime|debug|builder] [--platform linux/amd64|linux/arm64] " +
  "[--lock FILE] [--push REGISTRY] [--no-cache] [--base-image REF] [--mirror URL] [--security-mirror URL] [--build-arg K=V] [--name NAME] " +
  "[--fast] [--python-mirror URL] [--python-version X.Y.Z --python-sha256 HEX]";

/** Parses and validates argv; every error names the option and the accepted values. */
export function parseBuildArgs(argv: string[]): BuildOptions {
  const raw: Record<string, string> = {};
  const buildArgs: Record<string, string> = {};
  let noCache = false;
  let fast = false;
  const valued = ["python", "flavor", "variant", "platform", "lock", "push", "base-image", "mirror", "security-mirror", "build-arg", "name",
    "python-mirror", "python-version", "python-sha256"];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--no-cache") { noCache = true; continue; }
    if (a === "--fast") { fast = true; continue; }
    if (!a.startsWith("--")) throw new Error(`unexpected argument "${a}"; ${USAGE}`);
    const key = a.slice(2);
    if (!valued.includes(key)) throw new Error(`unknown option ${a}; accepted: ${[...valued.map((k) => `--${k}`), "--no-cache", "--fast"].join(", ")}`);
    const v = argv[++i];
    if (v === undefined || v.startsWith("--")) throw new Error(`option ${a} needs a value`);
    if (key === "build-arg") {
      const eq = v.indexOf("=");
      if (eq <= 0) throw new Error(`option --build-arg: "${v}" is not KEY=VALUE`);
      buildArgs[v.slice(0, eq)] = v.slice(eq + 1);
    } else raw[key] = v;
  }
  if (!raw.python) throw new Error(`option --python is required (a minor version such as 3.13); ${USAGE}`);
  if (!/^3\.[0-9]+$/.test(raw.python)) throw new Error(`option --python: "${raw.python}" is not a minor version; accepted: 3.X such as 3.13`);
  // upstream (CPython from python.org) is the project's product; debian is the comparison flavour.
  const flavor = (raw.flavor ?? "upstream") as Flavor;
  if (!["debian", "upstream"].includes(flavor)) throw new Error(`option --flavor: "${flavor}" is not supported; accepted: debian, upstream`);
  if (!BUILDABLE_FLAVORS.includes(flavor)) throw new Error(`option --flavor: "${flavor}" is not yet supported by image:build (issue 4); accepted today: ${BUILDABLE_FLAVORS.join(", ")}`);
  const variant = (raw.variant ?? "runtime") as BuildOptions["variant"];
  if (!(VARIANTS as readonly string[]).includes(variant)) throw new Error(`option --variant: "${variant}" is not valid; accepted: ${VARIANTS.join(", ")}`);
  const platforms = (raw.platform ?? "linux/amd64").split(",");
  for (const p of platforms) {
    if (!(PLATFORMS as readonly string[]).includes(p)) throw new Error(`option --platform: "${p}" is not valid; accepted: ${PLATFORMS.join(", ")} (comma-separated with --push)`);
  }
  if (platforms.length > 1 && !raw.push) throw new Error(`option --platform: several platforms need --push REGISTRY (the engine loads one platform at a time)`);
  const lock = path.resolve(raw.lock ?? path.join(CONTEXT, "locks", `${flavor}-${raw.python}.json`));
  if (!fs.existsSync(lock)) throw new Error(`option --lock: ${lock} does not exist; write it with: npm run image:resolve -- --python ${raw.python} --flavor ${flavor}`);
  const upstreamOnly = ["python-mirror", "python-version", "python-sha256"].filter((k) => raw[k] !== undefined).concat(fast ? ["fast"] : []);
  if (flavor !== "upstream" && upstreamOnly.length) throw new Error(`option --${upstreamOnly[0]} applies to --flavor upstream only`);
  if ((raw["python-version"] === undefined) !== (raw["python-sha256"] === undefined)) {
    throw new Error("options --python-version and --python-sha256 go together (the build checks the tarball against that sha256)");
  }
  if (raw["python-version"] !== undefined && !new RegExp(`^${raw.python.replace(".", "\\.")}\\.[0-9]+$`).test(raw["python-version"])) {
    throw new Error(`option --python-version: "${raw["python-version"]}" is not a final release of ${raw.python}; accepted: ${raw.python}.N`);
  }
  if (raw["python-sha256"] !== undefined && !/^[0-9a-f]{64}$/.test(raw["python-sha256"])) {
    throw new Error(`option --python-sha256: "${raw["python-sha256"]}" is not 64 lowercase hex digits`);
  }
  if (raw["python-mirror"] !== undefined && !/^https?:\/\/\S+$/.test(raw["python-mirror"])) {
    throw new Error(`option --python-mirror: "${raw["python-mirror"]}" is not an http:// or https:// URL`);
  }
  if (raw.name !== undefined && !/^[a-z0-9][a-z0-9._/-]*$/.test(raw.name)) throw new Error(`option --name: "${raw.name}" is not a valid image name`);
  return {
    python: raw.python, flavor, variant, platforms, lock, push: raw.push, noCache,
    baseImage: raw["base-image"], mirror: raw.mirror, securityMirror: raw["security-mirror"], buildArgs, name: raw.name,
    fast, pythonMirror: raw["python-mirror"], pythonVersion: raw["python-version"], pythonSha256: raw["python-sha256"],
  };
}

export interface PlannedBuild {
  ref: string;
  args: string[];
  epoch: number;
  tmpDir: string;
}

/** The docker buildx invocation for a set of options (pure apart from reading the lock and context). */
export function planBuild(o: BuildOptions): PlannedBuild {
  const lockBytes = fs.readFileSync(o.lock);
  const lock = JSON.parse(lockBytes.toString("utf8")) as { python?: { version?: string }; cpython?: { version: string; sha256: string } };
  // upstream: the lock pins CPython's version and sha256; --python-version/--python-sha256 override both.
  const version = o.pythonVersion ?? lock.python?.version ?? "";
  const epoch = sourceDateEpoch(lockBytes);
  // A --fast build is not the production artifact: its tag says so.
  const revision = buildRevision(CONTEXT, o.lock);
  const tag = immutableTag(version, revision.slice(0, 12), o.variant) + (o.fast ? "-fast" : "");
  const name = o.name ?? imageName(o.flavor);
  const arch = o.platforms.length === 1 && o.platforms[0] !== "linux/amd64" ? `-${o.platforms[0].split("/")[1]}` : "";
  const ref = o.push ? `${o.push.replace(/\/+$/, "")}/${name}:${tag}${arch}` : `${name}:${tag}${arch}`;
  // The lock goes in as a named context replacing the Dockerfile's `lock` stage, so any file works.
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), "image-build-"));
  fs.copyFileSync(o.lock, path.join(tmpDir, "lock.json"));
  const buildArgs: Record<string, string> = {
    PYTHON_FLAVOR: o.flavor,
    PYTHON_MINOR: o.python,
    PYTHON_VERSION: version,
    SOURCE_DATE_EPOCH: String(epoch),
    IMAGE_CREATED: rfc3339(epoch),
    REVISION: revision,
    ...(o.baseImage ? { BASE_IMAGE: o.baseImage } : {}),
    ...(o.mirror ? { DEBIAN_MIRROR: o.mirror } : {}),
    ...(o.securityMirror ? { DEBIAN_SECURITY_MIRROR: o.securityMirror } : {}),
    ...(o.flavor === "upstream" ? {
      PYTHON_SHA256: o.pythonSha256 ?? lock.cpython?.sha256 ?? "",
      PYTHON_FAST: o.fast ? "1" : "0",
      ...(o.pythonMirror ? { PYTHON_MIRROR: o.pythonMirror } : {}),
    } : {}),
    ...o.buildArgs,
  };
  const args = [
    "buildx", "build", "--network", "host", "--progress", "plain",
    // No attestations inside the image: provenance is the supply-chain issue's job.
    "--provenance=false", "--sbom=false",
    "--platform", o.platforms.join(","), "--target", o.variant,
    "--build-context", `lock=${tmpDir}`,
    ...Object.entries(buildArgs).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]),
    ...(o.noCache ? ["--no-cache"] : []),
    // The CPython download may cross a TLS-intercepting proxy: its CA goes in as a secret only.
    ...(o.flavor === "upstream" && !(o.pythonMirror ?? "https:").startsWith("http:") && fs.existsSync(HOST_CA)
      ? ["--secret", `id=extra_ca,src=${HOST_CA}`] : []),
    "--tag", ref,
    ...(o.push ? ["--push"] : ["--load"]),
    CONTEXT,
  ];
  return { ref, args, epoch, tmpDir };
}

export function runBuild(o: BuildOptions): Promise<string> {
  const plan = planBuild(o);
  process.stderr.write(`[image:build] docker ${plan.args.join(" ")}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn("docker", plan.args, { stdio: ["ignore", 2, 2], env: { ...process.env, SOURCE_DATE_EPOCH: String(plan.epoch) } });
    // Progress goes to stderr: stdout carries only the reference.
    child.on("error", reject);
    child.on("exit", (code) => {
      fs.rmSync(plan.tmpDir, { recursive: true, force: true });
      if (code === 0) resolve(plan.ref);
      else reject(new Error(`docker buildx build failed (exit ${code}) for ${plan.ref}`));
    });
  });
}

if (require.main === module) {
  (async () => {
    const o = parseBuildArgs(process.argv.slice(2));
    const ref = await runBuild(o);
    process.stdout.write(`${ref}\n`);
  })().catch((e: Error) => {
    process.stderr.write(`image:build: ${e.message}\n`);
    process.exit(1);
  });
}
