// What the rebuild reads back from the registry when it signs a published index again (a
// skipped image that does not verify with the run's key): exactly its platform manifests.
import * as assert from "assert";
import { platformManifests } from "../../scripts/rebuild/registry";

const d = (c: string) => `sha256:${c.repeat(64)}`;
const REF = `127.0.0.1:5000/python@${d("0")}`;

describe("a published index signed again: its platform manifests", () => {
    it("are the linux/amd64 and linux/arm64 entries, in the index's order", () => {
        assert.deepStrictEqual(platformManifests(REF, { manifests: [
            { digest: d("a"), platform: { os: "linux", architecture: "arm64" } },
            { digest: d("b"), platform: { os: "linux", architecture: "amd64" } },
        ] }), [{ platform: "linux/arm64", digest: d("a") }, { platform: "linux/amd64", digest: d("b") }]);
    });
    it("leave out attestation manifests (unknown/unknown) and platforms this project does not build", () => {
        assert.deepStrictEqual(platformManifests(REF, { manifests: [
            { digest: d("a"), platform: { os: "linux", architecture: "amd64" } },
            { digest: d("c"), platform: { os: "unknown", architecture: "unknown" } },
            { digest: d("e"), platform: { os: "linux", architecture: "s390x" } },
            { digest: d("f") },
        ] }), [{ platform: "linux/amd64", digest: d("a") }]);
    });
    it("refuse a single manifest (not an index), naming the reference", () => {
        assert.throws(() => platformManifests(REF, {}), /127\.0\.0\.1:5000\/python@sha256:0{64} is not an index/);
    });
});
