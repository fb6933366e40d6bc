import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { FleetConfig } from "../config/schema";
import { fleetMonitoringObjects, Monitoring } from "../monitoring";
import { MANAGED_BY } from "./labels";
import { ModelServing } from "./model";

export interface ModelFleetArgs {
  config: FleetConfig;
}

/** Every model of a stack, in its namespace. */
export class ModelFleet extends pulumi.ComponentResource {
  readonly namespace: pulumi.Output<string>;
  readonly models: ModelServing[];

  constructor(name: string, args: ModelFleetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("modelship:serving:ModelFleet", name, {}, opts);
    const { config } = args;

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

    this.models = config.models.map((model) => new ModelServing(model.name, { namespace: this.namespace, model, fleet: config }, { parent: this }));
    if (config.monitoring.enabled) {
      const objects = fleetMonitoringObjects(config.models, { namespace: config.namespace, settings: config.monitoring });
      new Monitoring("fleet-monitoring", { objects, dependsOn: ns ? [ns] : [] }, { parent: this });
    }
    this.registerOutputs({ namespace: this.namespace });
  }
}
