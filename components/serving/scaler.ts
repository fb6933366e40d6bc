// Autoscaling on the right signal: a track sized by requests per pod, in-flight requests per pod
// or a query of its own gets a KEDA ScaledObject instead of a HorizontalPodAutoscaler. Pure (no
// Pulumi imports): the query comes from the metrics contract, the bounds from the capacity plan,
// so "capacity leads weight" holds whichever object carries them.
//
// KEDA turns a ScaledObject into an HPA it owns (keda.sh/docs/2.15/reference/scaledobject-spec):
// minReplicaCount/maxReplicaCount become the HPA's bounds, `advanced.horizontalPodAutoscalerConfig`
// its name and `behavior`, and each trigger an external metric. With metricType `AverageValue`
// (the default, set explicitly here) the HPA divides the query's value by the threshold: "if our
// metric is the queue size, the threshold is 5 messages, and the current message count in the
// queue is 20, HPA will scale the deployment to 20 / 5 = 4 replicas, regardless of the current
// replica count" (same page, triggers.metricType). So the query is the *track's total* (one
// series: `sum by (namespace, model, track)`) and the threshold the per-pod target.
import type { Colour, ModelConfig } from "../config/schema";
import { contractOf } from "../monitoring/manifests";
import { BY_TRACK, duration } from "../monitoring/promql";
import type { TrackCapacity } from "./capacity";
import { trackName } from "./labels";

export const SCALED_OBJECT = { apiVersion: "keda.sh/v1alpha1", kind: "ScaledObject" } as const;

/**
 * Lets the ScaledObject take over an HPA of the same name (`advanced.horizontalPodAutoscalerConfig.name`),
 * the one modelship rendered while the model scaled on cpu or memory: without it KEDA's admission
 * webhook refuses a ScaledObject whose Deployment another HPA already scales (scaledobject-spec,
 * metadata.annotations; kedacore/keda#4457). Ignored when there is no such HPA.
 */
export const TRANSFER_HPA_OWNERSHIP = "scaledobject.keda.sh/transfer-hpa-ownership";

export interface ScalerContext {
  /** The namespace the model's series carry (the fleet's namespace). */
  namespace: string;
  /** Where KEDA's Prometheus scaler runs the query (`modelship:keda.prometheusAddress`). */
  prometheusAddress: string;
}

type Metric = ModelConfig["autoscaling"]["metric"];

/** Whether the metric needs KEDA (requestsPerPod, inFlight, a query); cpu and memory stay an HPA. */
export const scalesWithKeda = (metric: Metric): boolean => typeof metric === "object" || metric === "requestsPerPod" || metric === "inFlight";

const intervalSeconds = (interval: string) => Number(interval.slice(0, -1)) * (interval.endsWith("m") ? 60 : 1);

/**
 * The rate window for requestsPerPod: at least 2m, and at least four scrapes, so a missed scrape
 * never leaves the rate with fewer than two samples.
 */
export const scalerWindow = (model: Pick<ModelConfig, "monitoring">) => duration(Math.max(120, 4 * intervalSeconds(model.monitoring.scrape.interval)));

/** The track's matcher on series relabeled with `track` (monitoring/scrape.ts). */
export const trackMatcher = (colour: Colour) => `track="${colour}"`;

/** The PromQL a track's ScaledObject sizes it by, and the per-pod value it is sized for. */
export function scalerQuery(model: ModelConfig, colour: Colour, namespace: string): { query: string; target: number } {
  const { metric, target } = model.autoscaling;
  if (typeof metric === "object") return { query: metric.query, target: metric.target };
  const contract = contractOf(model, namespace);
  const query =
    metric === "requestsPerPod"
      ? contract.requestRate(scalerWindow(model), BY_TRACK, trackMatcher(colour))
      : metric === "inFlight"
        ? contract.inFlight(BY_TRACK, trackMatcher(colour))
        : undefined;
  // The schema requires a target with these metrics and an inFlight signal in the preset.
  if (query === undefined || target === undefined) throw new Error(`model ${model.name}: no ${String(metric)} query or target (the schema should have refused this config)`);
  return { query, target };
}

/** The spec of a track's KEDA ScaledObject: its Deployment, the capacity plan's bounds, one Prometheus trigger. */
export function scaledObjectSpec(model: ModelConfig, colour: Colour, capacity: TrackCapacity, ctx: ScalerContext) {
  const name = trackName(model.name, colour);
  const { query, target } = scalerQuery(model, colour, ctx.namespace);
  return {
    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name },
    minReplicaCount: capacity.minReplicas,
    maxReplicaCount: capacity.maxReplicas,
    advanced: { horizontalPodAutoscalerConfig: { name, behavior: model.autoscaling.behavior } },
    triggers: [
      {
        type: "prometheus",
        metricType: "AverageValue",
        // KEDA's prometheus scaler reads `threshold` as a float string (keda.sh/docs/2.15/scalers/prometheus).
        metadata: { serverAddress: ctx.prometheusAddress, query, threshold: String(target) },
      },
    ],
  };
}
