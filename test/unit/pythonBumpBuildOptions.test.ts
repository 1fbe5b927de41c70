// The upstream flavour's build options and lock helpers (no Docker).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parseBuildArgs } from "../../scripts/image-build";
import { cpythonLibraries, upstreamLockText } from "../../scripts/python-upstream-lock";

const SHA = "93e583f243454e6e9e4588ca2c2662206ad961659863277afcdb96801647d640";
const base = ["--python", "3.13", "--flavor", "upstream"];

describe("image:build upstream options", () => {
    it("--fast, --python-mirror and the version override reach the options", () => {
        const o = parseBuildArgs([...base, "--fast", "--python-mirror", "http://127.0.0.1:8765", "--python-version", "3.13.5", "--python-sha256", SHA, "--no-cache"]);
        assert.deepStrictEqual([o.fast, o.pythonMirror, o.pythonVersion, o.pythonSha256, o.noCache], [true, "http://127.0.0.1:8765", "3.13.5", SHA, true]);
        assert.ok(o.lock.endsWith("image/locks/upstream-3.13.json"));
    });
    const bad: Array<[string, string[], RegExp]> = [
        ["version without sha256", [...base, "--python-version", "3.13.5"], /--python-version and --python-sha256 go together/],
        ["sha256 without version", [...base, "--python-sha256", SHA], /--python-version and --python-sha256 go together/],
        ["a version of another minor", [...base, "--python-version", "3.14.1", "--python-sha256", SHA], /"3\.14\.1" is not a final release of 3\.13; accepted: 3\.13\.N/],
        ["a pre-release", [...base, "--python-version", "3.13.0rc1", "--python-sha256", SHA], /not a final release of 3\.13/],
        ["an uppercase sha256", [...base, "--python-version", "3.13.5", "--python-sha256", SHA.toUpperCase()], /not 64 lowercase hex digits/],
        ["a mirror that is no URL", [...base, "--python-mirror", "ftp.python.org"], /--python-mirror: "ftp\.python\.org" is not an http:\/\/ or https:\/\/ URL/],
        ["--fast on the Debian flavour", ["--python", "3.13", "--flavor", "debian", "--fast"], /--fast applies to --flavor upstream only/],
        ["--python-mirror on the Debian flavour", ["--python", "3.13", "--flavor", "debian", "--python-mirror", "http://x"], /--python-mirror applies to --flavor upstream only/],
    ];
    for (const [name, argv, msg] of bad) it(`rejects ${name}`, () => assert.throws(() => parseBuildArgs(argv), msg));
});

describe("upstream lock", () => {
    const list = JSON.parse(fs.readFileSync(path.join(__dirname, "../../image/packages/upstream.json"), "utf8"));
    it("3.13 links no libzstd (compression.zstd arrives in 3.14)", () => {
        assert.ok(!cpythonLibraries(list.layers.runtime, "3.13").includes("libzstd1"));
        assert.ok(cpythonLibraries(list.layers.runtime, "3.14").includes("libzstd1"));
        assert.ok(cpythonLibraries(list.layers.runtime, "3.15").includes("libzstd1"));
    });
    it("the CPython library set of 3.13 is what its ELF files need (measured: 3.13.5 --fast, amd64)", () => {
        assert.deepStrictEqual(cpythonLibraries(list.layers.runtime, "3.13"), [
            "libbz2-1.0", "libc6", "libdb5.3t64", "libexpat1", "libffi8", "liblzma5", "libmpdec4", "libncursesw6", "libsqlite3-0", "libssl3t64", "libtinfo6", "libuuid1", "zlib1g",
        ]);
    });
    it("turns a resolved lock into the upstream lock: flavor, python version and one cpython line", () => {
        const resolved = '{\n  "schemaVersion": 1,\n  "flavor": "debian",\n  "python": {"minor":"3.13","version":"3.13"},\n  "suites": []\n}\n';
        const text = upstreamLockText(resolved, "3.13", { version: "3.13.18", sha256: "ab".repeat(32) }, ["libc6"]);
        assert.strictEqual(text, '{\n  "schemaVersion": 1,\n  "flavor": "upstream",\n  "python": {"minor":"3.13","version":"3.13.18"},\n' +
            `  "cpython": {"version":"3.13.18","sha256":"${"ab".repeat(32)}","url":"https://www.python.org/ftp/python/3.13.18/Python-3.13.18.tar.xz","libraries":["libc6"]},\n` +
            '  "suites": []\n}\n');
    });
    for (const minor of ["3.13", "3.14", "3.15"]) {
        it(`locks/upstream-${minor}.json pins what image/python-versions.json pins`, () => {
            const lock = JSON.parse(fs.readFileSync(path.join(__dirname, `../../image/locks/upstream-${minor}.json`), "utf8"));
            const pin = JSON.parse(fs.readFileSync(path.join(__dirname, "../../image/python-versions.json"), "utf8")).pythons.find((p: { minor: string }) => p.minor === minor);
            assert.deepStrictEqual([lock.flavor, lock.cpython.version, lock.cpython.sha256], ["upstream", pin.version, pin.sha256]);
        });
    }
});
