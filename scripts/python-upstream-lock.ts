// `npm run python:lock -- --python 3.13 [--mirror URL] [--arch amd64,arm64]`
//
// Writes image/locks/upstream-<minor>.json: the Debian packages of image/packages/upstream.json
// resolved by the image's own resolve step (`image:resolve` with that list), plus the CPython
// release from image/python-versions.json (version, sha256, source URL) and the set of
// Debian library packages this CPython must link against (the list's "cpython" entries for
// this minor). The cpython-upstream build stage computes that set from its ELF files and
// fails unless it is equal.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readPythonVersions, selectPythonReleases } from "../config/pythonVersions";
import { compareVersions } from "./python-bump-lib";

const ROOT = path.resolve(__dirname, "..");

interface ListEntry { name: string; why: string; cpython?: boolean | string }

/** The list's CPython libraries for `minor`: `true`, or ">=X.Y" when X.Y <= minor. */
export function cpythonLibraries(runtime: ListEntry[], minor: string): string[] {
    return runtime
        .filter((e) => e.cpython === true || (typeof e.cpython === "string" && compareVersions(`${minor}.0`, `${e.cpython.replace(/^>=/, "")}.0`) >= 0))
        .map((e) => e.name)
        .sort();
}

/** Turns a lock written by image:resolve into the upstream flavour's lock (deterministic text). */
export function upstreamLockText(resolved: string, minor: string, release: { version: string; sha256: string }, libraries: string[]): string {
    const lines = resolved.split("\n");
    const i = lines.findIndex((l) => l.startsWith('  "python": '));
    if (i < 0) throw new Error("resolved lock has no python line");
    const url = `https://www.python.org/ftp/python/${release.version}/Python-${release.version}.tar.xz`;
    lines[i] = `  "python": ${JSON.stringify({ minor, version: release.version })},`;
    lines.splice(i + 1, 0, `  "cpython": ${JSON.stringify({ version: release.version, sha256: release.sha256, url, libraries })},`);
    return lines.join("\n").replace('"flavor": "debian"', '"flavor": "upstream"');
}

function main(argv: string[]): void {
    const arg = (name: string) => {
        const i = argv.indexOf(name);
        return i >= 0 ? argv[i + 1] : undefined;
    };
    const minor = arg("--python");
    if (!minor) throw new Error("--python MINOR is required (e.g. 3.13)");
    const [release] = selectPythonReleases(readPythonVersions(path.join(ROOT, "image/python-versions.json")).file, [minor]);
    const listFile = path.join(ROOT, "image/packages/upstream.json");
    const list = JSON.parse(fs.readFileSync(listFile, "utf8")) as { layers: { runtime: ListEntry[] } };
    const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "upstream-lock-")), "lock.json");
    const pass = ["--mirror", "--security-mirror", "--arch"].flatMap((k) => (arg(k) ? [k, arg(k)!] : []));
    // The image's resolve step does the archive work (signed indexes, newest versions).
    execFileSync(process.execPath, [require.resolve("ts-node/dist/bin"), "--transpile-only", path.join(ROOT, "scripts/image-resolve.ts"),
        "--python", minor, "--flavor", "debian", "--packages", listFile, "--output", tmp, ...pass], { stdio: ["ignore", "inherit", "inherit"] });
    const text = upstreamLockText(fs.readFileSync(tmp, "utf8"), minor, release, cpythonLibraries(list.layers.runtime, minor));
    const out = path.join(ROOT, "image/locks", `upstream-${minor}.json`);
    fs.writeFileSync(out, text);
    console.error(`python:lock: ${path.relative(process.cwd(), out)} (CPython ${release.version})`);
}

if (require.main === module) {
    try {
        main(process.argv.slice(2));
    } catch (e) {
        console.error(`python:lock: ${e instanceof Error ? e.message : e}`);
        process.exit(1);
    }
}
