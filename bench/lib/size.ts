// One sizing method for every bench: the image as a registry holds it. Each image is pushed
// to a private loopback registry (scripts/lib/localRegistry.ts, its own port and storage),
// and its size is the sum of the layer blobs its manifest lists: the gzip'd bytes a pull
// downloads. Beside it, the same layers compressed with zstd at level 3 (BuildKit's default
// zstd level), computed here from each pushed layer's uncompressed tar, because a pull from a
// registry that serves zstd layers downloads that; and the unpacked size (the sum of the
// layers' regular files). The config blob and the manifest are not counted (a few KB).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { LocalRegistry } from "../../scripts/lib/localRegistry";
import { readTar } from "../../test/app/tar";

export const ZSTD_LEVEL = 3;

export interface Descriptor { mediaType: string; digest: string; size: number; platform?: { os: string; architecture: string; variant?: string } }
/** An image index / manifest list, or an image manifest, as a registry returns it. */
export interface ManifestDoc { mediaType?: string; manifests?: Descriptor[]; layers?: Descriptor[] }

const INDEX_TYPES = ["application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json"];
const MANIFEST_TYPES = ["application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json"];
export const GZIP_LAYER_TYPES = ["application/vnd.oci.image.layer.v1.tar+gzip", "application/vnd.docker.image.rootfs.diff.tar.gzip"];
const ACCEPT = [...INDEX_TYPES, ...MANIFEST_TYPES].join(", ");

/** True for an index (it lists manifests, not layers). */
export function isIndex(doc: ManifestDoc): boolean {
    return doc.manifests !== undefined || INDEX_TYPES.includes(doc.mediaType ?? "");
}

/**
 * The digest of `platform`'s image manifest in an index. BuildKit's attestation manifests sit
 * in the same index as platform `unknown/unknown`; they are not part of what runs.
 */
export function platformManifestDigest(index: ManifestDoc, platform: string): string {
    const [os_, arch, variant] = platform.split("/");
    const images = (index.manifests ?? []).filter((m) => m.platform?.architecture !== "unknown");
    const hit = images.filter((m) => m.platform?.os === os_ && m.platform.architecture === arch && (variant === undefined || m.platform.variant === variant));
    if (hit.length === 1) return hit[0].digest;
    // An index with one image manifest and no platform (some single-platform pushes).
    if (hit.length === 0 && images.length === 1 && images[0].platform === undefined) return images[0].digest;
    throw new Error(`the index lists ${hit.length} manifests for ${platform} (listed: ${images.map((m) => m.platform ? [m.platform.os, m.platform.architecture, m.platform.variant].filter(Boolean).join("/") : "no platform").join(", ") || "none"})`);
}

/** Layer count and the sum of the layer blob sizes an image manifest lists; every layer must be gzip. */
export function gzipLayerSum(manifest: ManifestDoc): { layers: number; bytes: number } {
    if (isIndex(manifest)) throw new Error("gzipLayerSum: got an index; pick the platform's manifest first (platformManifestDigest)");
    const layers = manifest.layers;
    if (!layers || layers.length === 0) throw new Error("the manifest lists no layers");
    for (const l of layers) {
        if (!GZIP_LAYER_TYPES.includes(l.mediaType)) throw new Error(`layer ${l.digest} is ${l.mediaType}, not gzip (accepted: ${GZIP_LAYER_TYPES.join(", ")}): its size is not the gzip size`);
        if (!Number.isInteger(l.size) || l.size <= 0) throw new Error(`layer ${l.digest}: size ${JSON.stringify(l.size)} is not a positive integer`);
    }
    return { layers: layers.length, bytes: layers.reduce((a, l) => a + l.size, 0) };
}

/** Sum of regular-file sizes and the entry paths (without a leading ./) of an uncompressed layer tar. */
export function walkLayer(tar: Buffer): { unpackedBytes: number; paths: string[] } {
    let unpackedBytes = 0;
    const paths: string[] = [];
    for (const e of readTar(tar)) {
        if (e.type === "0") unpackedBytes += e.data.length;
        paths.push(e.name.replace(/^\.\//, ""));
    }
    return { unpackedBytes, paths };
}

export interface ImageSize {
    ref: string;
    layers: number;
    /** Sum of the gzip layer blobs as pushed (what a pull downloads). */
    gzipBytes: number;
    /** Sum of the same layers recompressed with zstd -3. */
    zstdBytes: number;
    /** Sum of the layers' regular files. */
    unpackedBytes: number;
    /** Every entry path of every layer (a file deleted later still ships in its layer). */
    paths: string[];
}

function docker(args: string[], allowFail = false): string {
    const r = spawnSync("docker", args, { encoding: "utf8", maxBuffer: 64 << 20 });
    if (r.status !== 0 && !allowFail) throw new Error(`docker ${args.join(" ")} exited ${r.status}: ${(r.stderr || r.stdout).slice(-2000)}`);
    return r.stdout.trim();
}

/** A private loopback registry that images are pushed to only to be measured. */
export class SizeRegistry {
    private count = 0;
    private constructor(private readonly registry: LocalRegistry, private readonly dir: string) {}

    /** Starts it on 127.0.0.1:`port` (default $SIZE_REGISTRY_PORT or 5021), refusing a port already served. */
    static async start(port = Number(process.env.SIZE_REGISTRY_PORT ?? 5021)): Promise<SizeRegistry> {
        const addr = `127.0.0.1:${port}`;
        if (await fetch(`http://${addr}/v2/`).then(() => true, () => false)) {
            throw new Error(`something already listens on ${addr}; set SIZE_REGISTRY_PORT to a free port for the bench's size registry`);
        }
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-size-registry-"));
        const registry = new LocalRegistry(addr, dir);
        await registry.start();
        return new SizeRegistry(registry, dir);
    }

    private async get(repo: string, what: string, accept?: string): Promise<Buffer> {
        const url = `http://${this.registry.addr}/v2/${repo}/${what}`;
        const r = await fetch(url, { headers: accept ? { Accept: accept } : {} });
        if (!r.ok) throw new Error(`GET ${url}: HTTP ${r.status}`);
        return Buffer.from(await r.arrayBuffer());
    }

    /** Pushes `ref` (a local image) and measures it from the registry's copy. */
    async measure(ref: string, platform = "linux/amd64"): Promise<ImageSize> {
        const repo = `bench-size/image${this.count++}`;
        const pushed = `${this.registry.addr}/${repo}:measured`;
        docker(["tag", ref, pushed]);
        try {
            docker(["push", "--quiet", pushed]);
        } finally {
            docker(["rmi", pushed], true);
        }
        let doc = JSON.parse((await this.get(repo, "manifests/measured", ACCEPT)).toString("utf8")) as ManifestDoc;
        if (isIndex(doc)) doc = JSON.parse((await this.get(repo, `manifests/${platformManifestDigest(doc, platform)}`, ACCEPT)).toString("utf8")) as ManifestDoc;
        const { layers, bytes } = gzipLayerSum(doc);
        let zstdBytes = 0;
        let unpackedBytes = 0;
        const paths: string[] = [];
        for (const l of doc.layers!) {
            const tar = zlib.gunzipSync(await this.get(repo, `blobs/${l.digest}`));
            zstdBytes += zlib.zstdCompressSync(tar, { params: { [zlib.constants.ZSTD_c_compressionLevel]: ZSTD_LEVEL } }).length;
            const w = walkLayer(tar);
            unpackedBytes += w.unpackedBytes;
            paths.push(...w.paths);
        }
        return { ref, layers, gzipBytes: bytes, zstdBytes, unpackedBytes, paths };
    }

    async stop(): Promise<void> {
        await this.registry.stop();
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

/** Measures every image through one private registry (started and stopped here). */
export async function measureImages(refs: string[], platform = "linux/amd64"): Promise<ImageSize[]> {
    const reg = await SizeRegistry.start();
    try {
        const out: ImageSize[] = [];
        for (const ref of refs) out.push(await reg.measure(ref, platform));
        return out;
    } finally {
        await reg.stop();
    }
}

// `npx ts-node --transpile-only bench/lib/size.ts REF...`: the sizes of local images, as JSON.
if (require.main === module) {
    measureImages(process.argv.slice(2)).then((sizes) => {
        process.stdout.write(`${JSON.stringify(sizes.map(({ paths, ...s }) => ({ ...s, entries: paths.length })), null, 2)}\n`);
    }, (e: Error) => {
        process.stderr.write(`size: ${e.message}\n`);
        process.exit(1);
    });
}
