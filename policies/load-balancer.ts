import type { ResourceValidationPolicy } from "@pulumi/policy";
import { describe, kindOf } from "./kube";

/** The annotations that keep a cloud load balancer off the internet, per cloud. */
export const INTERNAL_ANNOTATIONS: Record<string, string[]> = {
  "service.beta.kubernetes.io/aws-load-balancer-scheme": ["internal"],
  "service.beta.kubernetes.io/aws-load-balancer-internal": ["true", "0.0.0.0/0"],
  "networking.gke.io/load-balancer-type": ["Internal"],
  "cloud.google.com/load-balancer-type": ["Internal"],
  "service.beta.kubernetes.io/azure-load-balancer-internal": ["true"],
};

/** Models are called by services inside the network; an internet-facing endpoint needs review. */
export const loadBalancerInternal: ResourceValidationPolicy = {
  name: "load-balancer-internal",
  description: "Services of type LoadBalancer are annotated internal.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (kindOf(args.type) !== "Service" || args.props.spec?.type !== "LoadBalancer") return;
    const annotations: Record<string, string> = args.props.metadata?.annotations ?? {};
    const internal = Object.entries(INTERNAL_ANNOTATIONS).some(([k, values]) => values.includes(annotations[k]));
    if (!internal) reportViolation(`${describe(args.type, args.props)}: type LoadBalancer without an internal annotation (e.g. service.beta.kubernetes.io/aws-load-balancer-scheme: internal)`);
  },
};
