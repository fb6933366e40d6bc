import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Colour, ModelConfig } from "../config/schema";
import { ROUTERS, ROUTE_FACTORIES, type RouteTarget } from "../routing";
import { planCapacity, type TrackCapacity } from "./capacity";
import { modelLabels } from "./labels";
import { envSecretName, networkPolicySpec, referencedSecrets, type NetworkPeer } from "./manifests";
import { ServingTrack } from "./track";

export interface ModelServingArgs {
  namespace: pulumi.Input<string>;
  model: ModelConfig;
  /** Values of `modelship:secrets`; only the ones the model's env refers to are used. */
  secrets: Record<string, string>;
  /** Who may reach the pods (routing layer, callers, Prometheus). */
  ingressFrom: readonly NetworkPeer[];
}

/** What a stack reports per model (stack output `models`), plain data. */
export interface ModelSummary {
  name: string;
  router: string;
  stable: Colour;
  steps: number[];
  live: string;
  preview?: string;
  tracks: Record<Colour, { version: string; image: string; weight: number; service: string } & TrackCapacity>;
}

/** One model: two tracks, the route between them, and its network policy. */
export class ModelServing extends pulumi.ComponentResource {
  readonly tracks: Record<Colour, ServingTrack>;
  readonly capacity: Record<Colour, TrackCapacity>;
  readonly live: pulumi.Output<string>;
  readonly preview?: pulumi.Output<string>;
  readonly summary: pulumi.Output<ModelSummary>;

  constructor(name: string, args: ModelServingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("modelship:serving:ModelServing", name, {}, opts);
    const { model, namespace } = args;
    const parent = { parent: this };

    const secretNames = referencedSecrets(model);
    const envSecret =
      secretNames.length === 0
        ? undefined
        : new k8s.core.v1.Secret(
            envSecretName(model.name),
            {
              metadata: { name: envSecretName(model.name), namespace, labels: modelLabels(model.name, "model-server") },
              type: "Opaque",
              stringData: Object.fromEntries(secretNames.map((s) => [s, pulumi.secret(args.secrets[s])])),
            },
            parent,
          );

    this.capacity = planCapacity(model, ROUTERS[model.router].capacity);
    const track = (colour: Colour) =>
      new ServingTrack(
        `${model.name}-${colour}`,
        { namespace, model, colour, capacity: this.capacity[colour], dependsOn: envSecret ? [envSecret] : [] },
        parent,
      );
    this.tracks = { blue: track("blue"), green: track("green") };

    const target = (colour: Colour): RouteTarget => {
      const t = this.tracks[colour];
      return {
        weight: model.tracks[colour].weight,
        service: t.service,
        readiness: [t.deployment, ...(t.autoscaler ? [t.autoscaler] : [])],
      };
    };
    const route = ROUTE_FACTORIES[model.router](`${model.name}-route`, { namespace, model, targets: { blue: target("blue"), green: target("green") } }, parent);
    this.live = route.live;
    this.preview = route.preview;

    new k8s.networking.v1.NetworkPolicy(
      model.name,
      { metadata: { name: model.name, namespace, labels: modelLabels(model.name, "network-policy") }, spec: networkPolicySpec(model, args.ingressFrom) },
      parent,
    );

    const trackSummary = (c: Colour) =>
      this.tracks[c].serviceName.apply((service) => ({
        version: model.tracks[c].version,
        image: model.tracks[c].image,
        weight: model.tracks[c].weight,
        service,
        ...this.capacity[c],
      }));
    this.summary = pulumi
      .all([this.live, this.preview, trackSummary("blue"), trackSummary("green")])
      .apply(([live, preview, blue, green]) => ({
        name: model.name,
        router: model.router,
        stable: model.stable,
        steps: model.steps,
        live,
        ...(preview !== undefined ? { preview } : {}),
        tracks: { blue, green },
      }));
    this.registerOutputs({ summary: this.summary });
  }
}
