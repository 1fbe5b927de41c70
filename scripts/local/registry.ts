/** The loopback registry's HTTP API (distribution v2), for digests and tags of pushed images. */
import { DIGEST_PATTERN } from "../../components/constants";

/** DIGEST_PATTERN without its anchors, to embed in a reference pattern. */
const DIGEST = DIGEST_PATTERN.source.replace(/^\^|\$$/g, "");

const ACCEPT = [
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

/** `sha256:...` of a manifest by tag or digest, or undefined when the registry does not hold it. */
export async function manifestDigest(registry: string, repository: string, reference: string): Promise<string | undefined> {
    const res = await fetch(`http://${registry}/v2/${repository}/manifests/${reference}`, { method: "HEAD", headers: { Accept: ACCEPT } });
    if (res.status === 404) return undefined;
    if (!res.ok) throw new Error(`registry ${registry}: HEAD ${repository}:${reference} answered ${res.status}`);
    const digest = res.headers.get("docker-content-digest");
    if (!digest || !DIGEST_PATTERN.test(digest)) throw new Error(`registry ${registry}: ${repository}:${reference} has no Docker-Content-Digest header`);
    return digest;
}

export async function tags(registry: string, repository: string): Promise<string[]> {
    const res = await fetch(`http://${registry}/v2/${repository}/tags/list`);
    if (res.status === 404) return [];
    if (!res.ok) throw new Error(`registry ${registry}: tags of ${repository} answered ${res.status}`);
    return ((await res.json()) as { tags: string[] | null }).tags ?? [];
}

/** Splits `<registry>/<repository>:<tag>` or `...@sha256:...` (the registry is the first segment). */
export function splitRef(ref: string): { registry: string; repository: string; reference: string } {
    const m = new RegExp(`^([^/]+)\\/([^@:]+(?:\\/[^@:]+)*)(?::([^@/]+)|@(${DIGEST}))$`).exec(ref);
    if (!m) throw new Error(`image reference ${JSON.stringify(ref)} is not valid; accepted: <registry>/<repository>:<tag> or @sha256:<64 hex>`);
    return { registry: m[1], repository: m[2], reference: m[3] ?? m[4] };
}
