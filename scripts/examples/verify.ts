/**
 * What "real work" means per example: the inputs the run gets and the checks on its output.
 * Every expected value is computed here independently (our own arithmetic, our own SQL, our
 * own Ed25519 verification, a direct read from the storage emulator), never taken from the
 * example's own report.
 */
import * as crypto from "node:crypto";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Verifier } from "./catalog";

/** HTTP GET as the verifier sees it (the runner supplies one that enters the container's netns). */
export type Get = (urlPath: string) => Promise<{ status: number; body: string }>;

export interface VerifyContext {
    /** Host directory mounted read-only at /input in the container. */
    inputDir: string;
    /** Fixture details (fixtures.ts Running.info), keyed "<fixture>.<key>". */
    fixtures: Record<string, string>;
    /** Per-run unique token, so no result can be a leftover of an earlier run. */
    nonce: string;
}

export interface VerifierSpec {
    /** Writes inputs into ctx.inputDir; returns extra environment for the run. */
    prepare(ctx: VerifyContext): Record<string, string>;
    /** mode job: checks stdout. mode server: checks answers from `get`. Throws on a mismatch. */
    verify(ctx: VerifyContext, out: { stdout: string; get?: Get }): Promise<string>;
}

/** JSON with object keys sorted, so equal values compare equal whatever their key order. */
export function canonicalJson(v: unknown): string {
    if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
    if (v && typeof v === "object") {
        return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(",")}}`;
    }
    return JSON.stringify(v);
}

function expectEq(what: string, got: unknown, want: unknown): void {
    const [g, w] = [canonicalJson(got), canonicalJson(want)];
    if (g !== w) throw new Error(`${what}: got ${g}, expected ${w}`);
}

const sha256 = (b: string | Buffer) => crypto.createHash("sha256").update(b).digest("hex");

/** The example's one JSON line (the last non-empty line of stdout). */
export function lastJson(stdout: string): Record<string, unknown> {
    const line = stdout.trim().split("\n").filter(Boolean).pop() ?? "";
    try {
        return JSON.parse(line);
    } catch {
        throw new Error(`no JSON result line in the output: ${JSON.stringify(stdout.slice(-500))}`);
    }
}

/** Deterministic pseudo-random integers (xorshift32), so inputs are reproducible per seed. */
export function rng(seed: number): () => number {
    let x = seed >>> 0 || 1;
    return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
}

const fastapi: VerifierSpec = {
    prepare: () => ({}),
    async verify(ctx, { get }) {
        const q = `distroless-${ctx.nonce}`;
        const r = await get!(`/items/4217?q=${encodeURIComponent(q)}`);
        expectEq("GET /items/4217 status", r.status, 200);
        const body = JSON.parse(r.body);
        expectEq("item_id", body.item_id, 4217);
        expectEq("sha256 of \"4217:q\"", body.sha256, sha256(`4217:${q}`));
        const bad = await get!("/items/not-a-number");
        expectEq("GET /items/not-a-number status (FastAPI validation)", bad.status, 422);
        return `GET /items/4217 -> sha256 ok on Python ${body.python}; invalid id -> 422`;
    },
};

const sampleApp: VerifierSpec = {
    prepare: () => ({}),
    async verify(_ctx, { get }) {
        const r = await get!("/");
        expectEq("GET / status", r.status, 200);
        expectEq("GET / service", JSON.parse(r.body).service, "sample-app");
        const slow = await get!("/slow?seconds=0.05");
        expectEq("GET /slow?seconds=0.05", [slow.status, JSON.parse(slow.body).slept], [200, 0.05]);
        return "GET / -> sample-app, /slow -> slept 0.05";
    },
};

const REGIONS = ["emea", "apac", "amer", "latam", "anz"];
const pandas: VerifierSpec = {
    prepare(ctx) {
        const next = rng(parseInt(ctx.nonce.slice(0, 8), 16));
        const rows = ["region,product,units,price_cents"];
        for (let i = 0; i < 20000; i++) rows.push(`${REGIONS[next() % REGIONS.length]},p${next() % 50},${next() % 100},${100 + (next() % 9900)}`);
        fs.writeFileSync(path.join(ctx.inputDir, "sales.csv"), rows.join("\n") + "\n");
        return {};
    },
    async verify(ctx, { stdout }) {
        const want: Record<string, { units: number; revenue_cents: number; rows: number }> = {};
        const lines = fs.readFileSync(path.join(ctx.inputDir, "sales.csv"), "utf8").trim().split("\n").slice(1);
        for (const l of lines) {
            const [region, , units, price] = l.split(",");
            const g = (want[region] ??= { units: 0, revenue_cents: 0, rows: 0 });
            g.units += Number(units); g.revenue_cents += Number(units) * Number(price); g.rows += 1;
        }
        const sorted = Object.fromEntries(Object.keys(want).sort().map((k) => [k, want[k]]));
        const got = lastJson(stdout);
        expectEq("input_rows", got.input_rows, lines.length);
        expectEq("per-region sums read back from Parquet", got.groups, sorted);
        expectEq("parquet_rows", got.parquet_rows, Object.keys(want).length);
        if (!/^[0-9a-f]{64}$/.test(String(got.parquet_sha256))) throw new Error(`parquet_sha256 is ${JSON.stringify(got.parquet_sha256)}`);
        return `${lines.length} rows -> ${Object.keys(want).length} groups, Parquet sha256 ${String(got.parquet_sha256).slice(0, 12)} (${JSON.stringify(got.versions)})`;
    },
};

/** The GCS/gRPC job's inputs: a function of the nonce, so the check recomputes them. */
function gcsGrpcEnv(nonce: string): Record<string, string> {
    return {
        GCS_BUCKET: `bucket-${nonce}`, GCS_OBJECT: `dir/object-${nonce}.bin`,
        GCS_PAYLOAD: `payload ${nonce} `.repeat(300),
        GRPC_NUMBERS: "1.5,2.25,40,-3", GRPC_TEXT: `grpc-${nonce}`,
    };
}

const gcsGrpc: VerifierSpec = {
    prepare: (ctx) => gcsGrpcEnv(ctx.nonce),
    async verify(ctx, { stdout }) {
        const env = gcsGrpcEnv(ctx.nonce);
        const got = lastJson(stdout) as { gcs: Record<string, unknown>; grpc: Record<string, unknown> };
        const payloadSha = sha256(env.GCS_PAYLOAD);
        expectEq("gcs uploaded_sha256", got.gcs.uploaded_sha256, payloadSha);
        expectEq("gcs downloaded_sha256", got.gcs.downloaded_sha256, payloadSha);
        // The emulator's own copy, read without the Python client.
        const url = `${ctx.fixtures["fake-gcs-server.base"]}/storage/v1/b/${env.GCS_BUCKET}/o/${encodeURIComponent(env.GCS_OBJECT)}?alt=media`;
        const direct = Buffer.from(await (await fetch(url)).arrayBuffer());
        expectEq("object as stored in fake-gcs-server (sha256)", sha256(direct), payloadSha);
        expectEq("gcs md5 (base64)", got.gcs.md5, crypto.createHash("md5").update(env.GCS_PAYLOAD).digest("base64"));
        expectEq("grpc sum", got.grpc.sum, 1.5 + 2.25 + 40 - 3);
        expectEq("grpc reversed", got.grpc.reversed, [...env.GRPC_TEXT].reverse().join(""));
        return `GCS object ${direct.length} bytes round-tripped (emulator copy matches), gRPC Compute answered`;
    },
};

const postgres: VerifierSpec = {
    prepare(ctx) {
        const next = rng(parseInt(ctx.nonce.slice(0, 8), 16));
        const customers = ["ada", "grace", "linus", "guido"];
        const orders: string[] = [];
        for (let i = 1; i <= 500; i++) {
            const cents = next() % 100000;
            orders.push(`  <order id="${i}"><customer>${customers[next() % customers.length]}</customer><amount>${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}</amount></order>`);
        }
        fs.writeFileSync(path.join(ctx.inputDir, "orders.xml"), `<?xml version="1.0" encoding="UTF-8"?>\n<orders>\n${orders.join("\n")}\n</orders>\n`);
        return { ORDERS_TABLE: `orders_${ctx.nonce}` };
    },
    async verify(ctx, { stdout }) {
        const xml = fs.readFileSync(path.join(ctx.inputDir, "orders.xml"), "utf8");
        const want: Record<string, { orders: number; cents: number }> = {};
        for (const m of xml.matchAll(/<customer>(\w+)<\/customer><amount>(\d+)\.(\d\d)<\/amount>/g)) {
            const g = (want[m[1]] ??= { orders: 0, cents: 0 });
            g.orders += 1; g.cents += Number(m[2]) * 100 + Number(m[3]);
        }
        const money = (c: number) => `${Math.floor(c / 100)}.${String(c % 100).padStart(2, "0")}`;
        const wantAgg = Object.fromEntries(Object.keys(want).sort().map((k) => [k, { orders: want[k].orders, total: money(want[k].cents) }]));
        const got = lastJson(stdout) as Record<string, string | number | object>;
        expectEq("orders parsed", got.orders, 500);
        expectEq("aggregate from PostgreSQL", got.aggregate, wantAgg);
        const canonical = Buffer.from(String(got.canonical_b64), "base64");
        expectEq("canonical JSON", JSON.parse(canonical.toString("utf8")), wantAgg);
        const pub = crypto.createPublicKey({ key: Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), Buffer.from(String(got.ed25519_public_b64), "base64")]), format: "der", type: "spki" });
        if (!crypto.verify(null, canonical, pub, Buffer.from(String(got.signature_b64), "base64"))) throw new Error("Ed25519 signature does not verify");
        // The rows as PostgreSQL holds them, through psql, not the example.
        const table = `orders_${ctx.nonce}`;
        const r = spawnSync(ctx.fixtures["postgres.psql"], [ctx.fixtures["postgres.url"], "-XAtc", `SELECT count(*), sum(amount) FROM "${table}"`], { encoding: "utf8" });
        const totalCents = Object.values(want).reduce((a, g) => a + g.cents, 0);
        expectEq("psql count|sum", r.stdout.trim(), `500|${money(totalCents)}`);
        return `500 orders -> PostgreSQL (psql agrees: ${r.stdout.trim()}), Ed25519 signature verifies, Fernet round trip`;
    },
};

export const VERIFIER_SPECS: Record<Verifier, VerifierSpec> = { "fastapi": fastapi, "sample-app": sampleApp, "pandas": pandas, "gcs-grpc": gcsGrpc, "postgres": postgres };
