import { strict as assert } from "assert";
import { assessStep, MAX_LOOKBACK_SECONDS, type EvidenceSource, type TrackRef } from "../../stacks/gate/assess";
import { PASS_PRIOR } from "../../stacks/gate/judge";
import { rateInterval, UNIFORM } from "../../stacks/gate/sequential";
import { canaryModel } from "../fixtures/canary";

const model = (weight: number, rollout: Record<string, unknown> = {}) => canaryModel({ weight, rollout });

/**
 * A steady world: each track's version gets `rate` requests a second from `since` on (before it,
 * the candidate had none), errors at `errorRate`; the candidate's requests exist only for its
 * version. Records the windows it was asked about.
 */
function world(opts: { since: number; rates: Record<string, number>; errorRate: Record<string, number>; ready?: boolean }) {
  const asked: { series: { start: number; end: number }[]; windows: number[] } = { series: [], windows: [] };
  const key = (t: TrackRef) => `${t.track}@${t.version}`;
  const requestsBetween = (t: TrackRef, from: number, to: number) => {
    const rate = opts.rates[key(t)] ?? 0;
    const start = t.track === "green" ? Math.max(from, opts.since) : from;
    return Math.max(0, to - start) * rate;
  };
  const source: EvidenceSource = {
    async requestSeries(t, start, end, step, window) {
      asked.series.push({ start, end });
      const out = [];
      for (let time = start; time <= end; time += step) out.push({ time, value: requestsBetween(t, time - window, time) });
      return out;
    },
    async counts(t, window, at) {
      asked.windows.push(window);
      const requests = requestsBetween(t, at - window, at);
      return { requests, errors: requests * (opts.errorRate[key(t)] ?? 0) };
    },
    async latencyBounds() {
      return [];
    },
    async latencyQuantile() {
      return undefined;
    },
    async ready() {
      return opts.ready ?? true;
    },
  };
  return { source, asked };
}

const NOW = 10_000_000;

describe("assessing a step (assessStep over an evidence source)", () => {
  it("finds the start of a step held for hours beyond the first look-back, so evidence keeps growing", async () => {
    // 10% of 2 req/s for 5 hours: the default look-back (1h + 10m + 1m) starts inside the step.
    const since = NOW - 5 * 3600;
    const w = world({ since, rates: { "green@2": 0.2, "blue@1": 1.8 }, errorRate: {} });
    const a = await assessStep(w.source, model(10), NOW);
    assert.ok(a.effect?.inEffect, JSON.stringify(a.effect));
    assert.ok(Math.abs(a.elapsedSeconds! - 5 * 3600) <= 2 * 30 * 4, `elapsed ${a.elapsedSeconds}`);
    assert.ok(w.asked.series.length >= 2, "looked further back");
    assert.ok(Math.min(...w.asked.series.map((s) => s.start)) >= NOW - MAX_LOOKBACK_SECONDS);
    // ~3,600 error-free candidate requests bound it below tolerance: a quiet model does pass.
    assert.equal(a.verdict, "pass", a.reasons.join("\n"));
  });

  it("judges only since the step took effect, and fails a candidate with 5x the errors", async () => {
    const since = NOW - 1800;
    const w = world({ since, rates: { "green@2": 2, "blue@1": 18 }, errorRate: { "green@2": 0.05, "blue@1": 0.01 } });
    const a = await assessStep(w.source, model(10), NOW);
    assert.equal(a.verdict, "fail", a.reasons.join("\n"));
    assert.ok(Math.max(...w.asked.windows) <= 1800 + 2 * 30, `counted over ${Math.max(...w.asked.windows)}s`);
  });

  it("reports a weight that traffic does not show, and holds without judging", async () => {
    const w = world({ since: NOW + 1, rates: { "green@2": 0.2, "blue@1": 1.8 }, errorRate: { "green@2": 1 } });
    const a = await assessStep(w.source, model(10), NOW);
    assert.equal(a.verdict, "inconclusive");
    assert.equal(a.effect?.inEffect, false);
    assert.equal(a.gate.signals.length, 0, "nothing judged");
  });

  it("stalls after rollout.maxInconclusive in effect without a verdict", async () => {
    // Errors on both tracks at a rate the test cannot separate quickly: no pass, no fail.
    const w = world({ since: NOW - 7200, rates: { "green@2": 0.2, "blue@1": 1.8 }, errorRate: { "green@2": 0.02, "blue@1": 0.02 } });
    const a = await assessStep(w.source, model(10, { maxInconclusive: "1h" }), NOW);
    assert.equal(a.verdict, "inconclusive");
    assert.equal(a.stalled, true);
    assert.match(a.reasons.join("\n"), /stalled: no verdict after \d+s at 10% \(rollout.maxInconclusive 1h\)/);
  });

  it("before the first step: ready pods pass, unready ones hold", async () => {
    assert.equal((await assessStep(world({ since: NOW, rates: {}, errorRate: {} }).source, model(0), NOW)).verdict, "pass");
    assert.equal((await assessStep(world({ since: NOW, rates: {}, errorRate: {}, ready: false }).source, model(0), NOW)).verdict, "inconclusive");
  });

  it("the pass prior bounds a healthy 0.1% candidate below 0.57% with far fewer requests than the uniform one", () => {
    const needed = (prior: typeof UNIFORM) => {
      for (let n = 100; n <= 20_000; n += 50) if (rateInterval(Math.round(n * 0.001), n, 0.01, prior).upper < 0.0057) return n;
      return Infinity;
    };
    assert.ok(needed(PASS_PRIOR) <= 2400, `PASS_PRIOR needs ${needed(PASS_PRIOR)}`);
    assert.ok(needed(UNIFORM) >= 3500, `UNIFORM needs ${needed(UNIFORM)}`);
  });
});
