// The few Cloud Storage calls the rebuild makes (JSON API, no SDK): create-if-generation,
// read with generation, delete-at-generation. In Cloud Build the token comes from the
// metadata server (the build's service account); STORAGE_EMULATOR_HOST points it at an
// emulator (fake-gcs-server) instead, as Google's client libraries do.

export interface GcsObject { body: string; generation: number }

export interface GcsClient {
    /** Writes the object if its generation is `ifGenerationMatch` (0: absent); resolves to the new generation, or undefined when the precondition failed. */
    create(bucket: string, object: string, body: string, ifGenerationMatch: number): Promise<number | undefined>;
    /** The object and its generation, or undefined when it does not exist. */
    read(bucket: string, object: string): Promise<GcsObject | undefined>;
    /** Deletes the object at that generation (a newer one is left alone). */
    remove(bucket: string, object: string, generation: number): Promise<void>;
}

export function parseGsUrl(url: string): { bucket: string; object: string } {
    const m = /^gs:\/\/([a-z0-9][a-z0-9._-]{1,220}[a-z0-9])\/(.+)$/.exec(url);
    if (!m) throw new Error(`${JSON.stringify(url)} is not a gs://BUCKET/OBJECT URL`);
    return { bucket: m[1], object: m[2] };
}

/** A token of the metadata server's account (the build's service account in Cloud Build). */
export async function metadataToken(): Promise<string> {
    const res = await fetch("http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token", { headers: { "Metadata-Flavor": "Google" } });
    if (!res.ok) throw new Error(`metadata server refused a token (HTTP ${res.status}): run inside Cloud Build, or set STORAGE_EMULATOR_HOST`);
    return ((await res.json()) as { access_token: string }).access_token;
}

export function gcsClient(env: NodeJS.ProcessEnv = process.env): GcsClient {
    const emulator = env.STORAGE_EMULATOR_HOST;
    const base = emulator ? emulator.replace(/\/+$/, "") : "https://storage.googleapis.com";
    const headers = async (): Promise<Record<string, string>> => (emulator ? {} : { Authorization: `Bearer ${await metadataToken()}` });
    const enc = encodeURIComponent;
    return {
        async create(bucket, object, body, ifGenerationMatch) {
            const url = `${base}/upload/storage/v1/b/${enc(bucket)}/o?uploadType=media&name=${enc(object)}&ifGenerationMatch=${ifGenerationMatch}`;
            const res = await fetch(url, { method: "POST", headers: { ...(await headers()), "Content-Type": "application/json" }, body });
            if (res.status === 412) return undefined;
            if (!res.ok) throw new Error(`gs://${bucket}/${object}: upload failed (HTTP ${res.status}): ${await res.text()}`);
            return Number(((await res.json()) as { generation: string }).generation);
        },
        async read(bucket, object) {
            const meta = await fetch(`${base}/storage/v1/b/${enc(bucket)}/o/${enc(object)}`, { headers: await headers() });
            if (meta.status === 404) return undefined;
            if (!meta.ok) throw new Error(`gs://${bucket}/${object}: read failed (HTTP ${meta.status})`);
            const generation = Number(((await meta.json()) as { generation: string }).generation);
            const media = await fetch(`${base}/storage/v1/b/${enc(bucket)}/o/${enc(object)}?alt=media&generation=${generation}`, { headers: await headers() });
            if (!media.ok) throw new Error(`gs://${bucket}/${object}#${generation}: read failed (HTTP ${media.status})`);
            return { body: await media.text(), generation };
        },
        async remove(bucket, object, generation) {
            const res = await fetch(`${base}/storage/v1/b/${enc(bucket)}/o/${enc(object)}?ifGenerationMatch=${generation}`, { method: "DELETE", headers: await headers() });
            if (!res.ok && res.status !== 404 && res.status !== 412) throw new Error(`gs://${bucket}/${object}: delete failed (HTTP ${res.status})`);
        },
    };
}
