// One Pulumi policy per check (policy/checks.ts), each applied to every workload type, so
// `pulumi preview` names exactly which control a resource breaks.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { CHECKS, podTemplateOf } from "./checks";

export const POLICIES: ResourceValidationPolicy[] = CHECKS.map((check) => ({
    name: check.name,
    description: `[${check.profile}] ${check.description}`,
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const pod = podTemplateOf(args.type, args.props);
        if (!pod) return;
        for (const message of check.check(pod)) reportViolation(`${args.type} "${args.name}": ${message}`);
    },
}));
