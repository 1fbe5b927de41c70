// `npm run --silent python:debian-checksums [-- --write] [--mirror URL] [--suites a,b]`
//
// python.org is unreachable from the build machines, but Debian's orig tarballs are
// python.org's `Python-<v>.tar.xz` byte for byte. This derives each minor's newest final
// release and the tarball's sha256 from Debian through the signed chain only:
//   InRelease (gpgv against debian-archive-keyring) -> SHA256 of main/source/Sources.xz
//   -> the source stanza's .dsc checksum -> the .dsc (checked) -> its orig.tar.xz checksum.
// It prints one JSON line per minor; `--write` merges newer versions into
// image/python-versions.json with checksumSource.type "debian-dsc" (never downgrades,
// never touches an end-of-life minor).
import * as fs from "fs";
import * as path from "path";
import {
    applyActions, clearsignedBody, compareVersions, decide, DebianSource, formatVersionsFile, PythonVersionsFile,
    parseChecksums, parseControl, pythonSourcesFromIndex, Upstream,
} from "./python-bump-lib";
import { readSignedIndex, sha256 } from "./image/archive";

const VERSIONS_FILE = path.join(__dirname, "..", "image", "python-versions.json");

// Suites that can carry a CPython minor: sid/forky for the newest upstream, trixie and
// bookworm (with security) for what stable releases pin.
const DEFAULT_SUITES = [
    "debian:sid", "debian:forky", "debian:trixie", "debian:trixie-updates", "debian-security:trixie-security",
    "debian:bookworm", "debian-security:bookworm-security",
];

export async function debianPythonSources(opts: { mirror: string; securityMirror: string; suites: string[]; keyring?: string }): Promise<Array<DebianSource & { source: string }>> {
    const all: Array<DebianSource & { source: string }> = [];
    for (const spec of opts.suites) {
        const [archive, suite] = spec.split(":");
        const base = archive === "debian-security" ? opts.securityMirror : opts.mirror;
        const text = await readSignedIndex({ mirror: base, suite }, "main/source/Sources.xz", { keyring: opts.keyring });
        for (const src of pythonSourcesFromIndex(text, suite)) {
            // The Sources.xz stanza (covered by the InRelease signature) already carries the
            // .dsc's orig checksum. We still read the .dsc when the pool has it and require
            // agreement; some mirrors index versions whose pool files are not (yet) served.
            const dscUrl = `${base}/${src.directory}/${src.dsc.name}`;
            const res = await fetch(dscUrl);
            let source = `${base}/dists/${suite}/main/source/Sources.xz#${src.dsc.name}`;
            if (res.ok) {
                const dsc = Buffer.from(await res.arrayBuffer());
                if (sha256(dsc) !== src.dsc.sha256) {
                    throw new Error(`${src.dsc.name}: sha256 ${sha256(dsc)} != Sources.xz ${src.dsc.sha256}`);
                }
                const dscSums = parseChecksums(parseControl(clearsignedBody(dsc.toString()))[0]?.["Checksums-Sha256"]);
                const inDsc = dscSums.get(src.orig.name)?.sha256;
                if (inDsc !== src.orig.sha256) throw new Error(`${src.dsc.name}: orig sha256 ${inDsc} != Sources.xz ${src.orig.sha256}`);
                source = dscUrl;
            } else if (res.status !== 404) {
                throw new Error(`GET ${dscUrl}: HTTP ${res.status}`);
            }
            all.push({ ...src, directory: `${base}/${src.directory}`, source });
        }
    }
    return all;
}

/** Newest version per minor (ties: the first suite listed wins). */
export function newestDebianPerMinor<T extends DebianSource>(sources: T[]): T[] {
    const best = new Map<string, T>();
    for (const s of sources) {
        const cur = best.get(s.minor);
        if (!cur || compareVersions(s.version, cur.version) > 0) best.set(s.minor, s);
    }
    return [...best.values()].sort((a, b) => compareVersions(`${a.minor}.0`, `${b.minor}.0`));
}

async function main(argv: string[]): Promise<void> {
    const arg = (name: string) => {
        const i = argv.indexOf(name);
        return i >= 0 ? argv[i + 1] : undefined;
    };
    const mirror = arg("--mirror") ?? "http://deb.debian.org/debian";
    const securityMirror = arg("--security-mirror") ?? "http://deb.debian.org/debian-security";
    const suites = arg("--suites")?.split(",") ?? DEFAULT_SUITES;
    const sources = await debianPythonSources({ mirror, securityMirror, suites });
    const newest = newestDebianPerMinor(sources);
    for (const s of sources) {
        console.log(JSON.stringify({ minor: s.minor, version: s.version, debianVersion: s.debianVersion, suite: s.suite, sha256: s.orig.sha256, dsc: s.source }));
    }
    if (!argv.includes("--write")) return;
    const file: PythonVersionsFile = fs.existsSync(VERSIONS_FILE)
        ? JSON.parse(fs.readFileSync(VERSIONS_FILE, "utf8"))
        : { schemaVersion: 1, pythons: [] };
    const upstream: Upstream[] = newest.map((s) => ({
        minor: s.minor,
        version: s.version,
        checksum: { sha256: s.orig.sha256, type: "debian-dsc", url: s.source },
    }));
    const today = new Date().toISOString().slice(0, 10);
    const actions = decide(file.pythons, upstream, today);
    for (const a of actions) console.error(`${a.minor}: ${a.kind}${a.kind === "update" ? ` ${a.from ?? "-"} -> ${a.entry.version}` : ` ${a.version}`}`);
    fs.writeFileSync(VERSIONS_FILE, formatVersionsFile(applyActions(file.pythons, actions)));
}

if (require.main === module) {
    main(process.argv.slice(2)).catch((e) => {
        console.error(`python-debian-checksums: ${e instanceof Error ? e.message : e}`);
        process.exit(1);
    });
}
