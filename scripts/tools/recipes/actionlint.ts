/** actionlint: the GitHub Actions workflow linter the `.ci/run` workflows stage runs on .github/workflows/. */
import * as path from "node:path";
import { field } from "../versions";
import { goBuild, prepareWrapper } from "../goWrapper";
import type { Recipe } from "./context";

export const buildActionlint: Recipe = async (ctx) => {
    const module = field(ctx.versions, "actionlint", "module");
    const version = field(ctx.versions, "actionlint", "version");
    const cmd = `${module}/cmd/actionlint`;
    const spec = { label: "actionlint", dir: ctx.work, env: ctx.env, requires: [{ path: module, version }], imports: [cmd] };
    await prepareWrapper(spec);
    // The same stamp actionlint's own release build sets, so `actionlint -version` names the pin.
    await goBuild(spec, [cmd], path.join(ctx.staging, "bin"), { [`${module}.version`]: version });
    return { binaries: ["actionlint"] };
};
