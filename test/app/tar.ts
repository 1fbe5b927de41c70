// A minimal tar reader (ustar + pax/GNU long names): enough to walk `docker save` output and
// image layers without extracting them to disk.
import * as zlib from "node:zlib";

export interface TarEntry { name: string; type: string; mode: number; data: Buffer }

function field(b: Buffer, off: number, len: number): string {
    const s = b.subarray(off, off + len);
    const nul = s.indexOf(0);
    return s.subarray(0, nul === -1 ? len : nul).toString("utf8");
}

/** Decompresses gzip (magic 1f 8b) or returns the buffer as is. */
export function maybeGunzip(b: Buffer): Buffer {
    return b.length > 2 && b[0] === 0x1f && b[1] === 0x8b ? zlib.gunzipSync(b) : b;
}

export function isTar(b: Buffer): boolean {
    return b.length >= 512 && field(b, 257, 5) === "ustar";
}

export function* readTar(b: Buffer): Generator<TarEntry> {
    let off = 0;
    let longName: string | undefined;
    while (off + 512 <= b.length) {
        const h = b.subarray(off, off + 512);
        if (h.every((x) => x === 0)) break;
        const size = parseInt(field(h, 124, 12).trim() || "0", 8);
        const type = String.fromCharCode(h[156] || 48);
        const prefix = field(h, 345, 155);
        let name = (prefix ? `${prefix}/` : "") + field(h, 0, 100);
        const data = b.subarray(off + 512, off + 512 + size);
        off += 512 + Math.ceil(size / 512) * 512;
        if (type === "L") { longName = data.toString("utf8").replace(/\0+$/, ""); continue; }
        if (type === "x") {
            const m = /\d+ path=([^\n]*)\n/.exec(data.toString("utf8"));
            if (m) longName = m[1];
            continue;
        }
        if (type === "g") continue;
        if (longName !== undefined) { name = longName; longName = undefined; }
        yield { name, type, mode: parseInt(field(h, 100, 8).trim() || "0", 8), data };
    }
}
