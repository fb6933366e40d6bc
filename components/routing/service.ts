import { otherColour, type Colour, type ModelConfig } from "../config/schema";
import { LABEL, objectNames, trackSelector } from "../serving/labels";
import { serviceSpec } from "../serving/manifests";
import { ROUTERS } from "./capabilities";
import { qualityGateAnnotation, routeMetadata, type RouterDefinition } from "./router";

/** The track holding all traffic (the schema allows only 0/100 for this router). */
export const liveColour = (model: Pick<ModelConfig, "tracks">): Colour => (model.tracks.green.weight === 100 ? "green" : "blue");

/**
 * Pure blue/green: `<model>` selects the track holding weight 100, `<model>-preview` the other
 * one. A switch is a selector change on one Service.
 */
export const serviceRouter: RouterDefinition = {
  capabilities: ROUTERS.service,
  objects(model, ctx) {
    const live = liveColour(model);
    const service = (name: string, colour: Colour) => ({
      apiVersion: "v1",
      kind: "Service",
      // The live Service carries the weights (its selector), and so the candidate's quality gate.
      metadata: routeMetadata(model, ctx, name, name === model.name ? qualityGateAnnotation(model) : {}),
      spec: serviceSpec(trackSelector(model.name, colour)),
    });
    return [service(model.name, live), service(objectNames.preview(model.name), otherColour(live))];
  },
  endpoints: (model) => ({ live: `svc/${model.name}`, preview: `svc/${objectNames.preview(model.name)}` }),
  ingressPeers: () => ({ peers: [], callers: true }),
  observedWeights(model, objects) {
    const live = objects.find((o) => o.kind === "Service" && o.metadata.name === model)?.spec.selector[LABEL.track];
    return live ? { blue: live === "blue" ? 100 : 0, green: live === "green" ? 100 : 0 } : undefined;
  },
};
