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

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/**
 * Whether a Kubernetes label selector selects the labels: matchLabels and matchExpressions
 * together; an empty selector selects everything (as in a NetworkPolicy's podSelector: {}).
 */
export function selects(selector: LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector) return false;
  const l = labels ?? {};
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => l[k] === v);
  const byExpression = (selector.matchExpressions ?? []).every((e) => {
    switch (e.operator) {
      case "In":
        return k(l, e.key) && (e.values ?? []).includes(l[e.key]);
      case "NotIn":
        return !k(l, e.key) || !(e.values ?? []).includes(l[e.key]);
      case "Exists":
        return k(l, e.key);
      case "DoesNotExist":
        return !k(l, e.key);
      default:
        return false;
    }
  });
  return byLabel && byExpression;
}

const k = (labels: Record<string, string>, key: string) => Object.prototype.hasOwnProperty.call(labels, key);

/** A Deployment created by modelship to serve a model. */
export const isServingDeployment = (type: string, props: Record<string, any>) =>
  kindOf(type) === "Deployment" && props.metadata?.labels?.["app.kubernetes.io/managed-by"] === "modelship" && props.metadata?.labels?.["app.kubernetes.io/component"] === "model-server";
