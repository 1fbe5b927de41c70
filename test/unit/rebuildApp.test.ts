// The rebuild publishes the sample app the stacks deploy (rebuild --app FLAVOR/MINOR): its
// options, the bases it builds on and the platform, as policy. The build, check, signing and
// release-lock record run for real in test/image/rebuild.test.ts.
import * as assert from "assert";
import type { ReleaseLock } from "../../config/releaseLock";
import { appBases, appPlatform } from "../../scripts/rebuild/app";
import { parseAppBase, parseRebuildArgs } from "../../scripts/rebuild/options";

const D = (c: string) => `sha256:${c.repeat(64)}`;
const entry = (variant: string, c: string) => ({ tag: `3.13.5-abc-${variant}`, digest: D(c), ref: `127.0.0.1:5000/python-debian@${D(c)}` });

describe("rebuild --app: the sample app is published by the rebuild", () => {
    it("takes FLAVOR/MINOR and refuses anything else, naming the option and what is accepted", () => {
        assert.deepStrictEqual(parseAppBase("upstream/3.13"), { flavor: "upstream", minor: "3.13" });
        assert.deepStrictEqual(parseRebuildArgs(["--registry", "127.0.0.1:5000", "--app", "debian/3.14"], true).app, { flavor: "debian", minor: "3.14" });
        assert.strictEqual(parseRebuildArgs(["--registry", "127.0.0.1:5000"], true).app, undefined);
        for (const bad of ["conda/3.13", "debian", "debian/3", "debian/3.13/x", "/3.13"]) {
            assert.throws(() => parseAppBase(bad), new RegExp(`option --app: ${JSON.stringify(bad).replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} is not valid; accepted: FLAVOR/MINOR with FLAVOR one of upstream, debian`));
        }
    });
    it("builds on the builder and runtime the release being written names for that flavour and minor", () => {
        const lock: ReleaseLock = { schemaVersion: 1, repositoryUrl: "127.0.0.1:5000", apps: {}, images: { debian: { "3.13": { builder: entry("builder", "b"), runtime: entry("runtime", "r") } } } };
        assert.deepStrictEqual(appBases(lock, "debian", "3.13"), { builder: entry("builder", "b"), runtime: entry("runtime", "r") });
    });
    it("without both bases in the release it fails naming the missing variant, so no app is built on a half release", () => {
        const lock: ReleaseLock = { schemaVersion: 1, repositoryUrl: "127.0.0.1:5000", apps: {}, images: { debian: { "3.13": { runtime: entry("runtime", "r") } } } };
        assert.throws(() => appBases(lock, "debian", "3.13"), /--app debian\/3\.13: the release has no builder image of debian 3\.13/);
        assert.throws(() => appBases(lock, "upstream", "3.13"), /the release has no builder or runtime image of upstream 3\.13/);
    });
    it("is built for linux/amd64 when the run builds it (GKE's default nodes), else for the run's first platform", () => {
        assert.strictEqual(appPlatform(["linux/arm64", "linux/amd64"]), "linux/amd64");
        assert.strictEqual(appPlatform(["linux/arm64"]), "linux/arm64");
    });
});
