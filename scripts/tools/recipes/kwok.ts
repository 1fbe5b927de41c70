/**
 * kwok: simulated nodes and pod lifecycle, so Deployments become Available without a kubelet.
 * The kwok binary runs no lifecycle without Stage objects (kwokctl writes them into its
 * config); the recipe keeps the module's own default stages beside the binary in stages/
 * (node initialize and heartbeat, pod ready/complete/delete), which the control plane passes
 * with --config.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { run } from "../exec";
import { field } from "../versions";
import { goBuild, prepareWrapper } from "../goWrapper";
import type { Recipe } from "./context";

/** kwokctl's defaults for a fast cluster (pkg/kwokctl/runtime/cluster.go getDefault*Stages). */
const STAGES = ["node/fast/node-initialize.yaml", "node/heartbeat/node-heartbeat.yaml", "pod/fast/pod-ready.yaml", "pod/fast/pod-complete.yaml", "pod/fast/pod-delete.yaml"];

export const buildKwok: Recipe = async (ctx) => {
    const module = field(ctx.versions, "kwok", "module");
    const version = field(ctx.versions, "kwok", "version");
    const cmd = `${module}/cmd/kwok`;
    const spec = {
        label: "kwok",
        dir: ctx.work,
        env: ctx.env,
        requires: [{ path: module, version }],
        copyReplacesFrom: [{ module: { path: module, version }, local: () => undefined }],
        imports: [cmd],
    };
    await prepareWrapper(spec);
    await goBuild(spec, [cmd], path.join(ctx.staging, "bin"), { [`${module}/pkg/consts.Version`]: version });
    const modDir = (JSON.parse(await run("kwok: locate module", "go", ["mod", "download", "-json", `${module}@${version}`], { cwd: ctx.work, env: ctx.env, capture: true })) as { Dir: string }).Dir;
    fs.mkdirSync(path.join(ctx.staging, "stages"), { recursive: true });
    for (const stage of STAGES) {
        fs.copyFileSync(path.join(modDir, "kustomize", "stage", stage), path.join(ctx.staging, "stages", path.basename(stage)));
    }
    return { binaries: ["kwok"], notes: { stages: STAGES.map((s) => path.basename(s)).join(",") } };
};
