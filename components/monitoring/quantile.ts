// How a latency quantile read from a classic histogram is shown to a person (pure).
//
// `histogram_quantile` cannot see past the highest finite bucket: "If a quantile is located in
// the highest bucket, the upper bound of the second highest bucket is returned" — the `+Inf`
// bucket is the highest, so the answer is capped at the largest finite `le`
// (prometheus/prometheus docs/querying/functions.md, `histogram_quantile()`). With a top bucket
// of 5 s, a p99 of 6 s and one of 60 s both read 5 s. A quantile at that cap therefore means
// "at least this", and is never printed as a value.

/** Relative tolerance for "equal to the top bucket": boundaries pass through unit conversions. */
const SAME = 1e-9;

/**
 * Whether `seconds` is histogram_quantile's cap, the top finite bucket `topSeconds` (or above it,
 * which a sum of several histograms with different tops can give). False when the top is unknown.
 */
export function atTopBucket(seconds: number, topSeconds: number | undefined): boolean {
  return topSeconds !== undefined && Number.isFinite(topSeconds) && seconds >= topSeconds * (1 - SAME);
}

/** `%.4g` of Go's fmt: four significant digits, trailing zeros dropped. */
const fourDigits = (x: number) => String(Number(x.toPrecision(4)));

/**
 * A duration in seconds as Prometheus' template function `humanizeDuration` writes it
 * (prometheus/prometheus template/template.go, v2.42.0): `250ms`, `1.5s`, `1m 30s`,
 * so the CLI and the alerts' descriptions read the same numbers the same way.
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return fourDigits(seconds);
  if (seconds === 0) return "0s";
  const sign = seconds < 0 ? "-" : "";
  let v = Math.abs(seconds);
  if (v >= 1) {
    const whole = Math.trunc(v);
    const [s, m, h, d] = [whole % 60, Math.trunc(whole / 60) % 60, Math.trunc(whole / 3600) % 24, Math.trunc(whole / 86_400)];
    if (d) return `${sign}${d}d ${h}h ${m}m ${s}s`;
    if (h) return `${sign}${h}h ${m}m ${s}s`;
    if (m) return `${sign}${m}m ${s}s`;
    return `${sign}${fourDigits(v)}s`;
  }
  let prefix = "";
  for (const p of ["m", "u", "n", "p", "f", "a", "z", "y"]) {
    if (v >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return `${sign}${fourDigits(v)}${prefix}s`;
}

/**
 * A latency quantile for display: its duration, or `≥ <top>` when it sits at the histogram's top
 * finite bucket (`MetricsContract.latencyTopSeconds`, or the boundaries Prometheus reports), where
 * the true value is unknown beyond "at least". `n/a` when there is no quantile (no traffic).
 * Alerts cannot call this (their descriptions are Go templates); theirs must say the same thing.
 */
export function formatQuantile(seconds: number | undefined, topSeconds: number | undefined): string {
  if (seconds === undefined || Number.isNaN(seconds)) return "n/a";
  return atTopBucket(seconds, topSeconds) ? `≥ ${formatDuration(topSeconds!)}` : formatDuration(seconds);
}
