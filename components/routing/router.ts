import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { Colour, ModelConfig } from "../config/schema";

/** One track as a routing target. */
export interface RouteTarget {
  weight: number;
  service: k8s.core.v1.Service;
  /**
   * What must be ready before traffic may move to this track (its Deployment, whose
   * rollout the Kubernetes provider awaits, and its autoscaler).
   */
  readiness: pulumi.Resource[];
}

export interface RouteArgs {
  namespace: pulumi.Input<string>;
  model: ModelConfig;
  targets: Record<Colour, RouteTarget>;
}

/** The routing objects of one model. Every router implements this. */
export interface Route extends pulumi.Resource {
  /** Where clients send live traffic. */
  readonly live: pulumi.Output<string>;
  /** Where the candidate can be reached alone for smoke tests, when the router offers it. */
  readonly preview?: pulumi.Output<string>;
}

export type RouteFactory = (name: string, args: RouteArgs, opts: pulumi.ComponentResourceOptions) => Route;

/** Routing objects wait for every track they may send traffic to. */
export const readinessOf = (args: RouteArgs): pulumi.Resource[] => [...args.targets.blue.readiness, ...args.targets.green.readiness];
