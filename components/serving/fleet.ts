import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { FleetConfig } from "../config/schema";
import { MANAGED_BY } from "./labels";
import type { NetworkPeer } from "./manifests";
import { ModelServing } from "./model";

export interface ModelFleetArgs {
  config: FleetConfig;
}

/** Who may call a model: the configured callers (default: its own namespace) and Prometheus. */
export function ingressPeers(config: FleetConfig): NetworkPeer[] {
  const callers = config.networkPolicy.allowFrom.length > 0 ? config.networkPolicy.allowFrom : [{ podLabels: {} }];
  return [...callers, config.networkPolicy.prometheus];
}

/** Every model of a stack, in its namespace. */
export class ModelFleet extends pulumi.ComponentResource {
  readonly namespace: pulumi.Output<string>;
  readonly models: ModelServing[];

  constructor(name: string, args: ModelFleetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("modelship:serving:ModelFleet", name, {}, opts);
    const { config } = args;

    if (config.createNamespace) {
      const ns = new k8s.core.v1.Namespace(
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

    const ingressFrom = ingressPeers(config);
    this.models = config.models.map(
      (model) => new ModelServing(model.name, { namespace: this.namespace, model, secrets: config.secrets, ingressFrom }, { parent: this }),
    );
    this.registerOutputs({ namespace: this.namespace });
  }
}
