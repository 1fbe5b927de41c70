/** kwok: simulated nodes and pod lifecycle, so Deployments become Available without a kubelet. */
import * as path from "node:path";
import { field } from "../versions";
import { goBuild, prepareWrapper } from "../goWrapper";
import type { Recipe } from "./context";

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
    return { binaries: ["kwok"] };
};
