// The examples' checks can fail: each is fed a correct answer (passes) and a subtly wrong one
// (rejected, naming what differs), without Docker.
import * as assert from "assert";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { VERIFIER_SPECS, type Get } from "../../../scripts/examples/verify";

describe("examples verifiers reject wrong work", () => {
    let inputDir = "";
    beforeEach(() => { inputDir = fs.mkdtempSync(path.join(os.tmpdir(), "verify-unit-")); });
    afterEach(() => fs.rmSync(inputDir, { recursive: true, force: true }));
    const ctx = () => ({ inputDir, fixtures: {}, nonce: "0123456789abcdef" });

    it("pandas: the right per-region sums pass; one unit off in one region fails", async () => {
        const spec = VERIFIER_SPECS.pandas;
        const c = ctx();
        spec.prepare(c);
        const groups: Record<string, { units: number; revenue_cents: number; rows: number }> = {};
        const lines = fs.readFileSync(path.join(inputDir, "sales.csv"), "utf8").trim().split("\n").slice(1);
        for (const l of lines) {
            const [r, , u, p] = l.split(",");
            const g = (groups[r] ??= { units: 0, revenue_cents: 0, rows: 0 });
            g.units += Number(u); g.revenue_cents += Number(u) * Number(p); g.rows++;
        }
        const out = (g: typeof groups) => JSON.stringify({ input_rows: lines.length, groups: g, parquet_rows: Object.keys(g).length, parquet_sha256: "a".repeat(64), versions: {} });
        assert.match(await spec.verify(c, { stdout: out(groups) }), /20000 rows -> 5 groups/);
        const wrong = structuredClone(groups);
        wrong.emea.units += 1;
        await assert.rejects(spec.verify(c, { stdout: out(wrong) }), /per-region sums read back from Parquet: got/);
    });

    it("fastapi: a body whose sha256 was not computed from the request fails", async () => {
        const spec = VERIFIER_SPECS.fastapi;
        const c = ctx();
        const q = `distroless-${c.nonce}`;
        const good = crypto.createHash("sha256").update(`4217:${q}`).digest("hex");
        const server = (sha: string): Get => async (p) => p.startsWith("/items/4217")
            ? { status: 200, body: JSON.stringify({ item_id: 4217, q, sha256: sha, python: "3.13.5" }) }
            : { status: 422, body: "{}" };
        assert.match(await spec.verify(c, { stdout: "", get: server(good) }), /sha256 ok/);
        await assert.rejects(spec.verify(c, { stdout: "", get: server("0".repeat(64)) }), /sha256 of "4217:q": got/);
    });

    it("sample-app: another service's answer fails", async () => {
        const get = (service: string): Get => async (p) => p === "/" ? { status: 200, body: JSON.stringify({ service }) } : { status: 200, body: '{"slept":0.05}' };
        assert.ok(await VERIFIER_SPECS["sample-app"].verify(ctx(), { stdout: "", get: get("sample-app") }));
        await assert.rejects(VERIFIER_SPECS["sample-app"].verify(ctx(), { stdout: "", get: get("other") }), /GET \/ service: got "other"/);
    });
});
