// The shared flow of release, promote, rollback and retire: plan the edit with the pure state
// machine, validate it with the schema, show the config diff and the objects it touches, then
// write the stack file atomically and optionally run the update.
import { parseFleetConfig } from "../../components/config";
import { modelshipKeys } from "../config";
import { diffObjects, touched } from "../objectdiff";
import { PulumiUnavailable, runPulumi } from "../pulumi";
import { applyCommand, edits, type ModelState, type RolloutCommand } from "../rollout";
import { applyEdits, findModel, fleetOfText, loadStackDocument, modelState } from "../stackedit";
import { readProject, writeFileAtomic } from "../stackfile";
import { synthesize } from "../synth";
import { unifiedDiff } from "../textdiff";
import { EXIT, type CommandContext } from "./types";

export const MUTATION_OPTIONS = { stack: false, model: false, "dry-run": true, preview: true, up: true } as const;

export const mutationFlags = `  --dry-run    show the change and the objects it touches; write nothing
  --preview    after writing, run \`pulumi preview\` for the stack (Automation API)
  --up         after writing, run \`pulumi up\` for the stack (Automation API)`;

export interface MutationResult {
  before: ModelState;
  after: ModelState;
  text: string;
}

export async function runMutation(ctx: CommandContext, command: RolloutCommand, describe: (r: MutationResult) => string): Promise<number> {
  const stack = ctx.args.required("stack");
  const modelName = ctx.args.required("model");
  const dryRun = ctx.args.flag("dry-run");
  const mode = ctx.args.flag("up") ? "up" : ctx.args.flag("preview") ? "preview" : undefined;

  const project = readProject(ctx.projectDir);
  const file = loadStackDocument(project, stack);
  const current = fleetOfText(project, file.name, file.text);
  const index = findModel(current.fleet, modelName, file.name);
  const before = modelState(current.fleet.models[index]);
  const after = applyCommand(before, command);
  const text = applyEdits(file, index, edits(before, after));
  // The same schema `pulumi up` applies: a change that would not validate is never written.
  const proposed = fleetOfText(project, file.name, text);
  parseFleetConfig(modelshipKeys(proposed.config.config), file.name);

  ctx.print(describe({ before, after, text }));
  ctx.print("");
  ctx.print(unifiedDiff(file.text, text, file.name));
  ctx.progress(`Rendering ${stack} before and after the change...`);
  const [was, will] = [await synthesize(ctx.projectDir, stack, current.config), await synthesize(ctx.projectDir, stack, proposed.config)];
  const changes = diffObjects(was.objects, will.objects);
  ctx.print("");
  ctx.print(`Objects this change touches (${touched(changes).length}):`);
  for (const [label, keys] of [["~", changes.changed], ["+", changes.added], ["-", changes.removed]] as const) for (const k of keys) ctx.print(`  ${label} ${k}`);

  if (dryRun) {
    ctx.print("");
    ctx.print(`Dry run: ${file.name} not written.`);
    return EXIT.ok;
  }
  writeFileAtomic(file.file, text);
  ctx.print("");
  ctx.print(`Wrote ${file.name}.${mode ? "" : ` Apply it with \`pulumi up --stack ${stack}\` (or rerun with --up).`}`);
  if (!mode) return EXIT.ok;
  try {
    ctx.progress(`Running pulumi ${mode} --stack ${stack}...`);
    await runPulumi(ctx.projectDir, stack, mode, ctx.print);
    return EXIT.ok;
  } catch (e) {
    ctx.print(e instanceof PulumiUnavailable ? e.message : `pulumi ${mode} failed: ${(e as Error).message}`);
    return EXIT.pulumi;
  }
}
