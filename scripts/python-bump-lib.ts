// Pure decision functions behind `npm run python:bump` and `scripts/python-debian-checksums.ts`.
// No I/O here: the entry points fetch, these functions parse and decide, the unit tests
// (test/unit/pythonBump.test.ts) drive them with recorded python.org and Debian data.

import type { PythonRelease, PythonVersionsFile } from "../config/pythonVersions";

/** One entry of image/python-versions.json (schema and validator: config/pythonVersions.ts). */
export type PythonEntry = PythonRelease;
export type { PythonVersionsFile };

/**
 * End of life per minor, from each release's PEP (the "Lifespan" section: five years after
 * x.y.0, ending with the last security release in October). Used for minors the file does
 * not hold yet; an entry already in the file keeps its own date.
 */
export const END_OF_LIFE: Readonly<Record<string, string>> = {
    "3.11": "2027-10-31", // PEP 664
    "3.12": "2028-10-31", // PEP 693
    "3.13": "2029-10-31", // PEP 719
    "3.14": "2030-10-31", // PEP 745
    "3.15": "2031-10-31", // PEP 790
};

const FINAL = /^(\d+)\.(\d+)\.(\d+)$/;
const HEX64 = /^[0-9a-f]{64}$/;

/** "3.13.5" -> [3, 13, 5]; undefined for pre-releases ("3.15.0rc1") and garbage. */
export function parseFinalVersion(v: string): [number, number, number] | undefined {
    const m = FINAL.exec(v);
    return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

export function minorOf(version: string): string {
    const p = parseFinalVersion(version);
    if (!p) throw new Error(`not a final CPython release: "${version}"`);
    return `${p[0]}.${p[1]}`;
}

/** Numeric comparison of final versions (3.13.10 > 3.13.9). */
export function compareVersions(a: string, b: string): number {
    const pa = parseFinalVersion(a), pb = parseFinalVersion(b);
    if (!pa || !pb) throw new Error(`cannot compare "${a}" and "${b}"`);
    for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
    return 0;
}

export function isSha256(s: unknown): s is string {
    return typeof s === "string" && HEX64.test(s);
}

/** Past end of life on `today` (ISO date): the day after `endOfLife`. */
export function isEndOfLife(entry: Pick<PythonEntry, "endOfLife">, today: string): boolean {
    return today > entry.endOfLife;
}

// ---------------------------------------------------------------------------------------
// python.org release data
//
// https://www.python.org/api/v2/downloads/release/?is_published=true returns a JSON array of
// releases: { name: "Python 3.13.5", slug, version: 3 (the major!), is_published,
// is_latest, release_date, pre_release, release_page, release_notes_url, show_on_download_page,
// resource_uri: "https://www.python.org/api/v2/downloads/release/1018/" }.
// https://www.python.org/api/v2/downloads/release_file/?release=1018 returns that release's
// files: { name: "XZ compressed source tarball", os: ".../os/3/", release: ".../release/1018/",
// url: "https://www.python.org/ftp/python/3.13.5/Python-3.13.5.tar.xz", gpg_signature_file,
// sigstore_bundle_file, md5_sum, sha256_sum (empty for releases before 2024), filesize, ... }.

export interface PyOrgRelease {
    name: string;
    is_published: boolean;
    pre_release: boolean;
    release_date: string | null;
    resource_uri: string;
}

export interface PyOrgReleaseFile {
    name: string;
    url: string;
    sha256_sum?: string | null;
    md5_sum?: string | null;
    gpg_signature_file?: string | null;
    sigstore_bundle_file?: string | null;
}

/** "Python 3.13.5" -> "3.13.5"; undefined for pre-releases and names we do not understand. */
export function versionFromReleaseName(name: string): string | undefined {
    const m = /^Python (\S+)$/.exec(name.trim());
    return m && parseFinalVersion(m[1]) ? m[1] : undefined;
}

/** "https://www.python.org/api/v2/downloads/release/1018/" -> 1018. */
export function releaseIdFromUri(uri: string): number {
    const m = /\/release\/(\d+)\/?$/.exec(uri);
    if (!m) throw new Error(`unexpected release resource_uri: "${uri}"`);
    return Number(m[1]);
}

export interface Candidate {
    minor: string;
    version: string;
    releaseId: number;
}

/** The newest published final release per minor among `minors`. */
export function newestPerMinor(releases: PyOrgRelease[], minors: string[]): Map<string, Candidate> {
    const out = new Map<string, Candidate>();
    for (const r of releases) {
        if (!r.is_published || r.pre_release) continue;
        const version = versionFromReleaseName(r.name);
        if (!version) continue;
        const minor = minorOf(version);
        if (!minors.includes(minor)) continue;
        const cur = out.get(minor);
        if (!cur || compareVersions(version, cur.version) > 0) {
            out.set(minor, { minor, version, releaseId: releaseIdFromUri(r.resource_uri) });
        }
    }
    return out;
}

/** sha256 of `Python-<version>.tar.xz` from a release's files, or undefined if python.org has none. */
export function tarballChecksum(files: PyOrgReleaseFile[], version: string): { sha256: string; url: string } | undefined {
    const want = `/ftp/python/${version}/Python-${version}.tar.xz`;
    const f = files.find((x) => x.url.endsWith(want));
    if (!f) return undefined;
    const sha = (f.sha256_sum ?? "").trim().toLowerCase();
    return isSha256(sha) ? { sha256: sha, url: f.url } : undefined;
}

// ---------------------------------------------------------------------------------------
// The bump decision

export type BumpAction =
    | { kind: "keep"; minor: string; version: string; reason: string }
    | { kind: "update"; minor: string; from: string | undefined; entry: PythonEntry }
    | { kind: "eol"; minor: string; version: string; endOfLife: string }
    | { kind: "refuse"; minor: string; version: string; reason: string };

export interface Upstream {
    minor: string;
    version: string;
    /** undefined when no checksum could be obtained for this version */
    checksum?: { sha256: string; url: string; type: PythonEntry["checksumSource"]["type"] };
}

/**
 * Decide, per minor, what the bump does. Rules:
 * - a minor past end of life is frozen: never refreshed, reported loudly (`eol`);
 * - a newer upstream version with a checksum replaces the entry (`update`);
 * - a newer upstream version WITHOUT a checksum is refused (`refuse`): the entry stays;
 * - an upstream version that is not newer keeps the entry (never downgrades).
 */
export function decide(current: PythonEntry[], upstream: Upstream[], today: string): BumpAction[] {
    const minors = [...new Set([...current.map((e) => e.minor), ...upstream.map((u) => u.minor)])].sort(
        (a, b) => compareVersions(`${a}.0`, `${b}.0`),
    );
    return minors.map((minor): BumpAction => {
        const cur = current.find((e) => e.minor === minor);
        const up = upstream.find((u) => u.minor === minor);
        const endOfLife = cur?.endOfLife ?? END_OF_LIFE[minor];
        if (cur && isEndOfLife(cur, today)) {
            return { kind: "eol", minor, version: cur.version, endOfLife: cur.endOfLife };
        }
        if (!up) return { kind: "keep", minor, version: cur!.version, reason: "no upstream release found" };
        if (cur && compareVersions(up.version, cur.version) <= 0) {
            return { kind: "keep", minor, version: cur.version, reason: `newest upstream is ${up.version}` };
        }
        if (!up.checksum) {
            return {
                kind: "refuse",
                minor,
                version: up.version,
                reason: `no sha256 for Python-${up.version}.tar.xz could be obtained; keeping ${cur?.version ?? "nothing"}`,
            };
        }
        if (!endOfLife) {
            return { kind: "refuse", minor, version: up.version, reason: `no end-of-life date known for ${minor}` };
        }
        return {
            kind: "update",
            minor,
            from: cur?.version,
            entry: {
                minor,
                version: up.version,
                sha256: up.checksum.sha256,
                checksumSource: { type: up.checksum.type, url: up.checksum.url },
                endOfLife,
            },
        };
    });
}

/** Apply decisions: entries for kept/eol/refused minors are left exactly as they were. */
export function applyActions(current: PythonEntry[], actions: BumpAction[]): PythonEntry[] {
    const byMinor = new Map(current.map((e) => [e.minor, e] as const));
    for (const a of actions) if (a.kind === "update") byMinor.set(a.minor, a.entry);
    return [...byMinor.values()].sort((a, b) => compareVersions(`${a.minor}.0`, `${b.minor}.0`));
}

/** Deterministic formatting: fixed key order, two-space indent, trailing newline. */
export function formatVersionsFile(pythons: PythonEntry[]): string {
    const ordered = pythons.map((e) => ({
        minor: e.minor,
        version: e.version,
        sha256: e.sha256,
        checksumSource: { type: e.checksumSource.type, url: e.checksumSource.url },
        endOfLife: e.endOfLife,
    }));
    return JSON.stringify({ schemaVersion: 1, pythons: ordered }, null, 2) + "\n";
}

// ---------------------------------------------------------------------------------------
// Debian: InRelease -> Sources.xz -> .dsc

/** Debian control-file stanzas (RFC822-like; continuation lines start with a space). */
export function parseControl(text: string): Array<Record<string, string>> {
    const out: Array<Record<string, string>> = [];
    for (const block of text.split(/\n\s*\n/)) {
        const rec: Record<string, string> = {};
        let key: string | undefined;
        for (const line of block.split("\n")) {
            if (/^[ \t]/.test(line) && key) rec[key] += "\n" + line.trim();
            else {
                const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
                if (m) {
                    key = m[1];
                    rec[key] = m[2];
                }
            }
        }
        if (Object.keys(rec).length) out.push(rec);
    }
    return out;
}

/** A `Checksums-Sha256:`/`SHA256:` field -> filename -> { sha256, size }. */
export function parseChecksums(field: string | undefined): Map<string, { sha256: string; size: number }> {
    const out = new Map<string, { sha256: string; size: number }>();
    for (const line of (field ?? "").split("\n")) {
        const m = /^([0-9a-f]{64})\s+(\d+)\s+(\S+)$/.exec(line.trim());
        if (m) out.set(m[3], { sha256: m[1], size: Number(m[2]) });
    }
    return out;
}

/** Debian version "3.13.18-1" / "3.11.2-6+deb12u9" -> upstream "3.13.18"; undefined for "~rc". */
export function upstreamOfDebianVersion(v: string): string | undefined {
    const noEpoch = v.replace(/^\d+:/, "");
    const upstream = noEpoch.replace(/-[^-]*$/, "");
    return parseFinalVersion(upstream) ? upstream : undefined;
}

export interface DebianSource {
    minor: string;
    version: string;
    debianVersion: string;
    suite: string;
    directory: string;
    dsc: { name: string; sha256: string };
    orig: { name: string; sha256: string };
}

/** python3.X source packages in one Sources index whose orig tarball is listed. */
export function pythonSourcesFromIndex(sourcesText: string, suite: string): DebianSource[] {
    const out: DebianSource[] = [];
    for (const st of parseControl(sourcesText)) {
        const m = /^python(3\.\d+)$/.exec(st["Package"] ?? "");
        if (!m) continue;
        const version = upstreamOfDebianVersion(st["Version"] ?? "");
        if (!version || minorOf(version) !== m[1]) continue;
        const sums = parseChecksums(st["Checksums-Sha256"]);
        const origName = `python${m[1]}_${version}.orig.tar.xz`;
        const orig = sums.get(origName);
        const dscName = [...sums.keys()].find((n) => n.endsWith(".dsc"));
        if (!orig || !dscName) continue;
        out.push({
            minor: m[1],
            version,
            debianVersion: st["Version"],
            suite,
            directory: st["Directory"],
            dsc: { name: dscName, sha256: sums.get(dscName)!.sha256 },
            orig: { name: origName, sha256: orig.sha256 },
        });
    }
    return out;
}

/** The signed body of a clear-signed text (.dsc, InRelease); plain text passes through. */
export function clearsignedBody(text: string): string {
    const m = /-----BEGIN PGP SIGNED MESSAGE-----\n(?:[^\n]+\n)*\n([\s\S]*?)\n-----BEGIN PGP SIGNATURE-----/.exec(text);
    return m ? m[1].replace(/^- /gm, "") : text;
}

