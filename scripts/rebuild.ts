/**
 * npm run --silent rebuild -- --registry REG --lease gs://B/O --release gs://B/P/ [...]   (Cloud Build)
 * npm run --silent rebuild:local -- --registry 127.0.0.1:5000 [...]                          (here)
 *
 * The one producer of published images and the only writer of moving tags (`3.13`,
 * `3.13-debug`, `3.13.18`): under a lease, it refreshes the inputs (python:bump where
 * python.org is reachable, then every lock against today's archive), skips every (flavour,
 * minor) whose buildId equals the one recorded on its published image (signing it again only
 * where it does not verify with the run's key), builds the others from
 * the build spec, pushes each candidate by digest only, runs every image check on that
 * digest, and only then writes the immutable tag and moves the moving tags, so the digest
 * published is the digest tested. It publishes the release lock with the refreshed locks.
 * With --app FLAVOR/MINOR it then builds the sample app on that release's builder and runtime,
 * checks and signs it and records it under the release lock's apps (scripts/rebuild/app.ts).
 * Progress on stderr; a summary and `published <n>` (the last line) on stdout. Options: USAGE
 * in scripts/rebuild/options.ts.
 */
import { execSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EXTRA_CA_SECRET, type ImageSpec, imageBuildSpec, readBuildSources, stageLock } from "../components/buildSpec";
import { buildxArgs } from "../components/buildRender";
import { type Flavor, type Platform, platformArch, type Variant } from "../components/constants";
import type { ReleaseLock } from "../config/releaseLock";
import { CHECKS, type CheckInput } from "../image/checks/checks";
import { metadataDigest } from "./image-build";
import { gcsClient } from "./rebuild/gcs";
import { pushLayoutByDigest } from "./rebuild/ociPush";
import { fileLease, gcsLease, type Lease, LeaseHeldError } from "./rebuild/lease";
import { parseRebuildArgs, type RebuildOptions } from "./rebuild/options";
import { createIndex, docker, moveTag, publishedTag } from "./rebuild/registry";
import { dirRelease, gcsRelease, type ReleaseTarget } from "./rebuild/release";
import { APP_NAME, type AppOutcome, rebuildApp } from "./rebuild/app";
import { attestPublished } from "./rebuild/attestation";
import { signAgainWhereUnverified, signImage } from "./rebuild/sign";

const ROOT = path.resolve(__dirname, "..");
const HOST_CA = process.env.EXTRA_CA_FILE ?? "/etc/ssl/certs/ca-certificates.crt";
/** A lease older than the Cloud Build timeout's ceiling is a killed run's. */
const GCS_LEASE_STALE_SECONDS = 24 * 3600;

/** Each build's whole log (BuildKit's plain progress). */
const LOG_DIR = path.join(ROOT, ".cache", "rebuild-logs");
const log = (m: string): void => void process.stderr.write(`[rebuild] ${m}\n`);
const secs = (start: number) => `${((Date.now() - start) / 1000).toFixed(0)} s`;

function npm(args: string[]): Promise<void> {
    return new Promise((resolve, reject) => {
        const child = spawn("npm", ["run", "--silent", ...args], { cwd: ROOT, stdio: ["ignore", 2, 2] });
        child.on("error", reject);
        child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`npm run ${args.slice(0, 1).join(" ")} failed (exit ${code})`))));
    });
}

/** Moving tags of one image: `<minor>[-variant]` and `<version>[-variant]`. */
export function movingTags(minor: string, version: string, variant: Variant): string[] {
    const suffix = variant === "runtime" ? "" : `-${variant}`;
    return [`${minor}${suffix}`, `${version}${suffix}`];
}

async function refreshInputs(o: RebuildOptions): Promise<void> {
    const mirrors = [
        ...(o.debianMirror ? ["--mirror", o.debianMirror] : []),
        ...(o.debianSecurityMirror ? ["--security-mirror", o.debianSecurityMirror] : []),
    ];
    if (o.bump) {
        log("python:bump: newest patch release of each minor from python.org");
        await npm(["python:bump"]);
    } else {
        log(`python:bump skipped (${o.local ? "rebuild:local: python.org is not reachable from here" : "--no-bump"}): ${o.pythonVersionsFile} as it is`);
    }
    for (const minor of o.minors) {
        for (const flavor of o.flavors) {
            const output = path.resolve(ROOT, o.locksDir, `${flavor}-${minor}.json`);
            const start = Date.now();
            if (flavor === "debian") await npm(["image:resolve", "--", "--python", minor, "--flavor", "debian", "--output", output, ...mirrors]);
            else await npm(["python:lock", "--", "--python", minor, "--output", output, "--python-versions", path.resolve(ROOT, o.pythonVersionsFile), ...mirrors, ...(o.baseImage ? ["--base-image", o.baseImage] : [])]);
            log(`lock ${flavor} ${minor} re-resolved against today's archive (${secs(start)})`);
        }
    }
}

interface Outcome {
    flavor: Flavor;
    minor: string;
    status: "skipped" | "published" | "failed";
    detail: string;
    images: { variant: Variant; tag: string; digest: string; ref: string }[];
}

function specFor(o: RebuildOptions, flavor: Flavor, minor: string, variant: Variant): ImageSpec {
    const lockFile = path.resolve(ROOT, o.locksDir, `${flavor}-${minor}.json`);
    if (!fs.existsSync(lockFile)) throw new Error(`lock ${lockFile} does not exist; run without --no-refresh, or write it with npm run image:resolve / python:lock`);
    const lockBytes = fs.readFileSync(lockFile);
    const upstream = flavor === "upstream";
    return imageBuildSpec({
        sources: readBuildSources(path.join(ROOT, "image")),
        lockBytes,
        lockContextDir: stageLock(lockBytes, path.join(ROOT, ".cache", "build-locks")),
        flavor, minor, variant, platforms: o.platforms,
        baseImage: o.baseImage,
        debianMirror: o.debianMirror,
        debianSecurityMirror: o.debianSecurityMirror,
        pythonMirror: upstream ? o.pythonMirror : undefined,
        fast: upstream && o.fast,
        pythonOverride: upstream ? o.pythonOverride : undefined,
        extraCa: upstream && !(o.pythonMirror ?? "https:").startsWith("http:") && fs.existsSync(HOST_CA),
        repository: o.registry,
        // Cloud Build starts on a fresh VM: the registry cache is its only cache. Locally the
        // engine's own cache is warm, and exporting would only cost time.
        cacheTagPrefix: o.local ? false : undefined,
        builder: o.builder,
    });
}

/** Builds one candidate platform image and pushes it by digest only (no tag). */
async function buildCandidate(spec: ImageSpec, platform: Platform, logFile: string): Promise<string> {
    const pp = spec.perPlatform.find((p) => p.platform === platform)!;
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "rebuild-"));
    try {
        const layout = path.join(work, "oci");
        const args = buildxArgs(pp, {
            output: { ociDir: layout },
            secretFiles: pp.secrets.includes(EXTRA_CA_SECRET) ? { [EXTRA_CA_SECRET]: HOST_CA } : undefined,
            metadataFile: path.join(work, "metadata.json"),
        });
        await docker(args, { ...process.env, SOURCE_DATE_EPOCH: String(spec.epoch) }, logFile);
        const built = metadataDigest(path.join(work, "metadata.json"));
        const pushed = await pushLayoutByDigest(layout, spec.repo);
        if (pushed !== built) throw new Error(`pushed ${pushed}, but BuildKit built ${built}`);
        return pushed;
    } finally {
        fs.rmSync(work, { recursive: true, force: true });
    }
}

/** Every image check on the candidates of one platform; resolves to the failures. */
function checkCandidates(repo: string, platform: Platform, digests: Partial<Record<Variant, string>>, lock: string): string[] {
    if (!digests.runtime) return ["the runtime variant is needed to check an image (add it to --variants)"];
    const input: CheckInput = {
        image: `${repo}@${digests.runtime}`,
        platform,
        lock,
        ...(digests.debug ? { debug: `${repo}@${digests.debug}` } : {}),
        ...(digests.builder ? { builder: `${repo}@${digests.builder}` } : {}),
    } as CheckInput;
    const failures: string[] = [];
    for (const check of CHECKS) {
        if (check.needs !== undefined && (input as unknown as Record<string, unknown>)[check.needs] === undefined) continue;
        const start = Date.now();
        try {
            check.run(input);
            log(`  ok   ${check.name} ${platformArch(platform)} (${secs(start)})`);
        } catch (e) {
            failures.push(`${check.name} (${platformArch(platform)}): ${(e as Error).message.split("\n")[0]}`);
            log(`  FAIL ${check.name} ${platformArch(platform)}: ${(e as Error).message.split("\n").slice(0, 3).join(" | ")}`);
        }
    }
    return failures;
}

async function rebuildOne(o: RebuildOptions, flavor: Flavor, minor: string): Promise<Outcome> {
    const specs = Object.fromEntries(o.variants.map((v) => [v, specFor(o, flavor, minor, v)])) as Record<Variant, ImageSpec>;
    const first = specs[o.variants[0]];
    const id = `${flavor} ${minor}`;
    const lock = path.resolve(ROOT, o.locksDir, `${flavor}-${minor}.json`);
    // Skip when every variant's moving tag already carries this revision (the buildId's full hash).
    const published = await Promise.all(o.variants.map((v) => publishedTag(`${first.repo}:${movingTags(minor, first.version, v)[0]}`)));
    if (published.every((p) => p?.revision === first.revision)) {
        log(`${id}: unchanged (buildId ${first.buildId} is published): skipped`);
        // What is published stays in the release lock, even one written anew (lost state, a new --release-dir).
        const images = o.variants.map((variant, i) => ({ variant, tag: specs[variant].tag, digest: published[i]!.digest, ref: `${first.repo}@${published[i]!.digest}` }));
        // And it still verifies with this run's key, as every deploy checks, or is signed again.
        const signedAgain = await signAgainWhereUnverified(o, o.variants.map((variant, i) => ({ spec: specs[variant], flavor, minor, variant, index: published[i]!.digest, lockFile: lock })), log);
        await attestPublished(o, signedAgain, log);
        const again = signedAgain.length ? `; signed again with this run's key: ${signedAgain.length} digest(s)` : "";
        return { flavor, minor, status: "skipped", detail: `buildId ${first.buildId} already published${again}`, images };
    }
    log(`${id}: buildId ${first.buildId} (published: ${published.map((p) => p?.revision?.slice(0, 12) ?? "none").join(", ")}): building ${o.variants.length} variant(s) x ${o.platforms.length} platform(s)`);
    const digests: Record<Platform, Partial<Record<Variant, string>>> = {} as never;
    for (const platform of o.platforms) {
        digests[platform] = {};
        for (const variant of o.variants) {
            const start = Date.now();
            const logFile = path.join(LOG_DIR, `${flavor}-${minor}-${variant}-${platformArch(platform)}.log`);
            log(`${id} ${variant} ${platformArch(platform)}: building (log: ${path.relative(ROOT, logFile)})`);
            try {
                digests[platform][variant] = await buildCandidate(specs[variant], platform, logFile);
            } catch (e) {
                log(`${id} ${variant} ${platformArch(platform)}: build failed: ${(e as Error).message}`);
                return { flavor, minor, status: "failed", detail: `build of ${variant} ${platform} failed`, images: [] };
            }
            log(`${id} ${variant} ${platformArch(platform)}: candidate ${first.repo}@${digests[platform][variant]} (untagged, ${secs(start)})`);
        }
    }
    for (const platform of o.platforms) {
        log(`${id} ${platformArch(platform)}: checking the candidates`);
        const failures = checkCandidates(first.repo, platform, digests[platform], lock);
        if (failures.length) {
            return { flavor, minor, status: "failed", detail: `checks failed, nothing published: ${failures.join("; ")}`, images: [] };
        }
    }
    // Every candidate passed: now, and only now, the tags.
    const images: Outcome["images"] = [];
    for (const variant of o.variants) {
        const spec = specs[variant];
        const index = await createIndex(spec.repo, spec.tag, o.platforms.map((p) => digests[p][variant]!));
        runHook("REBUILD_HOOK_AFTER_IMMUTABLE", `${spec.repo}:${spec.tag}`);
        // Signed and attested before any moving tag names it (issue 13).
        await signImage(o, { spec, flavor, minor, variant, index, manifests: o.platforms.map((p) => ({ platform: p, digest: digests[p][variant]! })), lockFile: lock }, log);
        // And, where this stack owns an attestor, Binary Authorization's attestation of each digest.
        await attestPublished(o, [index, ...o.platforms.map((p) => digests[p][variant]!)].map((d) => `${spec.repo}@${d}`), log);
        for (const tag of movingTags(minor, spec.version, variant)) await moveTag(spec.repo, tag, index);
        log(`${id} ${variant}: published ${spec.repo}:${spec.tag} = ${index}; moved ${movingTags(minor, spec.version, variant).join(", ")}`);
        images.push({ variant, tag: spec.tag, digest: index, ref: `${spec.repo}@${index}` });
    }
    return { flavor, minor, status: "published", detail: `buildId ${first.buildId}`, images };
}

/** Test seam: a command run at a named point (the fault tests stop the registry there). */
function runHook(name: string, arg: string): void {
    const cmd = process.env[name];
    if (!cmd) return;
    log(`${name}: ${cmd} ${arg}`);
    execSync(`${cmd} ${JSON.stringify(arg)}`, { stdio: "inherit" });
}

function nextReleaseLock(o: RebuildOptions, current: ReleaseLock | undefined, outcomes: Outcome[]): ReleaseLock {
    const base: ReleaseLock = current && current.repositoryUrl === o.registry ? current : { schemaVersion: 1, repositoryUrl: o.registry, images: {}, apps: {} };
    if (current && current.repositoryUrl !== o.registry) log(`the release lock named ${current.repositoryUrl}; starting a new one for ${o.registry}`);
    const next: ReleaseLock = JSON.parse(JSON.stringify(base)) as ReleaseLock;
    for (const out of outcomes.filter((x) => x.status !== "failed")) {
        const byMinor = (next.images[out.flavor] ??= {});
        const byVariant = (byMinor[out.minor] ??= {});
        for (const img of out.images) byVariant[img.variant] = { tag: img.tag, digest: img.digest, ref: img.ref };
    }
    return next;
}

function releaseTarget(o: RebuildOptions): ReleaseTarget {
    if (o.release) return gcsRelease(gcsClient(), o.release);
    const workTree = o.releaseDir === undefined;
    return dirRelease(o.releaseDir ?? ROOT, { workTree, locksDir: path.resolve(ROOT, o.locksDir), pythonVersionsFile: path.resolve(ROOT, o.pythonVersionsFile) });
}

export async function rebuild(o: RebuildOptions): Promise<{ outcomes: Outcome[]; app?: AppOutcome; published: number }> {
    const started = Date.now();
    fs.mkdirSync(LOG_DIR, { recursive: true });
    const lease: Lease = o.lease ? await gcsLease(gcsClient(), o.lease, GCS_LEASE_STALE_SECONDS, log) : await fileLease(path.resolve(ROOT, o.leaseFile!), log, o.waitSeconds);
    log(`lease ${lease.describe()} taken${o.sourceGeneration ? `; source generation ${o.sourceGeneration}` : ""}`);
    try {
        if (o.refresh) await refreshInputs(o);
        const target = releaseTarget(o);
        const current = await target.current();
        const outcomes: Outcome[] = [];
        for (const minor of o.minors) {
            for (const flavor of o.flavors) {
                try {
                    outcomes.push(await rebuildOne(o, flavor, minor));
                } catch (e) {
                    log(`${flavor} ${minor}: ${(e as Error).message}`);
                    outcomes.push({ flavor, minor, status: "failed", detail: (e as Error).message, images: [] });
                }
            }
        }
        const releaseLock = nextReleaseLock(o, current, outcomes);
        // The sample app on this release's bases, recorded only once checked and signed.
        const app = o.app ? await rebuildApp(o, releaseLock, current, log) : undefined;
        if (app?.entry) releaseLock.apps[APP_NAME] = app.entry;
        if (app) log(`${APP_NAME}: ${app.status}: ${app.detail}`);
        const published = outcomes.filter((x) => x.status === "published").reduce((n, x) => n + x.images.length, 0) + (app?.entry ? 1 : 0);
        const locks = Object.fromEntries(o.flavors.flatMap((f) => o.minors.map((m) => {
            const name = `${f}-${m}.json`;
            return [name, fs.readFileSync(path.resolve(ROOT, o.locksDir, name))] as [string, Buffer];
        })));
        const written = await target.write({ releaseLock, locks, pythonVersions: fs.readFileSync(path.resolve(ROOT, o.pythonVersionsFile)) });
        log(written.length ? `release: wrote ${written.join(", ")}` : `release: ${target.describe()} unchanged`);
        log(`done in ${secs(started)}`);
        return { outcomes, app, published };
    } finally {
        await lease.release();
    }
}

async function main(argv: string[], local: boolean): Promise<number> {
    const o = parseRebuildArgs(argv, local);
    const { outcomes, app, published } = await rebuild(o);
    for (const x of outcomes) process.stdout.write(`${x.status.padEnd(9)} ${x.flavor} ${x.minor}: ${x.detail}\n`);
    if (app) process.stdout.write(`${app.status.padEnd(9)} ${APP_NAME} ${o.app!.flavor}/${o.app!.minor}: ${app.detail}\n`);
    process.stdout.write(`published ${published}\n`);
    return outcomes.some((x) => x.status === "failed") || app?.status === "failed" ? 1 : 0;
}

if (require.main === module) {
    const argv = process.argv.slice(2);
    const local = argv[0] === "--local";
    main(local ? argv.slice(1) : argv, local).then((code) => process.exit(code), (e: Error) => {
        process.stderr.write(`rebuild: ${e.message}\n`);
        process.stdout.write("published 0\n");
        process.exit(e instanceof LeaseHeldError ? 3 : 2);
    });
}
