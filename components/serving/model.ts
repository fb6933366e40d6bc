import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { modelAwsPlan, ModelRepository, TrackIdentity } from "../aws";
import { servingConfig } from "../config/args";
import type { Colour, FleetConfig, FleetSettingsInput, ModelConfig, ModelInput } from "../config/schema";
import { ModelImage, type ProgramPaths } from "../image";
import { modelMonitoringObjects, Monitoring, monitoringContext, routeWeightRule } from "../monitoring";
import { ingressPeers, ModelRoute, ROUTER_DEFINITIONS, ROUTERS } from "../routing";
import { planCapacity, type TrackCapacity } from "./capacity";
import { MODEL_SERVING_TYPE, modelLabels } from "./labels";
import { envSecretName, networkPolicySpec, referencedSecrets } from "./manifests";
import { ServingTrack } from "./track";

/**
 * One model's arguments, shaped like one stack-file entry: `model` is a `modelship:models[]` entry
 * and `fleet` the fleet-level keys, as a stack file writes them (or as fleetConfigFromStack()
 * returns them). Both go through the stack file's schema; a bad value throws before any resource.
 */
export interface ModelServingArgs {
  /** The model, as one `modelship:models[]` entry. Its weights decide traffic; changing one never touches a pod template. */
  model: ModelInput | ModelConfig;
  /**
   * The fleet-level keys (environment, namespace, router, routers, networkPolicy, monitoring, aws,
   * secrets, modelCopy, keda). A whole FleetConfig may be passed: its `models` are ignored.
   * `environment` defaults to production on a stack named production, else development.
   */
  fleet?: FleetSettingsInput | FleetConfig;
  /**
   * The namespace, as the output of the resource that creates it (when one does), so the model
   * waits for it. Its value must equal `fleet.namespace`: the name is given once. Without
   * `fleet.namespace`, a plain string here names it.
   */
  namespace?: pulumi.Input<string>;
  /** Provider options for AWS resources (an explicit region, when configured). */
  awsOpts?: pulumi.ComponentResourceOptions;
  /** Where the program runs, for the paths of image builds. */
  paths?: ProgramPaths;
}

/** What a stack reports per model (stack output `models`), plain data: versions, weights, replicas, endpoints. */
export interface ModelSummary {
  name: string;
  router: string;
  stable: Colour;
  steps: number[];
  live: string;
  preview?: string;
  tracks: Record<Colour, { version: string; image: string; weight: number; service: string } & TrackCapacity>;
}

/**
 * One model: two long-lived tracks (blue and green), the route that splits traffic between them
 * by the model's weights, its network policy and monitoring. A weight change touches only the
 * route, never a pod template; the stable track keeps its full capacity for the whole rollout.
 */
export class ModelServing extends pulumi.ComponentResource {
  /** The two tracks, by colour. */
  readonly tracks: Record<Colour, ServingTrack>;
  /** Each track's planned replicas, from its weight and the next canary step. */
  readonly capacity: Record<Colour, TrackCapacity>;
  /** Where live traffic reaches the model. */
  readonly live: pulumi.Output<string>;
  /** Where the candidate is reached directly, when the router offers it. */
  readonly preview?: pulumi.Output<string>;
  /** What the stack reports for this model (plain data). */
  readonly summary: pulumi.Output<ModelSummary>;

  constructor(name: string, args: ModelServingArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validated before the component itself registers, so a bad argument leaves nothing behind.
    const source = `ModelServing ${JSON.stringify(name)}`;
    const namespaceIsOutput = args.namespace !== undefined && typeof args.namespace !== "string";
    const plainNamespace = typeof args.namespace === "string" ? args.namespace : undefined;
    const { model, fleet } = servingConfig(source, { model: args.model, fleet: args.fleet, namespace: plainNamespace, namespaceIsOutput }, pulumi.getStack());
    super(MODEL_SERVING_TYPE, name, {}, opts);
    const namespace = !namespaceIsOutput
      ? fleet.namespace
      : pulumi.output(args.namespace!).apply((ns) => {
          if (ns !== fleet.namespace) throw new Error(`${source}: args.namespace: expected the namespace args.fleet.namespace names (${JSON.stringify(fleet.namespace)}), got ${JSON.stringify(ns)}: give the namespace once`);
          return ns;
        });
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
    const monitoring = monitoringContext(fleet, pulumi.getStack());
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
