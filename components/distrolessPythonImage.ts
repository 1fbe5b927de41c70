import * as docker from "@pulumi/docker";
import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import { BUILD_DEFAULTS, EXTRA_CA_SECRET, type ImageBuildRequest, type ImageSpec, imageBuildSpec, lockedPython, readBuildSources, stageLock } from "./buildSpec";
import { checkDockerBuildEnvironment, dockerBuildImageArgs } from "./buildRender";
import { FLAVORS, type Flavor, type Platform, platformArch, PLATFORMS, type Variant, VARIANTS } from "./constants";
import { artifactRegistryAuth, type RegistryCredentials } from "./registryAuth";

/** @deprecated use VARIANTS from components/constants. */
export const IMAGE_VARIANTS = VARIANTS;
export type ImageVariant = Variant;
/** @deprecated use PLATFORMS from components/constants. */
export const IMAGE_PLATFORMS = PLATFORMS;
export type ImagePlatform = Platform;

export interface DistrolessPythonImageArgs {
    /** Repository prefix, `<location>-docker.pkg.dev/<project>/<repo>` (ArtifactRepository.registryUri). Required. */
    repositoryUrl: pulumi.Input<string>;
    /**
     * Python minor, e.g. `"3.13"`. Plain string: it names the child resources and the
     * lock file. Required.
     */
    pythonMinor: string;
    /**
     * Full Python version, e.g. `"3.13.5"`. Optional: the lock pins the version (and, for
     * the upstream flavour, CPython's sha256, the one source of both); when given it must
     * equal the lock's. Default: the lock's.
     */
    pythonVersion?: string;
    /** Dockerfile target. Default: `"runtime"`. One of runtime, debug, builder. */
    variant?: ImageVariant;
    /** `upstream` (CPython built from source, image `python`) or `debian` (image `python-debian`). Default: `"upstream"`. */
    flavor?: Flavor;
    /**
     * The build context folder (the project's `image/`). Plain path: what the build reads
     * from it is hashed into the buildId at construction. Required.
     */
    contextDir: string;
    /** The selected lock, `<locksDir>/<flavor>-<minor>.json`. Plain path, hashed into the buildId. Required. */
    lockFile: string;
    /** Dockerfile. Default: `<contextDir>/Dockerfile`. */
    dockerfile?: string;
    /**
     * Platforms of the pushed index: one docker-build Image per platform (each with its
     * own cache, as the provider recommends), joined by a docker-build Index. Plain list:
     * it decides which resources exist. Default: `["linux/amd64", "linux/arm64"]`.
     */
    platforms?: ImagePlatform[];
    /** Build during `pulumi preview` (never pushes there). Default: `false`: previews stay fast and need no engine. */
    buildOnPreview?: pulumi.Input<boolean>;
    /**
     * Registry credentials. Default: user `oauth2accesstoken` with the access token of the
     * ambient GCP credentials, fetched when each build step starts (components/registryAuth.ts).
     */
    registryAuth?: RegistryCredentials;
    /** Tag prefix of the registry build cache; the cache ref is `<repo>/<image>:<prefix>-<minor>-<variant>-<arch>`. Default: `"buildcache"`. */
    cacheTagPrefix?: string;
    /** `BASE_IMAGE` build arg. Plain string (hashed into the buildId). Default: `"debian:trixie-slim"`. */
    baseImage?: string;
    /** `DEBIAN_MIRROR` build arg. Default: `"http://deb.debian.org/debian"`. */
    debianMirror?: string;
    /** `DEBIAN_SECURITY_MIRROR` build arg. Default: `"http://deb.debian.org/debian-security"`. */
    debianSecurityMirror?: string;
    /** `PYTHON_MIRROR` build arg (upstream). Default: `"https://www.python.org/ftp/python"`. */
    pythonMirror?: string;
    /** upstream: no PGO/LTO (tagged `-fast`). Default: `false`. */
    fast?: boolean;
    /** Extra build args, merged over the ones above. Plain (hashed into the buildId). Default: `{}`. */
    extraBuildArgs?: Record<string, string>;
    /**
     * PEM CA bundle for TLS-intercepting proxies, passed as the build secret `extra_ca`
     * (mounted only into the RUN steps that need HTTPS, never in a layer). Default: none.
     */
    extraCa?: pulumi.Input<string>;
    /** BuildKit builder by name, the same one the CLI path uses. Default: `"default"`. */
    builder?: string;
}

/** Validates the plain args; pure, messages name the arg and what is accepted. */
export function validateImageArgs(args: Pick<DistrolessPythonImageArgs, "pythonMinor" | "pythonVersion" | "variant" | "flavor" | "contextDir" | "lockFile" | "cacheTagPrefix" | "platforms">): void {
    const variant = args.variant ?? "runtime";
    const flavor = args.flavor ?? "upstream";
    if (!(VARIANTS as readonly string[]).includes(variant)) {
        throw new Error(`DistrolessPythonImage arg "variant": ${JSON.stringify(variant)} is not supported; accepted: ${VARIANTS.join(", ")}`);
    }
    if (!(FLAVORS as readonly string[]).includes(flavor)) {
        throw new Error(`DistrolessPythonImage arg "flavor": ${JSON.stringify(flavor)} is not supported; accepted: ${FLAVORS.join(", ")}`);
    }
    if (!/^3\.[0-9]{1,2}$/.test(args.pythonMinor)) {
        throw new Error(`DistrolessPythonImage arg "pythonMinor": ${JSON.stringify(args.pythonMinor)} is not valid; accepted: a minor such as 3.13`);
    }
    if (args.pythonVersion !== undefined && !args.pythonVersion.startsWith(`${args.pythonMinor}.`)) {
        throw new Error(`DistrolessPythonImage arg "pythonVersion": ${JSON.stringify(args.pythonVersion)} is not a release of ${args.pythonMinor}; accepted: ${args.pythonMinor}.<patch>`);
    }
    for (const p of args.platforms ?? []) {
        if (!(PLATFORMS as readonly string[]).includes(p)) {
            throw new Error(`DistrolessPythonImage arg "platforms": ${JSON.stringify(p)} is not supported; accepted: ${PLATFORMS.join(", ")}`);
        }
    }
    if (args.platforms !== undefined && args.platforms.length === 0) {
        throw new Error(`DistrolessPythonImage arg "platforms": empty; accepted: one or more of ${PLATFORMS.join(", ")}`);
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

/** The build request the component renders (exported so tests derive the expected inputs from it). */
export function imageRequest(args: DistrolessPythonImageArgs, repository?: string): ImageBuildRequest {
    const lockBytes = fs.readFileSync(args.lockFile);
    return {
        sources: readBuildSources(args.contextDir, args.dockerfile ?? path.join(args.contextDir, "Dockerfile")),
        lockBytes,
        lockContextDir: stageLock(lockBytes),
        flavor: args.flavor ?? "upstream",
        minor: args.pythonMinor,
        variant: args.variant ?? "runtime",
        platforms: args.platforms ?? [...PLATFORMS],
        baseImage: args.baseImage,
        debianMirror: args.debianMirror,
        debianSecurityMirror: args.debianSecurityMirror,
        pythonMirror: (args.flavor ?? "upstream") === "upstream" ? args.pythonMirror : undefined,
        fast: args.fast,
        extraBuildArgs: args.extraBuildArgs,
        extraCa: args.extraCa !== undefined,
        repository,
        cacheTagPrefix: args.cacheTagPrefix ?? BUILD_DEFAULTS.cacheTagPrefix,
        builder: args.builder,
    };
}

/**
 * One distroless Python image (one minor, one variant): one docker-build Image per platform
 * (tag `<immutable>-<arch>`, its own registry cache), joined by a docker-build Index under
 * the immutable, content-addressed tag. Every build input comes from the build spec.
 */
export class DistrolessPythonImage extends pulumi.ComponentResource {
    /** The per-platform docker-build Images, in platform order. */
    public readonly images: dockerBuild.Image[];
    /** The docker-build Index joining them under the immutable tag. */
    public readonly index: dockerBuild.Index;
    /** `python` or `python-debian`. */
    public readonly imageName: string;
    /** The immutable tag, e.g. `3.13.5-0123456789ab-debug`. */
    public readonly tag: string;
    /** The buildId (12 hex), shared by every variant of this (flavour, minor). */
    public readonly buildId: string;
    /** `<repo>/<image>:<tag>`. */
    public readonly taggedRef: pulumi.Output<string>;
    /** Digest of the pushed index, `sha256:...`. */
    public readonly digest: pulumi.Output<string>;
    /** `<repo>/<image>@sha256:...`: what deployments should pin. */
    public readonly ref: pulumi.Output<string>;

    constructor(name: string, args: DistrolessPythonImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("distroless-python:images:DistrolessPythonImage", name, {}, opts);
        let shape: ImageSpec;
        let request: ImageBuildRequest;
        try {
            validateImageArgs(args);
            checkDockerBuildEnvironment(process.env);
            const locked = lockedPython(args.flavor ?? "upstream", fs.readFileSync(args.lockFile));
            if (args.pythonVersion !== undefined && args.pythonVersion !== locked.version) {
                throw new Error(`DistrolessPythonImage arg "pythonVersion": ${JSON.stringify(args.pythonVersion)} differs from the lock's ${locked.version} (${args.lockFile}); accepted: the lock's version (re-resolve the lock)`);
            }
            // Read the context and stage the lock once; the spec is rendered again below only
            // to add the repository URL, which is known once the repository exists.
            request = imageRequest(args);
            shape = imageBuildSpec(request);
        } catch (e) {
            throw new pulumi.ResourceError((e as Error).message, this);
        }
        this.imageName = shape.imageName;
        this.tag = shape.tag;
        this.buildId = shape.buildId;
        const repositoryUrl = pulumi.output(args.repositoryUrl).apply((u) => u.replace(/\/+$/, ""));
        const spec = repositoryUrl.apply((url) => imageBuildSpec({ ...request, repository: url }));
        const secretValues = args.extraCa !== undefined ? { [EXTRA_CA_SECRET]: pulumi.secret(args.extraCa) } : undefined;

        // One build at a time, each with a token fetched when it starts.
        this.images = [];
        let previous: pulumi.Resource | undefined;
        shape.perPlatform.forEach((pp, i) => {
            const auth = args.registryAuth ?? artifactRegistryAuth(repositoryUrl, this, previous);
            const image: dockerBuild.Image = new dockerBuild.Image(
                `${name}-${platformArch(pp.platform)}`,
                dockerBuildImageArgs(pp, {
                    secretValues,
                    registries: [auth],
                    buildOnPreview: args.buildOnPreview ?? false,
                    tags: spec.apply((s) => s.perPlatform[i].tags),
                    cacheRefs: spec.apply((s) => s.perPlatform[i].cacheTo),
                }),
                // retainOnDelete: replacing or destroying never deletes a published image that
                // some deployment may still pin by digest (pulumi-docker-build#581).
                { parent: this, retainOnDelete: true, ...(previous ? { dependsOn: [previous] } : {}) },
            );
            this.images.push(image);
            previous = image;
        });
        const indexAuth = args.registryAuth ?? artifactRegistryAuth(repositoryUrl, this, previous);
        this.taggedRef = pulumi.interpolate`${repositoryUrl}/${this.imageName}:${this.tag}`;
        this.index = new dockerBuild.Index(`${name}-index`, {
            tag: this.taggedRef,
            sources: this.images.map((img) => img.ref),
            push: true,
            registry: indexAuth,
        }, { parent: this, retainOnDelete: true, dependsOn: this.images });
        this.digest = this.index.ref.apply((ref) => ref.slice(ref.lastIndexOf("@") + 1));
        this.ref = pulumi.all([repositoryUrl, this.digest]).apply(([repo, digest]) => `${repo}/${this.imageName}@${digest}`);
        this.registerOutputs({ tag: this.tag, buildId: this.buildId, taggedRef: this.taggedRef, digest: this.digest, ref: this.ref });
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
