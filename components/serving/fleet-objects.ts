// The fleet's own Kubernetes objects: those that belong to no one model (the namespace, the fleet
// dashboard). Pure, no Pulumi: ModelFleet registers exactly these, and `modelship promote` (and
// every command that changes a few models) computes them for the whole fleet without running the
// program, since they are the only objects a one-model change can touch outside that model.
import type { FleetConfig } from "../config/schema";
import type { Manifest } from "../kube";
import { fleetMonitoringObjects, monitoringContext } from "../monitoring/manifests";
import { MANAGED_BY } from "./labels";

export interface FleetObjects {
  /** The namespace, when the fleet creates it (`createNamespace`). */
  namespace?: Manifest;
  /** The fleet's monitoring objects (the fleet dashboard), when monitoring is on. */
  monitoring: Manifest[];
}

/** The namespace every model runs in, Pod Security "restricted" enforced by the API server itself. */
export function namespaceManifest(config: Pick<FleetConfig, "namespace" | "environment">): Manifest {
  return {
    apiVersion: "v1",
    kind: "Namespace",
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
  };
}

/** Every fleet-wide object of a stack: what ModelFleet registers besides its models. */
export function fleetObjects(config: FleetConfig, stack: string): FleetObjects {
  return {
    ...(config.createNamespace ? { namespace: namespaceManifest(config) } : {}),
    monitoring: config.monitoring.enabled ? fleetMonitoringObjects(config.models, monitoringContext(config, stack)) : [],
  };
}

/** The fleet-wide objects as one list. */
export const fleetObjectList = (o: FleetObjects): Manifest[] => [...(o.namespace ? [o.namespace] : []), ...o.monitoring];
