import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    GunicornAppSizing,
    appLabels,
    gunicornAppSettings,
    podSpec,
    validateGunicornAppSettings,
    validateImageReference,
} from "./gunicornAppSpec";

export * from "./gunicornAppSpec";

/** GKE Workload Identity: the pod's Kubernetes service account acts as a Google service account. */
export interface WorkloadIdentityArgs {
    /** Project hosting the cluster (its workload pool is `<project>.svc.id.goog`). Required. */
    project: pulumi.Input<string>;
    /** Email of the Google service account the app acts as. Required. */
    gcpServiceAccountEmail: pulumi.Input<string>;
    /** Project owning that Google service account. Default: `project`. */
    gcpServiceAccountProject?: pulumi.Input<string>;
}

/** Read access for the nodes to the Artifact Registry repository holding the image. */
export interface ImagePullAccessArgs {
    /** Project of the repository. Default: the provider's project. */
    project?: pulumi.Input<string>;
    /** Repository location, e.g. `europe-west1`. Required. */
    location: pulumi.Input<string>;
    /** Repository ID. Required. */
    repository: pulumi.Input<string>;
    /**
     * IAM member that pulls images: the nodes' service account, e.g.
     * `serviceAccount:123-compute@developer.gserviceaccount.com`. Required.
     */
    member: pulumi.Input<string>;
}

export interface GunicornAppArgs extends GunicornAppSizing {
    /**
     * Container image pinned by digest: `<registry>/<repo>[:tag]@sha256:<64 hex>`. A tag
     * alone is rejected (a moving tag lets one ReplicaSet run two builds). Required.
     */
    image: pulumi.Input<string>;
    /**
     * Sources allowed to reach the app port (NetworkPolicy peers). Default: `[]`, meaning any
     * source, on the app port only; everything else, egress included, is denied.
     */
    allowedIngressFrom?: k8s.types.input.networking.v1.NetworkPolicyPeer[];
    /**
     * Egress the app may use; everything else is denied. The sample app needs none. An app
     * that calls Google APIs through Workload Identity needs DNS (kube-dns, port 53) and HTTPS
     * (443) out, and on GKE the metadata server (169.254.169.254/32, ports 80 and 988).
     * Default: `[]` (no egress at all).
     */
    allowedEgress?: k8s.types.input.networking.v1.NetworkPolicyEgressRule[];
    /** Optional GKE Workload Identity binding for the pod's service account. Default: none. */
    workloadIdentity?: WorkloadIdentityArgs;
    /** Optional `roles/artifactregistry.reader` grant on the image's repository. Default: none. */
    imagePullAccess?: ImagePullAccessArgs;
    /** Extra labels on every Kubernetes object. Default: `{}`. */
    labels?: Record<string, string>;
}

const RESTRICTED = "restricted";

/**
 * A hardened Gunicorn web app on Kubernetes: restricted namespace, non-root read-only pod,
 * zero-downtime rollouts and drains, autoscaling, disruption budget, default-deny network.
 *
 * Pass a `k8s.Provider` through `opts.providers` (or `opts.provider`) to target a specific
 * cluster; otherwise the ambient kubeconfig is used.
 */
export class GunicornApp extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    public readonly serviceName: pulumi.Output<string>;
    public readonly deploymentName: pulumi.Output<string>;
    public readonly serviceAccountName: pulumi.Output<string>;
    /** The image the Deployment runs (digest-pinned). */
    public readonly image: pulumi.Output<string>;

    constructor(name: string, args: GunicornAppArgs, opts?: pulumi.ComponentResourceOptions) {
        super("distroless-python:k8s:GunicornApp", name, {}, opts);
        const s = gunicornAppSettings(name, args);
        try {
            validateGunicornAppSettings(s);
        } catch (e) {
            throw new pulumi.ResourceError((e as Error).message, this);
        }
        const image = pulumi.output(args.image).apply((ref) => {
            try {
                validateImageReference(ref);
            } catch (e) {
                throw new pulumi.ResourceError((e as Error).message, this);
            }
            return ref;
        });
        if (typeof args.image === "string") {
            try {
                validateImageReference(args.image);
            } catch (e) {
                throw new pulumi.ResourceError((e as Error).message, this);
            }
        }

        const selector = appLabels(name);
        const labels = { ...(args.labels ?? {}), ...selector, "app.kubernetes.io/managed-by": "pulumi" };
        const child = { parent: this };
        const meta = (suffix: string) => ({ name: suffix ? `${name}-${suffix}` : name, namespace: s.namespace, labels });

        const ns = new k8s.core.v1.Namespace(`${name}-namespace`, {
            metadata: {
                name: s.namespace,
                labels: {
                    ...labels,
                    // enforce rejects non-conforming pods; audit and warn surface them in
                    // the audit log and in kubectl output too.
                    "pod-security.kubernetes.io/enforce": RESTRICTED,
                    "pod-security.kubernetes.io/enforce-version": "latest",
                    "pod-security.kubernetes.io/audit": RESTRICTED,
                    "pod-security.kubernetes.io/warn": RESTRICTED,
                },
            },
        }, child);
        const inNs = { parent: this, dependsOn: [ns] };

        const saAnnotations: Record<string, pulumi.Input<string>> = {};
        if (args.workloadIdentity) saAnnotations["iam.gke.io/gcp-service-account"] = args.workloadIdentity.gcpServiceAccountEmail;
        const sa = new k8s.core.v1.ServiceAccount(`${name}-sa`, {
            metadata: { ...meta(""), annotations: saAnnotations },
            // The app never talks to the Kubernetes API: no token in the pod.
            automountServiceAccountToken: false,
        }, inNs);

        if (args.workloadIdentity) {
            const wi = args.workloadIdentity;
            // Non-authoritative member: other bindings on the Google service account stay.
            new gcp.serviceaccount.IAMMember(`${name}-workload-identity`, {
                serviceAccountId: pulumi.interpolate`projects/${wi.gcpServiceAccountProject ?? wi.project}/serviceAccounts/${wi.gcpServiceAccountEmail}`,
                role: "roles/iam.workloadIdentityUser",
                member: pulumi.interpolate`serviceAccount:${wi.project}.svc.id.goog[${s.namespace}/${name}]`,
            }, child);
        }
        if (args.imagePullAccess) {
            const p = args.imagePullAccess;
            // Granted on the repository, not the project: the nodes can pull these images
            // and nothing else the project stores.
            new gcp.artifactregistry.RepositoryIamMember(`${name}-image-pull`, {
                project: p.project,
                location: p.location,
                repository: p.repository,
                role: "roles/artifactregistry.reader",
                member: p.member,
            }, child);
        }

        const deployment = new k8s.apps.v1.Deployment(`${name}-deployment`, {
            metadata: meta(""),
            spec: {
                replicas: s.replicas,
                revisionHistoryLimit: 5,
                minReadySeconds: 5,
                progressDeadlineSeconds: 600,
                selector: { matchLabels: selector },
                // Never below the desired count during a rollout: a new pod must be ready
                // before an old one is drained.
                strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                template: {
                    metadata: { labels },
                    spec: podSpec(s, image, name),
                },
            },
        }, {
            ...inNs,
            dependsOn: [ns, sa],
            // The HPA owns the replica count once running; re-applying `replicas` on every
            // `pulumi up` would scale a busy app back down.
            ignoreChanges: ["spec.replicas"],
        });

        const service = new k8s.core.v1.Service(`${name}-service`, {
            metadata: meta(""),
            spec: {
                type: "ClusterIP",
                selector,
                ports: [{ name: "http", port: s.servicePort, targetPort: "http", protocol: "TCP" }],
            },
        }, inNs);

        new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, {
            metadata: meta(""),
            spec: {
                maxUnavailable: 1,
                selector: { matchLabels: selector },
                // A crash-looping pod must not block node drains forever.
                unhealthyPodEvictionPolicy: "AlwaysAllow",
            },
        }, inNs);

        new k8s.autoscaling.v2.HorizontalPodAutoscaler(`${name}-hpa`, {
            metadata: meta(""),
            spec: {
                scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name },
                minReplicas: s.replicas,
                maxReplicas: s.maxReplicas,
                metrics: [{
                    type: "Resource",
                    resource: { name: "cpu", target: { type: "Utilization", averageUtilization: s.targetCpuUtilization } },
                }],
            },
        }, { ...inNs, dependsOn: [ns, deployment] });

        new k8s.networking.v1.NetworkPolicy(`${name}-default-deny`, {
            metadata: meta("default-deny"),
            spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
        }, inNs);
        const from = args.allowedIngressFrom ?? [];
        new k8s.networking.v1.NetworkPolicy(`${name}-allow-http`, {
            metadata: meta("allow-http"),
            spec: {
                podSelector: { matchLabels: selector },
                policyTypes: ["Ingress"],
                ingress: [{
                    ...(from.length > 0 ? { from } : {}),
                    ports: [{ protocol: "TCP", port: s.containerPort }],
                }],
            },
        }, inNs);

        const egress = args.allowedEgress ?? [];
        if (egress.length > 0) {
            new k8s.networking.v1.NetworkPolicy(`${name}-allow-egress`, {
                metadata: meta("allow-egress"),
                spec: { podSelector: { matchLabels: selector }, policyTypes: ["Egress"], egress },
            }, inNs);
        }

        this.namespace = ns.metadata.name;
        this.serviceName = service.metadata.name;
        this.deploymentName = deployment.metadata.name;
        this.serviceAccountName = sa.metadata.name;
        this.image = image;
        this.registerOutputs({
            namespace: this.namespace,
            serviceName: this.serviceName,
            deploymentName: this.deploymentName,
            serviceAccountName: this.serviceAccountName,
            image: this.image,
        });
    }
}
