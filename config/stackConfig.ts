// The Pulumi CLI merges Pulumi.yaml defaults with Pulumi.<stack>.yaml before it starts
// the program. Unit tests and `npm run render` run without the CLI, so this module does
// the same merge and hands the result to the (mocked) runtime.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";

/** A stack's effective config, in the shape the engine passes to programs. */
export interface StackConfig {
    /** Project name from Pulumi.yaml (the config namespace). */
    project: string;
    stack: string;
    /** Fully-qualified key -> value as the engine passes it (strings; arrays/objects as JSON). */
    config: Record<string, string>;
    /** Keys whose value is `secure:` in the stack file; their value is a placeholder here. */
    secretKeys: string[];
}

/** The value given to `secure:` keys: the loader cannot decrypt without the CLI. */
export const SECRET_PLACEHOLDER = "[secret]";

function asEngineString(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function readYaml(file: string): Record<string, unknown> {
    const doc: unknown = YAML.parse(fs.readFileSync(file, "utf8"));
    if (doc !== null && doc !== undefined && !isRecord(doc)) {
        throw new Error(`${file}: expected a YAML mapping at the top level`);
    }
    return doc ?? {};
}

/** Stack names with a Pulumi.<stack>.yaml next to Pulumi.yaml. */
export function listStacks(projectDir: string): string[] {
    return fs
        .readdirSync(projectDir)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/**
 * Merges the defaults (and project-level values) of `<projectDir>/Pulumi.yaml` with
 * `<projectDir>/Pulumi.<stack>.yaml`; the stack file wins. Keys without a namespace
 * belong to the project, as the CLI treats them.
 */
export function loadStackConfig(projectDir: string, stack: string): StackConfig {
    const projectFile = path.join(projectDir, "Pulumi.yaml");
    const stackFile = path.join(projectDir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(projectFile)) {
        throw new Error(`${projectFile} does not exist: not a Pulumi project directory`);
    }
    if (!fs.existsSync(stackFile)) {
        throw new Error(`stack "${stack}": ${stackFile} does not exist; stacks here: ${listStacks(projectDir).join(", ") || "(none)"}`);
    }
    const project = readYaml(projectFile);
    if (typeof project.name !== "string") {
        throw new Error(`${projectFile}: field "name" is missing`);
    }
    const name = project.name;
    const qualify = (key: string) => (key.includes(":") ? key : `${name}:${key}`);

    const config: Record<string, string> = {};
    const projectConfig = project.config ?? {};
    if (!isRecord(projectConfig)) {
        throw new Error(`${projectFile}: field "config" must be a mapping`);
    }
    for (const [key, decl] of Object.entries(projectConfig)) {
        // A declaration ({type, description, default}) or a plain project-wide value.
        const value = isRecord(decl) ? (decl.value ?? decl.default) : decl;
        if (value !== undefined && value !== null) {
            config[qualify(key)] = asEngineString(value);
        }
    }

    const secretKeys: string[] = [];
    const stackConfig = readYaml(stackFile).config ?? {};
    if (!isRecord(stackConfig)) {
        throw new Error(`${stackFile}: field "config" must be a mapping`);
    }
    for (const [key, value] of Object.entries(stackConfig)) {
        const full = qualify(key);
        if (isRecord(value) && typeof value.secure === "string") {
            config[full] = SECRET_PLACEHOLDER;
            secretKeys.push(full);
        } else if (value !== null && value !== undefined) {
            config[full] = asEngineString(value);
        }
    }
    return { project: name, stack, config, secretKeys: secretKeys.sort() };
}

/** Hands a merged stack config to the runtime (used with `pulumi.runtime.setMocks`). */
export function applyStackConfig(stackConfig: StackConfig, overrides: Record<string, string> = {}): void {
    pulumi.runtime.setAllConfig({ ...stackConfig.config, ...overrides }, stackConfig.secretKeys);
}
