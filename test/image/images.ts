/**
 * Builds images for the image and app tests, once per option set (memoized for the whole
 * mocha run), through exactly the code path of `npm run image:build`.
 *
 *   const ref = await builtImage({ python: "3.13", flavor: "debian", variant: "builder" });
 *
 * Env: IMAGE_TEST_NO_CACHE=1 builds with --no-cache.
 */
import { parseBuildArgs, runBuild } from "../../scripts/image-build";

export interface BuiltImageOptions {
  /** Python minor. Default "3.13". */
  python?: string;
  /** "debian" (default) or "upstream" (once issue 4 wires it). */
  flavor?: "debian" | "upstream";
  /** Dockerfile target. Default "runtime". */
  variant?: "runtime" | "debug" | "builder";
  /** linux/amd64 (default) or linux/arm64. */
  platform?: string;
  /** Upstream flavour only: no PGO/LTO (`--fast`). Ignored for debian. */
  fast?: boolean;
  /** Another lock file (negative tests). */
  lock?: string;
  /** Extra build args (e.g. TRIM=0 for the benchmark's baseline). */
  buildArgs?: Record<string, string>;
  /** --no-cache. */
  noCache?: boolean;
  /** Image name override. */
  name?: string;
}

const memo = new Map<string, Promise<string>>();

/** The argv `image:build` would get for these options. */
export function buildArgv(o: BuiltImageOptions): string[] {
  const flavor = o.flavor ?? "debian";
  const argv = ["--python", o.python ?? "3.13", "--flavor", flavor, "--variant", o.variant ?? "runtime", "--platform", o.platform ?? "linux/amd64"];
  if (o.fast && flavor === "upstream") argv.push("--fast");
  if (o.lock) argv.push("--lock", o.lock);
  if (o.name) argv.push("--name", o.name);
  if (o.noCache || process.env.IMAGE_TEST_NO_CACHE === "1") argv.push("--no-cache");
  for (const [k, v] of Object.entries(o.buildArgs ?? {})) argv.push("--build-arg", `${k}=${v}`);
  return argv;
}

/** Builds (once) and returns the image reference `image:build` printed. */
export function builtImage(o: BuiltImageOptions = {}): Promise<string> {
  const argv = buildArgv(o);
  const key = argv.join("\0");
  let p = memo.get(key);
  if (!p) {
    p = runBuild(parseBuildArgs(argv));
    memo.set(key, p);
    // A failed build is not cached: the next caller retries and sees the error itself.
    p.catch(() => memo.delete(key));
  }
  return p;
}

/** Builds without memoizing (reproducibility and negative tests). */
export function buildOnce(o: BuiltImageOptions): Promise<string> {
  return runBuild(parseBuildArgs(buildArgv(o)));
}
