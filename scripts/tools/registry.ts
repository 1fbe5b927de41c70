/** Tool name -> recipe, in build order (the provider's plugin install needs the CLI first). */
import type { ToolName } from "./versions";
import type { Recipe } from "./recipes/context";
import { buildFakeGcsServer } from "./recipes/fakeGcsServer";
import { buildPulumi } from "./recipes/pulumi";
import { buildKubernetesProvider } from "./recipes/kubernetesProvider";
import { buildEtcd } from "./recipes/etcd";
import { buildKubernetes } from "./recipes/kubernetes";
import { buildKwok } from "./recipes/kwok";

export interface ToolRecipe {
    build: Recipe;
    /** Version key in tools/versions.json that names the cache folder. */
    versionKey: string;
    /**
     * Cold build minutes measured on this machine type (2 cores, another job running), from
     * ../shared/reference/integration-tools.md and this installer's own runs; printed as the
     * estimate before a cold build.
     */
    coldMinutes: number;
}

export const RECIPES: Record<ToolName, ToolRecipe> = {
    "fake-gcs-server": { build: buildFakeGcsServer, versionKey: "version", coldMinutes: 3 },
    pulumi: { build: buildPulumi, versionKey: "version", coldMinutes: 17 },
    "pulumi-kubernetes": { build: buildKubernetesProvider, versionKey: "version", coldMinutes: 12 },
    etcd: { build: buildEtcd, versionKey: "debianVersion", coldMinutes: 1 },
    kubernetes: { build: buildKubernetes, versionKey: "version", coldMinutes: 14 },
    kwok: { build: buildKwok, versionKey: "version", coldMinutes: 5 },
};
