// The router interface: pure functions from a model's config to its routing objects.
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
} as const;

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
