// The stack, as a table of contents: config in, components out, exports.
// Other stacks read the exports with `new pulumi.StackReference("<org>/distroless-python/<stack>")`.
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { loadConfig, readPythonVersions, selectPythonReleases } from "./config";
import { ArtifactRepository, digestRefs, distrolessPythonImages, GunicornApp, immutableTags, kubernetesProvider, resolvePythonBuilds, SampleAppImage } from "./components";

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

// The sample app: its venv built in our builder image, run on our runtime image, deployed
// hardened (restricted namespace, read-only non-root pod) to the stack's cluster.
const appMinor = config.pythonMinors[0];
// validateConfig guarantees builder and runtime exist whenever appEnabled is true.
const appBase = images[appMinor];
const appImage = config.appEnabled ? new SampleAppImage("sample-app", {
    repositoryUrl: repository.registryUri,
    builderImage: appBase!.builder!.ref,
    runtimeImage: appBase!.runtime!.ref,
    platforms: config.platforms,
    buildOnPreview: config.buildOnPreview,
    extraCa,
}) : undefined;
const kubernetes = kubernetesProvider("cluster", { kubeconfig: config.kubeconfig, context: config.kubeContext });
const app = appImage ? new GunicornApp("sample-app", {
    image: appImage.ref,
    namespace: config.appNamespace,
    replicas: config.appReplicas,
    maxReplicas: config.appMaxReplicas,
    cpu: config.appCpu,
    memory: config.appMemory,
    autopilot: config.appAutopilot,
    imagePullAccess: config.gkeNodeServiceAccount === "" ? undefined : {
        project: config.gcpProject,
        location: config.gcpRegion,
        repository: repository.repositoryId,
        member: `serviceAccount:${config.gkeNodeServiceAccount}`,
    },
    workloadIdentity: config.appGcpServiceAccount === "" ? undefined : {
        project: config.gcpProject,
        gcpServiceAccountEmail: config.appGcpServiceAccount,
    },
}, kubernetes ? { providers: { kubernetes } } : undefined) : undefined;

// --- Exports (StackReference contract: keep names and shapes stable) ----------------------
/** `<location>-docker.pkg.dev/<project>/<repositoryId>`. */
export const repositoryUrl = repository.registryUri;
/** `imageRefs["3.13"]["runtime"]` = `<repositoryUrl>/python@sha256:...`: pin these. */
export const imageRefs = digestRefs(images);
/** `imageTags["3.13"]["runtime"]` = `3.13.5-<buildId>`: the immutable tag of each image. */
export const imageTags = immutableTags(images);
/** The sample app's image by digest, and where it runs (undefined when appEnabled is false). */
export const appImageRef = appImage?.ref;
export const appNamespace = app?.namespace;
export const appService = app?.serviceName;
