import type { Colour, ModelConfig } from "../config/schema";
import type { Manifest } from "../kube";
import { objectNames, trackName } from "../serving/labels";
import { SERVICE_PORT } from "../serving/manifests";
import { ROUTERS } from "./capabilities";
import { privateMetricsPath } from "./metrics";
import { abTestColour, candidateOf, qualityGateAnnotation, routeMetadata, weightsByColour, type RouteContext, type RouterDefinition } from "./router";

const NGINX = "nginx.ingress.kubernetes.io";
const CANARY = `${NGINX}/canary`;

/** An Ingress on `hosts` (none, or an undefined host: the default server) for one path. */
function ingress(
  model: ModelConfig,
  ctx: RouteContext,
  name: string,
  colour: Colour,
  hosts: readonly (string | undefined)[],
  annotations: Record<string, string> = {},
  path = model.route.path,
): Manifest {
  const http = {
    paths: [{ path, pathType: "Prefix", backend: { service: { name: trackName(model.name, colour), port: { number: SERVICE_PORT } } } }],
  };
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: routeMetadata(model, ctx, name, annotations),
    spec: {
      ingressClassName: ctx.settings.nginx.ingressClassName,
      rules: hosts.length ? hosts.map((host) => (host === undefined ? { http } : { host, http })) : [{ http }],
    },
  };
}

/**
 * The metrics path, refused on the route's hosts: an Ingress of its own, because ingress-nginx
 * applies an Ingress's annotations to each of its locations and merges the Ingresses of a host
 * into one server, where the longer `Prefix` location wins. `denylist-source-range` is a
 * location-scoped annotation (internal/ingress/annotations/ipdenylist: Scope Location, Risk
 * Medium, so the default annotations-risk-level admits it, unlike snippets, which are Critical
 * and off by default); denying every address answers 403 before the request is proxied. The
 * backend is never reached; it names the blue track so the object never changes.
 */
const DENY_ALL = "0.0.0.0/0,::/0";

/**
 * ingress-nginx canary: the primary Ingress serves the stable track and a canary Ingress on the
 * same hosts takes the candidate's weight. A header (A/B, else the preview header) or an A/B
 * cookie sends a request to the canary whatever the weight. ingress-nginx allows one canary per
 * host, so A/B matches can only go to the candidate.
 */
function nginxObjects(model: ModelConfig, ctx: RouteContext): Manifest[] {
  const { route } = model;
  const candidate = candidateOf(model);
  // The canary Ingress always serves the candidate, so the A/B test is on while the candidate holds
  // its role (abTestColour): rolled back, the controller sees no A/B annotation and the cohort
  // follows canary-weight (0). ingress-nginx checks canary-by-header, then canary-by-cookie, then
  // canary-weight; a header matching canary-by-header-value, or a cookie set to "always", goes to
  // the canary (https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/#canary).
  const ab = abTestColour(model) === candidate ? route.abTest : undefined;
  const byHeader: Record<string, string> = ab?.header
    ? { [`${CANARY}-by-header`]: ab.header.name, [`${CANARY}-by-header-value`]: ab.header.value }
    : { [`${CANARY}-by-header`]: route.preview.header, [`${CANARY}-by-header-value`]: candidate };
  const byCookie: Record<string, string> = ab?.cookie ? { [`${CANARY}-by-cookie`]: ab.cookie.name } : {};
  const objects = [
    ingress(model, ctx, model.name, model.stable, route.hostnames),
    ingress(model, ctx, objectNames.canary(model.name), candidate, route.hostnames, {
      [CANARY]: "true",
      [`${CANARY}-weight`]: String(model.tracks[candidate].weight),
      ...qualityGateAnnotation(model),
      ...byHeader,
      ...byCookie,
    }),
  ];
  if (route.preview.hostname) objects.push(ingress(model, ctx, objectNames.preview(model.name), candidate, [route.preview.hostname]));
  const metrics = privateMetricsPath(model, route.path, "segment");
  if (metrics) {
    // The same hosts as the routes (none: the default server), and the preview hostname.
    const hosts = [...(route.hostnames.length ? route.hostnames : [undefined]), ...(route.preview.hostname ? [route.preview.hostname] : [])];
    objects.push(ingress(model, ctx, objectNames.metrics(model.name), "blue", hosts, { [`${NGINX}/denylist-source-range`]: DENY_ALL }, metrics));
  }
  return objects;
}

export const nginxRouter: RouterDefinition = {
  capabilities: ROUTERS.nginx,
  objects: nginxObjects,
  endpoints: (model) => ({
    live: model.route.hostnames.join(",") || `ingress/${model.name}`,
    preview:
      model.route.preview.hostname ??
      (model.route.abTest?.header && abTestColour(model) ? undefined : `header ${model.route.preview.header}: ${candidateOf(model)}`),
  }),
  ingressPeers: (ctx) => ({ peers: [{ namespace: ctx.settings.nginx.controllerNamespace }], callers: false }),
  observedWeights(model, objects) {
    const primary = objects.find((o) => o.kind === "Ingress" && o.metadata.name === model);
    const canary = objects.find((o) => o.kind === "Ingress" && o.metadata.name === objectNames.canary(model));
    if (!primary || !canary) return undefined;
    const serviceOf = (o: Manifest) => o.spec.rules[0].http.paths[0].backend.service.name as string;
    const w = Number(canary.metadata.annotations?.[`${CANARY}-weight`] ?? 0);
    return weightsByColour(model, [
      [serviceOf(primary), 100 - w],
      [serviceOf(canary), w],
    ]);
  },
};
