import { ROUTERS } from "../../components/routing/capabilities";
import { planCapacity } from "../../components/serving/capacity";
import { candidateColour, nextPromotion, rolloutPhase, stepPosition } from "../rollout";
import { fleetOfText, loadStackDocument, modelState } from "../stackedit";
import { readProject, StackFileError } from "../stackfile";
import { table } from "../render";
import type { CommandContext } from "./types";

export const statusHelp = `modelship status --stack STACK [--model MODEL] [--json]

Shows each model's tracks, versions, images, weights, capacity per track, the candidate's
position in its steps and what the next \`promote\` would do. Reads the stack file only.`;

export async function statusCommand(ctx: CommandContext): Promise<number> {
  const stack = ctx.args.required("stack");
  const only = ctx.args.optional("model");
  const project = readProject(ctx.projectDir);
  const file = loadStackDocument(project, stack);
  const { fleet } = fleetOfText(project, file.name, file.text);
  const models = fleet.models.filter((m) => !only || m.name === only);
  if (only && models.length === 0) throw new StackFileError(`${file.name}: no model "${only}" (models: ${fleet.models.map((m) => m.name).join(", ")})`);

  const report = models.map((m) => {
    const state = modelState(m);
    const capacity = planCapacity(m, ROUTERS[m.router].capacity);
    return {
      name: m.name,
      router: m.router,
      stable: m.stable,
      candidate: candidateColour(state),
      steps: m.steps,
      position: stepPosition(state),
      phase: rolloutPhase(state),
      next: nextPromotion(state),
      tracks: Object.fromEntries(
        (["blue", "green"] as const).map((c) => [c, { ...state.tracks[c], role: capacity[c].role, minReplicas: capacity[c].minReplicas, maxReplicas: capacity[c].maxReplicas }]),
      ),
    };
  });
  if (ctx.args.flag("json")) {
    ctx.print(JSON.stringify({ stack, models: report }, null, 2));
    return 0;
  }
  for (const m of report) {
    ctx.print(`${m.name} (${m.router}, steps ${m.steps.join(" > ")}): candidate ${m.candidate} ${m.position}`);
    const rows = [["TRACK", "ROLE", "VERSION", "WEIGHT", "REPLICAS", "IMAGE"]];
    for (const c of ["blue", "green"] as const) {
      const t = m.tracks[c];
      // Capacity's role says how a track is sized; a rolled-back version is sized like any other
      // candidate, but an operator needs to see that no promote will touch it.
      const role = t.rolledBack && c !== m.stable ? `${t.role}, rolled back` : t.role;
      rows.push([c, role, t.version, `${t.weight}%`, `${t.minReplicas}-${t.maxReplicas}`, t.image ?? "(built from build.context)"]);
    }
    ctx.print(table(rows).replace(/^/gm, "  "));
    ctx.print(`  next promote: ${m.next}`);
    ctx.print("");
  }
  return 0;
}
