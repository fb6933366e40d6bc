// A Flagger-style canary analysis, as Flagger documents and implements it, applied to the
// simulated counts. Nothing here is tuned by us; every number comes from Flagger's docs:
//
// - https://docs.flagger.app/usage/metrics (docs/gitbook/usage/metrics.md): the builtin checks
//   `request-success-rate` (non-5xx share, percent, `thresholdRange.min: 99`, `interval: 1m`) and
//   `request-duration` (P99 in milliseconds, `thresholdRange.max: 500`, `interval: 1m`).
// - https://docs.flagger.app/usage/deployment-strategies (Canary Release): `interval` is the
//   schedule (default 60s, examples use 1m); `threshold` is the "max number of failed metric
//   checks before rollback"; weights advance one step per successful run; `stepWeights` gives an
//   explicit list of weights ("performs analysis starting from 1, going through stepWeights
//   values till 80 … promotion"). We use stepWeights [10, 25, 50] (our steps) and promotion.
// - https://docs.flagger.app/tutorials/istio-progressive-delivery: the example Canary uses
//   `threshold: 5` with `interval: 1m` — the value used here.
// - "no values found": Flagger's Prometheus provider returns ErrNoValuesFound for an empty
//   result or a NaN value (fluxcd/flagger pkg/metrics/providers/prometheus.go, RunQuery), the
//   builtin check then "Halt advancement no values found … probably … not receiving traffic"
//   and returns false (pkg/controller/scheduler_metrics.go), and a false analysis increments
//   the failed checks (pkg/controller/scheduler.go: `SetStatusFailedChecks(cd,
//   cd.Status.FailedChecks+1)`). Failed checks are never reset during an analysis; the rollback
//   test (`FailedChecks >= GetAnalysisThreshold()`) runs at the start of the next tick, before
//   that tick's analysis. The first tick at weight 0 only runs pre-rollout hooks and sets the
//   first step; when the weight has reached maxWeight, a successful check promotes.
//   Issue fluxcd/flagger#1035 reports exactly this on an idle canary: the deployment fails.
//
// The success rate is computed on the model's own counters (1 − errors/requests over the last
// minute, the builtin's meaning with the modelship preset), the P99 by histogram_quantile over
// the model's latency histogram.
import { CANDIDATE, ERR, INTERVAL, READY_AT, REQ, histogramQuantile, type Outcome, type Rule, type WindowCounts } from "../sim-core";

export const FLAGGER = {
  intervalSeconds: 60,
  threshold: 5,
  stepWeights: [10, 25, 50],
  minSuccessRatePercent: 99,
  maxDurationMs: 500,
  metricWindowSeconds: 60,
} as const;

export class FlaggerRule implements Rule {
  readonly name = "Flagger-style";
  weight = 0;
  outcome?: Outcome;
  failedChecks = 0;
  private started = false;

  look(t: number, counts: WindowCounts): void {
    if (this.outcome || t < READY_AT || (t - READY_AT) % FLAGGER.intervalSeconds !== 0) return;
    if (t % INTERVAL !== 0) throw new Error("looks must fall on the simulation grid");
    if (!this.started) {
      // "Starting canary analysis": pre-rollout hooks, then the first step; no metric check.
      this.started = true;
      this.weight = FLAGGER.stepWeights[0];
      return;
    }
    if (this.failedChecks >= FLAGGER.threshold) {
      this.weight = 0;
      this.outcome = { kind: "rollback", at: t };
      return;
    }
    if (!this.checksPass(t, counts)) {
      this.failedChecks++;
      return;
    }
    const maxWeight = FLAGGER.stepWeights[FLAGGER.stepWeights.length - 1];
    if (this.weight < maxWeight) this.weight = FLAGGER.stepWeights.find((w) => w > this.weight)!;
    else this.outcome = { kind: "promoted", at: t };
  }

  /** Both builtin checks over the last minute; a query with no value fails the run ("no values found"). */
  private checksPass(t: number, counts: WindowCounts): boolean {
    const w = counts.window(CANDIDATE, t - FLAGGER.metricWindowSeconds, t);
    if (w[REQ] === 0) return false;
    const successPercent = 100 * (1 - w[ERR] / w[REQ]);
    if (successPercent < FLAGGER.minSuccessRatePercent) return false;
    const p99ms = 1000 * histogramQuantile(0.99, w);
    if (Number.isNaN(p99ms)) return false;
    return p99ms <= FLAGGER.maxDurationMs;
  }
}
