// Registry operations of the rebuild, through `docker buildx imagetools` (the same client
// docker-build's Index uses, with the engine's credentials: the local registry here,
// Artifact Registry through the runner's credential helper in Cloud Build).
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { DIGEST_PATTERN, type Platform, PLATFORMS } from "../../components/constants";

/**
 * Runs docker; resolves to stdout, rejects with the tail of stderr. `logFile` keeps the whole
 * output (a build's log, for the operator reading a failed rebuild).
 */
export function docker(args: string[], env: NodeJS.ProcessEnv = process.env, logFile?: string): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = spawn("docker", args, { env, stdio: ["ignore", "pipe", "pipe"] });
        const log = logFile ? fs.createWriteStream(logFile) : undefined;
        let out = "";
        let err = "";
        child.stdout.on("data", (d) => { out += d; log?.write(d); });
        child.stderr.on("data", (d) => { err += d; log?.write(d); });
        child.on("error", reject);
        child.on("close", (code) => {
            log?.end();
            if (code === 0) resolve(out);
            else reject(new Error(`docker ${args.slice(0, 3).join(" ")} failed (exit ${code})${logFile ? ` (log: ${logFile})` : ""}:\n${err.trim().split("\n").slice(-25).join("\n")}`));
        });
    });
}

/** True when an inspect error means "no such tag" rather than a broken registry. */
function notFound(e: Error): boolean {
    return /not found|404|manifest unknown|name unknown/i.test(e.message);
}

/** The digest a reference resolves to, or undefined when the tag does not exist. */
export async function resolveDigest(ref: string): Promise<string | undefined> {
    try {
        const digest = JSON.parse(await docker(["buildx", "imagetools", "inspect", ref, "--format", "{{json .Manifest.Digest}}"])) as string;
        if (!DIGEST_PATTERN.test(digest)) throw new Error(`registry returned ${JSON.stringify(digest)} for ${ref}`);
        return digest;
    } catch (e) {
        if (notFound(e as Error)) return undefined;
        throw e;
    }
}

/**
 * What a published tag names, read in one request so the two agree: its digest and the
 * `org.opencontainers.image.revision` label (every platform of an index must agree; "(mixed)"
 * otherwise), the buildId it was built from. undefined when the tag does not exist.
 */
export async function publishedTag(ref: string): Promise<{ digest: string; revision: string | undefined } | undefined> {
    let out: string;
    try {
        out = await docker(["buildx", "imagetools", "inspect", ref, "--format", '{"digest":{{json .Manifest.Digest}},"image":{{json .Image}}}']);
    } catch (e) {
        if (notFound(e as Error)) return undefined;
        throw e;
    }
    type Config = { config?: { Labels?: Record<string, string> } };
    const { digest, image } = JSON.parse(out) as { digest: string; image: Config | Record<string, Config> };
    if (!DIGEST_PATTERN.test(digest)) throw new Error(`registry returned ${JSON.stringify(digest)} for ${ref}`);
    const configs: Config[] = "config" in image ? [image as Config] : Object.values(image as Record<string, Config>);
    const revisions = new Set(configs.map((c) => c.config?.Labels?.["org.opencontainers.image.revision"] ?? ""));
    return { digest, revision: revisions.size !== 1 ? "(mixed)" : [...revisions][0] || undefined };
}

type RawIndex = { manifests?: { digest: string; platform?: { os?: string; architecture?: string } }[] };

/**
 * The platform manifests of an index's raw JSON, in its order: an attestation manifest
 * (platform unknown/unknown) or a platform this project does not build is left out.
 */
export function platformManifests(ref: string, raw: RawIndex): { platform: Platform; digest: string }[] {
    if (!Array.isArray(raw.manifests)) throw new Error(`${ref} is not an index (the rebuild publishes every image as one)`);
    return raw.manifests
        .map((m) => ({ platform: `${m.platform?.os}/${m.platform?.architecture}` as Platform, digest: m.digest }))
        .filter((m) => (PLATFORMS as readonly string[]).includes(m.platform) && DIGEST_PATTERN.test(m.digest));
}

/** The platform manifests a published index names (see platformManifests). */
export async function indexManifests(ref: string): Promise<{ platform: Platform; digest: string }[]> {
    return platformManifests(ref, JSON.parse(await docker(["buildx", "imagetools", "inspect", ref, "--raw"])) as RawIndex);
}

/** Joins per-platform manifests (by digest) into an index under `tag`; resolves to the index digest. */
export async function createIndex(repo: string, tag: string, manifests: string[]): Promise<string> {
    await docker(["buildx", "imagetools", "create", "--tag", `${repo}:${tag}`, ...manifests.map((d) => `${repo}@${d}`)]);
    const digest = await resolveDigest(`${repo}:${tag}`);
    if (!digest) throw new Error(`${repo}:${tag} was pushed but does not resolve`);
    return digest;
}

/**
 * Points `tag` at an existing index. Refuses (and says so) if the registry would store
 * anything but that very digest: a moving tag must name the tested digest, never a copy.
 */
export async function moveTag(repo: string, tag: string, digest: string): Promise<void> {
    await docker(["buildx", "imagetools", "create", "--tag", `${repo}:${tag}`, `${repo}@${digest}`]);
    const now = await resolveDigest(`${repo}:${tag}`);
    if (now !== digest) throw new Error(`moving tag ${repo}:${tag} resolves to ${now}, not the tested ${digest}`);
}
