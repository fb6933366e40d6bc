import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { Manifest } from "./kube";

/**
 * Registers a plain manifest with the provider's typed resource where one exists, else as a
 * custom resource. Logical names are object names: unique per kind within a parent.
 */
export function registerManifest(m: Manifest, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
  switch (`${m.apiVersion}/${m.kind}`) {
    case "v1/Service":
      return new k8s.core.v1.Service(m.metadata.name, m as k8s.core.v1.ServiceArgs, opts);
    case "v1/ConfigMap":
      return new k8s.core.v1.ConfigMap(m.metadata.name, m as k8s.core.v1.ConfigMapArgs, opts);
    case "networking.k8s.io/v1/Ingress":
      return new k8s.networking.v1.Ingress(m.metadata.name, m as k8s.networking.v1.IngressArgs, opts);
    default:
      return new k8s.apiextensions.CustomResource(m.metadata.name, m as k8s.apiextensions.CustomResourceArgs, opts);
  }
}
