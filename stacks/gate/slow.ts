// What counts as a slow request for the gate (pure). Prometheus histograms only know how many
// requests fell at or below each bucket boundary, so "slow" must be "above a boundary".
import { boundaryAt, nearestBoundariesText } from "../../components/monitoring/presets/buckets";

export class GateConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GateConfigError";
  }
}

/**
 * The boundary (seconds) above which a request is slow: `rollout.slowThresholdMs` when set (it
 * must be a boundary, or the count would silently be empty), else the largest boundary at or
 * below the stable track's p99 — a boundary stable crosses about 1% of the time or more, so a
 * candidate that is slower *within* the bucket holding stable's p99 still crosses it more often.
 * Undefined without buckets or without a stable p99 (latency is then unmeasured in this window).
 */
export function slowBoundary(bounds: readonly number[], stableP99: number | undefined, configuredMs: number | undefined, model: string): number | undefined {
  if (configuredMs !== undefined) {
    const wanted = configuredMs / 1000;
    if (bounds.length === 0) return undefined;
    // The scraped boundary itself: the exact double its `le` text reads back as.
    const at = boundaryAt(bounds, wanted);
    if (at !== undefined) return at;
    throw new GateConfigError(`${model}: rollout.slowThresholdMs ${configuredMs} is not a bucket boundary of the latency histogram; nearest: ${nearestBoundariesText(bounds, wanted)} ms`);
  }
  if (bounds.length === 0 || stableP99 === undefined || !Number.isFinite(stableP99)) return undefined;
  const atOrBelow = bounds.filter((b) => b <= stableP99);
  return atOrBelow.length > 0 ? atOrBelow[atOrBelow.length - 1] : bounds[0];
}
