// Capacity leads traffic weight. Pure: no Pulumi imports, property-tested.
//
// With a routing layer that enforces weights ("traffic" mode):
// - the stable track keeps the model's full min/max for the whole rollout, so aborting a
//   canary never waits on a scale-up;
// - the candidate is sized for the weight of its *next* step, so every promotion lands on
//   pods that are already running; a just-released candidate runs at least `previewReplicas`;
// - a track that has carried traffic and lost it (rolled-back candidate, demoted stable) keeps
//   the size of the highest weight it reached (`peakWeight`) until it is retired;
// - a retired track runs the idle policy: warm = the model minimum, cold = nothing;
// - a candidate that shadows a share of live traffic (mirror) is sized for that share too.
// With the `replicas` router ("replica-ratio" mode) traffic follows ready pods, so each track's
// capacity *is* its weight, and a rollback there needs a scale-up.
import type { Colour } from "../config/schema";

export interface CapacityModel {
  stable: Colour;
  tracks: Record<Colour, { weight: number; retired: boolean; peakWeight?: number }>;
  autoscaling: { minReplicas: number; maxReplicas: number };
  steps: readonly number[];
  previewReplicas: number;
  idle: "warm" | "cold";
  /** Percent of live requests copied to the candidate. */
  route?: { mirror?: { percent: number } };
}

export type CapacityMode = "traffic" | "replica-ratio";

/** stable: the known-good track; candidate: being rolled out; previous: a demoted stable kept for rollback; retired: idle. */
export type TrackRole = "stable" | "candidate" | "previous" | "retired";

/** A track's planned size: its role in the rollout, the weight it is sized for, and its replica range. */
export interface TrackCapacity {
  role: TrackRole;
  /** 0 means the track runs no pods (and has no HorizontalPodAutoscaler). */
  minReplicas: number;
  maxReplicas: number;
  /** The weight (percent of traffic) this capacity is sized for. */
  sizedFor: number;
}

/** The first step above `weight`, or 100 when none is. */
export function nextStep(steps: readonly number[], weight: number): number {
  return steps.find((s) => s > weight) ?? 100;
}

/** The highest weight the track's current version has carried. */
export const reachedWeight = (t: { weight: number; peakWeight?: number }) => Math.max(t.weight, t.peakWeight ?? 0);

/** The weight a non-retired candidate is provisioned for: the step after the highest it reached. */
export function provisionedStep(steps: readonly number[], t: { weight: number; peakWeight?: number }): number {
  const reached = reachedWeight(t);
  return reached >= 100 ? 100 : nextStep(steps, reached);
}

/** ceil(percent% × replicas) in integer arithmetic. */
export const share = (percent: number, replicas: number) => Math.ceil((percent * replicas) / 100);

function roleOf(m: CapacityModel, c: Colour): TrackRole {
  const t = m.tracks[c];
  if (c === m.stable) return "stable";
  if (t.retired) return "retired";
  return t.weight === 0 && (t.peakWeight ?? 0) >= 100 ? "previous" : "candidate";
}

function trackCapacity(m: CapacityModel, c: Colour, mode: CapacityMode): TrackCapacity {
  const { minReplicas: min, maxReplicas: max } = m.autoscaling;
  const t = m.tracks[c];
  const role = roleOf(m, c);
  const sized = (sizedFor: number, floor: number): TrackCapacity => {
    const lo = Math.max(share(sizedFor, min), floor);
    return { role, minReplicas: lo, maxReplicas: Math.max(share(sizedFor, max), lo), sizedFor };
  };

  if (mode === "replica-ratio") {
    return t.weight === 0 ? { role, minReplicas: 0, maxReplicas: 0, sizedFor: 0 } : sized(t.weight, 1);
  }
  switch (role) {
    case "stable":
      return sized(100, 1);
    case "retired":
      return m.idle === "warm" ? { role, minReplicas: min, maxReplicas: min, sizedFor: 0 } : { role, minReplicas: 0, maxReplicas: 0, sizedFor: 0 };
    case "previous":
    case "candidate": {
      return sized(Math.max(provisionedStep(m.steps, t), m.route?.mirror?.percent ?? 0), m.previewReplicas);
    }
  }
}

/** Per-track HPA bounds for a model's current weights. */
export function planCapacity(m: CapacityModel, mode: CapacityMode): Record<Colour, TrackCapacity> {
  return { blue: trackCapacity(m, "blue", mode), green: trackCapacity(m, "green", mode) };
}
