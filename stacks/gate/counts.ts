// Counts of one track over a window, turned into the gate's evidence (pure). Shared by the
// Prometheus source and the simulator, so both judge exactly the same tallies.
import type { SignalEvidence, Tally } from "./judge";

/** What a source counted for one track (its version only) over the evidence window. */
export interface TrackCounts {
  requests?: number;
  errors?: number;
  /** Requests the latency histogram observed … */
  observed?: number;
  /** … of them at or below the slow boundary … */
  fast?: number;
  /** … and at or below the SLO's latency threshold. */
  withinSlo?: number;
}

/** Counts never go below zero nor bad above all (`increase` extrapolation can overshoot a little). */
export const tally = (bad: number | undefined, all: number | undefined): Tally | undefined =>
  bad === undefined || all === undefined ? undefined : { bad: Math.min(Math.max(0, bad), Math.max(0, all)), total: Math.max(0, all) };

/** The two signals' evidence from the candidate's (and, past the first step, the stable's) counts. */
export function signalsOf(cand: TrackCounts, stable: TrackCounts | undefined, slowSeconds: number | undefined, sloSeconds: number | undefined): SignalEvidence[] {
  const slowOf = (t: TrackCounts | undefined) => (t && t.fast !== undefined && t.observed !== undefined ? tally(t.observed - t.fast, t.observed) : undefined);
  const ceilingSlow = cand.withinSlo !== undefined && cand.observed !== undefined ? tally(cand.observed - cand.withinSlo, cand.observed) : undefined;
  return [
    { signal: "errors", meaning: "failed", candidate: tally(cand.errors, cand.requests), stable: stable && tally(stable.errors, stable.requests), ceilingTally: tally(cand.errors, cand.requests) },
    {
      signal: "latency",
      meaning: slowSeconds === undefined ? "slow" : `slower than ${+(slowSeconds * 1000).toPrecision(6)}ms`,
      candidate: slowOf(cand),
      stable: stable && slowOf(stable),
      ceilingTally: sloSeconds === undefined ? undefined : ceilingSlow,
    },
  ];
}
