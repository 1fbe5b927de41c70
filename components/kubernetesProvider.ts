import * as fs from "fs";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export interface KubernetesTarget {
    /**
     * kubeconfig path; empty for the ambient one. The provider receives the file's contents
     * as a secret: a kubeconfig holds credentials (client keys, tokens), so the state keeps
     * them encrypted, and the stack does not depend on where the file lives.
     */
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
        ...(target.kubeconfig !== "" ? { kubeconfig: pulumi.secret(readKubeconfig(target.kubeconfig)) } : {}),
        ...(target.context !== "" ? { context: target.context } : {}),
    }, opts);
}

function readKubeconfig(file: string): string {
    try {
        return fs.readFileSync(file, "utf8");
    } catch (err) {
        throw new Error(`config key "distroless-python:kubeconfig": cannot read ${JSON.stringify(file)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); accepted: the path of a readable kubeconfig file, or empty`);
    }
}
