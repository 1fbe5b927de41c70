import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export interface KubernetesTarget {
    /** kubeconfig path or contents; empty for the ambient one. */
    kubeconfig: string;
    /** kubeconfig context; empty for the current one. */
    context: string;
}

/**
 * An explicit `k8s.Provider` when the stack names a kubeconfig or context, else undefined
 * (the ambient kubeconfig). Explicit is what a stack per cluster wants: a `pulumi up` can
 * never land on whatever context the operator's shell happens to point at.
 */
export function kubernetesProvider(name: string, target: KubernetesTarget, opts?: pulumi.CustomResourceOptions): k8s.Provider | undefined {
    if (target.kubeconfig === "" && target.context === "") return undefined;
    return new k8s.Provider(name, {
        ...(target.kubeconfig !== "" ? { kubeconfig: target.kubeconfig } : {}),
        ...(target.context !== "" ? { context: target.context } : {}),
    }, opts);
}
