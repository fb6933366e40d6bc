// The rollout state machine (pure): release, promote, rollback, undo and retire as changes to
// one model's config. Every change is a small edit of the stack file that `pulumi up` applies.
import { qualityGate, qualityShortfalls as shortfallsOf, type QualityGate, type QualityOverride } from "../../components/config/quality";
import { otherColour, type Colour } from "../../components/config/schema";
import { nextStep, provisionedStep, reachedWeight as reached } from "../../components/serving/capacity";

export interface TrackState {
  version: string;
  /** Absent when the model builds the track's image. */
  image?: string;
  modelUri: string;
  weight: number;
  retired?: boolean;
  /** This version was rolled back: no command puts weight on it again until a release replaces it. */
  rolledBack?: boolean;
  peakWeight?: number;
  metrics?: Record<string, number>;
  /** Recorded by `promote --force --reason`: this version may take traffic below its thresholds. */
  qualityOverride?: QualityOverride;
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
  /**
   * `force` overrides the capacity check; for a version below its thresholds it also needs
   * `override` (who and why), which is written to the track so the schema and the policy pack
   * let the version take traffic and a reviewer sees the decision in the diff.
   */
  | { kind: "promote"; to?: number; force?: boolean; override?: QualityOverride }
  | { kind: "rollback" }
  | { kind: "undo" }
  | { kind: "retire" };

/** A command that does not apply to the model's current state; the message says why. */
export class RolloutRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RolloutRefusal";
  }
}

export const candidateColour = (m: Pick<ModelState, "stable">): Colour => otherColour(m.stable);

/**
 * Where a model's rollout stands, read from the candidate (the non-stable track):
 * - idle: the candidate is retired; nothing is being rolled out;
 * - released: a fresh version at weight 0, reachable only through the preview route;
 * - canary: the candidate takes live traffic (0 < weight < 100, or any weight in a hand-edited file);
 * - rolled-back: the candidate was rolled back (mid-canary, or by `undo`) and takes none;
 * - previous-stable: a promotion completed; the old stable still runs at full capacity, so
 *   `undo` can restore it.
 */
export type RolloutPhase = "idle" | "released" | "canary" | "rolled-back" | "previous-stable";

export function rolloutPhase(m: ModelState): RolloutPhase {
  const cand = m.tracks[candidateColour(m)];
  if (cand.retired) return "idle";
  // Weight first: a hand-edited file could mark a track that has weight; it is still a canary.
  if (cand.weight > 0) return "canary";
  if (cand.rolledBack) return "rolled-back";
  return reached(cand) >= 100 ? "previous-stable" : "released";
}

/** Keeps `peakWeight` only where it says more than `weight`, so files stay small. */
function track(t: TrackState, changes: Partial<TrackState>): TrackState {
  const next: TrackState = { ...t, ...changes };
  if (next.peakWeight === undefined || next.peakWeight <= next.weight) delete next.peakWeight;
  if (!next.retired) delete next.retired;
  if (!next.rolledBack) delete next.rolledBack;
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
  return shortfallsOf(m.thresholds, m.tracks[colour].metrics);
}

/** The offline quality gate of one track (components/config/quality.ts: the schema's rule). */
export const trackQualityGate = (m: ModelState, colour: Colour): QualityGate => qualityGate(m.thresholds, m.tracks[colour]);

/**
 * The model URI of `version`, from the URI of `previous`: the one path segment that is exactly the
 * previous version is replaced (`s3://models/ranker/3` → `s3://models/ranker/4`). The scheme, the
 * authority (bucket, host) and any query or fragment are never touched, and a version that is only
 * part of a segment (`ranker-3.bin`) or in several segments would be a guess: refused.
 */
export function deriveModelUri(uri: string, previous: string, version: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/[^/?#]*)([^?#]*)(.*)$/s.exec(uri);
  const segments = m ? m[2].split("/") : [];
  const hits = segments.flatMap((s, i) => (s === previous ? [i] : []));
  if (!m || hits.length !== 1) {
    const why = hits.length === 0 ? `no path segment of ${uri} is the version ${previous}` : `${hits.length} path segments of ${uri} are the version ${previous}`;
    throw new RolloutRefusal(`cannot derive the model URI of ${version}: ${why}; pass --model-uri`);
  }
  segments[hits[0]] = version;
  return `${m[1]}${segments.join("/")}${m[3]}`;
}

function release(m: ModelState, cmd: Extract<RolloutCommand, { kind: "release" }>): ModelState {
  const c = candidateColour(m);
  const idle = m.tracks[c];
  if (idle.weight > 0) throw new RolloutRefusal(`the idle track (${c}) still takes ${idle.weight}% of traffic; roll back or finish the promotion first`);
  const modelUri = cmd.modelUri ?? deriveModelUri(idle.modelUri, idle.version, cmd.version);
  const released: TrackState = { version: cmd.version, ...(cmd.image ? { image: cmd.image } : {}), modelUri, weight: 0 };
  if (cmd.metrics) released.metrics = cmd.metrics;
  return { ...m, tracks: { ...m.tracks, [c]: released } };
}

function promote(m: ModelState, cmd: Extract<RolloutCommand, { kind: "promote" }>): ModelState {
  const c = candidateColour(m);
  const cand = m.tracks[c];
  if (cand.retired) throw new RolloutRefusal(`the ${c} track is retired; release a version onto it first`);
  // Not even --force: --force overrides judgement (quality gate, capacity), while a rollback was a
  // decision about this version; a new release is the explicit way to try it again.
  if (cand.rolledBack) throw new RolloutRefusal(`${m.name} ${cand.version} on ${c} was rolled back; release it again to retry`);
  if (cand.weight >= 100) throw new RolloutRefusal(`the ${c} track already takes all traffic`);
  if (cand.weight === 0 && reached(cand) >= 100) throw new RolloutRefusal(`the ${c} track is the previous stable; undo restores it, retire idles it`);
  const provisioned = provisionedStep(m.steps, cand);
  const to = cmd.to ?? nextStep(m.steps, cand.weight);
  if (!Number.isInteger(to) || to <= cand.weight || to > 100) throw new RolloutRefusal(`--to must be a whole number above the current ${cand.weight}% and at most 100, got ${to}`);
  if (to > provisioned && !cmd.force) {
    throw new RolloutRefusal(`the ${c} track is provisioned for ${provisioned}% (its next step); moving to ${to}% would outrun its capacity. Promote one step at a time, or pass --force`);
  }
  // The quality gate (the schema enforces it too): a version below its thresholds moves only with
  // an override on record, already there from an earlier forced step or written now.
  const gate = trackQualityGate(m, c);
  let override: Partial<TrackState> = {};
  if (gate.state === "fail") {
    const below = `${m.name} ${cand.version} is below the model's quality thresholds (${gate.shortfalls.join("; ")})`;
    if (!cmd.force) throw new RolloutRefusal(`${below}; pass --force --reason TEXT to promote anyway (recorded as tracks.${c}.qualityOverride)`);
    if (!cmd.override) throw new RolloutRefusal(`${below}; --force promotes it only with --reason TEXT, recorded with your name as tracks.${c}.qualityOverride for review`);
    override = { qualityOverride: cmd.override };
  }
  if (to < 100) {
    return withTracks(m, { [c]: { weight: to, peakWeight: reached(cand), ...override }, [m.stable]: { weight: 100 - to } });
  }
  // Complete: the candidate becomes stable; the old stable keeps full capacity (peakWeight 100)
  // until it is retired, so undoing the promotion stays a routing change.
  return withTracks(m, { [c]: { weight: 100, peakWeight: undefined, ...override }, [m.stable]: { weight: 0, peakWeight: 100 } }, c);
}

// Safe to repeat: it only ever moves weight *to* the stable track, so running it twice (two
// operators, a retried pipeline) is the same as running it once, never a flip back.
function rollback(m: ModelState): ModelState {
  const c = candidateColour(m);
  const cand = m.tracks[c];
  switch (rolloutPhase(m)) {
    case "canary":
      // All traffic back to stable; the candidate keeps the size it had, so this touches routing only.
      return withTracks(m, { [c]: { weight: 0, peakWeight: reached(cand), rolledBack: true }, [m.stable]: { weight: 100 } });
    case "previous-stable":
      // Restoring the previous stable would undo a finished promotion; a rollback run twice must not
      // mean that, so it is a separate, explicit command.
      throw new RolloutRefusal(
        `the promotion of ${m.name} ${m.tracks[m.stable].version} on ${m.stable} completed, so there is no canary to roll back; \`modelship undo\` restores the previous stable (${cand.version} on ${c})`,
      );
    case "idle":
    case "released":
    case "rolled-back":
      return m;
  }
}

/** Why a rollback had nothing to move (it was a no-op), in words. */
export function nothingToRollBack(m: ModelState): string {
  const c = candidateColour(m);
  const cand = m.tracks[c];
  const why = cand.retired ? `${c} is retired` : cand.rolledBack ? `${c} ${cand.version} is already rolled back` : `${c} ${cand.version} takes no traffic`;
  return `Nothing to roll back: all traffic of ${m.name} is on ${m.stable} (${m.tracks[m.stable].version}); ${why}.`;
}

// After a completed promotion: the previous stable, still at full capacity, takes all traffic and
// becomes stable again. The version undone keeps full capacity (peakWeight 100), so this is a
// routing change only, and is marked rolled back so nothing promotes or restores it by accident.
function undo(m: ModelState): ModelState {
  const c = candidateColour(m);
  const idle = m.tracks[c];
  switch (rolloutPhase(m)) {
    case "previous-stable":
      return withTracks(m, { [c]: { weight: 100, peakWeight: undefined }, [m.stable]: { weight: 0, peakWeight: 100, rolledBack: true } }, c);
    case "canary":
      throw new RolloutRefusal(`${m.name} is mid-canary (${c} ${idle.version} takes ${idle.weight}%), no promotion to undo; \`modelship rollback\` moves all traffic back to ${m.stable}`);
    case "rolled-back":
      throw new RolloutRefusal(`nothing to undo: the idle track (${c}) holds ${idle.version}, which was already rolled back; ${m.stable} (${m.tracks[m.stable].version}) is stable`);
    case "released":
      throw new RolloutRefusal(`nothing to undo: ${c} ${idle.version} was released but never promoted; ${m.stable} (${m.tracks[m.stable].version}) is stable`);
    case "idle":
      throw new RolloutRefusal(`nothing to undo: the idle track (${c}) is retired, so no previous stable is left to restore`);
  }
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
    case "undo":
      return undo(m);
    case "retire":
      return retire(m);
  }
}

/**
 * What a plain `promote` would do next (for `status`), found by asking the state machine itself,
 * so it can never disagree with `promote`: its refusal (quality gate, rolled back, retired, ...)
 * is given word for word. `from` is the candidate's weight; `to` the step a promote would take,
 * null when the candidate cannot move at all.
 */
export type NextPromotion =
  | { action: "promote"; track: Colour; version: string; from: number; to: number; completes: boolean }
  | { action: "none"; track: Colour; version: string; from: number; to: number | null; refusal: string };

export function nextPromotion(m: ModelState): NextPromotion {
  const c = candidateColour(m);
  const cand = m.tracks[c];
  const phase = rolloutPhase(m);
  const to = phase === "released" || phase === "canary" ? nextStep(m.steps, cand.weight) : null;
  try {
    const after = applyCommand(m, { kind: "promote" });
    return { action: "promote", track: c, version: cand.version, from: cand.weight, to: after.tracks[c].weight, completes: after.stable !== m.stable };
  } catch (e) {
    if (!(e instanceof RolloutRefusal)) throw e;
    return { action: "none", track: c, version: cand.version, from: cand.weight, to, refusal: e.message };
  }
}

/** The next promotion in words. */
export function describeNextPromotion(n: NextPromotion): string {
  if (n.action === "none") return `promote would refuse: ${n.refusal}`;
  return n.completes ? `${n.track} ${n.version} to 100%: it becomes the stable track` : `${n.track} ${n.version} from ${n.from}% to ${n.to}%`;
}

/** Which of the model's steps the candidate is on (index from 1); null at 0% and off the steps. */
export function stepOf(m: ModelState): { index: number; of: number; weight: number } | null {
  const w = m.tracks[candidateColour(m)].weight;
  const i = w > 0 ? m.steps.indexOf(w) : -1;
  return i >= 0 ? { index: i + 1, of: m.steps.length, weight: w } : null;
}

export type Edit = { path: (string | number)[]; value?: unknown; remove?: true };

const TRACK_KEYS = ["version", "image", "modelUri", "weight", "retired", "rolledBack", "peakWeight", "metrics", "qualityOverride"] as const;

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
