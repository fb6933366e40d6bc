import type { QualityCheck, QualityGateState, QualityOverride } from "../../components/config/quality";
import { ROUTERS } from "../../components/routing/capabilities";
import { planCapacity } from "../../components/serving/capacity";
import { candidateColour, describeNextPromotion, nextPromotion, rolloutPhase, stepOf, trackQualityGate, type ModelState, type NextPromotion, type RolloutPhase } from "../rollout/state";
import { fleetOfDocument, loadStackDocument, modelState } from "../stackfile/edit";
import { readProject, StackFileError } from "../stackfile/file";
import { table } from "../render/files";
import type { CommandContext } from "./types";

/** The candidate's quality gate as status reports it; null while the candidate is retired. */
interface GateReport {
  track: string;
  version: string;
  state: QualityGateState;
  checks: QualityCheck[];
  shortfalls: string[];
  override?: QualityOverride;
}

function gateReport(state: ModelState): GateReport | null {
  const c = candidateColour(state);
  if (state.tracks[c].retired) return null;
  const gate = trackQualityGate(state, c);
  return { track: c, version: state.tracks[c].version, ...gate };
}

/** The phase, in a sentence that names the tracks (never "candidate ... before step 1" for a retired one). */
function phaseLine(state: ModelState, phase: RolloutPhase): string {
  const c = candidateColour(state);
  const cand = state.tracks[c];
  const stable = `${state.stable} ${state.tracks[state.stable].version}`;
  switch (phase) {
    case "idle":
      return `idle: ${stable} takes all traffic; ${c} is retired`;
    case "released":
      return `released: ${c} ${cand.version} at 0%, before step 1 of ${state.steps.length} (preview only); ${stable} is stable`;
    case "canary": {
      const step = stepOf(state);
      return `canary: ${c} ${cand.version} at ${step ? `step ${step.index} of ${step.of} (${cand.weight}%)` : `${cand.weight}%, off the steps`}; ${stable} is stable`;
    }
    case "rolled-back":
      return `rolled back: ${c} ${cand.version} was rolled back and takes no traffic; ${stable} is stable`;
    case "previous-stable":
      return `promotion complete: ${stable} is stable; ${c} ${cand.version} is the previous stable, at full capacity until retired`;
  }
}

const checkText = (k: QualityCheck) => (k.value === null ? `${k.metric} not recorded (needs >= ${k.threshold})` : `${k.metric} ${k.value} ${k.ok ? ">=" : "<"} ${k.threshold}`);

function gateLine(g: GateReport | null): string | undefined {
  if (!g) return undefined;
  const checks = g.checks.map(checkText).join(", ");
  switch (g.state) {
    case "none":
      return `quality gate: none (the model has no thresholds)`;
    case "pass":
      return `quality gate: ${g.track} ${g.version} passes (${checks})`;
    case "fail":
      return `quality gate: ${g.track} ${g.version} FAILS (${checks}); it takes no traffic without --force --reason`;
    case "override":
      return `quality gate: ${g.track} ${g.version} below thresholds (${checks}), overridden by ${g.override!.by}: ${g.override!.reason}`;
  }
}

/** The QUALITY column: the gate applies to the candidate only (the stable track is where rollback goes). */
function trackGate(state: ModelState, colour: "blue" | "green"): string {
  if (colour === state.stable || state.tracks[colour].retired) return "-";
  const g = trackQualityGate(state, colour);
  return g.state === "none" ? "-" : g.state;
}

export async function statusCommand(ctx: CommandContext): Promise<number> {
  const stack = ctx.args.required("stack");
  const only = ctx.args.optional("model");
  const project = readProject(ctx.projectDir);
  const file = loadStackDocument(project, stack);
  // The document loadStackDocument parsed: the file is parsed once.
  const { fleet } = fleetOfDocument(file, ctx.progress);
  const models = fleet.models.filter((m) => !only || m.name === only);
  if (only && models.length === 0) throw new StackFileError(`${file.name}: no model "${only}" (models: ${fleet.models.map((m) => m.name).join(", ")})`);

  const report = models.map((m) => {
    const state = modelState(m);
    const capacity = planCapacity(m, ROUTERS[m.router].capacity);
    const next: NextPromotion = nextPromotion(state);
    return {
      name: m.name,
      router: m.router,
      stable: m.stable,
      candidate: candidateColour(state),
      steps: m.steps,
      phase: rolloutPhase(state),
      /** The candidate's place on the steps (index from 1); null at 0% or off the steps. */
      step: stepOf(state),
      next,
      qualityGate: gateReport(state),
      thresholds: m.thresholds ?? null,
      tracks: Object.fromEntries(
        (["blue", "green"] as const).map((c) => [
          c,
          { ...state.tracks[c], quality: trackQualityGate(state, c).state, role: capacity[c].role, minReplicas: capacity[c].minReplicas, maxReplicas: capacity[c].maxReplicas },
        ]),
      ) as Record<"blue" | "green", ModelState["tracks"]["blue"] & { quality: QualityGateState; role: string; minReplicas: number; maxReplicas: number }>,
      state,
    };
  });
  if (ctx.args.flag("json")) {
    ctx.print(JSON.stringify({ stack, file: file.name, models: report.map(({ state: _, ...r }) => r) }, null, 2));
    return 0;
  }
  // One write for the whole report, not a system call per line (about 0.03 s CPU at 300 models).
  const lines: string[] = [];
  for (const m of report) {
    lines.push(`${m.name} (${m.router}, steps ${m.steps.join(" > ")}): ${phaseLine(m.state, m.phase)}`);
    const rows = [["TRACK", "ROLE", "VERSION", "WEIGHT", "REPLICAS", "QUALITY", "IMAGE"]];
    for (const c of ["blue", "green"] as const) {
      const t = m.tracks[c];
      // Capacity's role says how a track is sized; a rolled-back version is sized like any other
      // candidate, but an operator needs to see that no promote will touch it.
      const role = t.rolledBack && c !== m.stable ? `${t.role}, rolled back` : t.role;
      rows.push([c, role, t.version, `${t.weight}%`, `${t.minReplicas}-${t.maxReplicas}`, trackGate(m.state, c), t.image ?? "(built from build.context)"]);
    }
    lines.push(table(rows).replace(/^/gm, "  "));
    const gate = gateLine(m.qualityGate);
    if (gate) lines.push(`  ${gate}`);
    lines.push(`  next promote: ${describeNextPromotion(m.next)}`);
    lines.push("");
  }
  ctx.print(lines.join("\n"));
  return 0;
}
