// The shared flow of release, promote, rollback, undo and retire (and of any command that changes
// several models at once): plan the edits with the pure state machine, validate the new file with
// the schema, show the config diff and the objects it touches, then write the stack file
// atomically, only if nobody changed it meanwhile, and optionally run the update.
import type { FleetConfig } from "../../components/config";
import { diffObjects, touched } from "../objectdiff";
import { PulumiUnavailable, runPulumi } from "../pulumi";
import { applyCommand, edits, type ModelState, type RolloutCommand } from "../rollout";
import { applyModelEdits, findModel, fleetOfText, loadStackDocument, modelState, type StackDocument } from "../stackedit";
import { readProject, replaceFileIfUnchanged, type StackConfig } from "../stackfile";
import { synthesize } from "../synth";
import { unifiedDiff } from "../textdiff";
import { EXIT, type Args, type CommandContext } from "./types";

export const MUTATION_OPTIONS = { stack: false, model: false, "dry-run": true, preview: true, up: true } as const;

export const mutationFlags = `  --dry-run    show the change and the objects it touches; write nothing
  --preview    after writing, run \`pulumi preview\` for the stack (Automation API)
  --up         after writing, run \`pulumi up\` for the stack (Automation API)`;

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

export function readStack(projectDir: string, stack: string): StackSnapshot {
  const file = loadStackDocument(readProject(projectDir), stack);
  return { stack, file, current: fleetOfText(file.project, file.name, file.text) };
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
  const text = applyModelEdits(
    file,
    changes.map((c) => ({ index: c.modelIndex, edits: edits(c.before, c.after) })),
  );
  return { changes, text, proposed: fleetOfText(file.project, file.name, text) };
}

export interface MutationOptions {
  dryRun: boolean;
  /** After writing, run `pulumi preview` or `pulumi up` for the stack. */
  mode?: "preview" | "up";
}

export function mutationOptions(args: Args): MutationOptions {
  const dryRun = args.flag("dry-run");
  const mode = args.flag("up") ? "up" : args.flag("preview") ? "preview" : undefined;
  return { dryRun, ...(mode ? { mode } : {}) };
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
  ctx.print(describe(plan));

  if (plan.text === file.text) {
    // Repeating a command whose work is done must succeed without touching the file, so a retried
    // pipeline or a second operator gets the same answer as the first.
    ctx.print("");
    ctx.print(`Nothing to change in ${file.name}; nothing written.`);
  } else {
    ctx.print("");
    ctx.print(unifiedDiff(file.text, plan.text, file.name));
    ctx.progress(`Rendering ${stack} before and after the change...`);
    const [was, will] = [await synthesize(ctx.projectDir, stack, current.config), await synthesize(ctx.projectDir, stack, plan.proposed.config)];
    const changes = diffObjects(was.objects, will.objects);
    ctx.print("");
    ctx.print(`Objects this change touches (${touched(changes).length}):`);
    for (const [label, keys] of [["~", changes.changed], ["+", changes.added], ["-", changes.removed]] as const) for (const k of keys) ctx.print(`  ${label} ${k}`);

    if (options.dryRun) {
      ctx.print("");
      ctx.print(`Dry run: ${file.name} not written.`);
      return EXIT.ok;
    }
    replaceFileIfUnchanged(file.file, file.text, plan.text);
    ctx.print("");
    ctx.print(`Wrote ${file.name}.${options.mode ? "" : ` Apply it with \`pulumi up --stack ${stack}\` (or rerun with --up).`}`);
  }
  // Even with nothing to write, --preview/--up run: the file may hold a change not yet applied
  // (say, a rollback written without --up), and the flag asks for the stack to match the file.
  if (!options.mode || options.dryRun) return EXIT.ok;
  try {
    ctx.progress(`Running pulumi ${options.mode} --stack ${stack}...`);
    await runPulumi(ctx.projectDir, stack, options.mode, ctx.print);
    return EXIT.ok;
  } catch (e) {
    ctx.print(e instanceof PulumiUnavailable ? e.message : `pulumi ${options.mode} failed: ${(e as Error).message}`);
    return EXIT.pulumi;
  }
}

/** One model's command from `--stack` and `--model`. */
export async function runMutation(ctx: CommandContext, command: RolloutCommand, describe: (r: MutationResult) => string): Promise<number> {
  const stack = ctx.args.required("stack");
  const modelName = ctx.args.required("model");
  const options = mutationOptions(ctx.args);
  const snapshot = readStack(ctx.projectDir, stack);
  const modelIndex = findModel(snapshot.current.fleet, modelName, snapshot.file.name);
  return runStackMutation(ctx, snapshot, [{ modelIndex, command }], ({ changes: [c], text }) => describe({ before: c.before, after: c.after, text }), options);
}
