// The public API other stacks import (`import { ArtifactRepository } from "distroless-python-gcp"`).
export * from "./artifactRepository";
export * from "./distrolessPythonImage";
export * from "./imageNaming";
export * from "./imageSet";
export * from "./gunicornApp";
export * from "./sampleAppImage";
export * from "./kubernetesProvider";
export * from "./scheduledRebuild";
export * from "./rebuildBuild";
export * from "./rebuildDefaults";
export * from "./rebuildRunner";
export * from "./githubIdentity";
export * from "./signingKey";
export * from "./packageContext";
