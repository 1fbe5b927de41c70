// The sample app in the rebuild (--app FLAVOR/MINOR): built on the builder and runtime digests
// this release names for that flavour and minor, checked with app:check, signed and attested
// like the images (and, where the stack owns an attestor, given a Binary Authorization
// attestation), and only then recorded under the release lock's `apps`, the one place stacks
// with imageSource release-lock take it from. Its tag is content-addressed (`app-<12 hex>` of
// the app sources and both base references, as the SampleAppImage component computes it), so
// the same sources on the same two digests are not rebuilt: a rerun publishes nothing.
import type { Flavor, Platform } from "../../components/constants";
import type { LockedImage, ReleaseLock } from "../../config/releaseLock";
import { appTag, buildApp, parseAppBuildArgs, signApp } from "../app-build";
import { checkImage } from "../app-check";
import { formatFinding } from "../app-check/findings";
import { attestPublished } from "./attestation";
import type { RebuildOptions } from "./options";
import { resolveDigest } from "./registry";
import { signerFor, unverifiedBy } from "./sign";

/** The release lock's name of the sample app (index.ts deploys `apps["sample-app"]`). */
export const APP_NAME = "sample-app";

export interface AppOutcome {
    status: "skipped" | "published" | "failed";
    detail: string;
    entry?: LockedImage;
}

/**
 * The platform the app is built for: linux/amd64 when the run builds it (GKE's default
 * node architecture), else the run's first. app:build builds one platform per image.
 */
export function appPlatform(platforms: readonly Platform[]): Platform {
    return platforms.includes("linux/amd64") ? "linux/amd64" : platforms[0];
}

/** The base pair the app builds on, from the release lock being written; an error names what is missing. */
export function appBases(lock: ReleaseLock, flavor: Flavor, minor: string): { builder: LockedImage; runtime: LockedImage } {
    const variants = lock.images[flavor]?.[minor];
    const missing = (["builder", "runtime"] as const).filter((v) => !variants?.[v]);
    if (missing.length) {
        throw new Error(`--app ${flavor}/${minor}: the release has no ${missing.join(" or ")} image of ${flavor} ${minor} ` +
            "(publish them in this run or an earlier one: --variants must include builder and runtime)");
    }
    return { builder: variants!.builder!, runtime: variants!.runtime! };
}

export async function rebuildApp(o: RebuildOptions, next: ReleaseLock, current: ReleaseLock | undefined, log: (m: string) => void): Promise<AppOutcome> {
    const { flavor, minor } = o.app!;
    const started = new Date();
    try {
        const { builder, runtime } = appBases(next, flavor, minor);
        const tag = appTag(builder.ref, runtime.ref);
        const repo = `${o.registry}/${APP_NAME}`;
        const published = current?.apps[APP_NAME];
        const platform = appPlatform(o.platforms);
        const opts = parseAppBuildArgs(["--python", minor, "--flavor", flavor, "--platform", platform,
            "--builder-image", builder.ref, "--runtime-image", runtime.ref, "--push", o.registry]);
        const signer = await signerFor(o, log);
        if (published?.tag === tag && (await resolveDigest(published.ref)) === published.digest) {
            const detail = `${published.ref} (${tag}: the same app sources on the same builder and runtime)`;
            // Unchanged, but it must still verify with this run's key (as the deploy checks it), or be signed again.
            const failures = signer ? await unverifiedBy(signer, published.ref) : [];
            if (failures.length === 0) return { status: "skipped", detail };
            log(`${APP_NAME}: ${published.ref} does not verify with this run's key (${failures[0].slice(0, 160)}): signing it again`);
            await signApp(signer!, opts, published.ref, `${repo}:${tag}`, { builderImage: builder.ref, runtimeImage: runtime.ref }, started);
            await attestPublished(o, [published.ref], log);
            return { status: "skipped", detail: `${detail}; signed again with this run's key` };
        }
        log(`${APP_NAME} on ${flavor} ${minor}: building ${repo}:${tag} (${platform})`);
        const ref = await buildApp(opts);
        const digest = ref.slice(ref.lastIndexOf("@") + 1);
        log(`${APP_NAME}: checking ${ref} (app:check)`);
        const report = checkImage(ref, platform);
        if (report.findings.length) {
            return { status: "failed", detail: `app:check found ${report.findings.length} problem(s), not recorded in the release lock: ${report.findings.map(formatFinding).join("; ")}` };
        }
        if (signer) {
            await signApp(signer, opts, ref, `${repo}:${tag}`, { builderImage: builder.ref, runtimeImage: runtime.ref }, started);
        }
        await attestPublished(o, [ref], log);
        return { status: "published", detail: `${ref} (${tag})`, entry: { tag, digest, ref } };
    } catch (e) {
        return { status: "failed", detail: (e as Error).message.split("\n")[0] };
    }
}
