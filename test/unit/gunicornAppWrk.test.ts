// The load test's verdict rests on parsing wrk's report: errors must never parse as zero.
import * as assert from "assert";
import { parseWrk } from "../app/harness";

const CLEAN = `Running 30s test @ http://127.0.0.1:8080/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    20.61ms   12.02ms 161.37ms   80.12%
    Req/Sec   168.73     40.11   260.00     70.00%
  Latency Distribution
     50%   18.12ms
     75%   24.50ms
     90%   33.01ms
     99%   61.37ms
  10088 requests in 30.07s, 2.05MB read
Requests/sec:    335.45
Transfer/sec:     69.77KB
`;
const FAILING = CLEAN.replace("Requests/sec:", "  Socket errors: connect 0, read 3, write 0, timeout 2\n  Non-2xx or 3xx responses: 7\nRequests/sec:").replace("99%   61.37ms", "99%    1.20s");

describe("wrk report parsing (load test and bench)", () => {
    it("reads requests, rate and p99 of a clean run", () => {
        const r = parseWrk(CLEAN);
        assert.deepStrictEqual([r.requests, r.rps, r.p99ms, r.errors, r.non2xx], [10088, 335.45, 61.37, 0, 0]);
    });
    it("counts socket errors and non-2xx responses, and p99 in seconds", () => {
        const r = parseWrk(FAILING);
        assert.deepStrictEqual([r.errors, r.non2xx, r.p99ms], [5, 7, 1200]);
    });
});
