import { strict as assert } from "assert";
import fc from "fast-check";
import { Prng } from "../bench/sim-core";
import { PASS_PRIOR } from "../../stacks/gate/judge";
import { lnGamma, logEvidenceAgainst, rateInterval, relativeRiskInterval, UNIFORM, type BetaPrior } from "../../stacks/gate/sequential";

/** A seedable stream (the simulator's), so every Monte Carlo count here is reproducible. */
function prng(seed: number): () => number {
  const p = new Prng(seed);
  return () => p.uniform();
}

/**
 * Share of `streams` Bernoulli(p) streams of `length` trials in which the confidence sequence
 * ever excludes the true p when looked at after every single trial.
 */
function everExcluded(p: number, alpha: number, streams: number, length: number, seed: number, prior: BetaPrior = UNIFORM): number {
  const rnd = prng(seed);
  const bound = Math.log(1 / alpha);
  let excluded = 0;
  for (let s = 0; s < streams; s++) {
    let x = 0;
    for (let n = 1; n <= length; n++) {
      if (rnd() < p) x++;
      if (logEvidenceAgainst(p, x, n, prior) >= bound) {
        excluded++;
        break;
      }
    }
  }
  return excluded / streams;
}

describe("gate statistics: anytime-valid confidence sequences", () => {
  it("lnGamma matches factorials and Γ(1/2)", () => {
    for (let n = 1; n < 30; n++) {
      let f = 0;
      for (let k = 2; k < n; k++) f += Math.log(k);
      assert.ok(Math.abs(lnGamma(n) - f) < 1e-9 * Math.max(1, f), `lnGamma(${n})`);
    }
    assert.ok(Math.abs(lnGamma(0.5) - 0.5 * Math.log(Math.PI)) < 1e-12);
  });

  it("the interval holds the observed ratio, narrows with data and widens with a smaller alpha", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, f) => {
        const x = Math.floor(f * n);
        const i = rateInterval(x, n, 0.01);
        assert.ok(i.lower <= x / n + 1e-12 && x / n <= i.upper + 1e-12, `${x}/${n} in [${i.lower}, ${i.upper}]`);
        assert.ok(i.lower >= 0 && i.upper <= 1);
        const strict = rateInterval(x, n, 0.001);
        assert.ok(strict.lower <= i.lower + 1e-12 && strict.upper >= i.upper - 1e-12);
        const more = rateInterval(x * 4, n * 4, 0.01);
        assert.ok(more.upper - more.lower <= i.upper - i.lower + 1e-12);
      }),
      { seed: 12, numRuns: 300 },
    );
  });

  it("covers the true rate at every look with probability >= 1 - alpha (looked at after every trial)", () => {
    // The property the gate's false-alarm bound rests on. Monte Carlo over seeded streams; the
    // slack allows three standard errors of the estimate.
    fc.assert(
      fc.property(fc.constantFrom(0.001, 0.01, 0.05, 0.2, 0.5), fc.constantFrom(0.05, 0.2), fc.constantFrom(UNIFORM, PASS_PRIOR), fc.integer({ min: 1, max: 1_000_000 }), (p, alpha, prior, seed) => {
        const streams = 300;
        const rate = everExcluded(p, alpha, streams, 1500, seed, prior);
        const slack = 3 * Math.sqrt((alpha * (1 - alpha)) / streams);
        assert.ok(rate <= alpha + slack, `p=${p}: excluded in ${(100 * rate).toFixed(1)}% of streams, alpha ${alpha}`);
      }),
      { seed: 7, numRuns: 12 },
    );
  });

  it("a fixed-sample 95% interval looked at after every trial does not have that property (the control)", () => {
    // Peeking at a Wald interval after every request excludes the truth far more often than 5%:
    // the reason the gate uses a confidence sequence. If this ever stopped failing, the test
    // above would prove nothing.
    const rnd = prng(3);
    let excluded = 0;
    for (let s = 0; s < 300; s++) {
      let x = 0;
      for (let n = 1; n <= 1500; n++) {
        if (rnd() < 0.2) x++;
        const hat = x / n;
        const half = 1.96 * Math.sqrt(Math.max(hat * (1 - hat), 1e-9) / n);
        if (n >= 30 && Math.abs(hat - 0.2) > half) {
          excluded++;
          break;
        }
      }
    }
    assert.ok(excluded / 300 > 0.2, `peeking excluded the truth in only ${excluded} of 300 streams`);
  });

  it("relative risk: equal rates are almost never declared 1.5x apart, a 5x rate is", () => {
    const rnd = prng(99);
    let falseAlarms = 0;
    let detected = 0;
    const share = 0.1;
    const runs = 300;
    for (let r = 0; r < runs; r++) {
      for (const [theta, out] of [
        [1, "false"],
        [5, "detect"],
      ] as const) {
        let [c, s] = [0, 0];
        let hit = false;
        // 400 bad events, each the candidate's with probability p(theta).
        const p = (share * theta) / (share * theta + 1 - share);
        for (let k = 0; k < 400 && !hit; k++) {
          if (rnd() < p) c++;
          else s++;
          hit = relativeRiskInterval(c, s, share, 0.01).lower > 1.5;
        }
        if (hit && out === "false") falseAlarms++;
        if (hit && out === "detect") detected++;
      }
    }
    assert.ok(falseAlarms / runs <= 0.01, `false alarms ${falseAlarms}/${runs}`);
    assert.ok(detected / runs >= 0.99, `detected ${detected}/${runs}`);
  });

  it("rejects nonsense counts with a clear error", () => {
    assert.throws(() => rateInterval(5, 3, 0.01), /0 <= x <= n/);
    assert.throws(() => rateInterval(1, 3, 0), /alpha/);
    assert.throws(() => relativeRiskInterval(1, 1, 1, 0.01), /share/);
  });
});
