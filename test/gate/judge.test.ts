import { strict as assert } from "assert";
import { decide } from "../../stacks/gate/decide";
import { stepEffect, type ShareSample } from "../../stacks/gate/effect";
import { judgeFirstStep, judgeStep, type GateRule, type SignalEvidence, type Tally } from "../../stacks/gate/judge";
import { GateConfigError, slowBoundary } from "../../stacks/gate/slow";
import { gateRule } from "../../stacks/gate/assess";
import { canaryModel } from "../fixtures/canary";

// The defaults a model gets from the schema, so these tests judge what users run.
const RULE: GateRule = gateRule(canaryModel());

const t = (bad: number, total: number): Tally => ({ bad, total });
const signals = (c: { e: Tally; l?: Tally }, s: { e: Tally; l?: Tally }): SignalEvidence[] => [
  { signal: "errors", meaning: "failed", candidate: c.e, stable: s.e, ceilingTally: c.e },
  { signal: "latency", meaning: "slower than 250ms", candidate: c.l, stable: s.l },
];
const baked = 3600;

describe("gate verdict (judgeStep)", () => {
  it("uses the schema's defaults: alpha 0.01, bake 10m, 1.5x errors, the 14.4x fast burn", () => {
    assert.equal(RULE.alpha, 0.01);
    assert.equal(RULE.bakeSeconds, 600);
    assert.equal(RULE.errors.factor, 1.5);
    assert.equal(RULE.burn, 14.4);
    assert.ok(Math.abs(RULE.errors.budget - 0.001) < 1e-12);
  });

  it("fails a candidate serving only errors within three requests, even at a tiny share", () => {
    const at = (n: number) => judgeStep({ signals: signals({ e: t(n, n), l: t(0, n) }, { e: t(0, 10), l: t(0, 10) }), share: 0.03, elapsedSeconds: 5 }, RULE);
    assert.equal(at(1).verdict, "inconclusive");
    const failedAt = [1, 2, 3, 4, 5].find((n) => at(n).verdict === "fail");
    assert.ok(failedAt !== undefined && failedAt <= 3, `failed at ${failedAt}`);
    assert.match(at(3).reasons.join("\n"), /burns the SLO budget faster than 14.4x/);
  });

  it("fails on relative risk: 5x the stable's error rate", () => {
    const r = judgeStep({ signals: signals({ e: t(50, 1000), l: t(10, 1000) }, { e: t(90, 9000), l: t(90, 9000) }), share: 0.1, elapsedSeconds: 60 }, RULE);
    assert.equal(r.verdict, "fail");
    const errors = r.signals.find((s) => s.signal === "errors")!;
    assert.ok(errors.relativeRisk!.lower > 1.5, JSON.stringify(errors.relativeRisk));
    assert.ok(errors.failStatistic! >= errors.failThreshold!);
    assert.match(r.reasons[0], /above the tolerated 1.5x/);
  });

  it("a stable track burning the budget as fast does not excuse the candidate, and the verdict says so", () => {
    const r = judgeStep({ signals: signals({ e: t(30, 100), l: t(0, 100) }, { e: t(300, 1000), l: t(0, 1000) }), share: 0.09, elapsedSeconds: 60 }, RULE);
    assert.equal(r.verdict, "fail");
    assert.match(r.reasons.join("\n"), /stable track burns it too fast as well/);
  });

  it("passes a healthy candidate only after the bake time, with enough traffic to bound its ratios", () => {
    const healthy = (n: number, elapsed: number) =>
      judgeStep({ signals: signals({ e: t(0, n), l: t(Math.round(n * 0.3), n) }, { e: t(9, 9 * n), l: t(Math.round(9 * n * 0.3), 9 * n) }), share: 0.1, elapsedSeconds: elapsed }, RULE);
    assert.equal(healthy(50, baked).verdict, "inconclusive", "50 requests bound nothing");
    assert.equal(healthy(5000, baked).verdict, "pass");
    const early = healthy(5000, 30);
    assert.equal(early.verdict, "inconclusive");
    assert.match(early.reasons.join("\n"), /baking: 30s of 600s/);
  });

  it("never passes by default: no traffic, or nothing measured, is inconclusive", () => {
    assert.equal(judgeStep({ signals: signals({ e: t(0, 0), l: t(0, 0) }, { e: t(0, 0), l: t(0, 0) }), share: 0.1, elapsedSeconds: baked }, RULE).verdict, "inconclusive");
    const none = judgeStep({ signals: [{ signal: "errors", meaning: "failed" }, { signal: "latency", meaning: "slow" }], share: 0.1, elapsedSeconds: baked }, RULE);
    assert.equal(none.verdict, "inconclusive");
    assert.match(none.reasons.join("\n"), /can never pass/);
  });

  it("reports an unmeasured signal as such and judges the rest", () => {
    const r = judgeStep({ signals: [signals({ e: t(0, 5000) }, { e: t(9, 45000) })[0], { signal: "latency", meaning: "slow" }], share: 0.1, elapsedSeconds: baked }, RULE);
    assert.equal(r.signals[1].outcome, "unmeasured");
    assert.equal(r.verdict, "pass");
    assert.match(r.reasons.join("\n"), /never counted as a pass/);
  });

  it("before the first step: ready pods pass, failing preview traffic fails, not ready holds", () => {
    const preview = [{ signal: "errors" as const, meaning: "failed", candidate: t(4, 4), ceilingTally: t(4, 4) }];
    assert.equal(judgeFirstStep(true, [], RULE).verdict, "pass");
    assert.equal(judgeFirstStep(false, [], RULE).verdict, "inconclusive");
    const bad = judgeFirstStep(true, preview, RULE);
    assert.equal(bad.verdict, "fail");
    assert.match(bad.reasons[0], /^preview traffic: /);
  });
});

describe("when a step took effect (stepEffect)", () => {
  const series = (shares: number[], perInterval = 200): ShareSample[] => shares.map((s, i) => ({ time: 1000 + 30 * i, candidate: s * perInterval, stable: (1 - s) * perInterval }));

  it("starts the evidence where the share changed: the interval before the first one at the weight", () => {
    const e = stepEffect(series([0.1, 0.1, 0.1, 0.25, 0.24, 0.26]), 25, [10, 25, 50, 100], 30);
    assert.ok(e.inEffect);
    assert.equal(e.inEffect && e.since, 1000 + 30 * 2);
    assert.ok(e.inEffect && Math.abs(e.observedShare - 0.25) < 1e-9);
  });

  it("reports a weight that never shows up in traffic, without judging", () => {
    const e = stepEffect(series([0.1, 0.1, 0.1, 0.1]), 25, [10, 25, 50, 100], 30);
    assert.equal(e.inEffect, false);
    assert.match(!e.inEffect ? e.reason : "", /configured 25% has not shown up in traffic: the candidate took 10.0%/);
    assert.equal(stepEffect([], 25, [10, 25, 50, 100], 30).inEffect, false);
  });

  it("does not restart the bake on the noise of a quiet model", () => {
    // 4 requests an interval at 10%: an interval with no candidate request is not evidence the
    // weight went away.
    const quiet: ShareSample[] = [0, 1, 0, 0, 1, 0, 0, 0, 1].map((c, i) => ({ time: 30 * i, candidate: c, stable: 4 - c }));
    const e = stepEffect([{ time: -30, candidate: 0, stable: 400 }, ...quiet], 10, [10, 25, 50, 100], 30);
    assert.ok(e.inEffect);
    // Where exactly in the first empty intervals it began the counts cannot say; not later.
    assert.ok(e.inEffect && e.since >= -30 && e.since <= 0, JSON.stringify(e));
  });

  it("dates a quiet model's step by its change point, not by one lucky interval of the previous step", () => {
    // 10% of 18 requests a minute for 200 minutes, one interval at 5/18 (28%, above the 17.5%
    // midpoint) at minute 50, then 25% from minute 200.
    const quiet: ShareSample[] = Array.from({ length: 300 }, (_, i) => {
      const candidate = i < 200 ? (i === 50 ? 5 : i % 5 === 0 ? 1 : 2) : i % 4 === 0 ? 4 : 5;
      return { time: 60 * i, candidate, stable: 18 - candidate };
    });
    const e = stepEffect(quiet, 25, [10, 25, 50, 100], 60);
    assert.ok(e.inEffect);
    assert.equal(e.inEffect && e.since, 60 * 199);
    assert.ok(e.inEffect && Math.abs(e.observedShare - 0.264) < 0.01, JSON.stringify(e));
  });

  it("says the step began before the series when no change shows inside it", () => {
    const e = stepEffect(series([0.25, 0.25, 0.26, 0.24]), 25, [10, 25, 50, 100], 30);
    assert.ok(e.inEffect);
    assert.equal(e.inEffect && e.since, 1000 - 30, "the first interval's start: the caller looks further back");
  });
});

describe("what is slow (slowBoundary)", () => {
  const bounds = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
  it("takes the boundary just below the stable p99, so a slowdown within its bucket still counts", () => {
    assert.equal(slowBoundary(bounds, 0.12, undefined, "m"), 0.1);
    assert.equal(slowBoundary(bounds, 0.005, undefined, "m"), 0.01);
    assert.equal(slowBoundary(bounds, undefined, undefined, "m"), undefined);
  });
  it("accepts a configured threshold only on a boundary, naming the nearest ones", () => {
    assert.equal(slowBoundary(bounds, 0.12, 250, "m"), 0.25);
    assert.throws(() => slowBoundary(bounds, 0.12, 300, "m"), (e: Error) => e instanceof GateConfigError && /nearest: 250 or 500 ms/.test(e.message));
  });
});

describe("verdict to action (decide)", () => {
  it("promotes on pass, rolls back on fail, holds otherwise; a stall holds or rolls back as configured", () => {
    assert.equal(decide({ verdict: "pass", stalled: false, reasons: [] }, "hold").action, "promote");
    assert.equal(decide({ verdict: "fail", stalled: false, reasons: [] }, "hold").action, "rollback");
    assert.equal(decide({ verdict: "inconclusive", stalled: false, reasons: [] }, "rollback").action, "hold");
    assert.equal(decide({ verdict: "inconclusive", stalled: true, reasons: [] }, "hold").action, "hold");
    assert.match(decide({ verdict: "inconclusive", stalled: true, reasons: [] }, "hold").why, /stalled/);
    assert.equal(decide({ verdict: "inconclusive", stalled: true, reasons: [] }, "rollback").action, "rollback");
  });
});
