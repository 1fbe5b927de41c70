import * as docker from "@pulumi/docker";
import * as dockerBuild from "@pulumi/docker-build";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import * as crypto from "crypto";
// The same lock-derived timestamps as `image:build`, so both reproduce the same layers.
import { rfc3339, sourceDateEpoch } from "../scripts/image/buildInputs";
import { buildRevision, cacheTag, Flavor, FLAVORS, imageName, immutableTag } from "./imageNaming";

export const IMAGE_VARIANTS = ["runtime", "debug", "builder"] as const;
export type ImageVariant = (typeof IMAGE_VARIANTS)[number];
export const IMAGE_PLATFORMS = ["linux/amd64", "linux/arm64"] as const;
export type ImagePlatform = (typeof IMAGE_PLATFORMS)[number];

export interface DistrolessPythonImageArgs {
    /** Repository prefix, `<location>-docker.pkg.dev/<project>/<repo>` (ArtifactRepository.registryUri). Required. */
    repositoryUrl: pulumi.Input<string>;
    /**
     * Python minor, e.g. `"3.13"`. Plain string: it names the child resources and the
     * lock file. Required.
     */
    pythonMinor: string;
    /**
     * Full Python version, e.g. `"3.13.5"`; first part of the immutable tag and the
     * `PYTHON_VERSION` build arg. Plain string: it is part of the tag computed at
     * construction. Required.
     */
    pythonVersion: string;
    /** sha256 of Python-<version>.tar.xz (`PYTHON_SHA256`). Required for the upstream flavour; default `""`. */
    pythonSha256?: pulumi.Input<string>;
    /** Dockerfile target. Default: `"runtime"`. One of runtime, debug, builder. */
    variant?: ImageVariant;
    /** `upstream` (CPython built from source, image `python`) or `debian` (image `python-debian`). Default: `"upstream"`. */
    flavor?: Flavor;
    /**
     * The build context folder (the project's `image/`). Plain path: its files are hashed
     * into the buildId at construction. Required.
     */
    contextDir: string;
    /** The selected lock, `<contextDir>/locks/<flavor>-<minor>.json` in the project. Plain path, hashed into the buildId. Required. */
    lockFile: string;
    /** Dockerfile. Default: `<contextDir>/Dockerfile`. */
    dockerfile?: pulumi.Input<string>;
    /** Platforms of the pushed index. Default: `["linux/amd64", "linux/arm64"]`. */
    platforms?: pulumi.Input<pulumi.Input<ImagePlatform>[]>;
    /** Build during `pulumi preview` (never pushes there). Default: `false`: previews stay fast and need no engine. */
    buildOnPreview?: pulumi.Input<boolean>;
    /** Push to the registry. Default: `true`. */
    push?: pulumi.Input<boolean>;
    /**
     * Registry credentials. Default: user `oauth2accesstoken` with the access token of
     * the ambient GCP credentials (`gcp.organizations.getClientConfigOutput()`), as a secret.
     */
    registryAuth?: { address?: pulumi.Input<string>; username: pulumi.Input<string>; password: pulumi.Input<string> };
    /** Tag prefix of the registry build cache; the cache ref is `<repo>/<image>:<prefix>-<minor>-<variant>`. Default: `"buildcache"`. */
    cacheTagPrefix?: string;
    /** `BASE_IMAGE` build arg. Default: `"debian:trixie-slim"`. */
    baseImage?: pulumi.Input<string>;
    /** `DEBIAN_MIRROR` build arg. Default: `"http://deb.debian.org/debian"`. */
    debianMirror?: pulumi.Input<string>;
    /** `DEBIAN_SECURITY_MIRROR` build arg. Default: `"http://deb.debian.org/debian-security"`. */
    debianSecurityMirror?: pulumi.Input<string>;
    /** `PYTHON_MIRROR` build arg. Default: `"https://www.python.org/ftp/python"`. */
    pythonMirror?: pulumi.Input<string>;
    /** Extra build args, merged over the ones above. Default: `{}`. */
    extraBuildArgs?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /**
     * PEM CA bundle for TLS-intercepting proxies, passed as the build secret `extra_ca`
     * (mounted only into the RUN steps that need HTTPS, never in a layer). Default: none.
     */
    extraCa?: pulumi.Input<string>;
    /** OCI labels on the image. Default: `{}` plus `org.opencontainers.image.version`. */
    labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Validates the plain args; pure, messages name the arg and what is accepted. */
export function validateImageArgs(args: Pick<DistrolessPythonImageArgs, "pythonMinor" | "pythonVersion" | "variant" | "flavor" | "contextDir" | "lockFile" | "cacheTagPrefix">): void {
    const variant = args.variant ?? "runtime";
    const flavor = args.flavor ?? "upstream";
    if (!(IMAGE_VARIANTS as readonly string[]).includes(variant)) {
        throw new Error(`DistrolessPythonImage arg "variant": ${JSON.stringify(variant)} is not supported; accepted: ${IMAGE_VARIANTS.join(", ")}`);
    }
    if (!(FLAVORS as readonly string[]).includes(flavor)) {
        throw new Error(`DistrolessPythonImage arg "flavor": ${JSON.stringify(flavor)} is not supported; accepted: ${FLAVORS.join(", ")}`);
    }
    if (!/^3\.[0-9]{1,2}$/.test(args.pythonMinor)) {
        throw new Error(`DistrolessPythonImage arg "pythonMinor": ${JSON.stringify(args.pythonMinor)} is not valid; accepted: a minor such as 3.13`);
    }
    if (!args.pythonVersion.startsWith(`${args.pythonMinor}.`)) {
        throw new Error(`DistrolessPythonImage arg "pythonVersion": ${JSON.stringify(args.pythonVersion)} is not a release of ${args.pythonMinor}; accepted: ${args.pythonMinor}.<patch>`);
    }
    if (!fs.existsSync(args.contextDir) || !fs.statSync(args.contextDir).isDirectory()) {
        throw new Error(`DistrolessPythonImage arg "contextDir": ${JSON.stringify(args.contextDir)} is not a directory; accepted: the image build context folder`);
    }
    if (!fs.existsSync(args.lockFile)) {
        throw new Error(
            `DistrolessPythonImage arg "lockFile": ${JSON.stringify(args.lockFile)} does not exist; accepted: a resolved lock <flavor>-<minor>.json (write it with the image lock step)`,
        );
    }
    if (args.cacheTagPrefix !== undefined && !/^[a-z][a-z0-9-]{0,60}$/.test(args.cacheTagPrefix)) {
        throw new Error(`DistrolessPythonImage arg "cacheTagPrefix": ${JSON.stringify(args.cacheTagPrefix)} is not valid; accepted: lowercase letters, digits and hyphens, starting with a letter`);
    }
}

/**
 * One distroless Python image (one minor, one variant) built with BuildKit for every
 * platform and pushed to Artifact Registry under one immutable, content-addressed tag.
 */
export class DistrolessPythonImage extends pulumi.ComponentResource {
    /** The docker-build Image. */
    public readonly image: dockerBuild.Image;
    /** `python` or `python-debian`. */
    public readonly imageName: string;
    /** The immutable tag, e.g. `3.13.5-0123456789ab-debug`. */
    public readonly tag: string;
    /** `<repo>/<image>:<tag>`. */
    public readonly taggedRef: pulumi.Output<string>;
    /** Digest of the pushed index, `sha256:...`. */
    public readonly digest: pulumi.Output<string>;
    /** `<repo>/<image>@sha256:...`: what deployments should pin. */
    public readonly ref: pulumi.Output<string>;

    constructor(name: string, args: DistrolessPythonImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("distroless-python:images:DistrolessPythonImage", name, {}, opts);
        try {
            validateImageArgs(args);
        } catch (e) {
            throw new pulumi.ResourceError((e as Error).message, this);
        }
        const variant = args.variant ?? "runtime";
        const flavor = args.flavor ?? "upstream";
        this.imageName = imageName(flavor);
        const revision = buildRevision(args.contextDir, args.lockFile);
        this.tag = immutableTag(args.pythonVersion, revision.slice(0, 12), variant);

        const repositoryUrl = pulumi.output(args.repositoryUrl).apply((u) => u.replace(/\/+$/, ""));
        const imageRepo = pulumi.interpolate`${repositoryUrl}/${this.imageName}`;
        this.taggedRef = pulumi.interpolate`${imageRepo}:${this.tag}`;
        const cacheRef = pulumi.interpolate`${imageRepo}:${cacheTag(args.cacheTagPrefix ?? "buildcache", args.pythonMinor, variant)}`;

        const auth = args.registryAuth ?? {
            username: "oauth2accesstoken",
            // The token of whoever runs `pulumi up` (or the CI's workload identity); secret
            // so it never lands in state or logs in plain text.
            password: pulumi.secret(gcp.organizations.getClientConfigOutput({ parent: this }).accessToken),
        };
        const registryHost = auth.address ?? repositoryUrl.apply((u) => u.split("/")[0]);

        // The Dockerfile's `lock` stage copies locks/<flavor>-<minor>.json from the context.
        // A lock kept elsewhere replaces that stage through a named context, so the build
        // always uses the lock hashed into the tag. The staging folder is named after the
        // lock's hash (no diff between runs) under the git-ignored .cache/.
        const lockBytes = fs.readFileSync(args.lockFile);
        const inContextLock = path.resolve(args.contextDir, "locks", `${flavor}-${args.pythonMinor}.json`);
        let namedContexts: Record<string, { location: string }> | undefined;
        if (path.resolve(args.lockFile) !== inContextLock) {
            const staged = path.join(".cache", "build-locks", crypto.createHash("sha256").update(lockBytes).digest("hex").slice(0, 16));
            fs.mkdirSync(staged, { recursive: true });
            fs.writeFileSync(path.join(staged, "lock.json"), lockBytes);
            namedContexts = { lock: { location: staged } };
        }
        const epoch = sourceDateEpoch(lockBytes);

        const secrets: Record<string, pulumi.Input<string>> = {};
        if (args.extraCa !== undefined) {
            secrets.extra_ca = pulumi.secret(args.extraCa);
        }

        this.image = new dockerBuild.Image(
            `${name}-image`,
            {
                push: args.push ?? true,
                tags: [this.taggedRef],
                context: namedContexts ? { location: args.contextDir, named: namedContexts } : { location: args.contextDir },
                dockerfile: { location: args.dockerfile ?? path.join(args.contextDir, "Dockerfile") },
                target: variant,
                platforms: args.platforms ?? [...IMAGE_PLATFORMS],
                buildOnPreview: args.buildOnPreview ?? false,
                buildArgs: pulumi.output(args.extraBuildArgs ?? {}).apply((extra) => ({
                    BASE_IMAGE: args.baseImage ?? "debian:trixie-slim",
                    DEBIAN_MIRROR: args.debianMirror ?? "http://deb.debian.org/debian",
                    DEBIAN_SECURITY_MIRROR: args.debianSecurityMirror ?? "http://deb.debian.org/debian-security",
                    PYTHON_FLAVOR: flavor,
                    PYTHON_MINOR: args.pythonMinor,
                    PYTHON_VERSION: args.pythonVersion,
                    PYTHON_SHA256: args.pythonSha256 ?? "",
                    PYTHON_MIRROR: args.pythonMirror ?? "https://www.python.org/ftp/python",
                    SOURCE_DATE_EPOCH: String(epoch),
                    IMAGE_CREATED: rfc3339(epoch),
                    // The same content hash image:build passes, so both build the same digest.
                    REVISION: revision,
                    ...extra,
                })),
                secrets,
                // The CA may rotate without changing the image; do not rebuild for it.
                ignoreSecretsInDiffCalculation: ["extra_ca"],
                labels: pulumi.output(args.labels ?? {}).apply((l) => ({
                    "org.opencontainers.image.version": args.pythonVersion,
                    ...l,
                })),
                registries: [{ address: registryHost, username: auth.username, password: auth.password }],
                // A dedicated cache tag per (minor, variant), so builds never pull another
                // image's cache and the cache is never mistaken for a published tag.
                cacheFrom: [{ registry: { ref: cacheRef } }],
                cacheTo: [{ registry: { ref: cacheRef, mode: "max", imageManifest: true, ociMediaTypes: true } }],
            },
            // retainOnDelete: replacing or destroying never deletes a published image that
            // some deployment may still pin by digest (pulumi-docker-build#581).
            { parent: this, retainOnDelete: true },
        );

        this.digest = this.image.digest;
        this.ref = pulumi.all([imageRepo, this.image.digest]).apply(([repo, digest]) => `${repo}@${digest}`);
        this.registerOutputs({ tag: this.tag, taggedRef: this.taggedRef, digest: this.digest, ref: this.ref });
    }
}

/**
 * Resolves a tag (e.g. the moving `3.13` the scheduled rebuild writes) to a digest-pinned
 * `<repo>/<image>@sha256:...` with `@pulumi/docker`'s registry lookup. This is where
 * `@pulumi/docker` is the better tool: it reads the registry without building. The
 * docker provider needs registry credentials for private repositories (its
 * `registryAuth` provider setting).
 */
export function resolveDigestRef(taggedRef: pulumi.Input<string>, opts?: pulumi.InvokeOutputOptions): pulumi.Output<string> {
    const image = docker.getRegistryImageOutput({ name: taggedRef }, opts);
    return pulumi.all([taggedRef, image.sha256Digest]).apply(([ref, digest]) => {
        const lastSlash = ref.lastIndexOf("/");
        const colon = ref.indexOf(":", lastSlash + 1);
        return `${colon === -1 ? ref : ref.slice(0, colon)}@${digest}`;
    });
}
