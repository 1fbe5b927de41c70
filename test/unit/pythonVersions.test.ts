import * as assert from "assert";
import * as path from "path";
import { readPythonVersions, selectPythonReleases, validatePythonVersions } from "../../config/pythonVersions";

const GOOD = {
    minor: "3.13",
    version: "3.13.5",
    sha256: "93e583f243454e6e9e4588ca2c2662206ad961659863277afcdb96801647d640",
    checksumSource: { type: "debian-dsc", url: "http://deb.debian.org/debian/pool/main/p/python3.13/python3.13_3.13.5-2+deb13u5.dsc" },
    endOfLife: "2029-10-31",
};
const TODAY = "2026-11-28";
const F = "image/python-versions.json";

describe("CPython release data (image/python-versions.json)", () => {
    it("the repository's file is valid", () => {
        const { file } = readPythonVersions(path.join(__dirname, "..", "..", "image", "python-versions.json"), TODAY);
        assert.ok(file.pythons.some((p) => p.minor === "3.13"));
    });

    describe("errors name the entry and the field", () => {
        const cases: Array<[string, unknown, string]> = [
            ["wrong schema version", { schemaVersion: 2, pythons: [GOOD] },
                `${F}: field "schemaVersion": 2 is not supported; accepted: 1`],
            ["no entries", { schemaVersion: 1, pythons: [] },
                `${F}: field "pythons" must be a non-empty array`],
            ["unknown minor", { schemaVersion: 1, pythons: [{ ...GOOD, minor: "3.9", version: "3.9.1" }] },
                `${F} pythons[0] (3.9): field "minor": "3.9" is not supported; supported: 3.10, 3.11, 3.12, 3.13, 3.14, 3.15`],
            ["duplicate minor", { schemaVersion: 1, pythons: [GOOD, GOOD] },
                `${F} pythons[1] (3.13): field "minor": "3.13" is listed twice; accepted: one entry per minor`],
            ["version of another minor", { schemaVersion: 1, pythons: [{ ...GOOD, version: "3.12.1" }] },
                `${F} pythons[0] (3.13): field "version": "3.12.1" is not valid; accepted: a final release of 3.13, e.g. 3.13.0`],
            ["pre-release version", { schemaVersion: 1, pythons: [{ ...GOOD, version: "3.13.0rc1" }] },
                `${F} pythons[0] (3.13): field "version": "3.13.0rc1" is not valid; accepted: a final release of 3.13, e.g. 3.13.0`],
            ["short sha256", { schemaVersion: 1, pythons: [{ ...GOOD, sha256: "abc" }] },
                `${F} pythons[0] (3.13): field "sha256": "abc" is not valid; accepted: 64 lowercase hex digits (sha256 of Python-<version>.tar.xz)`],
            ["unknown checksum source", { schemaVersion: 1, pythons: [{ ...GOOD, checksumSource: { type: "pypi", url: "https://x" } }] },
                `${F} pythons[0] (3.13): field "checksumSource.type": "pypi" is not valid; accepted: python.org, debian-dsc`],
            ["checksum source without URL", { schemaVersion: 1, pythons: [{ ...GOOD, checksumSource: { type: "python.org" } }] },
                `${F} pythons[0] (3.13): field "checksumSource.url": undefined is not valid; accepted: an http:// or https:// URL`],
            ["malformed end of life", { schemaVersion: 1, pythons: [{ ...GOOD, endOfLife: "Oct 2029" }] },
                `${F} pythons[0] (3.13): field "endOfLife": "Oct 2029" is not valid; accepted: a date YYYY-MM-DD`],
        ];
        for (const [what, data, message] of cases) {
            it(`rejects ${what}`, () => {
                assert.throws(() => validatePythonVersions(data, TODAY), { message });
            });
        }
    });

    it("an end-of-life minor is a warning, not an error", () => {
        const old = { ...GOOD, minor: "3.10", version: "3.10.19", endOfLife: "2026-10-31" };
        const { file, warnings } = validatePythonVersions({ schemaVersion: 1, pythons: [old, GOOD] }, TODAY);
        assert.strictEqual(file.pythons.length, 2);
        assert.deepStrictEqual(warnings, [
            `${F} pythons[0] (3.10): Python 3.10 reached end of life on 2026-10-31; plan the move to a supported minor`,
        ]);
    });

    it("selecting a minor the file lacks fails naming the config key and the minors it has", () => {
        const { file } = validatePythonVersions({ schemaVersion: 1, pythons: [GOOD] }, TODAY);
        assert.throws(() => selectPythonReleases(file, ["3.14"]), {
            message: `config key "distroless-python:pythonMinors": "3.14" has no entry in ${F}; accepted: 3.13`,
        });
        assert.deepStrictEqual(selectPythonReleases(file, ["3.13"]).map((p) => p.version), ["3.13.5"]);
    });
});
