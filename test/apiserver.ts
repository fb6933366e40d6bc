// A test-side oracle for the Kubernetes API server: the rules its Go validation (and Istio's
// validating webhook) enforces that the upstream JSON-schema models (test/kube-schemas.ts) do
// not, because those schemas are generated from OpenAPI without the Go validators. Written from
// the upstream sources each rule cites, independently of components/ (so it can catch them).
// Gateway API objects need nothing here: their CRD OpenAPI carries the hostname, header name and
// sectionName patterns and lengths, and @kubernetes-models/gateway-api enforces them
// (test/apiserver.test.ts proves it).
import type { KubeObject } from "../stacks/render/synth";
import { bytes } from "./apiserver/formats";
import { checkData, checkDeployment, checkHpa, checkIngress, checkNetworkPolicy, checkPdb, checkService } from "./apiserver/kinds";
import { checkDestinationRule, checkVirtualService } from "./apiserver/istio";
import { checkMeta, Problems } from "./apiserver/meta";

/**
 * etcd refuses a request over its --max-request-bytes, 1.5 MiB by default (etcd
 * server/embed/config.go: DefaultMaxRequestBytes = 1.5 * 1024 * 1024), and the API server stores
 * each object as one etcd write. We measure the object's JSON: custom resources are stored as
 * JSON, built-in kinds as protobuf (smaller), so for those this is an upper bound.
 */
export const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024;

const BY_KIND: Record<string, (p: Problems, o: any) => void> = {
  ConfigMap: checkData,
  Secret: checkData,
  Service: checkService,
  Deployment: checkDeployment,
  NetworkPolicy: checkNetworkPolicy,
  Ingress: checkIngress,
  HorizontalPodAutoscaler: checkHpa,
  PodDisruptionBudget: checkPdb,
  VirtualService: checkVirtualService,
  DestinationRule: checkDestinationRule,
};

/** Problems the API server would report for this object; empty when it would accept it. */
export function apiServerProblems(o: KubeObject): string[] {
  const p = new Problems(o);
  checkMeta(p, o);
  BY_KIND[o.kind]?.(p, o);
  const size = bytes(JSON.stringify(o));
  if (size > MAX_OBJECT_BYTES) p.add("(object)", `is ${size} bytes of JSON; etcd's default request limit is ${MAX_OBJECT_BYTES} bytes`);
  return p.list;
}
