// The metrics contract: each signal's PromQL, written once per preset. Recording rules,
// alerts, dashboards and the analysis gate all take their queries from here.
import { boundaryAt } from "./presets/buckets";
import type { HistogramRef, PresetDef } from "./presets/types";
import { BY_TRACK, leMatcher, podMatcher, rateOf, ratio, selector, withTrackFromPod, type Scope } from "./promql";

export const SIGNALS = [
  "requests",
  "errors",
  "latency",
  "loaded",
  "staleness",
  "predictions",
  "drift",
  "gpuMemory",
  "gpuUtilization",
  "cpu",
  "memory",
  "inFlight",
] as const;
export type Signal = (typeof SIGNALS)[number];

/** Kubernetes' own metrics (cAdvisor, kube-state-metrics, DCGM exporter) every preset can use. */
export const KUBERNETES_METRICS = [
  "container_cpu_usage_seconds_total",
  "container_memory_working_set_bytes",
  "kube_pod_container_resource_limits",
  "kube_pod_status_ready",
  "kube_deployment_status_replicas_available",
  "kube_horizontalpodautoscaler_status_desired_replicas",
  "kube_horizontalpodautoscaler_status_current_replicas",
  "kube_horizontalpodautoscaler_spec_max_replicas",
  "DCGM_FI_DEV_FB_USED",
  "DCGM_FI_DEV_FB_FREE",
  "DCGM_FI_DEV_GPU_UTIL",
] as const;

/** The container every serving pod runs the model in (see serving/manifests.ts). */
const CONTAINER = 'container="model-server"';

/**
 * A metric a preset declares, as the "signal absent" guards check it: gauges exist from the
 * server's first scrape on, counters and histograms of client libraries from their first
 * increment (so only a track with traffic can be expected to have them).
 */
export interface DeclaredMetric {
  signal: Signal;
  metric: string;
  /** Series appear with the first request (counters, histograms), not with the first scrape (gauges). */
  bornWithTraffic: boolean;
}

export interface MetricsContract {
  readonly preset: string;
  readonly scope: Scope;
  readonly available: ReadonlySet<Signal>;
  /** Every metric name the contract's queries may reference. */
  readonly metrics: readonly string[];
  /** Requests per second. */
  requestRate(window: string, by?: string, extra?: string): string | undefined;
  /** Failed requests per second. */
  errorRate(window: string, by?: string, extra?: string): string | undefined;
  /** Failed / all requests; 0 with traffic and no failures, absent without traffic. */
  errorRatio(window: string, by?: string, extra?: string): string | undefined;
  /** Latency quantile in seconds. */
  latencyQuantile(quantile: number, window: string, by?: string, extra?: string): string | undefined;
  /** Requests counted over the window (the gate's evidence). */
  requestCount(window: string, by?: string, extra?: string): string | undefined;
  /** Failed requests counted over the window. */
  errorCount(window: string, by?: string, extra?: string): string | undefined;
  /**
   * Requests per second the latency histogram observed (its `_count`): the traffic latency
   * signals are judged on, which is not always every request (MLServer's histogram is REST only).
   */
  latencyRate(window: string, by?: string, extra?: string): string | undefined;
  /** Requests the latency histogram observed over the window … */
  latencyObserved(window: string, by?: string, extra?: string): string | undefined;
  /** … and those of them no slower than `seconds` (a bucket boundary). */
  latencyWithin(seconds: number, window: string, by?: string, extra?: string): string | undefined;
  /** The latency histogram's bucket boundaries, in seconds, as series with an `le` label (histogram units). */
  latencyBuckets(extra?: string): string | undefined;
  /** Multiply a bucket boundary (`le`) by this to get seconds. */
  readonly latencyUnitSeconds?: number;
  /** The preset's declared finite bucket boundaries in seconds, ascending (undefined: not declared). */
  readonly latencyBucketsSeconds?: readonly number[];
  /**
   * The highest finite bucket boundary in seconds: histogram_quantile never returns more than
   * this, so a quantile equal to it reads "at least", never as a value.
   */
  readonly latencyTopSeconds?: number;
  /** Share of requests slower than `seconds` (the latency SLO's bad events). */
  slowRatio(seconds: number, window: string, by?: string): string | undefined;
  /** Scraped targets that answer, per track (Prometheus' own `up`). */
  targetsUp(extra?: string): string;
  /** Pods Kubernetes reports ready, per track (kube-state-metrics); `tracks` is a regex of colours (default both). */
  readyPods(tracks?: string): string;
  /** Pods kube-state-metrics knows at all, per track: absent when kube-state-metrics is not scraped. */
  knownPods(): string;
  /** Pods cAdvisor reports a working set for, per track: absent when the kubelet's cAdvisor is not scraped. */
  cadvisorPods(): string;
  /** The preset's metrics the "signal absent" guards check (errors are born with the first failure: not guarded). */
  readonly declared: readonly DeclaredMetric[];
  /** The version each track's pods run, from the scrape's `version` label (the most common one while a release rolls out). */
  trackVersion(): string;
  /** Per pod: 1 when the model is loaded. */
  loaded(extra?: string): string | undefined;
  /**
   * Requests being served or queued (the preset's in-flight gauges, summed): the `inFlight`
   * autoscaling signal. A part without series counts as 0; absent only when every part is.
   */
  inFlight(by?: string, extra?: string): string | undefined;
  /** Seconds since the model was last loaded, per track. */
  staleness(extra?: string): string | undefined;
  /** Mean predicted value. */
  predictionMean(window: string, by?: string, extra?: string): string | undefined;
  /** Prediction value buckets (heatmap). */
  predictionBuckets(window: string, extra?: string): string | undefined;
  /** Population stability index per feature and track. */
  drift(extra?: string): string | undefined;
  // Kubernetes' metrics know pods, not tracks: `tracks` is a regex of colours (default both).
  gpuMemoryRatio(tracks?: string): string;
  gpuUtilization(tracks?: string): string;
  /** CPU used / CPU limit, per track. */
  cpuRatio(window: string, tracks?: string): string;
  /** Working set / memory limit, per track. */
  memoryRatio(tracks?: string): string;
}

export function metricsContract(preset: PresetDef, scope: Scope): MetricsContract {
  const s = (...extra: (string | undefined)[]) => selector(scope, ...extra);
  const has = (signal: Signal, present: unknown) => (present ? [signal] : []);
  const available = new Set<Signal>([
    ...has("requests", preset.requests),
    ...has("errors", preset.requests && preset.errors),
    ...has("latency", preset.latency),
    ...has("loaded", preset.loaded),
    ...has("staleness", preset.lastLoad),
    ...has("inFlight", preset.inFlight),
    ...has("predictions", preset.predictions),
    ...has("drift", preset.drift),
    "gpuMemory",
    "gpuUtilization",
    "cpu",
    "memory",
  ]);

  const requestRate = (w: string, by = BY_TRACK, extra?: string) => preset.requests && rateOf(preset.requests, scope, w, by, extra);
  const errorRate = (w: string, by = BY_TRACK, extra?: string) => (preset.requests && preset.errors ? rateOf(preset.errors, scope, w, by, extra) : undefined);
  const pod = (metric: string, tracks?: string, extra?: string) => `${metric}{${podMatcher(scope, tracks)},${CONTAINER}${extra ? `,${extra}` : ""}}`;
  const trackMatcher = (tracks?: string) => (tracks ? `track=~"${tracks}"` : undefined);
  const scaled = (factor: number) => (factor === 1 ? "" : ` * ${factor}`);
  const perTrack = (expr: string) => `sum by (${BY_TRACK}) (${withTrackFromPod(expr, scope)})`;
  const lat = preset.latency;
  const toSeconds = (expr: string) => (lat && lat.toSeconds !== 1 ? `${expr} * ${lat.toSeconds}` : expr);
  // Histogram series are counters too: counts of them go through rateOf like the request counters
  // (new series included), and always over the histogram's own count, never the request counters.
  const join = (...m: (string | undefined)[]) => m.filter((x): x is string => !!x).join(",") || undefined;
  const observedRef = lat && { metric: `${lat.name}_count`, matchers: lat.matchers };
  // The `le` of a boundary in seconds: the preset's declared boundary itself when it is one (TGI
  // prints 28.76265888493261, which no rounding of 28762.65888… ms / 1000 gives back), else
  // the value in the histogram's unit, rounded off the float noise of the unit conversion.
  const leOf = (h: HistogramRef, seconds: number) => (h.buckets && boundaryAt(h.buckets, seconds / h.toSeconds)) ?? +(seconds / h.toSeconds).toPrecision(12);
  const withinRef = (seconds: number) => lat && { metric: `${lat.name}_bucket`, matchers: join(lat.matchers, leMatcher(leOf(lat, seconds))) };

  const declared: DeclaredMetric[] = [
    // A request counter that is also an error counter (MLServer's model_infer_request_failure_total,
    // Triton's nv_inference_request_failure) counts failures only: born with the first failure,
    // so its absence is no fault. It is left unguarded like the error counters.
    ...(preset.requests ?? [])
      .filter((r) => !(preset.errors ?? []).some((e) => e.metric === r.metric && (e.matchers ?? "") === (r.matchers ?? "")))
      .map((r) => ({ signal: "requests" as const, metric: r.metric, bornWithTraffic: true })),
    ...(lat ? [{ signal: "latency" as const, metric: `${lat.name}_count`, bornWithTraffic: true }] : []),
    ...(preset.predictions ? [{ signal: "predictions" as const, metric: `${preset.predictions.name}_count`, bornWithTraffic: true }] : []),
    ...(preset.loaded ? [{ signal: "loaded" as const, metric: preset.loaded.metric, bornWithTraffic: false }] : []),
    ...(preset.lastLoad ? [{ signal: "staleness" as const, metric: preset.lastLoad.metric, bornWithTraffic: false }] : []),
    ...(preset.inFlight?.metrics ?? []).map((metric) => ({ signal: "inFlight" as const, metric, bornWithTraffic: false })),
  ].filter((d, i, all) => all.findIndex((o) => o.metric === d.metric) === i);

  const metrics = new Set<string>([
    ...KUBERNETES_METRICS,
    "up",
    ...(preset.requests ?? []).map((r) => r.metric),
    ...(preset.errors ?? []).map((r) => r.metric),
    ...(lat ? [`${lat.name}_bucket`, `${lat.name}_count`, `${lat.name}_sum`] : []),
    ...(preset.loaded ? [preset.loaded.metric] : []),
    ...(preset.lastLoad ? [preset.lastLoad.metric] : []),
    ...(preset.inFlight?.metrics ?? []),
    ...(preset.predictions ? ["_bucket", "_count", "_sum"].map((x) => `${preset.predictions!.name}${x}`) : []),
    ...(preset.drift ? [preset.drift.metric] : []),
    ...(preset.gpu ? [...("ratio" in preset.gpu.memory ? [preset.gpu.memory.ratio] : [preset.gpu.memory.used, preset.gpu.memory.total]), preset.gpu.utilization.metric] : []),
    ...(preset.metrics ?? []),
  ]);

  return {
    preset: preset.name,
    scope,
    available,
    metrics: [...metrics].sort(),
    requestRate,
    errorRate,
    requestCount: (w, by = BY_TRACK, extra) => preset.requests && rateOf(preset.requests, scope, w, by, extra, "increase"),
    errorCount: (w, by = BY_TRACK, extra) => (preset.requests && preset.errors ? rateOf(preset.errors, scope, w, by, extra, "increase") : undefined),
    latencyRate: (w, by = BY_TRACK, extra) => observedRef && rateOf([observedRef], scope, w, by, extra),
    latencyObserved: (w, by = BY_TRACK, extra) => observedRef && rateOf([observedRef], scope, w, by, extra, "increase"),
    latencyWithin: (seconds, w, by = BY_TRACK, extra) => lat && rateOf([withinRef(seconds)!], scope, w, by, extra, "increase"),
    latencyBuckets: (extra) => lat && `count by (le) (${lat.name}_bucket{${s(lat.matchers, extra)}})`,
    latencyUnitSeconds: lat?.toSeconds,
    latencyBucketsSeconds: lat?.buckets?.map((b) => +(b * lat.toSeconds).toPrecision(12)),
    latencyTopSeconds: lat?.buckets?.length ? +(lat.buckets[lat.buckets.length - 1] * lat.toSeconds).toPrecision(12) : undefined,
    errorRatio(w, by = BY_TRACK, extra) {
      const errors = errorRate(w, by, extra);
      const all = requestRate(w, by, extra);
      return errors && all ? ratio(errors, all) : undefined;
    },
    latencyQuantile(q, w, by = BY_TRACK, extra) {
      if (!lat) return undefined;
      return toSeconds(`histogram_quantile(${q}, sum by (${by}, le) (rate(${lat.name}_bucket{${s(lat.matchers, extra)}}[${w}])))`);
    },
    slowRatio(seconds, w, by = BY_TRACK) {
      if (!lat) return undefined;
      // Slow among the requests the histogram observed, not among all requests (see latencyRate).
      const fast = rateOf([withinRef(seconds)!], scope, w, by);
      const all = rateOf([observedRef!], scope, w, by);
      return `1 - (${fast} / ${all})`;
    },
    targetsUp: (extra) => `sum by (${BY_TRACK}) (up{${s(extra)}})`,
    // kube-state-metrics: kube_pod_status_ready{namespace, pod, condition} is 1 for the pod's
    // current condition (kubernetes/kube-state-metrics docs/metrics/workload/pod-metrics.md).
    readyPods: (tracks) => perTrack(`kube_pod_status_ready{${podMatcher(scope, tracks)},condition="true"}`),
    knownPods: () => `count by (${BY_TRACK}) (${withTrackFromPod(`kube_pod_status_ready{${podMatcher(scope)},condition="true"}`, scope)})`,
    cadvisorPods: () => `count by (${BY_TRACK}) (${withTrackFromPod(pod("container_memory_working_set_bytes"), scope)})`,
    declared,
    trackVersion: () => `topk by (${BY_TRACK}) (1, count by (${BY_TRACK}, version) (up{${s()}}))`,
    loaded: (extra) => preset.loaded && `min by (${BY_TRACK}, pod) (${preset.loaded.metric}{${s(preset.loaded.matchers, extra)}})`,
    inFlight(by = BY_TRACK, extra) {
      const f = preset.inFlight;
      if (!f || f.metrics.length === 0) return undefined;
      // Gauges of one server share their labels, and `or` ignores the metric name when it
      // matches series: each part gets a label of its own first, then the parts are summed.
      const parts = f.metrics.map((m, i) => `label_replace(sum by (${by}) (${m}{${s(f.matchers, extra)}}), "modelship_part", "${i}", "", "")`);
      return parts.length === 1 ? `sum by (${by}) (${f.metrics[0]}{${s(f.matchers, extra)}})` : `sum by (${by}) (${parts.join(" or ")})`;
    },
    staleness: (extra) => preset.lastLoad && `time() - max by (${BY_TRACK}) (${preset.lastLoad.metric}{${s(extra)}})`,
    predictionMean(w, by = BY_TRACK, extra) {
      const p = preset.predictions;
      if (!p) return undefined;
      return `sum by (${by}) (rate(${p.name}_sum{${s(p.matchers, extra)}}[${w}])) / sum by (${by}) (rate(${p.name}_count{${s(p.matchers, extra)}}[${w}]))`;
    },
    predictionBuckets(w, extra) {
      const p = preset.predictions;
      return p && `sum by (le) (rate(${p.name}_bucket{${s(p.matchers, extra)}}[${w}]))`;
    },
    drift: (extra) => preset.drift && `max by (${BY_TRACK}, ${preset.drift.featureLabel}) (${preset.drift.metric}{${s(extra)}})`,
    gpuMemoryRatio(tracks) {
      const g = preset.gpu;
      const own = (metric: string) => `${metric}{${s(trackMatcher(tracks))}}`;
      const mem = g?.memory;
      if (mem && "ratio" in mem) return `max by (${BY_TRACK}) (${own(mem.ratio)})${scaled(mem.scale)}`;
      if (mem) return `max by (${BY_TRACK}) (${own(mem.used)} / ${own(mem.total)})`;
      const used = pod("DCGM_FI_DEV_FB_USED", tracks);
      return `max by (${BY_TRACK}) (${withTrackFromPod(`${used} / (${used} + ${pod("DCGM_FI_DEV_FB_FREE", tracks)})`, scope)})`;
    },
    gpuUtilization(tracks) {
      const g = preset.gpu;
      if (g) return `avg by (${BY_TRACK}) (${g.utilization.metric}{${s(trackMatcher(tracks))}})${scaled(g.utilization.scale)}`;
      return `avg by (${BY_TRACK}) (${withTrackFromPod(`${pod("DCGM_FI_DEV_GPU_UTIL", tracks)} / 100`, scope)})`;
    },
    cpuRatio: (w, tracks) =>
      `${perTrack(`rate(${pod("container_cpu_usage_seconds_total", tracks)}[${w}])`)} / ${perTrack(pod("kube_pod_container_resource_limits", tracks, 'resource="cpu"'))}`,
    memoryRatio: (tracks) =>
      `${perTrack(pod("container_memory_working_set_bytes", tracks))} / ${perTrack(pod("kube_pod_container_resource_limits", tracks, 'resource="memory"'))}`,
  };
}
