// The integration suite's pure helpers (scripts/local/engine.ts): the API path of an object and
// the "every declared field is live" comparison, with the cases that must fail.
import * as assert from "assert";
import { missingFields, objectPath } from "../../scripts/local/engine";

describe("integration helpers (scripts/local/engine.ts)", () => {
    it("builds core, grouped, namespaced and cluster-scoped API paths", () => {
        assert.strictEqual(objectPath("v1", "Namespace", "sample-app"), "/api/v1/namespaces/sample-app");
        assert.strictEqual(objectPath("v1", "ServiceAccount", "a", "ns"), "/api/v1/namespaces/ns/serviceaccounts/a");
        assert.strictEqual(objectPath("networking.k8s.io/v1", "NetworkPolicy", "p", "ns"), "/apis/networking.k8s.io/v1/namespaces/ns/networkpolicies/p");
        assert.strictEqual(objectPath("autoscaling/v2", "HorizontalPodAutoscaler", "h", "ns"), "/apis/autoscaling/v2/namespaces/ns/horizontalpodautoscalers/h");
    });
    it("accepts a live object that holds every declared field (and more)", () => {
        const declared = { spec: { replicas: 2, template: { spec: { containers: [{ name: "app", ports: [{ containerPort: 8080 }] }] } } } };
        const live = { spec: { replicas: 2, progressDeadlineSeconds: 600, template: { spec: { containers: [{ name: "app", imagePullPolicy: "IfNotPresent", ports: [{ containerPort: 8080, protocol: "TCP" }] }] } } } };
        assert.deepStrictEqual(missingFields(declared, live), []);
    });
    it("names every declared field the live object lacks or holds differently", () => {
        const declared = { spec: { replicas: 2, selector: { matchLabels: { app: "a" } }, list: [1, 2] } };
        const live = { spec: { replicas: 3, selector: {}, list: [1] } };
        assert.deepStrictEqual(missingFields(declared, live), [
            ".spec.replicas (declared 2, live 3)",
            ".spec.selector.matchLabels (live undefined)",
            ".spec.list (declared [1,2], live [1])",
        ]);
    });
});
