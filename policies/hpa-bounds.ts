import type { ResourceValidationPolicy } from "@pulumi/policy";
import { SIZED_FOR_ANNOTATION } from "../components/serving/labels";
import { describe, kindOf } from "./kube";

/**
 * The replica bounds of an autoscaler, with each API's defaults: an HPA's minReplicas defaults to
 * 1; a KEDA ScaledObject's minReplicaCount to 0 (scale to zero) and maxReplicaCount to 100
 * (keda.sh/docs/2.15/reference/scaledobject-spec). KEDA hands both to the HPA it creates.
 */
function boundsOf(kind: string | undefined, spec: Record<string, any> = {}): { min: number; max?: number; names: [string, string] } | undefined {
  if (kind === "HorizontalPodAutoscaler") return { min: spec.minReplicas ?? 1, max: spec.maxReplicas, names: ["minReplicas", "maxReplicas"] };
  if (kind === "ScaledObject") return { min: spec.minReplicaCount ?? 0, max: spec.maxReplicaCount ?? 100, names: ["minReplicaCount", "maxReplicaCount"] };
  return undefined;
}

/** min ≤ max always; in production at least two replicas, so one pod's loss is no outage. */
export const hpaReplicaBounds: ResourceValidationPolicy = {
  name: "hpa-replica-bounds",
  description: "HorizontalPodAutoscalers and KEDA ScaledObjects have min <= max replicas and at least `minReplicas` (2 in production).",
  enforcementLevel: "mandatory",
  configSchema: { properties: { minReplicas: { type: "integer", minimum: 1, default: 1 } } },
  validateResource: (args, reportViolation) => {
    const bounds = boundsOf(kindOf(args.type), args.props.spec);
    if (!bounds) return;
    const { minReplicas: floor } = args.getConfig<{ minReplicas: number }>();
    const { min, max, names } = bounds;
    const what = describe(args.type, args.props);
    if (max !== undefined && min > max) reportViolation(`${what}: ${names[0]} ${min} > ${names[1]} ${max}`);
    if (min < floor && !isTrackBelowFullCapacity(args.props)) reportViolation(`${what}: ${names[0]} ${min} is below ${floor}`);
  },
};

/**
 * A canary candidate or a preview is sized for its share of traffic on purpose; modelship marks
 * the autoscalers (HPAs, ScaledObjects) it sizes below the model's full range, and the floor applies to full tracks only.
 */
const isTrackBelowFullCapacity = (props: Record<string, any>) => Number(props.metadata?.annotations?.[SIZED_FOR_ANNOTATION] ?? 100) < 100;
