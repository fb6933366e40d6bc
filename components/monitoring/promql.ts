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

/**
 * The texts client libraries print as the `le` of a bucket boundary. Each prints the shortest
 * decimal that reads back as the same double; they differ in integers and exponents:
 * - prom-client (JS; lib/registry.js formats the number with a template string): "1", "0.5",
 *   exponent below 1e-6 ("1e-7");
 * - metrics-exporter-prometheus (Rust, TGI; src/recorder.rs writes the f64 with Display, checked
 *   with rustc): "1", "0.5", "28.76265888493261", never an exponent;
 * - Python prometheus_client (prometheus/client_python prometheus_client/utils.py
 *   floatToGoString: repr of the float): "1.0", "0.5", exponent below 1e-4 ("1e-05") and from
 *   1e6 on ("1e+06"); Ray's metrics agent (ray-project/ray python/ray/_private/prometheus_exporter.py)
 *   passes `str(bound)`, the same as repr up to 1e16 but "1000000.0" for 1e6;
 * - Go client_golang (expfmt writeFloat: strconv 'g', shortest): "1", "0.5", exponent below 1e-4
 *   and from 1e6 on ("1e+06").
 */
export function leTexts(bound: number): string[] {
  if (!Number.isFinite(bound)) return [bound > 0 ? "+Inf" : "-Inf"];
  const [mantissa, exp] = bound.toExponential().split("e");
  const e = Number(exp);
  const sign = mantissa.startsWith("-") ? "-" : "";
  const digits = mantissa.replace(/^-/, "").replace(".", "");
  // Plain decimal from the shortest digits: 28.76265888493261, 1000000, 0.0000001.
  const plain =
    e >= digits.length - 1
      ? digits + "0".repeat(e - digits.length + 1)
      : e >= 0
        ? `${digits.slice(0, e + 1)}.${digits.slice(e + 1)}`
        : `0.${"0".repeat(-e - 1)}${digits}`;
  const integer = !plain.includes(".");
  const goExponent = `${mantissa}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  const texts = [sign + plain, String(bound), ...(integer ? [`${sign}${plain}.0`] : []), ...(e < -4 || e >= 6 ? [goExponent] : [])];
  return [...new Set(texts)];
}

const escapeRegex = (s: string) => s.replace(/[.+*?^$()[\]{}|\\]/g, "\\$&");

/** Matches a boundary's `le` whichever client library printed it (see leTexts): 1 → "1" or "1.0". */
export const leMatcher = (bound: number) => `le=~${quote(leTexts(bound).map(escapeRegex).join("|"))}`;

/** Prometheus duration text for a number of seconds (whole minutes/hours/days when exact). */
export function duration(seconds: number): string {
  for (const [unit, size] of [["d", 86400], ["h", 3600], ["m", 60]] as const) {
    if (seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}
