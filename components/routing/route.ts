import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ModelConfig } from "../config/schema";
import type { Manifest } from "../kube";
import type { RouteContext, RouterDefinition } from "./router";

export interface ModelRouteArgs {
  model: ModelConfig;
  router: RouterDefinition;
  context: RouteContext;
  /**
   * Everything traffic may be sent to (the tracks' Deployments, whose rollout the Kubernetes
   * provider awaits, and their autoscalers): no routing object changes before they are ready.
   */
  readiness: pulumi.Resource[];
}

function register(m: Manifest, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
  switch (`${m.apiVersion}/${m.kind}`) {
    case "v1/Service":
      return new k8s.core.v1.Service(m.metadata.name, m as k8s.core.v1.ServiceArgs, opts);
    case "networking.k8s.io/v1/Ingress":
      return new k8s.networking.v1.Ingress(m.metadata.name, m as k8s.networking.v1.IngressArgs, opts);
    default:
      return new k8s.apiextensions.CustomResource(m.metadata.name, m as k8s.apiextensions.CustomResourceArgs, opts);
  }
}

/** The routing objects of one model, as its router renders them. */
export class ModelRoute extends pulumi.ComponentResource {
  readonly objects: pulumi.CustomResource[];

  constructor(name: string, args: ModelRouteArgs, opts?: pulumi.ComponentResourceOptions) {
    super("modelship:routing:ModelRoute", name, {}, opts);
    this.objects = args.router.objects(args.model, args.context).map((m) => register(m, { parent: this, dependsOn: args.readiness }));
    this.registerOutputs({});
  }
}
