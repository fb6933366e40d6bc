import type { Colour, ModelConfig } from "../config/schema";
import type { Manifest } from "../kube";
import { trackName } from "../serving/labels";
import { SERVICE_PORT } from "../serving/manifests";
import { ROUTERS } from "./capabilities";
import { candidateOf, routeMetadata, weightsByColour, type RouteContext, type RouterDefinition } from "./router";

const CANARY = "nginx.ingress.kubernetes.io/canary";

function ingress(model: ModelConfig, ctx: RouteContext, name: string, colour: Colour, hosts: readonly string[], annotations: Record<string, string> = {}): Manifest {
  const http = {
    paths: [{ path: model.route.path, pathType: "Prefix", backend: { service: { name: trackName(model.name, colour), port: { number: SERVICE_PORT } } } }],
  };
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: routeMetadata(model, ctx, name, annotations),
    spec: {
      ingressClassName: ctx.settings.nginx.ingressClassName,
      rules: hosts.length ? hosts.map((host) => ({ host, http })) : [{ http }],
    },
  };
}

/**
 * ingress-nginx canary: the primary Ingress serves the stable track and a canary Ingress on the
 * same hosts takes the candidate's weight. A header (A/B, else the preview header) or an A/B
 * cookie sends a request to the canary whatever the weight. ingress-nginx allows one canary per
 * host, so A/B matches can only go to the candidate.
 */
function nginxObjects(model: ModelConfig, ctx: RouteContext): Manifest[] {
  const { route } = model;
  const candidate = candidateOf(model);
  const byHeader: Record<string, string> = route.abTest?.header
    ? { [`${CANARY}-by-header`]: route.abTest.header.name, [`${CANARY}-by-header-value`]: route.abTest.header.value }
    : { [`${CANARY}-by-header`]: route.preview.header, [`${CANARY}-by-header-value`]: candidate };
  const byCookie: Record<string, string> = route.abTest?.cookie ? { [`${CANARY}-by-cookie`]: route.abTest.cookie.name } : {};
  const objects = [
    ingress(model, ctx, model.name, model.stable, route.hostnames),
    ingress(model, ctx, `${model.name}-canary`, candidate, route.hostnames, {
      [CANARY]: "true",
      [`${CANARY}-weight`]: String(model.tracks[candidate].weight),
      ...byHeader,
      ...byCookie,
    }),
  ];
  if (route.preview.hostname) objects.push(ingress(model, ctx, `${model.name}-preview`, candidate, [route.preview.hostname]));
  return objects;
}

export const nginxRouter: RouterDefinition = {
  capabilities: ROUTERS.nginx,
  objects: nginxObjects,
  endpoints: (model) => ({
    live: model.route.hostnames.join(",") || `ingress/${model.name}`,
    preview:
      model.route.preview.hostname ??
      (model.route.abTest?.header ? undefined : `header ${model.route.preview.header}: ${candidateOf(model)}`),
  }),
  ingressPeers: (ctx) => ({ peers: [{ namespace: ctx.settings.nginx.controllerNamespace }], callers: false }),
  observedWeights(model, objects) {
    const primary = objects.find((o) => o.kind === "Ingress" && o.metadata.name === model);
    const canary = objects.find((o) => o.kind === "Ingress" && o.metadata.name === `${model}-canary`);
    if (!primary || !canary) return undefined;
    const serviceOf = (o: Manifest) => o.spec.rules[0].http.paths[0].backend.service.name as string;
    const w = Number(canary.metadata.annotations?.[`${CANARY}-weight`] ?? 0);
    return weightsByColour(model, [
      [serviceOf(primary), 100 - w],
      [serviceOf(canary), w],
    ]);
  },
};
