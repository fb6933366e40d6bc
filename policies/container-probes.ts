import type { ResourceValidationPolicy } from "@pulumi/policy";
import { describe, isLongRunning, podSpecOf } from "./kube";

const PROBES = ["startupProbe", "readinessProbe", "livenessProbe"] as const;

/** A model server takes minutes to load: without probes it takes traffic too early or never restarts. */
export const containerProbes: ResourceValidationPolicy = {
  name: "container-probes",
  description: "Serving containers have startup, readiness and liveness probes.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (!isLongRunning(args.type)) return;
    for (const c of podSpecOf(args.type, args.props)?.containers ?? []) {
      const missing = PROBES.filter((p) => !c[p]);
      if (missing.length) reportViolation(`${describe(args.type, args.props)}: container "${c.name}" has no ${missing.join(", ")}`);
    }
  },
};
