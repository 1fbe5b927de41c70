// The project's vocabulary, stated once: config/schema.ts, the components, the scripts and
// the policy pack all import these (test/unit/constants.test.ts checks that no other file
// declares its own copy). Pure data, no Pulumi import, so scripts load it cheaply.

/** Python flavours: `upstream` (CPython built from python.org's tarball) or `debian` (Debian's python3). */
export const FLAVORS = ["upstream", "debian"] as const;
export type Flavor = (typeof FLAVORS)[number];

/** Dockerfile targets (docs/architecture.md, "Dockerfile interface"). */
export const VARIANTS = ["runtime", "debug", "builder"] as const;
export type Variant = (typeof VARIANTS)[number];

/** Platforms the images may be built for (what the Dockerfile and Debian trixie support). */
export const PLATFORMS = ["linux/amd64", "linux/arm64"] as const;
export type Platform = (typeof PLATFORMS)[number];

/** Repository image name per flavour. */
export const IMAGE_NAMES: Readonly<Record<Flavor, string>> = { upstream: "python", debian: "python-debian" };

/** The sample app's image name in the repository. */
export const APP_IMAGE_NAME = "sample-app";

/** A manifest digest as registries and BuildKit print it. */
export const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;

/** An image reference pinned by digest: `name[:tag]@sha256:<64 hex>`. */
export const DIGEST_REF_PATTERN = /@sha256:[0-9a-f]{64}$/;

/**
 * Tag prefixes of everything this project publishes, which the repository's KEEP policy
 * protects: the base images' immutable `3.13.5-<buildId>[-variant][-arch]` and moving
 * `3.13`, `3.13-debug` tags, `latest`, the sample app's `app-<id>[-arch]` tags, and cosign's
 * `sha256-<digest>.sig|.att` signature and attestation tags (scripts/rebuild/sign.ts; as
 * untagged referrers they would fall to the delete-untagged policy). The build-cache prefix
 * must never be one of these, or superseded caches are never cleaned.
 */
export const PUBLISHED_TAG_PREFIXES = ["3.", "latest", "app-", "sha256-"] as const;

/** Default tag prefix of the registry build cache (`<prefix>-<minor>-<variant>-<arch>`). */
export const DEFAULT_CACHE_TAG_PREFIX = "buildcache";

/**
 * The BuildKit builder every build path uses by name (`docker buildx build --builder`,
 * docker-build's `builder.name`): the same BuildKit for the CLI, the component and the
 * rebuild pipeline, so one spec gives one digest. `default` is the engine's own builder.
 */
export const DEFAULT_BUILDER = "default";

/** Artifact Registry's user name for an OAuth access token. */
export const REGISTRY_TOKEN_USER = "oauth2accesstoken";

/** The architecture part of a platform (`linux/arm64` -> `arm64`). */
export function platformArch(platform: Platform): string {
    return platform.split("/")[1];
}
