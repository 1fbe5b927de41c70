// The one sizing method of every bench (bench/lib/size.ts): the pushed manifest's gzip layer
// blobs, summed; what is not an image's gzip layers is refused, not counted.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { dpkgPackages } from "../../bench/image-bench";
import { gzipLayerSum, isIndex, platformManifestDigest, walkLayer, type ManifestDoc } from "../../bench/lib/size";

const GZ = "application/vnd.oci.image.layer.v1.tar+gzip";
const layer = (n: number, size: number, mediaType = GZ) => ({ mediaType, digest: `sha256:${String(n).repeat(64)}`, size });
const manifest = (m: string, arch: string, osName = "linux") => ({ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: `sha256:${m.repeat(64)}`, size: 500, platform: { os: osName, architecture: arch } });

describe("bench sizes: sum of the layer blobs as pushed", () => {
    it("an image's size is the sum of its manifest's layer sizes, config and manifest not counted", () => {
        const doc: ManifestDoc = { mediaType: "application/vnd.oci.image.manifest.v1+json", layers: [layer(1, 1000), layer(2, 234)] };
        assert.deepStrictEqual(gzipLayerSum(doc), { layers: 2, bytes: 1234 });
    });
    it("Docker's v2 manifest layer type counts as gzip too", () => {
        assert.deepStrictEqual(gzipLayerSum({ layers: [layer(1, 10, "application/vnd.docker.image.rootfs.diff.tar.gzip")] }), { layers: 1, bytes: 10 });
    });
    it("a zstd or uncompressed layer is refused, naming the layer and its type", () => {
        assert.throws(() => gzipLayerSum({ layers: [layer(1, 10), layer(2, 10, "application/vnd.oci.image.layer.v1.tar+zstd")] }),
            /layer sha256:2{64} is application\/vnd\.oci\.image\.layer\.v1\.tar\+zstd, not gzip/);
        assert.throws(() => gzipLayerSum({ layers: [layer(3, 10, "application/vnd.oci.image.layer.v1.tar")] }), /not gzip/);
    });
    it("a layer without a positive size is refused", () => {
        assert.throws(() => gzipLayerSum({ layers: [{ mediaType: GZ, digest: "sha256:x", size: 0 }] }), /layer sha256:x: size 0 is not a positive integer/);
    });
    it("an index is not summed: its platform's manifest is", () => {
        const index: ManifestDoc = { mediaType: "application/vnd.oci.image.index.v1+json", manifests: [manifest("a", "amd64")] };
        assert.ok(isIndex(index));
        assert.throws(() => gzipLayerSum(index), /got an index/);
        assert.throws(() => gzipLayerSum({ layers: [] }), /lists no layers/);
    });
    it("the platform's manifest is picked from an index; BuildKit's attestation manifests are skipped", () => {
        const index: ManifestDoc = { manifests: [manifest("a", "amd64"), manifest("b", "arm64"), manifest("c", "unknown", "unknown")] };
        assert.strictEqual(platformManifestDigest(index, "linux/amd64"), `sha256:${"a".repeat(64)}`);
        assert.strictEqual(platformManifestDigest(index, "linux/arm64"), `sha256:${"b".repeat(64)}`);
    });
    it("an index with one manifest and no platform field gives that manifest", () => {
        const index: ManifestDoc = { manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: "sha256:d", size: 1 }] };
        assert.strictEqual(platformManifestDigest(index, "linux/amd64"), "sha256:d");
    });
    it("a platform the index does not list fails naming the platforms it does", () => {
        assert.throws(() => platformManifestDigest({ manifests: [manifest("a", "amd64"), manifest("c", "unknown", "unknown")] }, "linux/arm64"),
            /lists 0 manifests for linux\/arm64 \(listed: linux\/amd64\)/);
    });
    it("unpacked size counts the layer's regular files, and every entry path is listed without ./", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "size-test-"));
        try {
            fs.mkdirSync(path.join(dir, "root", "var", "lib", "dpkg", "status.d"), { recursive: true });
            fs.writeFileSync(path.join(dir, "root", "var", "lib", "dpkg", "status.d", "libc6"), "x".repeat(700));
            fs.writeFileSync(path.join(dir, "root", "a.txt"), "hello");
            fs.symlinkSync("a.txt", path.join(dir, "root", "link"));
            const tar = spawnSync("tar", ["-c", "-C", path.join(dir, "root"), "."]).stdout;
            const w = walkLayer(tar);
            assert.strictEqual(w.unpackedBytes, 705);
            assert.ok(w.paths.includes("var/lib/dpkg/status.d/libc6"), w.paths.join(","));
            assert.ok(w.paths.includes("link"));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
    it("the package count is the distroless status.d entries, md5sums not counted, a package in two layers once", () => {
        assert.strictEqual(dpkgPackages(["var/lib/dpkg/status.d/libc6", "var/lib/dpkg/status.d/libc6.md5sums", "var/lib/dpkg/status.d/tzdata",
            "var/lib/dpkg/status.d/libc6", "var/lib/dpkg/status.d/", "usr/lib/x"]), 2);
    });
});
