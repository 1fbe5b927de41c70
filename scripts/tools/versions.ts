/**
 * tools/versions.json: what the tools installer builds (data only; the recipes live in
 * recipes/*.ts). Parsed and validated here so a typo fails before a 15-minute build starts.
 */
import * as fs from "node:fs";

export const TOOL_NAMES = ["fake-gcs-server", "pulumi", "pulumi-kubernetes", "etcd", "kubernetes", "kwok", "actionlint"] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

/** Fields each tool entry must carry (all strings unless listed in LIST_FIELDS). */
const REQUIRED: Record<ToolName, readonly string[]> = {
    "fake-gcs-server": ["module", "version"],
    pulumi: ["module", "version", "sdkModule"],
    // moduleVersion is what the Go proxy serves (a pseudo-version of sourceCommit); version is
    // what the binary is stamped with, the one @pulumi/kubernetes asks the engine for.
    "pulumi-kubernetes": ["module", "moduleVersion", "sourceCommit", "version", "sdkModule", "sdkVersion"],
    // debianVersion names the cache folder; module@version is the fallback Go build when that
    // package is gone from the archive or does not run on this host.
    etcd: ["debianPackage", "debianSuite", "debianVersion", "module", "version"],
    kubernetes: ["module", "version", "stagingVersion", "binaries"],
    kwok: ["module", "version"],
    actionlint: ["module", "version"],
};
const LIST_FIELDS = new Set(["binaries"]);

export interface ToolVersions {
    goMinimum: string;
    tools: Record<ToolName, Record<string, string | string[]>>;
}

const GO_VERSION = /^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

/** Validates the parsed JSON; every error names the file, the JSON path and what is accepted. */
export function validateToolVersions(raw: unknown, file: string): ToolVersions {
    const fail = (path: string, accepted: string, got: unknown): never => {
        throw new Error(`${file}: ${path} is ${JSON.stringify(got)}; expected ${accepted}`);
    };
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) fail("$", "an object", raw);
    const doc = raw as Record<string, unknown>;
    if (doc.schemaVersion !== 1) fail("$.schemaVersion", "1", doc.schemaVersion);
    const go = doc.go as Record<string, unknown> | undefined;
    if (typeof go?.minimum !== "string" || !/^\d+\.\d+$/.test(go.minimum)) fail("$.go.minimum", 'a Go release like "1.26"', go?.minimum);
    const tools = doc.tools as Record<string, unknown> | undefined;
    if (typeof tools !== "object" || tools === null) fail("$.tools", "an object keyed by tool name", tools);
    const out = {} as ToolVersions["tools"];
    for (const name of Object.keys(tools!)) {
        if (!(TOOL_NAMES as readonly string[]).includes(name)) fail(`$.tools.${name}`, `one of ${TOOL_NAMES.join(", ")}`, name);
    }
    for (const name of TOOL_NAMES) {
        const entry = tools![name] as Record<string, unknown> | undefined;
        if (typeof entry !== "object" || entry === null) fail(`$.tools["${name}"]`, "an object", entry);
        for (const field of REQUIRED[name]) {
            const value = entry![field];
            const path = `$.tools["${name}"].${field}`;
            if (LIST_FIELDS.has(field)) {
                if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === "string" && v !== "")) {
                    fail(path, "a non-empty list of names", value);
                }
            } else if (typeof value !== "string" || value === "") {
                fail(path, "a non-empty string", value);
            }
        }
        for (const field of ["version", "moduleVersion", "sdkVersion", "stagingVersion"]) {
            const value = entry![field];
            // The Kubernetes provider's stamped version is a plain semver (no "v"): it is the
            // plugin version the engine matches against @pulumi/kubernetes.
            if (name === "pulumi-kubernetes" && field === "version") {
                if (!/^\d+\.\d+\.\d+$/.test(String(value))) fail(`$.tools["${name}"].version`, 'a plain semver like "4.34.2"', value);
                continue;
            }
            if (value !== undefined && !GO_VERSION.test(String(value))) {
                fail(`$.tools["${name}"].${field}`, 'a Go module version like "v1.2.3"', value);
            }
        }
        out[name] = entry as Record<string, string | string[]>;
    }
    return { goMinimum: go!.minimum as string, tools: out };
}

export function loadToolVersions(file: string): ToolVersions {
    let raw: unknown;
    try {
        raw = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
        throw new Error(`${file}: cannot read tool versions: ${(err as Error).message}`);
    }
    return validateToolVersions(raw, file);
}

/** A string field of a validated entry (validation guarantees presence). */
export function field(versions: ToolVersions, tool: ToolName, key: string): string {
    return versions.tools[tool][key] as string;
}
export function listField(versions: ToolVersions, tool: ToolName, key: string): string[] {
    return versions.tools[tool][key] as string[];
}
