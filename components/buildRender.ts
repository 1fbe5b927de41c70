// Renders a BuildSpec (components/buildSpec.ts) for the two builders this project drives:
// the buildx CLI (image:build, app:build, the rebuild pipeline, the benches) and the
// docker-build provider (DistrolessPythonImage, SampleAppImage). Neither path assembles
// build arguments of its own; test/unit/buildSpec.test.ts checks that the two renderings
// of one spec are the same build, flag by flag.
import type * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import type { BuildSpec } from "./buildSpec";

/**
 * Where the CLI's output goes: pushed under the spec's tags, loaded into the engine, an OCI
 * tarball, or an untagged OCI layout folder (the rebuild pipeline pushes its candidates from
 * there by digest: nothing is tagged before the checks pass).
 */
export type CliOutput = { push: true } | { load: true } | { oci: string } | { ociDir: string };

export interface CliRenderOptions {
    output: CliOutput;
    /** Secret id -> file holding its value (`--secret id=...,src=FILE`). Every spec secret needs one. */
    secretFiles?: Record<string, string>;
    /** `--metadata-file`: where buildx writes the pushed digest. */
    metadataFile?: string;
}

/** The registry cache export, as docker-build renders its `cacheTo.registry` input. */
export function registryCacheTo(ref: string): string {
    return `type=registry,ref=${ref},mode=max,image-manifest=true,oci-mediatypes=true`;
}

function cliOutput(out: CliOutput): string[] {
    if ("push" in out) return ["--push"];
    if ("load" in out) return ["--load"];
    if ("oci" in out) return ["--output", `type=oci,dest=${out.oci}`];
    return ["--output", `type=oci,dest=${out.ociDir},tar=false`];
}

/** `docker buildx build` arguments for a spec. */
export function buildxArgs(spec: BuildSpec, o: CliRenderOptions): string[] {
    const missing = spec.secrets.filter((id) => !o.secretFiles?.[id]);
    if (missing.length) throw new Error(`build secret ${missing.map((m) => JSON.stringify(m)).join(", ")} has no file; accepted: secretFiles { id: path }`);
    const sorted = (r: Record<string, string>) => Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return [
        "buildx", "build",
        "--builder", spec.builder,
        "--progress", "plain",
        `--provenance=${spec.attestations.provenance}`, `--sbom=${spec.attestations.sbom}`,
        "--network", spec.network,
        "--platform", spec.platforms.join(","),
        ...(spec.target ? ["--target", spec.target] : []),
        "-f", spec.dockerfile,
        ...sorted(spec.namedContexts).flatMap(([k, v]) => ["--build-context", `${k}=${v}`]),
        ...sorted(spec.buildArgs).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]),
        ...spec.secrets.flatMap((id) => ["--secret", `id=${id},src=${o.secretFiles![id]}`]),
        ...spec.cacheFrom.flatMap((ref) => ["--cache-from", `type=registry,ref=${ref}`]),
        ...spec.cacheTo.flatMap((ref) => ["--cache-to", registryCacheTo(ref)]),
        ...(spec.noCache ? ["--no-cache"] : []),
        ...("ociDir" in o.output ? [] : spec.tags.flatMap((t) => ["--tag", t])),
        ...cliOutput(o.output),
        ...(o.metadataFile ? ["--metadata-file", o.metadataFile] : []),
        spec.context,
    ];
}

/**
 * The environment `pulumi up` must give docker-build: the provider has no attestation input,
 * and BuildKit adds a provenance attestation by default, which changes the pushed digest.
 */
export const DOCKER_BUILD_ENV = { BUILDX_NO_DEFAULT_ATTESTATIONS: "1" } as const;

/** Fails unless the environment turns BuildKit's default attestations off (see DOCKER_BUILD_ENV). */
export function checkDockerBuildEnvironment(env: Record<string, string | undefined>): void {
    if (env.BUILDX_NO_DEFAULT_ATTESTATIONS !== "1") {
        throw new Error(
            `BUILDX_NO_DEFAULT_ATTESTATIONS is ${JSON.stringify(env.BUILDX_NO_DEFAULT_ATTESTATIONS)} in the environment of pulumi up; accepted: "1". ` +
            "docker-build has no attestation input and BuildKit's default provenance attestation would change every pushed digest " +
            "(the CLI path builds with --provenance=false --sbom=false): run `export BUILDX_NO_DEFAULT_ATTESTATIONS=1` before pulumi up, " +
            "or set imageSource to release-lock to deploy the pipeline's digests without building",
        );
    }
}

export interface DockerBuildRenderOptions {
    /** Secret id -> value (a Pulumi secret); every spec secret needs one. */
    secretValues?: Record<string, pulumi.Input<string>>;
    registries?: pulumi.Input<pulumi.Input<dockerBuild.types.input.RegistryArgs>[]>;
    buildOnPreview?: pulumi.Input<boolean>;
    /** Tags, when they are Outputs (the repository URL is known only after the repository exists). */
    tags?: pulumi.Input<pulumi.Input<string>[]>;
    /** Build args, when they are Outputs (the app's base image digests). */
    buildArgs?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Cache refs, when they are Outputs. */
    cacheRefs?: pulumi.Input<string[]>;
}

/**
 * docker-build `Image` inputs for a spec. `exec: true`: the provider runs the same
 * `docker-buildx` binary and builder as the CLI path (its embedded buildx would otherwise
 * create its own docker-container builder), so one spec gives one digest on both paths.
 */
export function dockerBuildImageArgs(spec: BuildSpec, o: DockerBuildRenderOptions = {}): dockerBuild.ImageArgs {
    const missing = spec.secrets.filter((id) => o.secretValues?.[id] === undefined);
    if (missing.length) throw new Error(`build secret ${missing.map((m) => JSON.stringify(m)).join(", ")} has no value; accepted: secretValues { id: value }`);
    const cacheRefs = pulumi.output(o.cacheRefs ?? spec.cacheTo);
    const named = Object.keys(spec.namedContexts).length
        ? Object.fromEntries(Object.entries(spec.namedContexts).map(([k, v]) => [k, { location: v }]))
        : undefined;
    return {
        builder: { name: spec.builder },
        exec: true,
        push: true,
        tags: o.tags ?? spec.tags,
        context: named ? { location: spec.context, named } : { location: spec.context },
        dockerfile: { location: spec.dockerfile },
        ...(spec.target ? { target: spec.target } : {}),
        platforms: spec.platforms as dockerBuild.Platform[],
        buildArgs: o.buildArgs ?? spec.buildArgs,
        network: "host" as dockerBuild.NetworkMode,
        noCache: spec.noCache,
        buildOnPreview: o.buildOnPreview ?? false,
        secrets: Object.fromEntries(spec.secrets.map((id) => [id, o.secretValues![id]])),
        // A rotated CA bundle or token must not rebuild an unchanged image.
        ignoreSecretsInDiffCalculation: [...spec.secrets],
        cacheFrom: cacheRefs.apply((refs) => refs.map((ref) => ({ registry: { ref } }))),
        cacheTo: cacheRefs.apply((refs) => refs.map((ref) => ({ registry: { ref, mode: "max" as dockerBuild.CacheMode, imageManifest: true, ociMediaTypes: true } }))),
        ...(o.registries ? { registries: o.registries } : {}),
    };
}
