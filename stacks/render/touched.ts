// Which Kubernetes objects a stack-file change touches, for the report of promote, rollback,
// release, retire, undo and advance. A one-model change costs one model's render, however large
// the fleet: the program runs (under the mock runtime, as synth runs it) on the changed models
// alone, before and after, and the fleet-wide objects — the only ones outside a model that a
// model's change can reach — are computed for the whole fleet by the pure function ModelFleet
// registers them from. Whenever that shortcut cannot be shown to hold for this program and
// config, the whole fleet is rendered before and after instead; both give the same answer
// (test/stacks/touched.test.ts compares them on every router and command).
import type { FleetConfig } from "../../components/config/schema";
import type { Manifest } from "../../components/kube";
import { fleetObjectList, fleetObjects } from "../../components/serving/fleet-objects";
import { MODEL_SERVING_TYPE } from "../../components/serving/labels";
import { CONFIG_NAMESPACE, parseFleetConfig } from "../../components/config/validate";
import { modelshipKeys, parseStackRef } from "../../components/config/stack-keys";
import { diffObjects, objectKey, type ObjectChanges } from "./objectdiff";
import type { StackConfig } from "../stackfile/file";
import { isKube, synthesize, type SynthResult } from "./synth";

/** The config key the models list is under, as the program reads it (namespaced). */
const MODELS_KEY = `${CONFIG_NAMESPACE}:models`;

export interface StackState {
  /** What Pulumi hands the program. */
  config: StackConfig;
  /** The same, validated. */
  fleet: FleetConfig;
}

export interface TouchedObjects {
  changes: ObjectChanges;
  /** The models rendered before and after ("the whole fleet" when the shortcut did not apply). */
  rendered: { models: string[] } | { wholeFleet: true; why: string };
}

/** Stable JSON (keys sorted, undefined dropped): two objects registered in different key order compare equal. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? "null" : canonical(x))).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const entries = Object.keys(v as object)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(v);
}

/** The indices of the models a change edits, or why the change is not confined to models. */
export function changedModels(before: StackConfig, after: StackConfig): { indices: number[]; models: { before: unknown[]; after: unknown[] } } | { why: string } {
  const keys = new Set([...Object.keys(before.config), ...Object.keys(after.config)]);
  for (const k of keys) if (k !== MODELS_KEY && before.config[k] !== after.config[k]) return { why: `the change edits ${k}, not only models` };
  const secret = (c: StackConfig) => JSON.stringify([...c.secretKeys].sort());
  if (secret(before) !== secret(after)) return { why: "the change edits which keys are secret" };
  const list = (c: StackConfig): unknown[] | undefined => {
    const text = c.config[MODELS_KEY];
    if (text === undefined) return undefined;
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      // A list given as one `secure:` value reaches the program as text, not JSON.
      return undefined;
    }
    return Array.isArray(v) ? v : undefined;
  };
  const [a, b] = [list(before), list(after)];
  if (!a || !b) return { why: `${MODELS_KEY} is not a list on both sides` };
  if (a.length !== b.length) return { why: "the change adds or removes models" };
  const nameOf = (m: unknown) => (m !== null && typeof m === "object" ? (m as { name?: unknown }).name : undefined);
  const indices: number[] = [];
  for (let i = 0; i < a.length; i++) {
    if (nameOf(a[i]) !== nameOf(b[i])) return { why: "the change renames or reorders models" };
    // Both sides come from one document, so an unchanged model serializes to the same text; a key
    // order that differed would only count a model as changed and render it too.
    if (JSON.stringify(a[i]) !== JSON.stringify(b[i])) indices.push(i);
  }
  return { indices, models: { before: a, after: b } };
}

/** The config with only the given models: the program then registers those models and the fleet's own objects. */
const withModels = (c: StackConfig, models: readonly unknown[]): StackConfig => ({ ...c, config: { ...c.config, [MODELS_KEY]: JSON.stringify(models) } });

/** Objects registered under a model's component, and all the others. */
function partition(r: SynthResult): { ofModels: Manifest[]; others: Manifest[] } {
  const byUrn = new Map(r.resources.map((x) => [x.urn, x]));
  // Memoized per parent, so deep component trees cost one walk each.
  const underModel = new Map<string, boolean>();
  const isUnderModel = (urn: string): boolean => {
    const known = underModel.get(urn);
    if (known !== undefined) return known;
    const res = byUrn.get(urn);
    const answer = !!res && (res.type === MODEL_SERVING_TYPE || isUnderModel(res.parent));
    underModel.set(urn, answer);
    return answer;
  };
  const ofModels: Manifest[] = [];
  const others: Manifest[] = [];
  for (const x of r.resources) {
    if (!isKube(x.type)) continue;
    (isUnderModel(x.parent) ? ofModels : others).push(x.inputs as Manifest);
  }
  return { ofModels, others };
}

/** Why a render's fleet-wide objects are not exactly what fleetObjects() predicts, or undefined when they are. */
function fleetMismatch(registered: readonly Manifest[], predicted: readonly Manifest[]): string | undefined {
  const index = (objects: readonly Manifest[]) => new Map(objects.map((o) => [objectKey(o), canonical(o)]));
  const [a, b] = [index(registered), index(predicted)];
  for (const [k, v] of a) if (b.get(k) !== v) return `the program registers ${k} outside any model${b.has(k) ? " differently from the fleet's own objects" : ""}`;
  for (const k of b.keys()) if (!a.has(k)) return `the program does not register the fleet's ${k}`;
  return undefined;
}

async function wholeFleet(projectDir: string, stack: string, before: StackState, after: StackState, why: string): Promise<TouchedObjects> {
  const quiet = () => undefined;
  const was = await synthesize(projectDir, stack, before.config, quiet);
  const will = await synthesize(projectDir, stack, after.config, quiet);
  return { changes: diffObjects(was.objects, will.objects), rendered: { wholeFleet: true, why } };
}

/**
 * The objects a change from `before` to `after` touches. `progress` hears which render runs (a
 * command's stderr). The answer is what synthesizing the whole fleet before and after reports.
 */
export async function touchedObjects(projectDir: string, stack: string, before: StackState, after: StackState, progress: (line: string) => void = () => undefined): Promise<TouchedObjects> {
  const scope = changedModels(before.config, after.config);
  if ("why" in scope) {
    progress(`Rendering ${stack} before and after the change (${scope.why})...`);
    return wholeFleet(projectDir, stack, before, after, scope.why);
  }
  const names = scope.indices.map((i) => before.fleet.models[i]?.name ?? String(i));
  if (scope.indices.length === 0) return { changes: { added: [], removed: [], changed: [] }, rendered: { models: [] } };
  progress(`Rendering ${names.join(", ")} before and after the change...`);
  const stackName = parseStackRef(stack).name;
  const sides: Manifest[][] = [];
  for (const [state, models] of [
    [before, scope.models.before],
    [after, scope.models.after],
  ] as const) {
    const partial = withModels(state.config, scope.indices.map((i) => models[i]));
    let result: SynthResult;
    let partialFleet: FleetConfig;
    try {
      partialFleet = parseFleetConfig(modelshipKeys(partial.config), "");
      result = await synthesize(projectDir, stack, partial, () => undefined);
    } catch {
      // A fleet-level setting that names a model not rendered, say: the whole fleet decides.
      const why = `the changed models do not render on their own`;
      progress(`Rendering the whole of ${stack} before and after instead (${why})...`);
      return wholeFleet(projectDir, stack, before, after, why);
    }
    const { ofModels, others } = partition(result);
    // The shortcut holds only if everything outside the models is the fleet's own objects, as
    // fleetObjects() computes them: then it computes them for the whole fleet here too.
    const mismatch = fleetMismatch(others, fleetObjectList(fleetObjects(partialFleet, stackName)));
    if (mismatch) {
      progress(`Rendering the whole of ${stack} before and after instead (${mismatch})...`);
      return wholeFleet(projectDir, stack, before, after, mismatch);
    }
    sides.push([...ofModels, ...fleetObjectList(fleetObjects(state.fleet, stackName))]);
  }
  return { changes: diffObjects(sides[0], sides[1]), rendered: { models: names } };
}
