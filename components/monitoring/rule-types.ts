// The shape of Prometheus rule groups, and the annotations every modelship alert carries
// (shared by rules.ts and slo.ts).
import type { ModelConfig } from "../config/schema";
import type { MetricsContract } from "./contract";

export interface RecordingRule {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  /**
   * Keeps a firing alert firing this long after its condition clears, so a ratio hovering at
   * its threshold does not resolve and re-page. Prometheus >= 2.42 reads `keep_firing_for`
   * (model/rulefmt Rule.KeepFiringFor); the Prometheus Operator passes the PrometheusRule field of
   * the same json name through from v0.66.0 (pkg/apis/monitoring/v1/prometheusrule_types.go
   * Rule.KeepFiringFor) and strips it for an older Prometheus (pkg/operator/rules.go), so an old
   * stack degrades to flapping, never to a rejected rule file (docs/runbooks.md: versions).
   */
  keep_firing_for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export type Rule = RecordingRule | AlertRule;

export interface RuleGroup {
  name: string;
  rules: Rule[];
}

export interface RuleContext {
  contract: MetricsContract;
  model: ModelConfig;
  runbookBaseUrl: string;
  /**
   * Link to the model's dashboard: absolute when Grafana's URL is known, else Grafana's own path
   * (`/d/<uid>/<slug>`), which an Alertmanager template can prefix with its Grafana.
   */
  dashboardUrl?: string;
  /** The stack file's `environment`: a label on every alert, so one Alertmanager routes by it. */
  environment?: string;
  /** Whether the route records its weights and roles (`monitoring.recordWeights`). */
  recordedWeights?: boolean;
}

/** Alert annotations every rule carries: what, why, and where to go next. */
export function annotations(ctx: RuleContext, alert: string, summary: string, description: string): Record<string, string> {
  return {
    summary,
    description,
    runbook_url: `${ctx.runbookBaseUrl}#${alert.toLowerCase()}`,
    ...(ctx.dashboardUrl ? { dashboard_url: `${ctx.dashboardUrl}?var-track={{ $labels.track }}` } : {}),
  };
}

/** Labels every alert carries besides its own: its severity and the stack's environment. */
export const alertLabels = (ctx: RuleContext, severity: string, extra: Record<string, string> = {}): Record<string, string> => ({
  severity,
  ...(ctx.environment ? { environment: ctx.environment } : {}),
  ...extra,
});
