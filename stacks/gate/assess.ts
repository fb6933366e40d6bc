// The assessment of one model's current step: which questions the gate asks its evidence source
// and in what order. The source is an interface — Prometheus in production (evidence.ts), the
// simulated streams in test/bench — so the benchmark measures this very code, not a copy.
import { durationSeconds, otherColour, type Colour, type ModelConfig } from "../../components/config/schema";
import { atTopBucket } from "../../components/monitoring/quantile";
import { BURN_WINDOWS } from "../../components/monitoring/slo";
import { signalsOf, type TrackCounts } from "./counts";
import { stepEffect, type StepEffect } from "./effect";
import { judgeFirstStep, judgeStep, type GateResult, type GateRule } from "./judge";
import { slowBoundary } from "./slow";

/** One track's current version: only its requests count as that track's evidence. */
export interface TrackRef {
  track: Colour;
  version: string;
}

export interface EvidenceSource {
  /** Requests of `t` counted over `windowSeconds` up to each of start, start + step, …, end. */
  requestSeries(t: TrackRef, start: number, end: number, step: number, windowSeconds: number): Promise<{ time: number; value: number }[]>;
  /** Counts of `t` over the `windowSeconds` up to `at`; a field is undefined where the preset cannot measure it. */
  counts(t: TrackRef, windowSeconds: number, at: number, slowSeconds?: number, sloSeconds?: number): Promise<TrackCounts>;
  /** The latency histogram's bucket boundaries in seconds, ascending; [] without a histogram. */
  latencyBounds(t: TrackRef, at: number): Promise<number[]>;
  latencyQuantile(t: TrackRef, q: number, windowSeconds: number, at: number): Promise<number | undefined>;
  /** A scraped target of `t` answers and, where the preset says so, reports the model loaded. */
  ready(t: TrackRef, at: number): Promise<boolean>;
}

/** The gate's settings for a model, from its config (one place, for `analyze`, `advance` and the simulator). */
export function gateRule(model: Pick<ModelConfig, "monitoring" | "rollout">): GateRule {
  const { canary, slo } = model.monitoring;
  const r = model.rollout;
  return {
    alpha: r.alpha,
    // The SLO's fast-burn page (the first burn window): a candidate burning that fast fails alone.
    burn: BURN_WINDOWS[0].burn,
    bakeSeconds: durationSeconds(r.bake),
    errors: { factor: canary.errorFactor, margin: canary.errorMargin, budget: 1 - slo.availability / 100 },
    latency: { factor: r.slowFactor, margin: r.slowMargin, budget: 1 - slo.latency.quantile },
  };
}

export interface Assessment {
  model: string;
  candidate: Colour;
  stable: Colour;
  candidateVersion: string;
  stableVersion: string;
  /** The candidate's configured weight. */
  weight: number;
  phase: "first-step" | "canary";
  verdict: GateResult["verdict"];
  reasons: string[];
  /** When the step took effect (canary phase), or why it has not. */
  effect?: StepEffect;
  /** Seconds the step has been in effect. */
  elapsedSeconds?: number;
  /** In effect for longer than `rollout.maxInconclusive` without a verdict. */
  stalled: boolean;
  /** What "slow" meant for the latency signal, in seconds. */
  slowThresholdSeconds?: number;
  /**
   * The stable track's p99 over the step, which "slow" is derived from unless configured.
   * `atLeast`: it sits at the histogram's top finite bucket (`topSeconds`), where
   * histogram_quantile caps it, so the true p99 is that or more (components/monitoring/quantile.ts).
   */
  stableP99?: { seconds: number; atLeast: boolean; topSeconds?: number };
  gate: GateResult;
}

/** How far back the share series may reach to find where a held step began (a week). */
export const MAX_LOOKBACK_SECONDS = 7 * 86_400;

/** The scrape interval in seconds: the resolution of the share series. */
export function scrapeSeconds(model: Pick<ModelConfig, "monitoring">): number {
  const m = /^(\d+)(s|m)$/.exec(model.monitoring.scrape.interval);
  return m ? Math.max(1, Number(m[1]) * (m[2] === "m" ? 60 : 1)) : 30;
}

/** Where the current step began, looking further back while the series starts inside the step. */
async function findStepStart(source: EvidenceSource, model: ModelConfig, cand: TrackRef, stable: TrackRef, now: number, lookback: number): Promise<StepEffect> {
  const interval = scrapeSeconds(model);
  const weight = model.tracks[cand.track].weight;
  // Bounded: the look-back grows fourfold per round, up to a week (at most 6 rounds).
  for (let round = 0; ; round++) {
    // Non-overlapping intervals (window = step), each spanning at least two scrapes so that
    // `increase` has two samples; Prometheus answers at most 11,000 points per series.
    const step = Math.max(2 * interval, Math.ceil(lookback / 10_000));
    const start = now - lookback;
    const [c, s] = await Promise.all([cand, stable].map((t) => source.requestSeries(t, start, now, step, step)));
    const byTime = new Map<number, { candidate: number; stable: number }>();
    for (const [series, key] of [
      [c, "candidate"],
      [s, "stable"],
    ] as const) {
      for (const p of series) {
        const e = byTime.get(p.time) ?? { candidate: 0, stable: 0 };
        e[key] += Math.max(0, p.value);
        byTime.set(p.time, e);
      }
    }
    const effect = stepEffect([...byTime].map(([time, e]) => ({ time, ...e })), weight, model.steps, step);
    // The step began before the series did: the evidence would slide instead of growing.
    const startsAtEdge = effect.inEffect && effect.since <= start;
    if (!startsAtEdge || lookback >= MAX_LOOKBACK_SECONDS || round >= 6) return effect;
    lookback = Math.min(MAX_LOOKBACK_SECONDS, lookback * 4);
  }
}

/**
 * Assesses the current step of a model mid-rollout (candidate at 0 before its first step, or
 * between 0 and 100). Errors of the source (Prometheus unreachable) propagate: no verdict then.
 */
export async function assessStep(source: EvidenceSource, model: ModelConfig, now: number): Promise<Assessment> {
  const stableColour = model.stable;
  const candColour = otherColour(stableColour);
  const cand: TrackRef = { track: candColour, version: model.tracks[candColour].version };
  const stable: TrackRef = { track: stableColour, version: model.tracks[stableColour].version };
  const rule = gateRule(model);
  const weight = model.tracks[candColour].weight;
  const interval = scrapeSeconds(model);
  const lookback = durationSeconds(model.rollout.maxInconclusive) + rule.bakeSeconds + 2 * interval;
  const base = { model: model.name, candidate: candColour, stable: stableColour, candidateVersion: cand.version, stableVersion: stable.version, weight, stalled: false };
  const sloWanted = model.monitoring.slo.latency.thresholdMs / 1000;
  const onBoundary = (bounds: number[]) => (bounds.some((b) => Math.abs(b - sloWanted) <= 1e-9 * sloWanted) ? sloWanted : undefined);

  if (weight === 0) {
    // Before the first step: readiness, and the candidate's own SLO ceiling on preview traffic.
    const [ready, bounds] = await Promise.all([source.ready(cand, now), source.latencyBounds(cand, now)]);
    const sloSeconds = onBoundary(bounds);
    const counts = await source.counts(cand, Math.ceil(lookback), now, undefined, sloSeconds);
    const preview = signalsOf(counts, undefined, undefined, sloSeconds).filter((s) => s.candidate || s.ceilingTally);
    const gate = judgeFirstStep(ready, preview, rule);
    return { ...base, phase: "first-step", verdict: gate.verdict, reasons: gate.reasons, gate };
  }

  const effect = await findStepStart(source, model, cand, stable, now, lookback);
  if (!effect.inEffect) {
    const gate: GateResult = { verdict: "inconclusive", signals: [], reasons: [effect.reason] };
    return { ...base, phase: "canary", verdict: "inconclusive", reasons: gate.reasons, effect, gate };
  }
  const elapsed = Math.max(0, now - effect.since);
  const window = Math.max(2 * interval, Math.ceil(elapsed));
  // What "slow" means: configured, or the bucket boundary just below stable's p99 in this window.
  const [bounds, stableP99] = await Promise.all([source.latencyBounds(stable, now), source.latencyQuantile(stable, 0.99, window, now)]);
  const slowSeconds = slowBoundary(bounds, stableP99, model.rollout.slowThresholdMs, model.name);
  // The boundaries Prometheus reports are the ones histogram_quantile used: its cap is the last.
  const topSeconds = bounds.length > 0 ? bounds[bounds.length - 1] : undefined;
  const stableP99Report = stableP99 === undefined ? undefined : { seconds: stableP99, atLeast: atTopBucket(stableP99, topSeconds), ...(topSeconds === undefined ? {} : { topSeconds }) };
  const sloSeconds = onBoundary(bounds);
  const [c, s] = await Promise.all([source.counts(cand, window, now, slowSeconds, sloSeconds), source.counts(stable, window, now, slowSeconds)]);
  const gate = judgeStep({ signals: signalsOf(c, s, slowSeconds, sloSeconds), share: effect.observedShare, elapsedSeconds: elapsed }, rule);
  const stalled = gate.verdict === "inconclusive" && elapsed >= durationSeconds(model.rollout.maxInconclusive);
  const reasons = stalled ? [...gate.reasons, `stalled: no verdict after ${Math.round(elapsed)}s at ${weight}% (rollout.maxInconclusive ${model.rollout.maxInconclusive})`] : gate.reasons;
  return { ...base, phase: "canary", verdict: gate.verdict, reasons, effect, elapsedSeconds: elapsed, stalled, slowThresholdSeconds: slowSeconds, ...(stableP99Report ? { stableP99: stableP99Report } : {}), gate };
}
