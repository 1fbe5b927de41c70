import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import { type Flavor, VARIANTS } from "./constants";
import { DistrolessPythonImage, DistrolessPythonImageArgs, ImageVariant } from "./distrolessPythonImage";
import { lockPath } from "./imageNaming";

/** What one release of the data file contributes (image/python-versions.json entry). */
export interface PythonBuild {
    minor: string;
    version: string;
    sha256: string;
}

export interface DistrolessPythonImagesArgs
    extends Omit<DistrolessPythonImageArgs, "pythonMinor" | "pythonVersion" | "variant" | "lockFile"> {
    /** The releases to build, one or more (validated entries of image/python-versions.json). Required. */
    pythons: PythonBuild[];
    /** Variants to build for every release. Default: `["runtime", "debug", "builder"]`. */
    variants?: ImageVariant[];
    /** Folder of the locks `<flavor>-<minor>.json`. Default: `<contextDir>/locks`. */
    locksDir?: string;
}

/** `images[minor][variant]`. */
export type ImageMatrix = Record<string, Partial<Record<ImageVariant, DistrolessPythonImage>>>;

/**
 * One DistrolessPythonImage per (Python minor x variant), named `${name}-<minor>-<variant>`
 * (dots replaced) so two sets in one stack never collide.
 */
export function distrolessPythonImages(name: string, args: DistrolessPythonImagesArgs, opts?: pulumi.ComponentResourceOptions): ImageMatrix {
    const { pythons, variants, locksDir, ...common } = args;
    const matrix: ImageMatrix = {};
    for (const python of pythons) {
        matrix[python.minor] = {};
        for (const variant of variants ?? [...VARIANTS]) {
            matrix[python.minor][variant] = new DistrolessPythonImage(
                `${name}-${python.minor.replace(".", "")}-${variant}`,
                {
                    ...common,
                    pythonMinor: python.minor,
                    pythonVersion: python.version,
                    variant,
                    lockFile: lockPath(locksDir ?? `${common.contextDir}/locks`, common.flavor ?? "upstream", python.minor),
                },
                opts,
            );
        }
    }
    return matrix;
}

/** `{ "3.13": { runtime: "<repo>/python@sha256:..." } }`: the stack output other stacks read. */
export function digestRefs(matrix: ImageMatrix): pulumi.Output<Record<string, Record<string, string>>> {
    const entries = Object.entries(matrix).flatMap(([minor, byVariant]) =>
        Object.entries(byVariant).map(([variant, image]) => image!.ref.apply((ref) => ({ minor, variant, ref }))),
    );
    return pulumi.all(entries).apply((list) => {
        const out: Record<string, Record<string, string>> = {};
        for (const { minor, variant, ref } of list) {
            (out[minor] ??= {})[variant] = ref;
        }
        return out;
    });
}

/** `{ "3.13": { runtime: "3.13.5-<buildId>" } }`. */
export function immutableTags(matrix: ImageMatrix): Record<string, Record<string, string>> {
    const out: Record<string, Record<string, string>> = {};
    for (const [minor, byVariant] of Object.entries(matrix)) {
        for (const [variant, image] of Object.entries(byVariant)) {
            (out[minor] ??= {})[variant] = image!.tag;
        }
    }
    return out;
}

/**
 * The builds for a flavour. The upstream flavour builds the release from
 * image/python-versions.json; its lock must have been resolved for that same version.
 * The debian flavour builds whatever Python Debian ships, which its lock records
 * (`python.version`), so that version names the tag.
 */
export function resolvePythonBuilds(releases: PythonBuild[], flavor: Flavor, locksDir: string): PythonBuild[] {
    return releases.map((release) => {
        const file = lockPath(locksDir, flavor, release.minor);
        if (!fs.existsSync(file)) {
            throw new Error(`lock ${file} does not exist; accepted: a resolved lock for ${flavor} ${release.minor} (write it with the image lock step, or set distroless-python:locksDir)`);
        }
        const lock = JSON.parse(fs.readFileSync(file, "utf8")) as { python?: { version?: unknown } };
        const locked = lock.python?.version;
        if (flavor === "debian") {
            if (typeof locked !== "string" || !/^[0-9]+\.[0-9]+\.[0-9]+$/.test(locked)) {
                throw new Error(`lock ${file}: field "python.version": ${JSON.stringify(locked)} is not valid; accepted: the full Python version Debian ships, e.g. 3.13.5`);
            }
            return { ...release, version: locked, sha256: "" };
        }
        if (locked !== undefined && locked !== release.version) {
            throw new Error(`lock ${file} was resolved for Python ${JSON.stringify(locked)} but image/python-versions.json has ${release.version}; re-run the image lock step`);
        }
        return release;
    });
}
