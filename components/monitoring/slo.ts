// Multi-window, multi-burn-rate SLO alerts (the Google SRE workbook's recipe), per track: a
// candidate that burns its own budget pages even while the model as a whole, diluted by the
// stable track, stays under the line.
import { BY_TRACK } from "./promql";
import { withTrackContext } from "./context";
import { alertLabels, annotations, type AlertRule, type RecordingRule, type RuleContext, type RuleGroup } from "./rule-types";

/** Burn rate, long and short window, severity and hold time of each alert. */
export const BURN_WINDOWS = [
  { burn: 14.4, long: "1h", short: "5m", severity: "critical", for: "2m" },
  { burn: 6, long: "6h", short: "30m", severity: "critical", for: "15m" },
  { burn: 3, long: "1d", short: "2h", severity: "warning", for: "1h" },
  { burn: 1, long: "3d", short: "6h", severity: "warning", for: "3h" },
] as const;

export const SLO_WINDOWS = [...new Set(BURN_WINDOWS.flatMap((w) => [w.long, w.short]))];
export const LONG_WINDOWS = [...new Set(BURN_WINDOWS.map((w) => w.long))];

/** Recorded per track (labels namespace, model, track), mixin style. */
export const SLO_RECORD = {
  /** Failed / all requests over the window (the 5m one is rules.ts RECORD.errorRatio). */
  errors: (w: string) => `model_track:modelship_errors:ratio_rate${w}`,
  /** Requests over the window: how many events the error ratio stands on. */
  requests: (w: string) => `model_track:modelship_requests:increase${w}`,
  /** Share of the latency histogram's requests slower than the SLO threshold. */
  slow: (w: string) => `model_track:modelship_latency_slow:ratio_rate${w}`,
  /** Requests the latency histogram observed over the window. */
  latencyRequests: (w: string) => `model_track:modelship_latency_requests:increase${w}`,
} as const;

export const SLO_ALERT = { availability: "ModelAvailabilityBudgetBurn", latency: "ModelLatencyBudgetBurn" } as const;

/**
 * Recorded bad-event ratios over every window and event counts over the long ones, and one burn
 * alert per window pair and SLI. An alert also needs `slo.minBadEvents` bad events in its long
 * window (ratio x count): at one request a minute a single failure is a 1.7% error ratio over an
 * hour, far past the 14.4x line of a 99.9% SLO, yet no evidence of a burning budget.
 */
export function sloRuleGroup(ctx: RuleContext, alreadyRecorded: ReadonlySet<string> = new Set()): RuleGroup {
  const { contract: c, model } = ctx;
  const { availability, latency, minBadEvents } = model.monitoring.slo;
  const scope = `{namespace="${c.scope.namespace}",model="${c.scope.model}"}`;
  const records: RecordingRule[] = [];
  const alerts: AlertRule[] = [];

  interface Sli {
    name: keyof typeof SLO_ALERT;
    ratio: (w: string) => string | undefined;
    count: (w: string) => string | undefined;
    record: (w: string) => string;
    countRecord: (w: string) => string;
    budget: number;
    what: string;
    bad: string;
  }
  const sli = ({ name, ratio, count, record, countRecord, budget, what, bad }: Sli) => {
    if (!ratio("5m") || !count("1h")) return;
    for (const w of SLO_WINDOWS) if (!alreadyRecorded.has(record(w))) records.push({ record: record(w), expr: ratio(w)! });
    for (const w of LONG_WINDOWS) records.push({ record: countRecord(w), expr: count(w)! });
    for (const b of BURN_WINDOWS) {
      const threshold = +(b.burn * budget).toPrecision(6);
      const expr = `${record(b.long)}${scope} > ${threshold} and ${record(b.short)}${scope} > ${threshold} and (${record(b.long)}${scope} * ${countRecord(b.long)}${scope}) >= ${minBadEvents}`;
      alerts.push({
        alert: SLO_ALERT[name],
        expr: withTrackContext(expr, c),
        for: b.for,
        labels: alertLabels(ctx, b.severity, { long_window: b.long, short_window: b.short }),
        annotations: annotations(
          ctx,
          SLO_ALERT[name],
          `{{ $labels.model }} ({{ $labels.track }}): ${what} error budget burning ${b.burn}x too fast`,
          `Over the last ${b.long} and ${b.short} the {{ $labels.track }} track of {{ $labels.model }} spent its ${what} error budget at ${b.burn}x or more the sustainable rate (at least ${minBadEvents} ${bad} in ${b.long}); at this pace the 30-day budget lasts ${+(30 / b.burn).toFixed(1)} days.`,
        ),
      });
    }
  };

  sli({
    name: "availability",
    ratio: (w) => c.errorRatio(w, BY_TRACK),
    count: (w) => c.requestCount(w, BY_TRACK),
    record: SLO_RECORD.errors,
    countRecord: SLO_RECORD.requests,
    budget: 1 - availability / 100,
    what: `${availability}% availability`,
    bad: "failed requests",
  });
  sli({
    name: "latency",
    ratio: (w) => c.slowRatio(latency.thresholdMs / 1000, w, BY_TRACK),
    count: (w) => c.latencyObserved(w, BY_TRACK),
    record: SLO_RECORD.slow,
    countRecord: SLO_RECORD.latencyRequests,
    budget: 1 - latency.quantile,
    what: `${latency.thresholdMs} ms latency`,
    bad: "slow requests",
  });
  return { name: `modelship.${c.scope.model}.slo`, rules: [...records, ...alerts] };
}
