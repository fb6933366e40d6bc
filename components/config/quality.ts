// The offline quality gate, as one pure rule: a version's recorded `metrics` against its model's
// `thresholds`, and the override a stack file may record for it. The schema (no weight on a
// candidate that fails it), `promote` (refuses it), `status` (shows it) and the routing annotation
// the policy pack reads all ask this module, so they cannot disagree.

/** An explicit, reviewable decision to let a version below its thresholds take traffic. */
export interface QualityOverride {
  reason: string;
  by: string;
}

/**
 * - none: the model has no thresholds, so there is nothing to check;
 * - pass: every threshold has a recorded value at or above it;
 * - fail: a value is below its threshold, or not recorded, and no override is recorded;
 * - override: as fail, but the track records a `qualityOverride`.
 */
export type QualityGateState = "none" | "pass" | "fail" | "override";

export interface QualityCheck {
  metric: string;
  threshold: number;
  /** null when the version has no recorded value for the metric. */
  value: number | null;
  ok: boolean;
}

export interface QualityGate {
  state: QualityGateState;
  checks: QualityCheck[];
  /** The failed checks, as readable lines ("auc: 0.85 < 0.9"). */
  shortfalls: string[];
  override?: QualityOverride;
}

export function qualityChecks(thresholds: Readonly<Record<string, number>> | undefined, metrics: Readonly<Record<string, number>> | undefined): QualityCheck[] {
  return Object.entries(thresholds ?? {}).map(([metric, threshold]) => {
    const value = metrics?.[metric];
    return value === undefined ? { metric, threshold, value: null, ok: false } : { metric, threshold, value, ok: value >= threshold };
  });
}

const shortfall = (c: QualityCheck) => (c.value === null ? `${c.metric}: no recorded value (needs >= ${c.threshold})` : `${c.metric}: ${c.value} < ${c.threshold}`);

/** Metrics below the thresholds (or missing), as readable lines. */
export function qualityShortfalls(thresholds: Readonly<Record<string, number>> | undefined, metrics: Readonly<Record<string, number>> | undefined): string[] {
  return qualityChecks(thresholds, metrics).filter((c) => !c.ok).map(shortfall);
}

/** The gate's state for one track of a model. */
export function qualityGate(
  thresholds: Readonly<Record<string, number>> | undefined,
  track: { metrics?: Readonly<Record<string, number>>; qualityOverride?: QualityOverride },
): QualityGate {
  const checks = qualityChecks(thresholds, track.metrics);
  if (checks.length === 0) return { state: "none", checks, shortfalls: [] };
  const shortfalls = checks.filter((c) => !c.ok).map(shortfall);
  if (shortfalls.length === 0) return { state: "pass", checks, shortfalls };
  return track.qualityOverride ? { state: "override", checks, shortfalls, override: track.qualityOverride } : { state: "fail", checks, shortfalls };
}
