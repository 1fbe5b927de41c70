/**
 * npm run --silent image:build -- --python 3.13 [--flavor upstream|debian] [--variant runtime|debug|builder]
 *     [--platform linux/amd64|linux/arm64] [--lock FILE] [--push REGISTRY] [--no-cache]
 *     [--base-image REF] [--mirror URL] [--security-mirror URL] [--build-arg K=V ...] [--name NAME]
 *     [--cache PREFIX] [--builder NAME]
 *     upstream flavour: [--fast] [--python-mirror URL] [--python-version X.Y.Z --python-sha256 HEX]
 *     [--pgo-task default|extended] [--bolt] (optimisation switches, image/cpython/build.sh)
 *
 * Renders the build spec (components/buildSpec.ts, the same one DistrolessPythonImage and
 * the rebuild pipeline render) into `docker buildx build` runs, one per platform, progress
 * on stderr, and prints the image reference as the LAST line of stdout: with --push the
 * immutable tag of the index joining the platforms, otherwise `<name>:<tag>-<arch>` loaded
 * into the engine.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type ImageSpec, imageBuildSpec, readBuildSources, stageLock, EXTRA_CA_SECRET, type BuildSpec, PGO_TASKS, type PgoTask } from "../components/buildSpec";
import { buildxArgs } from "../components/buildRender";
import { DIGEST_PATTERN, type Flavor, FLAVORS, PLATFORMS, type Platform, VARIANTS } from "../components/constants";

const ROOT = path.resolve(__dirname, "..");
/** The host's CA bundle (the TLS-intercepting proxy's CA included); EXTRA_CA_FILE overrides it. */
export const HOST_CA = process.env.EXTRA_CA_FILE ?? "/etc/ssl/certs/ca-certificates.crt";
export const CONTEXT = path.join(ROOT, "image");
export { PLATFORMS, VARIANTS };
/** Flavours image:build can build. */
export const BUILDABLE_FLAVORS: readonly string[] = FLAVORS;

export interface BuildOptions {
  python: string;
  flavor: Flavor;
  variant: (typeof VARIANTS)[number];
  platforms: Platform[];
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
  /** upstream: PGO training task (default: the build spec's). */
  pgoTask?: PgoTask;
  /** upstream: BOLT (native PGO builds). */
  bolt?: boolean;
  /** upstream: python.org-layout mirror (default https://www.python.org/ftp/python). */
  pythonMirror?: string;
  /** upstream: build this release instead of the lock's (tests); both or neither. */
  pythonVersion?: string;
  pythonSha256?: string;
  /** Registry build cache tag prefix (with --push only). */
  cache?: string;
  /** BuildKit builder by name (default: the spec's). */
  builder?: string;
}

const USAGE =
  "usage: image:build --python 3.13 --flavor debian [--variant runtime|debug|builder] [--platform linux/amd64|linux/arm64] " +
  "[--lock FILE] [--push REGISTRY] [--no-cache] [--base-image REF] [--mirror URL] [--security-mirror URL] [--build-arg K=V] [--name NAME] " +
  "[--fast] [--python-mirror URL] [--python-version X.Y.Z --python-sha256 HEX] [--pgo-task default|extended] [--bolt]";

/** Parses and validates argv; every error names the option and the accepted values. */
export function parseBuildArgs(argv: string[]): BuildOptions {
  const raw: Record<string, string> = {};
  const buildArgs: Record<string, string> = {};
  let noCache = false;
  let fast = false;
  let bolt: boolean | undefined;
  const valued = ["python", "flavor", "variant", "platform", "lock", "push", "base-image", "mirror", "security-mirror", "build-arg", "name",
    "python-mirror", "python-version", "python-sha256", "cache", "builder", "pgo-task"];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--no-cache") { noCache = true; continue; }
    if (a === "--fast") { fast = true; continue; }
    if (a === "--bolt") { bolt = true; continue; }
    if (!a.startsWith("--")) throw new Error(`unexpected argument "${a}"; ${USAGE}`);
    const key = a.slice(2);
    if (!valued.includes(key)) throw new Error(`unknown option ${a}; accepted: ${[...valued.map((k) => `--${k}`), "--no-cache", "--fast", "--bolt"].join(", ")}`);
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
  const platforms = (raw.platform ?? "linux/amd64").split(",") as Platform[];
  for (const p of platforms) {
    if (!(PLATFORMS as readonly string[]).includes(p)) throw new Error(`option --platform: "${p}" is not valid; accepted: ${PLATFORMS.join(", ")} (comma-separated with --push)`);
  }
  if (platforms.length > 1 && !raw.push) throw new Error(`option --platform: several platforms need --push REGISTRY (the engine loads one platform at a time)`);
  const lock = path.resolve(raw.lock ?? path.join(CONTEXT, "locks", `${flavor}-${raw.python}.json`));
  if (!fs.existsSync(lock)) throw new Error(`option --lock: ${lock} does not exist; write it with: npm run image:resolve -- --python ${raw.python} --flavor ${flavor}`);
  const upstreamOnly = ["python-mirror", "python-version", "python-sha256", "pgo-task"].filter((k) => raw[k] !== undefined)
    .concat(fast ? ["fast"] : [], bolt ? ["bolt"] : []);
  if (flavor !== "upstream" && upstreamOnly.length) throw new Error(`option --${upstreamOnly[0]} applies to --flavor upstream only`);
  if (raw["pgo-task"] !== undefined && !(PGO_TASKS as readonly string[]).includes(raw["pgo-task"])) {
    throw new Error(`option --pgo-task: "${raw["pgo-task"]}" is not valid; accepted: ${PGO_TASKS.join(", ")}`);
  }
  if (fast && (bolt || (raw["pgo-task"] ?? "default") !== "default")) throw new Error("options --pgo-task extended and --bolt need PGO, which --fast turns off");
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
  if (raw.cache !== undefined && !raw.push) throw new Error("option --cache needs --push REGISTRY (the cache lives in the registry)");
  if (raw.cache !== undefined && !/^[a-z][a-z0-9-]{0,60}$/.test(raw.cache)) throw new Error(`option --cache: "${raw.cache}" is not valid; accepted: lowercase letters, digits and hyphens, starting with a letter`);
  return {
    python: raw.python, flavor, variant, platforms, lock, push: raw.push, noCache,
    baseImage: raw["base-image"], mirror: raw.mirror, securityMirror: raw["security-mirror"], buildArgs, name: raw.name,
    fast, pythonMirror: raw["python-mirror"], pythonVersion: raw["python-version"], pythonSha256: raw["python-sha256"],
    cache: raw.cache, builder: raw.builder, pgoTask: raw["pgo-task"] as PgoTask | undefined, bolt,
  };
}

/** The host CA goes in as the `extra_ca` secret when the CPython download crosses a TLS-intercepting proxy. */
function wantsCa(o: BuildOptions): boolean {
  return o.flavor === "upstream" && !(o.pythonMirror ?? "https:").startsWith("http:") && fs.existsSync(HOST_CA);
}

/** The build spec for a set of options (components/buildSpec.ts: the one build definition). */
export function imageSpec(o: BuildOptions): ImageSpec {
  const lockBytes = fs.readFileSync(o.lock);
  return imageBuildSpec({
    sources: readBuildSources(CONTEXT),
    lockBytes,
    lockContextDir: stageLock(lockBytes, path.join(ROOT, ".cache", "build-locks")),
    flavor: o.flavor,
    minor: o.python,
    variant: o.variant,
    platforms: o.platforms,
    baseImage: o.baseImage,
    debianMirror: o.mirror,
    debianSecurityMirror: o.securityMirror,
    pythonMirror: o.pythonMirror,
    fast: o.fast,
    pgoTask: o.pgoTask,
    bolt: o.bolt,
    pythonOverride: o.pythonVersion !== undefined ? { version: o.pythonVersion, sha256: o.pythonSha256! } : undefined,
    extraBuildArgs: o.buildArgs,
    extraCa: wantsCa(o),
    repository: o.push,
    imageName: o.name,
    cacheTagPrefix: o.cache ?? false,
    builder: o.builder,
    noCache: o.noCache,
  });
}

export interface PlannedBuild {
  /** The reference the build tags (`<repo>:<tag>-<arch>`). */
  ref: string;
  /** `docker` arguments. */
  args: string[];
  epoch: number;
  /** The staged lock folder (safe to remove: it is staged again by the next plan). */
  tmpDir: string;
  spec: BuildSpec;
  /** Where buildx writes the pushed digest. */
  metadataFile: string;
}

/** The docker buildx invocation of each platform's build (pure apart from reading the lock and context). */
export function planBuilds(o: BuildOptions): { image: ImageSpec; builds: PlannedBuild[] } {
  const image = imageSpec(o);
  const meta = fs.mkdtempSync(path.join(os.tmpdir(), "image-build-"));
  const builds = image.perPlatform.map((pp) => {
    const metadataFile = path.join(meta, `${pp.platform.replace("/", "-")}.json`);
    return {
      ref: pp.tags[0],
      args: buildxArgs(pp, {
        output: o.push ? { push: true } : { load: true },
        secretFiles: pp.secrets.includes(EXTRA_CA_SECRET) ? { [EXTRA_CA_SECRET]: HOST_CA } : undefined,
        metadataFile,
      }),
      epoch: image.epoch,
      tmpDir: pp.namedContexts.lock,
      spec: pp,
      metadataFile,
    };
  });
  return { image, builds };
}

/** The first platform's build (tests that drive one docker invocation themselves). */
export function planBuild(o: BuildOptions): PlannedBuild {
  return planBuilds(o).builds[0];
}

function docker(args: string[], epoch: number, capture = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("docker", args, { stdio: ["ignore", capture ? "pipe" : 2, 2], env: { ...process.env, SOURCE_DATE_EPOCH: String(epoch) } });
    let out = "";
    child.stdout?.on("data", (d) => { out += d; });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`docker ${args.slice(0, 3).join(" ")} ... failed (exit ${code})`))));
  });
}

/** The manifest digest buildx wrote to its metadata file. */
export function metadataDigest(file: string): string {
  const digest = String((JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>)["containerimage.digest"] ?? "");
  if (!DIGEST_PATTERN.test(digest)) throw new Error(`docker buildx wrote no manifest digest to ${file}`);
  return digest;
}

export interface BuildResult {
  /** What image:build prints: the index tag when pushed, else the loaded `<name>:<tag>-<arch>`. */
  ref: string;
  /** The pushed index's digest (pushes only). */
  digest?: string;
  /** Per platform: tag and pushed manifest digest. */
  platforms: { platform: Platform; ref: string; digest?: string }[];
  spec: ImageSpec;
}

/**
 * Builds each platform (one at a time, progress on stderr) and, when pushing, joins them in
 * an index under the immutable tag with `docker buildx imagetools create`, exactly what
 * docker-build's Index does.
 */
export async function buildImage(o: BuildOptions): Promise<BuildResult> {
  const { image, builds } = planBuilds(o);
  const platforms: BuildResult["platforms"] = [];
  try {
    for (const b of builds) {
      process.stderr.write(`[image:build] ${b.spec.platforms[0]}: docker ${b.args.join(" ")}\n`);
      await docker(b.args, b.epoch);
      platforms.push({ platform: b.spec.platforms[0] as Platform, ref: b.ref, digest: o.push ? metadataDigest(b.metadataFile) : undefined });
    }
    if (!o.push) return { ref: builds[0].ref, platforms, spec: image };
    const indexRef = `${image.repo}:${image.tag}`;
    await docker(["buildx", "imagetools", "create", "--tag", indexRef, ...platforms.map((p) => `${image.repo}@${p.digest}`)], image.epoch);
    const digest = JSON.parse(await docker(["buildx", "imagetools", "inspect", indexRef, "--format", "{{json .Manifest.Digest}}"], image.epoch, true)) as string;
    return { ref: indexRef, digest, platforms, spec: image };
  } finally {
    fs.rmSync(path.dirname(builds[0].metadataFile), { recursive: true, force: true });
  }
}

/** Builds and resolves to the reference image:build prints. */
export async function runBuild(o: BuildOptions): Promise<string> {
  return (await buildImage(o)).ref;
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
