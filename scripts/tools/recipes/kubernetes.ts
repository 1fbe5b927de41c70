/**
 * kube-apiserver, kube-controller-manager and kube-scheduler in one `go build` of
 * k8s.io/kubernetes. Its go.mod replaces every staging module with ./staging/src/k8s.io/<x>;
 * the wrapper maps each to the published k8s.io/<x> at stagingVersion (v0.<minor>.<patch>).
 * Replaces of modules the three commands do not import (sample-controller, ...) stay unused.
 */
import * as path from "node:path";
import { field, listField } from "../versions";
import { goBuild, prepareWrapper } from "../goWrapper";
import type { Recipe } from "./context";

export const buildKubernetes: Recipe = async (ctx) => {
    const module = field(ctx.versions, "kubernetes", "module");
    const version = field(ctx.versions, "kubernetes", "version");
    const stagingVersion = field(ctx.versions, "kubernetes", "stagingVersion");
    const binaries = listField(ctx.versions, "kubernetes", "binaries");
    const packages = binaries.map((b) => `${module}/cmd/${b}`);
    const spec = {
        label: "kubernetes",
        dir: ctx.work,
        env: ctx.env,
        requires: [{ path: module, version }],
        copyReplacesFrom: [{ module: { path: module, version }, local: (old: string) => ({ path: old, version: stagingVersion }) }],
        imports: packages,
    };
    await prepareWrapper(spec);
    const [major, minor] = version.replace(/^v/, "").split(".");
    const stamps: Record<string, string> = {};
    // Both version packages: the servers report component-base's, clients (kwok) read client-go's.
    for (const pkg of ["k8s.io/component-base/version", "k8s.io/client-go/pkg/version"]) {
        Object.assign(stamps, {
            [`${pkg}.gitVersion`]: version,
            [`${pkg}.gitMajor`]: major,
            [`${pkg}.gitMinor`]: minor,
            [`${pkg}.gitTreeState`]: "clean",
        });
    }
    await goBuild(spec, packages, path.join(ctx.staging, "bin"), stamps);
    return { binaries };
};
