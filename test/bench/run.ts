// `npm run bench`: measures what BENCHMARKS.md reports and writes it. A benchmark, not a test:
// nothing here asserts a time. Fixed seeds. The alert sections alone (`npm run bench -- alerts`,
// a simulated week per fixture model among them) took 30 minutes on a busy 2-core machine; synth,
// cli and steps about 25 together (steps at 5,000 models alone 10); the rest about 10.
// `npm run bench -- <section> [--write]` runs one section: synth, cli, steps, profile [models],
// fuzz, alerts. The synth and CLI sections run compiled JavaScript (`npm run build` first).
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROUTER_NAMES, type RouterName } from "../../components/routing";
import { ROOT } from "../helpers";
import { noise } from "../monitoring/promtool";
import { BUCKETS, healthy } from "../monitoring/scenarios";
import { abort, lifecycle, walk } from "../stacks/blast";
import { BURNS, detectionTable, type DetectionRow as BurnRow } from "./detection";
import { cliBench, cliMarkdown } from "./cli";
import { buildDist, childEnv, compileChild } from "./compiled";
import { fleetProject } from "./fleet";
import { otherNode, thisNode, type BenchNode } from "./nodes";
import { profileSynth } from "./profile";
import { stepsBench, stepsMarkdown } from "./steps";
import { FULL, QUICK, markdown as gateSimMarkdown, simulateAll, writeSection } from "./gate-sim";
import { judge } from "./peers/snapshot";
import { runFuzz, type FuzzResult } from "../config/fuzz";
import { detectionMarkdown, NOISES, silentFaultDetection, WEEK_EVAL_MINUTES, WEEK_SAMPLE_SECONDS, weekMarkdown, weekOfNoise } from "./week";

const log = (line: string) => console.error(`[bench] ${line}`);
const quick = process.env.BENCH_QUICK === "1";

interface Stat {
  median: number;
  min: number;
  max: number;
  runs: number;
}
const stat = (xs: number[]): Stat => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor((s.length - 1) / 2)], min: s[0], max: s[s.length - 1], runs: s.length };
};
const fmt = (s: Stat, digits = 2, scale = 1) => `${(s.median * scale).toFixed(digits)} (${(s.min * scale).toFixed(digits)}–${(s.max * scale).toFixed(digits)})`;

// ---- synth cost ---------------------------------------------------------------------------

interface SynthPhase {
  wallMs: number;
  cpuMs: number;
}
/** One child's report (test/bench/synth-child.ts). */
interface SynthSide {
  bootMs: number;
  load: SynthPhase;
  run: SynthPhase;
  maxRssMb: number;
  processCpuMs: number;
  objects: number;
  resources: number;
}

function synthChild(js: string, mode: "modelship" | "floor" | "tree", dir: string, node: BenchNode): SynthSide {
  const out = execFileSync(node.path, ["--max-old-space-size=8192", js, mode, dir], { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 26, env: childEnv() });
  return JSON.parse(out.trim().split("\n").pop()!);
}

/** modelship's program against both floors at n models, each run a fresh process of compiled JavaScript, the sides alternating. */
function synthAt(js: string, n: number, runs: number, node: BenchNode) {
  const dir = fleetProject(n, { shape: "mid-canary", router: "gateway-api", build: "compiled" });
  const ours: SynthSide[] = [];
  const floor: SynthSide[] = [];
  const tree: SynthSide[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const a = synthChild(js, "modelship", dir, node);
      const b = synthChild(js, "floor", dir, node);
      const c = synthChild(js, "tree", dir, node);
      ours.push(a);
      floor.push(b);
      tree.push(c);
      log(`synth ${n} models (${node.version}): modelship load ${(a.load.cpuMs / 1000).toFixed(2)} s + run ${(a.run.cpuMs / 1000).toFixed(2)} s CPU; floor load ${(b.load.cpuMs / 1000).toFixed(2)} s + run ${(b.run.cpuMs / 1000).toFixed(2)} s; tree floor run ${(c.run.cpuMs / 1000).toFixed(2)} s`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const pick = (xs: SynthSide[], f: (x: SynthSide) => number) => stat(xs.map(f));
  return {
    n,
    objects: ours[0].objects,
    resources: ours[0].resources,
    runs,
    ours: { runCpu: pick(ours, (x) => x.run.cpuMs), runWall: pick(ours, (x) => x.run.wallMs), loadCpu: pick(ours, (x) => x.load.cpuMs), rss: pick(ours, (x) => x.maxRssMb), totalCpu: pick(ours, (x) => x.load.cpuMs + x.run.cpuMs) },
    floor: { runCpu: pick(floor, (x) => x.run.cpuMs), runWall: pick(floor, (x) => x.run.wallMs), loadCpu: pick(floor, (x) => x.load.cpuMs), rss: pick(floor, (x) => x.maxRssMb), totalCpu: pick(floor, (x) => x.load.cpuMs + x.run.cpuMs) },
    tree: { runCpu: pick(tree, (x) => x.run.cpuMs) },
    ratioCpu: stat(ours.map((x, i) => x.run.cpuMs / floor[i].run.cpuMs)),
    ratioTreeCpu: stat(ours.map((x, i) => x.run.cpuMs / tree[i].run.cpuMs)),
    ratioWall: stat(ours.map((x, i) => x.run.wallMs / floor[i].run.wallMs)),
    ratioTotalCpu: stat(ours.map((x, i) => (x.load.cpuMs + x.run.cpuMs) / (floor[i].load.cpuMs + floor[i].run.cpuMs))),
  };
}

interface SynthSizes {
  node: BenchNode;
  rows: SynthRow[];
  notRun: { n: number; why: string }[];
}

/** The sizes on this process's Node, and on the second Node (MODELSHIP_BENCH_NODE) when one is given. */
function synthCost(): { own: SynthSizes; other: SynthSizes | { note: string } } {
  buildDist(log);
  const js = compileChild("synth-child");
  const other = otherNode();
  return { own: synthSizes(js, thisNode), other: "note" in other ? other : synthSizes(js, other) };
}

/**
 * Every size of the plan on one Node; a size whose synth fails (a fleet larger than the schema
 * takes, say) is reported with the program's message, and the larger sizes are not run.
 */
function synthSizes(js: string, node: BenchNode): SynthSizes {
  const plan: [number, number][] = quick ? [[1, 2], [100, 1]] : [[1, 5], [100, 3], [1000, 1]];
  const rows: SynthRow[] = [];
  const notRun: { n: number; why: string }[] = [];
  for (const [n, runs] of plan) {
    if (notRun.length > 0) {
      notRun.push({ n, why: `not run: the synth failed at ${notRun[0].n.toLocaleString("en-US")} models` });
      continue;
    }
    try {
      rows.push(synthAt(js, n, runs, node));
    } catch (e) {
      const stderr = String((e as { stderr?: unknown }).stderr ?? (e as Error).message);
      const why = stderr.split("\n").find((l) => /Error\b/.test(l)) ?? stderr.split("\n")[0];
      log(`synth ${n} models (${node.version}) failed: ${why}`);
      notRun.push({ n, why: `failed: ${why.trim().slice(0, 200)}` });
    }
  }
  return { node, rows, notRun };
}
type SynthRow = ReturnType<typeof synthAt>;

/** What the sizes say about per-model cost, in words, from the measured medians. */
function scaling(rows: SynthRow[]): string {
  const [a, b] = [rows[rows.length - 2], rows[rows.length - 1]];
  if (!a || !b || a.n === 1) return "";
  const ours = b.ours.runCpu.median / b.n / (a.ours.runCpu.median / a.n);
  const floor = b.floor.runCpu.median / b.n / (a.floor.runCpu.median / a.n);
  const big = rows.filter((r) => r.n >= 100);
  const met = big.every((r) => r.ratioCpu.median <= 1.2);
  return (
    `From ${a.n} to ${b.n} models the CPU per model changes ×${ours.toFixed(2)} for modelship and ×${floor.toFixed(2)} for the floor, which runs none of modelship's code (×1 is linear); ` +
    `the CPU ratio to the floor goes ${a.ratioCpu.median.toFixed(2)} → ${b.ratioCpu.median.toFixed(2)}. Target (issue 18): at most 1.2× the floor in CPU at 100 and 1,000 models — ${met ? "met" : "not met"} here. ` +
    (b.runs === 1 ? `The ${b.n}-model size is run once.` : "")
  );
}

const sec = (s: Stat, digits = 2) => fmt(s, digits, 1 / 1000);

/** One Node's table, the 1-model line with loading apart, and how the cost scales. */
function synthTable({ rows, notRun }: SynthSizes): string[] {
  const one = rows.find((r) => r.n === 1);
  return [
    "| models | objects (modelship resources) | runs | modelship CPU s | floor CPU s | CPU ratio | tree floor CPU s | ratio to tree floor | modelship wall s | floor wall s | wall ratio | CPU ms per model | peak RSS MiB (modelship / floor) |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...rows.map(
      (r) =>
        `| ${r.n.toLocaleString("en-US")} | ${r.objects.toLocaleString("en-US")} (${r.resources.toLocaleString("en-US")}) | ${r.runs} | ${sec(r.ours.runCpu)} | ${sec(r.floor.runCpu)} | ${fmt(r.ratioCpu)} | ${sec(r.tree.runCpu)} | ${fmt(r.ratioTreeCpu)} | ${sec(r.ours.runWall)} | ${sec(r.floor.runWall)} | ${fmt(r.ratioWall)} | ${(r.ours.runCpu.median / r.n).toFixed(1)} | ${r.ours.rss.median.toFixed(0)} / ${r.floor.rss.median.toFixed(0)} |`,
    ),
    ...notRun.map((x) => `| ${x.n.toLocaleString("en-US")} | ${x.why} |${" — |".repeat(11)}`),
    "",
    ...(one
      ? [
          `Loading modules, apart (CPU s, median): modelship ${sec(one.ours.loadCpu)}, the floor ${sec(one.floor.loadCpu)}. At 1 model the synth itself is ${sec(one.ours.runCpu)} against ${sec(one.floor.runCpu)} (${one.ratioCpu.median.toFixed(2)}×); loading and synth together ${sec(one.ours.totalCpu)} against ${sec(one.floor.totalCpu)} (${one.ratioTotalCpu.median.toFixed(2)}×). The objects are the same on both sides; modelship registers its component resources too (the number in brackets).`,
          "",
        ]
      : []),
    ...(scaling(rows) ? [scaling(rows), ""] : []),
  ];
}

function synthMarkdown({ own, other }: ReturnType<typeof synthCost>): string[] {
  return [
    "## Synth cost",
    "",
    "The program under the mock runtime against the floor: the same Kubernetes objects registered directly as raw `@pulumi/kubernetes` resources in the same mock runtime (`test/bench/synth-child.ts`). Both sides run compiled JavaScript (`npm run build`; the program is `dist/stacks/index.js`, the child is transpiled to `out/bench/`), each run a fresh process, the sides alternating: under ts-node, source-map-support formats every stack trace the SDK takes (`new Error().stack`, one for each promise it tracks, several per resource), which nearly doubled a 100-model synth when checked (20–22 s of CPU against 11 s compiled) and which a compiled program never pays. Generated fleets, every model on `gateway-api` mid-canary (green at 10 % of [10, 25, 50, 100]), monitoring on.",
    "",
    "Each process is timed in two phases: loading modules (both sides load `@pulumi/pulumi`, `@pulumi/kubernetes` and every provider class either side registers; modelship also loads its program and what it imports: zod, yaml, the Grafana SDK), then the synth (read and validate the stack file, run the program, collect what it registers) or the floor's registrations. CPU is the process's user + system time (`process.cpuUsage`, every thread, garbage collection included); the ratio is per run, then the median. Median (min–max) over the runs.",
    "",
    "The floor is the target's: the objects alone, registered as a hand-written Pulumi program registers them — with `@pulumi/kubernetes`'s typed class where the SDK has one (Deployment, Service, HorizontalPodAutoscaler, PodDisruptionBudget, NetworkPolicy, ServiceAccount, ConfigMap, Namespace), else as a CustomResource (PrometheusRule, ServiceMonitor, HTTPRoute), as modelship does. The tree floor registers modelship's resource graph the same raw way, from what the program registered: its component resources as empty ComponentResources, every object under the same parent with the same dependencies — what Pulumi's SDK charges for the graph's shape; what modelship costs above it is its own code and what its choices make the SDK do (outputs among inputs, the components' outputs, the promises the SDK tracks for them).",
    "",
    "Where both sides spend most of it, checked once at 100 models on Node 20 (2026-11-24, not re-measured by this benchmark): the SDK's `debuggablePromise` takes a `new Error().stack` for every promise it tracks (53,298 in modelship's synth, 51,596 in the tree floor's, with 9.2 frames each on both sides), which only `PULUMI_DEBUG_PROMISE_LEAKS` ever prints. Timed on the main thread around the two calls, capturing and formatting those traces took 2.9 s of a modelship run of 12.0 s CPU, and 2.5 s of a tree-floor run of 9.4 s; a capture cost 24.7 µs in modelship's process against 20.4 µs in the floor's, with the same frame count. A larger young generation (`--max-semi-space-size=64`) or single-threaded GC left the ratio where it was, and loading modelship's modules into the tree floor's process did not slow it; keeping 1 to 2 million extra small objects alive there did, by 5–15 %. So some of the gap may be the heap modelship keeps live through a synth, and the rest is the extra work the program's run gives the SDK. That work includes 28,525 Outputs against 25,119. Building each model's summary as one output instead of per-track `all().apply()` removed 1,000 of those at 100 models, but it made no measurable difference over 5 alternating runs, so it was not kept.",
    "",
    `On ${own.node.version}, this machine's Node:`,
    "",
    ...synthTable(own),
    ...("note" in other
      ? [`The same on a second Node.js: ${other.note}.`, ""]
      : [`### The same on Node ${other.node.version}`, "", "The same children, fleets and runs on a second Node.js (`MODELSHIP_BENCH_NODE`; see the CLI section), the sides again alternating; its V8 is newer. No compile cache here: the children are not the CLI's launcher.", "", ...synthTable(other)]),
    ...(quick ? ["(BENCH_QUICK=1: 1 and 100 models only.)", ""] : []),
  ];
}

// ---- blast radius -------------------------------------------------------------------------

async function blastRadius() {
  const rows: { router: RouterName; counts: Record<string, number | undefined> }[] = [];
  for (const router of ROUTER_NAMES) {
    const counts: Record<string, number | undefined> = { release: undefined, "promote step (max)": undefined, "promote to 100%": undefined, rollback: undefined, retire: undefined };
    for (const s of await walk(router, lifecycle(router))) {
      const key = s.command === "release" ? "release" : s.state.after.stable !== s.state.before.stable ? "promote to 100%" : "promote step (max)";
      counts[key] = Math.max(counts[key] ?? 0, s.touched.length);
    }
    const aborted = await walk(router, [...abort(router), { kind: "retire" }]);
    counts.rollback = aborted[2].touched.length;
    counts.retire = aborted[3].touched.length;
    rows.push({ router, counts });
    log(`blast radius ${router}: ${JSON.stringify(counts)}`);
  }
  return rows;
}

// ---- detection ----------------------------------------------------------------------------

interface AdvanceE2e {
  timings: { healthyToFull?: number; faultToRollback?: number; faultReleaseToRollback?: number };
  requestsPerSecond: number;
  steps: number[];
  bake: string;
  scrapeIntervalSeconds: number;
  advanceEverySeconds: number;
  load?: { sent: number; failed: number };
}

/** `modelship advance` end to end (test/gate/advance.e2e.test.ts), which records its timings. */
function advanceE2e(): { result?: AdvanceE2e; note?: string } {
  const file = path.join(ROOT, "out", "bench", "advance-e2e.json");
  fs.rmSync(file, { force: true });
  const r = spawnSync(process.execPath, [path.join(ROOT, "node_modules", "mocha", "bin", "mocha.js"), "--no-config", "-r", "ts-node/register/transpile-only", "--extension", "ts", "--timeout", "600000", "test/gate/advance.e2e.test.ts"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  if (r.status !== 0 || !fs.existsSync(file)) return { note: `e2e run failed: ${r.stdout.slice(-500)}${r.stderr.slice(-500)}` };
  return { result: JSON.parse(fs.readFileSync(file, "utf8")) as AdvanceE2e };
}

function advanceE2eText(e2e: ReturnType<typeof advanceE2e>): string {
  const r = e2e.result;
  if (!r) return `Not measured: ${e2e.note}`;
  const s = (x: number | undefined) => (x === undefined ? "—" : `${x.toFixed(1)} s`);
  return (
    `\`modelship advance\` end to end (one run of \`test/gate/advance.e2e.test.ts\`): reference model servers, a real Prometheus scraping them every ${r.scrapeIntervalSeconds} s, ` +
    `${r.requestsPerSecond} req/s split by the stack file's weights (what \`pulumi up\` would make the route do), a model with steps [${r.steps.join(", ")}], bake ${r.bake} and a 5% error margin, \`advance\` run every ${r.advanceEverySeconds} s. ` +
    `A healthy candidate went from release to 100% in ${s(r.timings.healthyToFull)}; a faulty one (30% errors) was rolled back ${s(r.timings.faultToRollback)} after it reached its first step (50%), ${s(r.timings.faultReleaseToRollback)} after its release. ` +
    `The same test checks that a leftover pod of the candidate's colour never speaks for it and that, with Prometheus gone, \`advance\` exits 3 without touching the stack file. ` +
    `These are seconds because every setting is: production scrapes every 30 s, bakes 10 minutes and runs \`advance\` every 5 minutes.`
  );
}

/** The alert sections' measurements: detection times (burn alerts per track, silent faults) and a week of noise. */
async function alertResults() {
  log("detection time (promtool)...");
  const detection = detectionTable(log);
  log("silent faults (promtool)...");
  const silent = await silentFaultDetection(log);
  log("a week of noise (promtool)...");
  const week = await weekOfNoise(log);
  return { detection, silent, week, gate: falseFails() };
}

/** The "Alert detection time" and "False alarms over a simulated week" sections. */
function alertMarkdown(r: Awaited<ReturnType<typeof alertResults>>): { detection: string[]; falseAlarms: string[] } {
  const detection = [
    "## Alert detection time",
    "",
    "Minutes from the onset of a steady error-budget burn on one track until that track's burn-rate alert of the availability SLO (99.9 %) fires, evaluated by `promtool test rules` over synthetic series (two tracks at 50 req/s, the other one calm at 0.2× the budget, the long window full of healthy history at onset; one evaluation a minute, every 5 minutes for the 1d and 3d pairs). The burn alerts are per track (label `track`): none fired for the calm track. A burn at or below a pair's threshold never fires it, by design.",
    "",
    `| alert (burn threshold, windows) | ${BURNS.map((b) => `${b}x burn`).join(" | ")} |`,
    `|---|${BURNS.map(() => "---").join("|")}|`,
    ...r.detection.map((row: BurnRow) => `| ${row.window} | ${BURNS.map((b) => (row.minutes[String(b)] === undefined ? "does not fire" : `${row.minutes[String(b)]} min`)).join(" | ")} |`),
    "",
    "Silent faults, which no other alert sees (`test/bench/week.ts`, the cases of `test/monitoring/silent-faults.test.ts`): each model of both fixture stacks rendered mid-canary (the stack's own PrometheusRule, checked unchanged, and the route's weight rule at 90/10) in the reviewer's setup: 10 stable pods and 3 canary pods, 180 req/s split by weight, 0.02 % errors, scraped every 30 s, rules evaluated every minute; series as the modelship server and Kubernetes report them (`up` per scrape target, kube-state-metrics readiness per pod, cAdvisor). Each fault starts 10 minutes in on the track named (the 5 % canary 20 minutes after its release); two faults on different tracks share a run. Minutes from onset to the first firing on the faulty track; \"also on the other track\" would mark the alert on the track without that fault.",
    "",
    ...detectionMarkdown(r.silent),
    "",
  ];
  const falseAlarms = [
    "## False alarms over a simulated week",
    "",
    `Every alert of both fixture stacks' rendered rules (each model's PrometheusRule and its route's weight rule, weights as the stack files have them: staging's models at 100 % on blue, production's fraud-detector mid-canary at 90/10 and sentiment at 100 % on green), evaluated by \`promtool test rules\` over 7 simulated days of noise that is no fault, one run per model and noise: ${NOISES.map((n) => `**${n.id}**: ${n.what}`).join("; ")}. The model's traffic is split by weight; 2 pods on a stable track, 1 on a canary, 1 on a warm retired or preview track, none on a cold retired one; 50 ms latency; every pod ready and scraped, its model loaded at the start (a week old at the end). To keep a week within minutes, samples every ${WEEK_SAMPLE_SECONDS / 60} minutes and one evaluation every ${WEEK_EVAL_MINUTES} minutes (instead of 30 s and 1 min): a condition shorter than 5 minutes may go unseen, and \`for\` holds count in 5-minute steps. Fixed seeds.`,
    "",
    ...weekMarkdown(r.week),
    "",
    `Previous snapshot judge (\`test/bench/peers/snapshot.ts\`, replaced by the sequential gate): ${r.gate.windows} five-minute windows comparing two healthy tracks (100 req/s each, 0.2 % errors, the same noise; its decision function on simulated Prometheus answers): ${r.gate.fail} false fails, ${r.gate.inconclusive} inconclusive.`,
    "",
  ];
  return { detection, falseAlarms };
}

/** The alert sections in BENCHMARKS.md replaced, the others kept (the week's section replaces the former 24-hour one). */
function writeAlertSections(md: ReturnType<typeof alertMarkdown>): void {
  const file = path.join(ROOT, "BENCHMARKS.md");
  const former = "## False alarms over 24 hours of healthy noise\n";
  fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(former, `${md.falseAlarms[0]}\n`));
  writeSection(file, md.detection);
  writeSection(file, md.falseAlarms);
}

/** histogram_quantile over cumulative bucket counts, as Prometheus interpolates it. */
function quantile(q: number, bounds: readonly number[], cumulative: number[]): number {
  const total = cumulative[cumulative.length - 1];
  const rank = q * total;
  const i = cumulative.findIndex((c) => c >= rank);
  if (i >= bounds.length) return bounds[bounds.length - 1];
  const lower = i === 0 ? 0 : bounds[i - 1];
  const below = i === 0 ? 0 : cumulative[i - 1];
  return lower + ((bounds[i] - lower) * (rank - below)) / (cumulative[i] - below);
}

/** The previous snapshot judge's verdicts on 288 five-minute windows of two healthy tracks (same noise as the alert tests). */
function falseFails(): { windows: number; fail: number; inconclusive: number } {
  const rnd = noise(11);
  const window = () => {
    let n = 0;
    let errors = 0;
    const buckets = BUCKETS.map(() => 0);
    for (let m = 0; m < 5; m++) {
      const k = Math.round(100 * 60 * (0.9 + 0.2 * rnd()));
      const l = healthy.latency(m) * (0.9 + 0.2 * rnd());
      n += k;
      errors += Math.round(k * healthy.errorRatio(m) * (0.8 + 0.4 * rnd()));
      BUCKETS.forEach((b, i) => (buckets[i] += Math.round(k * Math.min(1, Math.max(0, (b - 0.5 * l) / l)))));
    }
    return { requests: n, errorRatio: errors / n, p99: quantile(0.99, [...BUCKETS, Infinity], [...buckets, n]) };
  };
  let fail = 0;
  let inconclusive = 0;
  const windows = 288;
  for (let i = 0; i < windows; i++) {
    const v = judge(window(), window(), { errorFactor: 1.5, errorMargin: 0.005, latencyFactor: 1.2, latencyMargin: 0.02, minRequests: 150 }, { errors: true, latency: true }).verdict;
    if (v === "fail") fail++;
    if (v === "inconclusive") inconclusive++;
  }
  return { windows, fail, inconclusive };
}

// ---- config fuzzing -----------------------------------------------------------------------

/** Mutated fixture fleets through the schema, and a share of what it accepts through synth (test/config/fuzz.ts). */
const configFuzz = () => runFuzz({ seed: 14, configs: quick ? 600 : 3000, renderAtMost: quick ? 60 : 300, progress: log });

function configFuzzMarkdown(r: FuzzResult): string[] {
  const failures = r.failures.length === 0 ? "none" : `${r.failures.length}: ${r.failures.slice(0, 5).map((f) => `run ${f.run} (${f.mutations.join(", ")}): ${f.problems[0]}`).join("; ")}${r.failures.length > 5 ? "; …" : ""}`;
  return [
    "## Config fuzzing",
    "",
    "`test/config/fuzz.ts` with seed 14: fixture fleets (`test/fixtures/fleets.ts`, every router, AWS, secrets, GPUs, tolerations, the custom preset) each given 1–3 random mutations at random key paths — a value of another type, an empty or 100,000-character string, negative, NaN or infinite numbers, a deleted or unknown key, a duplicated model, nesting hundreds deep, 10,000-element arrays, control characters and newlines, `__proto__` keys. Each goes through `parseFleetConfig`, which must throw nothing but a ConfigError whose every problem is a `modelship:` key path, in at most 60 lines of at most 1,000 characters naming the stack file, with no control character inside a line. The first accepted configs are rendered by synth (as `pulumi up` would run the program) and every object is checked against the upstream schemas and the API server's validation rules (`test/apiserver.ts`), IAM role names against AWS's. `npm test` runs 300 of these (80 rendered) and 30 mutated stack-file texts through the CLI.",
    "",
    "| configs | accepted | rejected | rendered | objects checked | refused by stack-file limits | failures | slowest parse | time |",
    "|---|---|---|---|---|---|---|---|---|",
    `| ${r.configs.toLocaleString("en-US")} | ${r.accepted.toLocaleString("en-US")} | ${r.rejected.toLocaleString("en-US")} | ${r.rendered} | ${r.objectsValidated.toLocaleString("en-US")} | ${r.stackFileLimits} | ${failures} | ${r.slowestParseMs} ms | ${(r.ms / 1000).toFixed(0)} s |`,
    "",
  ];
}

// ---- report -------------------------------------------------------------------------------

function versions(): string[] {
  const pkg = (name: string) => JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", name, "package.json"), "utf8")).version;
  const promtool = spawnSync("promtool", ["--version"], { encoding: "utf8" }).stdout.split("\n")[0];
  const cpus = os.cpus();
  return [
    `- Machine: ${cpus.length} × ${cpus[0]?.model ?? "unknown CPU"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}`,
    `- Node.js ${process.version}; @pulumi/pulumi ${pkg("@pulumi/pulumi")}, @pulumi/kubernetes ${pkg("@pulumi/kubernetes")}, TypeScript ${pkg("typescript")}; ${promtool}`,
    `- Measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench\`${quick ? " (BENCH_QUICK=1: fewer sizes and runs)" : ""}; fixed seeds throughout.`,
  ];
}

async function main() {
  const started = Date.now();
  const synth = synthCost();
  log("CLI response time...");
  const cli = cliBench(quick, log);
  log("pure steps at scale...");
  const steps = await stepsBench(quick, log);
  const blast = await blastRadius();
  const alerts = alertMarkdown(await alertResults());
  log("advance against a real Prometheus...");
  const e2e = advanceE2e();
  log("release gate: simulated rollouts...");
  const gateSim = await simulateAll(quick ? QUICK : FULL, 2, (line) => log(`gate-sim ${line}`));
  log("config fuzzing...");
  const fuzz = await configFuzz();

  const md: string[] = ["# Benchmarks", "", ...versions(), ""];
  md.push(
    ...synthMarkdown(synth),
    ...cliMarkdown(cli, quick),
    ...stepsMarkdown(steps, quick),
    "## Blast radius",
    "",
    "Objects a change touches (synth before and after, `test/stacks/blast.ts`): release onto a retired track, the largest promote step, the final promote (the candidate becomes stable), a rollback mid-canary, and retire after that rollback.",
    "",
    `| router | ${Object.keys(blast[0].counts).join(" | ")} |`,
    `|---|${Object.keys(blast[0].counts).map(() => "---").join("|")}|`,
    ...blast.map((r) => `| ${r.router} | ${Object.values(r.counts).map((c) => c ?? "—").join(" | ")} |`),
    "",
    "The `service` router has no intermediate steps (—). A rollback touches two objects on every weighted router: the one that carries the weights (the HTTPRoute, VirtualService, canary Ingress or ALB Ingress) and the route's weight record (`<model>-route-weights`, `monitoring.recordWeights`, on by default since the silent-canary alerts read it; every weight change carries it, so each column but release and retire counts it once — with `recordWeights: false` a rollback is one object); the `service` router switches two Services (live and preview); the `replicas` router, whose weights are replica counts, rescales both tracks (and its one Service gains or drops the candidate's quality-gate annotation as the candidate's weight leaves or reaches 0).",
    "",
    ...alerts.detection,
    "## Release gate against a real Prometheus",
    "",
    advanceE2eText(e2e),
    "",
    ...alerts.falseAlarms,
    ...gateSimMarkdown(gateSim),
    ...configFuzzMarkdown(fuzz),
    `The whole benchmark took ${((Date.now() - started) / 60000).toFixed(1)} minutes.`,
    "",
  );
  fs.writeFileSync(path.join(ROOT, "BENCHMARKS.md"), md.join("\n"));
  log(`wrote BENCHMARKS.md in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

/** A section run alone: printed, and with `--write` also replaced in BENCHMARKS.md (the others kept). */
async function section(lines: Promise<string[]>): Promise<void> {
  const md = await lines;
  console.log(md.join("\n"));
  if (process.argv.includes("--write")) writeSection(path.join(ROOT, "BENCHMARKS.md"), md);
}

if (require.main === module) {
  // `npm run bench -- <section>`: that part alone, printed (BENCHMARKS.md untouched unless
  // `--write`). Sections: synth, cli, steps, profile (printed only), fuzz, alerts.
  const part = process.argv[2];
  const sections: Record<string, () => Promise<void>> = {
    synth: () => section(Promise.resolve(synthMarkdown(synthCost()))),
    cli: () => section(Promise.resolve(cliMarkdown(cliBench(quick, log), quick))),
    steps: () => section(stepsBench(quick, log).then((r) => stepsMarkdown(r, quick))),
    profile: () => profileSynth(Number(process.argv[3] ?? 100), log).then((lines) => console.log(lines.join("\n"))),
    fuzz: () => configFuzz().then((r) => console.log(configFuzzMarkdown(r).join("\n"))),
    alerts: () =>
      alertResults().then((r) => {
        const md = alertMarkdown(r);
        console.log([...md.detection, ...md.falseAlarms].join("\n"));
        // `-- alerts --write` also replaces the two sections in BENCHMARKS.md.
        if (process.argv.includes("--write")) writeAlertSections(md);
      }),
  };
  if (part !== undefined && !part.startsWith("--") && !sections[part]) {
    console.error(`npm run bench -- [${Object.keys(sections).join("|")}] [--write]: no section "${part}"`);
    process.exit(3);
  }
  const only = part !== undefined && sections[part] ? sections[part]() : main();
  only.catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
