import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Colour, ModelConfig } from "../config/schema";
import type { TrackCapacity } from "./capacity";
import { podLabels, SIZED_FOR_ANNOTATION, trackLabels, trackName } from "./labels";
import { deploymentSpec, hasPods, hpaSpec, pdbSpec, trackServiceSpec, type PodContext } from "./manifests";
import { SCALED_OBJECT, scaledObjectSpec, scalesWithKeda, TRANSFER_HPA_OWNERSHIP, type ScalerContext } from "./scaler";

/** One track's arguments: a resolved model (ModelServing resolves it), its colour and planned capacity. */
export interface ServingTrackArgs {
  namespace: pulumi.Input<string>;
  model: ModelConfig;
  colour: Colour;
  capacity: TrackCapacity;
  /** The image the pods run: the configured one, or the digest of the image built for the track. */
  image: pulumi.Input<string>;
  /** IAM role the pods assume through IRSA, when AWS integration is on. */
  roleArn?: pulumi.Input<string>;
  /** Fleet settings the pods need (the model-copy image). */
  pod?: PodContext;
  /** Resources the pods need first, e.g. the Secret their env refers to. */
  dependsOn?: pulumi.Resource[];
  /** Where KEDA finds the metrics, for a model that scales on anything but cpu and memory. */
  scaler?: ScalerContext;
}

/**
 * One colour of one model: its pods, their autoscaling, disruption budget and Service. Version and
 * weight never appear in its names or selectors, so a weight change never touches its pod template.
 */
export class ServingTrack extends pulumi.ComponentResource {
  readonly deployment: k8s.apps.v1.Deployment;
  readonly service: k8s.core.v1.Service;
  readonly serviceAccount: k8s.core.v1.ServiceAccount;
  readonly podDisruptionBudget: k8s.policy.v1.PodDisruptionBudget;
  /** Absent when the track runs no pods, or KEDA scales it (then `scaledObject`). */
  readonly autoscaler?: k8s.autoscaling.v2.HorizontalPodAutoscaler;
  /** The KEDA ScaledObject of a track with pods whose metric is requestsPerPod, inFlight or a query. */
  readonly scaledObject?: k8s.apiextensions.CustomResource;
  readonly serviceName: pulumi.Output<string>;

  constructor(name: string, args: ServingTrackArgs, opts?: pulumi.ComponentResourceOptions) {
    super("modelship:serving:ServingTrack", name, {}, opts);
    const { model, colour, capacity, namespace } = args;
    const objectName = trackName(model.name, colour);
    const labels = trackLabels(model.name, colour);
    const metadata = { name: objectName, namespace, labels };
    const parent = { parent: this };

    // The schema keeps config from setting the IRSA annotation when modelship sets it.
    const annotations = { ...model.serviceAccountAnnotations, ...(args.roleArn ? { "eks.amazonaws.com/role-arn": args.roleArn } : {}) };
    const irsa = Object.keys(annotations).length > 0 ? { annotations } : {};
    this.serviceAccount = new k8s.core.v1.ServiceAccount(objectName, { metadata: { ...metadata, ...irsa }, automountServiceAccountToken: false }, parent);

    this.deployment = new k8s.apps.v1.Deployment(
      objectName,
      {
        metadata: { ...metadata, labels: podLabels(model.name, colour, model.tracks[colour].version) },
        spec: deploymentSpec(model, colour, capacity, args.image, args.pod),
      },
      { ...parent, dependsOn: [this.serviceAccount, ...(args.dependsOn ?? [])] },
    );

    const sizedFor = { [SIZED_FOR_ANNOTATION]: String(capacity.sizedFor) };
    if (hasPods(capacity) && scalesWithKeda(model.autoscaling.metric)) {
      if (!args.scaler) throw new Error(`model ${model.name}: autoscaling.metric needs KEDA settings (ServingTrack args.scaler)`);
      // KEDA creates and owns the track's HPA, named like the track (scaler.ts).
      this.scaledObject = new k8s.apiextensions.CustomResource(
        objectName,
        { ...SCALED_OBJECT, metadata: { ...metadata, annotations: { ...sizedFor, [TRANSFER_HPA_OWNERSHIP]: "true" } }, spec: scaledObjectSpec(model, colour, capacity, args.scaler) },
        { ...parent, dependsOn: [this.deployment] },
      );
    } else if (hasPods(capacity)) {
      this.autoscaler = new k8s.autoscaling.v2.HorizontalPodAutoscaler(
        objectName,
        { metadata: { ...metadata, annotations: { [SIZED_FOR_ANNOTATION]: String(capacity.sizedFor) } }, spec: hpaSpec(model, colour, capacity) },
        { ...parent, dependsOn: [this.deployment] },
      );
    }

    this.podDisruptionBudget = new k8s.policy.v1.PodDisruptionBudget(objectName, { metadata, spec: pdbSpec(model, colour) }, parent);

    this.service = new k8s.core.v1.Service(objectName, { metadata, spec: trackServiceSpec(model, colour) }, parent);
    this.serviceName = this.service.metadata.name;

    this.registerOutputs({ serviceName: this.serviceName });
  }
}
