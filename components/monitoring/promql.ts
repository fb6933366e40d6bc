// Small PromQL building blocks (pure). Every signal's query is assembled from these in the
// metrics contract, so quoting and aggregation are done one way everywhere.

/** The labels every modelship series carries after relabeling: see scrape.ts. */
export const BY_TRACK = "namespace, model, track";
export const BY_MODEL = "namespace, model";

export interface Scope {
  namespace: string;
  model: string;
}

const quote = (v: string) => JSON.stringify(v);

/** `namespace="ns",model="m"` plus extra matchers. */
export function selector(scope: Scope, ...extra: (string | undefined)[]): string {
  return [`namespace=${quote(scope.namespace)}`, `model=${quote(scope.model)}`, ...extra.filter((e): e is string => !!e)].join(",");
}

/** A counter reference: a metric and the matchers that pick the events it counts. */
export interface CounterRef {
  metric: string;
  matchers?: string;
}

/**
 * Per-second rate (or, with `fn = "increase"`, the count over the window) of the sum of
 * counters. Missing counters count as absent, not as failure.
 */
export function rateOf(refs: readonly CounterRef[], scope: Scope, window: string, by: string, extra?: string, fn: "rate" | "increase" = "rate"): string {
  const parts = refs.map((r) => `sum by (${by}) (${fn}(${r.metric}{${selector(scope, r.matchers, extra)}}[${window}]))`);
  return parts.length === 1 ? parts[0] : `(${parts.join(" + ")} or ${parts.join(" or ")})`;
}

/** A ratio that is 0, not absent, when the numerator has no series but the denominator does. */
export const ratio = (numerator: string, denominator: string) => `(${numerator} or 0 * ${denominator}) / ${denominator}`;

/**
 * Pods of a model are named `<model>-<colour>-<replicaset>-<pod>`: Kubernetes' own metrics
 * (cAdvisor, kube-state-metrics, DCGM) get `model` and `track` from the pod name.
 */
export function withTrackFromPod(expr: string, scope: Scope): string {
  return `label_replace(label_replace(${expr}, "track", "$1", "pod", ${quote(`${scope.model}-(blue|green)-.+`)}), "model", ${quote(scope.model)}, "", "")`;
}

/** The pods of some tracks of a model (`tracks` is a regex such as `blue|green` or Grafana's `$track`). */
export const podMatcher = (scope: Scope, tracks = "blue|green") => `namespace=${quote(scope.namespace)},pod=~${quote(`${scope.model}-(${tracks})-.+`)}`;

/** `le` as client libraries print it: 0.5 → "0.5", 1 → "1" or "1.0". */
export const leMatcher = (bound: number) => `le=~${quote(`${String(bound).replace(/\./g, "\\.")}(\\.0+)?`)}`;

/** Prometheus duration text for a number of seconds (whole minutes/hours/days when exact). */
export function duration(seconds: number): string {
  for (const [unit, size] of [["d", 86400], ["h", 3600], ["m", 60]] as const) {
    if (seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}
