import { COLOURS, type Colour, type ModelConfig } from "../config/schema";
import type { Manifest } from "../kube";
import { LABEL, modelSelector, objectNames } from "../serving/labels";
import { SERVICE_PORT, serviceSpec } from "../serving/manifests";
import { cookieIs, trackPins } from "./affinity";
import { ROUTERS } from "./capabilities";
import { privateMetricsPath } from "./metrics";
import { abTestColour, candidateOf, previewEndpoint, qualityGateAnnotation, routeMetadata, weightsByColour, type RouteContext, type RouterDefinition } from "./router";

const API = "networking.istio.io/v1";

/** Matches a request whose cookie `name` is `always`, the same convention as ingress-nginx. */
export const cookieAlways = (name: string) => cookieIs(name, "always");

/**
 * Answers the metrics path at the proxy, before any rule that forwards. `directResponse` needs
 * Istio >= 1.15 (istio/api#2407, "It can be set only when `Route` and `Redirect` are empty");
 * HTTPRoutes are matched in order, the first match wins. `uri.prefix` matches characters, so
 * the path itself and what lies below it are matched, not look-alikes such as /metricsfoo.
 */
const metricsRule = (path: string) => ({
  name: "metrics",
  match: [{ uri: { exact: path } }, { uri: { prefix: `${path}/` } }],
  directResponse: { status: 404 },
});

/**
 * A `<model>` Service over both tracks is the mesh host; a DestinationRule names the tracks as
 * subsets, and a VirtualService answers the metrics path itself, then routes preview headers,
 * A/B matches, pinned tracks (stickiness) and finally the weights.
 */
function istioObjects(model: ModelConfig, ctx: RouteContext): Manifest[] {
  const { route } = model;
  const { gateways } = ctx.settings.istio;
  const host = `${model.name}.${ctx.namespace}.svc.cluster.local`;
  const destination = (subset: Colour) => ({ host, subset, port: { number: SERVICE_PORT } });
  const uri = { prefix: route.path };
  const candidate = candidateOf(model);
  const boundTo = gateways.length ? { gateways: [...gateways, "mesh"] } : {};
  const mirror = route.mirror ? { mirror: destination(candidate), mirrorPercentage: { value: route.mirror.percent } } : {};
  const metrics = privateMetricsPath(model, route.path, "string");
  const pins = trackPins(model);

  const abColour = abTestColour(model);
  const abMatch = route.abTest && abColour && {
    uri,
    headers: route.abTest.header
      ? { [route.abTest.header.name.toLowerCase()]: { exact: route.abTest.header.value } }
      : { cookie: { regex: cookieAlways(route.abTest.cookie!.name) } },
  };
  const http = [
    ...(metrics ? [metricsRule(metrics)] : []),
    ...COLOURS.map((c) => ({
      name: `preview-${c}`,
      match: [{ uri, headers: { [route.preview.header.toLowerCase()]: { exact: c } } }],
      route: [{ destination: destination(c) }],
    })),
    ...(abMatch ? [{ name: "ab-test", match: [abMatch], route: [{ destination: destination(abColour!) }] }] : []),
    // Header matchers are RE2 and match the whole value (Istio StringMatch `regex`).
    ...pins.map((p) => ({
      name: `track-${p.colour}`,
      match: [{ uri, headers: { cookie: { regex: p.cookieRegex } } }],
      route: [{ destination: destination(p.colour) }],
      ...mirror,
    })),
    {
      name: "weighted",
      match: [{ uri }],
      route: COLOURS.map((c) => {
        const pin = pins.find((p) => p.colour === c);
        // HTTPRouteDestination.headers applies to this destination's responses only; `add`
        // appends (APPEND_IF_EXISTS_OR_ADD), so the server's own Set-Cookie headers stay.
        return { destination: destination(c), weight: model.tracks[c].weight, ...(pin ? { headers: { response: { add: { "set-cookie": pin.setCookie } } } } : {}) };
      }),
      ...mirror,
    },
  ];

  const objects: Manifest[] = [
    { apiVersion: "v1", kind: "Service", metadata: routeMetadata(model, ctx, model.name), spec: serviceSpec(modelSelector(model.name)) },
    {
      apiVersion: API,
      kind: "DestinationRule",
      metadata: routeMetadata(model, ctx, model.name),
      spec: { host, subsets: COLOURS.map((c) => ({ name: c, labels: { [LABEL.track]: c } })) },
    },
    {
      apiVersion: API,
      kind: "VirtualService",
      metadata: routeMetadata(model, ctx, model.name, qualityGateAnnotation(model)),
      spec: { hosts: [model.name, ...route.hostnames], ...boundTo, http },
    },
  ];
  if (route.preview.hostname) {
    // The preview host forwards every path, so its metrics rule does not depend on route.path.
    const previewMetrics = privateMetricsPath(model, "/", "string");
    objects.push({
      apiVersion: API,
      kind: "VirtualService",
      metadata: routeMetadata(model, ctx, objectNames.preview(model.name)),
      spec: {
        hosts: [route.preview.hostname],
        ...boundTo,
        http: [...(previewMetrics ? [metricsRule(previewMetrics)] : []), { name: "preview", route: [{ destination: destination(candidate) }] }],
      },
    });
  }
  return objects;
}

export const istioRouter: RouterDefinition = {
  capabilities: ROUTERS.istio,
  objects: istioObjects,
  endpoints: (model) => ({
    live: [`svc/${model.name}`, ...model.route.hostnames].join(","),
    preview: previewEndpoint(model),
  }),
  // Sidecars call the pods directly; the ingress gateway brings outside traffic.
  ingressPeers: (ctx) => ({ peers: [{ namespace: ctx.settings.istio.gatewayNamespace }], callers: true }),
  observedWeights(model, objects) {
    const vs = objects.find((o) => o.kind === "VirtualService" && o.metadata.name === model);
    const weighted = vs?.spec.http.find((h: any) => h.name === "weighted");
    return weighted && weightsByColour(model, weighted.route.map((r: any) => [r.destination.subset, r.weight ?? 0]));
  },
};
