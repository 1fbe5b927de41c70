// Stack configuration: schema + defaults (schema.ts), pure validation (validate.ts),
// CPython release data (pythonVersions.ts), the CLI-less merge for tests and render
// (stackConfig.ts), and loadConfig(), which the program calls once.
import * as pulumi from "@pulumi/pulumi";
import { PROJECT, qualify, schema, SchemaKey } from "./schema";
import { Config, validateConfig } from "./validate";

export * from "./schema";
export * from "./validate";
export * from "./pythonVersions";
export * from "./stackConfig";
export * from "./releaseLock";

/**
 * Reads this stack's config from the engine once and validates it before any resource
 * is registered. Undeclared keys of this project are included so a typo fails loudly.
 */
export function loadConfig(): Config {
    const raw: Record<string, unknown> = {};
    const all = pulumi.runtime.allConfig();
    for (const key of Object.keys(all)) {
        if (key.startsWith(`${PROJECT}:`)) {
            raw[key] = all[key];
        }
    }
    const project = new pulumi.Config(PROJECT);
    for (const key of Object.keys(schema) as SchemaKey[]) {
        const value = project.get(key);
        if (value !== undefined) {
            raw[qualify(key)] = value;
        }
    }
    const gcp = new pulumi.Config("gcp");
    raw["gcp:project"] = gcp.get("project");
    raw["gcp:region"] = gcp.get("region");
    return validateConfig(raw);
}
