/**
 * The Pulumi CLI from github.com/pulumi/pulumi/pkg/v3 (no npm package ships it and its
 * download site is unreachable here). pkg's go.mod replaces sdk/v3 with ../sdk: the wrapper
 * requires the published sdk/v3 at the same version instead.
 */
import * as path from "node:path";
import { field } from "../versions";
import { goBuild, prepareWrapper } from "../goWrapper";
import type { Recipe } from "./context";

export const buildPulumi: Recipe = async (ctx) => {
    const pkg = field(ctx.versions, "pulumi", "module");
    const sdk = field(ctx.versions, "pulumi", "sdkModule");
    const version = field(ctx.versions, "pulumi", "version");
    const cmd = `${pkg}/cmd/pulumi`;
    const spec = {
        label: "pulumi",
        dir: ctx.work,
        env: ctx.env,
        requires: [
            { path: pkg, version },
            { path: sdk, version },
        ],
        copyReplacesFrom: [
            { module: { path: pkg, version }, local: (old: string) => (old === sdk ? { path: sdk, version } : undefined) },
            { module: { path: sdk, version }, local: () => undefined },
        ],
        imports: [cmd],
    };
    await prepareWrapper(spec);
    await goBuild(spec, [cmd], path.join(ctx.staging, "bin"), { [`${sdk}/go/common/version.Version`]: version });
    return { binaries: ["pulumi"] };
};
