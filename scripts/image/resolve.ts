/**
 * The resolve step: curated package list (data) + signed archive indexes -> lock.
 * Pure functions here; scripts/image-resolve.ts does the I/O.
 */
import { compareDebianVersions } from "./debianVersion";
import { VARIANTS } from "../../components/constants";
import type { PackageStanza } from "./archive";

/** Lock layers: one per image variant (the variant that first needs a package). */
export const LAYERS = VARIANTS;
export type Layer = (typeof LAYERS)[number];

/** image/packages/<flavor>.json: package names per layer, each with a justification. */
export interface PackageList {
  description?: string;
  layers: Record<Layer, { name: string; why: string }[]>;
}

export interface LockedPackage {
  layer: Layer;
  package: string;
  version: string;
  architecture: string;
  suite: string;
  filename: string;
  sha256: string;
  size: number;
}

export interface Lock {
  schemaVersion: 1;
  flavor: string;
  python: { minor: string; version: string; debianVersion?: string };
  suites: string[];
  architectures: Record<string, LockedPackage[]>;
}

/** Expands `{minor}` in package names (python{minor}-minimal -> python3.13-minimal). */
export function expandName(name: string, minor: string): string {
  return name.split("{minor}").join(minor);
}

/** Validates the curated list: known layers, no duplicates, a reason for every package. */
export function validatePackageList(list: PackageList, file: string): void {
  for (const layer of Object.keys(list.layers ?? {})) {
    if (!(LAYERS as readonly string[]).includes(layer)) {
      throw new Error(`${file}: unknown layer "${layer}" (accepted: ${LAYERS.join(", ")})`);
    }
  }
  for (const layer of LAYERS) {
    // The same package may serve two variants (busybox-static in debug and builder), never twice in one.
    const seen = new Set<string>();
    for (const p of list.layers[layer] ?? []) {
      if (!p.name || !p.why) throw new Error(`${file}: layers.${layer}: every package needs "name" and "why" (${JSON.stringify(p)})`);
      if (seen.has(p.name)) throw new Error(`${file}: layers.${layer}: package "${p.name}" is listed twice`);
      seen.add(p.name);
    }
  }
}

export interface SuiteStanzas {
  suite: string;
  stanzas: PackageStanza[];
}

/**
 * Picks, for every wanted package, the newest version any suite offers for this
 * architecture (ties go to the earlier suite, so trixie wins over a same-version copy).
 * Throws naming every package no suite has.
 */
export function pickNewest(wanted: { layer: Layer; name: string }[], arch: string, suites: SuiteStanzas[]): LockedPackage[] {
  const missing: string[] = [];
  const out: LockedPackage[] = [];
  for (const w of wanted) {
    let best: { suite: string; s: PackageStanza } | undefined;
    for (const { suite, stanzas } of suites) {
      for (const s of stanzas) {
        if (s.package !== w.name || (s.architecture !== arch && s.architecture !== "all")) continue;
        if (!best || compareDebianVersions(s.version, best.s.version) > 0) best = { suite, s };
      }
    }
    if (!best) {
      missing.push(w.name);
      continue;
    }
    out.push({
      layer: w.layer,
      package: w.name,
      version: best.s.version,
      architecture: best.s.architecture,
      suite: best.suite,
      filename: best.s.filename,
      sha256: best.s.sha256,
      size: best.s.size,
    });
  }
  if (missing.length) throw new Error(`no suite offers ${missing.join(", ")} for ${arch}`);
  return out.sort((a, b) => LAYERS.indexOf(a.layer) - LAYERS.indexOf(b.layer) || (a.package < b.package ? -1 : a.package > b.package ? 1 : 0));
}

/**
 * Serializes a lock deterministically: fixed key order, one package per line (so a version
 * bump is a one-line diff and the Dockerfile can read it with sed, no JSON tool needed).
 */
export function serializeLock(lock: Lock): string {
  const lines: string[] = [];
  lines.push("{");
  lines.push(`  "schemaVersion": ${lock.schemaVersion},`);
  lines.push(`  "flavor": ${JSON.stringify(lock.flavor)},`);
  lines.push(`  "python": ${JSON.stringify({ minor: lock.python.minor, version: lock.python.version, debianVersion: lock.python.debianVersion })},`);
  lines.push(`  "suites": ${JSON.stringify(lock.suites)},`);
  lines.push(`  "architectures": {`);
  const arches = Object.keys(lock.architectures).sort();
  arches.forEach((arch, ai) => {
    lines.push(`    ${JSON.stringify(arch)}: [`);
    const pkgs = lock.architectures[arch];
    pkgs.forEach((p, pi) => {
      const ordered = {
        layer: p.layer, package: p.package, version: p.version, architecture: p.architecture,
        suite: p.suite, filename: p.filename, sha256: p.sha256, size: p.size,
      };
      lines.push(`      ${JSON.stringify(ordered)}${pi < pkgs.length - 1 ? "," : ""}`);
    });
    lines.push(`    ]${ai < arches.length - 1 ? "," : ""}`);
  });
  lines.push("  }");
  lines.push("}");
  return lines.join("\n") + "\n";
}

/** The upstream part of a Debian version with epoch and revision removed: 3.13.5-2+deb13u4 -> 3.13.5 */
export function upstreamPart(version: string): string {
  return version.replace(/^[0-9]+:/, "").replace(/-[^-]*$/, "");
}
