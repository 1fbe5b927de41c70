// Policy pack: every workload must pass every Pod Security baseline and restricted control,
// mount its root filesystem read-only, pin images by digest and set resources.
//   pulumi preview --policy-pack policy
import { PolicyPack } from "@pulumi/policy";
import { POLICIES } from "./policies";

new PolicyPack("distroless-python-k8s", { policies: POLICIES });
