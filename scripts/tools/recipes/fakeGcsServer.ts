/** fake-gcs-server: a GCS API emulator on loopback (for the GCS emulator example). */
import * as path from "node:path";
import { field } from "../versions";
import { goBuild, prepareWrapper } from "../goWrapper";
import type { Recipe } from "./context";

export const buildFakeGcsServer: Recipe = async (ctx) => {
    const module = field(ctx.versions, "fake-gcs-server", "module");
    const version = field(ctx.versions, "fake-gcs-server", "version");
    const spec = { label: "fake-gcs-server", dir: ctx.work, env: ctx.env, requires: [{ path: module, version }], imports: [module] };
    await prepareWrapper(spec);
    await goBuild(spec, [module], path.join(ctx.staging, "bin"));
    return { binaries: ["fake-gcs-server"] };
};
