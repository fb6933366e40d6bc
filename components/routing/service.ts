import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { otherColour, type Colour } from "../config/schema";
import { modelLabels, trackSelector } from "../serving/labels";
import { serviceSpec } from "../serving/manifests";
import { readinessOf, type Route, type RouteArgs } from "./router";

/** The track holding all traffic (the schema allows only 0/100 for this router). */
export function liveColour(args: Pick<RouteArgs, "model">): Colour {
  return args.model.tracks.green.weight === 100 ? "green" : "blue";
}

/**
 * Pure blue/green: `<model>` selects the track holding weight 100, `<model>-preview` the other
 * one. A switch is a selector change on one Service, applied once the new track is ready.
 */
export class ServiceRoute extends pulumi.ComponentResource implements Route {
  readonly live: pulumi.Output<string>;
  readonly preview: pulumi.Output<string>;

  constructor(name: string, args: RouteArgs, opts?: pulumi.ComponentResourceOptions) {
    super("modelship:routing:ServiceRoute", name, {}, opts);
    const { model, namespace } = args;
    const live = liveColour(args);
    const child = { parent: this, dependsOn: readinessOf(args) };
    const labels = modelLabels(model.name, "route");

    const liveService = new k8s.core.v1.Service(
      model.name,
      { metadata: { name: model.name, namespace, labels }, spec: serviceSpec(trackSelector(model.name, live)) },
      child,
    );
    const previewService = new k8s.core.v1.Service(
      `${model.name}-preview`,
      { metadata: { name: `${model.name}-preview`, namespace, labels }, spec: serviceSpec(trackSelector(model.name, otherColour(live))) },
      child,
    );
    this.live = liveService.metadata.name;
    this.preview = previewService.metadata.name;
    this.registerOutputs({ live: this.live, preview: this.preview });
  }
}
