import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { REGISTRY_TOKEN_USER } from "./constants";

/** docker-build registry credentials: `{ address, username, password }`. */
export interface RegistryCredentials {
    address: pulumi.Input<string>;
    username: pulumi.Input<string>;
    password: pulumi.Input<string>;
}

/** The registry host of `<host>/<project>/<repository>`. */
export function registryHost(repositoryUrl: string): string {
    return repositoryUrl.replace(/\/+$/, "").split("/")[0];
}

/**
 * Artifact Registry credentials for one build step: user `oauth2accesstoken` with the
 * ambient GCP credentials' access token, as a secret. The token is fetched when `after`
 * has finished (`dependsOn`), not when the program starts: an access token lives about an
 * hour, and a chain of builds can take longer. A credential helper cannot help here:
 * docker-build reads credentials once, when the step starts. The only place this project
 * logs in to the registry.
 */
export function artifactRegistryAuth(repositoryUrl: pulumi.Input<string>, parent: pulumi.Resource, after?: pulumi.Resource): RegistryCredentials {
    const token = gcp.organizations.getClientConfigOutput({ parent, ...(after ? { dependsOn: [after] } : {}) }).accessToken;
    return {
        address: pulumi.output(repositoryUrl).apply(registryHost),
        username: REGISTRY_TOKEN_USER,
        // Secret so the token never lands in state or logs in plain text.
        password: pulumi.secret(token),
    };
}
