// Pushes a single-image OCI layout to a repository by digest, with no tag (the registry
// API's PUT /v2/<name>/manifests/<digest>): the rebuild's candidates exist in the registry,
// checkable by digest, before anything is tagged. BuildKit's own push-by-digest output needs a
// docker-container builder; this works with every builder, including the engine's own.
//
// Auth: anonymous for loopback registries; otherwise the Docker token flow (401 with a
// Bearer challenge -> token endpoint) with REGISTRY_USERNAME/REGISTRY_PASSWORD, or, for
// Artifact Registry in Cloud Build, `oauth2accesstoken` and the metadata server's token.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { REGISTRY_TOKEN_USER } from "../../components/constants";

interface Descriptor { mediaType: string; digest: string; size: number }

function splitRepo(repo: string): { host: string; name: string } {
    const slash = repo.indexOf("/");
    if (slash < 0) throw new Error(`repository ${JSON.stringify(repo)} has no registry host; accepted: HOST[:PORT]/NAME`);
    return { host: repo.slice(0, slash), name: repo.slice(slash + 1) };
}

const isLoopback = (host: string) => /^(127\.[0-9.]+|localhost)(:[0-9]+)?$/.test(host);

async function credentials(host: string): Promise<{ user: string; password: string } | undefined> {
    if (process.env.REGISTRY_USERNAME && process.env.REGISTRY_PASSWORD) return { user: process.env.REGISTRY_USERNAME, password: process.env.REGISTRY_PASSWORD };
    if (!host.endsWith(".pkg.dev")) return undefined;
    const res = await fetch("http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token", { headers: { "Metadata-Flavor": "Google" } });
    if (!res.ok) throw new Error(`no credentials for ${host}: set REGISTRY_USERNAME/REGISTRY_PASSWORD, or run where the metadata server answers`);
    return { user: REGISTRY_TOKEN_USER, password: ((await res.json()) as { access_token: string }).access_token };
}

/** A fetch that answers the registry's auth challenge once and keeps the token. */
export function registryClient(repo: string): { base: string; name: string; fetch: (p: string, init?: RequestInit) => Promise<Response> } {
    const { host, name } = splitRepo(repo);
    const base = `${isLoopback(host) ? "http" : "https"}://${host}/v2/${name}`;
    let auth: string | undefined;
    const call = async (p: string, init: RequestInit = {}): Promise<Response> => {
        const url = p.startsWith("http") ? p : `${base}${p}`;
        const res = await fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), ...(auth ? { Authorization: auth } : {}) } });
        if (res.status !== 401 || auth) return res;
        const challenge = res.headers.get("www-authenticate") ?? "";
        const creds = await credentials(host);
        if (/^basic/i.test(challenge) && creds) auth = `Basic ${Buffer.from(`${creds.user}:${creds.password}`).toString("base64")}`;
        else if (/^bearer/i.test(challenge)) {
            const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
            const q = new URLSearchParams({ service: params.service ?? "", scope: `repository:${name}:pull,push` });
            const tokenRes = await fetch(`${params.realm}?${q}`, { headers: creds ? { Authorization: `Basic ${Buffer.from(`${creds.user}:${creds.password}`).toString("base64")}` } : {} });
            if (!tokenRes.ok) throw new Error(`${host}: token request failed (HTTP ${tokenRes.status})`);
            const t = (await tokenRes.json()) as { token?: string; access_token?: string };
            auth = `Bearer ${t.token ?? t.access_token}`;
        } else return res;
        return call(p, init);
    };
    return { base, name, fetch: call };
}

function blobPath(layout: string, digest: string): string {
    const [alg, hex] = digest.split(":");
    return path.join(layout, "blobs", alg, hex);
}

/** Uploads one blob unless the repository already has it (monolithic upload: blobs here are small enough). */
async function pushBlob(client: ReturnType<typeof registryClient>, layout: string, d: Descriptor): Promise<void> {
    const head = await client.fetch(`/blobs/${d.digest}`, { method: "HEAD" });
    if (head.ok) return;
    const start = await client.fetch("/blobs/uploads/", { method: "POST" });
    if (start.status !== 202) throw new Error(`blob upload of ${d.digest} refused (HTTP ${start.status})`);
    const location = start.headers.get("location")!;
    const url = new URL(location, client.base);
    url.searchParams.set("digest", d.digest);
    const body = fs.readFileSync(blobPath(layout, d.digest));
    const put = await client.fetch(url.toString(), { method: "PUT", headers: { "Content-Type": "application/octet-stream", "Content-Length": String(body.length) }, body });
    if (put.status !== 201) throw new Error(`blob ${d.digest} not stored (HTTP ${put.status}): ${await put.text()}`);
}

/** Pushes the layout's one image manifest and its blobs to `repo` by digest; resolves to the manifest digest. */
export async function pushLayoutByDigest(layout: string, repo: string): Promise<string> {
    const index = JSON.parse(fs.readFileSync(path.join(layout, "index.json"), "utf8")) as { manifests: Descriptor[] };
    if (index.manifests.length !== 1) throw new Error(`${layout}: ${index.manifests.length} manifests; accepted: one single-platform image`);
    const top = index.manifests[0];
    const bytes = fs.readFileSync(blobPath(layout, top.digest));
    if (`sha256:${createHash("sha256").update(bytes).digest("hex")}` !== top.digest) throw new Error(`${layout}: manifest blob does not match ${top.digest}`);
    const manifest = JSON.parse(bytes.toString("utf8")) as { mediaType?: string; config?: Descriptor; layers?: Descriptor[]; manifests?: Descriptor[] };
    if (manifest.manifests) throw new Error(`${layout}: an index; accepted: one single-platform image`);
    const client = registryClient(repo);
    for (const d of [manifest.config!, ...(manifest.layers ?? [])]) await pushBlob(client, layout, d);
    const put = await client.fetch(`/manifests/${top.digest}`, { method: "PUT", headers: { "Content-Type": manifest.mediaType ?? top.mediaType }, body: bytes });
    if (put.status !== 201) throw new Error(`manifest ${top.digest} not stored in ${repo} (HTTP ${put.status}): ${await put.text()}`);
    return top.digest;
}
