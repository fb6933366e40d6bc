import { assessModel, GateConfigError, PrometheusError, prometheusBaseUrl, redactUrl, VERDICT_EXIT, type Assessment, type SignalReport } from "../gate";
import { formatQuantile } from "../../components/monitoring/quantile";
import { rolloutPhase } from "../rollout/state";
import { findModel, fleetOfDocument, loadStackDocument, modelState } from "../stackfile/edit";
import { readProject, StackFileError } from "../stackfile/file";
import { PROMETHEUS_ENV } from "./help";
import { UsageError, type CommandContext } from "./types";

/** The Prometheus URL from the option or the environment, checked before any query. */
export function prometheusOption(ctx: CommandContext): string {
  const url = ctx.args.optional("prometheus") ?? process.env[PROMETHEUS_ENV];
  if (!url) throw new UsageError(`--prometheus is required (or set ${PROMETHEUS_ENV})`);
  try {
    prometheusBaseUrl(url);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return url;
}

export async function analyzeCommand(ctx: CommandContext): Promise<number> {
  const stack = ctx.args.required("stack");
  const url = prometheusOption(ctx);
  const project = readProject(ctx.projectDir);
  const file = loadStackDocument(project, stack);
  // The document loadStackDocument parsed: the file is parsed once.
  const { fleet } = fleetOfDocument(file, ctx.progress);
  const model = fleet.models[findModel(fleet, ctx.args.required("model"), file.name)];
  const phase = rolloutPhase(modelState(model));
  if (phase !== "released" && phase !== "canary") {
    // Judging the idle track would answer a question nobody asked: no rollout, no verdict.
    throw new StackFileError(`${file.name}: ${model.name} has no rollout in progress (its idle track is ${phase}); nothing to analyze`);
  }

  let assessment: Assessment | undefined;
  let error: string | undefined;
  try {
    ctx.progress(`Querying ${redactUrl(url)}...`);
    assessment = await assessModel(url, model, fleet.namespace, Date.now() / 1000);
  } catch (e) {
    if (!(e instanceof PrometheusError || e instanceof GateConfigError)) throw e;
    error = e.message;
  }
  const verdict = assessment?.verdict ?? "error";
  if (ctx.args.flag("json")) {
    ctx.print(JSON.stringify({ stack, model: model.name, verdict, reasons: assessment?.reasons ?? [error], ...(assessment ? { assessment } : {}) }, null, 2));
  } else {
    printAssessment(ctx.print, model.name, assessment, error);
  }
  return VERDICT_EXIT[verdict];
}

const pct = (x: number) => `${(100 * x).toPrecision(3)}%`;
const count = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1));

function signalLine(s: SignalReport): string[] {
  if (s.outcome === "unmeasured") return [`  ${s.signal.padEnd(8)} unmeasured`];
  const lines = [`  ${s.signal.padEnd(8)} ${s.outcome.toUpperCase()} (${s.meaning})`];
  if (s.candidate) lines.push(`    candidate ${count(s.candidate.bad)}/${count(s.candidate.total)} = ${pct(s.candidate.ratio)}, interval ${pct(s.candidate.interval.lower)}..${pct(s.candidate.interval.upper)}`);
  if (s.stable) lines.push(`    stable    ${count(s.stable.bad)}/${count(s.stable.total)} = ${pct(s.stable.ratio)}, interval ${pct(s.stable.interval.lower)}..${pct(s.stable.interval.upper)}`);
  if (s.relativeRisk) lines.push(`    relative risk ${s.relativeRisk.lower.toPrecision(3)}..${Number.isFinite(s.relativeRisk.upper) ? s.relativeRisk.upper.toPrecision(3) : "inf"}`);
  const limits = [s.tolerance !== undefined ? `pass below ${pct(s.tolerance)}` : "", s.ceiling !== undefined ? `ceiling ${pct(s.ceiling)}` : ""].filter(Boolean).join(", ");
  if (limits) lines.push(`    ${limits}`);
  if (s.failStatistic !== undefined && s.failThreshold !== undefined) lines.push(`    evidence of regression ln M = ${s.failStatistic.toFixed(2)}, fails at ${s.failThreshold.toFixed(2)}`);
  return lines;
}

export function printAssessment(print: (l: string) => void, model: string, a: Assessment | undefined, error?: string): void {
  if (!a) {
    print(`${model}: ERROR`);
    print(`  ${error}`);
    return;
  }
  const where = a.phase === "first-step" ? "before its first step" : `at ${a.weight}%`;
  print(`${model}: candidate ${a.candidate} (${a.candidateVersion}) ${where} against stable ${a.stable} (${a.stableVersion}): ${a.verdict.toUpperCase()}`);
  if (a.effect?.inEffect) print(`  step in effect for ${Math.round(a.elapsedSeconds ?? 0)}s, candidate share ${pct(a.effect.observedShare)}`);
  // At the histogram's top bucket the p99 is only known to be at least that: "≥ 5s", never "5s".
  if (a.stableP99) print(`  stable p99 over the step: ${formatQuantile(a.stableP99.seconds, a.stableP99.topSeconds)}`);
  for (const s of a.gate.signals) for (const l of signalLine(s)) print(l);
  for (const r of a.reasons) print(`  ${r}`);
}
