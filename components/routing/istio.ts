import { COLOURS, type Colour, type ModelConfig } from "../config/schema";
import type { Manifest } from "../kube";
import { LABEL, modelSelector } from "../serving/labels";
import { SERVICE_PORT, serviceSpec } from "../serving/manifests";
import { ROUTERS } from "./capabilities";
import { candidateOf, previewEndpoint, routeMetadata, weightsByColour, type RouteContext, type RouterDefinition } from "./router";

const API = "networking.istio.io/v1";

/** Matches a request whose cookie `name` is `always`, the same convention as ingress-nginx. */
export const cookieAlways = (name: string) => `^(.*?;\\s*)?${name.replace(/[.]/g, "\\.")}=always(;.*)?$`;

/**
 * A `<model>` Service over both tracks is the mesh host; a DestinationRule names the tracks as
 * subsets, and a VirtualService splits traffic between them, after preview and A/B matches.
 */
function istioObjects(model: ModelConfig, ctx: RouteContext): Manifest[] {
  const { route } = model;
  const { gateways } = ctx.settings.istio;
  const host = `${model.name}.${ctx.namespace}.svc.cluster.local`;
  const destination = (subset: Colour) => ({ host, subset, port: { number: SERVICE_PORT } });
  const uri = { prefix: route.path };
  const candidate = candidateOf(model);
  const boundTo = gateways.length ? { gateways: [...gateways, "mesh"] } : {};
  const { stickiness } = route;

  const abMatch = route.abTest && {
    uri,
    headers: route.abTest.header
      ? { [route.abTest.header.name.toLowerCase()]: { exact: route.abTest.header.value } }
      : { cookie: { regex: cookieAlways(route.abTest.cookie!.name) } },
  };
  const http = [
    ...COLOURS.map((c) => ({
      name: `preview-${c}`,
      match: [{ uri, headers: { [route.preview.header.toLowerCase()]: { exact: c } } }],
      route: [{ destination: destination(c) }],
    })),
    ...(abMatch ? [{ name: "ab-test", match: [abMatch], route: [{ destination: destination(route.abTest!.track) }] }] : []),
    {
      name: "weighted",
      match: [{ uri }],
      route: COLOURS.map((c) => ({ destination: destination(c), weight: model.tracks[c].weight })),
      ...(route.mirror ? { mirror: destination(candidate), mirrorPercentage: { value: route.mirror.percent } } : {}),
    },
  ];

  const objects: Manifest[] = [
    { apiVersion: "v1", kind: "Service", metadata: routeMetadata(model, ctx, model.name), spec: serviceSpec(modelSelector(model.name)) },
    {
      apiVersion: API,
      kind: "DestinationRule",
      metadata: routeMetadata(model, ctx, model.name),
      spec: {
        host,
        subsets: COLOURS.map((c) => ({ name: c, labels: { [LABEL.track]: c } })),
        ...(stickiness
          ? {
              trafficPolicy: {
                loadBalancer: {
                  consistentHash: stickiness.header
                    ? { httpHeaderName: stickiness.header }
                    : { httpCookie: { name: stickiness.cookie, ttl: `${stickiness.durationSeconds}s` } },
                },
              },
            }
          : {}),
      },
    },
    {
      apiVersion: API,
      kind: "VirtualService",
      metadata: routeMetadata(model, ctx, model.name),
      spec: { hosts: [model.name, ...route.hostnames], ...boundTo, http },
    },
  ];
  if (route.preview.hostname) {
    objects.push({
      apiVersion: API,
      kind: "VirtualService",
      metadata: routeMetadata(model, ctx, `${model.name}-preview`),
      spec: { hosts: [route.preview.hostname], ...boundTo, http: [{ name: "preview", route: [{ destination: destination(candidate) }] }] },
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
