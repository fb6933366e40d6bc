// A small fixed-seed run of the release-gate simulator (test/bench/gate-sim.ts): modelship's gate —
// stacks/gate/assess.ts#assessStep itself, asking a simulated EvidenceSource — on simulated
// rollouts. Qualitative behaviour only (who rolls back, who promotes, within how many requests),
// never wall time.
import { strict as assert } from "assert";
import { assessStep } from "../../stacks/gate/assess";
import { OracleSprtRule, PRODUCTION_EVERY_SECONDS, QUICK, SequentialGateRule, runPerRequest, runRollout, scenarioSeed, scenarios, setupFor, simulatedSource, type Scenario } from "../bench/gate-sim";
import { BinCounts, BOUNDS, BUCKET0, CANDIDATE, FIELDS, INTERVAL, REQ, Stream, histogramQuantile } from "../bench/sim-core";

const byKey = (key: string): Scenario => scenarios(QUICK).find((s) => s.key === key)!;
const gateOnly = async (sc: Scenario, run: number, every?: number) => (await runRollout(sc, scenarioSeed(sc, run), [new SequentialGateRule(setupFor(sc), every)]))[0];

describe("release gate simulator", () => {
  it("computes histogram_quantile as Prometheus does", () => {
    const w = new Float64Array(FIELDS);
    w[REQ] = 100;
    w[BUCKET0 + BOUNDS.indexOf(0.05)] = 90;
    w[BUCKET0 + BOUNDS.indexOf(0.25)] = 10;
    // rank 99 lies 9/10 into (0.1, 0.25]: interpolated linearly.
    assert.ok(Math.abs(histogramQuantile(0.99, w) - (0.1 + 0.15 * 0.9)) < 1e-12);
    assert.ok(Number.isNaN(histogramQuantile(0.99, new Float64Array(FIELDS))));
    const inf = new Float64Array(FIELDS);
    inf[REQ] = 1;
    inf[BUCKET0 + BOUNDS.length] = 1;
    assert.equal(histogramQuantile(0.99, inf), BOUNDS[BOUNDS.length - 1]);
  });

  it("answers assessStep's questions from the simulated counts", async () => {
    const sc = byKey("healthy-20");
    const stream = new Stream(scenarioSeed(sc, 0), sc.traffic, [sc.candidate, sc.stable]);
    const counts = new BinCounts(40);
    for (let k = 0; k < 40; k++) {
      stream.bin(k);
      counts.addBin(stream, k < 10 ? 0 : 10);
    }
    const source = simulatedSource(counts, "green", 60, INTERVAL);
    const green = { track: "green" as const, version: "2" };
    const blue = { track: "blue" as const, version: "1" };
    // Series points: requests over the window up to each time, none before the simulation began.
    const series = await source.requestSeries(green, -60, 1200, 30, 60);
    assert.equal(series[0].time, 30);
    assert.equal(series.find((p) => p.time === 600)!.value, counts.requests(CANDIDATE, 540, 600));
    // A time between two scrapes sees the counts up to the last one.
    assert.deepEqual(await source.counts(green, 300, 1215), await source.counts(green, 300, 1200));
    const c = await source.counts(green, 900, 1200, 0.1, 0.25);
    assert.equal(c.requests, counts.requests(CANDIDATE, 300, 1200));
    assert.ok(c.fast! <= c.withinSlo! && c.withinSlo! <= c.observed!);
    assert.equal(await source.ready(green, 59), false);
    assert.equal(await source.ready(green, 60), true);
    assert.ok((await source.latencyQuantile(blue, 0.99, 600, 1200))! > 0.1);
    // And assessStep runs on it: the 10% step took effect at 300 s; the first point whose 60 s
    // window shows the share (330 s or 360 s) dates it to the interval before that point.
    const gate = new SequentialGateRule(setupFor(sc));
    const a = await assessStep(source, gate.modelAt(10), 1200);
    assert.equal(a.phase, "canary");
    assert.ok(a.effect?.inEffect && [300, 330].includes(a.effect.since), JSON.stringify(a.effect));
  });

  it("rolls back 100% errors on a quiet model within a few candidate requests", async () => {
    const b = byKey("b");
    for (let run = 0; run < 5; run++) {
      const every = await runPerRequest(b, scenarioSeed(b, run));
      assert.equal(every.kind, "rollback", `per-request run ${run}`);
      assert.ok(every.candidateRequests <= 5, `per-request run ${run}: ${every.candidateRequests} candidate requests`);
      const looks = await gateOnly(b, run);
      assert.equal(looks.kind, "rollback", `30 s looks, run ${run}`);
      assert.ok(looks.candidateRequests <= 10, `30 s looks, run ${run}: ${looks.candidateRequests} candidate requests`);
    }
  });

  it("detects 5x the stable's error rate at 20 req/s within the horizon, at either baseline", async () => {
    for (const key of ["a", "a-noisy"]) {
      const a = byKey(key);
      for (let run = 0; run < 3; run++) assert.equal((await gateOnly(a, run)).kind, "rollback", `${key}, run ${run}`);
    }
  });

  it("the oracle SPRT catches (a) and never promotes", async () => {
    const a = byKey("a-noisy");
    for (let run = 0; run < 3; run++) {
      const [r] = await runRollout(a, scenarioSeed(a, run), [new OracleSprtRule(5, 0.1)]);
      assert.equal(r.kind, "rollback", `run ${run}`);
    }
    const healthy = { ...byKey("healthy-20"), horizonSeconds: 3600 };
    const [h] = await runRollout(healthy, scenarioSeed(healthy, 0), [new OracleSprtRule(5, 0.1)]);
    assert.equal(h.kind, "open");
  });

  it("rolls back a slowdown inside one histogram bucket", async () => {
    const c = byKey("c");
    for (let run = 0; run < 3; run++) assert.equal((await gateOnly(c, run)).kind, "rollback", `run ${run}`);
  });

  it("never rolls back a healthy candidate, and promotes it at 20 req/s", async () => {
    const healthy = byKey("healthy-20");
    for (let run = 0; run < 4; run++) assert.equal((await gateOnly(healthy, run)).kind, "promoted", `20 req/s, run ${run}`);
    const quiet = { ...byKey("healthy-0.3"), horizonSeconds: 2 * 3600 };
    for (let run = 0; run < 2; run++) assert.notEqual((await gateOnly(quiet, run, PRODUCTION_EVERY_SECONDS)).kind, "rollback", `0.3 req/s, run ${run}`);
  });

  it("takes a healthy 2 req/s rollout to 100% once a step is held past the first look-back", async () => {
    // Each step needs thousands of candidate requests: hours at 2 req/s, longer than the first
    // look-back (maxInconclusive + bake + 2 scrapes). A sliding look-back never got there.
    const quiet = byKey("healthy-2");
    assert.ok(quiet.horizonSeconds >= 24 * 3600);
    const r = await gateOnly(quiet, 0, PRODUCTION_EVERY_SECONDS);
    assert.equal(r.kind, "promoted", JSON.stringify(r));
    assert.ok(r.seconds! > 71 * 60, `${r.seconds}s`);
  });
});
