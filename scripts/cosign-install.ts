/**
 * Builds cosign (sigstore) from the Go module proxy into the tools cache, keyed by version,
 * reusing what is there:
 *
 *   npm run --silent cosign:install [-- --force]
 *
 * stdout: the binary's path (one line); progress on stderr. The version is pinned in
 * tools/cosign.json (data, not logic). Cache root: $DISTROLESS_PYTHON_TOOLS_CACHE (default
 * /var/cache/distroless-python-tools), the same cache and Go caches tools:install uses, so a
 * warm machine links in seconds. It is not one of tools:install's tools because the image
 * tests need it before CI's background tools build ends.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { cacheRoot, commitBuild, goEnv, readStamp, toolDir } from "./tools/cache";
import { log, run } from "./tools/exec";

export const COSIGN_FILE = path.join(__dirname, "..", "tools", "cosign.json");

export interface CosignPin {
    module: string;
    package: string;
    version: string;
}

/** Validates tools/cosign.json; every error names the file, the field and what is accepted. */
export function validateCosignPin(raw: unknown, file: string): CosignPin {
    const doc = (typeof raw === "object" && raw !== null && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
    if (raw !== doc) throw new Error(`${file}: expected an object with module, package and version`);
    const str = (k: string): string => {
        if (typeof doc[k] !== "string" || doc[k] === "") throw new Error(`${file}: ${k} is ${JSON.stringify(doc[k])}; expected a non-empty string`);
        return doc[k] as string;
    };
    const pin = { module: str("module"), package: str("package"), version: str("version") };
    if (!/^v2\.\d+\.\d+$/.test(pin.version)) throw new Error(`${file}: version is ${JSON.stringify(pin.version)}; expected a cosign v2 release like "v2.6.5"`);
    if (!pin.package.startsWith(`${pin.module}/`)) throw new Error(`${file}: package ${pin.package} is not inside module ${pin.module}`);
    return pin;
}

export function loadCosignPin(file = COSIGN_FILE): CosignPin {
    return validateCosignPin(JSON.parse(fs.readFileSync(file, "utf8")), file);
}

/** Where the pinned cosign lives once built (it may not exist yet). */
export function cosignPath(pin: CosignPin = loadCosignPin(), root = cacheRoot()): string {
    return path.join(toolDir(root, "cosign", pin.version), "bin", "cosign");
}

/** The built cosign, or undefined when cosign:install has not run on this machine. */
export function installedCosign(pin: CosignPin = loadCosignPin(), root = cacheRoot()): string | undefined {
    return readStamp(toolDir(root, "cosign", pin.version)) ? cosignPath(pin, root) : undefined;
}

export async function ensureCosign(force = false): Promise<string> {
    const pin = loadCosignPin();
    const root = cacheRoot();
    const dir = toolDir(root, "cosign", pin.version);
    const cached = force ? undefined : readStamp(dir);
    if (cached) {
        log(`cosign ${pin.version}: cached in ${dir} (cold build took ${cached.seconds}s on ${cached.builtAt})`);
        return cosignPath(pin, root);
    }
    log(`cosign ${pin.version}: building ${pin.package}@${pin.version} (cold build about 8 min on 2 shared cores)`);
    const started = Date.now();
    const staging = `${dir}.partial`;
    fs.rmSync(staging, { recursive: true, force: true });
    fs.mkdirSync(path.join(staging, "bin"), { recursive: true });
    // `go install pkg@version` builds with cosign's own go.mod (its pinned dependencies);
    // -mod=mod (goEnv's default for the wrapper-module builds) does not apply to it.
    const env = { ...goEnv(root), GOFLAGS: "-buildvcs=false", GOBIN: path.join(staging, "bin") };
    // `cosign version` reports the release, as the upstream Makefile's LDFLAGS stamp it.
    const ldflags = `-s -w -X sigs.k8s.io/release-utils/version.gitVersion=${pin.version}`;
    await run("cosign", "go", ["install", "-trimpath", "-ldflags", ldflags, `${pin.package}@${pin.version}`], { env });
    const seconds = Math.round((Date.now() - started) / 1000);
    commitBuild(staging, dir, { tool: "cosign", version: pin.version, seconds, builtAt: new Date().toISOString(), binaries: ["cosign"] });
    log(`cosign ${pin.version}: built in ${seconds}s -> ${dir}/bin`);
    return cosignPath(pin, root);
}

if (require.main === module) {
    const { values } = parseArgs({ options: { force: { type: "boolean", default: false } } });
    ensureCosign(values.force).then((p) => process.stdout.write(`${p}\n`), (err: Error) => {
        process.stderr.write(`cosign:install: ${err.message}\n`);
        process.exit(1);
    });
}
