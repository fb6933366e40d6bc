// Blast radius of each rollout command: the objects a change touches, from synth before and
// after (shared by the tests and the benchmark report).
import * as YAML from "yaml";
import { ROUTER_DEFINITIONS, type RouterName } from "../../components/routing";
import { diffObjects, touched } from "../../stacks/render/objectdiff";
import { applyCommand, edits, type ModelState, type RolloutCommand } from "../../stacks/rollout/state";
import { applyEdits, fleetOfText, modelState } from "../../stacks/stackfile/edit";
import { readProject, YAML_FORMAT } from "../../stacks/stackfile/file";
import { synthesize, type SynthResult } from "../../stacks/render/synth";
import { clone, FIXTURE, fixtureConfig } from "../helpers";

const project = readProject(FIXTURE);
const NAME = "Pulumi.production.yaml";

export const ROUTER_SETTINGS = {
  "gateway-api": { gateway: { name: "ml-gateway", namespace: "gateway-system" } },
  istio: { gateways: ["istio-ingress/ml-gateway"] },
  alb: { vpcCidrs: ["10.20.0.0/16"] },
};

/** The production fleet on one router, fraud-detector stable on blue, green retired; `edit` changes the fleet config further. */
export function startText(router: RouterName, edit: (config: Record<string, any>) => void = () => undefined): string {
  const c = clone(fixtureConfig("production"));
  c.router = router;
  c.routers = ROUTER_SETTINGS;
  const caps = ROUTER_DEFINITIONS[router].capabilities;
  for (const m of c.models) {
    if (!caps.features.has("hostnames")) delete m.route;
    if (caps.weights === "switch") delete m.steps;
    if (caps.capacity === "replica-ratio") m.idle = "cold";
  }
  const fraud = c.models[0];
  fraud.tracks.blue.weight = 100;
  fraud.tracks.green = { ...fraud.tracks.green, weight: 0, retired: true };
  delete fraud.tracks.green.metrics;
  delete fraud.thresholds;
  edit(c);
  return YAML.stringify({ config: Object.fromEntries(Object.entries(c).map(([k, v]) => [`modelship:${k}`, v])) }, YAML_FORMAT);
}

export interface Step {
  command: string;
  before: SynthResult;
  after: SynthResult;
  touched: string[];
  state: { before: ModelState; after: ModelState };
}

/** Applies the commands in turn to fraud-detector and renders each change. */
export async function walk(router: RouterName, commands: readonly RolloutCommand[], edit?: (config: Record<string, any>) => void): Promise<Step[]> {
  let text = startText(router, edit);
  const steps: Step[] = [];
  for (const cmd of commands) {
    const current = fleetOfText(project, NAME, text);
    const before = modelState(current.fleet.models[0]);
    const after = applyCommand(before, cmd);
    const doc = { project, stack: "production", file: "", name: NAME, text, doc: YAML.parseDocument(text) };
    const next = applyEdits(doc, 0, edits(before, after));
    const proposed = fleetOfText(project, NAME, next);
    const [a, b] = [await synthesize(FIXTURE, "production", current.config), await synthesize(FIXTURE, "production", proposed.config)];
    const label = cmd.kind === "promote" ? `promote to ${after.tracks[after.stable === before.stable ? (before.stable === "blue" ? "green" : "blue") : after.stable].weight}%` : cmd.kind;
    steps.push({ command: label, before: a, after: b, touched: touched(diffObjects(a.objects, b.objects)), state: { before, after } });
    text = next;
  }
  return steps;
}

const RELEASE: RolloutCommand = { kind: "release", version: "1.6.0", image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/modelship/fraud-detector@sha256:" + "ab".repeat(32) };

/** release, then every promote step until the candidate is stable. */
export function lifecycle(router: RouterName): RolloutCommand[] {
  const steps = ROUTER_DEFINITIONS[router].capabilities.weights === "switch" ? 1 : 4;
  return [RELEASE, ...Array.from({ length: steps }, (): RolloutCommand => ({ kind: "promote" }))];
}

/**
 * release, first canary step, rollback (mid-canary). On a router that only switches, the first
 * promote completes the promotion, and the way back from a completed promotion is `undo`.
 */
export function abort(router: RouterName): RolloutCommand[] {
  const completes = ROUTER_DEFINITIONS[router].capabilities.weights === "switch";
  return [RELEASE, { kind: "promote" }, { kind: completes ? "undo" : "rollback" }];
}
