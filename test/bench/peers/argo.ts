// An Argo-Rollouts-style canary: steps with pauses equal to our bake, and a background
// AnalysisRun from an AnalysisTemplate, as Argo Rollouts documents and implements it. Nothing
// here is tuned by us; the numbers come from Argo Rollouts' docs and API:
//
// - https://argoproj.github.io/argo-rollouts/features/analysis/ (docs/features/analysis.md):
//   "Background Analysis" runs while the canary steps through `setWeight`/`pause` steps and
//   "has no end time, and continues until stopped or failed" — so `count` is left unset (the
//   docs' `count: 5` example, `interval: 60s`, would end the run Successful after five minutes
//   and leave the later steps unguarded); the measurement interval is the docs' `interval: 60s`;
//   the success-rate template's `successCondition: result[0] >= 0.95` and `failureLimit: 3`.
//   "Handling Metric Results": with only a successCondition, a NaN result is a Failed
//   measurement; an empty result makes `result[0]` fail to evaluate (an Error measurement).
// - https://argoproj.github.io/argo-rollouts/analysis/prometheus/ (docs/analysis/prometheus.md):
//   the latency example "checks that all returned values are under 1000ms" — the only latency
//   threshold in the docs; the P99 metric here uses it (`result[0] < 1000`, milliseconds).
// - API (pkg/apis/rollouts/v1alpha1/analysis_types.go, analysis/analysis.go): failureLimit is "the
//   maximum number of times the measurement is allowed to fail, before the entire metric is
//   considered Failed (default: 0)" — Failed once `failed > failureLimit`; consecutiveErrorLimit
//   defaults to 4 — Error once `consecutiveError > 4`. A background run that is Failed or Error
//   aborts the rollout (rollout/analysis.go: "Background analysis phase error/failed"). The run
//   starts with the rollout and measures at once (no initialDelay in the docs' template).
//
// Queries on the model's own counters: success rate = 1 − errors/requests over the last minute
// (NaN without requests), P99 = histogram_quantile over the last minute; before the candidate
// served its first request its series do not exist (an empty result).
import { CANDIDATE, ERR, READY_AT, REQ, histogramQuantile, type Outcome, type Rule, type WindowCounts } from "../sim-core";

export const ARGO = {
  steps: [10, 25, 50, 100],
  pauseSeconds: 600,
  intervalSeconds: 60,
  minSuccessRate: 0.95,
  maxP99Ms: 1000,
  failureLimit: 3,
  consecutiveErrorLimit: 4,
  metricWindowSeconds: 60,
} as const;

type Measurement = "Successful" | "Failed" | "Error";

interface MetricState {
  failed: number;
  consecutiveErrors: number;
}

export class ArgoRule implements Rule {
  readonly name = "Argo-Rollouts-style";
  weight = 0;
  outcome?: Outcome;
  private stepAt = 0;
  private readonly metrics: Record<"success-rate" | "p99", MetricState> = { "success-rate": { failed: 0, consecutiveErrors: 0 }, p99: { failed: 0, consecutiveErrors: 0 } };

  look(t: number, counts: WindowCounts): void {
    if (this.outcome || t < READY_AT) return;
    if (this.weight === 0) {
      // setWeight: 10 once the canary pods are available; the background AnalysisRun starts now.
      this.weight = ARGO.steps[0];
      this.stepAt = t;
    }
    if ((t - READY_AT) % ARGO.intervalSeconds === 0 && this.measure(t, counts)) {
      this.weight = 0;
      this.outcome = { kind: "rollback", at: t };
      return;
    }
    if (t - this.stepAt >= ARGO.pauseSeconds) {
      this.weight = ARGO.steps[ARGO.steps.indexOf(this.weight as (typeof ARGO.steps)[number]) + 1];
      this.stepAt = t;
      if (this.weight === 100) this.outcome = { kind: "promoted", at: t };
    }
  }

  /** One measurement of each metric; true when the run is now Failed or Error (abort). */
  private measure(t: number, counts: WindowCounts): boolean {
    const exists = counts.served(CANDIDATE, t) > 0;
    const w = counts.window(CANDIDATE, t - ARGO.metricWindowSeconds, t);
    const results: Record<keyof ArgoRule["metrics"], Measurement> = {
      "success-rate": !exists ? "Error" : w[REQ] === 0 ? "Failed" : 1 - w[ERR] / w[REQ] >= ARGO.minSuccessRate ? "Successful" : "Failed",
      // NaN < 1000 is false: a NaN P99 is a Failed measurement.
      p99: !exists ? "Error" : 1000 * histogramQuantile(0.99, w) < ARGO.maxP99Ms ? "Successful" : "Failed",
    };
    let abort = false;
    for (const name of Object.keys(results) as (keyof typeof results)[]) {
      const m = this.metrics[name];
      const r = results[name];
      m.consecutiveErrors = r === "Error" ? m.consecutiveErrors + 1 : 0;
      if (r === "Failed") m.failed++;
      if (m.failed > ARGO.failureLimit || m.consecutiveErrors > ARGO.consecutiveErrorLimit) abort = true;
    }
    return abort;
  }
}
