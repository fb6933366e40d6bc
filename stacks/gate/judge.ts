// The canary gate's decision (pure): candidate against stable on cumulative counts since the
// current step took effect, with anytime-valid confidence sequences (./sequential.ts), so the
// gate may look every few seconds without inflating its false-alarm rate.
//
// Per signal (errors; slow requests) it asks three questions, each at its own share of α:
//   fail, relative — is the candidate's rate above `factor` × the stable's? (relative risk)
//   fail, ceiling  — is the candidate burning the SLO's budget faster than `burn` × sustainable,
//                    whatever stable does? (a bad stable must not excuse a bad candidate)
//   pass           — is the candidate's rate shown to be below the tolerance
//                    max(factor × stable, stable + margin, SLO budget) (stable's lower bound,
//                    so stable's noise never loosens the tolerance), or its relative risk below
//                    `factor`?
// Nothing else passes: a signal without evidence either way is inconclusive, and one the
// preset cannot measure is "unmeasured", which never counts as a pass.
import { rateInterval, relativeRiskInterval, logEvidenceAgainst, type BetaPrior, type Interval } from "./sequential";

/**
 * The mixing prior of the bound a pass rests on. Bad events are rare (0.1% errors), and a
 * mixture pays for the prior mass it puts far from the truth: Beta(0.25, 1) keeps most mass near
 * 0, so bounding a healthy candidate below a 0.57% tolerance takes ~2,300 requests instead of
 * ~3,900 with the uniform prior (measured in test/gate/assess.test.ts). Any prior fixed in advance
 * keeps the confidence sequence valid; only its width changes.
 */
export const PASS_PRIOR: BetaPrior = { a: 0.25, b: 1 };

export type Verdict = "pass" | "fail" | "inconclusive" | "error";
export const VERDICT_EXIT: Record<Verdict, number> = { pass: 0, fail: 1, inconclusive: 2, error: 3 };

export type SignalName = "errors" | "latency";
export type Outcome = "pass" | "fail" | "inconclusive" | "unmeasured";

/** Bad events among all events of one track for one signal (errors/requests, slow/observed). */
export interface Tally {
  bad: number;
  total: number;
}

/** One signal's evidence; `undefined` tallies mean the preset cannot measure it. */
export interface SignalEvidence {
  signal: SignalName;
  candidate?: Tally;
  stable?: Tally;
  /** The candidate's bad events against the SLO's own bound (errors: the same; latency: slower than the SLO threshold). */
  ceilingTally?: Tally;
  /** What one bad event is, for the report (e.g. "slower than 250ms"). */
  meaning: string;
}

export interface SignalRule {
  /** Tolerated relative risk (candidate rate / stable rate). */
  factor: number;
  /** Tolerated absolute excess over stable's rate. */
  margin: number;
  /** The SLO's budget of bad events (1 − target). */
  budget: number;
}

export interface GateRule {
  /** Bound on the chance that a healthy candidate fails a step, over every look at it. */
  alpha: number;
  /** The burn rate (× budget) above which the candidate fails on its own (the SLO's fast-burn page). */
  burn: number;
  errors: SignalRule;
  latency: SignalRule;
  bakeSeconds: number;
}

export interface GateInput {
  signals: SignalEvidence[];
  /** The candidate's observed share of requests over the evidence window (0..1). */
  share: number;
  /** Seconds since the step took effect. */
  elapsedSeconds: number;
}

export interface SignalReport {
  signal: SignalName;
  outcome: Outcome;
  meaning: string;
  candidate?: Tally & { ratio: number; interval: Interval };
  stable?: Tally & { ratio: number; interval: Interval };
  /** Candidate rate / stable rate, anytime-valid interval. */
  relativeRisk?: Interval;
  /** The rate a pass must bound the candidate below. */
  tolerance?: number;
  /** The candidate's own ceiling (burn × budget). */
  ceiling?: number;
  /** ln of the strongest evidence that the candidate is worse (relative or ceiling) … */
  failStatistic?: number;
  /** … and what it must reach to fail: ln(1/α_test). */
  failThreshold?: number;
  reasons: string[];
}

export interface GateResult {
  verdict: Exclude<Verdict, "error">;
  signals: SignalReport[];
  reasons: string[];
}

const pct = (x: number) => `${(100 * x).toPrecision(3)}%`;
const ratioOf = (t: Tally) => (t.total > 0 ? t.bad / t.total : 0);

/** The shares of α: two fail tests per measured signal split α, so α bounds a false fail per step. */
function failAlpha(rule: GateRule, measured: number): number {
  return rule.alpha / Math.max(1, 2 * measured);
}

function judgeSignal(e: SignalEvidence, rule: SignalRule, g: GateRule, share: number, alphaFail: number): SignalReport {
  const { signal, meaning } = e;
  if (!e.candidate || !e.stable) return { signal, meaning, outcome: "unmeasured", reasons: [`${signal}: the preset does not measure ${meaning}; not judged, and never counted as a pass`] };
  const [c, s] = [e.candidate, e.stable];
  const cI = rateInterval(c.bad, c.total, g.alpha, PASS_PRIOR);
  const sI = rateInterval(s.bad, s.total, g.alpha);
  const report: SignalReport = {
    signal,
    meaning,
    outcome: "inconclusive",
    candidate: { ...c, ratio: ratioOf(c), interval: cI },
    stable: { ...s, ratio: ratioOf(s), interval: sI },
    reasons: [],
  };
  const threshold = Math.log(1 / alphaFail);
  report.failThreshold = threshold;

  // Relative: among the bad events, is the candidate's part larger than its share allows at `factor`?
  const relFail = share > 0 && share < 1 ? relativeRiskInterval(c.bad, s.bad, share, alphaFail) : undefined;
  const relPass = share > 0 && share < 1 ? relativeRiskInterval(c.bad, s.bad, share, g.alpha) : undefined;
  report.relativeRisk = relPass;
  const pAtFactor = (share * rule.factor) / (share * rule.factor + 1 - share);
  const relStat = relFail && c.bad + s.bad > 0 && c.bad / (c.bad + s.bad) > pAtFactor ? logEvidenceAgainst(pAtFactor, c.bad, c.bad + s.bad) : 0;

  // Ceiling: the candidate alone against burn × budget.
  const ceilingTally = e.ceilingTally;
  const ceiling = Math.min(1, g.burn * rule.budget);
  report.ceiling = ceiling;
  const ceilI = ceilingTally ? rateInterval(ceilingTally.bad, ceilingTally.total, alphaFail) : undefined;
  const ceilStat = ceilingTally && ceiling < 1 && ratioOf(ceilingTally) > ceiling ? logEvidenceAgainst(ceiling, ceilingTally.bad, ceilingTally.total) : 0;
  report.failStatistic = Math.max(relStat, ceilStat);

  const fails: string[] = [];
  if (relFail && relFail.lower > rule.factor) {
    fails.push(
      `${signal}: candidate ${pct(ratioOf(c))} ${meaning} (${fmtCount(c)}) against stable ${pct(ratioOf(s))} (${fmtCount(s)}): its rate is at least ${relFail.lower.toPrecision(3)}x the stable's, above the tolerated ${rule.factor}x (evidence ${relStat.toFixed(2)} >= ${threshold.toFixed(2)})`,
    );
  }
  if (ceilI && ceilingTally && ceilI.lower > ceiling) {
    const stableToo = sI.lower > ceiling ? "; the stable track burns it too fast as well, which does not excuse the candidate" : "";
    fails.push(
      `${signal}: candidate burns the SLO budget faster than ${g.burn}x: at least ${pct(ceilI.lower)} ${e.signal === "latency" ? "over the SLO threshold" : meaning} (${fmtCount(ceilingTally)}) against a ceiling of ${pct(ceiling)} (evidence ${ceilStat.toFixed(2)} >= ${threshold.toFixed(2)})${stableToo}`,
    );
  }
  if (fails.length > 0) return { ...report, outcome: "fail", reasons: fails };

  const tolerance = Math.min(1, Math.max(rule.factor * sI.lower, sI.lower + rule.margin, rule.budget));
  report.tolerance = tolerance;
  const boundedAbsolute = cI.upper < tolerance;
  const boundedRelative = relPass !== undefined && relPass.upper < rule.factor;
  if (boundedAbsolute || boundedRelative) {
    report.outcome = "pass";
    report.reasons = [
      boundedRelative
        ? `${signal}: candidate's rate is at most ${relPass!.upper.toPrecision(3)}x the stable's (tolerated ${rule.factor}x)`
        : `${signal}: candidate's ${meaning} ratio is at most ${pct(cI.upper)} (${fmtCount(c)}), below the tolerance ${pct(tolerance)}`,
    ];
    return report;
  }
  report.reasons = [
    `${signal}: not enough evidence yet — candidate ${pct(ratioOf(c))} ${meaning} (${fmtCount(c)}, at most ${pct(cI.upper)}), must be shown below ${pct(tolerance)}`,
  ];
  return report;
}

const fmtCount = (t: Tally) => `${round(t.bad)}/${round(t.total)}`;
const round = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1));

/**
 * The verdict on one step. Fail as soon as any signal fails (whatever the bake time); pass only
 * when every measured signal passes, at least one is measured, and the bake time has elapsed.
 */
export function judgeStep(input: GateInput, rule: GateRule): GateResult {
  const measured = input.signals.filter((s) => s.candidate && s.stable).length;
  const alphaFail = failAlpha(rule, measured);
  const signals = input.signals.map((e) => judgeSignal(e, e.signal === "errors" ? rule.errors : rule.latency, rule, input.share, alphaFail));
  const outcomes = signals.map((s) => s.outcome);
  const reasons = signals.flatMap((s) => s.reasons);
  if (outcomes.includes("fail")) return { verdict: "fail", signals, reasons: signals.filter((s) => s.outcome === "fail").flatMap((s) => s.reasons) };
  if (measured === 0) return { verdict: "inconclusive", signals, reasons: [...reasons, "no signal is measured for this model: the gate can never pass it; promote by hand after checking it yourself"] };
  const allPass = signals.every((s) => s.outcome === "pass" || s.outcome === "unmeasured");
  if (allPass && input.elapsedSeconds < rule.bakeSeconds) {
    return { verdict: "inconclusive", signals, reasons: [...reasons, `baking: ${Math.floor(input.elapsedSeconds)}s of ${rule.bakeSeconds}s at this step`] };
  }
  return { verdict: allPass ? "pass" : "inconclusive", signals, reasons };
}

/**
 * Before the first step nobody has seen the candidate: it needs its pods ready, and where preview
 * or mirror traffic reached it, no failing evidence against its own SLO ceiling.
 */
export function judgeFirstStep(ready: boolean, preview: SignalEvidence[], rule: GateRule): GateResult {
  const alphaFail = failAlpha(rule, preview.length);
  // Preview traffic has no stable counterpart: only the ceiling test applies.
  const signals = preview.map((e) =>
    judgeSignal({ ...e, stable: e.candidate ? { bad: 0, total: 0 } : undefined }, e.signal === "errors" ? rule.errors : rule.latency, rule, 0, alphaFail),
  );
  const failing = signals.filter((s) => s.outcome === "fail");
  if (failing.length > 0) return { verdict: "fail", signals, reasons: failing.flatMap((s) => s.reasons.map((r) => `preview traffic: ${r}`)) };
  if (!ready) return { verdict: "inconclusive", signals, reasons: ["the candidate's pods are not ready (no scraped target of its version reports the model loaded)"] };
  // Ready, and nothing against it: a first step needs no live-traffic verdict.
  return { verdict: "pass", signals: signals.map((s) => ({ ...s, outcome: s.outcome === "unmeasured" ? s.outcome : "pass" })), reasons: ["first step: the candidate's pods are ready and no preview traffic speaks against it"] };
}
