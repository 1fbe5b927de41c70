// Test infrastructure: a loopback Debian mirror frozen at first sight. Every file (signed
// InRelease, Packages indexes, by-hash files, pool .debs) is fetched from the real archive
// once, stored, and served from the store ever after, so the archive cannot move under a
// test: a run after "no change" really sees no change, even when Debian publishes a
// security update meanwhile. Signatures stay Debian's (nothing is re-signed), so apt and the
// resolve step verify them as usual.
//   npm run --silent debian:mirror -- [--port 8766] [--root DIR]   (serves until killed)
// URL layout: <url>/debian/... -> deb.debian.org/debian, <url>/debian-security/... -> deb.debian.org/debian-security.
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { listenLoopback } from "./lib/loopback";
import { parseArgs } from "node:util";

const ROOT = path.resolve(__dirname, "..");
export const DEFAULT_DEBIAN_MIRROR_ROOT = path.join(ROOT, "node_modules/.cache/debian-mirror");
const UPSTREAMS: Record<string, string> = {
    debian: "http://deb.debian.org/debian",
    "debian-security": "http://deb.debian.org/debian-security",
};

export interface RunningDebianMirror {
    /** `http://127.0.0.1:<port>`; the archives are `<url>/debian` and `<url>/debian-security`. */
    url: string;
    close(): Promise<void>;
}

/** Serves the frozen mirror on 127.0.0.1 (port 0: any free port). */
export function serveDebianMirror(root: string, port = 0): Promise<RunningDebianMirror> {
    const inflight = new Map<string, Promise<boolean>>();
    const fetchOnce = (rel: string, file: string): Promise<boolean> => {
        let p = inflight.get(rel);
        if (!p) {
            p = (async () => {
                const [archive, ...rest] = rel.split("/");
                const upstream = UPSTREAMS[archive];
                if (!upstream) return false;
                const res = await fetch(`${upstream}/${rest.join("/")}`);
                if (!res.ok) return false;
                fs.mkdirSync(path.dirname(file), { recursive: true });
                const tmp = `${file}.part-${process.pid}`;
                fs.writeFileSync(tmp, Buffer.from(await res.arrayBuffer()));
                fs.renameSync(tmp, file);
                return true;
            })().finally(() => inflight.delete(rel));
            inflight.set(rel, p);
        }
        return p;
    };
    const server = http.createServer((req, res) => {
        const rel = path.posix.normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)).replace(/^\/+/, "");
        const file = path.join(root, rel);
        if (rel.includes("..") || !file.startsWith(path.resolve(root) + path.sep)) {
            res.writeHead(404).end();
            return;
        }
        const send = () => {
            const size = fs.statSync(file).size;
            res.writeHead(200, { "content-length": size, "content-type": "application/octet-stream" });
            if (req.method === "HEAD") res.end();
            else fs.createReadStream(file).pipe(res);
        };
        if (fs.existsSync(file) && fs.statSync(file).isFile()) {
            send();
            return;
        }
        fetchOnce(rel, file).then((ok) => (ok ? send() : res.writeHead(404).end()), () => res.writeHead(502).end());
    });
    return listenLoopback(server, port);
}

if (require.main === module) {
    const { values } = parseArgs({ options: { port: { type: "string", default: "8766" }, root: { type: "string" } } });
    serveDebianMirror(path.resolve(values.root ?? DEFAULT_DEBIAN_MIRROR_ROOT), Number(values.port)).then((m) => {
        console.error(`debian:mirror: ${m.url}/debian and ${m.url}/debian-security, frozen at first fetch under ${values.root ?? DEFAULT_DEBIAN_MIRROR_ROOT}`);
        console.log(m.url);
    }, (e: Error) => {
        console.error(`debian:mirror: ${e.message}`);
        process.exit(1);
    });
}
