/** Tool name -> recipe, in build order (the provider's plugin install needs the CLI first). */
import type { ToolName } from "./versions";
import type { Recipe } from "./recipes/context";
import { buildFakeGcsServer } from "./recipes/fakeGcsServer";
import { buildPulumi } from "./recipes/pulumi";
import { buildKubernetesProvider } from "./recipes/kubernetesProvider";
import { buildEtcd } from "./recipes/etcd";
import { buildKubernetes } from "./recipes/kubernetes";
import { buildKwok } from "./recipes/kwok";
import { buildActionlint } from "./recipes/actionlint";

export interface ToolRecipe {
    build: Recipe;
    /** Version key in tools/versions.json that names the cache folder. */
    versionKey: string;
    /**
     * Cold build minutes measured by this installer on this machine type (2 cores shared with
     * other builds: fake-gcs-server 64 s, pulumi 381 s, pulumi-kubernetes 1333 s, etcd 12 s);
     * printed as the estimate before a cold build.
     */
    coldMinutes: number;
}

export const RECIPES: Record<ToolName, ToolRecipe> = {
    "fake-gcs-server": { build: buildFakeGcsServer, versionKey: "version", coldMinutes: 1 },
    pulumi: { build: buildPulumi, versionKey: "version", coldMinutes: 7 },
    "pulumi-kubernetes": { build: buildKubernetesProvider, versionKey: "version", coldMinutes: 22 },
    etcd: { build: buildEtcd, versionKey: "debianVersion", coldMinutes: 1 },
    kubernetes: { build: buildKubernetes, versionKey: "version", coldMinutes: 14 },
    kwok: { build: buildKwok, versionKey: "version", coldMinutes: 5 },
    actionlint: { build: buildActionlint, versionKey: "version", coldMinutes: 2 },
};
