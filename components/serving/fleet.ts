import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { fleetArgsConfig } from "../config/args";
import type { FleetConfig, FleetInput } from "../config/schema";
import type { ProgramPaths } from "../image";
import { awsProvider, ModelArtifacts } from "../aws";
import { fleetMonitoringObjects, Monitoring, monitoringContext } from "../monitoring";
import { MANAGED_BY } from "./labels";
import { ModelServing } from "./model";

/** A whole fleet's arguments: the `modelship:` config, as a stack file writes it or already parsed. */
export interface ModelFleetArgs {
  /**
   * The `modelship:` keys as a stack file writes them (validated here, problems named
   * `args.config.…`), or the FleetConfig fleetConfigFromStack()/parseFleetConfig returned.
   */
  config: FleetInput | FleetConfig;
  /** Where the program runs (the project and working directories), for image builds. */
  paths?: ProgramPaths;
}

/**
 * Every model of a stack in one namespace (created, Pod Security "restricted", unless
 * `createNamespace: false`), with the fleet's monitoring and AWS resources: what the shipped
 * program renders from the `modelship:` stack config.
 */
export class ModelFleet extends pulumi.ComponentResource {
  /** The namespace's name, an output of the Namespace when the fleet creates it. */
  readonly namespace: pulumi.Output<string>;
  /** One ModelServing per model, in config order. */
  readonly models: ModelServing[];

  constructor(name: string, args: ModelFleetArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validated before the component itself registers, so a bad argument leaves nothing behind.
    const config = fleetArgsConfig(`ModelFleet ${JSON.stringify(name)}`, args.config, pulumi.getStack());
    super("modelship:serving:ModelFleet", name, {}, opts);

    let ns: k8s.core.v1.Namespace | undefined;
    if (config.createNamespace) {
      ns = new k8s.core.v1.Namespace(
        config.namespace,
        {
          metadata: {
            name: config.namespace,
            labels: {
              "app.kubernetes.io/managed-by": MANAGED_BY,
              "modelship.io/environment": config.environment,
              // The API server itself rejects any pod that is not "restricted".
              "pod-security.kubernetes.io/enforce": "restricted",
              "pod-security.kubernetes.io/enforce-version": "latest",
              "pod-security.kubernetes.io/warn": "restricted",
              "pod-security.kubernetes.io/audit": "restricted",
            },
          },
        },
        { parent: this },
      );
      this.namespace = ns.metadata.name;
    } else {
      this.namespace = pulumi.output(config.namespace);
    }

    // An explicit region gets its own provider; otherwise the stack's aws:region applies.
    const awsOpts = config.aws.enabled && config.aws.region ? { providers: { aws: awsProvider("aws", { region: config.aws.region }, { parent: this }) } } : {};
    if (config.aws.enabled && config.aws.artifactsBucket) {
      new ModelArtifacts("model-artifacts", { bucket: config.aws.artifactsBucket, kmsKeyArn: config.aws.kmsKeyArn }, { ...awsOpts, parent: this });
    }
    this.models = config.models.map((model) => new ModelServing(model.name, { namespace: ns ? this.namespace : undefined, model, fleet: config, awsOpts, paths: args.paths }, { parent: this }));
    if (config.monitoring.enabled) {
      const objects = fleetMonitoringObjects(config.models, monitoringContext(config, pulumi.getStack()));
      new Monitoring("fleet-monitoring", { objects, dependsOn: ns ? [ns] : [] }, { parent: this });
    }
    this.registerOutputs({ namespace: this.namespace });
  }
}
