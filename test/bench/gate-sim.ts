// The release gate, simulated (issue 12 §4): Poisson traffic split between a stable track and a
// candidate released at 0%, looked at every 30 s, and the rules compared on the very same
// generated requests (fixed seeds):
//
//   1. modelship's gate: stacks/gate/assess.ts#assessStep itself — the code `modelship advance`
//      runs — asking a simulated EvidenceSource (simulatedSource below) instead of Prometheus,
//      then stacks/gate/decide.ts#decide;
//   2. the previous snapshot judge (./peers/snapshot.ts) the way the old promote workflow used
//      it: every look, the last 5 minutes; promote on pass after the bake; roll back on fail;
//   3. a Flagger-style analysis (./peers/flagger.ts), 4. an Argo-Rollouts-style background
//      analysis (./peers/argo.ts), both with their documented settings;
//   5. for scenario (a) only, an oracle SPRT that knows both error rates: the floor, not a rule.
//
// `npm run bench` puts the result in BENCHMARKS.md; on its own:
//   npx ts-node --transpile-only test/bench/gate-sim.ts [--quick] [--write]
// prints the section (--write also replaces it in BENCHMARKS.md). A benchmark, not a test: the
// qualitative checks live in test/gate/simulator.test.ts.
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { durationSeconds, parseFleetConfig, type Colour, type ModelConfig } from "../../components/config";
import { assessStep, scrapeSeconds, type Assessment, type EvidenceSource, type TrackRef } from "../../stacks/gate/assess";
import type { TrackCounts } from "../../stacks/gate/counts";
import { decide } from "../../stacks/gate/decide";
import { PASS_PRIOR } from "../../stacks/gate/judge";
import { lnGamma, rateInterval } from "../../stacks/gate/sequential";
import { ArgoRule } from "./peers/argo";
import { FlaggerRule } from "./peers/flagger";
import { judge as snapshotJudge, type GateThresholds, type TrackSample } from "./peers/snapshot";
import {
  BOUNDS,
  BinCounts,
  CANDIDATE,
  ERR,
  EventCounts,
  FIELDS,
  INTERVAL,
  READY_AT,
  REQ,
  STABLE,
  Stream,
  hashSeed,
  histogramQuantile,
  normalCdf,
  trueP99,
  within,
  Z99,
  type Outcome,
  type Rule,
  type Track,
  type TrackModel,
  type Traffic,
  type WindowCounts,
} from "./sim-core";

// ---- the model under test ----------------------------------------------------------------------

/** A model with every default of the schema (steps [10, 25, 50, 100] on a weighted router), optionally another availability SLO. */
export function defaultModel(availability?: number): ModelConfig {
  const image = (c: string) => `registry.example/m@sha256:${c.repeat(64)}`;
  const fleet = parseFleetConfig(
    {
      environment: "staging",
      namespace: "ml",
      router: "replicas",
      models: [
        {
          name: "sim",
          stable: "blue",
          tracks: { blue: { version: "1", modelUri: "s3://m/1", weight: 100, image: image("a") }, green: { version: "2", modelUri: "s3://m/2", weight: 0, image: image("b") } },
          ...(availability === undefined ? {} : { monitoring: { slo: { availability } } }),
        },
      ],
    },
    "simulated",
  );
  return fleet.models[0];
}

export interface GateSetup {
  model: ModelConfig;
  onStall: "hold" | "rollback";
  readyAt: number;
}

export function gateSetup(model = defaultModel()): GateSetup {
  const scrape = scrapeSeconds(model);
  if (scrape !== INTERVAL) throw new Error(`the simulator counts per ${INTERVAL}s, the model scrapes every ${scrape}s`);
  if (model.stable !== "blue") throw new Error("the simulator's stable track is blue");
  return { model, onStall: model.rollout.onStall, readyAt: READY_AT };
}

// ---- modelship's gate: stacks/gate/assess.ts#assessStep on simulated evidence -------------------

/**
 * What Prometheus would answer about the simulated counts, as stacks/gate/assess.ts asks it:
 * exact counts (no `increase()` extrapolation) over windows ending at the asked time. On the
 * 30 s bin grid (`grid`), a time between two scrapes sees the counts up to the last scrape.
 * Series start with the simulation (time 0): no point is answered before it.
 */
export function simulatedSource(counts: WindowCounts, candidate: Colour, readyAt = READY_AT, grid?: number): EvidenceSource {
  const track = (t: TrackRef): Track => (t.track === candidate ? CANDIDATE : STABLE);
  const at = grid === undefined ? (x: number) => x : (x: number) => Math.floor(x / grid) * grid;
  const buf = new Float64Array(FIELDS);
  return {
    requestSeries(t, start, end, step, windowSeconds) {
      const tr = track(t);
      const out: { time: number; value: number }[] = [];
      for (let k = 0; start + k * step <= end; k++) {
        const time = start + k * step;
        if (time <= 0) continue;
        out.push({ time, value: counts.requests(tr, at(time - windowSeconds), at(time)) });
      }
      return Promise.resolve(out);
    },
    counts(t, windowSeconds, now, slowSeconds, sloSeconds): Promise<TrackCounts> {
      const w = counts.window(track(t), at(now - windowSeconds), at(now), buf);
      return Promise.resolve({
        requests: w[REQ],
        errors: w[ERR],
        observed: w[REQ],
        fast: slowSeconds === undefined ? undefined : within(w, slowSeconds),
        withinSlo: sloSeconds === undefined ? undefined : within(w, sloSeconds),
      });
    },
    latencyBounds: () => Promise.resolve([...BOUNDS]),
    latencyQuantile(t, q, windowSeconds, now) {
      const v = histogramQuantile(q, counts.window(track(t), at(now - windowSeconds), at(now), buf));
      // prometheusSource: a NaN answer (no observations in the window) is no answer.
      return Promise.resolve(Number.isFinite(v) ? v : undefined);
    },
    ready: (t, now) => Promise.resolve(track(t) === STABLE || now >= readyAt),
  };
}

export interface StepPass {
  weight: number;
  candidateRequests: number;
  /** The signals still inconclusive at the last look before the pass ("bake" when only the bake time was). */
  heldBy: string[];
}

/** modelship's gate: `assessStep` at every look, then `decide` (stacks/gate/decide.ts) turns the verdict into an action. */
export class SequentialGateRule implements Rule {
  readonly name = "modelship gate";
  weight = 0;
  outcome?: Outcome;
  last?: Assessment;
  /** Each canary step it passed: candidate requests in the evidence, and what held it until the look before. */
  readonly passes: StepPass[] = [];
  private holding: string[] = [];
  private readonly models = new Map<number, ModelConfig>();
  /** `everySeconds`: how often it looks (from the pods' readiness on); every call when undefined. */
  constructor(
    private readonly g: GateSetup,
    private readonly everySeconds?: number,
  ) {}
  /** The model as the stack file would hold it with the candidate at `weight`. */
  modelAt(weight: number): ModelConfig {
    let m = this.models.get(weight);
    if (!m) {
      const base = this.g.model;
      m = { ...base, tracks: { blue: { ...base.tracks.blue, weight: 100 - weight }, green: { ...base.tracks.green, weight } } };
      this.models.set(weight, m);
    }
    return m;
  }
  async look(t: number, counts: WindowCounts): Promise<void> {
    if (this.outcome || (this.everySeconds !== undefined && (t < this.g.readyAt || (t - this.g.readyAt) % this.everySeconds !== 0))) return;
    const source = simulatedSource(counts, "green", this.g.readyAt, counts instanceof BinCounts ? INTERVAL : undefined);
    const a = await assessStep(source, this.modelAt(this.weight), t);
    this.last = a;
    const d = decide(a, this.g.onStall);
    if (a.phase === "canary" && a.verdict === "inconclusive") {
      const open = a.gate.signals.filter((s) => s.outcome === "inconclusive").map((s) => s.signal);
      this.holding = open.length > 0 ? open : a.effect?.inEffect ? ["bake"] : ["effect"];
    }
    if (d.action === "rollback") {
      this.weight = 0;
      this.outcome = { kind: "rollback", at: t };
    } else if (d.action === "promote") {
      if (a.phase === "canary") this.passes.push({ weight: this.weight, candidateRequests: a.gate.signals.find((s) => s.signal === "errors")?.candidate?.total ?? 0, heldBy: this.holding });
      this.holding = [];
      this.weight = this.g.model.steps.find((s) => s > this.weight) ?? 100;
      if (this.weight === 100) this.outcome = { kind: "promoted", at: t };
    }
  }
}

// ---- the oracle for (a): not a deployable rule ---------------------------------------------------

/**
 * Wald's simple-vs-simple SPRT on the candidate's share of all errors, knowing the truth: θ = 5
 * (the candidate fails 5× as often as stable) against θ = 1, at the exact routing share. Each
 * error is the candidate's with probability p(θ) = sθ / (sθ + 1 − s); it rolls back once the
 * log-likelihood ratio reaches ln(1/0.01) (Ville: at most 1% of healthy rollouts ever do),
 * looking every 30 s, and never promotes. No rule that must also work for unknown θ and an
 * unknown stable can beat it on average: the physical floor for (a), not a deployable rule.
 */
export class OracleSprtRule implements Rule {
  readonly name = ORACLE;
  weight = 0;
  outcome?: Outcome;
  private stepAt = 0;
  constructor(
    private readonly theta = 5,
    private readonly share = 0.1,
    private readonly alpha = 0.01,
  ) {}
  look(t: number, counts: WindowCounts): void {
    if (this.outcome || t < READY_AT) return;
    if (this.weight === 0) {
      this.weight = 100 * this.share;
      this.stepAt = t;
      return;
    }
    const s = this.share;
    const [p0, p1] = [s, (s * this.theta) / (s * this.theta + 1 - s)];
    const c = counts.window(CANDIDATE, this.stepAt, t)[ERR];
    const st = counts.window(STABLE, this.stepAt, t)[ERR];
    const llr = c * Math.log(p1 / p0) + st * Math.log((1 - p1) / (1 - p0));
    if (llr >= Math.log(1 / this.alpha)) {
      this.weight = 0;
      this.outcome = { kind: "rollback", at: t };
    }
  }
}

// ---- the previous snapshot judge, as the old promote workflow applied it ------------------------

export const SNAPSHOT_WINDOW_SECONDS = 300;

export class SnapshotRule implements Rule {
  readonly name = "previous snapshot judge";
  weight = 0;
  outcome?: Outcome;
  private stepAt = 0;
  private readonly thresholds: GateThresholds;
  private readonly bake: number;
  private readonly steps: number[];
  constructor(model: ModelConfig) {
    const c = model.monitoring.canary;
    // The old workflow: relative limits from monitoring.canary; minRequestRate × the 5 m window.
    this.thresholds = { errorFactor: c.errorFactor, errorMargin: c.errorMargin, latencyFactor: c.latencyFactor, latencyMargin: c.latencyMarginSeconds, minRequests: c.minRequestRate * SNAPSHOT_WINDOW_SECONDS };
    this.bake = durationSeconds(model.rollout.bake);
    this.steps = model.steps;
  }
  look(t: number, counts: WindowCounts): void {
    if (this.outcome || t < READY_AT) return;
    if (this.weight === 0) {
      this.weight = this.steps[0];
      this.stepAt = t;
      return;
    }
    const sample = (track: typeof CANDIDATE | typeof STABLE): TrackSample => {
      const w = counts.window(track, t - SNAPSHOT_WINDOW_SECONDS, t);
      const p99 = histogramQuantile(0.99, w);
      return { requests: w[REQ], errorRatio: w[REQ] > 0 ? w[ERR] / w[REQ] : undefined, p99: Number.isNaN(p99) ? undefined : p99 };
    };
    const verdict = snapshotJudge(sample(CANDIDATE), sample(STABLE), this.thresholds, { errors: true, latency: true }).verdict;
    if (verdict === "fail") {
      this.weight = 0;
      this.outcome = { kind: "rollback", at: t };
    } else if (verdict === "pass" && t - this.stepAt >= this.bake) {
      this.weight = this.steps.find((s) => s > this.weight) ?? 100;
      this.stepAt = t;
      if (this.weight === 100) this.outcome = { kind: "promoted", at: t };
    }
  }
}

// ---- scenarios ---------------------------------------------------------------------------------

/** Stable's latency: lognormal, σ 0.5, median 37.5 ms, so its true p99 is 120 ms — in the lower part of the (100 ms, 250 ms] bucket. */
export const STABLE_TRACK: TrackModel = { errorRate: 0.001, median: 0.12 / Math.exp(Z99 * 0.5), sigma: 0.5 };
/** A stable that fails 2% of requests, for a model whose SLO allows it (availability 97%: a 3% budget). */
export const NOISY_STABLE: TrackModel = { ...STABLE_TRACK, errorRate: 0.02 };
export const NOISY_AVAILABILITY = 97;

export interface Scenario {
  key: string;
  label: string;
  traffic: Traffic;
  candidate: TrackModel;
  stable: TrackModel;
  fault: boolean;
  runs: number;
  /** Seconds after the first step the rollout is followed (then counted as not decided). */
  horizonSeconds: number;
  /** How often modelship's gate looks: every 30 s scrape unless set (production: every 5 minutes). */
  gateEverySeconds?: number;
  /** modelship's gate alone (a long measurement reported in the text, not in the tables). */
  gateOnly?: boolean;
  /** The model's availability SLO when not the default 99.9%. */
  availability?: number;
  /** The oracle's θ (candidate's error rate ÷ stable's) where the oracle runs too. */
  oracleTheta?: number;
  /** The healthy scenario whose false rollbacks go with this fault in the comparison. */
  healthyKey?: string;
}

export const ORACLE = "oracle SPRT (knows both rates; not a rule)";
export const RULE_NAMES = ["modelship gate", "previous snapshot judge", "Flagger-style", "Argo-Rollouts-style", ORACLE] as const;
export type RuleName = (typeof RULE_NAMES)[number];

export function setupFor(sc: Pick<Scenario, "availability">): GateSetup {
  return gateSetup(defaultModel(sc.availability));
}

export function newRules(sc: Scenario, g = setupFor(sc)): Rule[] {
  const gate = new SequentialGateRule(g, sc.gateEverySeconds);
  if (sc.gateOnly) return [gate];
  const rules: Rule[] = [gate, new SnapshotRule(g.model), new FlaggerRule(), new ArgoRule()];
  if (sc.oracleTheta !== undefined) rules.push(new OracleSprtRule(sc.oracleTheta, g.model.steps[0] / 100));
  return rules;
}

export interface Plan {
  /** Healthy rollouts at 20 req/s, followed for 4 h (and at 0.3 req/s). */
  healthyRuns: number;
  /** Healthy rollouts of the quiet models followed for 24 h, and of the 2% baseline. */
  quietRuns: number;
  faultRuns: number;
  /** Healthy 0.3 req/s rollouts followed for a week (modelship's gate alone). */
  weekRuns: number;
  perRequestRuns: number;
}

export const FULL: Plan = { healthyRuns: 400, quietRuns: 200, faultRuns: 200, weekRuns: 12, perRequestRuns: 200 };
export const QUICK: Plan = { healthyRuns: 40, quietRuns: 20, faultRuns: 20, weekRuns: 2, perRequestRuns: 20 };

const HOUR = 3600;
/** How often `modelship advance` runs in production (.github/workflows/advance.yml). */
export const PRODUCTION_EVERY_SECONDS = 300;

export function scenarios(plan: Plan): Scenario[] {
  const healthy = (key: string, label: string, traffic: Traffic, more: Partial<Scenario> = {}): Scenario => {
    const stable = more.stable ?? STABLE_TRACK;
    return { key, label, traffic, candidate: stable, stable, fault: false, runs: plan.healthyRuns, horizonSeconds: 4 * HOUR, ...more };
  };
  const fault = (key: string, label: string, rate: number, candidate: Partial<TrackModel>, more: Partial<Scenario> = {}): Scenario => {
    const stable = more.stable ?? STABLE_TRACK;
    return { key, label, traffic: { rate }, candidate: { ...stable, ...candidate }, stable, fault: true, runs: plan.faultRuns, horizonSeconds: 2 * HOUR, healthyKey: "healthy-20", ...more };
  };
  const c = { median: 2 * STABLE_TRACK.median };
  // (c) must stay inside one bucket: stable's p99 in the lower part of (0.1, 0.25], the candidate's twice that and still ≤ 0.25.
  const [p99s, p99c] = [trueP99(STABLE_TRACK), trueP99({ ...STABLE_TRACK, ...c })];
  if (!(p99s > 0.1 && p99s < 0.175 && Math.abs(p99c / p99s - 2) < 1e-9 && p99c <= 0.25)) throw new Error(`scenario (c) is not within one bucket: p99 ${p99s} → ${p99c}`);
  // The quiet models take hours per step: followed for 24 h with the gate looking every 5 minutes,
  // as production does (every 30 s over 24 h costs 10× the CPU and changes a time of hours by minutes).
  const quiet = { runs: plan.quietRuns, horizonSeconds: 24 * HOUR, gateEverySeconds: PRODUCTION_EVERY_SECONDS };
  return [
    healthy("healthy-20", "healthy, 20 req/s", { rate: 20 }),
    healthy("healthy-2", "healthy, 2 req/s", { rate: 2 }, quiet),
    healthy("healthy-bursty", "healthy, bursty 2 req/s", { rate: 2, bursty: true }, quiet),
    healthy("healthy-0.3", "healthy, 0.3 req/s", { rate: 0.3 }, { gateEverySeconds: PRODUCTION_EVERY_SECONDS }),
    healthy("healthy-20-noisy", `healthy, 20 req/s, 2% errors (SLO ${NOISY_AVAILABILITY}%)`, { rate: 20 }, { stable: NOISY_STABLE, availability: NOISY_AVAILABILITY, runs: plan.quietRuns }),
    healthy("healthy-0.3-week", "healthy, 0.3 req/s, followed for a week", { rate: 0.3 }, { runs: plan.weekRuns, horizonSeconds: 168 * HOUR, gateEverySeconds: PRODUCTION_EVERY_SECONDS, gateOnly: true }),
    fault("a", "(a) 5× errors (0.1% → 0.5%), 20 req/s", 20, { errorRate: 5 * STABLE_TRACK.errorRate }, { oracleTheta: 5 }),
    fault("a-noisy", `(a) 5× errors (2% → 10%), 20 req/s, SLO ${NOISY_AVAILABILITY}%`, 20, { errorRate: 5 * NOISY_STABLE.errorRate }, { stable: NOISY_STABLE, availability: NOISY_AVAILABILITY, oracleTheta: 5, healthyKey: "healthy-20-noisy" }),
    fault("b", "(b) 100% errors, 0.3 req/s", 0.3, { errorRate: 1 }, { healthyKey: "healthy-0.3" }),
    fault("c", "(c) p99 ×2 in one bucket, 20 req/s", 20, c),
    fault("d", "(d) latency +50%, 20 req/s", 20, { median: 1.5 * STABLE_TRACK.median }),
  ];
}

// ---- running -----------------------------------------------------------------------------------

export interface RunResult {
  rule: string;
  kind: "promoted" | "rollback" | "open";
  /** Seconds from the first step (the candidate's first live traffic) to the decision. */
  seconds?: number;
  /** Candidate requests served up to the decision (or the horizon). */
  candidateRequests: number;
  /** modelship's gate: the steps it passed. */
  passes?: StepPass[];
}

/** One rollout: every rule on the same requests, in lockstep, until each decides or the horizon. */
export async function runRollout(sc: Scenario, seed: number, rules: Rule[]): Promise<RunResult[]> {
  const stream = new Stream(seed, sc.traffic, [sc.candidate, sc.stable]);
  const maxBins = Math.ceil((READY_AT + sc.horizonSeconds) / INTERVAL);
  const counts = rules.map(() => new BinCounts(maxBins));
  const results: (RunResult | undefined)[] = rules.map(() => undefined);
  for (let k = 0; k < maxBins && results.some((r) => r === undefined); k++) {
    stream.bin(k);
    const t = (k + 1) * INTERVAL;
    for (const [i, rule] of rules.entries()) {
      if (results[i]) continue;
      counts[i].addBin(stream, rule.weight);
      const looked = rule.look(t, counts[i]);
      if (looked) await looked;
      if (rule.outcome) results[i] = { rule: rule.name, kind: rule.outcome.kind, seconds: rule.outcome.at - READY_AT, candidateRequests: counts[i].served(CANDIDATE, t), ...passesOf(rule) };
    }
  }
  const end = maxBins * INTERVAL;
  return rules.map((rule, i) => results[i] ?? { rule: rule.name, kind: "open", candidateRequests: counts[i].served(CANDIDATE, end), ...passesOf(rule) });
}

const passesOf = (rule: Rule) => (rule instanceof SequentialGateRule ? { passes: rule.passes } : {});

/**
 * modelship's gate looking after every request (and when the pods become ready), on a
 * per-request count: how many candidate requests it needs before it rolls back. Counts are
 * visible the moment a request ends (no scrape delay): the floor of what looking more often buys.
 */
export async function runPerRequest(sc: Scenario, seed: number, g = setupFor(sc)): Promise<RunResult> {
  const stream = new Stream(seed, sc.traffic, [sc.candidate, sc.stable]);
  const counts = new EventCounts();
  const gate = new SequentialGateRule(g);
  const maxBins = Math.ceil((READY_AT + sc.horizonSeconds) / INTERVAL);
  let readyLooked = false;
  for (let k = 0; k < maxBins; k++) {
    stream.bin(k);
    for (let i = 0; i < stream.n; i++) {
      const t = stream.time[i];
      if (!readyLooked && t >= g.readyAt) {
        readyLooked = true;
        await gate.look(g.readyAt, counts);
      }
      const track = stream.route[i] < gate.weight / 100 ? CANDIDATE : STABLE;
      counts.add(track, t, stream.err[track][i], stream.bucket[track][i]);
      await gate.look(t, counts);
      if (gate.outcome) return { rule: gate.name, kind: gate.outcome.kind, seconds: gate.outcome.at - READY_AT, candidateRequests: counts.served(CANDIDATE, t) };
    }
  }
  return { rule: gate.name, kind: "open", candidateRequests: counts.served(CANDIDATE, maxBins * INTERVAL) };
}

export interface Summary {
  rule: string;
  runs: number;
  rollbacks: number;
  promoted: number;
  /** Decision times in seconds; undefined where the run never reached that decision. */
  rollbackSeconds: (number | undefined)[];
  promotedSeconds: (number | undefined)[];
  candidateRequestsAtRollback: number[];
  /** modelship's gate: every step passed, over all runs. */
  passes: StepPass[];
}

export function summarize(results: RunResult[][], rule: string): Summary {
  const mine = results.map((r) => r.find((x) => x.rule === rule)!);
  return {
    rule,
    runs: mine.length,
    rollbacks: mine.filter((r) => r.kind === "rollback").length,
    promoted: mine.filter((r) => r.kind === "promoted").length,
    rollbackSeconds: mine.map((r) => (r.kind === "rollback" ? r.seconds : undefined)),
    promotedSeconds: mine.map((r) => (r.kind === "promoted" ? r.seconds : undefined)),
    candidateRequestsAtRollback: mine.filter((r) => r.kind === "rollback").map((r) => r.candidateRequests),
    passes: mine.flatMap((r) => r.passes ?? []),
  };
}

/** The q-quantile of times where a missing time counts as never (+∞): undefined when it falls there. */
export function quantileOf(times: (number | undefined)[], q: number): number | undefined {
  const s = times.map((t) => t ?? Infinity).sort((a, b) => a - b);
  const v = s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return Number.isFinite(v) ? v : undefined;
}

export function scenarioSeed(sc: Scenario, run: number): number {
  return (hashSeed(sc.key) + Math.imul(run + 1, 0x9e3779b1)) >>> 0;
}

export interface GateSimResult {
  plan: Plan;
  scenarios: { scenario: Scenario; summaries: Summary[]; cpuSeconds: number }[];
  perRequest: Summary;
  cpuSeconds: number;
  wallSeconds: number;
  processes: number;
}

/** The runs of one process: every `parts`-th run of each scenario, starting at `part` (seeds depend on the run index only). */
export interface PartResult {
  runs: Record<string, [number, RunResult[]][]>;
  scenarioCpuSeconds: Record<string, number>;
  perRequest: [number, RunResult][];
  cpuSeconds: number;
}

const cpuNow = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};

export async function simulatePart(plan: Plan, part: number, parts: number, log: (line: string) => void = () => undefined): Promise<PartResult> {
  const started = cpuNow();
  const mine = (n: number) => Array.from({ length: n }, (_, run) => run).filter((run) => run % parts === part);
  const runs: PartResult["runs"] = {};
  const scenarioCpuSeconds: Record<string, number> = {};
  for (const sc of scenarios(plan)) {
    const c0 = cpuNow();
    const g = setupFor(sc);
    runs[sc.key] = [];
    for (const run of mine(sc.runs)) runs[sc.key].push([run, await runRollout(sc, scenarioSeed(sc, run), newRules(sc, g))]);
    scenarioCpuSeconds[sc.key] = cpuNow() - c0;
    log(`${sc.label}: ${runs[sc.key].length} rollouts in ${scenarioCpuSeconds[sc.key].toFixed(1)} s CPU`);
  }
  const b = scenarios(plan).find((s) => s.key === "b")!;
  const perRequest: [number, RunResult][] = [];
  for (const run of mine(plan.perRequestRuns)) perRequest.push([run, await runPerRequest(b, scenarioSeed(b, run))]);
  return { runs, scenarioCpuSeconds, perRequest, cpuSeconds: cpuNow() - started };
}

export function merge(plan: Plan, parts: PartResult[], wallSeconds: number): GateSimResult {
  const ordered = <T>(pairs: [number, T][]) => pairs.sort((a, b) => a[0] - b[0]).map(([, r]) => r);
  return {
    plan,
    scenarios: scenarios(plan).map((scenario) => {
      const results = ordered(parts.flatMap((p) => p.runs[scenario.key]));
      if (results.length !== scenario.runs) throw new Error(`${scenario.key}: ${results.length} of ${scenario.runs} runs came back`);
      const present = RULE_NAMES.filter((name) => results[0]?.some((r) => r.rule === name));
      return { scenario, summaries: present.map((name) => summarize(results, name)), cpuSeconds: parts.reduce((a, p) => a + (p.scenarioCpuSeconds[scenario.key] ?? 0), 0) };
    }),
    perRequest: summarize(
      ordered(parts.flatMap((p) => p.perRequest)).map((r) => [r]),
      "modelship gate",
    ),
    cpuSeconds: parts.reduce((a, p) => a + p.cpuSeconds, 0),
    wallSeconds,
    processes: parts.length,
  };
}

/**
 * Every scenario and rule, split over `processes` child processes (runs are independent and
 * seeded by their index, so the result does not depend on the split); in-process when 1.
 */
export async function simulateAll(plan: Plan, processes = 2, log: (line: string) => void = () => undefined): Promise<GateSimResult> {
  const t0 = Date.now();
  if (processes <= 1) return merge(plan, [await simulatePart(plan, 0, 1, log)], (Date.now() - t0) / 1000);
  const parts = await Promise.all(
    Array.from({ length: processes }, (_, part) =>
      new Promise<PartResult>((resolve, reject) => {
        const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", __filename, "--part", String(part), String(processes), JSON.stringify(plan)], {
          cwd: path.resolve(__dirname, "..", ".."),
          stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        child.stdout.on("data", (d: Buffer) => (out += d.toString()));
        child.stderr.on("data", (d: Buffer) => d.toString().split("\n").filter(Boolean).forEach((l) => log(`[${part + 1}/${processes}] ${l}`)));
        child.on("error", reject);
        child.on("close", (code) => (code === 0 ? resolve(JSON.parse(out) as PartResult) : reject(new Error(`gate-sim part ${part} exited with ${code}`))));
      }),
    ),
  );
  return merge(plan, parts, (Date.now() - t0) / 1000);
}

// ---- the report --------------------------------------------------------------------------------

const mins = (s: number | undefined) => (s === undefined ? undefined : s / 60);
const fmtMin = (m: number | undefined, horizon: string) => (m === undefined ? `> ${horizon}` : m < 10 ? `${m.toFixed(1)} min` : m < 600 ? `${Math.round(m)} min` : `${(m / 60).toFixed(1)} h`);
const pct = (n: number, d: number) => `${((100 * n) / d).toFixed(n === 0 || n === d ? 0 : 1)}%`;

/** Upper 95% bound on a rate with k events in n (Clopper-Pearson, by bisection). */
export function upper95(k: number, n: number): number {
  if (k >= n) return 1;
  const tail = (p: number) => {
    // P(X <= k) for X ~ Binomial(n, p)
    let term = Math.pow(1 - p, n);
    let cdf = term;
    for (let i = 1; i <= k; i++) {
      term *= ((n - i + 1) / i) * (p / (1 - p));
      cdf += term;
    }
    return cdf;
  };
  let [lo, hi] = [k / n, 1];
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (tail(mid) > 0.05) lo = mid;
    else hi = mid;
  }
  return hi;
}

function horizonText(seconds: number): string {
  return seconds % 3600 === 0 ? `${seconds / 3600} h` : `${Math.round(seconds / 60)} min`;
}

function faultCell(s: Summary | undefined, horizon: string): string {
  if (!s) return "—";
  const detected = s.rollbacks;
  const median = mins(quantileOf(s.rollbackSeconds, 0.5));
  const p95 = mins(quantileOf(s.rollbackSeconds, 0.95));
  const shipped = s.promoted > 0 ? `, ${pct(s.promoted, s.runs)} promoted to 100%` : "";
  if (median === undefined) return `never (${pct(detected, s.runs)} detected${shipped})`;
  return `${fmtMin(median, horizon)} / ${fmtMin(p95, horizon)} (${pct(detected, s.runs)} detected${shipped})`;
}

function healthyCell(s: Summary | undefined, horizon: string): string {
  if (!s) return "—";
  const median = mins(quantileOf(s.promotedSeconds, 0.5));
  const p95 = mins(quantileOf(s.promotedSeconds, 0.95));
  const reached = s.promoted < s.runs ? `; ${pct(s.promoted, s.runs)} reached 100%` : "";
  return `${s.rollbacks}/${s.runs} = ${pct(s.rollbacks, s.runs)} (≤ ${(100 * upper95(s.rollbacks, s.runs)).toFixed(1)}%); ${fmtMin(median, horizon)} / ${fmtMin(p95, horizon)}${reached}`;
}

export interface Target {
  text: string;
  met: boolean;
  detail: string;
}

function get(r: GateSimResult, key: string, rule: string): Summary {
  return find(r, key, rule)!;
}

function find(r: GateSimResult, key: string, rule: string): Summary | undefined {
  return r.scenarios.find((s) => s.scenario.key === key)?.summaries.find((s) => s.rule === rule);
}

/**
 * One-sided Fisher exact test: the chance of `k1` or more of the `k1 + k2` events falling in the
 * first of two groups of sizes n1, n2 if both had the same rate (is rule 1's excess just noise?).
 */
export function fisherGreater(k1: number, n1: number, k2: number, n2: number): number {
  const k = k1 + k2;
  const lnChoose = (n: number, r: number) => lnGamma(n + 1) - lnGamma(r + 1) - lnGamma(n - r + 1);
  let p = 0;
  for (let x = k1; x <= Math.min(k, n1); x++) if (k - x <= n2) p += Math.exp(lnChoose(n1, x) + lnChoose(n2, k - x) - lnChoose(n1 + n2, k));
  return Math.min(1, p);
}

const OURS = "modelship gate";
const PEERS = ["Flagger-style", "Argo-Rollouts-style"];
const FAULT_KEYS = ["a", "a-noisy", "b", "c", "d"];
const tableScenarios = (r: GateSimResult) => r.scenarios.filter((s) => !s.scenario.gateOnly);

export function targets(r: GateSimResult): Target[] {
  const healthyKeys = tableScenarios(r)
    .filter((s) => !s.scenario.fault)
    .map((s) => s.scenario.key);
  const worst = healthyKeys.map((k) => get(r, k, OURS)).sort((x, y) => y.rollbacks / y.runs - x.rollbacks / x.runs)[0];
  const perReq = r.perRequest.candidateRequestsAtRollback;
  const perReqMax = perReq.length === r.perRequest.runs ? Math.max(...perReq) : Infinity;
  const bRuns = get(r, "b", OURS);
  const b30 = bRuns.candidateRequestsAtRollback;
  const b30Max = b30.length === bRuns.runs ? Math.max(...b30) : Infinity;
  const faster = FAULT_KEYS.map((key) => {
    const sc = r.scenarios.find((s) => s.scenario.key === key)!.scenario;
    const healthyKey = sc.healthyKey ?? "healthy-20";
    const oursMedian = quantileOf(get(r, key, OURS).rollbackSeconds, 0.5) ?? Infinity;
    const mine = get(r, healthyKey, OURS);
    const verdicts = PEERS.map((p) => {
      const peerMedian = quantileOf(get(r, key, p).rollbackSeconds, 0.5) ?? Infinity;
      const theirs = get(r, healthyKey, p);
      const fewerFalse = mine.rollbacks / mine.runs <= theirs.rollbacks / theirs.runs;
      const noise = fewerFalse ? "" : ` (one-sided Fisher p = ${fisherGreater(mine.rollbacks, mine.runs, theirs.rollbacks, theirs.runs).toFixed(2)} against equal rates)`;
      return { p, ok: oursMedian < peerMedian && fewerFalse, peerMedian, falseText: `${p} ${theirs.rollbacks}/${theirs.runs}${noise}`, faster: oursMedian < peerMedian, fewerFalse };
    });
    return { key, healthyKey, ok: verdicts.every((v) => v.ok), verdicts, oursMedian, mine };
  });
  const fmtM = (s: number) => (Number.isFinite(s) ? `${(s / 60).toFixed(1)} min` : "never");
  const fmtMax = (x: number) => (Number.isFinite(x) ? String(x) : "never (not every run rolled back)");
  const aTarget = (key: string) => {
    const median = mins(quantileOf(get(r, key, OURS).rollbackSeconds, 0.5));
    const oracle = mins(quantileOf(get(r, key, ORACLE).rollbackSeconds, 0.5));
    const sc = r.scenarios.find((s) => s.scenario.key === key)!.scenario;
    const h = horizonText(sc.horizonSeconds);
    return {
      text: `${sc.label}: rolled back within 2 minutes`,
      met: median !== undefined && median <= 2,
      detail: `median ${fmtMin(median, h)} from the first step (p95 ${fmtMin(mins(quantileOf(get(r, key, OURS).rollbackSeconds, 0.95)), h)}); the oracle SPRT's median ${fmtMin(oracle, h)}`,
    };
  };
  return [
    {
      text: "False rollbacks ≤ 1% per healthy rollout (modelship gate)",
      met: healthyKeys.every((k) => get(r, k, OURS).rollbacks / get(r, k, OURS).runs <= 0.01),
      detail: `worst column: ${worst.rollbacks}/${worst.runs} = ${((100 * worst.rollbacks) / worst.runs).toFixed(2)}% observed, 95% upper bound ${(100 * upper95(worst.rollbacks, worst.runs)).toFixed(1)}%`,
    },
    aTarget("a"),
    aTarget("a-noisy"),
    {
      text: "(b) 100% errors on a quiet model rolled back within 5 candidate requests, looking after every request",
      met: perReqMax <= 5,
      detail: `median ${quantileOf(perReq, 0.5) ?? "—"}, p95 ${quantileOf(perReq, 0.95) ?? "—"}, max ${fmtMax(perReqMax)} candidate requests`,
    },
    {
      text: "(b) the same, looking every 30 s (the gate's scrape interval)",
      met: b30Max <= 5,
      detail: `median ${quantileOf(b30, 0.5) ?? "—"}, p95 ${quantileOf(b30, 0.95) ?? "—"}, max ${fmtMax(b30Max)} candidate requests`,
    },
    ...faster.map((f) => ({
      text: `${scenarioLabel(r, f.key)}: faster than both peer rules at equal or lower false-rollback rate`,
      met: f.ok,
      detail:
        `${f.verdicts.every((v) => v.faster) ? "faster" : "NOT faster"}: median ${fmtM(f.oursMedian)} vs ${f.verdicts.map((v) => `${v.p} ${fmtM(v.peerMedian)}`).join(", ")}; ` +
        `${f.verdicts.every((v) => v.fewerFalse) ? "equal or fewer" : "more"} false rollbacks (${scenarioLabel(r, f.healthyKey)}): ours ${f.mine.rollbacks}/${f.mine.runs}, ${f.verdicts.map((v) => v.falseText).join(", ")}`,
    })),
  ];
}

function scenarioLabel(r: GateSimResult, key: string): string {
  return r.scenarios.find((s) => s.scenario.key === key)!.scenario.label;
}

/** The fewest requests after which a rate of `rate` is bounded below `tolerance` by the gate's pass bound (PASS_PRIOR, α). */
export function requestsToBound(rate: number, tolerance: number, alpha = 0.01): number {
  const bounded = (n: number) => rateInterval(rate * n, n, alpha, PASS_PRIOR).upper < tolerance;
  let [lo, hi] = [1, 2];
  while (!bounded(hi) && hi < 1e8) [lo, hi] = [hi, hi * 2];
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (bounded(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

const round2 = (n: number) => Number(n.toPrecision(2)).toLocaleString("en-US");

/** Candidate requests in the evidence when a step passed, per step, and which signal held it longest. */
function passText(s: Summary): string {
  const weights = [...new Set(s.passes.map((p) => p.weight))].sort((x, y) => x - y);
  if (weights.length === 0) return "— (no step passed)";
  const perStep = weights.map((w) => `${round2(quantileOf(s.passes.filter((p) => p.weight === w).map((p) => p.candidateRequests), 0.5)!)} at ${w}%`);
  const share = (what: string) => pct(s.passes.filter((p) => p.heldBy.includes(what)).length, s.passes.length);
  return `${perStep.join(", ")} candidate requests; at the look before a pass, latency was still open in ${share("latency")} of the steps, errors in ${share("errors")}, only the bake in ${share("bake")}`;
}

export function markdown(r: GateSimResult): string[] {
  const table = tableScenarios(r);
  const healthy = table.filter((s) => !s.scenario.fault);
  const faults = table.filter((s) => s.scenario.fault);
  const perReq = r.perRequest.candidateRequestsAtRollback;
  const b30 = get(r, "b", OURS).candidateRequestsAtRollback;
  const q = (xs: number[], p: number) => quantileOf(xs, p) ?? "—";
  const header = (s: Scenario) =>
    `${s.label} — ${s.runs} runs, ${horizonText(s.horizonSeconds)}${s.gateEverySeconds ? `, gate every ${s.gateEverySeconds / 60} min` : ""}`;
  const g = gateSetup();
  const model = g.model;
  const lookback = durationSeconds(model.rollout.maxInconclusive) + durationSeconds(model.rollout.bake) + 2 * INTERVAL;
  const week = r.scenarios.find((s) => s.scenario.key === "healthy-0.3-week");
  const weekGate = week?.summaries.find((s) => s.rule === OURS);
  const h2 = get(r, "healthy-2", OURS);
  const h03 = get(r, "healthy-0.3", OURS);
  // What a pass costs, with the default limits and stable's true rates (its lower bound is a little below them).
  const slowShare = 1 - normalCdf((Math.log(0.1) - Math.log(STABLE_TRACK.median)) / STABLE_TRACK.sigma);
  const errTolerance = Math.max(model.monitoring.canary.errorFactor * STABLE_TRACK.errorRate, STABLE_TRACK.errorRate + model.monitoring.canary.errorMargin);
  const slowTolerance = Math.max(model.rollout.slowFactor * slowShare, slowShare + model.rollout.slowMargin);
  const errorFree = requestsToBound(0, errTolerance, model.rollout.alpha);
  const errN = requestsToBound(STABLE_TRACK.errorRate, errTolerance, model.rollout.alpha);
  const slowN = requestsToBound(slowShare, slowTolerance, model.rollout.alpha);
  const a = get(r, "a", OURS);
  const aOracle = get(r, "a", ORACLE);
  const an = get(r, "a-noisy", OURS);
  const anOracle = get(r, "a-noisy", ORACLE);
  const med = (s: Summary) => fmtMin(mins(quantileOf(s.rollbackSeconds, 0.5)), "2 h");
  return [
    "## Release gate: simulated rollouts",
    "",
    `Rollouts simulated by \`test/bench/gate-sim.ts\`: Poisson traffic split by weight between a stable track and a candidate released at 0% (pods ready after 60 s), counted per 30 s scrape; stable fails 0.1% of requests (2% in the columns that say so), latency is lognormal (σ 0.5, p99 120 ms) observed in the model's histogram buckets [0.01 … 5] s. The rules run on the very same requests (fixed seeds; only the split differs). **modelship gate** is the production code itself: \`assessStep\` (\`stacks/gate/assess.ts\`, what \`modelship advance\` runs) asking a simulated \`EvidenceSource\` instead of Prometheus — exact request, error and bucket counts over the asked windows, no \`rate()\` extrapolation — then \`decide\`, with the schema's defaults (α 0.01, bake 10m, maxInconclusive 1h, steps 10/25/50/100); it finds where the current step began in a look-back of maxInconclusive + bake + 2 scrapes (${Math.round(lookback / 60)} min) that grows fourfold while the step began before it (up to a week), so a held step keeps all its evidence. It looks every 30 s, except in the healthy quiet columns marked "gate every 5 min", where it looks as often as production does (\`.github/workflows/advance.yml\`) because those rollouts take hours. **previous snapshot judge** — the old promote workflow: every 30 s the last 5 minutes, limits max(1.5×, +0.5 pp) on errors and max(1.2×, +20 ms) on p99, 150 requests per track, promote on pass after the bake; **Flagger-style** — interval 1m, request-success-rate ≥ 99% and request-duration p99 ≤ 500 ms over 1m, threshold 5, one step per successful check, "no values found" counted as a failed check; **Argo-Rollouts-style** — setWeight/pause 10m steps with a background AnalysisRun, interval 1m, success rate ≥ 0.95 and p99 < 1000 ms, failureLimit 3 (no count: it runs until the rollout ends), NaN a failed measurement. Peers' settings come from their documentation (cited in \`test/bench/peers/\`), not tuned. For (a) only, **${ORACLE}**: Wald's SPRT of the candidate's share of all errors, θ = 5 against θ = 1 at the exact 10% split, rolling back when the log-likelihood ratio reaches ln(1/0.01), looking every 30 s — it is told the answer's form, so it is the floor for any rule at ≤ 1% false alarms, **not a deployable rule**. Times count from the first step (the candidate's first live traffic). In production \`modelship advance\` looks every 5 minutes and a decision still needs \`pulumi up\`: its decisions land up to 5 minutes later than these 30 s looks.`,
    "",
    `Healthy rollouts (candidate identical to stable): false rollbacks (95% upper bound) and time to reach 100%, median / p95 (followed for the hours shown; "> …" where fewer runs got there). Bursty: rate switching between 8 req/s bursts (mean 2 min) and 0.5 req/s lulls (mean 8 min). The 2% columns use an availability SLO of ${NOISY_AVAILABILITY}%: under the default 99.9% such a stable burns its budget 20× over, and the gate's ceiling test (a bad stable does not excuse a bad candidate) rolls back healthy candidates as well.`,
    "",
    `| rule | ${healthy.map((s) => header(s.scenario)).join(" | ")} |`,
    `|---|${healthy.map(() => "---").join("|")}|`,
    ...RULE_NAMES.filter((rule) => healthy.some((s) => s.summaries.some((x) => x.rule === rule))).map(
      (rule) => `| ${rule} | ${healthy.map((s) => healthyCell(s.summaries.find((x) => x.rule === rule), horizonText(s.scenario.horizonSeconds))).join(" | ")} |`,
    ),
    "",
    weekGate
      ? `Followed for a week (modelship gate alone, every 5 min, ${weekGate.runs} runs), healthy 0.3 req/s rollouts reached 100% in ${fmtMin(mins(quantileOf(weekGate.promotedSeconds, 0.5)), "a week")} (median; slowest ${fmtMin(mins(Math.max(...weekGate.promotedSeconds.map((x) => x ?? Infinity))), "a week")}), ${weekGate.promoted}/${weekGate.runs} got there, ${weekGate.rollbacks} rolled back.`
      : "",
    "",
    `Faulty candidates (fault present from the release), ${faults[0]?.scenario.runs} rollouts each, followed for ${horizonText(faults[0]?.scenario.horizonSeconds ?? 0)}: time to rollback, median / p95, and the share detected; "promoted" counts rollouts that shipped the fault to 100%.`,
    "",
    `| rule | ${faults.map((s) => s.scenario.label).join(" | ")} |`,
    `|---|${faults.map(() => "---").join("|")}|`,
    ...RULE_NAMES.map((rule) => `| ${rule} | ${faults.map((s) => faultCell(s.summaries.find((x) => x.rule === rule), horizonText(s.scenario.horizonSeconds))).join(" | ")} |`),
    "",
    `(b) candidate requests served before the rollback decision: modelship gate looking every 30 s, median ${q(b30, 0.5)}, p95 ${q(b30, 0.95)}, max ${b30.length ? Math.max(...b30) : "—"} (${b30.length}/${get(r, "b", OURS).runs} rolled back); looking after every request (counts visible at once, ${r.perRequest.runs} runs), median ${q(perReq, 0.5)}, p95 ${q(perReq, 0.95)}, max ${perReq.length ? Math.max(...perReq) : "—"} (${perReq.length}/${r.perRequest.runs} rolled back). Peers, median / max: ${RULE_NAMES.filter((n) => n !== OURS && n !== ORACLE)
      .map((n) => {
        const xs = get(r, "b", n).candidateRequestsAtRollback;
        return `${n} ${xs.length ? `${q(xs, 0.5)} / ${Math.max(...xs)}` : "never rolled back"}`;
      })
      .join(", ")}.`,
    "",
    "Targets (issue 12 §4):",
    "",
    ...targets(r).map((t) => `- ${t.met ? "met" : "**NOT met**"}: ${t.text} — ${t.detail}.`),
    "",
    `Reading. A step passes only once the candidate is *shown* within tolerance on every measured signal, and that takes requests, not minutes. With the defaults, bounding an error rate of 0.1% below its ${(100 * errTolerance).toFixed(2)}% tolerance takes about ${round2(errN)} candidate requests (${round2(errorFree)} if none fails), and latency as many or more: ${(100 * slowShare).toFixed(1)}% of requests are slower than the 100 ms boundary, to be bounded below stable's lower bound + 2 pp. In the healthy 2 req/s rollouts a step passed on a median of ${passText(h2)}. At 2 req/s, 10% of traffic is 0.2 candidate requests a second, so the first step alone takes hours, and at 0.3 req/s more than a day: quiet models took ${fmtMin(mins(quantileOf(h2.promotedSeconds, 0.5)), "24 h")} (2 req/s) and ${weekGate ? fmtMin(mins(quantileOf(weekGate.promotedSeconds, 0.5)), "a week") : "more than 4 h"} (0.3 req/s) to reach 100% (${h03.promoted}/${h03.runs} of the 0.3 req/s runs within 4 h). Before the look-back grew, a step held longer than ${Math.round(lookback / 60)} min was judged on a sliding window that never accumulated that many requests, and quiet models never reached 100%. (a) at a 0.1% baseline is slow for every sound rule: the candidate's 10% of 20 req/s makes one extra error every ~2 minutes, the oracle that knows both rates needs ${med(aOracle)} (median), and the gate, which must hold for unknown rates and splits α over four fail tests, ${med(a)}; at a 2% baseline the same 5× shows within ${med(an)} (oracle ${med(anOracle)}). Production adds up to 5 minutes per decision (the advance schedule) plus \`pulumi up\`. The fast path for a fault that burns the SLO is not this gate but the burn-rate alert, which Alertmanager routes to \`rollback.yml\` for an immediate rollback; the gate's job is to refuse to promote what it cannot show healthy.`,
    "",
    `Simulation: ${r.cpuSeconds.toFixed(0)} s of CPU (${r.wallSeconds.toFixed(0)} s wall on ${r.processes} process${r.processes > 1 ? "es" : ""}).`,
    "",
  ];
}

/** Replaces (or appends) the section in BENCHMARKS.md, leaving the others as they are. */
export function writeSection(file: string, lines: string[]): void {
  const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "# Benchmarks\n";
  const heading = lines[0];
  const start = text.indexOf(`${heading}\n`);
  const section = lines.join("\n");
  if (start < 0) {
    const footer = text.search(/\nThe whole benchmark took /);
    const next = footer >= 0 ? text.slice(0, footer + 1) + section + "\n" + text.slice(footer + 1) : text.replace(/\n*$/, "\n\n") + section;
    fs.writeFileSync(file, next);
    return;
  }
  const after = text.indexOf("\n## ", start + heading.length);
  const tail = after >= 0 ? text.slice(after + 1) : text.slice(start).match(/\nThe whole benchmark took [^\n]*\n?$/)?.[0].slice(1) ?? "";
  fs.writeFileSync(file, text.slice(0, start) + section + "\n" + tail);
}

async function cli(argv: string[]): Promise<void> {
  const at = argv.indexOf("--part");
  if (at >= 0) {
    // A child of simulateAll: its share of the runs, as JSON on stdout.
    const [part, parts, plan] = [Number(argv[at + 1]), Number(argv[at + 2]), JSON.parse(argv[at + 3]) as Plan];
    process.stdout.write(JSON.stringify(await simulatePart(plan, part, parts, (l) => console.error(l))));
    return;
  }
  const plan = argv.includes("--quick") ? QUICK : FULL;
  const r = await simulateAll(plan, 2, (l) => console.error(`[gate-sim] ${l}`));
  const lines = markdown(r);
  console.log(lines.join("\n"));
  if (argv.includes("--write")) writeSection(path.resolve(__dirname, "..", "..", "BENCHMARKS.md"), lines);
}

if (require.main === module) {
  cli(process.argv.slice(2)).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
