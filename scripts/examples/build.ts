/**
 * Builds one example with examples/Dockerfile (the documented pattern) on given builder and
 * runtime images, and loads it into the engine. The proxy CA is the BuildKit secret
 * `extra_ca`, the wheel cache the Dockerfile's shared cache mount, so every example and
 * installer downloads a wheel once per machine.
 */
import { spawn } from "node:child_process";
import * as crypto from "node:crypto";
import * as path from "node:path";
import { EXAMPLES_DIR, ROOT, type Example } from "./catalog";

export interface BaseImages { builderImage: string; runtimeImage: string }

export interface ExampleBuildOptions extends BaseImages {
    /** CA bundle passed as the `extra_ca` secret; undefined for none. */
    extraCa?: string;
    /** Default linux/amd64. */
    platform?: string;
    /** Shows the build log on stderr as it runs (default: kept, shown only on failure). */
    verbose?: boolean;
}

/** Local tag: the example's name and a hash of both base references (one per minor/flavour). */
export function exampleTag(example: Example, base: BaseImages): string {
    const h = crypto.createHash("sha256").update(base.builderImage).update("\0").update(base.runtimeImage).digest("hex").slice(0, 12);
    return `distroless-python-example-${example.name}:${h}`;
}

/** The docker buildx argv (pure: tests check the contexts, the secret and the load). */
export function exampleBuildArgs(example: Example, o: ExampleBuildOptions, tag: string): string[] {
    return [
        "buildx", "build", "--network", "host", "--pull=false", "--progress", "plain",
        "--platform", o.platform ?? "linux/amd64",
        "-f", path.join(EXAMPLES_DIR, "Dockerfile"),
        "--build-arg", `BUILDER_IMAGE=${o.builderImage}`,
        "--build-arg", `RUNTIME_IMAGE=${o.runtimeImage}`,
        "--build-arg", `INSTALLER=${example.installer}`,
        "--build-arg", `APP_PACKAGE=${example.package}`,
        "--build-context", `lock=${path.join(ROOT, example.lock)}`,
        "--build-context", `src=${path.join(ROOT, example.src)}`,
        ...(o.extraCa ? ["--secret", `id=extra_ca,src=${o.extraCa}`] : []),
        "--provenance=false", "--sbom=false",
        "-t", tag, "--load",
        EXAMPLES_DIR,
    ];
}

/** Builds and loads the example image; resolves to its tag. */
export function buildExample(example: Example, o: ExampleBuildOptions): Promise<string> {
    const tag = exampleTag(example, o);
    const args = exampleBuildArgs(example, o, tag);
    return new Promise((resolve, reject) => {
        const p = spawn("docker", args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
        let log = "";
        const take = (d: Buffer) => { log += d; if (o.verbose) process.stderr.write(d); };
        p.stdout.on("data", take);
        p.stderr.on("data", take);
        p.on("error", reject);
        p.on("close", (code) => code === 0 ? resolve(tag)
            : reject(new Error(`example ${example.name}: docker buildx build exited ${code}\n${log.slice(-6000)}`)));
    });
}
