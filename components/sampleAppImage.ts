import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import { type AppBuildRequest, appBuildSpec, EXTRA_CA_SECRET, readAppSources } from "./buildSpec";
import { checkDockerBuildEnvironment, dockerBuildImageArgs } from "./buildRender";
import { APP_IMAGE_NAME, type Platform, platformArch, PLATFORMS } from "./constants";
import { artifactRegistryAuth } from "./registryAuth";

export interface SampleAppImageArgs {
    /** `<location>-docker.pkg.dev/<project>/<repository>`; the image is `<repositoryUrl>/<imageName>`. Required. */
    repositoryUrl: pulumi.Input<string>;
    /** Digest reference of our `builder` variant (the venv is built there). Required. */
    builderImage: pulumi.Input<string>;
    /** Digest reference of our `runtime` variant (the venv is copied there, same path). Required. */
    runtimeImage: pulumi.Input<string>;
    /** Build context holding the Dockerfile. Plain path (its files are hashed into the tag). Default: `"app"`. */
    contextDir?: string;
    /** Image name in the repository. Default: `"sample-app"`. */
    imageName?: string;
    /** Platforms: one docker-build Image each, joined by an Index. Plain list. Default: `["linux/amd64", "linux/arm64"]`. */
    platforms?: Platform[];
    /** PEM CA bundle for a TLS-intercepting proxy, passed to pip only as the build secret `extra_ca`. Default: none. */
    extraCa?: pulumi.Input<string>;
    /** Build during `pulumi preview`. Default: `false`. */
    buildOnPreview?: pulumi.Input<boolean>;
    /** BuildKit builder by name. Default: `"default"`. */
    builder?: string;
}

/**
 * The sample app's image (app/Dockerfile) pushed to Artifact Registry under the
 * content-addressed `app-<id>` tag (app files + base digests, the same function as
 * `app:build`); `ref` is the digest reference GunicornApp deploys.
 */
export class SampleAppImage extends pulumi.ComponentResource {
    public readonly ref: pulumi.Output<string>;
    public readonly images: dockerBuild.Image[];
    public readonly index: dockerBuild.Index;
    /** `app-<12 hex>`. */
    public readonly tag: pulumi.Output<string>;

    constructor(name: string, args: SampleAppImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("distroless-python:k8s:SampleAppImage", name, {}, opts);
        try {
            checkDockerBuildEnvironment(process.env);
        } catch (e) {
            throw new pulumi.ResourceError((e as Error).message, this);
        }
        const sources = readAppSources(args.contextDir ?? "app");
        const platforms = args.platforms ?? [...PLATFORMS];
        const repositoryUrl = pulumi.output(args.repositoryUrl).apply((u) => u.replace(/\/+$/, ""));
        const request = (repository: string | undefined, builderImage: string, runtimeImage: string): AppBuildRequest => ({
            sources, builderImage, runtimeImage, platforms, repository,
            imageName: args.imageName, extraCa: args.extraCa !== undefined, builder: args.builder,
        });
        const shape = appBuildSpec(request(undefined, "", ""));
        const spec = pulumi.all([repositoryUrl, args.builderImage, args.runtimeImage]).apply(([u, b, r]) => appBuildSpec(request(u, b, r)));
        const secretValues = args.extraCa !== undefined ? { [EXTRA_CA_SECRET]: pulumi.secret(args.extraCa) } : undefined;
        this.tag = spec.apply((s) => s.tag);
        this.images = [];
        let previous: pulumi.Resource | undefined;
        shape.perPlatform.forEach((pp, i) => {
            const image: dockerBuild.Image = new dockerBuild.Image(`${name}-${platformArch(pp.platform)}`, dockerBuildImageArgs(pp, {
                secretValues,
                registries: [artifactRegistryAuth(repositoryUrl, this, previous)],
                buildOnPreview: args.buildOnPreview ?? false,
                tags: spec.apply((s) => s.perPlatform[i].tags),
                buildArgs: spec.apply((s) => s.perPlatform[i].buildArgs),
            }), { parent: this, retainOnDelete: true, ...(previous ? { dependsOn: [previous] } : {}) });
            this.images.push(image);
            previous = image;
        });
        const repo = pulumi.interpolate`${repositoryUrl}/${args.imageName ?? APP_IMAGE_NAME}`;
        this.index = new dockerBuild.Index(`${name}-index`, {
            tag: pulumi.interpolate`${repo}:${this.tag}`,
            sources: this.images.map((img) => img.ref),
            push: true,
            registry: artifactRegistryAuth(repositoryUrl, this, previous),
        }, { parent: this, retainOnDelete: true, dependsOn: this.images });
        this.ref = pulumi.all([repo, this.index.ref]).apply(([r, ref]) => `${r}@${ref.slice(ref.lastIndexOf("@") + 1)}`);
        this.registerOutputs({ ref: this.ref, tag: this.tag });
    }
}
