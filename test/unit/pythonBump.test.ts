// python:bump decisions against recorded python.org data (test/fixtures/python-org) and
// Debian index text: no network.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { validatePythonVersions } from "../../config/pythonVersions";
import {
    applyActions, clearsignedBody, compareVersions, decide, formatVersionsFile, newestPerMinor, parseFinalVersion,
    PythonEntry, pythonSourcesFromIndex, tarballChecksum, upstreamOfDebianVersion, Upstream,
    versionFromReleaseName,
} from "../../scripts/python-bump-lib";
import { collectUpstream, fixtureSource } from "../../scripts/python-bump";
import { parseReleaseSha256 } from "../../scripts/image/archive";

const FIXTURES = path.join(__dirname, "..", "fixtures", "python-org");
const VERSIONS = path.join(__dirname, "..", "..", "image", "python-versions.json");
const readJson = (f: string) => JSON.parse(fs.readFileSync(f, "utf8"));
const TODAY = "2026-11-28";

const entry = (minor: string, version: string, endOfLife: string, sha = "a".repeat(64)): PythonEntry => ({
    minor, version, sha256: sha, checksumSource: { type: "debian-dsc", url: "http://deb.debian.org/x.dsc" }, endOfLife,
});

describe("python:bump", () => {
    describe("version parsing", () => {
        const cases: Array<[string, string | undefined]> = [
            ["Python 3.13.5", "3.13.5"],
            ["Python 3.15.0rc2", undefined],
            ["Python 3.14.0a7", undefined],
            ["Python Launcher", undefined],
            ["Python 2.7.18", "2.7.18"],
        ];
        for (const [name, want] of cases) {
            it(`"${name}" -> ${want ?? "ignored"}`, () => assert.strictEqual(versionFromReleaseName(name), want));
        }
        it("compares patch numbers numerically (3.13.10 > 3.13.9)", () => {
            assert.ok(compareVersions("3.13.10", "3.13.9") > 0);
            assert.ok(compareVersions("3.9.20", "3.13.0") < 0);
            assert.strictEqual(parseFinalVersion("3.15.0~rc1"), undefined);
        });
        const debian: Array<[string, string | undefined]> = [
            ["3.13.18-1", "3.13.18"],
            ["3.13.5-2+deb13u5", "3.13.5"],
            ["3.15.0~rc2-1", undefined],
            ["1:3.14.1-1", "3.14.1"],
        ];
        for (const [v, want] of debian) it(`Debian ${v} -> ${want ?? "ignored"}`, () => assert.strictEqual(upstreamOfDebianVersion(v), want));
    });

    describe("python.org release data (recorded)", () => {
        const releases = readJson(path.join(FIXTURES, "releases.json"));
        const newest = newestPerMinor(releases, ["3.11", "3.12", "3.13", "3.14", "3.15"]);
        const cases: Array<[string, string]> = [
            ["3.11", "3.11.15"],
            ["3.12", "3.12.13"],
            ["3.13", "3.13.18"], // 3.13.19 is unpublished
            ["3.14", "3.14.10"],
            ["3.15", "3.15.2"], // not the rc
        ];
        for (const [minor, version] of cases) {
            it(`newest published final ${minor} is ${version}`, () => assert.strictEqual(newest.get(minor)?.version, version));
        }
        it("ignores minors that were not asked for (2.7, 3.10)", () => assert.deepStrictEqual([...newest.keys()].sort(), ["3.11", "3.12", "3.13", "3.14", "3.15"]));
        it("reads the .tar.xz sha256 (not the .tgz one) from a release's files", () => {
            const files = readJson(path.join(FIXTURES, "release_file-1100.json"));
            assert.deepStrictEqual(tarballChecksum(files, "3.13.18"), {
                sha256: "abb0102e6d4ae027509bcb82327d9dd85515b44a3ba8ad538cfc5e9847029f68",
                url: "https://www.python.org/ftp/python/3.13.18/Python-3.13.18.tar.xz",
            });
        });
        it("an empty sha256_sum is no checksum", () => {
            assert.strictEqual(tarballChecksum(readJson(path.join(FIXTURES, "release_file-1097.json")), "3.12.13"), undefined);
        });
        it("python.org's recorded checksums equal Debian's .dsc checksums in image/python-versions.json", () => {
            const pinned = validatePythonVersions(readJson(VERSIONS), TODAY).file.pythons;
            const byVersion = new Map(releases.map((r: { name: string; resource_uri: string }) => [r.name.replace("Python ", ""), r.resource_uri]));
            for (const p of pinned) {
                const uri = byVersion.get(p.version) as string;
                assert.ok(uri, `no python.org record for ${p.version}`);
                const id = uri.match(/(\d+)\/$/)![1];
                const files = readJson(path.join(FIXTURES, `release_file-${id}.json`));
                assert.strictEqual(tarballChecksum(files, p.version)?.sha256, p.sha256, p.version);
            }
        });
    });

    describe("decisions", () => {
        const up = (minor: string, version: string, sha?: string): Upstream => ({
            minor, version, checksum: sha ? { sha256: sha, url: `https://www.python.org/ftp/python/${version}/Python-${version}.tar.xz`, type: "python.org" } : undefined,
        });
        const cases: Array<{ name: string; current: PythonEntry[]; upstream: Upstream[]; want: Array<[string, string]> }> = [
            { name: "a newer release with a checksum is taken", current: [entry("3.13", "3.13.5", "2029-10-31")], upstream: [up("3.13", "3.13.18", "b".repeat(64))], want: [["3.13", "update"]] },
            { name: "a newer release without a checksum is refused", current: [entry("3.13", "3.13.5", "2029-10-31")], upstream: [up("3.13", "3.13.18")], want: [["3.13", "refuse"]] },
            { name: "the same version is kept", current: [entry("3.14", "3.14.10", "2030-10-31")], upstream: [up("3.14", "3.14.10", "c".repeat(64))], want: [["3.14", "keep"]] },
            { name: "an older upstream never downgrades", current: [entry("3.14", "3.14.10", "2030-10-31")], upstream: [up("3.14", "3.14.9", "c".repeat(64))], want: [["3.14", "keep"]] },
            { name: "a minor past end of life is frozen", current: [entry("3.10", "3.10.18", "2026-10-31")], upstream: [up("3.10", "3.10.19", "d".repeat(64))], want: [["3.10", "eol"]] },
            { name: "the end-of-life day itself is still supported", current: [entry("3.10", "3.10.18", TODAY)], upstream: [up("3.10", "3.10.19", "d".repeat(64))], want: [["3.10", "update"]] },
            { name: "a new minor is added with its PEP end-of-life date", current: [], upstream: [up("3.15", "3.15.2", "e".repeat(64))], want: [["3.15", "update"]] },
            { name: "no upstream release keeps the entry", current: [entry("3.12", "3.12.3", "2028-10-31")], upstream: [], want: [["3.12", "keep"]] },
        ];
        for (const c of cases) {
            it(c.name, () => assert.deepStrictEqual(decide(c.current, c.upstream, TODAY).map((a) => [a.minor, a.kind]), c.want));
        }
        it("the refusal message names the version", () => {
            const [a] = decide([entry("3.13", "3.13.5", "2029-10-31")], [up("3.13", "3.13.18")], TODAY);
            assert.strictEqual(a.kind === "refuse" && a.reason, "no sha256 for Python-3.13.18.tar.xz could be obtained; keeping 3.13.5");
        });
        it("a new minor gets END_OF_LIFE from its PEP", () => {
            const [a] = decide([], [up("3.15", "3.15.2", "e".repeat(64))], TODAY);
            assert.strictEqual(a.kind === "update" && a.entry.endOfLife, "2031-10-31");
        });
        it("refused and frozen entries are written back unchanged", () => {
            const current = [entry("3.10", "3.10.18", "2026-10-31"), entry("3.13", "3.13.5", "2029-10-31")];
            const out = applyActions(current, decide(current, [up("3.10", "3.10.19", "d".repeat(64)), up("3.13", "3.13.18")], TODAY));
            assert.deepStrictEqual(out, current);
        });
    });

    describe("end to end over the recorded data", () => {
        it("from 3.13.5 only: updates 3.13/3.14/3.15, refuses 3.11.15 and 3.12.13 (no checksum)", async () => {
            const current = [entry("3.13", "3.13.5", "2029-10-31")];
            const upstream = await collectUpstream(fixtureSource(FIXTURES), ["3.11", "3.12", "3.13", "3.14", "3.15"], () => undefined);
            const actions = decide(current, upstream, TODAY);
            assert.deepStrictEqual(actions.map((a) => [a.minor, a.kind, a.kind === "update" ? a.entry.version : a.version]), [
                ["3.11", "refuse", "3.11.15"],
                ["3.12", "refuse", "3.12.13"],
                ["3.13", "update", "3.13.18"],
                ["3.14", "update", "3.14.10"],
                ["3.15", "update", "3.15.2"],
            ]);
            const text = formatVersionsFile(applyActions(current, actions));
            assert.doesNotThrow(() => validatePythonVersions(JSON.parse(text), TODAY));
        });
        it("the committed file is already formatted as the bump writes it (deterministic)", () => {
            const text = fs.readFileSync(VERSIONS, "utf8");
            assert.strictEqual(formatVersionsFile(JSON.parse(text).pythons), text);
        });
    });

    describe("Debian indexes", () => {
        const sources = [
            "Package: python3.13",
            "Version: 3.13.18-1",
            "Directory: pool/main/p/python3.13",
            "Checksums-Sha256:",
            " 1111111111111111111111111111111111111111111111111111111111111111 3512 python3.13_3.13.18-1.dsc",
            " abb0102e6d4ae027509bcb82327d9dd85515b44a3ba8ad538cfc5e9847029f68 23243936 python3.13_3.13.18.orig.tar.xz",
            "",
            "Package: python3.15",
            "Version: 3.15.0~rc2-1",
            "Directory: pool/main/p/python3.15",
            "Checksums-Sha256:",
            " 2222222222222222222222222222222222222222222222222222222222222222 3512 python3.15_3.15.0~rc2-1.dsc",
            "",
            "Package: python3-defaults",
            "Version: 3.13.5-1",
            "",
        ].join("\n");
        it("takes final python3.X sources with their orig checksum, skips rcs and other packages", () => {
            assert.deepStrictEqual(pythonSourcesFromIndex(sources, "sid").map((s) => [s.minor, s.version, s.orig.sha256, s.dsc.name]), [
                ["3.13", "3.13.18", "abb0102e6d4ae027509bcb82327d9dd85515b44a3ba8ad538cfc5e9847029f68", "python3.13_3.13.18-1.dsc"],
            ]);
        });
        it("reads Sources.xz's checksum from a clear-signed InRelease (the resolve step's parser)", () => {
            const inRelease = [
                "-----BEGIN PGP SIGNED MESSAGE-----", "Hash: SHA512", "", "Origin: Debian", "SHA256:",
                " 3333333333333333333333333333333333333333333333333333333333333333 1234 main/source/Sources.xz",
                "-----BEGIN PGP SIGNATURE-----", "xyz", "-----END PGP SIGNATURE-----", "",
            ].join("\n");
            assert.strictEqual(parseReleaseSha256(inRelease).get("main/source/Sources.xz")?.sha256, "3".repeat(64));
            assert.strictEqual(clearsignedBody("Origin: x\n"), "Origin: x\n");
        });
    });
});
