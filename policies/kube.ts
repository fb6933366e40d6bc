// Reading Kubernetes objects as policies see them: the resource's type token and its inputs.

const POD_TEMPLATE_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"]);

/** `kubernetes:apps/v1:Deployment` → `Deployment`; other providers → undefined. */
export function kindOf(type: string): string | undefined {
  const m = /^kubernetes:[^:]+:([A-Za-z]+)$/.exec(type);
  return m?.[1];
}

/** The pod spec of anything that runs pods. */
export function podSpecOf(type: string, props: Record<string, any>): Record<string, any> | undefined {
  const kind = kindOf(type);
  if (!kind) return undefined;
  if (kind === "Pod") return props.spec;
  if (kind === "CronJob") return props.spec?.jobTemplate?.spec?.template?.spec;
  return POD_TEMPLATE_KINDS.has(kind) ? props.spec?.template?.spec : undefined;
}

export interface NamedContainer {
  name: string;
  [field: string]: any;
}

export const containersOf = (pod: Record<string, any>): NamedContainer[] => [...(pod.initContainers ?? []), ...(pod.containers ?? [])];

/** Pods that serve traffic for long (probes apply to these, not to Jobs). */
export const isLongRunning = (type: string) => ["Deployment", "StatefulSet", "DaemonSet"].includes(kindOf(type) ?? "");

export const describe = (type: string, props: Record<string, any>) => `${kindOf(type) ?? type} ${props.metadata?.namespace ? `${props.metadata.namespace}/` : ""}${props.metadata?.name ?? "?"}`;

/** Whether every key/value of a selector appears in the labels. */
export const selects = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
  !!selector && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

/** A Deployment created by modelship to serve a model. */
export const isServingDeployment = (type: string, props: Record<string, any>) =>
  kindOf(type) === "Deployment" && props.metadata?.labels?.["app.kubernetes.io/managed-by"] === "modelship" && props.metadata?.labels?.["app.kubernetes.io/component"] === "model-server";
