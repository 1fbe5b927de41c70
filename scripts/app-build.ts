/**
 * npm run --silent app:build -- [--python 3.13] [--flavor debian]
 *     [--builder-image REF --runtime-image REF] [--extra-ca FILE | --no-extra-ca]
 *     [--platform linux/amd64] [--tag NAME:TAG] [--push REGISTRY [--sign-key KEY] [--cosign PATH]] [--no-cache]
 *
 * Builds the sample app image (app/Dockerfile) with the local engine and prints its
 * reference as the LAST line of stdout (progress goes to stderr). Without
 * --builder-image/--runtime-image it first builds both variants of our Python image with
 * `npm run --silent image:build` (cached by BuildKit when nothing changed).
 *
 * The HTTPS proxy's CA reaches pip only as the BuildKit secret `extra_ca` (default: the
 * host's bundle, $PIP_CERT / $SSL_CERT_FILE / /etc/ssl/certs/ca-certificates.crt); it is
 * never a build arg or a COPY, so it is in no layer (test/app/app-image.test.ts proves it).
 * With --push the image goes to REGISTRY/sample-app and the digest reference is printed.
 * With --sign-key (gcpkms://.../cryptoKeyVersions/N or a cosign key file) the pushed digest is
 * signed and attested the way the rebuild signs the Python images (scripts/rebuild/sign.ts):
 * a cosign signature, a CycloneDX SBOM (the runtime image's plus the venv's pinned wheels) and
 * a SLSA provenance (base images, requirements sha256, wheels), so `image:verify` accepts it.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { appBuildSpec, appTag as specAppTag, EXTRA_CA_SECRET, readAppSources } from "../components/buildSpec";
import { buildxArgs as renderBuildxArgs } from "../components/buildRender";
import { type Platform, PLATFORMS } from "../components/constants";
import { metadataDigest } from "./image-build";
import { keySigner, readImage, signAndAttest, type Signer } from "./rebuild/sign";
import { validateKeyRef } from "./signing/cosign";
import { appProvenancePredicate, appSbom, mergeSboms, pinnedRequirements } from "./signing/predicates";

const ROOT = path.resolve(__dirname, "..");
export const APP_CONTEXT = path.join(ROOT, "app");

export interface AppBuildOptions {
    python: string;
    flavor: string;
    builderImage?: string;
    runtimeImage?: string;
    /** CA bundle passed as the `extra_ca` secret; undefined for none. */
    extraCa?: string;
    /** One of PLATFORMS (validated by parseAppBuildArgs). */
    platform: string;
    tag?: string;
    push?: string;
    /** With push: sign and attest the pushed digest with this key (gcpkms://... or a cosign key file). */
    signKey?: string;
    /** cosign binary; default: the `npm run cosign:install` build. */
    cosign?: string;
    noCache: boolean;
}

const USAGE = "usage: app:build [--python 3.13] [--flavor debian] [--builder-image REF --runtime-image REF] " +
    "[--extra-ca FILE | --no-extra-ca] [--platform linux/amd64] [--tag NAME:TAG] [--push REGISTRY [--sign-key KEY] [--cosign PATH]] [--no-cache]";

/** The host's CA bundle, if any: what a TLS-intercepting proxy's users have configured. */
export function defaultExtraCa(env: NodeJS.ProcessEnv = process.env): string | undefined {
    for (const candidate of [env.PIP_CERT, env.SSL_CERT_FILE, "/etc/ssl/certs/ca-certificates.crt"]) {
        if (candidate && fs.existsSync(candidate)) return candidate;
    }
    return undefined;
}

/** Parses argv; errors name the option and what is accepted. */
export function parseAppBuildArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): AppBuildOptions {
    const o: AppBuildOptions = { python: "3.13", flavor: "debian", platform: "linux/amd64", noCache: false, extraCa: defaultExtraCa(env) };
    const valued: Record<string, (v: string) => void> = {
        "--python": (v) => { o.python = v; },
        "--flavor": (v) => { o.flavor = v; },
        "--builder-image": (v) => { o.builderImage = v; },
        "--runtime-image": (v) => { o.runtimeImage = v; },
        "--extra-ca": (v) => { o.extraCa = v; },
        "--platform": (v) => { o.platform = v; },
        "--tag": (v) => { o.tag = v; },
        "--push": (v) => { o.push = v; },
        "--sign-key": (v) => { o.signKey = validateKeyRef("--sign-key", v); },
        "--cosign": (v) => { o.cosign = v; },
    };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--no-cache") { o.noCache = true; continue; }
        if (a === "--no-extra-ca") { o.extraCa = undefined; continue; }
        const set = valued[a];
        if (!set) throw new Error(`unknown option ${JSON.stringify(a)}; ${USAGE}`);
        const v = argv[++i];
        if (v === undefined || v.startsWith("--")) throw new Error(`option ${a} needs a value; ${USAGE}`);
        set(v);
    }
    if ((o.builderImage === undefined) !== (o.runtimeImage === undefined)) {
        throw new Error(`options --builder-image and --runtime-image go together (the venv built in one must run in the other); ${USAGE}`);
    }
    if (o.signKey !== undefined && o.push === undefined) throw new Error(`option --sign-key needs --push: a signature names a digest in a registry; ${USAGE}`);
    if (!/^3\.[0-9]+$/.test(o.python)) throw new Error(`option --python: ${JSON.stringify(o.python)} is not supported; accepted: a minor such as 3.13`);
    if (!(PLATFORMS as readonly string[]).includes(o.platform)) throw new Error(`option --platform: ${JSON.stringify(o.platform)} is not supported; accepted: ${PLATFORMS.join(", ")}`);
    if (o.extraCa !== undefined && !fs.existsSync(o.extraCa)) throw new Error(`option --extra-ca: ${JSON.stringify(o.extraCa)} does not exist`);
    return o;
}

/** Content-addressed tag `app-<12 hex>`: the app files the build reads and both base references (the component's function). */
export function appTag(builderImage: string, runtimeImage: string, dir = APP_CONTEXT): string {
    return specAppTag(readAppSources(dir), builderImage, runtimeImage);
}

function run(cmd: string, args: string[], capture: boolean): Promise<string> {
    // Quiet mode (tests): build logs are kept and shown only when the build fails.
    const quiet = process.env.APP_BUILD_QUIET === "1";
    return new Promise((resolve, reject) => {
        const p = spawn(cmd, args, { cwd: ROOT, stdio: ["ignore", capture || quiet ? "pipe" : process.stderr, quiet ? "pipe" : "inherit"] });
        let out = "";
        let log = "";
        p.stdout?.on("data", (d) => { if (capture) out += d; else log += d; });
        p.stderr?.on("data", (d) => { log += d; });
        p.on("error", reject);
        p.on("close", (code) => code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(" ")} exited ${code}${log ? `\n${log.slice(-4000)}` : ""}`)));
    });
}

/** Builds one variant of our Python image with image:build; returns its reference. */
export async function baseImage(python: string, flavor: string, variant: string, platform: string): Promise<string> {
    const out = await run("npm", ["run", "--silent", "image:build", "--", "--python", python, "--flavor", flavor, "--variant", variant, "--platform", platform], true);
    const last = out.trim().split("\n").pop() ?? "";
    if (!last) throw new Error(`image:build --variant ${variant} printed no reference`);
    return last;
}

/** The docker buildx argv for the app image, rendered from the build spec (pure apart from reading app/). */
export function buildxArgs(o: AppBuildOptions & { builderImage: string; runtimeImage: string }, tag: string, metadataFile: string): string[] {
    const spec = appBuildSpec({
        sources: readAppSources(APP_CONTEXT),
        builderImage: o.builderImage,
        runtimeImage: o.runtimeImage,
        platforms: [o.platform as Platform],
        extraCa: o.extraCa !== undefined,
        noCache: o.noCache,
    }).perPlatform[0];
    return renderBuildxArgs({ ...spec, tags: [tag] }, {
        output: o.push ? { push: true } : { load: true },
        secretFiles: o.extraCa ? { [EXTRA_CA_SECRET]: o.extraCa } : undefined,
        // The metadata file carries the pushed manifest's digest (`containerimage.digest`);
        // --iidfile would give the config digest, which no registry resolves as a manifest.
        metadataFile,
    });
}

/** Signs and attests the pushed app digest with the rebuild's signing code (what image:verify checks). */
export async function signApp(signer: Signer, o: AppBuildOptions, ref: string, tag: string, bases: { builderImage: string; runtimeImage: string }, startedOn: Date): Promise<void> {
    const { sboms } = await readImage(ref, o.platform as Platform);
    const requirementsFile = path.join(APP_CONTEXT, "requirements.txt");
    const requirementsBytes = fs.readFileSync(requirementsFile);
    const requirements = pinnedRequirements(requirementsBytes.toString("utf8"), path.relative(ROOT, requirementsFile));
    await signAndAttest(signer, ref, [appSbom(mergeSboms(sboms, ref), requirements, tag)], appProvenancePredicate({
        image: tag, ...bases, platform: o.platform, requirementsFile: path.relative(ROOT, requirementsFile), requirementsBytes, requirements,
        startedOn: startedOn.toISOString(), finishedOn: new Date().toISOString(), builderId: "https://github.com/distroless-python-gcp/scripts/app-build.ts",
    }));
    process.stderr.write(`app:build: signed and attested ${ref} (SBOM, provenance) with ${signer.describe}\n`);
}

/** Builds the app image; resolves to its reference (tag, or repo@digest when pushed). */
export async function buildApp(o: AppBuildOptions): Promise<string> {
    const started = new Date();
    const builderImage = o.builderImage ?? await baseImage(o.python, o.flavor, "builder", o.platform);
    const runtimeImage = o.runtimeImage ?? await baseImage(o.python, o.flavor, "runtime", o.platform);
    const name = o.push ? `${o.push}/sample-app` : "sample-app";
    const tag = o.tag ?? `${name}:${appTag(builderImage, runtimeImage)}`;
    const metadata = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "app-build-")), "metadata.json");
    await run("docker", buildxArgs({ ...o, builderImage, runtimeImage }, tag, metadata), false);
    const digest = o.push ? metadataDigest(metadata) : "";
    fs.rmSync(path.dirname(metadata), { recursive: true, force: true });
    if (!o.push) return tag;
    const ref = `${tag.replace(/:[^:/]+$/, "")}@${digest}`;
    if (o.signKey !== undefined) await signApp(keySigner(o.signKey, o.cosign), o, ref, tag, { builderImage, runtimeImage }, started);
    return ref;
}

if (require.main === module) {
    (async () => {
        const o = parseAppBuildArgs(process.argv.slice(2));
        const ref = await buildApp(o);
        process.stdout.write(`${ref}\n`);
    })().catch((e: Error) => {
        process.stderr.write(`app:build: ${e.message}\n`);
        process.exit(1);
    });
}
