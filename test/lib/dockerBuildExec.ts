// What the docker-build provider runs for an Image in `exec` mode, reproduced from its
// source so tests can run it here, where the provider itself cannot be installed:
// pulumi/pulumi-docker-build provider/internal/cli.go `execBuild` (the argv) and
// image.go `normalize`/`validate` (push -> a `type=registry` export), cache.go (a registry
// cache's attrs). Go iterates maps in random order, so flag order carries no meaning.
import * as path from "path";

/** docker-build Image inputs, as registered (plain values). */
export interface DockerBuildInputs {
    builder?: { name?: string };
    buildArgs?: Record<string, string>;
    cacheFrom?: { registry?: { ref: string } }[];
    cacheTo?: { registry?: { ref: string; mode?: string; imageManifest?: boolean; ociMediaTypes?: boolean } }[];
    context?: { location: string; named?: Record<string, { location: string }> };
    dockerfile?: { location: string };
    network?: string;
    noCache?: boolean;
    platforms?: string[];
    push?: boolean;
    secrets?: Record<string, string>;
    tags?: string[];
    target?: string;
    exec?: boolean;
}

/** The provider's `docker-buildx` argv and extra environment for these inputs. */
export function providerExecArgs(i: DockerBuildInputs, metadataFile: string): { args: string[]; env: Record<string, string> } {
    if (!i.exec) throw new Error("docker-build runs docker-buildx itself only with exec: true");
    const args = ["buildx", "build", "--progress", "plain", "--metadata-file", metadataFile, "--builder", i.builder?.name ?? ""];
    for (const [k, v] of Object.entries(i.buildArgs ?? {})) args.push("--build-arg", `${k}=${v}`);
    for (const c of i.cacheFrom ?? []) if (c.registry) args.push("--cache-from", `type=registry,ref=${c.registry.ref}`);
    for (const c of i.cacheTo ?? []) {
        if (!c.registry) continue;
        const attrs = [`ref=${c.registry.ref}`, `mode=${c.registry.mode ?? "min"}`];
        if (c.registry.imageManifest) attrs.push("image-manifest=true");
        if (c.registry.ociMediaTypes) attrs.push("oci-mediatypes=true");
        args.push("--cache-to", ["type=registry", ...attrs].join(","));
    }
    if (i.push) args.push("--output", "type=registry");
    for (const [k, v] of Object.entries(i.context?.named ?? {})) args.push("--build-context", `${k}=${v.location}`);
    if (i.network) args.push("--network", i.network);
    if (i.noCache) args.push("--no-cache");
    for (const p of i.platforms ?? []) args.push("--platform", p);
    for (const t of i.tags ?? []) args.push("--tag", t);
    if (i.target) args.push("--target", i.target);
    if (i.dockerfile?.location) args.push("-f", i.dockerfile.location);
    if (i.context?.location) args.push(i.context.location);
    // Secrets go by value through generated PULUMI_DOCKER_* variables.
    const env: Record<string, string> = {};
    Object.entries(i.secrets ?? {}).forEach(([id, value], n) => {
        const name = `PULUMI_DOCKER_${n.toString(16).padStart(8, "0")}`;
        env[name] = value;
        args.push("--secret", `id=${id},env=${name}`);
    });
    return { args, env };
}

/** A build as BuildKit sees it, whatever the flag spelling: what two argvs must agree on. */
export interface NormalizedBuild {
    builder: string;
    platforms: string[];
    target: string;
    dockerfile: string;
    context: string;
    buildContexts: Record<string, string>;
    buildArgs: Record<string, string>;
    secrets: string[];
    cacheFrom: string[];
    cacheTo: string[];
    tags: string[];
    network: string;
    noCache: boolean;
    output: string;
    provenance: boolean;
    sbom: boolean;
}

const sortedAttrs = (csv: string) => csv.split(",").sort().join(",");

/**
 * Parses a `docker buildx build` argv into a NormalizedBuild (paths resolved against `cwd`;
 * `env` decides the attestation defaults, as buildx does with BUILDX_NO_DEFAULT_ATTESTATIONS).
 */
export function normalizeBuildxArgs(argv: string[], cwd: string, env: Record<string, string | undefined>): NormalizedBuild {
    if (argv[0] !== "buildx" || argv[1] !== "build") throw new Error(`not a buildx build: ${argv.slice(0, 2).join(" ")}`);
    const attestationsDefault = env.BUILDX_NO_DEFAULT_ATTESTATIONS !== "1";
    const n: NormalizedBuild = {
        builder: "", platforms: [], target: "", dockerfile: "", context: "", buildContexts: {}, buildArgs: {}, secrets: [],
        cacheFrom: [], cacheTo: [], tags: [], network: "default", noCache: false, output: "", provenance: attestationsDefault, sbom: false,
    };
    const abs = (p: string) => path.resolve(cwd, p);
    for (let i = 2; i < argv.length; i++) {
        const a = argv[i];
        const next = () => {
            const v = argv[++i];
            if (v === undefined) throw new Error(`${a} has no value`);
            return v;
        };
        if (a.startsWith("--provenance=")) n.provenance = a !== "--provenance=false";
        else if (a.startsWith("--sbom=")) n.sbom = a !== "--sbom=false";
        else if (a === "--builder") n.builder = next();
        else if (a === "--platform") n.platforms.push(...next().split(","));
        else if (a === "--target") n.target = next();
        else if (a === "-f" || a === "--file") n.dockerfile = abs(next());
        else if (a === "--build-context") { const [k, v] = next().split(/=(.*)/s); n.buildContexts[k] = abs(v); }
        else if (a === "--build-arg") { const [k, v] = next().split(/=(.*)/s); n.buildArgs[k] = v; }
        else if (a === "--secret") n.secrets.push(next().split(",").find((kv) => kv.startsWith("id="))!.slice(3));
        else if (a === "--cache-from") n.cacheFrom.push(sortedAttrs(next()));
        else if (a === "--cache-to") n.cacheTo.push(sortedAttrs(next()));
        else if (a === "--tag" || a === "-t") n.tags.push(next());
        else if (a === "--network") n.network = next();
        else if (a === "--no-cache") n.noCache = true;
        else if (a === "--push" || (a === "--output" && argv[i + 1] === "type=registry")) { if (a === "--output") i++; n.output = "registry"; }
        else if (a === "--load") n.output = "docker";
        else if (a === "--progress" || a === "--metadata-file") next();
        else if (a.startsWith("-")) throw new Error(`unexpected buildx flag ${a}: teach the normalizer what it means`);
        else n.context = abs(a);
    }
    for (const k of ["platforms", "secrets", "cacheFrom", "cacheTo", "tags"] as const) n[k].sort();
    return n;
}
