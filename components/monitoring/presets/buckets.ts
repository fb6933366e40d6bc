// Histogram bucket boundaries (pure): how a server builds its default ones, and how a value
// configured elsewhere (a threshold in ms, a boundary in seconds) is matched against them.
// Prometheus histograms only count requests at or below each boundary, so a threshold between
// two boundaries selects no `le` series at all: the query is empty, not wrong.

/**
 * Exponential boundaries built the way a server builds them: `count` values, each the previous
 * one times `factor`, starting from `start * factor`. Repeated multiplication in IEEE doubles,
 * exactly as the server computes them (not `start * factor ** i`, which rounds differently), so
 * the values, and the text a client library prints for them, are the server's own.
 */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  const out: number[] = [];
  let value = start;
  for (let i = 0; i < count; i++) {
    value *= factor;
    out.push(value);
  }
  return out;
}

/** Relative tolerance for "the same boundary": absorbs rounding of ms/s conversions, nothing else. */
const TOLERANCE = 1e-9;

const same = (a: number, b: number) => Math.abs(a - b) <= TOLERANCE * Math.max(Math.abs(a), Math.abs(b));

/** The boundary in `bounds` equal to `value` up to float rounding, if there is one. */
export function boundaryAt(bounds: readonly number[], value: number): number | undefined {
  return bounds.find((b) => same(b, value));
}

/** Whether `value` is one of `bounds`, up to float rounding (e.g. thresholdMs / 1000). */
export const isBoundary = (bounds: readonly number[], value: number) => boundaryAt(bounds, value) !== undefined;

/** The boundaries just below and just above `value` (either may be missing at the ends). */
export function nearestBoundaries(bounds: readonly number[], value: number): { below?: number; above?: number } {
  const sorted = [...bounds].sort((a, b) => a - b);
  return { below: sorted.filter((b) => b < value && !same(b, value)).pop(), above: sorted.find((b) => b > value && !same(b, value)) };
}

/**
 * Boundaries as milliseconds a config may hold: 12 significant digits, enough that the value
 * written back passes `isBoundary` (TGI's 28.76265888493261 s is 28762.6588849 ms), without the
 * noise of a binary fraction (0.1 s is 100 ms, not 100.00000000000001).
 */
export const boundaryMs = (seconds: number) => +(seconds * 1000).toPrecision(12);

/** "below 250 ms or above 500 ms"-style text naming the boundaries around `seconds`. */
export function nearestBoundariesText(boundsSeconds: readonly number[], seconds: number): string {
  const { below, above } = nearestBoundaries(boundsSeconds, seconds);
  return [below, above]
    .filter((b): b is number => b !== undefined)
    .map((b) => `${boundaryMs(b)}`)
    .join(" or ");
}
