import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { BUILD_DEFAULTS } from "./buildSpec";
import { artifactRegistryAuth } from "./registryAuth";

/** One pinned npm tarball of the runner (rebuild/runner/pins.json). */
export interface RunnerTarballPin {
    /** Build-arg prefix: `<arg>_VERSION`, `<arg>_INTEGRITY`. */
    arg: string;
    package: string;
    version: string;
    /** npm's `dist.integrity`, `sha512-<base64>`. */
    integrity: string;
}

/** Reads and checks the runner's pins; errors name the file, the entry and the field. */
export function readRunnerPins(file: string): RunnerTarballPin[] {
    const doc = JSON.parse(fs.readFileSync(file, "utf8")) as { schemaVersion?: unknown; tarballs?: unknown };
    if (doc.schemaVersion !== 1 || !Array.isArray(doc.tarballs)) {
        throw new Error(`${file}: expected {"schemaVersion": 1, "tarballs": [...]}`);
    }
    return doc.tarballs.map((t: Record<string, unknown>, i: number) => {
        for (const [field, pattern] of [["arg", /^[A-Z][A-Z0-9_]*$/], ["package", /^(@[a-z0-9-]+\/)?[a-z0-9.-]+$/], ["version", /^[0-9]+\.[0-9]+\.[0-9]+$/], ["integrity", /^sha512-[A-Za-z0-9+/]{86}==$/]] as const) {
            if (typeof t[field] !== "string" || !pattern.test(t[field] as string)) {
                throw new Error(`${file}: tarballs[${i}].${field} ${JSON.stringify(t[field])} is not valid; accepted: ${pattern.source}`);
            }
        }
        return t as unknown as RunnerTarballPin;
    });
}

/** One Go tool the runner builds from the Go module proxy (rebuild/runner/pins.json goModules). */
export interface RunnerGoPin {
    /** Build-arg prefix: `<arg>_PACKAGE`, `<arg>_VERSION`. */
    arg: string;
    module: string;
    /** The main package, inside `module`. */
    package: string;
    /** A release tag, `vX.Y.Z`. */
    version: string;
}

/** Reads and checks the runner's Go pins; errors name the file, the entry and the field. */
export function readRunnerGoPins(file: string): RunnerGoPin[] {
    const doc = JSON.parse(fs.readFileSync(file, "utf8")) as { goModules?: unknown };
    if (!Array.isArray(doc.goModules)) throw new Error(`${file}: expected "goModules": [...]`);
    return doc.goModules.map((t: Record<string, unknown>, i: number) => {
        for (const [field, pattern] of [["arg", /^[A-Z][A-Z0-9_]*$/], ["module", /^[a-z0-9.-]+(\/[A-Za-z0-9._-]+)+$/], ["package", /^[a-z0-9.-]+(\/[A-Za-z0-9._-]+)+$/], ["version", /^v[0-9]+\.[0-9]+\.[0-9]+$/]] as const) {
            if (typeof t[field] !== "string" || !pattern.test(t[field] as string)) {
                throw new Error(`${file}: goModules[${i}].${field} ${JSON.stringify(t[field])} is not valid; accepted: ${pattern.source}`);
            }
        }
        if (!(t.package as string).startsWith(`${t.module as string}/`)) throw new Error(`${file}: goModules[${i}].package ${t.package as string} is not inside module ${t.module as string}`);
        return t as unknown as RunnerGoPin;
    });
}

/** The Go toolchain the runner's Go builds run (`goToolchain`, e.g. `go1.26.11`); the error names the file. */
export function readRunnerGoToolchain(file: string): string {
    const v = (JSON.parse(fs.readFileSync(file, "utf8")) as { goToolchain?: unknown }).goToolchain;
    if (typeof v !== "string" || !/^go[0-9]+\.[0-9]+\.[0-9]+$/.test(v)) throw new Error(`${file}: goToolchain ${JSON.stringify(v)} is not valid; accepted: a Go release such as "go1.26.11"`);
    return v;
}

/** Every pin of the runner as build args: the tarballs', the Go tools' (`<ARG>_PACKAGE`, `<ARG>_VERSION`) and `GO_TOOLCHAIN`. */
export function runnerPinArgs(file: string): Record<string, string> {
    const args: Record<string, string> = { ...runnerBuildArgs(readRunnerPins(file)), GO_TOOLCHAIN: readRunnerGoToolchain(file) };
    for (const p of readRunnerGoPins(file)) {
        args[`${p.arg}_PACKAGE`] = p.package;
        args[`${p.arg}_VERSION`] = p.version;
    }
    return args;
}

/** The runner's build args: `<ARG>_VERSION` and `<ARG>_INTEGRITY` per pinned tarball. */
export function runnerBuildArgs(pins: RunnerTarballPin[]): Record<string, string> {
    const args: Record<string, string> = {};
    for (const p of pins) {
        args[`${p.arg}_VERSION`] = p.version;
        args[`${p.arg}_INTEGRITY`] = p.integrity;
    }
    return args;
}

/**
 * `runner-<12 hex>`: sha256 over the context's files (`path NUL content`, sorted) and the
 * build args, so the tag changes exactly when what goes into the runner changes, and an
 * unchanged runner previews no diff.
 */
export function runnerTag(contextDir: string, buildArgs: Record<string, string>): string {
    const hash = crypto.createHash("sha256");
    const files = fs.readdirSync(contextDir, { recursive: true, withFileTypes: true })
        .filter((d) => d.isFile())
        .map((d) => path.relative(contextDir, path.join(d.parentPath, d.name)))
        .sort();
    for (const f of files) {
        hash.update(`${f}\0`).update(fs.readFileSync(path.join(contextDir, f))).update("\0");
    }
    for (const k of Object.keys(buildArgs).sort()) hash.update(`${k}=${buildArgs[k]}\0`);
    return `runner-${hash.digest("hex").slice(0, 12)}`;
}

export interface RebuildRunnerImageArgs {
    /** `<location>-docker.pkg.dev/<project>/<repo>`. Required. */
    repositoryUrl: pulumi.Input<string>;
    /** The runner's build context. Plain path: hashed into the tag. Default: `"rebuild/runner"`. */
    contextDir?: string;
    /** `BASE_IMAGE` build arg. Default: the Python images' (`BUILD_DEFAULTS.baseImage`, `"debian:trixie-slim"`). */
    baseImage?: string;
    /** `DEBIAN_MIRROR`, `DEBIAN_SECURITY_MIRROR` build args. Default: the Dockerfile's. */
    debianMirror?: string;
    debianSecurityMirror?: string;
    /** PEM CA bundle for a TLS-intercepting proxy, the build secret `extra_ca`. Default: none. */
    extraCa?: pulumi.Input<string>;
    /** Build during `pulumi preview`. Default: `false`. */
    buildOnPreview?: pulumi.Input<boolean>;
}

/**
 * The rebuild runner image, pushed to the stack's repository as `rebuild-runner:runner-<hash>`
 * for linux/amd64 (Cloud Build machines are amd64; arm64 runs under qemu inside it).
 * Self-contained on purpose: it shares nothing with the Python images' build.
 */
export class RebuildRunnerImage extends pulumi.ComponentResource {
    /** `<repo>/rebuild-runner@sha256:...`: what the build steps run. */
    public readonly ref: pulumi.Output<string>;
    public readonly image: dockerBuild.Image;

    constructor(name: string, args: RebuildRunnerImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("distroless-python:rebuild:RebuildRunnerImage", name, {}, opts);
        const contextDir = args.contextDir ?? "rebuild/runner";
        const buildArgs: Record<string, string> = {
            BASE_IMAGE: args.baseImage ?? BUILD_DEFAULTS.baseImage,
            ...(args.debianMirror === undefined ? {} : { DEBIAN_MIRROR: args.debianMirror }),
            ...(args.debianSecurityMirror === undefined ? {} : { DEBIAN_SECURITY_MIRROR: args.debianSecurityMirror }),
            ...runnerPinArgs(path.join(contextDir, "pins.json")),
        };
        const repo = pulumi.interpolate`${pulumi.output(args.repositoryUrl).apply((u) => u.replace(/\/+$/, ""))}/rebuild-runner`;
        const secrets: Record<string, pulumi.Input<string>> = {};
        if (args.extraCa !== undefined) secrets.extra_ca = pulumi.secret(args.extraCa);
        this.image = new dockerBuild.Image(`${name}-image`, {
            push: true,
            tags: [pulumi.interpolate`${repo}:${runnerTag(contextDir, buildArgs)}`],
            context: { location: contextDir },
            dockerfile: { location: path.join(contextDir, "Dockerfile") },
            platforms: ["linux/amd64"],
            buildArgs,
            buildOnPreview: args.buildOnPreview ?? false,
            secrets,
            ignoreSecretsInDiffCalculation: ["extra_ca"],
            registries: [artifactRegistryAuth(args.repositoryUrl, this)],
        }, { parent: this, retainOnDelete: true });
        this.ref = pulumi.all([repo, this.image.digest]).apply(([r, d]) => `${r}@${d}`);
        this.registerOutputs({ ref: this.ref });
    }
}
