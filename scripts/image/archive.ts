/**
 * Reads a Debian archive the way apt does, but only what the resolve step needs: the signed
 * InRelease of a suite (verified with gpgv against the Debian archive keyring), then the
 * main/binary-<arch>/Packages.xz it lists (verified against the sha256 InRelease states).
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const DEFAULT_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg";

export interface SuiteSource {
  /** Archive base URL, e.g. http://deb.debian.org/debian */
  mirror: string;
  /** Suite name as in dists/, e.g. trixie-security */
  suite: string;
}

/** One binary package stanza, as much as the lock needs. */
export interface PackageStanza {
  package: string;
  version: string;
  architecture: string;
  filename: string;
  sha256: string;
  size: number;
  source?: string;
  depends?: string;
}

export function sha256(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

async function fetchBuffer(url: string): Promise<Buffer> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

/** Verifies an InRelease file with gpgv and returns the signed text (never the unsigned bytes). */
export function verifyInRelease(inRelease: Buffer, keyring: string, what: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "inrelease-"));
  try {
    const file = path.join(dir, "InRelease");
    fs.writeFileSync(file, inRelease);
    try {
      return execFileSync("gpgv", ["--quiet", "--keyring", keyring, "--output", "-", file], {
        stdio: ["ignore", "pipe", "pipe"],
        maxBuffer: 64 << 20,
      }).toString("utf8");
    } catch (e) {
      const err = e as { stderr?: Buffer };
      throw new Error(`${what}: InRelease signature verification failed against ${keyring}: ${err.stderr?.toString().trim() ?? e}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Parses the SHA256 section of a Release file: path -> {sha256, size}. */
export function parseReleaseSha256(release: string): Map<string, { sha256: string; size: number }> {
  const out = new Map<string, { sha256: string; size: number }>();
  let inSection = false;
  for (const line of release.split("\n")) {
    if (/^SHA256:/.test(line)) {
      inSection = true;
      continue;
    }
    if (inSection) {
      const m = /^ ([0-9a-f]{64})\s+([0-9]+)\s+(\S+)$/.exec(line);
      if (!m) {
        if (!line.startsWith(" ")) inSection = false;
        continue;
      }
      out.set(m[3], { sha256: m[1], size: Number(m[2]) });
    }
  }
  return out;
}

/** Parses deb822 stanzas of a Packages file, keeping only the wanted package names. */
export function parsePackages(text: string, wanted?: Set<string>): PackageStanza[] {
  const out: PackageStanza[] = [];
  for (const block of text.split(/\n\n+/)) {
    if (block.trim() === "") continue;
    const fields = new Map<string, string>();
    let last = "";
    for (const line of block.split("\n")) {
      if (line.startsWith(" ") || line.startsWith("\t")) {
        if (last) fields.set(last, `${fields.get(last)}\n${line}`);
        continue;
      }
      const colon = line.indexOf(":");
      if (colon <= 0) continue;
      last = line.slice(0, colon);
      fields.set(last, line.slice(colon + 1).trim());
    }
    const name = fields.get("Package");
    if (!name || (wanted && !wanted.has(name))) continue;
    out.push({
      package: name,
      version: fields.get("Version") ?? "",
      architecture: fields.get("Architecture") ?? "",
      filename: fields.get("Filename") ?? "",
      sha256: fields.get("SHA256") ?? "",
      size: Number(fields.get("Size") ?? "0"),
      source: fields.get("Source"),
      depends: fields.get("Depends"),
    });
  }
  return out;
}

export interface ReadOptions {
  keyring?: string;
  /** Directory caching Packages.xz by sha256 (content addressed, so never stale). */
  cacheDir?: string;
  log?: (msg: string) => void;
}

/**
 * Fetches one xz index of a suite (e.g. `main/binary-amd64/Packages.xz`,
 * `main/source/Sources.xz`) through the signed chain: the gpgv-verified InRelease states its
 * sha256, the download must match it. Returns the decompressed text.
 */
export async function readSignedIndex(src: SuiteSource, indexPath: string, opts: ReadOptions = {}): Promise<string> {
  const keyring = opts.keyring ?? DEFAULT_KEYRING;
  const base = src.mirror.replace(/\/+$/, "");
  const inReleaseUrl = `${base}/dists/${src.suite}/InRelease`;
  const release = verifyInRelease(await fetchBuffer(inReleaseUrl), keyring, inReleaseUrl);
  const expected = parseReleaseSha256(release).get(indexPath);
  if (!expected) throw new Error(`${inReleaseUrl} lists no sha256 for ${indexPath}`);
  let xz: Buffer | undefined;
  const cached = opts.cacheDir ? path.join(opts.cacheDir, `${expected.sha256}.xz`) : undefined;
  if (cached && fs.existsSync(cached)) xz = fs.readFileSync(cached);
  if (!xz || sha256(xz) !== expected.sha256) {
    const url = `${base}/dists/${src.suite}/${indexPath}`;
    opts.log?.(`fetching ${url}`);
    xz = await fetchBuffer(url);
    const got = sha256(xz);
    if (got !== expected.sha256) {
      throw new Error(`${url}: sha256 ${got} does not match ${expected.sha256} from the signed InRelease`);
    }
    if (cached) {
      fs.mkdirSync(path.dirname(cached), { recursive: true });
      fs.writeFileSync(cached, xz);
    }
  }
  return execFileSync("xz", ["-dc"], { input: xz, maxBuffer: 1 << 30 }).toString("utf8");
}

/** Fetches, verifies and parses one suite's main/binary-<arch> Packages index. */
export async function readPackages(src: SuiteSource, arch: string, wanted: Set<string>, opts: ReadOptions = {}): Promise<PackageStanza[]> {
  return parsePackages(await readSignedIndex(src, `main/binary-${arch}/Packages.xz`, opts), wanted);
}
