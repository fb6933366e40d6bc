import type { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, describe, podSpecOf } from "./kube";

/** Any of these hands a model server the node itself. */
export const noHostAccess: ResourceValidationPolicy = {
  name: "no-host-access",
  description: "No privileged containers, hostNetwork, hostPID, hostIPC or hostPath volumes.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    const pod = podSpecOf(args.type, args.props);
    if (!pod) return;
    const what = describe(args.type, args.props);
    for (const field of ["hostNetwork", "hostPID", "hostIPC"]) if (pod[field]) reportViolation(`${what}: ${field} is true`);
    for (const v of pod.volumes ?? []) if (v.hostPath) reportViolation(`${what}: volume "${v.name}" mounts hostPath ${v.hostPath.path}`);
    for (const c of containersOf(pod)) if (c.securityContext?.privileged) reportViolation(`${what}: container "${c.name}" is privileged`);
  },
};
