// The stack, as a table of contents: config in, components out, exports.
// Other stacks read the exports with `new pulumi.StackReference("<org>/distroless-python/<stack>")`.
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { loadConfig, lockedApp, lockedImageSet, readPythonVersions, readReleaseLock, selectPythonReleases } from "./config";
import { ArtifactRepository, digestRefs, distrolessPythonImages, GunicornApp, immutableTags, kubernetesProvider, resolvePythonBuilds, SampleAppImage } from "./components";
import { rebuildMatrix, ScheduledRebuild } from "./components";
import { GitHubWorkloadIdentity, RELEASE_PREFIX } from "./components";
import { attestationNoteName, SigningKey, signingKeyUri } from "./components";

/**
 * The whole program as a function, so one process can run it more than once: the Automation
 * API's inline program (test/integration, `npm run local:up`) and the mock runtime call it for
 * every preview/up, while a required module would run only once. `pulumi up` through the Node
 * language host calls it too (a module whose export is a function is called). The body is
 * left unindented so concurrent edits to it still apply; it returns the stack outputs.
 */
function program() {
// --- Config in: read and validated once, before any resource is registered ---------------
const config = loadConfig();
const pythonVersions = readPythonVersions("image/python-versions.json");
pythonVersions.warnings.forEach((w) => pulumi.log.warn(w));
// The build locks are read only when the stack builds (a release lock names its digests itself).
const pythons = config.imageSource === "build" ? resolvePythonBuilds(selectPythonReleases(pythonVersions.file, config.pythonMinors), config.flavor, config.locksDir) : [];
// Read as a secret: a corporate CA bundle is not public information.
const extraCa = config.extraCaFile === "" ? undefined : pulumi.secret(fs.readFileSync(config.extraCaFile, "utf8"));
// imageSource release-lock: no build at `pulumi up`; every image and the app come from the lock by digest.
const lock = config.imageSource === "release-lock" ? readReleaseLock(config.releaseLockFile) : undefined;

// --- Components out ----------------------------------------------------------------------
// Without gcp:project (allowed only with imageSource release-lock, e.g. the local stack) the
// stack manages no GCP resource at all.
const repository = config.gcpProject === "" ? undefined : new ArtifactRepository("images", {
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

// validateConfig guarantees the repository exists whenever the stack builds.
const registryUrl: pulumi.Input<string> = lock ? lock.repositoryUrl : repository!.registryUri;
const images = lock ? undefined : distrolessPythonImages("python", {
    repositoryUrl: registryUrl,
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
}, { dependsOn: [repository!] });

// The sample app: its venv built in our builder image, run on our runtime image, deployed
// hardened (restricted namespace, read-only non-root pod) to the stack's cluster.
const appMinor = config.pythonMinors[0];
// validateConfig guarantees builder and runtime exist whenever appEnabled is true.
const appBase = images?.[appMinor];
const appImage = config.appEnabled && images ? new SampleAppImage("sample-app", {
    repositoryUrl: registryUrl,
    builderImage: appBase!.builder!.ref,
    runtimeImage: appBase!.runtime!.ref,
    platforms: config.platforms,
    buildOnPreview: config.buildOnPreview,
    extraCa,
}) : undefined;
const kubernetes = kubernetesProvider("cluster", { kubeconfig: config.kubeconfig, context: config.kubeContext });
const appRef = lock ? (config.appEnabled ? lockedApp(lock, config.releaseLockFile, "sample-app").ref : undefined) : appImage?.ref;
const app = appRef !== undefined ? new GunicornApp("sample-app", {
    image: appRef,
    namespace: config.appNamespace,
    replicas: config.appReplicas,
    maxReplicas: config.appMaxReplicas,
    cpu: config.appCpu,
    memory: config.appMemory,
    autopilot: config.appAutopilot,
    imagePullAccess: config.gkeNodeServiceAccount === "" ? undefined : {
        project: config.gcpProject,
        location: config.gcpRegion,
        // validateConfig refuses gkeNodeServiceAccount without gcp:project.
        repository: repository!.repositoryId,
        member: `serviceAccount:${config.gkeNodeServiceAccount}`,
    },
    workloadIdentity: config.appGcpServiceAccount === "" ? undefined : {
        project: config.gcpProject,
        gcpServiceAccountEmail: config.appGcpServiceAccount,
    },
}, kubernetes ? { providers: { kubernetes } } : undefined) : undefined;

// The key the rebuild signs with, named before either exists: the trigger's build passes it,
// and the key's signer grants go to the rebuild's build account (SigningKey below).
const signingLocation = config.signingLocation === "" ? config.gcpRegion : config.signingLocation;
const rebuildSigning = config.signingEnabled ? {
    keyUri: signingKeyUri({ project: config.gcpProject, location: signingLocation }),
    attestationNote: config.binaryAuthorization === "off" ? undefined : attestationNoteName(config.gcpProject),
} : undefined;

// The signing key's grants need the rebuild's build account, and the rebuild's schedule must
// wait for them: the job's dependency is resolved once the key exists (below).
let signingGrantsMade: (grants: pulumi.Resource[]) => void = () => undefined;
const signingGrants = new Promise<pulumi.Resource[]>((resolve) => { signingGrantsMade = resolve; });

// The scheduled rebuild: the one producer of the moving tags, owned by one project (dev's,
// rebuildEnabled). Its build is derived from the same config as the images above.
const rebuild = config.rebuildEnabled ? new ScheduledRebuild("rebuild", {
    project: config.gcpProject,
    location: config.gcpRegion,
    repository: { url: repository!.registryUri, repositoryId: repository!.repositoryId },
    matrix: rebuildMatrix(config),
    schedule: config.rebuildSchedule,
    timeoutSeconds: config.rebuildTimeoutSeconds,
    machineType: config.rebuildMachineType,
    readers: config.rebuildReaders,
    alertWindowHours: config.rebuildAlertWindowHours,
    notificationChannels: config.rebuildNotificationChannel === "" ? [] : [config.rebuildNotificationChannel],
    enableApis: config.enableApis,
    runner: { baseImage: config.baseImage, extraCa, buildOnPreview: config.buildOnPreview },
    signing: rebuildSigning,
    scheduleAfter: signingGrants,
}, { dependsOn: [repository!] }) : undefined;

// The key the rebuild signs and attests published images with (issue 13); the build account signs.
const signing = config.signingEnabled ? new SigningKey("signing", {
    project: config.gcpProject,
    location: signingLocation,
    signers: rebuild ? [rebuild.buildAccount.email.apply((e) => `serviceAccount:${e}`)] : [],
    binaryAuthorization: config.binaryAuthorization,
    enableApis: config.enableApis,
}) : undefined;
signingGrantsMade(signing?.signerGrants ?? []);

// GitHub Actions' identity in this project (.github/workflows/): keyless OIDC, a deployer for
// the deploy ref's jobs in this stack's environment and a read-only previewer.
const github = config.githubRepository === "" ? undefined : new GitHubWorkloadIdentity("github", {
    project: config.gcpProject,
    repository: config.githubRepository,
    deployRef: config.githubDeployRef,
    deployEnvironment: config.githubEnvironment === "" ? pulumi.getStack() : config.githubEnvironment,
    stateBucket: config.githubStateBucket === "" ? undefined : config.githubStateBucket,
    releaseObjects: rebuild ? { bucket: rebuild.stateBucket.name, prefix: RELEASE_PREFIX } : undefined,
});

const locked = lock ? lockedImageSet(lock, config.releaseLockFile, config.flavor, config.pythonMinors, config.variants) : undefined;

// --- Exports (StackReference contract: keep names and shapes stable) ----------------------
return {
/** `<location>-docker.pkg.dev/<project>/<repositoryId>` (the lock's repositoryUrl with release-lock). */
repositoryUrl: registryUrl,
/** `imageRefs["3.13"]["runtime"]` = `<repositoryUrl>/python@sha256:...`: pin these. */
imageRefs: locked ? locked.refs : digestRefs(images!),
/** `imageTags["3.13"]["runtime"]` = `3.13.5-<buildId>`: the immutable tag of each image. */
imageTags: locked ? locked.tags : immutableTags(images!),
/** The sample app's image by digest, and where it runs (undefined when appEnabled is false). */
appImageRef: appRef,
appNamespace: app?.namespace,
appService: app?.serviceName,
/** The scheduled rebuild's trigger id, topic, job and build account (undefined when rebuildEnabled is false). */
rebuildTrigger: rebuild?.trigger.triggerId,
rebuildTopic: rebuild?.topic.id,
rebuildJob: rebuild?.job.id,
rebuildAccount: rebuild?.buildAccount.email,
/** The signing key (rebuild --sign-key / image:verify --key) and its public key PEM (undefined when signingEnabled is false). */
signingKey: signing?.keyUri,
signingPublicKey: signing?.publicKeyPem,
/** The workflows' workload_identity_provider and service accounts (undefined without githubRepository). */
githubProvider: github?.providerName,
githubDeployer: github?.deployer.email,
githubPreviewer: github?.previewer.email,
};
}

export = program;
