import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { resolvePythonBuilds } from "../../components/imageSet";

const RELEASE = { minor: "3.13", version: "3.13.9", sha256: "a".repeat(64) };

function locks(files: Record<string, unknown>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "locks-"));
    for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), JSON.stringify(content));
    return dir;
}

describe("which Python each flavour builds", () => {
    it("upstream builds the release from python-versions.json", () => {
        const dir = locks({ "upstream-3.13.json": { python: { minor: "3.13", version: "3.13.9" } } });
        assert.deepStrictEqual(resolvePythonBuilds([RELEASE], "upstream", dir), [RELEASE]);
    });
    it("upstream refuses a lock resolved for another CPython version (stale lock)", () => {
        const dir = locks({ "upstream-3.13.json": { python: { version: "3.13.5" } } });
        assert.throws(() => resolvePythonBuilds([RELEASE], "upstream", dir), {
            message: `lock ${path.join(dir, "upstream-3.13.json")} was resolved for Python "3.13.5" but image/python-versions.json has 3.13.9; re-run the image lock step`,
        });
    });
    it("debian builds the Python Debian ships, as its lock records, with no upstream sha256", () => {
        const dir = locks({ "debian-3.13.json": { python: { minor: "3.13", version: "3.13.5", debianVersion: "3.13.5-2+deb13u5" } } });
        assert.deepStrictEqual(resolvePythonBuilds([RELEASE], "debian", dir), [{ minor: "3.13", version: "3.13.5", sha256: "" }]);
    });
    it("debian refuses a lock without python.version", () => {
        const dir = locks({ "debian-3.13.json": {} });
        assert.throws(() => resolvePythonBuilds([RELEASE], "debian", dir), {
            message: `lock ${path.join(dir, "debian-3.13.json")}: field "python.version": undefined is not valid; accepted: the full Python version Debian ships, e.g. 3.13.5`,
        });
    });
    it("a missing lock names the file and how to get it", () => {
        const dir = locks({});
        assert.throws(() => resolvePythonBuilds([RELEASE], "upstream", dir), {
            message: `lock ${path.join(dir, "upstream-3.13.json")} does not exist; accepted: a resolved lock for upstream 3.13 (write it with the image lock step, or set distroless-python:locksDir)`,
        });
    });
});
