// A consumer stack in a temp folder with this package installed from its `npm pack`
// tarball (test/fixtures/consumer). The install is offline: the consumer's @pulumi/*
// dependencies are linked to ours, so the tarball is the only new package.
import * as childProcess from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..");
const PULUMI_PACKAGES = ["pulumi", "gcp", "docker", "docker-build", "kubernetes"];

function exec(cmd: string, args: string[], cwd: string): string {
    return childProcess.execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

export interface Consumer {
    /** The consumer stack's folder. */
    dir: string;
    /** The installed package, `<dir>/node_modules/distroless-python-gcp`. */
    pkg: string;
}

/** Copies the fixture, packs this repository (prepack compiles bin/) and installs the tarball. */
export function installConsumer(): Consumer {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "consumer-"));
    fs.cpSync(path.join(ROOT, "test", "fixtures", "consumer"), dir, { recursive: true });
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as Record<string, unknown>;
    manifest.dependencies = Object.fromEntries(PULUMI_PACKAGES.map((p) => [`@pulumi/${p}`, `file:${path.join(ROOT, "node_modules", "@pulumi", p)}`]));
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify(manifest, null, 2));
    const tarball = exec("npm", ["pack", "--silent", "--pack-destination", dir], ROOT).trim().split("\n").pop()!;
    exec("npm", ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", "--no-package-lock", path.join(dir, tarball)], dir);
    return { dir, pkg: path.join(dir, "node_modules", "distroless-python-gcp") };
}
