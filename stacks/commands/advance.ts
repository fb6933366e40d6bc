// advance: the release decision, taken without a human. For every model mid-rollout, the canary
// gate's verdict becomes promote, rollback or hold, and all of them land as ONE stack-file
// write — a reviewable commit that `pulumi up` then applies. Fail closed: if any model cannot be
// assessed (Prometheus down, a bad answer), nothing is written and the exit code is 3.
import { assessModel, decide, GateConfigError, PrometheusError, redactUrl, type AdvanceAction, type Assessment } from "../gate";
import { applyCommand, RolloutRefusal, rolloutPhase, type ModelState, type RolloutCommand } from "../rollout/state";
import { findModel, modelState } from "../stackfile/edit";
import { prometheusOption, printAssessment } from "./analyze";
import { readStack, runStackMutation, type ModelEdit } from "./mutate";
import { ADVANCE_EXIT, UsageError, type CommandContext } from "./types";

// Defined in the leaf ./types so the CLI knows it without loading advance; still exported here for its importers.
export { ADVANCE_EXIT };

export interface ModelReport {
  model: string;
  action: AdvanceAction | "none";
  /** The candidate's weight before and after. */
  from?: number;
  to?: number;
  verdict: Assessment["verdict"] | null;
  reasons: string[];
  assessment?: Assessment;
}

const COMMAND_OF: Record<Exclude<AdvanceAction, "hold">, RolloutCommand> = { promote: { kind: "promote" }, rollback: { kind: "rollback" } };

/** The models to look at: one by name, or every model in the file. */
function selected(ctx: CommandContext, models: readonly { name: string }[], fileName: string): number[] {
  const one = ctx.args.optional("model");
  const all = ctx.args.flag("all");
  if (one !== undefined && all) throw new UsageError("--model and --all exclude each other");
  if (one === undefined && !all) throw new UsageError("name a model with --model, or pass --all");
  return all ? models.map((_, i) => i) : [findModel({ models } as never, one!, fileName)];
}

/** The edit for one model's decision, or why the state machine would not take it (then: hold). */
function planned(before: ModelState, action: AdvanceAction): { after?: ModelState; refusal?: string } {
  if (action === "hold") return {};
  try {
    return { after: applyCommand(before, COMMAND_OF[action]) };
  } catch (e) {
    if (e instanceof RolloutRefusal) return { refusal: e.message };
    throw e;
  }
}

export async function advanceCommand(ctx: CommandContext): Promise<number> {
  const stack = ctx.args.required("stack");
  const json = ctx.args.flag("json");
  const dryRun = ctx.args.flag("dry-run");
  const url = prometheusOption(ctx);
  const snapshot = readStack(ctx.projectDir, stack, ctx.progress);
  const { fleet } = snapshot.current;
  const indexes = selected(ctx, fleet.models, snapshot.file.name);
  const out = json ? { ...ctx, print: ctx.progress } : ctx;

  const reports: ModelReport[] = [];
  const modelEdits: ModelEdit[] = [];
  const now = Date.now() / 1000;
  try {
    for (const i of indexes) {
      const model = fleet.models[i];
      const before = modelState(model);
      const phase = rolloutPhase(before);
      if (phase !== "released" && phase !== "canary") {
        reports.push({ model: model.name, action: "none", verdict: null, reasons: [`no rollout in progress (${phase})`] });
        continue;
      }
      out.progress(`Assessing ${model.name} against ${redactUrl(url)}...`);
      const assessment = await assessModel(url, model, fleet.namespace, now);
      const decision = decide(assessment, model.rollout.onStall);
      const { after, refusal } = planned(before, decision.action);
      const action = after ? decision.action : "hold";
      const reasons = refusal ? [...assessment.reasons, `${decision.action} refused: ${refusal}`] : assessment.reasons;
      if (after) modelEdits.push({ modelIndex: i, before, after });
      reports.push({ model: model.name, action, from: assessment.weight, to: after ? after.tracks[assessment.candidate].weight : assessment.weight, verdict: assessment.verdict, reasons, assessment });
      if (!json) {
        printAssessment(ctx.print, model.name, assessment);
        ctx.print(`  => ${action}${after ? `: ${assessment.candidate} ${assessment.weight}% -> ${after.tracks[assessment.candidate].weight}%` : ""}`);
        ctx.print("");
      }
    }
  } catch (e) {
    if (!(e instanceof PrometheusError || e instanceof GateConfigError)) throw e;
    // No verdict for one model means no action for any: nothing is written.
    const message = `no verdict, nothing written: ${e.message}`;
    if (json) ctx.print(JSON.stringify({ stack, written: false, file: snapshot.file.name, error: message, models: reports }, null, 2));
    else ctx.progress(`modelship advance: ${message}`);
    return ADVANCE_EXIT.error;
  }

  let written = false;
  if (modelEdits.length > 0) {
    const summary = reports.filter((r) => r.action === "promote" || r.action === "rollback").map((r) => `${r.model}: ${r.action} ${r.from}% -> ${r.to}%`);
    const code = await runStackMutation(out, snapshot, modelEdits, () => `Advance ${stack}: ${summary.join("; ")}`, { dryRun });
    if (code !== 0) return ADVANCE_EXIT.error;
    written = !dryRun;
  }
  if (json) ctx.print(JSON.stringify({ stack, written, file: snapshot.file.name, models: reports }, null, 2));
  else if (modelEdits.length === 0) ctx.print(`Nothing to change in ${snapshot.file.name}.`);
  const actions = reports.map((r) => r.action);
  return actions.includes("rollback") ? ADVANCE_EXIT.rolledBack : actions.includes("hold") ? ADVANCE_EXIT.held : ADVANCE_EXIT.ok;
}
