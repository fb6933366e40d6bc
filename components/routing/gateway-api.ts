import { COLOURS, type Colour, type ModelConfig } from "../config/schema";
import type { Manifest } from "../kube";
import { objectNames, trackName } from "../serving/labels";
import { SERVICE_PORT } from "../serving/manifests";
import { trackPins } from "./affinity";
import { ROUTERS } from "./capabilities";
import { privateMetricsPath } from "./metrics";
import { abTestColour, candidateOf, previewEndpoint, qualityGateAnnotation, routeMetadata, weightsByColour, type RouteContext, type RouterDefinition } from "./router";

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
 * A rule for the metrics path with no backendRefs: the gateway answers it with a 500 itself
 * (HTTPRouteRule.backendRefs; Core conformance test HTTPRouteNoBackendRefs, gateway-api v1.6:
 * "rules with omitted or empty backendRefs explicitly respond with 500"). It outranks every
 * other rule of the route: a longer `PathPrefix` wins before header matches are counted
 * (HTTPRouteRule.matches precedence), and the schema keeps route.path shorter than the metrics
 * path. `PathPrefix` matches whole segments, so /metrics/x is answered and /metricsfoo is not.
 */
const metricsRule = (path: string) => ({ matches: [{ path: { type: "PathPrefix", value: path } }] });

/**
 * One HTTPRoute per model on the configured Gateway. Header rules (preview, A/B, pinned tracks)
 * take precedence over the weighted rule because Gateway API ranks matches with more headers
 * first, and ties go to the first rule in list order.
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
  const abColour = abTestColour(model);
  const metrics = privateMetricsPath(model, route.path, "segment");
  const pins = trackPins(model);
  const mirror = route.mirror ? { filters: [{ type: "RequestMirror", requestMirror: { backendRef: backend(model, candidate), percent: route.mirror.percent } }] } : {};

  const rules = [
    ...(metrics ? [metricsRule(metrics)] : []),
    ...COLOURS.map((c) => ({ matches: [{ path, headers: [header(route.preview.header, c)] }], backendRefs: [backend(model, c)] })),
    ...(route.abTest?.header && abColour
      ? [{ matches: [{ path, headers: [header(route.abTest.header.name, route.abTest.header.value)] }], backendRefs: [backend(model, abColour)] }]
      : []),
    // RegularExpression header matches are implementation-specific (HTTPHeaderMatch.type), as
    // are filters on backendRefs (HTTPBackendRef.filters): see the README for which gateways.
    ...pins.map((p) => ({
      matches: [{ path, headers: [{ type: "RegularExpression", name: "Cookie", value: p.cookieRegex }] }],
      backendRefs: [backend(model, p.colour)],
      ...mirror,
    })),
    {
      matches: [{ path }],
      backendRefs: COLOURS.map((c) => {
        const pin = pins.find((p) => p.colour === c);
        // "Filters defined at this level should be executed if and only if the request is being
        // forwarded to the backend defined here"; `add` appends to the server's own Set-Cookie.
        const setCookie = pin ? { filters: [{ type: "ResponseHeaderModifier", responseHeaderModifier: { add: [{ name: "Set-Cookie", value: pin.setCookie }] } }] } : {};
        return { ...backend(model, c, model.tracks[c].weight), ...setCookie };
      }),
      ...mirror,
    },
  ];
  const live: Manifest = {
    apiVersion: API,
    kind: "HTTPRoute",
    metadata: routeMetadata(model, ctx, model.name, qualityGateAnnotation(model)),
    spec: { parentRefs, ...(route.hostnames.length ? { hostnames: route.hostnames } : {}), rules },
  };
  if (!route.preview.hostname) return [live];
  const preview: Manifest = {
    apiVersion: API,
    kind: "HTTPRoute",
    metadata: routeMetadata(model, ctx, objectNames.preview(model.name)),
    spec: {
      parentRefs,
      hostnames: [route.preview.hostname],
      rules: [...(metrics ? [metricsRule(metrics)] : []), { matches: [{ path }], backendRefs: [backend(model, candidate)] }],
    },
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
    // The rule that forwards without header matches (a rule without matches is Gateway API's
    // default, PathPrefix /); the metrics rule forwards nowhere.
    const weighted = route?.spec.rules.find((r: any) => r.backendRefs?.length && (r.matches ?? []).every((m: any) => !m.headers));
    return weighted && weightsByColour(model, weighted.backendRefs.map((b: any) => [b.name, b.weight ?? 1]));
  },
};
