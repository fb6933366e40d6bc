// The rollout state machine (pure): release, promote, rollback and retire as changes to one
// model's config. Every change is a small edit of the stack file that `pulumi up` applies.
import { otherColour, type Colour } from "../components/config/schema";
import { nextStep, provisionedStep, reachedWeight as reached } from "../components/serving/capacity";

export interface TrackState {
  version: string;
  /** Absent when the model builds the track's image. */
  image?: string;
  modelUri: string;
  weight: number;
  retired?: boolean;
  peakWeight?: number;
  metrics?: Record<string, number>;
}

export interface ModelState {
  name: string;
  stable: Colour;
  steps: readonly number[];
  tracks: Record<Colour, TrackState>;
  thresholds?: Record<string, number>;
}

export type RolloutCommand =
  | { kind: "release"; version: string; image?: string; modelUri?: string; metrics?: Record<string, number> }
  | { kind: "promote"; to?: number; force?: boolean }
  | { kind: "rollback" }
  | { kind: "retire" };

/** A command that does not apply to the model's current state; the message says why. */
export class RolloutRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RolloutRefusal";
  }
}

export const candidateColour = (m: Pick<ModelState, "stable">): Colour => otherColour(m.stable);

/** Keeps `peakWeight` only where it says more than `weight`, so files stay small. */
function track(t: TrackState, changes: Partial<TrackState>): TrackState {
  const next: TrackState = { ...t, ...changes };
  if (next.peakWeight !== undefined && next.peakWeight <= next.weight) delete next.peakWeight;
  if (!next.retired) delete next.retired;
  return next;
}

function withTracks(m: ModelState, changes: Partial<Record<Colour, Partial<TrackState>>>, stable = m.stable): ModelState {
  return {
    ...m,
    stable,
    tracks: { blue: track(m.tracks.blue, changes.blue ?? {}), green: track(m.tracks.green, changes.green ?? {}) },
  };
}

/** Metrics below the model's thresholds (or missing), as readable lines. */
export function qualityShortfalls(m: ModelState, colour: Colour): string[] {
  const metrics = m.tracks[colour].metrics ?? {};
  return Object.entries(m.thresholds ?? {}).flatMap(([name, min]) =>
    metrics[name] === undefined ? [`${name}: no recorded value (needs >= ${min})`] : metrics[name] < min ? [`${name}: ${metrics[name]} < ${min}`] : [],
  );
}

function release(m: ModelState, cmd: Extract<RolloutCommand, { kind: "release" }>): ModelState {
  const c = candidateColour(m);
  const idle = m.tracks[c];
  if (idle.weight > 0) throw new RolloutRefusal(`the idle track (${c}) still takes ${idle.weight}% of traffic; roll back or finish the promotion first`);
  let modelUri = cmd.modelUri;
  if (!modelUri) {
    if (!idle.modelUri.includes(idle.version)) throw new RolloutRefusal(`cannot derive the model URI of ${cmd.version} from ${idle.modelUri}; pass --model-uri`);
    modelUri = idle.modelUri.split(idle.version).join(cmd.version);
  }
  const released: TrackState = { version: cmd.version, ...(cmd.image ? { image: cmd.image } : {}), modelUri, weight: 0 };
  if (cmd.metrics) released.metrics = cmd.metrics;
  return { ...m, tracks: { ...m.tracks, [c]: released } };
}

function promote(m: ModelState, cmd: Extract<RolloutCommand, { kind: "promote" }>): ModelState {
  const c = candidateColour(m);
  const cand = m.tracks[c];
  if (cand.retired) throw new RolloutRefusal(`the ${c} track is retired; release a version onto it first`);
  if (cand.weight >= 100) throw new RolloutRefusal(`the ${c} track already takes all traffic`);
  if (cand.weight === 0 && reached(cand) >= 100) throw new RolloutRefusal(`the ${c} track is the previous stable; rollback restores it, retire idles it`);
  const provisioned = provisionedStep(m.steps, cand);
  const to = cmd.to ?? nextStep(m.steps, cand.weight);
  if (!Number.isInteger(to) || to <= cand.weight || to > 100) throw new RolloutRefusal(`--to must be a whole number above the current ${cand.weight}% and at most 100, got ${to}`);
  if (to > provisioned && !cmd.force) {
    throw new RolloutRefusal(`the ${c} track is provisioned for ${provisioned}% (its next step); moving to ${to}% would outrun its capacity. Promote one step at a time, or pass --force`);
  }
  const shortfalls = qualityShortfalls(m, c);
  if (shortfalls.length > 0 && !cmd.force) {
    throw new RolloutRefusal(`${m.name} ${cand.version} is below the model's quality thresholds (${shortfalls.join("; ")}); pass --force to promote anyway`);
  }
  if (to < 100) {
    return withTracks(m, { [c]: { weight: to, peakWeight: reached(cand) }, [m.stable]: { weight: 100 - to } });
  }
  // Complete: the candidate becomes stable; the old stable keeps full capacity (peakWeight 100)
  // until it is retired, so rolling back stays a routing change.
  return withTracks(m, { [c]: { weight: 100, peakWeight: undefined }, [m.stable]: { weight: 0, peakWeight: 100 } }, c);
}

function rollback(m: ModelState): ModelState {
  const c = candidateColour(m);
  const cand = m.tracks[c];
  if (cand.weight > 0) {
    // All traffic back to stable; the candidate keeps the size it had so a retry needs no scale-up.
    return withTracks(m, { [c]: { weight: 0, peakWeight: reached(cand) }, [m.stable]: { weight: 100 } });
  }
  if (!cand.retired && reached(cand) >= 100) {
    // A completed promotion: the previous stable, still at full capacity, takes over again.
    return withTracks(m, { [c]: { weight: 100, peakWeight: undefined }, [m.stable]: { weight: 0, peakWeight: 100 } }, c);
  }
  throw new RolloutRefusal(`all traffic of ${m.name} is already on the stable track (${m.stable}); nothing to roll back`);
}

function retire(m: ModelState): ModelState {
  const c = candidateColour(m);
  const t = m.tracks[c];
  if (t.weight > 0) throw new RolloutRefusal(`the ${c} track still takes ${t.weight}% of traffic; roll back or finish the promotion first`);
  if (t.retired) throw new RolloutRefusal(`the ${c} track is already retired`);
  return withTracks(m, { [c]: { retired: true, peakWeight: undefined } });
}

export function applyCommand(m: ModelState, cmd: RolloutCommand): ModelState {
  switch (cmd.kind) {
    case "release":
      return release(m, cmd);
    case "promote":
      return promote(m, cmd);
    case "rollback":
      return rollback(m);
    case "retire":
      return retire(m);
  }
}

/** What `promote` would do next, in words (for `status`). */
export function nextPromotion(m: ModelState): string {
  const c = candidateColour(m);
  const cand = m.tracks[c];
  if (cand.retired) return `nothing to promote: ${c} is retired (release a version onto it)`;
  if (cand.weight === 0 && reached(cand) >= 100) return `nothing to promote: ${c} is the previous stable (rollback restores it, retire idles it)`;
  const to = nextStep(m.steps, cand.weight);
  return to >= 100 ? `${c} ${cand.version} to 100%: it becomes the stable track` : `${c} ${cand.version} from ${cand.weight}% to ${to}%`;
}

/** Position of the candidate's weight in the model's steps, e.g. "step 2 of 4 (25%)". */
export function stepPosition(m: ModelState): string {
  const w = m.tracks[candidateColour(m)].weight;
  const i = m.steps.indexOf(w);
  return i >= 0 ? `step ${i + 1} of ${m.steps.length} (${w}%)` : w === 0 ? `before step 1 of ${m.steps.length}` : `off-step at ${w}%`;
}

export type Edit = { path: (string | number)[]; value?: unknown; remove?: true };

const TRACK_KEYS = ["version", "image", "modelUri", "weight", "retired", "peakWeight", "metrics"] as const;

/** The stack-file edits (relative to the model) that turn `before` into `after`. */
export function edits(before: ModelState, after: ModelState): Edit[] {
  const out: Edit[] = [];
  if (before.stable !== after.stable) out.push({ path: ["stable"], value: after.stable });
  for (const c of ["blue", "green"] as const) {
    for (const k of TRACK_KEYS) {
      const [a, b] = [before.tracks[c][k], after.tracks[c][k]];
      if (JSON.stringify(a) === JSON.stringify(b)) continue;
      out.push(b === undefined ? { path: ["tracks", c, k], remove: true } : { path: ["tracks", c, k], value: b });
    }
  }
  return out;
}
