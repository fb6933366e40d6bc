import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { describe, isServingDeployment, kindOf, selects } from "./kube";

const inNamespace = (r: PolicyResource, ns: string | undefined) => (r.props.metadata?.namespace ?? undefined) === ns;

/** A voluntary eviction may not take a whole track down, and only the routing layer may call it. */
export const servingHasPdbAndNetworkPolicy: StackValidationPolicy = {
  name: "serving-has-pdb-and-networkpolicy",
  description: "Every serving Deployment has a PodDisruptionBudget and a NetworkPolicy selecting its pods.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    for (const d of args.resources.filter((r) => isServingDeployment(r.type, r.props))) {
      const ns = d.props.metadata?.namespace;
      const labels = d.props.spec?.template?.metadata?.labels;
      const pdb = args.resources.some((r) => kindOf(r.type) === "PodDisruptionBudget" && inNamespace(r, ns) && selects(r.props.spec?.selector, labels));
      const netpol = args.resources.some((r) => kindOf(r.type) === "NetworkPolicy" && inNamespace(r, ns) && selects(r.props.spec?.podSelector, labels));
      if (!pdb) reportViolation(`${describe(d.type, d.props)}: no PodDisruptionBudget selects its pods`, d.urn);
      if (!netpol) reportViolation(`${describe(d.type, d.props)}: no NetworkPolicy selects its pods`, d.urn);
    }
  },
};
