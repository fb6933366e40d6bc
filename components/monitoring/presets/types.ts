import type { CounterRef } from "../promql";

/** A histogram: its base name (without `_bucket`), matchers, and what one unit is in seconds. */
export interface HistogramRef {
  name: string;
  matchers?: string;
  /** Multiply a value of this histogram by this to get seconds (1 for seconds, 0.001 for ms). */
  toSeconds: number;
  /**
   * The server's default bucket boundaries, finite ones only, ascending, in the histogram's own
   * unit (what its `le` labels say). A latency threshold must be one of them, and a quantile
   * at the top one means "at least this" (histogram_quantile caps it there).
   */
  buckets?: readonly number[];
}

/**
 * Where a model server keeps each signal. A signal left out is unavailable for that server:
 * its rules, alerts and panels are omitted rather than emitted broken.
 */
export interface PresetDef {
  name: string;
  /** One line for docs: what server, and any caveat. */
  description: string;
  /** Counters whose sum is every request. */
  requests?: CounterRef[];
  /** Counters whose sum is every failed request. */
  errors?: CounterRef[];
  latency?: HistogramRef;
  /** A gauge per pod, 1 when the model is loaded and ready. */
  loaded?: { metric: string; matchers?: string };
  /** A gauge holding the unix time of the last model load. */
  lastLoad?: { metric: string };
  /**
   * Gauges whose sum is the requests a pod is serving or has queued: the `inFlight` autoscaling
   * signal (a KEDA ScaledObject sizes each track for `autoscaling.target` of them per pod).
   */
  inFlight?: { metrics: string[]; matchers?: string };
  /** Distribution of the model's output values. */
  predictions?: Omit<HistogramRef, "toSeconds">;
  /** Population stability index per feature. */
  drift?: { metric: string; featureLabel: string };
  /**
   * GPU memory and utilisation from the server itself; without it, the NVIDIA DCGM exporter's
   * per-pod metrics are used.
   */
  gpu?: {
    /** Memory in use as a share: used/total gauges, or one gauge scaled to 0..1. */
    memory: { used: string; total: string } | { ratio: string; scale: number };
    /** Utilisation gauge and the factor that scales it to 0..1. */
    utilization: { metric: string; scale: number };
  };
  /** The port the server publishes metrics on, when it is not the serving port. */
  metricsPort?: number;
  /** Every metric name the preset's queries may reference. */
  metrics?: string[];
  /**
   * The labels the server itself puts on a metric (counter or gauge name, histogram base name),
   * besides the labels the scrape adds (namespace, pod, model, track, version, instance, job,
   * service, container, endpoint). Every label a matcher of the preset filters on must be one of
   * them or a scrape label: a matcher on a label the series lack selects nothing (or, negated,
   * everything), and the signal reads 0% errors instead of failing. A server label that shares
   * its name with a scrape label is renamed `exported_<name>` by Prometheus.
   */
  labels?: Readonly<Record<string, readonly string[]>>;
}
