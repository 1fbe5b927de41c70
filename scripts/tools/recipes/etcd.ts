/**
 * etcd: trixie's etcd-server package extracted with dpkg-deb -x (seconds, no build) when its
 * binary runs on this host; otherwise a Go build of go.etcd.io/etcd/server/v3 (whose module
 * root is the main package and whose go.mod replaces ../api etc., mapped to published
 * modules of the same version).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { field } from "../versions";
import { log, run } from "../exec";
import { goBuild, prepareWrapper } from "../goWrapper";
import type { Recipe, RecipeContext } from "./context";

/** Returns the package version when the extracted binary runs here, undefined otherwise. */
async function fromDebian(ctx: RecipeContext): Promise<string | undefined> {
    const pkg = field(ctx.versions, "etcd", "debianPackage");
    const suite = field(ctx.versions, "etcd", "debianSuite");
    const debianVersion = field(ctx.versions, "etcd", "debianVersion");
    const apt = path.join(ctx.work, "apt");
    fs.rmSync(apt, { recursive: true, force: true });
    fs.mkdirSync(path.join(apt, "lists", "partial"), { recursive: true });
    fs.mkdirSync(path.join(apt, "cache", "archives", "partial"), { recursive: true });
    const keyring = "/usr/share/keyrings/debian-archive-keyring.gpg";
    fs.writeFileSync(
        path.join(apt, "sources.list"),
        `deb [signed-by=${keyring}] http://deb.debian.org/debian ${suite} main\ndeb [signed-by=${keyring}] http://deb.debian.org/debian-security ${suite}-security main\n`,
    );
    const opts = [
        "-o", `Dir::Etc::SourceList=${apt}/sources.list`, "-o", "Dir::Etc::SourceParts=/dev/null",
        "-o", `Dir::State::Lists=${apt}/lists`, "-o", `Dir::Cache=${apt}/cache`,
        "-o", "APT::Architecture=amd64", "-o", "APT::Sandbox::User=root",
    ];
    try {
        await run(`etcd: apt-get update (${suite})`, "apt-get", [...opts, "-qq", "update"]);
        await run(`etcd: apt-get download ${pkg}`, "apt-get", [...opts, "-qq", "download", `${pkg}=${debianVersion}`], { cwd: apt });
    } catch (err) {
        log(`etcd: ${suite}'s ${pkg} ${debianVersion} unavailable (${(err as Error).message}); building from source`);
        return undefined;
    }
    const deb = fs.readdirSync(apt).find((f) => f.startsWith(`${pkg}_`) && f.endsWith(".deb"));
    if (!deb) return undefined;
    const root = path.join(apt, "root");
    await run("etcd: dpkg-deb -x", "dpkg-deb", ["-x", path.join(apt, deb), root]);
    const binary = path.join(root, "usr", "bin", "etcd");
    try {
        const out = await run("etcd --version", binary, ["--version"], { capture: true });
        log(`etcd: ${deb} runs here: ${out.split("\n")[0]}`);
    } catch (err) {
        log(`etcd: ${deb} does not run on this host (${(err as Error).message}); building from source`);
        return undefined;
    }
    fs.copyFileSync(binary, path.join(ctx.staging, "bin", "etcd"));
    fs.chmodSync(path.join(ctx.staging, "bin", "etcd"), 0o755);
    return deb;
}

async function fromSource(ctx: RecipeContext): Promise<void> {
    const module = field(ctx.versions, "etcd", "module");
    const version = field(ctx.versions, "etcd", "version");
    const spec = {
        label: "etcd",
        dir: path.join(ctx.work, "go"),
        env: ctx.env,
        requires: [{ path: module, version }],
        copyReplacesFrom: [{ module: { path: module, version }, local: (old: string) => ({ path: old, version }) }],
        imports: [module],
    };
    await prepareWrapper(spec);
    await goBuild(spec, [module], path.join(ctx.staging, "bin"), {}, "etcd");
}

export const buildEtcd: Recipe = async (ctx) => {
    const deb = await fromDebian(ctx);
    if (deb) return { binaries: ["etcd"], notes: { source: deb } };
    await fromSource(ctx);
    return { binaries: ["etcd"], notes: { source: `${field(ctx.versions, "etcd", "module")}@${field(ctx.versions, "etcd", "version")}` } };
};
