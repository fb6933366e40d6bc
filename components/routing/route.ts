import * as pulumi from "@pulumi/pulumi";
import type { Manifest } from "../kube";
import { registerManifest } from "../register";

/** The routing objects of one model and what they wait for. */
export interface ModelRouteArgs {
  /** The routing objects, as the model's router renders them. */
  objects: Manifest[];
  /**
   * Everything traffic may be sent to (the tracks' Deployments, whose rollout the Kubernetes
   * provider awaits, and their autoscalers): no routing object changes before they are ready.
   */
  readiness: pulumi.Resource[];
}

/**
 * The routing objects of one model (as its router renders them): the only objects a weight change
 * touches. They change only after every track they send traffic to is ready.
 */
export class ModelRoute extends pulumi.ComponentResource {
  readonly objects: pulumi.CustomResource[];

  constructor(name: string, args: ModelRouteArgs, opts?: pulumi.ComponentResourceOptions) {
    super("modelship:routing:ModelRoute", name, {}, opts);
    this.objects = args.objects.map((m) => registerManifest(m, { parent: this, dependsOn: args.readiness }));
    this.registerOutputs({});
  }
}
