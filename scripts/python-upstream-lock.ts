// `npm run python:lock -- --python 3.13 [--mirror URL] [--security-mirror URL] [--arch amd64,arm64]
//      [--builds amd64/amd64,amd64/arm64] [--base-image debian:trixie-slim] [--python-versions FILE] [--output FILE]`
//
// Writes image/locks/upstream-<minor>.json: the Debian packages of image/packages/upstream.json
// resolved by the image's own resolve step (`image:resolve` with that list), plus the CPython
// release from image/python-versions.json (version, sha256, source URL), the set of Debian
// library packages this CPython must link against (the list's "cpython" entries for this
// minor; the cpython-upstream stage computes that set from its ELF files and fails unless it
// is equal), and the CPython build dependencies (image/cpython/build-deps.txt) per
// "BUILDARCH/TARGETARCH" pair with every package they pull in, version and sha256, which the
// stage installs exactly (image/cpython/deps.sh), so the upstream flavour is reproducible.
//
// The build dependencies are resolved by apt itself (`apt-get install -s` in a container of
// the base image, with an empty dpkg status so the closure does not depend on what the base
// happens to contain), then looked up in the same signed Packages indexes as the runtime
// packages for filename, sha256 and size. Needs the Docker engine.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import { readPythonVersions, selectPythonReleases } from "../config/pythonVersions";
import { compareVersions } from "./python-bump-lib";
import { readPackages, DEFAULT_KEYRING, type PackageStanza } from "./image/archive";

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

// ---- build dependencies ---------------------------------------------------------------------

export const BUILD_DEP_ROLES = ["tool", "target", "cross", "build-python", "bolt"] as const;
export type BuildDepRole = (typeof BUILD_DEP_ROLES)[number];
export interface BuildDep { name: string; roles: BuildDepRole[] }

/** GNU triplets of the Debian architectures the images are built for. */
export const GNU_TRIPLETS: Record<string, string> = { amd64: "x86_64-linux-gnu", arm64: "aarch64-linux-gnu" };

/**
 * Default build pairs: native amd64, arm64 cross-compiled on amd64 (how every image is built),
 * and native amd64 with BOLT (`PYTHON_BOLT=1`: the `bolt` packages on top, a key of its own so
 * builds without BOLT never download LLVM).
 */
export const DEFAULT_BUILDS = ["amd64/amd64", "amd64/arm64", "amd64/amd64+bolt"];

/** Parses image/cpython/build-deps.txt ("package role..." a line, # comments); errors name the line. */
export function parseBuildDeps(text: string, file = "build-deps.txt"): BuildDep[] {
    const out: BuildDep[] = [];
    text.split("\n").forEach((raw, i) => {
        const line = raw.replace(/#.*/, "").trim();
        if (!line) return;
        const [name, ...roles] = line.split(/\s+/);
        if (!/^[a-z0-9][a-z0-9.+{}-]*$/.test(name)) throw new Error(`${file}:${i + 1}: "${name}" is not a Debian package name`);
        if (roles.length === 0) throw new Error(`${file}:${i + 1}: ${name} has no role; accepted: ${BUILD_DEP_ROLES.join(", ")}`);
        for (const r of roles) {
            if (!(BUILD_DEP_ROLES as readonly string[]).includes(r)) throw new Error(`${file}:${i + 1}: ${name}: unknown role "${r}"; accepted: ${BUILD_DEP_ROLES.join(", ")}`);
        }
        if (name.includes("{triplet}") && (roles.length !== 1 || roles[0] !== "cross")) throw new Error(`${file}:${i + 1}: {triplet} only makes sense with the role cross`);
        if (out.some((d) => d.name === name)) throw new Error(`${file}:${i + 1}: ${name} is listed twice`);
        out.push({ name, roles: roles as BuildDepRole[] });
    });
    return out;
}

/**
 * Parses "BUILDARCH/TARGETARCH[+bolt]"; only architectures with a known triplet. `+bolt` (BOLT
 * post-link optimisation) runs the target during the build, so only a native pair takes it.
 */
export function parseBuildPair(pair: string): { build: string; target: string; bolt: boolean } {
    const m = /^([a-z0-9]+)\/([a-z0-9]+)(\+bolt)?$/.exec(pair);
    const known = Object.keys(GNU_TRIPLETS);
    if (!m || !known.includes(m[1]) || !known.includes(m[2])) {
        throw new Error(`build pair "${pair}" is not BUILDARCH/TARGETARCH[+bolt] with architectures ${known.join(", ")} (e.g. amd64/arm64)`);
    }
    if (m[3] && m[1] !== m[2]) throw new Error(`build pair "${pair}": +bolt needs a native pair (BOLT runs the target during the build; a cross build cannot)`);
    return { build: m[1], target: m[2], bolt: !!m[3] };
}

/**
 * The apt specs to install for one build pair: native (build == target) installs `tool` and
 * `target` packages; a cross build adds `cross` (triplet expanded) and `build-python` for the
 * build architecture and arch-qualifies `target` packages (pkg:arm64, multiarch); a `+bolt`
 * pair adds `bolt`.
 */
export function aptSpecs(deps: BuildDep[], pair: string): string[] {
    const { build, target, bolt } = parseBuildPair(pair);
    const cross = build !== target;
    const specs = new Set<string>();
    for (const d of deps) {
        for (const role of d.roles) {
            if (role === "tool") specs.add(d.name);
            else if (role === "target") specs.add(cross ? `${d.name}:${target}` : d.name);
            else if (cross && role === "cross") specs.add(d.name.split("{triplet}").join(GNU_TRIPLETS[target]));
            else if (cross && role === "build-python") specs.add(d.name);
            else if (bolt && role === "bolt") specs.add(d.name);
        }
    }
    return [...specs].sort();
}

export interface AptInstall { package: string; version: string; architecture: string }

/** Reads `apt-get install -s` output: one Inst line per package apt would install. */
export function parseAptSimulation(out: string): AptInstall[] {
    const res: AptInstall[] = [];
    for (const line of out.split("\n")) {
        if (!line.startsWith("Inst ")) continue;
        // Inst libc6:arm64 (2.41-12+deb13u5 Debian:13.8/stable [arm64])   (an upgrade adds "[old] " before
        // "(", a package apt still has to configure later " []" after ")")
        const m = /^Inst ([a-z0-9][a-z0-9.+-]*)(?::[a-z0-9]+)? (?:\[[^\]]*\] )?\((\S+) [^()]*\[([a-z0-9]+)\]\)(?: \[[^\]]*\])*$/.exec(line);
        if (!m) throw new Error(`apt-get install -s: cannot read "${line}"`);
        res.push({ package: m[1], version: m[2], architecture: m[3] });
    }
    if (res.length === 0) throw new Error(`apt-get install -s installs nothing:\n${out.slice(-2000)}`);
    return res;
}

export interface LockedBuildDep { layer: "build"; package: string; version: string; architecture: string; suite: string; filename: string; sha256: string; size: number }

/** Pins each package apt chose to the stanza (suite order wins ties) that carries exactly that version. */
export function pinBuildDeps(installs: AptInstall[], suites: { suite: string; byArch: Record<string, PackageStanza[]> }[], pair: string): LockedBuildDep[] {
    const { build } = parseBuildPair(pair);
    const missing: string[] = [];
    const out: LockedBuildDep[] = [];
    for (const i of installs) {
        const arch = i.architecture === "all" ? build : i.architecture;
        let hit: { suite: string; s: PackageStanza } | undefined;
        for (const { suite, byArch } of suites) {
            const s = (byArch[arch] ?? []).find((x) => x.package === i.package && x.version === i.version && x.architecture === i.architecture);
            if (s) { hit = { suite, s }; break; }
        }
        if (!hit) { missing.push(`${i.package}:${i.architecture}=${i.version}`); continue; }
        out.push({ layer: "build", package: i.package, version: i.version, architecture: i.architecture, suite: hit.suite, filename: hit.s.filename, sha256: hit.s.sha256, size: hit.s.size });
    }
    if (missing.length) throw new Error(`${pair}: apt chose versions no signed index carries: ${missing.join(", ")}`);
    return out.sort((a, b) => (a.package < b.package ? -1 : a.package > b.package ? 1 : a.architecture < b.architecture ? -1 : a.architecture > b.architecture ? 1 : 0));
}

/** Appends `"buildDependencies"` (one package per line, the lock readers' format) to a lock's text. */
export function withBuildDependencies(lockText: string, deps: Record<string, LockedBuildDep[]>): string {
    const end = "  }\n}\n";
    if (!lockText.endsWith(end)) throw new Error("lock text does not end with the architectures section");
    const pairs = Object.keys(deps).sort();
    const lines = ["  },", '  "buildDependencies": {'];
    pairs.forEach((pair, pi) => {
        lines.push(`    ${JSON.stringify(pair)}: [`);
        deps[pair].forEach((p, i) => {
            const ordered = { layer: p.layer, package: p.package, version: p.version, architecture: p.architecture, suite: p.suite, filename: p.filename, sha256: p.sha256, size: p.size };
            lines.push(`      ${JSON.stringify(ordered)}${i < deps[pair].length - 1 ? "," : ""}`);
        });
        lines.push(`    ]${pi < pairs.length - 1 ? "," : ""}`);
    });
    lines.push("  }", "}", "");
    return lockText.slice(0, -end.length) + lines.join("\n");
}

/** apt's own resolution in a container of the base image (build architecture's platform). */
function simulateInstall(baseImage: string, pair: string, specs: string[], mirror: string, security: string): string {
    const { build, target } = parseBuildPair(pair);
    const script = [
        "set -euo pipefail",
        ". /lib-distroless/apt-sources.sh",
        ...(build !== target ? [`dpkg --add-architecture ${target}`] : []),
        `apt_sources "$MIRROR" "$SECURITY" >&2`,
        // Empty dpkg status: the full closure, independent of what the base image contains.
        `apt-get install -s --no-install-recommends -o Dir::State::status=/dev/null -o APT::Architectures::=${build}` +
            (build !== target ? ` -o APT::Architectures::=${target}` : "") + ` ${specs.join(" ")}`,
    ].join("\n");
    return execFileSync("docker", ["run", "--rm", "--network", "host", "--platform", `linux/${build}`,
        "-e", `MIRROR=${mirror}`, "-e", `SECURITY=${security}`,
        "-v", `${path.join(ROOT, "image/assemble")}:/lib-distroless:ro`, baseImage, "bash", "-c", script],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 64 << 20 });
}

async function resolveBuildDeps(o: { builds: string[]; baseImage: string; mirror: string; security: string; log: (m: string) => void }): Promise<Record<string, LockedBuildDep[]>> {
    const depsFile = path.join(ROOT, "image/cpython/build-deps.txt");
    const deps = parseBuildDeps(fs.readFileSync(depsFile, "utf8"), depsFile);
    const out: Record<string, LockedBuildDep[]> = {};
    const cacheDir = path.join(ROOT, "node_modules/.cache/image-resolve");
    const sources = [{ mirror: o.mirror, suite: "trixie" }, { mirror: o.mirror, suite: "trixie-updates" }, { mirror: o.security, suite: "trixie-security" }];
    for (const pair of o.builds) {
        const { build, target } = parseBuildPair(pair);
        o.log(`build dependencies ${pair}: apt-get install -s in ${o.baseImage} (linux/${build})`);
        const installs = parseAptSimulation(simulateInstall(o.baseImage, pair, aptSpecs(deps, pair), o.mirror, o.security));
        const names = new Set(installs.map((i) => i.package));
        const suites = [];
        for (const s of sources) {
            const byArch: Record<string, PackageStanza[]> = {};
            for (const arch of new Set([build, target])) byArch[arch] = await readPackages(s, arch, names, { keyring: DEFAULT_KEYRING, cacheDir });
            suites.push({ suite: s.suite, byArch });
        }
        out[pair] = pinBuildDeps(installs, suites, pair);
        o.log(`build dependencies ${pair}: ${out[pair].length} packages`);
    }
    return out;
}

async function main(argv: string[]): Promise<void> {
    const { values } = parseArgs({
        args: argv,
        options: {
            python: { type: "string" },
            mirror: { type: "string" },
            "security-mirror": { type: "string" },
            arch: { type: "string" },
            builds: { type: "string", default: DEFAULT_BUILDS.join(",") },
            "base-image": { type: "string", default: "debian:trixie-slim" },
            // The rebuild pipeline refreshes locks in its own folder, from its own data file.
            "python-versions": { type: "string" },
            output: { type: "string" },
        },
        strict: true,
    });
    const minor = values.python;
    if (!minor) throw new Error("--python MINOR is required (e.g. 3.13)");
    const builds = values.builds.split(",");
    builds.forEach(parseBuildPair);
    const [release] = selectPythonReleases(readPythonVersions(path.resolve(values["python-versions"] ?? path.join(ROOT, "image/python-versions.json"))).file, [minor]);
    const listFile = path.join(ROOT, "image/packages/upstream.json");
    const list = JSON.parse(fs.readFileSync(listFile, "utf8")) as { layers: { runtime: ListEntry[] } };
    const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "upstream-lock-")), "lock.json");
    const pass = (["mirror", "security-mirror", "arch"] as const).flatMap((k) => (values[k] ? [`--${k}`, values[k]!] : []));
    // The image's resolve step does the archive work (signed indexes, newest versions).
    execFileSync(process.execPath, [require.resolve("ts-node/dist/bin"), "--transpile-only", path.join(ROOT, "scripts/image-resolve.ts"),
        "--python", minor, "--flavor", "debian", "--packages", listFile, "--output", tmp, ...pass], { stdio: ["ignore", "inherit", "inherit"] });
    const mirror = values.mirror ?? "http://deb.debian.org/debian";
    const security = values["security-mirror"] ?? (values.mirror ? `${mirror.replace(/\/+$/, "").replace(/\/debian$/, "")}/debian-security` : "http://deb.debian.org/debian-security");
    const buildDeps = await resolveBuildDeps({ builds, baseImage: values["base-image"], mirror, security, log: (m) => console.error(`python:lock: ${m}`) });
    const text = withBuildDependencies(upstreamLockText(fs.readFileSync(tmp, "utf8"), minor, release, cpythonLibraries(list.layers.runtime, minor)), buildDeps);
    const out = path.resolve(values.output ?? path.join(ROOT, "image/locks", `upstream-${minor}.json`));
    fs.writeFileSync(out, text);
    console.error(`python:lock: ${path.relative(process.cwd(), out)} (CPython ${release.version}; build dependencies ${builds.join(", ")})`);
}

if (require.main === module) {
    main(process.argv.slice(2)).catch((e) => {
        console.error(`python:lock: ${e instanceof Error ? e.message : e}`);
        process.exit(1);
    });
}
