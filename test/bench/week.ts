// The alert sections of BENCHMARKS.md: how fast each silent fault is detected, and how many
// alerts fire over a simulated week of noise that is no fault at all. Every alert comes from the
// fixture stacks' rendered rules (test/monitoring/rendered.ts), evaluated by promtool over
// series shaped like the servers' (test/monitoring/scenarios.ts). Fixed seeds.
import type { Colour } from "../../components/config";
import { COLOURS } from "../../components/config";
import { fixtureConfig, STACKS } from "../helpers";
import { canarySubjects, fixtureSubjects, type Subject } from "../monitoring/rendered";
import type { Firing } from "../monitoring/promtool";
import {
  alertsFiring,
  episodes,
  ERROR_CANARY,
  errorCanarySeries,
  FAULT_RUNS,
  faultRunSeries,
  faultyTrack,
  HEALTHY_ERRORS,
  MODEL_RPS,
  modelSeries,
  poisson,
  runMinutes,
  typicalLatency,
  type Traffic,
  type TrackPlan,
} from "../monitoring/scenarios";
import { hashSeed, Prng } from "./sim-core";

// ---- detection time of the silent faults ------------------------------------------------------

export interface DetectionCell {
  subject: string;
  /** Minutes from onset to the first firing on the faulty track; undefined: it never fired. */
  minutes?: number;
  /** It also fired on the other track (never expected). */
  elsewhere: boolean;
  /** Separate firings (the 5 % canary's ratio alert: 1 means it never re-paged). */
  episodes?: number;
}

export interface DetectionRow {
  alert: string;
  what: string;
  cells: DetectionCell[];
}

/**
 * Each silent fault and the 5 % canary on both fixture stacks' models mid-canary (the reviewer's
 * setup: 10 stable pods and 3 canary pods, 180 req/s split 90/10, 30 s scrapes, rules every minute).
 */
export async function silentFaultDetection(log: (line: string) => void = () => undefined): Promise<DetectionRow[]> {
  const subjects = [...(await canarySubjects("staging")), ...(await canarySubjects("production"))];
  const runs = subjects.map(async (s) => {
    const scenarios = [
      ...FAULT_RUNS.map((r, i) => ({ name: r.id, series: faultRunSeries(s, r, 100 + i), minutes: runMinutes(r) })),
      { name: "canary-errors", series: errorCanarySeries(s, 200), minutes: ERROR_CANARY.onset + ERROR_CANARY.hoverMinutes },
    ];
    const got = await alertsFiring(s.groups, scenarios);
    log(`detection: ${s.name} done`);
    return { s, got };
  });
  const results = await Promise.all(runs);
  const rows: DetectionRow[] = FAULT_RUNS.flatMap((run) =>
    run.faults.map((f) => ({
      alert: f.alert,
      what: `${f.what} (\`for\` + window: expected ${f.within[0]}–${f.within[1]} min)`,
      cells: results.map(({ s, got }) => {
        const firings = got.get(run.id)!;
        const track = faultyTrack(s, f);
        const first = episodes(firings, { alertname: f.alert, track, ...(f.labels?.(s) ?? {}) })[0]?.[0];
        return { subject: s.name, minutes: first === undefined ? undefined : first - f.onset, elsewhere: firings.some((x) => x.labels.alertname === f.alert && x.labels.track !== track) };
      }),
    })),
  );
  const canary = (alert: string, match: Record<string, string>) => ({
    alert,
    what:
      alert === "ModelAvailabilityBudgetBurn"
        ? "the 10 % canary fails 5 % of requests (hovering: 6 % for 6 min, 4 % for 4), 20 min after its release: the critical page (1h/5m pair)"
        : "same canary: the critical ratio alert; in parentheses, how many separate firings while the ratio hovers for 30 min (1 = no re-page)",
    cells: results.map(({ s, got }) => {
      const firings = got.get("canary-errors")!;
      const spans = episodes(firings, { alertname: alert, track: s.candidate, ...match });
      return { subject: s.name, minutes: spans[0] === undefined ? undefined : spans[0][0] - ERROR_CANARY.onset, elsewhere: firings.some((x) => x.labels.track !== s.candidate), episodes: spans.length };
    }),
  });
  return [...rows, canary("ModelAvailabilityBudgetBurn", { severity: "critical" }), canary("ModelErrorRatioCritical", {})];
}

export function detectionMarkdown(rows: readonly DetectionRow[]): string[] {
  const subjects = rows[0].cells.map((c) => c.subject);
  const cell = (c: DetectionCell) =>
    `${c.minutes === undefined ? "did not fire" : `${c.minutes} min`}${c.episodes !== undefined && c.minutes !== undefined ? ` (${c.episodes})` : ""}${c.elsewhere ? ", **also on the other track**" : ""}`;
  return [
    `| alert | fault | ${subjects.join(" | ")} |`,
    `|---|---|${subjects.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.alert} | ${r.what} | ${r.cells.map(cell).join(" | ")} |`),
  ];
}

// ---- a week of noise ----------------------------------------------------------------------------

export const WEEK_MINUTES = 7 * 1440;
/** Seconds between samples and minutes between evaluations over the week (a week at 30 s / 1 min would take hours). */
export const WEEK_SAMPLE_SECONDS = 300;
export const WEEK_EVAL_MINUTES = 5;

/** The model's request rate per 30-second bin, shared by its tracks (each gets its weight's share). */
type RateTimeline = (bin: number) => number;

const BIN = 30;

/** Switching between 8 req/s bursts (mean 2 minutes) and 0.5 req/s lulls (mean 8 minutes), once per 30 s bin. */
function burstyRate(seed: number, bins: number): RateTimeline {
  const p = new Prng(seed);
  const rates = new Float64Array(bins);
  let burst = false;
  for (let b = 0; b < bins; b++) {
    if (p.uniform() < (burst ? 1 / 4 : 1 / 16)) burst = !burst;
    rates[b] = burst ? 8 : 0.5;
  }
  return (b) => rates[Math.min(b, bins - 1)];
}

/** A track's share of the model's traffic: Poisson requests over the interval's bins, each failing with `errorRatio`. */
function share(rate: RateTimeline, weight: number, errorRatio: number, latency: number): Traffic {
  return (t, seconds, rnd) => {
    let mean = 0;
    for (let b = Math.floor(t / BIN); b < Math.floor((t + seconds) / BIN); b++) mean += (rate(b) * BIN * weight) / 100;
    const requests = poisson(mean, rnd);
    return { requests, errors: Math.min(requests, poisson(requests * errorRatio, rnd)), latency };
  };
}

export interface Noise {
  id: string;
  what: string;
  rate: (seed: number) => RateTimeline;
  errorRatio: number;
}

export const NOISES: readonly Noise[] = [
  { id: "healthy", what: `${MODEL_RPS} req/s, ${HEALTHY_ERRORS * 100} % errors`, rate: () => () => MODEL_RPS, errorRatio: HEALTHY_ERRORS },
  {
    id: "bursty",
    what: `8 req/s bursts (mean 2 min) and 0.5 req/s lulls (mean 8 min), switched every 30 s (2 req/s on average), ${HEALTHY_ERRORS * 100} % errors`,
    rate: (seed) => burstyRate(seed, (WEEK_MINUTES * 60) / BIN + 1),
    errorRatio: HEALTHY_ERRORS,
  },
  {
    id: "low-traffic",
    what: "1 req/min (Poisson), each failing with probability 1/1440: a single error about once a day (0.07 %, within the 99.9 % SLO)",
    rate: () => () => 1 / 60,
    errorRatio: 1 / 1440,
  },
];

/**
 * Pods per track over the week: a weighted track has 2 (stable) or 1 (candidate); a retired track
 * keeps 1 when its model idles warm, none when cold; a preview (weight 0, not retired) has 1.
 */
function weekPods(s: Subject, track: Colour): number {
  const raw = (fixtureConfig(s.stack).models as Record<string, any>[]).find((m) => m.name === s.model.name)!;
  if (s.model.tracks[track].weight > 0) return track === s.stable ? 2 : 1;
  if (raw.tracks[track].retired) return raw.idle === "cold" ? 0 : 1;
  return 1;
}

export interface WeekResult {
  subject: string;
  noise: string;
  /** Per alert (name, severity, track, signal): separate firings and minutes firing. */
  alerts: { alert: string; severity: string; track?: string; signal?: string; episodes: number; minutes: number }[];
}

function tally(firings: readonly Firing[]): WeekResult["alerts"] {
  const keys = new Map<string, Record<string, string>>();
  for (const f of firings) {
    const key = { alertname: f.labels.alertname, severity: f.labels.severity, ...(f.labels.track ? { track: f.labels.track } : {}), ...(f.labels.signal ? { signal: f.labels.signal } : {}), ...(f.labels.long_window ? { long_window: f.labels.long_window } : {}) };
    keys.set(JSON.stringify(key), key);
  }
  return [...keys.values()].map((k) => {
    const spans = episodes(firings, k, WEEK_EVAL_MINUTES);
    return {
      alert: k.long_window ? `${k.alertname} ${k.long_window}` : k.alertname,
      severity: k.severity,
      track: k.track,
      signal: k.signal,
      episodes: spans.length,
      minutes: firings.filter((f) => Object.entries(k).every(([a, v]) => f.labels[a] === v)).length * WEEK_EVAL_MINUTES,
    };
  });
}

/** Every model of both fixture stacks (as their stack files have them) under each noise for a week. */
export async function weekOfNoise(log: (line: string) => void = () => undefined): Promise<WeekResult[]> {
  const subjects: Subject[] = [];
  for (const stack of STACKS) subjects.push(...(await fixtureSubjects(stack)));
  const began = Date.now();
  const runs = subjects.flatMap((s) =>
    NOISES.map(async (noise) => {
      const rate = noise.rate(hashSeed(`${noise.id}/${s.name}`));
      const tracks: TrackPlan[] = COLOURS.map((track) => ({
        track,
        version: s.model.tracks[track].version,
        pods: weekPods(s, track),
        traffic: share(rate, s.model.tracks[track].weight, noise.errorRatio, typicalLatency(s)),
      })).filter((t) => t.pods > 0);
      const series = modelSeries({ ...s, tracks, minutes: WEEK_MINUTES, seed: hashSeed(`week/${noise.id}`), scrapeSeconds: WEEK_SAMPLE_SECONDS });
      // Runs wait for a free CPU (alertsFiring): the time logged is since the week began.
      const got = await alertsFiring(s.groups, [{ name: noise.id, series, minutes: WEEK_MINUTES }], { intervalSeconds: WEEK_SAMPLE_SECONDS, evalMinutes: WEEK_EVAL_MINUTES });
      log(`week: ${s.name} ${noise.id}: ${got.get(noise.id)!.length} firing evaluations (${((Date.now() - began) / 1000).toFixed(0)} s in)`);
      return { subject: s.name, noise: noise.id, alerts: tally(got.get(noise.id)!) };
    }),
  );
  return Promise.all(runs);
}

export function weekMarkdown(results: readonly WeekResult[]): string[] {
  const subjects = [...new Set(results.map((r) => r.subject))];
  const text = (r: WeekResult | undefined) =>
    !r || r.alerts.length === 0
      ? "none"
      : r.alerts
          .map((a) => `${a.alert} (${a.severity}${a.track ? `, ${a.track}` : ""}${a.signal ? `, ${a.signal}` : ""}): ${a.episodes}× / ${a.minutes} min`)
          .join("; ");
  const pages = results.flatMap((r) => r.alerts.filter((a) => a.severity === "critical")).reduce((n, a) => n + a.episodes, 0);
  const warnings = results.flatMap((r) => r.alerts.filter((a) => a.severity !== "critical")).reduce((n, a) => n + a.episodes, 0);
  return [
    `| model | ${NOISES.map((n) => n.id).join(" | ")} |`,
    `|---|${NOISES.map(() => "---").join("|")}|`,
    ...subjects.map((s) => `| ${s} | ${NOISES.map((n) => text(results.find((r) => r.subject === s && r.noise === n.id))).join(" | ")} |`),
    "",
    `In all: ${pages} page${pages === 1 ? "" : "s"} (critical) and ${warnings} warning${warnings === 1 ? "" : "s"} over ${results.length} model-weeks (an entry reads: alert (severity, track): separate firings / minutes firing).`,
  ];
}

// Standalone: `npx ts-node --transpile-only test/bench/week.ts` prints both tables.
if (require.main === module) {
  const start = Date.now();
  (async () => {
    const detection = await silentFaultDetection((l) => console.error(l));
    console.log(detectionMarkdown(detection).join("\n"));
    const week = await weekOfNoise((l) => console.error(l));
    console.log(weekMarkdown(week).join("\n"));
    console.error(`took ${((Date.now() - start) / 1000).toFixed(0)} s`);
  })().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
