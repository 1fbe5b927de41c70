/**
 * Pure helpers that turn a lock into the inputs of a reproducible build.
 */
import { createHash } from "node:crypto";

/** Debian 13 "trixie" release day (2025-08-09T00:00:00Z): the epoch range starts here. */
export const TRIXIE_RELEASE_EPOCH = 1754697600;
const SPAN_SECONDS = 366 * 24 * 3600;

export function lockSha256(lockBytes: Buffer | string): string {
  return createHash("sha256").update(lockBytes).digest("hex");
}

/**
 * SOURCE_DATE_EPOCH of a build, derived from the lock alone (issue 3: "its hash names the
 * build"): trixie's release day plus the lock hash's first 32 bits modulo one year, to the
 * second. Same lock -> same timestamps everywhere (files, image config, SBOM); any change of the
 * lock moves every timestamp, so a changed lock can never produce a digest seen before.
 */
export function sourceDateEpoch(lockBytes: Buffer | string): number {
  const h = lockSha256(lockBytes);
  return TRIXIE_RELEASE_EPOCH + (parseInt(h.slice(0, 8), 16) % SPAN_SECONDS);
}

/** RFC 3339 UTC timestamp of an epoch, for the org.opencontainers.image.created label. */
export function rfc3339(epoch: number): string {
  return new Date(epoch * 1000).toISOString().replace(/\.000Z$/, "Z");
}
