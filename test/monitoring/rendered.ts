// The rule groups under test, taken from real renders: the PrometheusRule objects synth
// registers for the fixture project's stacks (test/fixtures/project) and for a stack holding one
// model per metrics preset and per server preset. Each model's groups come with its route's
// weight group (manifests.ts routeWeightRule), so the route weight record is produced by the
// rule that produces it in production, never faked as a series.
import { strict as assert } from "assert";
import { COLOURS, parseFleetConfig, type Colour, type ModelConfig } from "../../components/config";
import { PRESETS, presetFor, type PresetDef } from "../../components/monitoring/presets";
import type { RuleGroup } from "../../components/monitoring/rules";
import { RUNTIMES, SERVER_NAMES } from "../../components/serving/runtimes";
import { objectNames } from "../../components/serving/labels";
import { synthesize, type KubeObject, type SynthResult } from "../../stacks/render/synth";
import { clone, fixtureConfig, synthFixture, tempProject } from "../helpers";

/** One model's rules as rendered, and what the series generator needs to know about it. */
export interface Subject {
  /** `production/fraud-detector`, `preset vllm`, `server vllm`. */
  name: string;
  stack: string;
  environment: string;
  namespace: string;
  model: ModelConfig;
  preset: PresetDef;
  /** The model's PrometheusRule groups, then its route's weight group. */
  groups: RuleGroup[];
  stable: Colour;
  /** The other track (the candidate when it carries weight). */
  candidate: Colour;
}

const other = (c: Colour): Colour => (c === "blue" ? "green" : "blue");

function groupsOf(objects: readonly KubeObject[], name: string): RuleGroup[] {
  const rule = objects.find((o) => o.kind === "PrometheusRule" && o.metadata.name === name);
  assert.ok(rule, `no PrometheusRule ${name}`);
  return rule.spec.groups as RuleGroup[];
}

function subjects(r: SynthResult, config: Record<string, any>, stack: string, name: (model: ModelConfig) => string): Subject[] {
  const fleet = parseFleetConfig(config, `Pulumi.${stack}.yaml`);
  return fleet.models.map((model) => ({
    name: name(model),
    stack,
    environment: fleet.environment,
    namespace: fleet.namespace,
    model,
    preset: presetFor(model.monitoring),
    groups: [...groupsOf(r.objects, model.name), ...groupsOf(r.objects, objectNames.routeWeights(model.name))],
    stable: model.stable,
    candidate: other(model.stable),
  }));
}

/** The fixture stack's models, as the stack file has them (weights included). */
export async function fixtureSubjects(stack: string): Promise<Subject[]> {
  return subjects(await synthFixture(stack), fixtureConfig(stack), stack, (m) => `${stack}/${m.name}`);
}

/** Candidate weight of the canary renders: the reviewer's setup (10 stable pods, a 3-pod canary at 10%). */
export const CANARY_WEIGHT = 10;

/**
 * Every model of the route config mid-canary: the stable track at 100 - CANARY_WEIGHT, the
 * other (no longer retired) at CANARY_WEIGHT, on the Gateway API router (the `service` router
 * has no weights between 0 and 100). Images instead of builds: the project is rendered from a
 * temporary directory.
 */
function midCanary(config: Record<string, any>): Record<string, any> {
  const c = clone(config);
  c.router = "gateway-api";
  for (const m of c.models) {
    if (m.router === "service") m.router = "gateway-api";
    if (m.build) {
      delete m.build;
      for (const colour of COLOURS) m.tracks[colour].image ??= `123456789012.dkr.ecr.eu-west-1.amazonaws.com/modelship/${m.name}:${m.tracks[colour].version}`;
    }
    const candidate = other(m.stable);
    m.tracks[m.stable].weight = 100 - CANARY_WEIGHT;
    m.tracks[candidate].weight = CANARY_WEIGHT;
    delete m.tracks[candidate].retired;
    m.tracks[candidate].image ??= m.tracks[m.stable].image;
  }
  return c;
}

const canaryCache = new Map<string, Promise<Subject[]>>();

/**
 * The fixture stack's models mid-canary. Only the route's weight group differs from the stack's
 * own render: the model's PrometheusRule is checked to be exactly the one the stack renders, so
 * the rules under test stay the stack's.
 */
export function canarySubjects(stack: string): Promise<Subject[]> {
  if (!canaryCache.has(stack)) {
    canaryCache.set(
      stack,
      (async () => {
        const config = midCanary(fixtureConfig(stack));
        const r = await synthesize(tempProject(stack, config), stack);
        const own = await synthFixture(stack);
        const out = subjects(r, config, stack, (m) => `${stack}/${m.name}`);
        for (const s of out) {
          assert.deepEqual(groupsOf(r.objects, s.model.name), groupsOf(own.objects, s.model.name), `${s.name}: the canary render changed the model's rules`);
        }
        return out;
      })(),
    );
  }
  return canaryCache.get(stack)!;
}

/** Servers that need a GPU: their models are rendered with one (GPU alerts, a long startup). */
const GPU_SERVERS = new Set(["vllm", "tgi", "triton"]);

/** The AWS CLI image servers that load a local copy need (any digest-pinned image passes the schema). */
const COPY_IMAGE = `public.ecr.aws/aws-cli/aws-cli@sha256:${"ab12".repeat(16)}`;

/** A server preset's monitoring defaults (the `server:` line's), as a stack file would hold them. */
const serverMonitoring = (server: "tgi" | "vllm") => RUNTIMES[server].defaults.monitoring as { alerts: Record<string, number>; slo: { latency: { thresholdMs: number } } };

/**
 * What a metrics preset alone needs besides the defaults, taken from the matching server preset:
 * - tgi: an SLO threshold on one of TGI's buckets (they hold no round number of milliseconds;
 *   the schema rejects 500 ms);
 * - vllm: its latency thresholds and SLO (requests take seconds). The defaults would page on a
 *   healthy LLM, and p50 100 ms lies below vLLM's first bucket (0.3 s): histogram_quantile
 *   interpolates inside it from 0, so any traffic reads a p50 of at least 0.15 s and
 *   ModelLatencyP50High fires even at 50 ms (reported; the schema accepts it).
 */
const PRESET_SETTINGS: Record<string, Record<string, unknown>> = {
  tgi: { slo: { latency: { thresholdMs: serverMonitoring("tgi").slo.latency.thresholdMs } } },
  vllm: {
    alerts: { latencyP50Seconds: serverMonitoring("vllm").alerts.latencyP50Seconds, latencyP99Seconds: serverMonitoring("vllm").alerts.latencyP99Seconds },
    slo: { latency: { thresholdMs: serverMonitoring("vllm").slo.latency.thresholdMs } },
  },
};

/** A model of the presets stack: mid-canary, an image per track, the rest from the preset. */
function presetModel(name: string, extra: Record<string, unknown>): Record<string, unknown> {
  const track = (version: string, weight: number) => ({
    version,
    image: `registry.example.com/${name}:${version}`,
    modelUri: `s3://acme-ml-models-staging/${name}/${version}`,
    weight,
  });
  return { name, stable: "blue", tracks: { blue: track("1.0.0", 100 - CANARY_WEIGHT), green: track("1.1.0", CANARY_WEIGHT) }, ...extra };
}

/** Name of the presets stack's model for a metrics preset (`m-<preset>`) or a server preset (`s-<server>`). */
export const presetModelName = (kind: "preset" | "server", name: string) => `${kind === "preset" ? "m" : "s"}-${name}`;

/**
 * The staging fixture's fleet settings with one model per built-in metrics preset
 * (`monitoring.preset`, the rest default) and one per server preset (`server:`, which sets the
 * preset, thresholds and startup probe; GPU servers with one GPU).
 */
export function presetsConfig(): Record<string, any> {
  const c = clone(fixtureConfig("staging"));
  c.router = "gateway-api";
  c.modelCopy = { image: COPY_IMAGE };
  c.models = [
    // The tgi metrics preset alone: its latency SLO threshold must be one of TGI's buckets.
    ...Object.keys(PRESETS).map((p) => presetModel(presetModelName("preset", p), { monitoring: { preset: p, ...PRESET_SETTINGS[p] } })),
    ...SERVER_NAMES.map((s) => presetModel(presetModelName("server", s), { server: s, ...(GPU_SERVERS.has(s) ? { resources: { gpu: 1 } } : {}) })),
  ];
  return c;
}

let presetCache: Promise<Subject[]> | undefined;

/** One subject per metrics preset (`preset <name>`) and per server preset (`server <name>`), from one synth. */
export function presetSubjects(): Promise<Subject[]> {
  presetCache ??= (async () => {
    const config = presetsConfig();
    const r = await synthesize(tempProject("staging", config), "staging");
    return subjects(r, config, "staging", (m) => (m.name.startsWith("m-") ? `preset ${m.name.slice(2)}` : `server ${m.name.slice(2)}`));
  })();
  return presetCache;
}

/** Every subject the silent-fault tests run on: both fixture stacks mid-canary, every preset. */
export async function allSubjects(): Promise<Subject[]> {
  return [...(await canarySubjects("staging")), ...(await canarySubjects("production")), ...(await presetSubjects())];
}
