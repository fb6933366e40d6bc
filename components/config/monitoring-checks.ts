// Cross-field checks of a model's monitoring config against its preset (pure): settings that
// would render a rule whose query is empty, or an alert that can never fire, are config errors
// here rather than silence in production.
import type { ParsedModel } from "./schema";
import { PRESETS, presetFor, type PresetDef } from "../monitoring/presets";
import { boundaryMs, isBoundary, nearestBoundariesText } from "../monitoring/presets/buckets";

/** A problem at a key path below one model (`["monitoring", "alerts", "stalenessHours"]`). */
export interface MonitoringProblem {
  path: (string | number)[];
  message: string;
}

/**
 * Labels every scraped series carries whatever the server exposes: `model`, `track` and
 * `version` from the pod's labels (components/monitoring/scrape.ts RELABELINGS), the rest from the
 * Prometheus Operator's ServiceMonitor/PodMonitor scrape config (prometheus-operator/prometheus-operator
 * pkg/prometheus/promcfg.go: namespace, pod, container, service, job, endpoint = the port name)
 * and Prometheus itself (instance, job). A server label of the same name is kept as
 * `exported_<name>` (honor_labels false, the operator's default).
 */
export const TARGET_LABELS: readonly string[] = ["namespace", "pod", "model", "track", "version", "instance", "job", "service", "container", "endpoint"];

/** The label names a selector's matchers filter on: `a="x",b=~"y",c!="z"` → a, b, c. */
export function matcherLabels(matchers: string): string[] {
  return [...matchers.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)\s*"(?:[^"\\]|\\.)*"/g)].map((m) => m[1]);
}

/** Where a preset filters series by label: the matchers of each ref, and the drift feature label. */
interface LabelUse {
  /** Key path in the preset (for `custom`, also the path below `monitoring.custom`). */
  path: (string | number)[];
  metric: string;
  labels: string[];
}

function labelUses(p: PresetDef): LabelUse[] {
  const uses: LabelUse[] = [];
  const add = (path: (string | number)[], metric: string, matchers: string | undefined) => {
    if (matchers) uses.push({ path: [...path, "matchers"], metric, labels: matcherLabels(matchers) });
  };
  (p.requests ?? []).forEach((r, i) => add(["requests", i], r.metric, r.matchers));
  (p.errors ?? []).forEach((r, i) => add(["errors", i], r.metric, r.matchers));
  if (p.latency) add(["latency"], p.latency.name, p.latency.matchers);
  if (p.loaded) add(["loaded"], p.loaded.metric, p.loaded.matchers);
  if (p.predictions) add(["predictions"], p.predictions.name, p.predictions.matchers);
  for (const metric of p.inFlight?.metrics ?? []) add(["inFlight"], metric, p.inFlight?.matchers);
  if (p.drift && p.labels?.[p.drift.metric]) uses.push({ path: ["drift", "featureLabel"], metric: p.drift.metric, labels: [p.drift.featureLabel] });
  return uses;
}

/**
 * Labels a preset filters on that its metric's series do not carry as that name: neither a
 * label the server declares for it (`PresetDef.labels`) nor a scrape label, or a server label
 * that the scrape renames to `exported_<name>` (the matcher then filters the scrape's label).
 * Such a matcher selects nothing (negated: everything), so a 50% error ratio reads 0%.
 */
export function presetLabelProblems(p: PresetDef): MonitoringProblem[] {
  const problems: MonitoringProblem[] = [];
  for (const use of labelUses(p)) {
    const declared = p.labels?.[use.metric] ?? [];
    const known = [...declared.filter((l) => !TARGET_LABELS.includes(l)), ...declared.filter((l) => TARGET_LABELS.includes(l)).map((l) => `exported_${l}`)];
    for (const label of use.labels) {
      if (known.includes(label)) continue;
      const list = declared.length > 0 ? declared.join(", ") : "none";
      if (declared.includes(label)) {
        problems.push({
          path: use.path,
          message: `filters on "${label}", which the scrape sets itself (${TARGET_LABELS.join(", ")}): Prometheus keeps ${use.metric}'s own ${label} as exported_${label}, so filter on exported_${label}`,
        });
      } else if (!TARGET_LABELS.includes(label)) {
        problems.push({
          path: use.path,
          message: `filters on "${label}", which is not among the labels declared for ${use.metric} (${list}) nor a scrape label: series without it match nothing, so the signal reads 0 instead of failing; declare the server's labels of ${use.metric} in labels, or fix the matcher`,
        });
      }
    }
  }
  return problems;
}

type MonitoredModel = Pick<ParsedModel, "monitoring">;

/**
 * What a model's monitoring settings would make of its preset's queries: a latency threshold
 * off the histogram's buckets (the SLO selects no `le` series), latency alerts at or above the
 * top bucket (a quantile never exceeds it), matchers on labels the series lack (custom presets;
 * built-in ones are held to it by a test), staleness without a last-load time.
 */
export function monitoringProblems(m: MonitoredModel): MonitoringProblem[] {
  const mon = m.monitoring;
  if (mon.preset === "custom" && !mon.custom) return []; // reported by the schema itself
  const preset = mon.preset === "custom" ? presetFor(mon) : PRESETS[mon.preset];
  const problems: MonitoringProblem[] = [];
  const lat = preset.latency;
  const origin = mon.preset === "custom" ? "monitoring.custom.latency.buckets" : `the ${preset.name} server's default buckets; a server configured with other buckets is described with preset custom`;

  if (lat?.buckets?.length) {
    const boundsSeconds = lat.buckets.map((b) => b * lat.toSeconds);
    const thresholdMs = mon.slo.latency.thresholdMs;
    if (!isBoundary(lat.buckets, thresholdMs / 1000 / lat.toSeconds)) {
      problems.push({
        path: ["monitoring", "slo", "latency", "thresholdMs"],
        message: `${thresholdMs} ms is not a bucket boundary of ${lat.name} (${origin}), so the latency SLO's query selects no le series and its rules stay empty; nearest: ${nearestBoundariesText(boundsSeconds, thresholdMs / 1000)} ms`,
      });
    }
    const top = boundsSeconds[boundsSeconds.length - 1];
    const first = boundsSeconds[0];
    for (const key of ["latencyP99Seconds", "latencyP50Seconds"] as const) {
      const v = mon.alerts[key];
      // Inside the first bucket histogram_quantile interpolates linearly from 0 (Prometheus
      // promql/quantile.go bucketQuantile), so a quantile there is a guess at a fraction of the
      // first boundary, not a measurement: vLLM's p50 of 0.15 s with every request under 0.3 s
      // would cross a 0.1 s threshold on healthy traffic.
      if (v < first * (1 - 1e-9)) {
        problems.push({
          path: ["monitoring", "alerts", key],
          message: `must be at least the first bucket of ${lat.name}, ${boundaryMs(first) / 1000} s (${origin}): below it the quantile is interpolated from 0, not measured, so healthy traffic can cross it; got ${v}`,
        });
      }
      if (v >= top * (1 - 1e-9)) {
        problems.push({
          path: ["monitoring", "alerts", key],
          message: `must be below the top finite bucket of ${lat.name}, ${boundaryMs(top) / 1000} s (${origin}): a quantile never exceeds it, so the alert could never fire; got ${v}`,
        });
      }
    }
  }

  if (mon.preset === "custom") {
    for (const p of presetLabelProblems(preset)) problems.push({ path: ["monitoring", "custom", ...p.path], message: p.message });
  }

  if (mon.alerts.stalenessHours !== undefined && !preset.lastLoad) {
    problems.push({
      path: ["monitoring", "alerts", "stalenessHours"],
      message: `the server exposes no last-load time (preset ${preset.name} has no lastLoad${mon.preset === "custom" ? "; set monitoring.custom.lastLoad" : ""}), so ModelStale could never fire; leave it unset`,
    });
  }
  return problems;
}
