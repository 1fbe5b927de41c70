// A loopback mirror laid out like https://www.python.org/ftp/python/ :
//   <root>/<version>/Python-<version>.tar.xz (+ .asc when Debian has it)
// filled from Debian's pool (the orig tarballs are python.org's tarballs byte for byte),
// every file checked against the sha256 Debian's signed chain gives (InRelease -> Sources.xz
// -> .dsc). Used by the upstream-flavour tests and by hand:
//   npm run --silent python:mirror -- [--port 8765] [--root DIR]   (serves until killed)
import { createHash } from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { listenLoopback } from "./lib/loopback";
import { debianPythonSources } from "./python-debian-checksums";
import { compareVersions } from "./python-bump-lib";

const ROOT = path.resolve(__dirname, "..");
export const DEFAULT_MIRROR_ROOT = path.join(ROOT, "node_modules/.cache/python-mirror");

export interface MirrorEntry {
    version: string;
    sha256: string;
    /** Debian pool URL of python3.X_<version>.orig.tar.xz */
    origUrl: string;
    suite: string;
}

/**
 * What the mirror can serve: trixie's 3.13 (stays in the pool for trixie's life, so CI never
 * breaks when sid moves on) and the newest 3.14 sid carries, when its pool file is served.
 */
export async function debianMirrorEntries(): Promise<MirrorEntry[]> {
    const sources = await debianPythonSources({
        mirror: "http://deb.debian.org/debian",
        securityMirror: "http://deb.debian.org/debian-security",
        suites: ["debian:trixie", "debian:sid"],
    });
    const entry = (s: (typeof sources)[number]): MirrorEntry => ({
        version: s.version, sha256: s.orig.sha256, origUrl: `${s.directory}/${s.orig.name}`, suite: s.suite,
    });
    const out: MirrorEntry[] = [];
    const trixie = sources.find((s) => s.suite === "trixie" && s.minor === "3.13");
    if (trixie) out.push(entry(trixie));
    const sid314 = sources.filter((s) => s.suite === "sid" && s.minor === "3.14").sort((a, b) => compareVersions(b.version, a.version));
    for (const s of sid314) {
        const head = await fetch(`${s.directory}/${s.orig.name}`, { method: "HEAD" });
        if (head.ok) {
            out.push(entry(s));
            break;
        }
    }
    return out;
}

const sha256File = (f: string) => createHash("sha256").update(fs.readFileSync(f)).digest("hex");

/** Downloads (once) each entry into `root`, verifying the sha256; returns the versions present. */
export async function fillMirror(root: string, entries: MirrorEntry[], log: (m: string) => void = () => undefined): Promise<string[]> {
    const present: string[] = [];
    for (const e of entries) {
        const dir = path.join(root, e.version);
        const file = path.join(dir, `Python-${e.version}.tar.xz`);
        fs.mkdirSync(dir, { recursive: true });
        if (!fs.existsSync(file) || sha256File(file) !== e.sha256) {
            log(`python-mirror: fetching ${e.origUrl}`);
            const res = await fetch(e.origUrl);
            if (!res.ok) {
                log(`python-mirror: ${e.origUrl}: HTTP ${res.status}, ${e.version} not served`);
                continue;
            }
            fs.writeFileSync(`${file}.part`, Buffer.from(await res.arrayBuffer()));
            const got = sha256File(`${file}.part`);
            if (got !== e.sha256) throw new Error(`${e.origUrl}: sha256 ${got}, Debian's .dsc says ${e.sha256}`);
            fs.renameSync(`${file}.part`, file);
            const asc = await fetch(`${e.origUrl}.asc`);
            if (asc.ok) fs.writeFileSync(`${file}.asc`, Buffer.from(await asc.arrayBuffer()));
        }
        present.push(e.version);
    }
    return present;
}

/** Copies a mirror with one tarball altered (one byte flipped in the middle): for negative tests. */
export function tamperedCopy(root: string, version: string, dest: string): string {
    const src = path.join(root, version, `Python-${version}.tar.xz`);
    const dir = path.join(dest, version);
    fs.mkdirSync(dir, { recursive: true });
    const buf = fs.readFileSync(src);
    buf[buf.length >> 1] ^= 0xff;
    const out = path.join(dir, `Python-${version}.tar.xz`);
    fs.writeFileSync(out, buf);
    return sha256File(out);
}

export interface RunningMirror {
    url: string;
    close(): Promise<void>;
}

/** Serves `root` read-only on 127.0.0.1 (port 0: any free port). */
export function serveMirror(root: string, port = 0): Promise<RunningMirror> {
    const server = http.createServer((req, res) => {
        const rel = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
        const file = path.join(root, path.normalize(rel));
        if (!file.startsWith(path.resolve(root) + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
            res.writeHead(404).end();
            return;
        }
        res.writeHead(200, { "content-length": fs.statSync(file).size, "content-type": "application/octet-stream" });
        if (req.method === "HEAD") res.end();
        else fs.createReadStream(file).pipe(res);
    });
    return listenLoopback(server, port);
}

/**
 * The mirror on the port the upstream tests share (the mirror URL is a build arg: one URL, one
 * BuildKit cache). Where another test already serves the mirror on that port, its server is
 * used, as long as it serves `version`'s tarball.
 */
export async function sharedMirror(version: string, port = Number(process.env.PYTHON_MIRROR_PORT ?? 8765)): Promise<RunningMirror> {
    try {
        return await serveMirror(DEFAULT_MIRROR_ROOT, port);
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EADDRINUSE") throw e;
        const url = `http://127.0.0.1:${port}`;
        const served = await fetch(`${url}/${version}/Python-${version}.tar.xz`, { method: "HEAD" }).then((r) => r.ok, () => false);
        if (!served) throw new Error(`port ${port} is in use by something that does not serve the python.org mirror (no ${version} tarball); set PYTHON_MIRROR_PORT`);
        process.stderr.write(`the python.org mirror is already served on ${url}: using it\n`);
        return { url, close: () => Promise.resolve() };
    }
}

if (require.main === module) {
    (async () => {
        const argv = process.argv.slice(2);
        const arg = (n: string) => (argv.indexOf(n) >= 0 ? argv[argv.indexOf(n) + 1] : undefined);
        const root = path.resolve(arg("--root") ?? DEFAULT_MIRROR_ROOT);
        const entries = await debianMirrorEntries();
        const present = await fillMirror(root, entries, (m) => console.error(m));
        const m = await serveMirror(root, Number(arg("--port") ?? 8765));
        for (const e of entries.filter((x) => present.includes(x.version))) console.error(`${m.url}/${e.version}/Python-${e.version}.tar.xz sha256 ${e.sha256} (${e.suite})`);
        console.log(m.url);
    })().catch((e) => {
        console.error(`python-mirror: ${e instanceof Error ? e.message : e}`);
        process.exit(1);
    });
}
