// When did the current step take effect? (pure) A weight in the stack file means nothing until
// `pulumi up` applied the route and traffic follows it, so the evidence window starts when the
// candidate's observed share of requests rose to the configured weight — never at the commit.
import { rateInterval } from "./sequential";

/** Requests of each track in the interval (`intervalSeconds` long, not overlapping the next) ending at `time`. */
export interface ShareSample {
  time: number;
  candidate: number;
  stable: number;
}

export type StepEffect =
  | { inEffect: true; since: number; observedShare: number }
  | { inEffect: false; observedShare?: number; reason: string };

/** The step before `weight` in `steps` (0 before the first). */
export const previousStep = (steps: readonly number[], weight: number) => steps.filter((s) => s < weight).reduce((a, b) => Math.max(a, b), 0);

/** Binomial log-likelihood of c successes in t at their own ratio (0·ln 0 = 0). */
function logLik(c: number, t: number): number {
  if (t <= 0) return 0;
  const p = c / t;
  return (c > 0 ? c * Math.log(p) : 0) + (t - c > 0 ? (t - c) * Math.log(1 - p) : 0);
}

/** Whether c of t is clearly (99%) below the share `p`. */
const clearlyBelow = (c: number, t: number, p: number) => t > 0 && rateInterval(Math.round(c), Math.round(t), 0.01).upper < p;

/**
 * The step's start is the single change point of the candidate's share: the split of the series
 * into "before" and "after" that maximises the binomial likelihood with a higher share after
 * (O(n) with prefix sums). Judging whole segments, not single intervals, keeps a quiet model's
 * noise — one lucky interval of 18 requests — from dating the step into the previous one.
 * - The share after the split must not be clearly below halfway from the previous step to this
 *   one (else the weight has not shown up in traffic: reported, never judged).
 * - If the share before it is not clearly below halfway either, nothing in the series shows the
 *   change: the step began before the series did, and its first interval is returned (the caller
 *   then looks further back).
 */
export function stepEffect(samples: readonly ShareSample[], weight: number, steps: readonly number[], intervalSeconds: number): StepEffect {
  const midpoint = (previousStep(steps, weight) + weight) / 200;
  const points = [...samples].filter((s) => s.candidate + s.stable > 0).sort((a, b) => a.time - b.time);
  const sorted = [...samples].sort((a, b) => a.time - b.time);
  const windowText = sorted.length > 0 ? `${Math.round(sorted[sorted.length - 1].time - sorted[0].time + intervalSeconds)}s` : "the look-back";
  if (points.length === 0) return { inEffect: false, reason: `no requests reached either track in the last ${windowText}` };

  const n = points.length;
  const C = [0];
  const T = [0];
  for (const p of points) {
    C.push(C[C.length - 1] + p.candidate);
    T.push(T[T.length - 1] + p.candidate + p.stable);
  }
  // k = index of the first "after" point; k = 0 means no change inside the series.
  let best = 0;
  let bestLik = logLik(C[n], T[n]);
  for (let k = 1; k < n; k++) {
    const [cb, tb, ca, ta] = [C[k], T[k], C[n] - C[k], T[n] - T[k]];
    if (ca / ta <= cb / tb) continue;
    const lik = logLik(cb, tb) + logLik(ca, ta);
    if (lik > bestLik) [best, bestLik] = [k, lik];
  }
  const [ca, ta] = [C[n] - C[best], T[n] - T[best]];
  const observed = ca / ta;
  if (clearlyBelow(ca, ta, midpoint)) {
    return {
      inEffect: false,
      observedShare: observed,
      reason: `the configured ${weight}% has not shown up in traffic: the candidate took ${(100 * (C[n] / T[n])).toFixed(1)}% of requests over the last ${windowText} (route not applied, or \`pulumi up\` not run or failed?)`,
    };
  }
  // A change inside the series only if the share before it was clearly at the previous weight.
  const changed = best > 0 && clearlyBelow(C[best], T[best], midpoint);
  const first = changed ? points[best] : sorted[0];
  return { inEffect: true, since: first.time - intervalSeconds, observedShare: changed ? observed : C[n] / T[n] };
}
