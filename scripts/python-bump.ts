// `npm run python:bump [-- --dry-run] [--api URL | --fixtures DIR] [--today YYYY-MM-DD]`
//
// Reads python.org's release data, picks the newest final patch release of every supported
// minor, and rewrites image/python-versions.json (deterministic formatting). It refuses to
// write a version whose sha256 it could not obtain (the entry keeps its old version, the
// command exits 2 naming the version), and it never refreshes a minor past end of life
// (it warns loudly instead; `pulumi up` keeps working with the frozen entry).
// The decisions are the pure functions in ./python-bump-lib.ts (tests: test/unit/pythonBump.test.ts).
import * as fs from "fs";
import * as path from "path";
import { readPythonVersions } from "../config/pythonVersions";
import {
    applyActions, BumpAction, decide, END_OF_LIFE, formatVersionsFile, isEndOfLife, newestPerMinor,
    PyOrgRelease, PyOrgReleaseFile, tarballChecksum, Upstream,
} from "./python-bump-lib";

const VERSIONS_FILE = path.join(__dirname, "..", "image", "python-versions.json");
const DEFAULT_API = "https://www.python.org/api/v2/downloads";

/** Where release data comes from: python.org's API, or a recorded copy (test/fixtures/python-org). */
export interface ReleaseSource {
    releases(): Promise<PyOrgRelease[]>;
    files(releaseId: number): Promise<PyOrgReleaseFile[]>;
}

export function apiSource(api: string): ReleaseSource {
    const getJson = async (url: string) => {
        const res = await fetch(url, { headers: { accept: "application/json" } });
        if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
        return res.json();
    };
    return {
        releases: () => getJson(`${api}/release/?is_published=true`) as Promise<PyOrgRelease[]>,
        files: (id) => getJson(`${api}/release_file/?release=${id}`) as Promise<PyOrgReleaseFile[]>,
    };
}

/** A directory with `releases.json` and `release_file-<id>.json`, recorded from the API. */
export function fixtureSource(dir: string): ReleaseSource {
    const read = (f: string) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"));
    return {
        releases: async () => read("releases.json"),
        files: async (id) => {
            const f = `release_file-${id}.json`;
            if (!fs.existsSync(path.join(dir, f))) throw new Error(`no recorded ${f}`);
            return read(f);
        },
    };
}

/** Upstream candidates with their checksums (undefined when none could be obtained). */
export async function collectUpstream(source: ReleaseSource, minors: string[], log: (m: string) => void): Promise<Upstream[]> {
    const newest = newestPerMinor(await source.releases(), minors);
    const out: Upstream[] = [];
    for (const c of newest.values()) {
        let checksum: Upstream["checksum"];
        try {
            const sum = tarballChecksum(await source.files(c.releaseId), c.version);
            if (sum) checksum = { ...sum, type: "python.org" };
        } catch (e) {
            log(`python:bump: release files of ${c.version} unavailable: ${e instanceof Error ? e.message : e}`);
        }
        out.push({ minor: c.minor, version: c.version, checksum });
    }
    return out;
}

export function describe(a: BumpAction): string {
    switch (a.kind) {
        case "update": return `${a.minor}: ${a.from ?? "(new)"} -> ${a.entry.version} (sha256 ${a.entry.sha256.slice(0, 12)}..., ${a.entry.checksumSource.type})`;
        case "keep": return `${a.minor}: keep ${a.version} (${a.reason})`;
        case "eol": return `WARNING: Python ${a.minor} is past end of life (${a.endOfLife}); ${a.version} is frozen and no longer refreshed. Move to a supported minor.`;
        case "refuse": return `ERROR: refusing Python ${a.version} (${a.minor}): ${a.reason}`;
    }
}

async function main(argv: string[]): Promise<number> {
    const arg = (name: string) => {
        const i = argv.indexOf(name);
        return i >= 0 ? argv[i + 1] : undefined;
    };
    const today = arg("--today") ?? new Date().toISOString().slice(0, 10);
    const fixtures = arg("--fixtures");
    const source = fixtures ? fixtureSource(fixtures) : apiSource(arg("--api") ?? DEFAULT_API);
    const file = readPythonVersions(VERSIONS_FILE, today).file;
    // Every minor we hold plus every minor with a known lifespan that is still supported.
    const minors = [...new Set([...file.pythons.map((p) => p.minor), ...Object.keys(END_OF_LIFE)])].filter(
        (m) => file.pythons.some((p) => p.minor === m) || !isEndOfLife({ endOfLife: END_OF_LIFE[m] }, today),
    );
    const upstream = await collectUpstream(source, minors, (m) => console.error(m));
    const actions = decide(file.pythons, upstream, today);
    for (const a of actions) (a.kind === "eol" || a.kind === "refuse" ? console.error : console.log)(describe(a));
    const text = formatVersionsFile(applyActions(file.pythons, actions));
    if (argv.includes("--dry-run")) process.stdout.write(text);
    else fs.writeFileSync(VERSIONS_FILE, text);
    return actions.some((a) => a.kind === "refuse") ? 2 : 0;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (e) => {
            console.error(`python:bump: ${e instanceof Error ? e.message : e}`);
            process.exit(1);
        },
    );
}
