/**
 * Small helpers the container checks share: run docker, run Python inside an image without a
 * shell, read an image's layers. Every check throws an Error whose message says what failed.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function docker(args: string[], opts: { input?: string; allowFail?: boolean; timeoutMs?: number } = {}): RunResult {
  const r = spawnSync("docker", args, { input: opts.input, encoding: "utf8", maxBuffer: 256 << 20, timeout: opts.timeoutMs ?? 600_000 });
  const res = { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? String(r.error ?? "") };
  if (!opts.allowFail && res.code !== 0) {
    throw new Error(`docker ${args.join(" ")} exited ${res.code}:\n${res.stderr.slice(-2000)}${res.stdout.slice(-2000)}`);
  }
  return res;
}

/** The hardened flags every runtime check uses unless it needs otherwise. */
export const HARDENED = ["--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--network", "none", "--user", "65532:65532"];

/** Runs `python3 -c CODE` through the image's entrypoint (no shell involved). */
export function python(image: string, code: string, opts: { flags?: string[]; allowFail?: boolean; platform?: string } = {}): RunResult {
  const flags = opts.flags ?? HARDENED;
  const platform = opts.platform ? ["--platform", opts.platform] : [];
  return docker(["run", "--rm", ...platform, ...flags, image, "-c", code], { allowFail: opts.allowFail });
}

export function pyScript(name: string): string {
  return fs.readFileSync(path.join(__dirname, "py", name), "utf8");
}

export function expect(cond: boolean, msg: string): void {
  if (!cond) throw new Error(msg);
}

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface ImageLayer {
  digest: string;
  file: string;
}

/**
 * Saves IMAGE as an OCI layout (docker save) into DIR and returns its layer blobs in order
 * (the single-platform manifest, following a nested index if there is one).
 */
export function saveLayers(image: string, dir: string): ImageLayer[] {
  const tar = path.join(dir, "image.tar");
  docker(["save", "-o", tar, image]);
  const out = path.join(dir, "oci");
  fs.mkdirSync(out);
  const x = spawnSync("tar", ["-xf", tar, "-C", out]);
  if (x.status !== 0) throw new Error(`tar -xf ${tar}: ${x.stderr}`);
  fs.rmSync(tar);
  const blob = (digest: string): string => path.join(out, "blobs", ...digest.split(":"));
  type Desc = { mediaType: string; digest: string; platform?: { architecture: string } };
  let manifest: { manifests?: Desc[]; layers?: Desc[] } = JSON.parse(fs.readFileSync(path.join(out, "index.json"), "utf8"));
  for (let depth = 0; manifest.manifests && depth < 4; depth++) {
    const candidates = manifest.manifests.filter((m) => !m.platform || m.platform.architecture !== "unknown");
    if (candidates.length === 0) throw new Error(`${image}: no manifest in the saved index`);
    manifest = JSON.parse(fs.readFileSync(blob(candidates[0].digest), "utf8"));
  }
  return (manifest.layers ?? []).map((l) => ({ digest: l.digest, file: blob(l.digest) }));
}

export interface TarEntry {
  mode: string;
  name: string;
  link?: string;
}

/** Lists a (possibly gzip'd) layer tarball: permission string and path of every entry. */
export function listLayer(file: string): TarEntry[] {
  const r = spawnSync("tar", ["-tvf", file], { encoding: "utf8", maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`tar -tvf ${file}: ${r.stderr}`);
  return r.stdout.split("\n").filter(Boolean).map((line) => {
    // -rwxr-xr-x 0/0   12345 2025-01-01 00:00 usr/bin/python3.13 [-> target]
    const m = /^(\S+)\s+\S+\s+\S+\s+\S+\s+\S+\s+(.*)$/.exec(line);
    if (!m) return { mode: "", name: line };
    const [name, link] = m[2].split(/ -> | link to /);
    return { mode: m[1], name: name.replace(/^\.\//, ""), link };
  });
}

/**
 * Every entry of every layer of IMAGE, with the layer it came from: what the layer checks
 * inspect, since a file deleted in a later layer still ships in an earlier one.
 */
export function layerEntries(image: string): { layer: ImageLayer; entry: TarEntry }[] {
  const dir = tmpDir("layers-");
  try {
    return saveLayers(image, dir).flatMap((layer) => listLayer(layer.file).map((entry) => ({ layer, entry })));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Exports the image's filesystem (docker create + export) into a fresh directory. */
export function exportRootfs(image: string, platform?: string): string {
  const dir = tmpDir("rootfs-");
  const id = docker(["create", ...(platform ? ["--platform", platform] : []), image]).stdout.trim();
  try {
    const tar = path.join(dir, "..", `${path.basename(dir)}.tar`);
    docker(["export", "-o", tar, id]);
    const x = spawnSync("tar", ["-xf", tar, "-C", dir, "--no-same-owner"]);
    fs.rmSync(tar);
    if (x.status !== 0) throw new Error(`tar -xf: ${x.stderr}`);
  } finally {
    docker(["rm", id], { allowFail: true });
  }
  return dir;
}

export function imageLabels(image: string): Record<string, string> {
  return JSON.parse(docker(["image", "inspect", image, "--format", "{{json .Config.Labels}}"]).stdout) ?? {};
}
