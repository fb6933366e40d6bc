import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { modelLabels, modelSelector } from "../serving/labels";
import { serviceSpec } from "../serving/manifests";
import { readinessOf, type Route, type RouteArgs } from "./router";

/**
 * No mesh: one Service selects the pods of both tracks, so traffic follows the ratio of ready
 * pods. Capacity planning sizes each track by its weight ("replica-ratio"); the split is only
 * as exact as the replica counts allow and drifts while the autoscalers act independently.
 */
export class ReplicasRoute extends pulumi.ComponentResource implements Route {
  readonly live: pulumi.Output<string>;

  constructor(name: string, args: RouteArgs, opts?: pulumi.ComponentResourceOptions) {
    super("modelship:routing:ReplicasRoute", name, {}, opts);
    const { model, namespace } = args;
    const service = new k8s.core.v1.Service(
      model.name,
      { metadata: { name: model.name, namespace, labels: modelLabels(model.name, "route") }, spec: serviceSpec(modelSelector(model.name)) },
      { parent: this, dependsOn: readinessOf(args) },
    );
    this.live = service.metadata.name;
    this.registerOutputs({ live: this.live });
  }
}
