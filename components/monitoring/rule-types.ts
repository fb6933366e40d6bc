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
  /** Link to the model's dashboard, when Grafana's URL is known. */
  dashboardUrl?: string;
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
