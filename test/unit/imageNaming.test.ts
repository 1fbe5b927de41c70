import * as assert from "assert";
import * as childProcess from "child_process";
import * as fs from "fs";
import * as path from "path";
import { imageBuildSpec, readBuildSources } from "../../components/buildSpec";
import { digestRef, imageName, immutableTag, lockPath } from "../../components/imageNaming";

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

    it("digest refs pin <repo>/<image>@sha256 and reject anything else", () => {
        const d = `sha256:${"a".repeat(64)}`;
        assert.strictEqual(digestRef("europe-west1-docker.pkg.dev/p/r/", "python", d), `europe-west1-docker.pkg.dev/p/r/python@${d}`);
        assert.throws(() => digestRef("r", "python", "latest"), { message: 'digest "latest" is not valid; accepted: sha256:<64 lowercase hex>' });
    });

    it("locks live at <locksDir>/<flavor>-<minor>.json", () => {
        assert.strictEqual(lockPath("image/locks", "upstream", "3.13"), path.join("image/locks", "upstream-3.13.json"));
    });

    it("the CLI prints the immutable tag the build spec computes", () => {
        const root = path.join(__dirname, "..", "..");
        const out = childProcess.execFileSync(
            process.execPath,
            ["-r", "ts-node/register/transpile-only", path.join(root, "components", "imageNaming.ts"), "--flavor", "debian", "--python", "3.13", "--variant", "debug"],
            { encoding: "utf8", cwd: root },
        );
        const lockBytes = fs.readFileSync(path.join(root, "image/locks/debian-3.13.json"));
        const spec = imageBuildSpec({
            sources: readBuildSources("image"), lockBytes, lockContextDir: "x", flavor: "debian", minor: "3.13", variant: "debug", platforms: ["linux/amd64", "linux/arm64"],
        });
        assert.strictEqual(out, `${spec.tag}\n`);
        assert.match(out, /^3\.13\.[0-9]+-[0-9a-f]{12}-debug\n$/);
    });
});
