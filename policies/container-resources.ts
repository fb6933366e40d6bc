import type { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, describe, podSpecOf } from "./kube";

/** A container without requests is scheduled blind; without limits it can starve its node. */
export const containerResources: ResourceValidationPolicy = {
  name: "container-resources",
  description: "Every container declares CPU and memory requests and limits.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    const pod = podSpecOf(args.type, args.props);
    if (!pod) return;
    for (const c of containersOf(pod)) {
      const missing = ["requests", "limits"].flatMap((k) => ["cpu", "memory"].filter((r) => c.resources?.[k]?.[r] === undefined).map((r) => `${k}.${r}`));
      if (missing.length) reportViolation(`${describe(args.type, args.props)}: container "${c.name}" has no resources.${missing.join(", resources.")}`);
    }
  },
};
