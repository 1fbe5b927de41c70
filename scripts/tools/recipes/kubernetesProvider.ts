/**
 * The Kubernetes provider from github.com/pulumi/pulumi-kubernetes/provider/v4.
 *
 * The proxy serves only a pseudo-version of the provider module (sourceCommit), and its main
 * package embeds schema-embed.json / terraform-mapping-embed.json, which `go generate` makes
 * and the module zip lacks. So the wrapper holds copies of cmd/pulumi-resource-kubernetes/
 * (main.go, generate.go, schema.json, terraform-mapping.json), runs generate.go with the
 * stamped version, and builds that copy. The version stamped is the one @pulumi/kubernetes
 * asks the engine for; the source commit is recorded beside it in the build stamp.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { field } from "../versions";
import { run } from "../exec";
import { goBuild, prepareWrapper } from "../goWrapper";
import type { Recipe } from "./context";

const CMD_FILES = ["main.go", "generate.go", "schema.json", "terraform-mapping.json"];

export const buildKubernetesProvider: Recipe = async (ctx) => {
    const t = "pulumi-kubernetes";
    const module = field(ctx.versions, t, "module");
    const moduleVersion = field(ctx.versions, t, "moduleVersion");
    const version = field(ctx.versions, t, "version");
    const sdk = field(ctx.versions, t, "sdkModule");
    const sdkVersion = field(ctx.versions, t, "sdkVersion");
    const spec = {
        label: t,
        dir: ctx.work,
        env: ctx.env,
        requires: [
            { path: module, version: moduleVersion },
            { path: sdk, version: sdkVersion },
        ],
        // The provider's go.mod replaces sdk/v4 with ../sdk; a published sdk/v4 stands in.
        copyReplacesFrom: [{ module: { path: module, version: moduleVersion }, local: (old: string) => (old === sdk ? { path: sdk, version: sdkVersion } : undefined) }],
        // generate.go is `//go:build ignore`, so its schema import is pinned here for tidy.
        imports: [`${module}/pkg/provider`, `${module}/pkg/version`, "github.com/pulumi/pulumi/pkg/v3/codegen/schema"],
    };
    await prepareWrapper(spec);
    const modDir = (
        JSON.parse(await run(`${t}: locate module`, "go", ["mod", "download", "-json", `${module}@${moduleVersion}`], { cwd: ctx.work, env: ctx.env, capture: true })) as { Dir: string }
    ).Dir;
    const cmdDir = path.join(ctx.work, "cmd", "pulumi-resource-kubernetes");
    fs.mkdirSync(cmdDir, { recursive: true });
    for (const f of CMD_FILES) {
        fs.copyFileSync(path.join(modDir, "cmd", "pulumi-resource-kubernetes", f), path.join(cmdDir, f));
        fs.chmodSync(path.join(cmdDir, f), 0o644);
    }
    await run(`${t}: generate schema-embed.json`, "go", ["run", "generate.go"], { cwd: cmdDir, env: { ...ctx.env, VERSION: version } });
    await goBuild(spec, ["./cmd/pulumi-resource-kubernetes"], path.join(ctx.staging, "bin"), { [`${module}/pkg/version.Version`]: version });
    return { binaries: ["pulumi-resource-kubernetes"], notes: { module, moduleVersion, sourceCommit: field(ctx.versions, t, "sourceCommit"), stampedVersion: version } };
};
