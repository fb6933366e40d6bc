import type { ResourceValidationPolicy } from "@pulumi/policy";
import { SIZED_FOR_ANNOTATION } from "../components/serving/labels";
import { describe, kindOf } from "./kube";

/** min ≤ max always; in production at least two replicas, so one pod's loss is no outage. */
export const hpaReplicaBounds: ResourceValidationPolicy = {
  name: "hpa-replica-bounds",
  description: "HorizontalPodAutoscalers have minReplicas <= maxReplicas and at least `minReplicas` (2 in production).",
  enforcementLevel: "mandatory",
  configSchema: { properties: { minReplicas: { type: "integer", minimum: 1, default: 1 } } },
  validateResource: (args, reportViolation) => {
    if (kindOf(args.type) !== "HorizontalPodAutoscaler") return;
    const { minReplicas: floor } = args.getConfig<{ minReplicas: number }>();
    const min = args.props.spec?.minReplicas ?? 1;
    const max = args.props.spec?.maxReplicas;
    const what = describe(args.type, args.props);
    if (max !== undefined && min > max) reportViolation(`${what}: minReplicas ${min} > maxReplicas ${max}`);
    if (min < floor && !isTrackBelowFullCapacity(args.props)) reportViolation(`${what}: minReplicas ${min} is below ${floor}`);
  },
};

/**
 * A canary candidate or a preview is sized for its share of traffic on purpose; modelship marks
 * the HPAs it sizes below the model's full range, and the floor applies to full tracks only.
 */
const isTrackBelowFullCapacity = (props: Record<string, any>) => Number(props.metadata?.annotations?.[SIZED_FOR_ANNOTATION] ?? 100) < 100;
