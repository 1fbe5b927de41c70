/**
 * Installs the built Kubernetes provider into PULUMI_HOME under the version @pulumi/kubernetes
 * asks for (a plugin under another version is not found; one on PATH is used with a warning).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { pulumiHome, toolDir } from "./cache";
import { log, run } from "./exec";
import { field, type ToolVersions } from "./versions";

export function pluginDir(root: string, version: string): string {
    return path.join(pulumiHome(root), "plugins", `resource-kubernetes-v${version}`);
}

export async function installProviderPlugin(versions: ToolVersions, root: string): Promise<void> {
    const version = field(versions, "pulumi-kubernetes", "version");
    const dest = pluginDir(root, version);
    if (fs.existsSync(path.join(dest, "pulumi-resource-kubernetes"))) {
        log(`pulumi-kubernetes ${version}: plugin present in ${dest}`);
        return;
    }
    const pulumi = path.join(toolDir(root, "pulumi", field(versions, "pulumi", "version")), "bin", "pulumi");
    if (!fs.existsSync(pulumi)) throw new Error(`pulumi-kubernetes: the plugin install needs the Pulumi CLI at ${pulumi}; run tools:install -- pulumi`);
    const binary = path.join(toolDir(root, "pulumi-kubernetes", version), "bin", "pulumi-resource-kubernetes");
    await run("pulumi plugin install", pulumi, ["plugin", "install", "resource", "kubernetes", version, "--file", binary], {
        env: { ...process.env, PULUMI_HOME: pulumiHome(root), PULUMI_SKIP_UPDATE_CHECK: "true" },
    });
    log(`pulumi-kubernetes ${version}: plugin installed in ${dest}`);
}
