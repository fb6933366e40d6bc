// Anytime-valid inference on counts (pure, no I/O): confidence sequences for a Bernoulli rate
// that stay valid however often they are looked at.
//
// Derivation. For x bad events among n independent trials with rate p, the likelihood is
// L(p) = p^x (1-p)^(n-x). Mixing the likelihood ratio over a Beta(a, b) prior gives
//   M_n(p0) = ∫ L(p)/L(p0) dBeta(p; a, b) = B(a + x, b + n - x) / (B(a, b) · L(p0)),
// a non-negative martingale with M_0 = 1 when the true rate is p0. Ville's inequality then
// bounds P(∃ n: M_n(p0) ≥ 1/α) ≤ α, so C_n = { p : M_n(p) < 1/α } covers the true rate at every
// n at once with probability ≥ 1 − α: one may look after every request and stop whenever.
// This is Robbins' mixture (H. Robbins, "Statistical methods related to the law of the iterated
// logarithm", Ann. Math. Stat. 1970), in the form of Howard, Ramdas, McAuliffe & Sekhon,
// "Time-uniform, nonparametric, nonasymptotic confidence sequences" (Ann. Stat. 2021, the
// beta-binomial boundary), and it is the binomial special case of the Dirichlet-multinomial
// test of Lindon & Malek, "Anytime-Valid Inference for Multinomial Count Data" (NeurIPS 2022).
// Because log L is concave with its maximum at x/n, C_n is an interval around x/n.

/** The mixing prior: Beta(1, 1) (uniform) unless a caller has a reason to tune it. */
export interface BetaPrior {
  a: number;
  b: number;
}
export const UNIFORM: BetaPrior = { a: 1, b: 1 };

// Lanczos approximation of ln Γ (g = 7, n = 9; the coefficients of Numerical Recipes /
// Wikipedia's "Lanczos approximation"): relative error below 1e-13 for x > 0.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
  9.9843695780195716e-6, 1.5056327351493116e-7,
];
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let s = LANCZOS[0];
  for (let i = 1; i < 9; i++) s += LANCZOS[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

export const lnBeta = (a: number, b: number) => lnGamma(a) + lnGamma(b) - lnGamma(a + b);

/** ln L(p) with 0·ln 0 = 0, so the ends of [0, 1] are handled exactly. */
function logLikelihood(p: number, x: number, n: number): number {
  const bad = x === 0 ? 0 : x * Math.log(p);
  const good = n - x === 0 ? 0 : (n - x) * Math.log(1 - p);
  return bad + good;
}

/** ln of the mixture's marginal likelihood ∫ L(p) dBeta(p; a, b). */
export const logMarginal = (x: number, n: number, prior: BetaPrior = UNIFORM) => lnBeta(prior.a + x, prior.b + n - x) - lnBeta(prior.a, prior.b);

/** ln M_n(p0): the evidence against "the rate is p0"; reject once it reaches ln(1/α). */
export function logEvidenceAgainst(p0: number, x: number, n: number, prior: BetaPrior = UNIFORM): number {
  return logMarginal(x, n, prior) - logLikelihood(p0, x, n);
}

export interface Interval {
  lower: number;
  upper: number;
}

function checkCounts(x: number, n: number, alpha: number): void {
  if (!(Number.isFinite(x) && Number.isFinite(n) && x >= 0 && n >= 0 && x <= n)) throw new RangeError(`counts must satisfy 0 <= x <= n, got x=${x}, n=${n}`);
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must lie in (0, 1), got ${alpha}`);
}

/**
 * The (1 − α) confidence sequence for a Bernoulli rate after x bad events in n trials: valid
 * simultaneously over all n. Counts may be fractional (Prometheus' `increase` extrapolates);
 * they are used as they are, the Beta function being defined for real arguments.
 */
export function rateInterval(x: number, n: number, alpha: number, prior: BetaPrior = UNIFORM): Interval {
  checkCounts(x, n, alpha);
  if (n === 0) return { lower: 0, upper: 1 };
  const threshold = logMarginal(x, n, prior) - Math.log(1 / alpha);
  const inside = (p: number) => logLikelihood(p, x, n) > threshold;
  const hat = x / n;
  // Bisection for the two points where ln L crosses the threshold; 60 halvings reach 1e-18.
  const edge = (outer: number) => {
    if (inside(outer)) return outer;
    let [lo, hi] = [outer, hat];
    for (let i = 0; i < 60; i++) {
      const mid = (lo + hi) / 2;
      if (inside(mid)) hi = mid;
      else lo = mid;
    }
    return hi;
  };
  return { lower: edge(0), upper: edge(1) };
}

/**
 * Candidate against stable on one kind of bad event (errors, slow requests). If both tracks
 * fail at the same rate, each bad event is the candidate's with probability equal to its share
 * of requests s (a Poisson process thinned by traffic). With the candidate's rate θ times the
 * stable's, that probability is p(θ) = sθ / (sθ + 1 − s). A confidence sequence on p, over the
 * bad events alone, maps back to one on θ — the relative risk — whatever the stable rate is.
 * The share s is the observed share of requests, measured on far more events than the bad ones.
 */
export function relativeRiskInterval(candidateBad: number, stableBad: number, share: number, alpha: number, prior: BetaPrior = UNIFORM): Interval {
  if (!(share > 0 && share < 1)) throw new RangeError(`the candidate's share of requests must lie in (0, 1), got ${share}`);
  const p = rateInterval(candidateBad, candidateBad + stableBad, alpha, prior);
  const theta = (q: number) => (q >= 1 ? Infinity : (q * (1 - share)) / (share * (1 - q)));
  return { lower: theta(p.lower), upper: theta(p.upper) };
}
