import { BY_TRACK, contractOf } from "../../components/monitoring";
import { judge, VERDICT_EXIT, type Analysis, type TrackSample } from "../analysis";
import { PrometheusError, instantQuery } from "../prometheus";
import { candidateColour } from "../rollout";
import { findModel, fleetOfText, loadStackDocument } from "../stackedit";
import { readProject } from "../stackfile";
import { UsageError, type CommandContext } from "./types";

export const analyzeHelp = `modelship analyze --stack STACK --model MODEL --prometheus URL [--window 5m] [--json]

Compares the candidate track with the stable one over the window, with the metrics contract's
queries (the ones the alerts use): error ratio within max(errorFactor x stable, stable +
errorMargin) and p99 latency within max(latencyFactor x stable, stable + latencyMarginSeconds), once each track has
canary.minRequestRate x window requests. Exit code: 0 pass, 1 fail, 2 inconclusive (too little
traffic or no series, never a failure), 3 error (Prometheus unreachable or a bad answer, and
also a bad option, stack or model, so that a typo never reads as a verdict).`;

const SECONDS = { s: 1, m: 60, h: 3600 } as const;

export function windowSeconds(window: string): number {
  const m = /^(\d+)(s|m|h)$/.exec(window);
  if (!m || Number(m[1]) === 0) throw new UsageError(`--window expects a duration such as 30s, 5m or 1h, got "${window}"`);
  return Number(m[1]) * SECONDS[m[2] as keyof typeof SECONDS];
}

export async function analyzeCommand(ctx: CommandContext): Promise<number> {
  const stack = ctx.args.required("stack");
  const url = ctx.args.required("prometheus");
  const window = ctx.args.optional("window") ?? "5m";
  const seconds = windowSeconds(window);
  const project = readProject(ctx.projectDir);
  const file = loadStackDocument(project, stack);
  const { fleet } = fleetOfText(project, file.name, file.text);
  const model = fleet.models[findModel(fleet, ctx.args.required("model"), file.name)];
  const contract = contractOf(model, fleet.namespace);
  const [candidate, stable] = [candidateColour(model), model.stable];

  let analysis: Analysis;
  const samples: Record<string, TrackSample> = { [candidate]: {}, [stable]: {} };
  try {
    // One evaluation time for every query, so the signals describe the same window.
    const at = Date.now() / 1000;
    const byTrack = async (query: string | undefined, key: keyof TrackSample, scale = 1) => {
      if (!query) return;
      for (const s of await instantQuery(url, query, at)) if (s.labels.track in samples) samples[s.labels.track][key] = s.value * scale;
    };
    ctx.progress(`Querying ${url} over the last ${window}...`);
    await byTrack(contract.requestRate(window, BY_TRACK), "requests", seconds);
    await byTrack(contract.errorRatio(window, BY_TRACK), "errorRatio");
    await byTrack(contract.latencyQuantile(0.99, window, BY_TRACK), "p99");
    const c = model.monitoring.canary;
    analysis = judge(
      samples[candidate],
      samples[stable],
      { errorFactor: c.errorFactor, errorMargin: c.errorMargin, latencyFactor: c.latencyFactor, latencyMargin: c.latencyMarginSeconds, minRequests: c.minRequestRate * seconds },
      { errors: contract.available.has("errors"), latency: contract.available.has("latency") },
    );
  } catch (e) {
    if (!(e instanceof PrometheusError)) throw e;
    analysis = { verdict: "error", reasons: [e.message], checks: [] };
  }

  const header = `${model.name}: candidate ${candidate} (${model.tracks[candidate].version}) against stable ${stable} (${model.tracks[stable].version}) over ${window}`;
  if (ctx.args.flag("json")) {
    const versions = { candidateVersion: model.tracks[candidate].version, stableVersion: model.tracks[stable].version };
    ctx.print(JSON.stringify({ stack, model: model.name, window, candidate, stable, ...versions, ...analysis }, null, 2));
  } else {
    ctx.print(`${header}: ${analysis.verdict.toUpperCase()}`);
    const fmt = (x: number | undefined, signal: string) =>
      x === undefined ? "-" : signal === "requests" ? x.toFixed(0) : signal === "error ratio" ? `${(x * 100).toFixed(2)}%` : `${(x * 1000).toFixed(0)}ms`;
    for (const k of analysis.checks) {
      ctx.print(`  ${k.signal.padEnd(12)} candidate ${fmt(k.candidate, k.signal).padEnd(9)} stable ${fmt(k.stable, k.signal).padEnd(9)} ${k.limit === undefined ? "" : `limit ${fmt(k.limit, k.signal).padEnd(9)}`} ${k.outcome}`);
    }
    for (const r of analysis.reasons) ctx.print(`  ${r}`);
  }
  return VERDICT_EXIT[analysis.verdict];
}
