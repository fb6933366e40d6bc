// Label and name conventions. A track's identity is its colour: selectors and names never
// carry a version or a weight, so a release is a rolling update of the same Deployment and
// a weight change never touches a pod template.
import type { Colour } from "../config/schema";

export const LABEL = {
  name: "app.kubernetes.io/name",
  version: "app.kubernetes.io/version",
  component: "app.kubernetes.io/component",
  managedBy: "app.kubernetes.io/managed-by",
  track: "modelship.io/track",
} as const;

export const MANAGED_BY = "modelship";

/** ModelServing's resource type: every object of one model is registered under it (the CLI finds a model's objects by it). */
export const MODEL_SERVING_TYPE = "modelship:serving:ModelServing";

/**
 * On autoscalers: the weight (percent) the track's capacity is sized for. Policies hold full
 * tracks (100) to the production replica floor, not a canary candidate sized for its step.
 */
export const SIZED_FOR_ANNOTATION = "modelship.io/sized-for";

/** Selects every pod of a model, both tracks. */
export const modelSelector = (model: string) => ({ [LABEL.name]: model });

/** Selects the pods of one track; also the Deployment's immutable selector. */
export const trackSelector = (model: string, colour: Colour) => ({ ...modelSelector(model), [LABEL.track]: colour });

/** Labels for objects of a model that do not change when a version is released. */
export const modelLabels = (model: string, component: string) => ({
  ...modelSelector(model),
  [LABEL.component]: component,
  [LABEL.managedBy]: MANAGED_BY,
});

export const trackLabels = (model: string, colour: Colour) => ({ ...modelLabels(model, "model-server"), [LABEL.track]: colour });

/** Pod and Deployment labels: the track labels plus the version it runs. */
export const podLabels = (model: string, colour: Colour, version: string) => ({ ...trackLabels(model, colour), [LABEL.version]: version });

export const trackName = (model: string, colour: Colour) => `${model}-${colour}`;

/** Names of a model's objects besides its track objects; every renderer takes them from here. */
export const objectNames = {
  preview: (model: string) => `${model}-preview`,
  canary: (model: string) => `${model}-canary`,
  metrics: (model: string) => `${model}-metrics`,
  routeWeights: (model: string) => `${model}-route-weights`,
  dashboard: (model: string) => `${model}-dashboard`,
  envSecret: (model: string) => `${model}-secrets`,
} as const;

/** The fleet's own dashboard, one per stack. */
export const FLEET_DASHBOARD_NAME = "modelship-fleet-dashboard";

export interface ObjectName {
  kind: string;
  name: string;
}

/**
 * Every (kind, name) a model may render, whatever router and options it uses (the union, so a
 * later change of router cannot bring a collision back). Pure: validation checks that no two
 * models, and no model and the fleet, claim one object.
 */
export function modelObjectNames(model: string): ObjectName[] {
  const of = (name: string, kinds: string[]) => kinds.map((kind) => ({ kind, name }));
  const trackKinds = ["Deployment", "Service", "ServiceAccount", "HorizontalPodAutoscaler", "ScaledObject", "PodDisruptionBudget"];
  return [
    // The route (service, replicas, istio, gateway-api, nginx, alb), NetworkPolicy and monitoring.
    ...of(model, ["Service", "HTTPRoute", "VirtualService", "DestinationRule", "Ingress", "NetworkPolicy", "ServiceMonitor", "PodMonitor", "PrometheusRule"]),
    ...of(trackName(model, "blue"), trackKinds),
    ...of(trackName(model, "green"), trackKinds),
    ...of(objectNames.preview(model), ["Service", "HTTPRoute", "VirtualService", "Ingress"]),
    ...of(objectNames.canary(model), ["Ingress"]),
    ...of(objectNames.metrics(model), ["Ingress"]),
    ...of(objectNames.routeWeights(model), ["PrometheusRule"]),
    ...of(objectNames.dashboard(model), ["ConfigMap"]),
    ...of(objectNames.envSecret(model), ["Secret"]),
  ];
}

/** The objects the fleet renders once, whatever its models. */
export const FLEET_OBJECT_NAMES: readonly ObjectName[] = [{ kind: "ConfigMap", name: FLEET_DASHBOARD_NAME }];
