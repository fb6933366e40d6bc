import type { ResourceValidationPolicy } from "@pulumi/policy";
import { describe, kindOf, podSpecOf } from "./kube";

/** A model server never talks to the Kubernetes API; a mounted token is only something to steal. */
export const serviceAccountTokenAutomount: ResourceValidationPolicy = {
  name: "service-account-token-automount",
  description: "ServiceAccounts and pods do not automount API tokens.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (kindOf(args.type) === "ServiceAccount") {
      if (args.props.automountServiceAccountToken !== false) reportViolation(`${describe(args.type, args.props)}: automountServiceAccountToken is not false`);
      return;
    }
    const pod = podSpecOf(args.type, args.props);
    if (pod && pod.automountServiceAccountToken !== false) reportViolation(`${describe(args.type, args.props)}: pods automount a service account token`);
  },
};
