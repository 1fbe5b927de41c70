import type * as http from "node:http";
import type { AddressInfo } from "node:net";

/** A server listening on 127.0.0.1 (test traffic stays on loopback). */
export interface LoopbackServer {
    url: string;
    close(): Promise<void>;
}

/** Starts `server` on 127.0.0.1:`port` (0: any free port). */
export function listenLoopback(server: http.Server, port = 0): Promise<LoopbackServer> {
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, "127.0.0.1", () => {
            const { port: p } = server.address() as AddressInfo;
            resolve({ url: `http://127.0.0.1:${p}`, close: () => new Promise((r) => server.close(() => r())) });
        });
    });
}
