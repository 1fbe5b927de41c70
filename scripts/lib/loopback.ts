import type * as http from "node:http";
import type { AddressInfo } from "node:net";

/** A server listening on 127.0.0.1 (test traffic stays on loopback). */
export interface LoopbackServer {
    url: string;
    close(): Promise<void>;
}

/**
 * Starts `server` on 127.0.0.1:`port` (0: any free port). Idle keep-alive connections stay open
 * for two minutes: a client that blocks its event loop between requests (a synchronous child
 * process) cannot notice the server closing after Node's default 5 s, and its next request on
 * the pooled connection would fail with "other side closed".
 */
export function listenLoopback(server: http.Server, port = 0): Promise<LoopbackServer> {
    server.keepAliveTimeout = 120_000;
    server.headersTimeout = 121_000;
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, "127.0.0.1", () => {
            const { port: p } = server.address() as AddressInfo;
            resolve({ url: `http://127.0.0.1:${p}`, close: () => new Promise((r) => server.close(() => r())) });
        });
    });
}
