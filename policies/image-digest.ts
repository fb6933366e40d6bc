import type { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, describe, podSpecOf } from "./kube";

/** A tag can be moved; a digest names exactly the image that was reviewed. */
export const imagePinnedByDigest: ResourceValidationPolicy = {
  name: "image-pinned-by-digest",
  description: "Container images are pinned by digest (repo@sha256:...). Mandatory in production, advisory in staging.",
  enforcementLevel: "advisory",
  validateResource: (args, reportViolation) => {
    const pod = podSpecOf(args.type, args.props);
    if (!pod) return;
    for (const c of containersOf(pod)) {
      if (typeof c.image === "string" && !/@sha256:[a-f0-9]{64}$/.test(c.image)) {
        reportViolation(`${describe(args.type, args.props)}: container "${c.name}" uses "${c.image}", not pinned by digest`);
      }
    }
  },
};
