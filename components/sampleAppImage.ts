import * as dockerBuild from "@pulumi/docker-build";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import * as crypto from "crypto";
import * as path from "path";

export interface SampleAppImageArgs {
    /** `<location>-docker.pkg.dev/<project>/<repository>`; the image is `<repositoryUrl>/<imageName>`. Required. */
    repositoryUrl: pulumi.Input<string>;
    /** Digest reference of our `builder` variant (the venv is built there). Required. */
    builderImage: pulumi.Input<string>;
    /** Digest reference of our `runtime` variant (the venv is copied there, same path). Required. */
    runtimeImage: pulumi.Input<string>;
    /** Build context holding the Dockerfile. Default: `"app"`. */
    contextDir?: string;
    /** Image name in the repository. Default: `"sample-app"`. */
    imageName?: string;
    /** Platforms. Default: `["linux/amd64", "linux/arm64"]`. */
    platforms?: pulumi.Input<string[]>;
    /** PEM CA bundle for a TLS-intercepting proxy, passed to pip only as the build secret `extra_ca`. Default: none. */
    extraCa?: pulumi.Input<string>;
    /** Build during `pulumi preview`. Default: `false`. */
    buildOnPreview?: pulumi.Input<boolean>;
}

/**
 * The sample app's image (app/Dockerfile) pushed to Artifact Registry; `ref` is the digest
 * reference GunicornApp deploys.
 */
export class SampleAppImage extends pulumi.ComponentResource {
    public readonly ref: pulumi.Output<string>;
    public readonly image: dockerBuild.Image;

    constructor(name: string, args: SampleAppImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("distroless-python:k8s:SampleAppImage", name, {}, opts);
        const contextDir = args.contextDir ?? "app";
        const repo = pulumi.interpolate`${pulumi.output(args.repositoryUrl).apply((u) => u.replace(/\/+$/, ""))}/${args.imageName ?? "sample-app"}`;
        const registryHost = pulumi.output(args.repositoryUrl).apply((u) => u.split("/")[0]);
        const secrets: Record<string, pulumi.Input<string>> = {};
        if (args.extraCa !== undefined) secrets.extra_ca = pulumi.secret(args.extraCa);
        // The tag is the digest of the inputs that matter, so an unchanged app and base
        // previews no diff; it is also what `app:build` would call the image locally.
        const tag = pulumi.all([args.builderImage, args.runtimeImage]).apply(([b, r]) =>
            `app-${crypto.createHash("sha256").update(`${b}\0${r}`).digest("hex").slice(0, 12)}`);
        this.image = new dockerBuild.Image(`${name}-image`, {
            push: true,
            tags: [pulumi.interpolate`${repo}:${tag}`],
            context: { location: contextDir },
            dockerfile: { location: path.join(contextDir, "Dockerfile") },
            platforms: pulumi.output(args.platforms ?? ["linux/amd64", "linux/arm64"]).apply((p) => p as dockerBuild.Platform[]),
            buildOnPreview: args.buildOnPreview ?? false,
            buildArgs: { BUILDER_IMAGE: args.builderImage, RUNTIME_IMAGE: args.runtimeImage },
            secrets,
            ignoreSecretsInDiffCalculation: ["extra_ca"],
            registries: [{
                address: registryHost,
                username: "oauth2accesstoken",
                password: pulumi.secret(gcp.organizations.getClientConfigOutput({ parent: this }).accessToken),
            }],
        }, { parent: this, retainOnDelete: true });
        this.ref = pulumi.all([repo, this.image.digest]).apply(([r, d]) => `${r}@${d}`);
        this.registerOutputs({ ref: this.ref });
    }
}
