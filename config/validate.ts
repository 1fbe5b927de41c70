import { ConfigError, PROJECT, ProjectConfig, PROVIDER_KEYS, qualify, schema, SchemaKey } from "./schema";

/** Everything the program reads from stack config, parsed, validated and defaulted. */
export interface Config extends ProjectConfig {
    /** `gcp:project`. */
    gcpProject: string;
    /** `gcp:region`; also the Artifact Registry location. */
    gcpRegion: string;
}

const REGION_PATTERN = /^[a-z]+-[a-z]+[0-9]+$/;
const PROJECT_PATTERN = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;

/**
 * Validates raw stack config and applies the schema defaults. Pure: the input is the
 * engine's flat map of fully-qualified keys (`distroless-python:platforms`, `gcp:region`)
 * to values (strings as the engine passes them, arrays as JSON text; typed values are
 * accepted too). Keys of other namespaces are ignored; an undeclared key of this project
 * is an error, so a typo never silently falls back to a default.
 *
 * Throws a ConfigError naming the key, the bad value and what is accepted.
 */
export function validateConfig(raw: Record<string, unknown>): Config {
    const declared = Object.keys(schema) as SchemaKey[];
    for (const key of Object.keys(raw).sort()) {
        if (key.startsWith(`${PROJECT}:`) && !declared.includes(key.slice(PROJECT.length + 1) as SchemaKey)) {
            throw new ConfigError(
                `config key "${key}" is not declared in Pulumi.yaml; accepted keys: ${declared.map(qualify).join(", ")}`,
            );
        }
    }
    const parsed: Record<string, unknown> = {};
    for (const key of declared) {
        const value = raw[qualify(key)];
        // `??` not `||`: a configured 0, false or "" is a value, not a request for the default.
        parsed[key] = value === undefined ? schema[key].default : schema[key].parse(value, key);
    }
    const project = parsed as ProjectConfig;
    // Cross-key rule, checked here so it too fails before any resource is registered.
    if (project.appEnabled && !(project.variants.includes("builder") && project.variants.includes("runtime"))) {
        throw new ConfigError(
            `config key "${qualify("variants")}": ${JSON.stringify(project.variants)} lacks builder or runtime, which the sample app (appEnabled: true) builds on; accepted: include both, or set appEnabled: false`,
        );
    }
    // With imageSource release-lock the stack may manage no GCP resource at all (the local
    // stack): gcp:project and gcp:region are then optional, and "" means "no GCP".
    const gcpOptional = project.imageSource === "release-lock" && (raw["gcp:project"] === undefined || raw["gcp:project"] === "");
    if (gcpOptional) {
        for (const key of GCP_ONLY_KEYS) {
            if (project[key] !== schema[key].default) {
                throw new ConfigError(
                    `config key "${qualify(key)}": ${JSON.stringify(project[key])} needs GCP, but gcp:project is not set (imageSource release-lock without GCP); accepted: set gcp:project and gcp:region, or leave ${qualify(key)} at its default ${JSON.stringify(schema[key].default)}`,
                );
            }
        }
        return { ...project, gcpProject: "", gcpRegion: "" };
    }
    return {
        ...project,
        gcpProject: requireProviderKey(raw, "gcp:project", PROJECT_PATTERN, "a GCP project ID: 6-30 lowercase letters, digits and hyphens"),
        gcpRegion: requireProviderKey(raw, "gcp:region", REGION_PATTERN, "a GCP region such as europe-west1"),
    };
}

/** Keys whose non-default values create GCP resources (refused when the stack has no gcp:project). */
const GCP_ONLY_KEYS = ["gkeNodeServiceAccount", "appGcpServiceAccount", "rebuildEnabled", "githubRepository", "signingEnabled"] as const satisfies readonly SchemaKey[];

function requireProviderKey(
    raw: Record<string, unknown>,
    key: keyof typeof PROVIDER_KEYS,
    pattern: RegExp,
    accepted: string,
): string {
    const value = raw[key];
    if (value === undefined || value === "") {
        throw new ConfigError(`config key "${key}" is required: ${PROVIDER_KEYS[key]}; accepted: ${accepted}`);
    }
    if (typeof value !== "string" || !pattern.test(value)) {
        throw new ConfigError(`config key "${key}": ${JSON.stringify(value)} is not valid; accepted: ${accepted}`);
    }
    return value;
}
