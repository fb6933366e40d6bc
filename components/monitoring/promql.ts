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

/** The scrape target every series of a pod shares (Prometheus' own `up`, one per scraped pod). */
const TARGET = "namespace, pod";

/**
 * The number of seconds in a range-vector window, as PromQL: a literal duration (`5m`, `300s`,
 * `1h30m`) becomes a number, Grafana's `$__rate_interval` / `$__interval` their `_ms` twins / 1000.
 */
export function windowSeconds(window: string): string {
  const grafana = /^\$(__rate_interval|__interval)$/.exec(window);
  if (grafana) return `($${grafana[1]}_ms / 1000)`;
  const size: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
  if (!/^(\d+(ms|s|m|h|d|w|y))+$/.test(window)) throw new Error(`not a PromQL duration: ${window}`);
  let seconds = 0;
  for (const [, n, unit] of window.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) seconds += Number(n) * size[unit];
  return String(+seconds.toPrecision(12));
}

/**
 * Events a counter series counted before its first sample, when that sample lies in the window.
 *
 * Client libraries create a labelled series on its first increment (prom-client, prometheus_client,
 * TorchServe's PrometheusCounter, …): a pod's first error appears as a new series already at 1,
 * and `rate()`/`increase()` only see increments *between* samples, so that error is lost — for a
 * quiet canary, often the only one (prometheus/prometheus#1673, #3886; the client-side remedy is
 * to initialise label values to 0: https://prometheus.io/docs/practices/instrumentation/#avoid-missing-metrics,
 * which no server modelship knows does for every label value).
 *
 * Prometheus itself cannot tell a series born at 1 from a Prometheus restart, a scrape gap or a
 * target scraped for the first time (#1673). This term counts the first sample (the counter is
 * monotonic, so the window's minimum) only when all of these hold:
 * - the series had no sample one window ago (`unless … offset`), and
 * - its pod's target was scraped successfully more often in the window than the series has
 *   samples (`sum_over_time(up)` counts successful scrapes): the series was born while Prometheus
 *   was already watching the pod, not present from the pod's (or Prometheus') first scrape on.
 * So a new monitor, a restarted Prometheus or a gap never count a counter's whole history; events
 * before a pod's very first scrape stay uncounted, as before. `increase()` may still extrapolate a
 * born series back by half a scrape interval, an overcount of at most that much growth.
 */
function bornInWindow(sel: string, scope: Scope, window: string): string {
  const up = `max by (${TARGET}) (sum_over_time(up{${selector(scope)}}[${window}]))`;
  return `(min_over_time(${sel}[${window}]) unless ${sel} offset ${window}) and (count_over_time(${sel}[${window}]) < on (${TARGET}) group_left () ${up})`;
}

/**
 * Per-second rate (or, with `fn = "increase"`, the count over the window) of the sum of
 * counters, by `by`. Each counter and its series born in the window (see bornInWindow) is one
 * part; a part without series counts as 0, and the sum is absent only when every part is. The
 * parts are told apart by a label (`modelship_part`) before the `or`, since `or` would otherwise
 * keep only the first of two series with the same labels (the counters' names are gone after
 * `rate`), then summed away.
 */
export function rateOf(refs: readonly CounterRef[], scope: Scope, window: string, by: string, extra?: string, fn: "rate" | "increase" = "rate"): string {
  const perSecond = fn === "rate" ? ` / ${windowSeconds(window)}` : "";
  const parts = refs.flatMap((r) => {
    const sel = `${r.metric}{${selector(scope, r.matchers, extra)}}`;
    return [`sum by (${by}) (${fn}(${sel}[${window}]))`, `sum by (${by}) (${bornInWindow(sel, scope, window)})${perSecond}`];
  });
  const tagged = parts.map((p, i) => `label_replace(${p}, "modelship_part", "${i}", "", "")`);
  return `sum by (${by}) (${tagged.join(" or ")})`;
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
