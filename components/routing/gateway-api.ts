import { COLOURS, type Colour, type ModelConfig } from "../config/schema";
import type { Manifest } from "../kube";
import { trackName } from "../serving/labels";
import { SERVICE_PORT } from "../serving/manifests";
import { ROUTERS } from "./capabilities";
import { candidateOf, previewEndpoint, routeMetadata, weightsByColour, type RouteContext, type RouterDefinition } from "./router";

const API = "gateway.networking.k8s.io/v1";

function settingsOf(ctx: RouteContext) {
  const s = ctx.settings["gateway-api"];
  if (!s) throw new Error("modelship:routers.gateway-api is required by the gateway-api router");
  return s;
}

const backend = (model: ModelConfig, c: Colour, weight?: number) => ({
  kind: "Service",
  name: trackName(model.name, c),
  port: SERVICE_PORT,
  ...(weight !== undefined ? { weight } : {}),
});

/**
 * One HTTPRoute per model on the configured Gateway. Header rules (preview, A/B) take
 * precedence over the weighted rule because Gateway API ranks matches with more headers first.
 */
function httpRoutes(model: ModelConfig, ctx: RouteContext): Manifest[] {
  const { gateway } = settingsOf(ctx);
  const { route } = model;
  const parentRefs = [
    { group: "gateway.networking.k8s.io", kind: "Gateway", name: gateway.name, namespace: gateway.namespace, ...(gateway.sectionName ? { sectionName: gateway.sectionName } : {}) },
  ];
  const path = { type: "PathPrefix", value: route.path };
  const header = (name: string, value: string) => ({ type: "Exact", name, value });
  const candidate = candidateOf(model);

  const rules = [
    ...COLOURS.map((c) => ({ matches: [{ path, headers: [header(route.preview.header, c)] }], backendRefs: [backend(model, c)] })),
    ...(route.abTest?.header
      ? [{ matches: [{ path, headers: [header(route.abTest.header.name, route.abTest.header.value)] }], backendRefs: [backend(model, route.abTest.track)] }]
      : []),
    {
      matches: [{ path }],
      backendRefs: COLOURS.map((c) => backend(model, c, model.tracks[c].weight)),
      ...(route.mirror
        ? { filters: [{ type: "RequestMirror", requestMirror: { backendRef: backend(model, candidate), percent: route.mirror.percent } }] }
        : {}),
    },
  ];
  const live: Manifest = {
    apiVersion: API,
    kind: "HTTPRoute",
    metadata: routeMetadata(model, ctx, model.name),
    spec: { parentRefs, ...(route.hostnames.length ? { hostnames: route.hostnames } : {}), rules },
  };
  if (!route.preview.hostname) return [live];
  const preview: Manifest = {
    apiVersion: API,
    kind: "HTTPRoute",
    metadata: routeMetadata(model, ctx, `${model.name}-preview`),
    spec: { parentRefs, hostnames: [route.preview.hostname], rules: [{ matches: [{ path }], backendRefs: [backend(model, candidate)] }] },
  };
  return [live, preview];
}

export const gatewayApiRouter: RouterDefinition = {
  capabilities: ROUTERS["gateway-api"],
  objects: httpRoutes,
  endpoints: (model) => ({
    live: model.route.hostnames.join(",") || `httproute/${model.name}`,
    preview: previewEndpoint(model),
  }),
  ingressPeers: (ctx) => ({ peers: [{ namespace: settingsOf(ctx).gateway.namespace }], callers: false }),
  observedWeights(model, objects) {
    const route = objects.find((o) => o.kind === "HTTPRoute" && o.metadata.name === model);
    // A rule without matches is Gateway API's default (PathPrefix /): the weighted one too.
    const weighted = route?.spec.rules.find((r: any) => (r.matches ?? []).every((m: any) => !m.headers));
    return weighted && weightsByColour(model, weighted.backendRefs.map((b: any) => [b.name, b.weight ?? 1]));
  },
};
