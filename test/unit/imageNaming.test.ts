import * as assert from "assert";
import * as childProcess from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildContextFiles, buildRevision, cacheTag, computeBuildId, digestRef, imageName, immutableTag, lockPath } from "../../components/imageNaming";
import { parseBuildArgs, planBuild } from "../../scripts/image-build";

function tree(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "naming-"));
    for (const [rel, content] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), content);
    }
    return dir;
}

describe("image naming", () => {
    it("names the upstream flavour python and the Debian flavour python-debian", () => {
        assert.strictEqual(imageName("upstream"), "python");
        assert.strictEqual(imageName("debian"), "python-debian");
    });

    describe("immutable tag: <version>-<buildId>, variant appended except for runtime", () => {
        const cases: Array<[string, string, string, string]> = [
            ["3.13.5", "0123456789ab", "runtime", "3.13.5-0123456789ab"],
            ["3.13.5", "0123456789ab", "debug", "3.13.5-0123456789ab-debug"],
            ["3.14.10", "abcdef012345", "builder", "3.14.10-abcdef012345-builder"],
        ];
        for (const [version, id, variant, tag] of cases) {
            it(`${version} ${variant} -> ${tag}`, () => assert.strictEqual(immutableTag(version, id, variant), tag));
        }
        it("rejects a minor where a full version is needed", () => {
            assert.throws(() => immutableTag("3.13", "0123456789ab", "runtime"), {
                message: 'version "3.13" is not valid; accepted: a full version such as 3.13.5',
            });
        });
        it("rejects a buildId that is not 12 hex digits", () => {
            assert.throws(() => immutableTag("3.13.5", "XYZ", "runtime"), {
                message: 'buildId "XYZ" is not valid; accepted: 12 lowercase hex digits',
            });
        });
    });

    it("cache tags never look like published 3.x tags", () => {
        assert.strictEqual(cacheTag("buildcache", "3.13", "debug"), "buildcache-3.13-debug");
    });

    it("digest refs pin <repo>/<image>@sha256 and reject anything else", () => {
        const d = `sha256:${"a".repeat(64)}`;
        assert.strictEqual(digestRef("europe-west1-docker.pkg.dev/p/r/", "python", d), `europe-west1-docker.pkg.dev/p/r/python@${d}`);
        assert.throws(() => digestRef("r", "python", "latest"), { message: 'digest "latest" is not valid; accepted: sha256:<64 lowercase hex>' });
    });

    it("locks live at <locksDir>/<flavor>-<minor>.json", () => {
        assert.strictEqual(lockPath("image/locks", "upstream", "3.13"), path.join("image/locks", "upstream-3.13.json"));
    });

    describe("buildId is a content hash of the context and the selected lock", () => {
        const files = { "Dockerfile": "FROM x\n", "cpython/build.sh": "make\n", "locks/upstream-3.13.json": "{}", "checks/a.sh": "x", "test/t.py": "x" };
        it("hashes every file except locks/, checks/ and test/, in sorted order", () => {
            assert.deepStrictEqual(buildContextFiles(tree(files)), ["Dockerfile", "cpython/build.sh"]);
        });
        it("is the first 12 hex of sha256(path NUL content ... lock) and equal on every run", () => {
            const dir = tree(files);
            const lock = path.join(dir, "locks/upstream-3.13.json");
            const expected = crypto.createHash("sha256").update("Dockerfile\0FROM x\ncpython/build.sh\0make\n{}").digest("hex").slice(0, 12);
            assert.strictEqual(computeBuildId(dir, lock), expected);
            assert.strictEqual(computeBuildId(tree(files), path.join(dir, "locks/upstream-3.13.json")), expected);
        });
        it("changes with the Dockerfile and with the selected lock, not with checks or other locks", () => {
            const base = tree(files);
            const id = computeBuildId(base, path.join(base, "locks/upstream-3.13.json"));
            const edited = tree({ ...files, "Dockerfile": "FROM y\n" });
            assert.notStrictEqual(computeBuildId(edited, path.join(edited, "locks/upstream-3.13.json")), id);
            const relocked = tree({ ...files, "locks/upstream-3.13.json": '{"a":1}' });
            assert.notStrictEqual(computeBuildId(relocked, path.join(relocked, "locks/upstream-3.13.json")), id);
            const unrelated = tree({ ...files, "checks/a.sh": "y", "test/t.py": "y", "locks/upstream-3.14.json": "{}" });
            assert.strictEqual(computeBuildId(unrelated, path.join(unrelated, "locks/upstream-3.13.json")), id);
        });
        it("the REVISION label is the full hash: the buildId is its prefix, and image:build passes the value the component passes", () => {
            const dir = tree(files);
            const lock = path.join(dir, "locks/upstream-3.13.json");
            assert.match(buildRevision(dir, lock), /^[0-9a-f]{64}$/);
            assert.strictEqual(buildRevision(dir, lock).slice(0, 12), computeBuildId(dir, lock));
            const root = path.join(__dirname, "..", "..");
            const realLock = path.join(root, "image/locks/debian-3.13.json");
            const plan = planBuild(parseBuildArgs(["--python", "3.13", "--flavor", "debian", "--lock", realLock]));
            try {
                assert.ok(plan.args.includes(`REVISION=${buildRevision(path.join(root, "image"), realLock)}`), plan.args.join(" "));
            } finally {
                fs.rmSync(plan.tmpDir, { recursive: true, force: true });
            }
        });
        it("is callable from the command line", () => {
            const dir = tree(files);
            const lock = path.join(dir, "locks/upstream-3.13.json");
            const out = childProcess.execFileSync(
                process.execPath,
                ["-r", "ts-node/register/transpile-only", path.join(__dirname, "..", "..", "components", "imageNaming.ts"),
                    "--context", dir, "--lock", lock, "--version", "3.13.5", "--variant", "debug"],
                { encoding: "utf8", cwd: path.join(__dirname, "..", "..") },
            );
            assert.strictEqual(out, `3.13.5-${computeBuildId(dir, lock)}-debug\n`);
        });
    });
});
