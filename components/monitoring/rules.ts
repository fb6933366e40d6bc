// Recording and alerting rules of one model, derived from its metrics contract (pure).
import { trackInfoRule, withTrackContext } from "./context";
import { formatDuration } from "./quantile";
import { BY_MODEL, BY_TRACK, duration, windowSeconds } from "./promql";
import { alertLabels, annotations, type AlertRule, type RecordingRule, type RuleContext, type RuleGroup } from "./rule-types";
import { silentFaultAlerts } from "./silence";
import { sloRuleGroup } from "./slo";

export * from "./rule-types";

/** Recorded series (mixin style `level:metric:operations`); the model and track come as labels. */
export const RECORD = {
  requests: "model_track:modelship_requests:rate5m",
  errorRatio: "model_track:modelship_errors:ratio_rate5m",
  latency: (q: number) => `model_track:modelship_latency_seconds:p${Math.round(q * 100)}_rate5m`,
  /** Requests the latency histogram observed: latency alerts need their traffic, not all requests'. */
  latencyRequests: "model_track:modelship_latency_requests:rate5m",
  predictionMean: (w: string) => `model_track:modelship_prediction_mean:rate${w}`,
  modelRequests: "model:modelship_requests:rate5m",
} as const;

export const LATENCY_QUANTILES = [0.5, 0.95, 0.99] as const;

/** Mean prediction over the last hour, compared with the day before it (ModelPredictionShift). */
export const PREDICTION_WINDOWS = ["1h", "1d"] as const;


const matchers = (ctx: RuleContext) => `namespace="${ctx.contract.scope.namespace}",model="${ctx.contract.scope.model}"`;
const m = (ctx: RuleContext) => `{${matchers(ctx)}}`;

/** Keeps an expression only where the same track has the minimum request rate. */
const withTraffic = (ctx: RuleContext, expr: string, minRate: number, traffic: string = RECORD.requests) =>
  `(${expr}) and on (${BY_TRACK}) (${traffic}${m(ctx)} >= ${minRate})`;
/** Latency is judged on the requests its histogram observed (MLServer's: REST only, its counters: gRPC too). */
const withLatencyTraffic = (ctx: RuleContext, expr: string, minRate: number) => withTraffic(ctx, expr, minRate, RECORD.latencyRequests);

function recordingGroup(ctx: RuleContext): RuleGroup {
  const c = ctx.contract;
  const rules: RecordingRule[] = [];
  const add = (record: string, expr: string | undefined) => expr && rules.push({ record, expr });
  add(RECORD.requests, c.requestRate("5m"));
  add(RECORD.modelRequests, c.requestRate("5m", BY_MODEL));
  add(RECORD.errorRatio, c.errorRatio("5m"));
  add(RECORD.latencyRequests, c.latencyRate("5m"));
  for (const q of LATENCY_QUANTILES) add(RECORD.latency(q), c.latencyQuantile(q, "5m"));
  for (const w of PREDICTION_WINDOWS) add(RECORD.predictionMean(w), c.predictionMean(w));
  rules.push(trackInfoRule(c));
  return { name: `modelship.${c.scope.model}.recording`, rules };
}

/**
 * A track whose value exceeds max(factor × the other track's, the other's + margin). The two
 * tracks are compared both ways, so the rule needs no knowledge of which one is the candidate
 * and does not change when a promotion completes.
 */
export function worseThanOther(series: string, scopeMatchers: string, factor: number, margin: number): string {
  const side = (a: string, b: string) => {
    const other = `${series}{${scopeMatchers},track="${b}"}`;
    const bound = margin > 0 ? `((${factor} * ${other}) > (${other} + ${margin}) or (${other} + ${margin}))` : `(${factor} * ${other})`;
    // group_left keeps the left side's track label, which one-to-one matching would drop.
    return `(${series}{${scopeMatchers},track="${a}"} > on (namespace, model) group_left () ${bound})`;
  };
  return `${side("blue", "green")} or ${side("green", "blue")}`;
}

/**
 * How long a ratio alert keeps firing after its condition clears: a track hovering at a
 * threshold stays one alert instead of resolving and re-paging every few minutes.
 */
export const KEEP_FIRING_FOR = "10m";

/**
 * The startup probe's budget (initial delay + failureThreshold x period + one timeout, as the
 * kubelet counts it: the container is restarted only after failureThreshold consecutive
 * failures), plus one scrape, in whole minutes and never under 5: ModelNotLoaded waits that long,
 * so a model still loading inside its budget is not a page.
 */
export function notLoadedFor(model: RuleContext["model"]): string {
  const p = model.probes.startup;
  const scrape = Number(windowSeconds(model.monitoring.scrape.interval));
  const seconds = p.initialDelaySeconds + p.failureThreshold * p.periodSeconds + p.timeoutSeconds + scrape;
  return duration(Math.max(5, Math.ceil(seconds / 60)) * 60);
}

/**
 * A quantile's value for an alert's text: histogram_quantile never returns more than the top
 * finite bucket, so there it reads "≥ top bucket", never as a measured value (Go template, as
 * Prometheus renders annotations).
 */
export function quantileText(topSeconds: number | undefined): string {
  const value = "{{ $value | humanizeDuration }}";
  // Go templates compare a float only with a float: the constant always has a decimal point.
  const top = Number.isInteger(topSeconds) ? topSeconds!.toFixed(1) : String(topSeconds);
  return topSeconds === undefined ? value : `{{ if ge $value ${top} }}≥ ${formatDuration(topSeconds!)} (the histogram's top bucket: the true value may be far higher){{ else }}${value}{{ end }}`;
}

function alertGroup(ctx: RuleContext): RuleGroup {
  const { contract: c, model } = ctx;
  const t = model.monitoring.alerts;
  const canary = model.monitoring.canary;
  const scope = m(ctx);
  const rules: AlertRule[] = [];
  interface Extra {
    keepFiring?: boolean;
    labels?: Record<string, string>;
  }
  const alert = (name: string, severity: string, expr: string | undefined, forDuration: string, summary: string, description: string, extra: Extra = {}) => {
    if (!expr) return;
    rules.push({
      alert: name,
      expr: withTrackContext(expr, c),
      for: forDuration,
      ...(extra.keepFiring ? { keep_firing_for: KEEP_FIRING_FOR } : {}),
      labels: alertLabels(ctx, severity, extra.labels),
      annotations: annotations(ctx, name, summary, description),
    });
  };
  const held = { keepFiring: true };
  const who = "{{ $labels.model }} ({{ $labels.track }})";
  const pct = (x: number) => `${+(x * 100).toFixed(3)}%`;
  const latencyValue = quantileText(c.latencyTopSeconds);

  for (const s of silentFaultAlerts(ctx, ctx.recordedWeights ?? false)) alert(s.alert, s.severity, s.expr, s.for, s.summary, s.description, { labels: s.labels });

  if (c.available.has("errors")) {
    const ratio = `${RECORD.errorRatio}${scope}`;
    alert("ModelErrorRatioHigh", "warning", withTraffic(ctx, `${ratio} > ${t.errorRatioWarning}`, t.minRequestRate), "5m",
      `${who}: error ratio above ${pct(t.errorRatioWarning)}`, "{{ $value | humanizePercentage }} of requests to {{ $labels.model }} on the {{ $labels.track }} track failed over the last 5 minutes.", held);
    alert("ModelErrorRatioCritical", "critical", withTraffic(ctx, `${ratio} > ${t.errorRatioCritical}`, t.minRequestRate), "5m",
      `${who}: error ratio above ${pct(t.errorRatioCritical)}`, "{{ $value | humanizePercentage }} of requests to {{ $labels.model }} on the {{ $labels.track }} track failed over the last 5 minutes.", held);
    alert("ModelTrackErrorRatioDivergence", "warning",
      withTraffic(ctx, worseThanOther(RECORD.errorRatio, matchers(ctx), canary.errorFactor, canary.errorMargin), canary.minRequestRate), "5m",
      `${who}: more errors than the other track`, `The {{ $labels.track }} track's error ratio is {{ $value | humanizePercentage }}, above ${canary.errorFactor}x the other track's (or ${pct(canary.errorMargin)} more). If it is the candidate, roll back.`, held);
  }
  if (c.available.has("latency")) {
    alert("ModelLatencyP99High", "warning", withLatencyTraffic(ctx, `${RECORD.latency(0.99)}${scope} > ${t.latencyP99Seconds}`, t.minRequestRate), "10m",
      `${who}: p99 latency above ${t.latencyP99Seconds * 1000} ms`, `p99 latency of {{ $labels.model }} on {{ $labels.track }} is ${latencyValue}.`, held);
    alert("ModelLatencyP50High", "warning", withLatencyTraffic(ctx, `${RECORD.latency(0.5)}${scope} > ${t.latencyP50Seconds}`, t.minRequestRate), "10m",
      `${who}: median latency above ${t.latencyP50Seconds * 1000} ms`, `Median latency of {{ $labels.model }} on {{ $labels.track }} is ${latencyValue}.`, held);
    alert("ModelTrackLatencyDivergence", "warning",
      withLatencyTraffic(ctx, worseThanOther(RECORD.latency(0.95), matchers(ctx), canary.latencyFactor, canary.latencyMarginSeconds), canary.minRequestRate), "10m",
      `${who}: slower than the other track`, `p95 latency of the {{ $labels.track }} track is ${latencyValue}, above ${canary.latencyFactor}x the other track's (and ${canary.latencyMarginSeconds * 1000} ms more). If it is the candidate, roll back.`, held);
  }
  const loadFor = notLoadedFor(model);
  alert("ModelNotLoaded", "critical", c.loaded() && `${c.loaded()} < 1`, loadFor,
    `${who}: model not loaded`, `Pod {{ $labels.pod }} has reported its model as not loaded for ${loadFor}, longer than its startup probe allows a load to take; it cannot serve predictions.`);
  // Off unless a maximum age is configured: a model that is never reloaded is not a fault.
  if (t.stalenessHours !== undefined) {
    alert("ModelStale", "warning", c.staleness() && `${c.staleness()} > ${t.stalenessHours * 3600}`, "15m",
      `${who}: model older than ${t.stalenessHours} h`, "The model on {{ $labels.track }} was last loaded {{ $value | humanizeDuration }} ago.");
  }
  alert("ModelFeatureDrift", "warning", c.drift() && `${c.drift()} > ${t.driftPsi}`, "30m",
    `${who}: feature drift (PSI above ${t.driftPsi})`, "Feature {{ $labels.feature_name }}{{ $labels.feature }} has a population stability index of {{ $value }}.");
  if (c.available.has("predictions")) {
    // Against the day before the last hour, so the shift being measured is not in its own baseline.
    const shift = `abs(${RECORD.predictionMean("1h")}${scope} - ${RECORD.predictionMean("1d")}${scope} offset 1h)`;
    alert("ModelPredictionShift", "warning", withTraffic(ctx, `${shift} > ${t.predictionShift}`, t.minRequestRate), "30m",
      `${who}: prediction distribution shifted`, `The mean prediction of the last hour differs from the day before by {{ $value }} (threshold ${t.predictionShift}).`);
  }
  alert("ModelCPUSaturation", "warning", `${c.cpuRatio("5m")} > ${t.cpuRatio}`, "15m",
    `${who}: CPU above ${pct(t.cpuRatio)} of its limit`, "The {{ $labels.track }} track uses {{ $value | humanizePercentage }} of its CPU limit.");
  alert("ModelMemorySaturation", "warning", `${c.memoryRatio()} > ${t.memoryRatio}`, "15m",
    `${who}: memory above ${pct(t.memoryRatio)} of its limit`, "The {{ $labels.track }} track uses {{ $value | humanizePercentage }} of its memory limit.");
  if (model.resources.gpu > 0) {
    alert("ModelGPUMemoryHigh", "warning", `${c.gpuMemoryRatio()} > ${t.gpuMemoryRatio}`, "15m",
      `${who}: GPU memory above ${pct(t.gpuMemoryRatio)}`, "A GPU of the {{ $labels.track }} track has {{ $value | humanizePercentage }} of its memory in use.");
  }
  return { name: `modelship.${c.scope.model}.alerts`, rules };
}

/** Every rule group of one model: recordings, SLO burn rates, alerts. */
export function modelRuleGroups(ctx: RuleContext): RuleGroup[] {
  const recordings = recordingGroup(ctx);
  // The 5-minute error ratio per track is both an alert input and an SLO window: recorded once.
  const recorded = new Set(recordings.rules.map((r) => ("record" in r ? r.record : "")));
  return [recordings, sloRuleGroup(ctx, recorded), alertGroup(ctx)].filter((g) => g.rules.length > 0);
}
