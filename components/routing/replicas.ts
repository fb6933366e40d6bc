import { modelSelector } from "../serving/labels";
import { serviceSpec } from "../serving/manifests";
import { ROUTERS } from "./capabilities";
import { qualityGateAnnotation, routeMetadata, type RouterDefinition } from "./router";

/**
 * No mesh: one Service selects the pods of both tracks, so traffic follows the ratio of ready
 * pods. Capacity planning sizes each track by its weight ("replica-ratio"); the split is only
 * as exact as the replica counts allow and drifts while the autoscalers act independently.
 */
export const replicasRouter: RouterDefinition = {
  capabilities: ROUTERS.replicas,
  objects: (model, ctx) => [
    // Pods carry the weights here; the one routing object carries the candidate's quality gate.
    { apiVersion: "v1", kind: "Service", metadata: routeMetadata(model, ctx, model.name, qualityGateAnnotation(model)), spec: serviceSpec(modelSelector(model.name)) },
  ],
  endpoints: (model) => ({ live: `svc/${model.name}` }),
  ingressPeers: () => ({ peers: [], callers: true }),
  // Pods, not the Service, decide the split.
  observedWeights: () => undefined,
};
