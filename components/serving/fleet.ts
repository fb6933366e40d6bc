import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { fleetArgsConfig } from "../config/args";
import type { FleetConfig, FleetInput } from "../config/schema";
import type { ProgramPaths } from "../image";
import { awsProvider, ModelArtifacts } from "../aws";
import { Monitoring } from "../monitoring";
import { fleetObjects } from "./fleet-objects";
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

    // The fleet-wide objects, computed once by the pure function the CLI also uses to tell what a
    // one-model change touches outside that model (stacks/render/touched.ts).
    const own = fleetObjects(config, pulumi.getStack());
    let ns: k8s.core.v1.Namespace | undefined;
    if (own.namespace) {
      // The typed class sets apiVersion and kind itself and takes metadata and spec from the args
      // (@pulumi/kubernetes core/v1/namespace.js): the manifest's own apiVersion and kind agree.
      ns = new k8s.core.v1.Namespace(config.namespace, own.namespace as k8s.core.v1.NamespaceArgs, { parent: this });
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
    if (own.monitoring.length > 0) new Monitoring("fleet-monitoring", { objects: own.monitoring, dependsOn: ns ? [ns] : [] }, { parent: this });
    this.registerOutputs({ namespace: this.namespace });
  }
}
