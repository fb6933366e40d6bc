// Runs the real promtool (Debian package `prometheus`) on rendered rule groups. A missing
// promtool fails the suite: these checks are the point of the monitoring tests.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import type { RuleGroup } from "../../components/monitoring";

export function promtool(): string {
  const found = spawnSync("promtool", ["--version"], { encoding: "utf8" });
  if (found.error || found.status !== 0) {
    throw new Error("promtool is not installed: `apt-get install prometheus` (.ci/run does this); the monitoring tests need the real one");
  }
  return "promtool";
}

function run(args: string[], cwd: string): { status: number; output: string } {
  const r = spawnSync(promtool(), args, { cwd, encoding: "utf8", timeout: 300_000 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "modelship-promtool-"));

/** `promtool check rules` on the groups; throws its report when they do not pass. */
export function checkRules(groups: readonly unknown[]): string {
  const dir = tmp();
  fs.writeFileSync(path.join(dir, "rules.yaml"), YAML.stringify({ groups }));
  const r = run(["check", "rules", "rules.yaml"], dir);
  if (r.status !== 0) throw new Error(`promtool check rules failed:\n${r.output}`);
  return r.output;
}

export interface InputSeries {
  series: string;
  values: string;
}

/** Cumulative counter values from per-step increments. */
export const counter = (increments: readonly number[]) => {
  let total = 0;
  return ["0", ...increments.map((d) => String((total += d)))].join(" ");
};

export const gauge = (values: readonly number[]) => values.map(String).join(" ");

/** A deterministic pseudo-random stream, so noise is reproducible. */
export function noise(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) % 1_000_000) / 1_000_000;
  };
}

function parseDuration(text: string): number {
  let minutes = 0;
  const size: Record<string, number> = { w: 7 * 1440, d: 1440, h: 60, m: 1, s: 1 / 60 };
  for (const [, n, unit] of text.matchAll(/(\d+)(w|d|h|m|s)/g)) minutes += Number(n) * size[unit];
  return minutes;
}

/**
 * The groups' names in the order given, for promtool's `group_eval_order`. Without it promtool
 * evaluates the groups of one evaluation time in no fixed order ("the order is guaranteed only for
 * the groups mentioned": prometheus.io, Unit testing for rules), so a rule that reads another
 * group's record could see it one evaluation earlier or later from run to run: an alert with
 * `for: 1h` over a 60-minute series fired at minute 60 in one run and not at all in the next.
 */
export const evalOrder = (groups: readonly RuleGroup[]) => groups.map((g) => g.name);

export interface Firing {
  minute: number;
  labels: Record<string, string>;
}

/**
 * Evaluates the rules over the series once a step and reports every step at which `alert` is
 * firing, with its labels. It asks promtool to expect silence at each step and reads what it
 * got instead.
 */
export function alertTimeline(args: { groups: readonly RuleGroup[]; series: readonly InputSeries[]; alert: string; minutes: number; stepMinutes?: number }): Firing[] {
  const step = args.stepMinutes ?? 1;
  const dir = tmp();
  fs.writeFileSync(path.join(dir, "rules.yaml"), YAML.stringify({ groups: args.groups }));
  const evals = [];
  for (let t = step; t <= args.minutes; t += step) evals.push({ eval_time: `${t}m`, alertname: args.alert, exp_alerts: [] });
  const test = {
    rule_files: ["rules.yaml"],
    evaluation_interval: `${step}m`,
    group_eval_order: evalOrder(args.groups),
    tests: [{ interval: `${step}m`, input_series: args.series, alert_rule_test: evals }],
  };
  fs.writeFileSync(path.join(dir, "test.yaml"), YAML.stringify(test, { lineWidth: 0 }));
  const r = run(["test", "rules", "test.yaml"], dir);
  if (r.status === 0) return [];
  const firings: Firing[] = [];
  const blocks = r.output.split(/alertname: /).slice(1);
  if (blocks.length === 0) throw new Error(`promtool test rules failed without alert results:\n${r.output}`);
  for (const block of blocks) {
    const time = /^[^,]+, time: ([0-9wdhms.]+)/.exec(block);
    if (!time) throw new Error(`unexpected promtool output:\n${block}`);
    for (const [, labels] of block.matchAll(/Labels:\{([^}]*)\}/g)) {
      firings.push({ minute: parseDuration(time[1]), labels: Object.fromEntries([...labels.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]])) });
    }
  }
  return firings.sort((a, b) => a.minute - b.minute);
}

/** The first minute the alert fires with all the given labels, or undefined. */
export function firstFiring(firings: readonly Firing[], labels: Record<string, string> = {}): number | undefined {
  return firings.find((f) => Object.entries(labels).every(([k, v]) => f.labels[k] === v))?.minute;
}

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/**
 * The instant vector `expr` evaluates to at `minute` over the series (one sample a step), as
 * promtool computes it: it is asked to expect nothing and reports what it got instead.
 */
export function evalExpr(args: { series: readonly InputSeries[]; expr: string; minute: number; stepMinutes?: number }): Sample[] {
  const step = args.stepMinutes ?? 1;
  const dir = tmp();
  const test = {
    rule_files: [],
    evaluation_interval: `${step}m`,
    tests: [{ interval: `${step}m`, input_series: args.series, promql_expr_test: [{ expr: args.expr, eval_time: `${args.minute}m`, exp_samples: [] }] }],
  };
  fs.writeFileSync(path.join(dir, "test.yaml"), YAML.stringify(test, { lineWidth: 0 }));
  const r = run(["test", "rules", "test.yaml"], dir);
  if (r.status === 0) return [];
  const got = /got: (.*)/.exec(r.output);
  if (!got) throw new Error(`promtool could not evaluate the expression:\n${r.output}`);
  return [...got[1].matchAll(/\{([^}]*)\} (\S+?)(?:,|$)/g)].map(([, labels, value]) => ({
    labels: Object.fromEntries([...labels.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]])),
    value: Number(value),
  }));
}
