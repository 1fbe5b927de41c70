/**
 * Debian version comparison, exactly as dpkg does it (deb-version(7)):
 * `[epoch:]upstream_version[-debian_revision]`, compared epoch first (numerically), then
 * upstream and revision with dpkg's alternating non-digit/digit algorithm, where `~` sorts
 * before everything (even the end of the string) and letters sort before other characters.
 */

export interface DebianVersion {
  epoch: number;
  upstream: string;
  revision: string;
}

/** Splits a version string; throws on a malformed one (empty, bad epoch). */
export function parseDebianVersion(version: string): DebianVersion {
  const v = version.trim();
  if (v === "") throw new Error(`invalid Debian version "${version}": empty`);
  let epoch = 0;
  let rest = v;
  const colon = v.indexOf(":");
  if (colon >= 0) {
    const e = v.slice(0, colon);
    if (!/^[0-9]+$/.test(e)) throw new Error(`invalid Debian version "${version}": epoch "${e}" is not a number`);
    epoch = Number(e);
    rest = v.slice(colon + 1);
  }
  const dash = rest.lastIndexOf("-");
  const upstream = dash >= 0 ? rest.slice(0, dash) : rest;
  const revision = dash >= 0 ? rest.slice(dash + 1) : "";
  if (upstream === "" || !/^[0-9]/.test(upstream)) {
    throw new Error(`invalid Debian version "${version}": upstream version must start with a digit`);
  }
  return { epoch, upstream, revision };
}

function order(c: string | undefined): number {
  if (c === undefined) return 0;
  if (c === "~") return -1;
  if (/[0-9]/.test(c)) return 0;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

/** dpkg's verrevcmp: compares one upstream or revision part. */
function compareFragment(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !/[0-9]/.test(a[i])) || (j < b.length && !/[0-9]/.test(b[j]))) {
      const ac = order(a[i]);
      const bc = order(b[j]);
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a[i] === "0") i++;
    while (b[j] === "0") j++;
    while (i < a.length && /[0-9]/.test(a[i]) && j < b.length && /[0-9]/.test(b[j])) {
      if (firstDiff === 0) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (i < a.length && /[0-9]/.test(a[i])) return 1;
    if (j < b.length && /[0-9]/.test(b[j])) return -1;
    if (firstDiff !== 0) return firstDiff;
  }
  return 0;
}

/** Returns <0, 0 or >0 as `a` is older than, equal to or newer than `b`. */
export function compareDebianVersions(a: string, b: string): number {
  const va = parseDebianVersion(a);
  const vb = parseDebianVersion(b);
  if (va.epoch !== vb.epoch) return va.epoch - vb.epoch;
  const u = compareFragment(va.upstream, vb.upstream);
  if (u !== 0) return Math.sign(u);
  return Math.sign(compareFragment(va.revision, vb.revision));
}
