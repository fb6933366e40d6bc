// The router interface: pure functions from a model's config to its routing objects.
import { qualityGate, type QualityGateState, type QualityOverride } from "../config/quality";
import type { Colour, ModelConfig, RouterSettings } from "../config/schema";
import type { Manifest } from "../kube";
import { LABEL, modelLabels } from "../serving/labels";
import type { NetworkPeer } from "../serving/manifests";
import type { RouterCapabilities } from "./capabilities";

export interface RouteContext {
  namespace: string;
  settings: RouterSettings;
}

export interface Endpoints {
  /** Where clients send live traffic. */
  live: string;
  /** How the candidate is reached alone for smoke tests, when the router offers it. */
  preview?: string;
}

export interface RouterDefinition {
  readonly capabilities: RouterCapabilities;
  /** The routing objects of one model. */
  objects(model: ModelConfig, ctx: RouteContext): Manifest[];
  endpoints(model: ModelConfig, ctx: RouteContext): Endpoints;
  /**
   * Who delivers traffic into the pods through this router. "callers" means clients reach the
   * pods directly (Services, sidecars), so the configured callers are let in.
   */
  ingressPeers(ctx: RouteContext): { peers: NetworkPeer[]; callers: boolean };
  /** The weights the rendered routing objects of a model actually carry; undefined when pods decide. */
  observedWeights(model: string, objects: readonly Manifest[]): Record<Colour, number> | undefined;
}

export const ANNOTATION = {
  steps: "modelship.io/steps",
  qualityGate: "modelship.io/quality-gate",
} as const;

/** The value of the quality-gate annotation (JSON): the candidate's offline quality gate. */
export interface QualityGateAnnotation {
  track: Colour;
  version: string;
  state: QualityGateState;
  shortfalls?: string[];
  override?: QualityOverride;
}

/**
 * The annotation each router puts on the one object that carries the model's weights (HTTPRoute,
 * VirtualService, canary Ingress, ALB Ingress, live Service), while the candidate takes traffic:
 * its quality gate (components/config/quality.ts), so the policy pack can hold a version below its
 * thresholds off live traffic without reading the stack config. Absent at weight 0, so a release
 * (new version, new metrics) never touches a routing object and a rollback stays one object: the
 * annotation appears and goes with the weights on the object whose weights change anyway.
 * Controllers ignore it: ingress-nginx and the AWS Load Balancer Controller read only their own
 * prefixes (nginx.ingress.kubernetes.io/, alb.ingress.kubernetes.io/), and the API server takes any
 * string value within 256 KiB of annotations per object (apimachinery's TotalAnnotationSizeLimitB);
 * the schema caps an override's reason and name so the value stays small.
 */
export function qualityGateAnnotation(model: ModelConfig): Record<string, string> {
  const c = candidateOf(model);
  const t = model.tracks[c];
  if (t.weight === 0) return {};
  const gate = qualityGate(model.thresholds, t);
  const value: QualityGateAnnotation = {
    track: c,
    version: t.version,
    state: gate.state,
    ...(gate.shortfalls.length > 0 ? { shortfalls: gate.shortfalls } : {}),
    ...(gate.override ? { override: gate.override } : {}),
  };
  return { [ANNOTATION.qualityGate]: JSON.stringify(value) };
}

/**
 * Metadata of a routing object. The steps annotation lets the policy pack check that a
 * production weight is one of the model's steps without reading the stack config.
 */
export function routeMetadata(model: ModelConfig, ctx: RouteContext, name: string, annotations: Record<string, string> = {}) {
  return {
    name,
    namespace: ctx.namespace,
    labels: modelLabels(model.name, "route"),
    annotations: { [ANNOTATION.steps]: model.steps.join(","), ...annotations },
  };
}

/** The routing objects of one model among many objects. */
export const routeObjectsOf = (model: string, objects: readonly Manifest[]) =>
  objects.filter((o) => o.metadata.labels?.[LABEL.name] === model && o.metadata.labels?.[LABEL.component] === "route");

export const candidateOf = (model: Pick<ModelConfig, "stable">): Colour => (model.stable === "blue" ? "green" : "blue");

/**
 * The track an A/B test's matches go to: the one holding the configured role (`candidate`, the
 * default, or `stable`), read from the model's current state, since blue and green swap roles at
 * every completed promotion. Undefined — no A/B rule, the cohort follows the weights — while the
 * candidate is rolled back: a rollback takes all live traffic off that version, the cohort's too.
 */
export function abTestColour(model: Pick<ModelConfig, "stable" | "route" | "tracks">): Colour | undefined {
  const ab = model.route.abTest;
  if (!ab) return undefined;
  if (ab.track === "stable") return model.stable;
  const candidate = candidateOf(model);
  const t = model.tracks[candidate];
  return t.rolledBack || t.retired ? undefined : candidate;
}

/** Weights keyed by colour from a list of (service or subset name, weight). */
export function weightsByColour(model: string, entries: readonly [string, number][]): Record<Colour, number> | undefined {
  const out: Partial<Record<Colour, number>> = {};
  for (const [name, weight] of entries) {
    const colour = name === "blue" || name.endsWith(`${model}-blue`) ? "blue" : name === "green" || name.endsWith(`${model}-green`) ? "green" : undefined;
    if (colour) out[colour] = (out[colour] ?? 0) + weight;
  }
  return out.blue === undefined && out.green === undefined ? undefined : { blue: out.blue ?? 0, green: out.green ?? 0 };
}

/** The preview endpoint of routers that offer a preview hostname and header. */
export const previewEndpoint = (model: ModelConfig): string =>
  model.route.preview.hostname ?? `header ${model.route.preview.header}: ${candidateOf(model)}`;
