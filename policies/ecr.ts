import type { ResourceValidationPolicy } from "@pulumi/policy";

/** Images are scanned as they land, and a released tag can never point at other bytes. */
export const ecrScanImmutable: ResourceValidationPolicy = {
  name: "ecr-scan-immutable",
  description: "ECR repositories scan on push and have immutable tags.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type !== "aws:ecr/repository:Repository") return;
    if (args.props.imageScanningConfiguration?.scanOnPush !== true) reportViolation(`ECR repository ${args.name}: imageScanningConfiguration.scanOnPush is not true`);
    if (args.props.imageTagMutability !== "IMMUTABLE") reportViolation(`ECR repository ${args.name}: imageTagMutability is ${args.props.imageTagMutability ?? "MUTABLE (default)"}, not IMMUTABLE`);
  },
};
