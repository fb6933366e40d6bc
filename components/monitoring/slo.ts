// Multi-window, multi-burn-rate SLO alerts (the Google SRE workbook's recipe), per model.
import { BY_MODEL } from "./promql";
import { annotations, type AlertRule, type RecordingRule, type RuleContext, type RuleGroup } from "./rule-types";

/** Burn rate, long and short window, severity and hold time of each alert. */
export const BURN_WINDOWS = [
  { burn: 14.4, long: "1h", short: "5m", severity: "critical", for: "2m" },
  { burn: 6, long: "6h", short: "30m", severity: "critical", for: "15m" },
  { burn: 3, long: "1d", short: "2h", severity: "warning", for: "1h" },
  { burn: 1, long: "3d", short: "6h", severity: "warning", for: "3h" },
] as const;

export const SLO_WINDOWS = [...new Set(BURN_WINDOWS.flatMap((w) => [w.long, w.short]))];

export const SLO_RECORD = {
  errors: (w: string) => `model:modelship_errors:ratio_rate${w}`,
  slow: (w: string) => `model:modelship_latency_slow:ratio_rate${w}`,
} as const;

export const SLO_ALERT = { availability: "ModelAvailabilityBudgetBurn", latency: "ModelLatencyBudgetBurn" } as const;

/** Recorded bad-event ratios over every window, and one burn alert per window pair and SLI. */
export function sloRuleGroup(ctx: RuleContext): RuleGroup {
  const { contract: c, model } = ctx;
  const { availability, latency } = model.monitoring.slo;
  const scope = `{namespace="${c.scope.namespace}",model="${c.scope.model}"}`;
  const records: RecordingRule[] = [];
  const alerts: AlertRule[] = [];

  const sli = (name: keyof typeof SLO_ALERT, record: (w: string) => string, ratio: (w: string) => string | undefined, budget: number, what: string) => {
    if (!ratio("5m")) return;
    for (const w of SLO_WINDOWS) records.push({ record: record(w), expr: ratio(w)! });
    for (const b of BURN_WINDOWS) {
      const threshold = +(b.burn * budget).toPrecision(6);
      alerts.push({
        alert: SLO_ALERT[name],
        expr: `${record(b.long)}${scope} > ${threshold} and ${record(b.short)}${scope} > ${threshold}`,
        for: b.for,
        labels: { severity: b.severity, long_window: b.long, short_window: b.short },
        annotations: annotations(
          ctx,
          SLO_ALERT[name],
          `{{ $labels.model }}: ${what} error budget burning ${b.burn}x too fast`,
          `Over the last ${b.long} and ${b.short} {{ $labels.model }} spent its ${what} error budget at ${b.burn}x or more the sustainable rate; at this pace the 30-day budget lasts ${+(30 / b.burn).toFixed(1)} days.`,
        ),
      });
    }
  };

  sli("availability", SLO_RECORD.errors, (w) => c.errorRatio(w, BY_MODEL), 1 - availability / 100, `${availability}% availability`);
  sli("latency", SLO_RECORD.slow, (w) => c.slowRatio(latency.thresholdMs / 1000, w, BY_MODEL), 1 - latency.quantile, `${latency.thresholdMs} ms latency`);
  return { name: `modelship.${c.scope.model}.slo`, rules: [...records, ...alerts] };
}
