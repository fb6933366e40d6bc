// `npm run bench -- profile [n]`: where a synth of n models (default 100) spends its CPU, from
// compiled JavaScript, beside the floor's registrations of the same objects. Printed, not written
// to BENCHMARKS.md: it is for finding hotspots, not a measurement to track.
//
// The synth phase alone is profiled (test/bench/synth-child.ts, MODELSHIP_BENCH_PROFILE: the
// inspector's sampling profiler, every 0.5 ms). Two views:
//   - self time by where the code lives (modelship's file, an npm package, Node, GC), beside the
//     floor (the same objects registered raw) and the tree floor (the same resource graph raw);
//   - the functions whose self time differs most between modelship and the tree floor;
//   - modelship's own cost: each sample charged to the innermost modelship function on its stack,
//     unless a Pulumi SDK frame lies between them (then it is registration, which the floor pays
//     too, and is charged to the Pulumi SDK instead).
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../helpers";
import { buildDist, childEnv, compileChild } from "./compiled";
import { fleetProject } from "./fleet";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const file = (url: string) => (url.startsWith("file://") ? new URL(url).pathname : url);

/** Where a frame's code lives: `modelship components/monitoring/rules.js`, an npm package, Node, or V8's own (GC). */
export function codeHome(frame: CallFrame): string {
  const f = file(frame.url);
  if (f === "") return frame.functionName.startsWith("(") ? frame.functionName : "(native)";
  if (f.startsWith("node:")) return "node internals";
  const pkg = /[\\/]node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(f);
  if (pkg) return pkg[1].replace(/\\/g, "/");
  const rel = path.relative(path.join(ROOT, "dist"), f);
  if (!rel.startsWith("..")) return `modelship ${rel.replace(/\\/g, "/")}`;
  return path.relative(ROOT, f);
}

const isModelship = (frame: CallFrame) => codeHome(frame).startsWith("modelship ");
const isPulumi = (frame: CallFrame) => codeHome(frame).startsWith("@pulumi/");

export interface ProfileSummary {
  totalMs: number;
  byHome: [string, number][];
  ownFunctions: [string, number][];
}

/**
 * Each sample weighs the same, `cpuMs` (the phase's measured CPU) over the samples: the sampler's
 * own intervals are wall time, and on a shared machine a descheduled pause would be charged to
 * whatever ran just before it.
 */
export function summarize(profile: CpuProfile, cpuMs: number): ProfileSummary {
  const parent = new Map<number, number>();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const home = new Map<string, number>();
  const own = new Map<string, number>();
  let totalMs = 0;
  const add = (m: Map<string, number>, k: string, ms: number) => m.set(k, (m.get(k) ?? 0) + ms);
  profile.samples.forEach((id) => {
    const ms = cpuMs / profile.samples.length;
    totalMs += ms;
    const leaf = byId.get(id)!;
    add(home, codeHome(leaf.callFrame), ms);
    for (let n: ProfileNode | undefined = leaf; n; n = byId.get(parent.get(n.id) ?? -1)) {
      if (isPulumi(n.callFrame)) {
        add(own, "(the Pulumi SDK: registration, outputs)", ms);
        return;
      }
      if (isModelship(n.callFrame)) {
        add(own, `${n.callFrame.functionName || "(anonymous)"} ${codeHome(n.callFrame).slice("modelship ".length)}:${n.callFrame.lineNumber + 1}`, ms);
        return;
      }
    }
    add(own, "(no modelship frame: the runtime, GC, callbacks)", ms);
  });
  const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]);
  return { totalMs, byHome: sorted(home), ownFunctions: sorted(own) };
}

type Mode = "modelship" | "floor" | "tree";

function profileOne(js: string, mode: Mode, dir: string): { summary: ProfileSummary; selfByFunction: Map<string, number>; cpuMs: number } {
  const out = path.join(ROOT, "out", "bench", `synth-${mode}.cpuprofile`);
  const line = execFileSync(process.execPath, ["--max-old-space-size=8192", js, mode, dir], { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 26, env: childEnv({ MODELSHIP_BENCH_PROFILE: out }) });
  const cpuMs = (JSON.parse(line.trim().split("\n").pop()!) as { run: { cpuMs: number } }).run.cpuMs;
  const profile = JSON.parse(fs.readFileSync(out, "utf8")) as CpuProfile;
  return { summary: summarize(profile, cpuMs), selfByFunction: selfByFunction(profile, cpuMs), cpuMs };
}

/** Self time per function (name, where it lives, line), each sample weighing the same. */
function selfByFunction(profile: CpuProfile, cpuMs: number): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const m = new Map<string, number>();
  for (const id of profile.samples) {
    const f = byId.get(id)!.callFrame;
    const k = `${f.functionName || "(anonymous)"} ${codeHome(f)}${f.lineNumber >= 0 && f.url ? `:${f.lineNumber + 1}` : ""}`;
    m.set(k, (m.get(k) ?? 0) + cpuMs / profile.samples.length);
  }
  return m;
}

export async function profileSynth(n: number, log: (line: string) => void): Promise<string[]> {
  buildDist(log);
  const js = compileChild("synth-child");
  const dir = fleetProject(n, { shape: "mid-canary", router: "gateway-api", build: "compiled" });
  try {
    log(`profiling a ${n}-model synth...`);
    // modelship first: it saves the objects and resources the floors register.
    const [ours, floor, tree] = (["modelship", "floor", "tree"] as const).map((mode) => profileOne(js, mode, dir));
    const pct = (ms: number, total: number) => `${ms.toFixed(0)} ms (${((100 * ms) / total).toFixed(1)} %)`;
    const table = (rows: [string, number][], total: number, top: number) => rows.slice(0, top).map(([k, ms]) => `  ${pct(ms, total).padEnd(18)} ${k}`);
    const diff = [...new Set([...ours.selfByFunction.keys(), ...tree.selfByFunction.keys()])]
      .map((k): [string, number] => [k, (ours.selfByFunction.get(k) ?? 0) - (tree.selfByFunction.get(k) ?? 0)])
      .sort((a, b) => b[1] - a[1]);
    return [
      `Synth of ${n} models (gateway-api, mid-canary), compiled; the synth phase profiled (out/bench/synth-*.cpuprofile, for Chrome DevTools), each sample weighted by the phase's measured CPU.`,
      `CPU: modelship ${ours.cpuMs.toFixed(0)} ms; floor (objects raw) ${floor.cpuMs.toFixed(0)} ms; tree floor (the same graph raw) ${tree.cpuMs.toFixed(0)} ms.`,
      "",
      "modelship, self time by where the code lives:",
      ...table(ours.summary.byHome, ours.cpuMs, 20),
      "",
      "floor, self time by where the code lives:",
      ...table(floor.summary.byHome, floor.cpuMs, 10),
      "",
      "tree floor, self time by where the code lives:",
      ...table(tree.summary.byHome, tree.cpuMs, 10),
      "",
      "functions with the most self time above the tree floor (modelship minus tree floor):",
      ...diff.slice(0, 25).map(([k, ms]) => `  ${ms.toFixed(0).padStart(6)} ms  ${k}`),
      "",
      "modelship, each sample charged to the innermost modelship function (Pulumi SDK frames in between: registration):",
      ...table(ours.summary.ownFunctions, ours.cpuMs, 30),
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
