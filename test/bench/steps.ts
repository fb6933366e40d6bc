// The pure steps of a command, each timed alone on generated fleets (the `steps` section of
// `npm run bench`): parse, validate, manifests, diff, write. In-process: one warm-up, then the
// median of several runs (see `time`), CPU time of this process (process.cpuUsage, so another
// process on a shared machine does not inflate it). One process per size (`runStepsChild`); it prints one JSON line
// per step as it goes, so a step that exhausts memory loses only itself and what follows it.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { parseFleetConfig, type Colour, type FleetConfig, type ModelConfig } from "../../components/config";
import type { Manifest } from "../../components/kube";
import { modelMonitoringObjects, monitoringContext, routeWeightRule, type MonitoringContext } from "../../components/monitoring/manifests";
import { fleetObjectList, fleetObjects } from "../../components/serving/fleet-objects";
import { ROUTER_DEFINITIONS, ingressPeers } from "../../components/routing";
import { ROUTERS } from "../../components/routing/capabilities";
import { planCapacity } from "../../components/serving/capacity";
import { MANAGED_BY, modelLabels, podLabels, SIZED_FOR_ANNOTATION, trackLabels, trackName } from "../../components/serving/labels";
import { deploymentSpec, hasPods, hpaSpec, networkPolicySpec, pdbSpec, trackServiceSpec } from "../../components/serving/manifests";
import { scaledObjectSpec, scalesWithKeda, SCALED_OBJECT, TRANSFER_HPA_OWNERSHIP } from "../../components/serving/scaler";
import { modelshipKeys } from "../../stacks/stackfile/config";
import { diffObjects } from "../../stacks/render/objectdiff";
import { writeObjects } from "../../stacks/render/files";
import { readProject, stackConfigFromText, YAML_FORMAT } from "../../stacks/stackfile/file";
import type { KubeObject } from "../../stacks/render/synth";
import { unifiedDiff } from "../../stacks/stackfile/textdiff";
import { synthesize } from "../../stacks/render/synth";
import { ROOT } from "../helpers";
import { CANARY_STEPS, fleetConfig, fleetProject, projectWith, stackFileText } from "./fleet";

/** The steps in the order they run (text diff last: the one most likely to run out of memory when quadratic). */
export const STEPS = [
  { id: "parse", what: "parse: stack-file text → config (`stackConfigFromText`)" },
  { id: "validate", what: "validate: `parseFleetConfig` of the `modelship:` keys" },
  { id: "manifests.serving", what: "manifests, serving: both tracks' Deployment, HPA, PDB, Service, ServiceAccount and the NetworkPolicy (`components/serving/manifests.ts`, `planCapacity`)" },
  { id: "manifests.routing", what: "manifests, routing: the router's objects and the route's weight record (`ROUTER_DEFINITIONS[router].objects`, `routeWeightRule`)" },
  { id: "manifests.monitoring", what: "manifests, monitoring: each model's ServiceMonitor, PrometheusRule and dashboard (`modelMonitoringObjects`)" },
  { id: "manifests.fleet", what: "manifests, fleet: the namespace and the fleet dashboard (`fleetObjects`)" },
  { id: "diff.objects", what: "diff, objects: `diffObjects` of the fleet's objects before and after one model's promote" },
  { id: "write", what: "write: `writeObjects` of every object into a fresh directory" },
  { id: "diff.text", what: "diff, text: `unifiedDiff` of the stack file before and after one model's promote" },
] as const;
export type StepId = (typeof STEPS)[number]["id"];

export interface StepResult {
  step: StepId;
  n: number;
  cpuMs: number[];
  wallMs: number[];
  /** What the step worked on (lines, objects). */
  size?: string;
  skipped?: string;
}

/**
 * One model's serving objects as ServingTrack and ModelServing register them (components/serving/
 * track.ts, model.ts), from the same pure builders. There is no single pure entry that builds a
 * model's objects: the components assemble them while registering; this is that assembly, minus
 * Pulumi (images are the configured ones, no AWS, no env Secret: the generated fleets have none).
 */
function servingObjects(model: ModelConfig, fleet: FleetConfig): Manifest[] {
  const capacity = planCapacity(model, ROUTERS[model.router].capacity);
  const ns = fleet.namespace;
  const track = (colour: Colour): Manifest[] => {
    const metadata = { name: trackName(model.name, colour), namespace: ns, labels: trackLabels(model.name, colour) };
    const c = capacity[colour];
    const sizedFor = { [SIZED_FOR_ANNOTATION]: String(c.sizedFor) };
    const scaler = !hasPods(c)
      ? []
      : scalesWithKeda(model.autoscaling.metric)
        ? [{ ...SCALED_OBJECT, metadata: { ...metadata, annotations: { ...sizedFor, [TRANSFER_HPA_OWNERSHIP]: "true" } }, spec: scaledObjectSpec(model, colour, c, { namespace: ns, prometheusAddress: fleet.keda.prometheusAddress }) }]
        : [{ apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { ...metadata, annotations: sizedFor }, spec: hpaSpec(model, colour, c) }];
    return [
      { apiVersion: "v1", kind: "ServiceAccount", metadata, automountServiceAccountToken: false },
      { apiVersion: "apps/v1", kind: "Deployment", metadata: { ...metadata, labels: podLabels(model.name, colour, model.tracks[colour].version) }, spec: deploymentSpec(model, colour, c, model.tracks[colour].image ?? "", { modelCopyImage: fleet.modelCopy?.image }) },
      ...scaler,
      { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata, spec: pdbSpec(model, colour) },
      { apiVersion: "v1", kind: "Service", metadata, spec: trackServiceSpec(model, colour) },
    ];
  };
  const router = ROUTER_DEFINITIONS[model.router];
  const policy = { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: model.name, namespace: ns, labels: modelLabels(model.name, "network-policy") }, spec: networkPolicySpec(model, ingressPeers(router, { namespace: ns, settings: fleet.routers }, fleet), fleet.networkPolicy.prometheus) };
  return [...track("blue"), ...track("green"), policy];
}

function routingObjects(model: ModelConfig, fleet: FleetConfig, monitoring: MonitoringContext): Manifest[] {
  const objects = ROUTER_DEFINITIONS[model.router].objects(model, { namespace: fleet.namespace, settings: fleet.routers });
  return fleet.monitoring.enabled && fleet.monitoring.recordWeights ? [...objects, routeWeightRule(model, monitoring)] : objects;
}

/** Every object of the fleet, by the pure builders, in the order the program registers them. */
export function everyObject(fleet: FleetConfig, stack: string): Manifest[] {
  const monitoring = monitoringContext(fleet, stack);
  const perModel = fleet.models.flatMap((m) => [...servingObjects(m, fleet), ...routingObjects(m, fleet, monitoring), ...(fleet.monitoring.enabled ? modelMonitoringObjects(m, monitoring) : [])]);
  return [...perModel, ...fleetObjectList(fleetObjects(fleet, stack))];
}

/** The fleet config of `keys`, its models validated a hundred at a time (same fleet keys), then put together. */
function validatedInParts(keys: Record<string, unknown>, name: string): FleetConfig {
  const models = keys.models as unknown[];
  const parts = Array.from({ length: Math.ceil(models.length / 100) }, (_, i) => parseFleetConfig({ ...keys, models: models.slice(100 * i, 100 * (i + 1)) }, name));
  return { ...parts[0], models: parts.flatMap((p) => p.models) };
}

/** The stack file's text after one model's promote from the first canary step to the second (the edits the promote command makes). */
export function promotedText(text: string, index: number): string {
  const doc = YAML.parseDocument(text);
  const [from, to] = CANARY_STEPS;
  const at = (...p: (string | number)[]) => ["config", "modelship:models", index, "tracks", ...p];
  if (doc.getIn(at("green", "weight")) !== from) throw new Error(`model ${index} is not at the first canary step`);
  doc.setIn(at("green", "weight"), to);
  doc.setIn(at("green", "peakWeight"), to);
  doc.setIn(at("blue", "weight"), 100 - to);
  return doc.toString(YAML_FORMAT);
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * One warm-up, then `runs` timed calls, or more for a step of a few milliseconds (enough for
 * 200 ms in all, at most 50: a single collection would otherwise decide its median). A warm-up
 * of over 10 s of CPU is the one measurement: the size has said what it can.
 */
function time<T>(runs: number, fn: () => T): { cpuMs: number[]; wallMs: number[]; value: T } {
  const [c0, w0] = [cpuMs(), performance.now()];
  let value = fn();
  const warmUp = cpuMs() - c0;
  if (warmUp > 10_000) return { cpuMs: [warmUp], wallMs: [performance.now() - w0], value };
  const times = Math.min(50, Math.max(runs, Math.ceil(200 / Math.max(warmUp, 0.01))));
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < times; i++) {
    const [c, w] = [cpuMs(), performance.now()];
    value = fn();
    cpu.push(cpuMs() - c);
    wall.push(performance.now() - w);
  }
  return { cpuMs: cpu, wallMs: wall, value };
}

/** Runs every step not in `skip` at n models (mid-canary, gateway-api), handing each result to `emit` as it is known. */
export function runSteps(n: number, skip: ReadonlyMap<StepId, string>, emit: (r: StepResult) => void, runs = 3): void {
  const config = fleetConfig(n, { shape: "mid-canary", router: "gateway-api" });
  const dir = projectWith(config, "source", `steps-${n}`);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), `modelship-bench-write-${n}-`));
  try {
    const project = readProject(dir);
    const name = "Pulumi.bench.yaml";
    const text = stackFileText(config);
    const edited = promotedText(text, Math.floor(n / 2));
    const lines = text.split("\n").length;
    const step = <T>(id: StepId, fn: () => T, size?: (v: T) => string): T | undefined => {
      const why = skip.get(id);
      if (why) {
        emit({ step: id, n, cpuMs: [], wallMs: [], skipped: why });
        return undefined;
      }
      const r = time(runs, fn);
      emit({ step: id, n, cpuMs: r.cpuMs, wallMs: r.wallMs, ...(size ? { size: size(r.value) } : {}) });
      return r.value;
    };
    const parsed = step("parse", () => stackConfigFromText(project, name, text), () => `${lines.toLocaleString("en-US")} lines`) ?? stackConfigFromText(project, name, text);
    const keys = modelshipKeys(parsed.config);
    const validate = () => parseFleetConfig(keys, name);
    let fleet: FleetConfig;
    try {
      fleet = step("validate", validate) ?? validate();
    } catch (e) {
      // A fleet the schema refuses as a whole (more models than one stack may hold): the later
      // steps still run, on the same models validated a hundred at a time.
      const why = (e instanceof Error ? e.message : String(e)).split("\n")[0];
      emit({ step: "validate", n, cpuMs: [], wallMs: [], skipped: `refused: ${why}` });
      fleet = validatedInParts(keys, name);
    }
    const monitoring = monitoringContext(fleet, "bench");
    step("manifests.serving", () => fleet.models.flatMap((m) => servingObjects(m, fleet)), (v) => `${v.length.toLocaleString("en-US")} objects`);
    step("manifests.routing", () => fleet.models.flatMap((m) => routingObjects(m, fleet, monitoring)), (v) => `${v.length.toLocaleString("en-US")} objects`);
    step("manifests.monitoring", () => fleet.models.flatMap((m) => modelMonitoringObjects(m, monitoring)), (v) => `${v.length.toLocaleString("en-US")} objects`);
    step("manifests.fleet", () => fleetObjectList(fleetObjects(fleet, "bench")), (v) => `${v.length} objects`);
    const before = everyObject(fleet, "bench");
    const editedKeys = modelshipKeys(stackConfigFromText(project, name, edited).config);
    let afterFleet: FleetConfig;
    try {
      afterFleet = parseFleetConfig(editedKeys, name);
    } catch {
      afterFleet = validatedInParts(editedKeys, name);
    }
    const after = everyObject(afterFleet, "bench");
    step("diff.objects", () => diffObjects(before, after), (c) => `${before.length.toLocaleString("en-US")} objects, ${c.changed.length + c.added.length + c.removed.length} touched`);
    step("write", () => writeObjects(out, before as KubeObject[]), (names) => `${names.length.toLocaleString("en-US")} files`);
    step("diff.text", () => unifiedDiff(text, edited, name), (d) => `${lines.toLocaleString("en-US")} lines, ${d.split("\n").length} diff lines`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(out, { recursive: true, force: true });
  }
}

// ---- the benchmark's side ----------------------------------------------------------------

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

/** Whether everyObject builds exactly what synth renders (compared as data, at a few models of both shapes). */
export async function checkFleetObjects(): Promise<string> {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canonical) : v !== null && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().flatMap((k) => ((v as Record<string, unknown>)[k] === undefined ? [] : [[k, canonical((v as Record<string, unknown>)[k])]]))) : v;
  const problems: string[] = [];
  let compared = 0;
  for (const shape of [{ shape: "mid-canary", router: "gateway-api" }, {}] as const) {
    const dir = fleetProject(3, shape);
    try {
      const rendered = (await synthesize(dir, "bench")).objects;
      const project = readProject(dir);
      const fleet = parseFleetConfig(modelshipKeys(stackConfigFromText(project, "Pulumi.bench.yaml", fs.readFileSync(path.join(dir, "Pulumi.bench.yaml"), "utf8")).config), "Pulumi.bench.yaml");
      const [a, b] = [rendered, everyObject(fleet, "bench")].map((os) => new Map(os.map((o) => [`${o.kind} ${o.metadata.name}`, JSON.stringify(canonical(o))])));
      compared += a.size;
      for (const k of new Set([...a.keys(), ...b.keys()])) if (a.get(k) !== b.get(k)) problems.push(k);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return problems.length === 0 ? `identical to synth's objects (${compared} objects compared, 3 models of each fleet shape)` : `NOT identical to synth's: ${problems.slice(0, 5).join(", ")}`;
}

export interface StepsResult {
  sizes: number[];
  results: StepResult[];
  check: string;
}

/**
 * Each size in its own process (ts-node, transpile only: the steps are pure, nothing formats a
 * stack trace), with its address space capped so a step that grows quadratically fails alone
 * instead of exhausting a shared machine. A step whose measured growth predicts more than
 * `budgetS` at the next size is skipped there, with the prediction as the reason.
 */
export async function stepsBench(quick: boolean, log: (line: string) => void): Promise<StepsResult> {
  const sizes = quick ? [100, 1000] : [100, 1000, 5000];
  const budgetS = 180;
  const check = await checkFleetObjects();
  log(`steps: the pure objects are ${check}`);
  const results: StepResult[] = [];
  for (const n of sizes) {
    const skip: string[] = [];
    for (const { id } of STEPS) {
      const mine = results.filter((r) => r.step === id && r.cpuMs.length > 0);
      const last = mine[mine.length - 1];
      const failed = results.find((r) => r.step === id && r.skipped);
      if (failed && !failed.skipped!.startsWith("refused")) {
        skip.push(`${id}=${failed.skipped!.startsWith("not run") ? failed.skipped : `not run: it failed at ${failed.n} models`}`);
        continue;
      }
      if (!last) continue;
      // Time per model grows by `growth` per size step so far; assume it keeps growing so.
      const prev = mine[mine.length - 2];
      const perModel = (r: StepResult) => median(r.cpuMs) / r.n;
      const exponent = prev ? Math.log(perModel(last) / perModel(prev)) / Math.log(last.n / prev.n) : 0;
      const predictedS = (perModel(last) * n * Math.pow(n / last.n, Math.max(0, exponent))) / 1000;
      if (predictedS > budgetS) skip.push(`${id}=not run: its growth predicts ${predictedS.toFixed(0)} s at ${n.toLocaleString("en-US")} models`);
    }
    log(`steps at ${n} models${skip.length ? ` (skipping ${skip.map((x) => x.split("=")[0]).join(", ")})` : ""}...`);
    const node = [process.execPath, "--max-old-space-size=8192", "-r", "ts-node/register/transpile-only", path.join(__dirname, "steps.ts"), String(n), ...skip];
    // 12 GB of address space: Node needs a few for itself; a quadratic table needs far more.
    const r = spawnSync("sh", ["-c", 'ulimit -v 12000000 && exec "$@"', "sh", ...node], { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 26, timeout: 30 * 60 * 1000 });
    const got = r.stdout.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as StepResult);
    for (const g of got) log(`steps ${n}: ${g.step} ${g.skipped ?? `${median(g.cpuMs).toFixed(1)} ms CPU${g.size ? ` (${g.size})` : ""}`}`);
    results.push(...got);
    if (r.status !== 0) {
      const why = `${r.error ? r.error.message : `exit ${r.status ?? r.signal}`}: ${(r.stderr.trim().split("\n").find((l) => /^\w*Error\b|memory/i.test(l.trim())) ?? "").trim().slice(0, 160)}`;
      log(`steps ${n}: ${why}`);
      for (const { id } of STEPS) if (!got.some((g) => g.step === id)) results.push({ step: id, n, cpuMs: [], wallMs: [], skipped: `failed (${why})` });
    }
  }
  return { sizes, results, check };
}

export function stepsMarkdown(r: StepsResult, quick: boolean): string[] {
  const at = (id: StepId, n: number) => r.results.find((x) => x.step === id && x.n === n);
  const cell = (x: StepResult | undefined) => (!x ? "—" : x.skipped ? (x.skipped.length > 100 ? `${x.skipped.slice(0, 100)}…` : x.skipped) : `${median(x.cpuMs) < 10 ? median(x.cpuMs).toFixed(2) : median(x.cpuMs).toFixed(0)} ms`);
  const growth = (id: StepId, a: number, b: number) => {
    const [x, y] = [at(id, a), at(id, b)];
    if (!x || !y || x.cpuMs.length === 0 || y.cpuMs.length === 0) return "—";
    return `×${(median(y.cpuMs) / b / (median(x.cpuMs) / a)).toFixed(2)}`;
  };
  const pairs = r.sizes.slice(1).map((b, i) => [r.sizes[i], b] as const);
  const largest = r.sizes[r.sizes.length - 1];
  return [
    "## Pure steps at scale",
    "",
    `Each step of a command alone, in process (\`test/bench/steps.ts\`, one process per size): CPU milliseconds, the median of 3 runs after one warm-up (of up to 50 for a step of a few milliseconds, 200 ms in all; a warm-up of over 10 s is the only run), on generated fleets (every model on \`gateway-api\`, mid-canary; the edit is the middle model's promote from 10 % to 25 %). Growth is the change of time per model from one size to the next: ×1 is linear; a quadratic step grows by the ratio of the sizes (${pairs.map(([a, b]) => `×${(b / a).toFixed(0)}`).join(", ")}). A fleet the schema refuses as a whole (more models than one stack may hold) is validated a hundred models at a time for the later steps. There is no single pure function that builds a model's objects (the components assemble them while registering), so the manifest rows time the pure builders the components call, assembled as they assemble them (serving, routing, monitoring per model; the namespace and fleet dashboard once); the assembled objects are ${r.check}. Sizes: ${at("parse", largest)?.size ?? "?"} of stack file and ${at("diff.objects", largest)?.size?.split(", ")[0] ?? "?"} at ${largest.toLocaleString("en-US")} models.`,
    "",
    `| step | ${r.sizes.map((n) => `${n.toLocaleString("en-US")} models`).join(" | ")} | ${pairs.map(([a, b]) => `growth ${a.toLocaleString("en-US")}→${b.toLocaleString("en-US")}`).join(" | ")} |`,
    `|---|${r.sizes.map(() => "---").join("|")}|${pairs.map(() => "---").join("|")}|`,
    ...STEPS.map((s) => `| ${s.what} | ${r.sizes.map((n) => cell(at(s.id, n))).join(" | ")} | ${pairs.map(([a, b]) => growth(s.id, a, b)).join(" | ")} |`),
    ...(quick ? ["", "(BENCH_QUICK=1: 100 and 1,000 models only.)"] : []),
    "",
  ];
}

// A child of `npm run bench -- steps`: `steps.ts <n> [<skipped step>=<why> ...]`, JSON lines on stdout.
if (require.main === module) {
  const [n, ...skips] = process.argv.slice(2);
  const skip = new Map(skips.map((s) => s.split(/=(.*)/s, 2) as [StepId, string]));
  runSteps(Number(n), skip, (r) => process.stdout.write(`${JSON.stringify(r)}\n`));
}
