// The PREVIOUS analysis gate (pure), kept only as a benchmark peer: nothing in production uses
// it. One snapshot window per look (the old promote workflow judged the last 5 minutes), limits
// relative to the stable track, and a minimum request count per track; too little traffic or no
// data is "inconclusive", never a failure. Its successor is the sequential gate (stacks/gate).

export type Verdict = "pass" | "fail" | "inconclusive" | "error";
export const VERDICT_EXIT: Record<Verdict, number> = { pass: 0, fail: 1, inconclusive: 2, error: 3 };

/** What Prometheus says about one track over the window; undefined where it has no series. */
export interface TrackSample {
  requests?: number;
  errorRatio?: number;
  p99?: number;
}

export interface GateThresholds {
  /** Candidate error ratio ≤ max(errorFactor × stable, stable + errorMargin). */
  errorFactor: number;
  errorMargin: number;
  /** Candidate p99 ≤ max(latencyFactor × stable p99, stable p99 + latencyMargin). */
  latencyFactor: number;
  latencyMargin: number;
  /** Requests each track needs in the window before it is judged. */
  minRequests: number;
}

export interface Check {
  signal: "requests" | "error ratio" | "p99 latency";
  candidate?: number;
  stable?: number;
  limit?: number;
  outcome: "pass" | "fail" | "inconclusive" | "unavailable";
}

export interface Analysis {
  verdict: Verdict;
  reasons: string[];
  checks: Check[];
}

const known = (x: number | undefined): x is number => x !== undefined && Number.isFinite(x);

export function judge(candidate: TrackSample, stable: TrackSample, t: GateThresholds, available: { errors: boolean; latency: boolean }): Analysis {
  const checks: Check[] = [];
  const reasons: string[] = [];
  const enough = (s: TrackSample) => known(s.requests) && s.requests >= t.minRequests;
  checks.push({ signal: "requests", candidate: candidate.requests, stable: stable.requests, limit: t.minRequests, outcome: enough(candidate) && enough(stable) ? "pass" : "inconclusive" });
  if (!enough(candidate) || !enough(stable)) {
    const reasons = (["candidate", "stable"] as const).flatMap((who) => {
      const s = who === "candidate" ? candidate : stable;
      if (!known(s.requests)) return [`no request series for the ${who} track (is it scraped, with its model and track labels?)`];
      return enough(s) ? [] : [`too little traffic on the ${who} track: ${Math.round(s.requests)} requests, needs ${t.minRequests} in the window`];
    });
    return { verdict: "inconclusive", reasons, checks };
  }

  const compare = (signal: Check["signal"], c: number | undefined, s: number | undefined, limitOf: (s: number) => number, isAvailable: boolean) => {
    if (!isAvailable) return checks.push({ signal, outcome: "unavailable" });
    if (!known(c) || !known(s)) {
      reasons.push(`no ${signal} data for the ${!known(c) ? "candidate" : "stable"} track`);
      return checks.push({ signal, candidate: c, stable: s, outcome: "inconclusive" });
    }
    const limit = limitOf(s);
    const ok = c <= limit;
    if (!ok) reasons.push(`candidate ${signal} ${c.toPrecision(3)} is above ${limit.toPrecision(3)} (stable ${s.toPrecision(3)})`);
    return checks.push({ signal, candidate: c, stable: s, limit, outcome: ok ? "pass" : "fail" });
  };
  compare("error ratio", candidate.errorRatio, stable.errorRatio, (s) => Math.max(t.errorFactor * s, s + t.errorMargin), available.errors);
  compare("p99 latency", candidate.p99, stable.p99, (s) => Math.max(t.latencyFactor * s, s + t.latencyMargin), available.latency);

  const outcomes = checks.map((c) => c.outcome);
  const verdict: Verdict = outcomes.includes("fail") ? "fail" : outcomes.includes("inconclusive") ? "inconclusive" : outcomes.includes("pass") && outcomes.length > 1 && outcomes.slice(1).some((o) => o === "pass") ? "pass" : "inconclusive";
  if (verdict === "inconclusive" && reasons.length === 0) reasons.push("the preset offers no signal to compare");
  return { verdict, reasons, checks };
}
