import type { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, describe, podSpecOf } from "./kube";

/** Pod Security Standards "restricted", field by field, so the report says which one is missing. */
export const podSecurityRestricted: ResourceValidationPolicy = {
  name: "pod-security-restricted",
  description: "Pods meet Pod Security Standards \"restricted\": non-root, no privilege escalation, all capabilities dropped, RuntimeDefault seccomp, read-only root filesystem.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    const pod = podSpecOf(args.type, args.props);
    if (!pod) return;
    const podCtx = pod.securityContext ?? {};
    for (const c of containersOf(pod)) {
      const sc = c.securityContext ?? {};
      const problems = [
        !(sc.runAsNonRoot ?? podCtx.runAsNonRoot) && "runAsNonRoot is not true",
        (sc.runAsUser ?? podCtx.runAsUser) === 0 && "runAsUser is 0 (root)",
        sc.allowPrivilegeEscalation !== false && "allowPrivilegeEscalation is not false",
        !(sc.capabilities?.drop ?? []).includes("ALL") && "capabilities do not drop ALL",
        (sc.capabilities?.add ?? []).some((cap: string) => cap !== "NET_BIND_SERVICE") && `adds capabilities ${sc.capabilities.add.join(", ")}`,
        (sc.seccompProfile?.type ?? podCtx.seccompProfile?.type) !== "RuntimeDefault" && (sc.seccompProfile?.type ?? podCtx.seccompProfile?.type) !== "Localhost" && "seccompProfile is not RuntimeDefault",
        sc.readOnlyRootFilesystem !== true && "readOnlyRootFilesystem is not true",
      ].filter((p): p is string => !!p);
      if (problems.length) reportViolation(`${describe(args.type, args.props)}: container "${c.name}": ${problems.join("; ")}`);
    }
  },
};
