import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { modelAwsPlan, ModelRepository, TrackIdentity } from "../aws";
import type { Colour, FleetConfig, ModelConfig } from "../config/schema";
import { ModelImage, type ProgramPaths } from "../image";
import { modelMonitoringObjects, Monitoring, routeWeightRule } from "../monitoring";
import { ingressPeers, ModelRoute, ROUTER_DEFINITIONS, ROUTERS } from "../routing";
import { planCapacity, type TrackCapacity } from "./capacity";
import { modelLabels } from "./labels";
import { envSecretName, networkPolicySpec, referencedSecrets } from "./manifests";
import { ServingTrack } from "./track";

export interface ModelServingArgs {
  /** The namespace, as an output of the resource that creates it (when one does). */
  namespace: pulumi.Input<string>;
  model: ModelConfig;
  /** Stack-wide settings: namespace, router settings, network policy, secrets. */
  fleet: Pick<FleetConfig, "namespace" | "routers" | "networkPolicy" | "secrets" | "monitoring" | "aws" | "modelCopy" | "keda">;
  /** Provider options for AWS resources (an explicit region, when configured). */
  awsOpts?: pulumi.ComponentResourceOptions;
  /** Where the program runs, for the paths of image builds. */
  paths?: ProgramPaths;
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
    const { model, namespace, fleet } = args;
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
              stringData: Object.fromEntries(secretNames.map((s) => [s, pulumi.secret(fleet.secrets[s])])),
            },
            parent,
          );

    const plan = modelAwsPlan(model, fleet);
    const awsParent = { ...args.awsOpts, parent: this };
    const repository = plan.repository && new ModelRepository(`${model.name}-images`, plan.repository, awsParent);
    const image = (c: Colour): pulumi.Output<string> => {
      const source = plan.images[c];
      // A build is planned only with AWS on, so the repository exists.
      if ("image" in source) return pulumi.output(source.image);
      return new ModelImage(`${model.name}-${c}`, { repositoryUrl: repository!.url, ...source.build, paths: args.paths }, awsParent).digestRef;
    };
    const images = { blue: image("blue"), green: image("green") };
    const roleArn = (c: Colour) => {
      const identity = plan.identities[c];
      return identity && new TrackIdentity(`${model.name}-${c}`, identity, awsParent).roleArn;
    };

    this.capacity = planCapacity(model, ROUTERS[model.router].capacity);
    const track = (colour: Colour) =>
      new ServingTrack(
        `${model.name}-${colour}`,
        { namespace, model, colour, capacity: this.capacity[colour], image: images[colour], roleArn: roleArn(colour), pod: { modelCopyImage: fleet.modelCopy?.image }, dependsOn: envSecret ? [envSecret] : [], scaler: { namespace: fleet.namespace, prometheusAddress: fleet.keda.prometheusAddress } },
        parent,
      );
    this.tracks = { blue: track("blue"), green: track("green") };

    const router = ROUTER_DEFINITIONS[model.router];
    const context = { namespace: fleet.namespace, settings: fleet.routers };
    const readiness = Object.values(this.tracks).flatMap((t) => [t.deployment, ...(t.autoscaler ? [t.autoscaler] : []), ...(t.scaledObject ? [t.scaledObject] : [])]);
    const monitoring = { namespace: fleet.namespace, settings: fleet.monitoring };
    const routeObjects = [...router.objects(model, context), ...(fleet.monitoring.enabled && fleet.monitoring.recordWeights ? [routeWeightRule(model, monitoring)] : [])];
    new ModelRoute(`${model.name}-route`, { objects: routeObjects, readiness }, parent);
    if (fleet.monitoring.enabled) {
      const services = Object.values(this.tracks).map((t) => t.service);
      new Monitoring(`${model.name}-monitoring`, { objects: modelMonitoringObjects(model, monitoring), dependsOn: services }, parent);
    }
    const endpoints = router.endpoints(model, context);
    this.live = pulumi.output(endpoints.live);
    this.preview = endpoints.preview === undefined ? undefined : pulumi.output(endpoints.preview);

    new k8s.networking.v1.NetworkPolicy(
      model.name,
      {
        metadata: { name: model.name, namespace, labels: modelLabels(model.name, "network-policy") },
        spec: networkPolicySpec(model, ingressPeers(router, context, fleet), fleet.networkPolicy.prometheus),
      },
      parent,
    );

    const trackSummary = (c: Colour) =>
      pulumi.all([this.tracks[c].serviceName, images[c]]).apply(([service, image]) => ({
        version: model.tracks[c].version,
        image,
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
