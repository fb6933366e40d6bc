// The shared flow of release, promote, rollback, undo and retire (and of any command that changes
// several models at once): plan the edits with the pure state machine, validate the new file with
// the schema, show the config diff and the objects it touches, then write the stack file
// atomically, only if nobody changed it meanwhile, and optionally run the update.
import type { Colour, FleetConfig } from "../../components/config";
import { touched, type ObjectChanges } from "../render/objectdiff";
import { refuseWhatThePackWould } from "../rollout/policy";
import { PulumiUnavailable, runPulumi } from "./pulumi";
import { applyCommand, edits, rolloutPhase, type ModelState, type RolloutCommand, type RolloutPhase } from "../rollout/state";
import { editModels, findModel, fleetOfDocument, loadStackDocument, modelState, type StackDocument } from "../stackfile/edit";
import { readProject, replaceFileIfUnchanged, type StackConfig } from "../stackfile/file";
import { unifiedDiff } from "../stackfile/textdiff";
import { touchedObjects } from "../render/touched";
import { EXIT, UsageError, type Args, type CommandContext } from "./types";

export interface MutationResult {
  before: ModelState;
  after: ModelState;
  text: string;
}

/** A stack file as a command read it; the write is checked against exactly this text. */
export interface StackSnapshot {
  stack: string;
  file: StackDocument;
  current: { fleet: FleetConfig; config: StackConfig };
}

/** Reads a stack file; keys ignored for a misspelt namespace go to `warn` (a command's stderr). */
export function readStack(projectDir: string, stack: string, warn?: (message: string) => void): StackSnapshot {
  const file = loadStackDocument(readProject(projectDir), stack);
  // Parsed once: the config is read from the document the edits are later made on.
  return { stack, file, current: fleetOfDocument(file, warn) };
}

/**
 * One model's part of a change: a command for the state machine, or states the caller planned
 * already (say, after skipping models whose command was refused).
 */
export type ModelEdit = { modelIndex: number; command: RolloutCommand } | { modelIndex: number; before: ModelState; after: ModelState };

export interface ModelChange {
  modelIndex: number;
  before: ModelState;
  after: ModelState;
}

export interface MutationPlan {
  changes: ModelChange[];
  /** The whole new stack file; equal to the snapshot's text when nothing has to move. */
  text: string;
  proposed: { fleet: FleetConfig; config: StackConfig };
}

/**
 * Every model's edit applied to one document, validated once (the same schema `pulumi up`
 * applies: a change that would not validate is never written). Throws RolloutRefusal when a
 * command does not apply, ConfigError when the result does not validate.
 */
export function planMutation(snapshot: StackSnapshot, modelEdits: readonly ModelEdit[]): MutationPlan {
  const { file, current } = snapshot;
  const seen = new Set<number>();
  const changes = modelEdits.map((e): ModelChange => {
    // Two edits of one model would each be planned from the same before-state; one would be lost.
    if (seen.has(e.modelIndex)) throw new Error(`model ${e.modelIndex} appears twice in one change`);
    seen.add(e.modelIndex);
    if ("command" in e) {
      const before = modelState(current.fleet.models[e.modelIndex]);
      return { modelIndex: e.modelIndex, before, after: applyCommand(before, e.command) };
    }
    return { modelIndex: e.modelIndex, before: e.before, after: e.after };
  });
  // What the policy pack would stop at `pulumi up` is never written.
  refuseWhatThePackWould(file.project.dir, snapshot.stack, changes.map((c) => c.after));
  const edited = editModels(
    file,
    changes.map((c) => ({ index: c.modelIndex, edits: edits(c.before, c.after) })),
  );
  // Validated from the edited document itself, which is exactly what the text written serializes.
  return { changes, text: edited.text, proposed: fleetOfDocument({ ...file, doc: edited.doc }) };
}

export interface MutationOptions {
  dryRun: boolean;
  /** After writing, run `pulumi preview` or `pulumi up` for the stack. */
  mode?: "preview" | "up";
  /** `--json`: one MutationReport on stdout; the description, diff and Pulumi's output go to stderr. */
  json?: boolean;
  /** The command's name, for the JSON report. */
  command?: string;
}

/** What a mutating command did, as `--json` prints it. */
export interface MutationReport {
  command?: string;
  stack: string;
  file: string;
  /** The description a person reads first ("Promote fraud-detector 1.5.0 on green from 10% to 25%."). */
  summary: string;
  models: {
    model: string;
    stable: { before: Colour; after: Colour };
    phase: { before: RolloutPhase; after: RolloutPhase };
    weights: { before: Record<Colour, number>; after: Record<Colour, number> };
    /** The stack-file edits, relative to the model (`tracks.green.weight`). */
    edits: { path: string; value?: unknown; remove?: true }[];
  }[];
  /** Whether the stack file's text changes at all. */
  changed: boolean;
  /** The unified diff of the stack file ("" when nothing changes). */
  diff: string;
  /** The Kubernetes objects the change touches (null when nothing changes, so nothing was rendered). */
  touched: ObjectChanges | null;
  /**
   * What was rendered to find them: the changed models (with the fleet-wide objects computed for
   * every model), or the whole fleet, and why (null when nothing changes).
   */
  rendered: { models: string[] } | { wholeFleet: true; why: string } | null;
  dryRun: boolean;
  written: boolean;
  /** The `pulumi preview`/`up` asked for with --preview/--up, and how it went. */
  pulumi: { mode: "preview" | "up"; ok: boolean; error?: string } | null;
  exitCode: number;
  error?: string;
}

/** --dry-run, --preview and --up exclude one another: each says something different about writing. */
export function mutationOptions(args: Args): MutationOptions {
  const given = (["dry-run", "preview", "up"] as const).filter((f) => args.flag(f));
  if (given.length > 1) throw new UsageError(`--${given[0]} and --${given[1]} exclude each other`);
  const [only] = given;
  return { dryRun: only === "dry-run", ...(only === "preview" || only === "up" ? { mode: only } : {}), ...(args.flag("json") ? { json: true } : {}) };
}

/**
 * Plans the edits of several models of one stack file, prints the description, the unified diff
 * and the objects the whole change touches once, and writes the file once — only if it still
 * holds the snapshot's text. When nothing has to move it writes nothing and still succeeds.
 */
export async function runStackMutation(
  ctx: CommandContext,
  snapshot: StackSnapshot,
  modelEdits: readonly ModelEdit[],
  describe: (plan: MutationPlan) => string,
  options: MutationOptions = mutationOptions(ctx.args),
): Promise<number> {
  const { stack, file, current } = snapshot;
  const plan = planMutation(snapshot, modelEdits);
  // Under --json, stdout carries the report alone: everything a person reads goes to stderr.
  const out = options.json ? { ...ctx, print: ctx.progress } : ctx;
  const summary = describe(plan);
  const report: MutationReport = {
    ...(options.command ? { command: options.command } : {}),
    stack,
    file: file.name,
    summary,
    models: plan.changes.map((c) => ({
      model: c.after.name,
      stable: { before: c.before.stable, after: c.after.stable },
      phase: { before: rolloutPhase(c.before), after: rolloutPhase(c.after) },
      weights: { before: weightsOf(c.before), after: weightsOf(c.after) },
      edits: edits(c.before, c.after).map((e) => ({ ...e, path: e.path.join(".") })),
    })),
    changed: plan.text !== file.text,
    diff: "",
    touched: null,
    rendered: null,
    dryRun: options.dryRun,
    written: false,
    pulumi: null,
    exitCode: EXIT.ok,
  };
  const finish = (code: number, error?: string) => {
    report.exitCode = code;
    if (error) report.error = error;
    if (options.json) ctx.print(JSON.stringify(report, null, 2));
    return code;
  };
  out.print(summary);

  if (!report.changed) {
    // Repeating a command whose work is done must succeed without touching the file, so a retried
    // pipeline or a second operator gets the same answer as the first.
    out.print("");
    out.print(`Nothing to change in ${file.name}; nothing written.`);
  } else {
    report.diff = unifiedDiff(file.text, plan.text, file.name);
    out.print("");
    out.print(report.diff);
    // Only the changed models are rendered, plus the fleet-wide objects (stacks/render/touched.ts).
    const { changes, rendered } = await touchedObjects(ctx.projectDir, stack, current, plan.proposed, ctx.progress);
    report.touched = changes;
    report.rendered = "wholeFleet" in rendered ? { wholeFleet: true, why: rendered.why } : { models: rendered.models };
    out.print("");
    out.print(`Objects this change touches (${touched(changes).length}):`);
    for (const [label, keys] of [["~", changes.changed], ["+", changes.added], ["-", changes.removed]] as const) for (const k of keys) out.print(`  ${label} ${k}`);

    if (options.dryRun) {
      out.print("");
      out.print(`Dry run: ${file.name} not written.`);
      return finish(EXIT.ok);
    }
    replaceFileIfUnchanged(file.file, file.text, plan.text);
    report.written = true;
    out.print("");
    out.print(`Wrote ${file.name}.${options.mode ? "" : ` Apply it with \`pulumi up --stack ${stack}\` (or rerun with --up).`}`);
  }
  // Even with nothing to write, --preview/--up run: the file may hold a change not yet applied
  // (say, a rollback written without --up), and the flag asks for the stack to match the file.
  if (!options.mode || options.dryRun) return finish(EXIT.ok);
  try {
    ctx.progress(`Running pulumi ${options.mode} --stack ${stack}...`);
    await runPulumi(ctx.projectDir, stack, options.mode, out.print);
    report.pulumi = { mode: options.mode, ok: true };
    return finish(EXIT.ok);
  } catch (e) {
    const message = e instanceof PulumiUnavailable ? e.message : `pulumi ${options.mode} failed: ${(e as Error).message}`;
    out.print(message);
    report.pulumi = { mode: options.mode, ok: false, error: message };
    return finish(EXIT.pulumi, message);
  }
}

const weightsOf = (m: ModelState): Record<Colour, number> => ({ blue: m.tracks.blue.weight, green: m.tracks.green.weight });

/** One model's command from `--stack` and `--model`. */
export async function runMutation(ctx: CommandContext, command: RolloutCommand, describe: (r: MutationResult) => string): Promise<number> {
  const stack = ctx.args.required("stack");
  const modelName = ctx.args.required("model");
  const options = { ...mutationOptions(ctx.args), command: command.kind };
  const snapshot = readStack(ctx.projectDir, stack, ctx.progress);
  const modelIndex = findModel(snapshot.current.fleet, modelName, snapshot.file.name);
  return runStackMutation(ctx, snapshot, [{ modelIndex, command }], ({ changes: [c], text }) => describe({ before: c.before, after: c.after, text }), options);
}
