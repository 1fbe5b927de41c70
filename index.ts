// The stack, as a table of contents: config in, components out, exports.
// Other stacks read the exports with `new pulumi.StackReference("<org>/distroless-python/<stack>")`.
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { loadConfig, readPythonVersions, selectPythonReleases } from "./config";
import { ArtifactRepository, digestRefs, distrolessPythonImages, immutableTags, resolvePythonBuilds } from "./components";

// --- Config in: read and validated once, before any resource is registered ---------------
const config = loadConfig();
const pythonVersions = readPythonVersions("image/python-versions.json");
pythonVersions.warnings.forEach((w) => pulumi.log.warn(w));
const pythons = resolvePythonBuilds(selectPythonReleases(pythonVersions.file, config.pythonMinors), config.flavor, config.locksDir);
// Read as a secret: a corporate CA bundle is not public information.
const extraCa = config.extraCaFile === "" ? undefined : pulumi.secret(fs.readFileSync(config.extraCaFile, "utf8"));

// --- Components out ----------------------------------------------------------------------
const repository = new ArtifactRepository("images", {
    project: config.gcpProject,
    location: config.gcpRegion,
    repositoryId: config.repositoryId,
    enableApis: config.enableApis,
    vulnerabilityScanning: config.vulnerabilityScanning,
    keepRecentVersions: config.keepRecentVersions,
    untaggedRetentionDays: config.untaggedRetentionDays,
    cleanupDryRun: config.cleanupDryRun,
    labels: { stack: pulumi.getStack() },
});

const images = distrolessPythonImages("python", {
    repositoryUrl: repository.registryUri,
    pythons,
    variants: config.variants,
    flavor: config.flavor,
    contextDir: "image",
    locksDir: config.locksDir,
    platforms: config.platforms,
    buildOnPreview: config.buildOnPreview,
    cacheTagPrefix: config.cacheTagPrefix,
    baseImage: config.baseImage,
    debianMirror: config.debianMirror,
    debianSecurityMirror: config.debianSecurityMirror,
    pythonMirror: config.pythonMirror,
    extraCa,
}, { dependsOn: [repository] });

// --- Exports (StackReference contract: keep names and shapes stable) ----------------------
/** `<location>-docker.pkg.dev/<project>/<repositoryId>`. */
export const repositoryUrl = repository.registryUri;
/** `imageRefs["3.13"]["runtime"]` = `<repositoryUrl>/python@sha256:...`: pin these. */
export const imageRefs = digestRefs(images);
/** `imageTags["3.13"]["runtime"]` = `3.13.5-<buildId>`: the immutable tag of each image. */
export const imageTags = immutableTags(images);
