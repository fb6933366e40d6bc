import { COLOURS, type Colour, type ModelConfig } from "../config/schema";
import type { Manifest } from "../kube";
import { trackName } from "../serving/labels";
import { SERVICE_PORT } from "../serving/manifests";
import { ROUTERS } from "./capabilities";
import { privateMetricsPath } from "./metrics";
import { abTestColour, candidateOf, previewEndpoint, qualityGateAnnotation, routeMetadata, weightsByColour, type RouteContext, type RouterDefinition } from "./router";

const ALB = "alb.ingress.kubernetes.io";
const WEIGHTED = "weighted";

function settingsOf(ctx: RouteContext) {
  const s = ctx.settings.alb;
  if (!s) throw new Error("modelship:routers.alb is required by the alb router");
  return s;
}

/**
 * The metrics path, answered by the load balancer itself: a `fixed-response` action (ALB rule
 * action types; the controller's FixedResponseActionConfig: statusCode required, contentType and
 * messageBody optional).
 */
const METRICS = "metrics-private";
const notFound = JSON.stringify({ type: "fixed-response", fixedResponseConfig: { contentType: "text/plain", statusCode: "404", messageBody: "Not Found" } });

/**
 * A forward action; with `stickiness`, target group stickiness across its target groups: the
 * controller's ForwardActionConfig `targetGroupStickinessConfig` {enabled, durationSeconds}
 * (pkg/ingress/config_types.go), which the ALB keeps with its own AWSALBTG cookie.
 */
const forward = (targetGroups: { serviceName: string; servicePort: string; weight?: number }[], stickiness?: number) =>
  JSON.stringify({
    type: "forward",
    forwardConfig: {
      targetGroups,
      ...(stickiness ? { targetGroupStickinessConfig: { enabled: true, durationSeconds: stickiness } } : {}),
    },
  });

const headerIs = (name: string, value: string) => JSON.stringify([{ field: "http-header", httpHeaderConfig: { httpHeaderName: name, values: [value] } }]);

/**
 * AWS Load Balancer Controller: one Ingress per model whose rules are custom actions — header
 * rules first (preview per track, A/B), then a weighted forward over both tracks' target groups.
 */
function albObjects(model: ModelConfig, ctx: RouteContext): Manifest[] {
  const s = settingsOf(ctx);
  const { route } = model;
  const group = (c: Colour, weight?: number) => ({ serviceName: trackName(model.name, c), servicePort: String(SERVICE_PORT), ...(weight !== undefined ? { weight } : {}) });
  const abColour = abTestColour(model);
  const actions: [name: string, action: string, conditions?: string][] = [
    ...COLOURS.map((c): [string, string, string] => [`preview-${c}`, forward([group(c)]), headerIs(route.preview.header, c)]),
    ...(route.abTest?.header && abColour ? [["ab-test", forward([group(abColour)]), headerIs(route.abTest.header.name, route.abTest.header.value)] as [string, string, string]] : []),
    [WEIGHTED, forward(COLOURS.map((c) => group(c, model.tracks[c].weight)), route.stickiness?.durationSeconds)],
  ];
  const annotations: Record<string, string> = {
    [`${ALB}/scheme`]: s.scheme,
    [`${ALB}/target-type`]: "ip",
    [`${ALB}/healthcheck-path`]: model.probes.readiness.path,
    [`${ALB}/success-codes`]: "200",
    ...(s.groupName ? { [`${ALB}/group.name`]: s.groupName } : {}),
    ...(s.certificateArn
      ? { [`${ALB}/certificate-arn`]: s.certificateArn, [`${ALB}/listen-ports`]: '[{"HTTPS":443}]', [`${ALB}/ssl-policy`]: "ELBSecurityPolicy-TLS13-1-2-2021-06" }
      : {}),
    ...Object.fromEntries(actions.map(([name, action]) => [`${ALB}/actions.${name}`, action])),
    ...Object.fromEntries(actions.filter(([, , c]) => c).map(([name, , c]) => [`${ALB}/conditions.${name}`, c!])),
  };
  if (route.preview.hostname) annotations[`${ALB}/actions.preview`] = forward([group(candidateOf(model))]);

  const metrics = privateMetricsPath(model, route.path, "segment");
  if (metrics) annotations[`${ALB}/actions.${METRICS}`] = notFound;

  const path = (action: string, p = route.path) => ({ path: p, pathType: "Prefix", backend: { service: { name: action, port: { name: "use-annotation" } } } });
  // The controller turns each host's paths into listener rules in this order: Exact paths, then
  // Prefix paths longest first, keeping the given order among equals (sortIngressPaths in
  // pkg/ingress/model_build_listener_rules.go). So the metrics path (longer than route.path,
  // which the schema keeps shorter) comes first, and the header rules before the catch-all.
  const privatePaths = metrics ? [path(METRICS, metrics)] : [];
  const http = { paths: [...privatePaths, ...actions.map(([name]) => path(name))] };
  const rules = [
    ...(route.preview.hostname ? [{ host: route.preview.hostname, http: { paths: [...privatePaths, path("preview")] } }] : []),
    ...(route.hostnames.length ? route.hostnames.map((host) => ({ host, http })) : [{ http }]),
  ];
  return [
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: routeMetadata(model, ctx, model.name, { ...annotations, ...qualityGateAnnotation(model) }),
      spec: { ingressClassName: s.ingressClassName, rules },
    },
  ];
}

export const albRouter: RouterDefinition = {
  capabilities: ROUTERS.alb,
  objects: albObjects,
  endpoints: (model) => ({
    live: model.route.hostnames.join(",") || `ingress/${model.name}`,
    preview: previewEndpoint(model),
  }),
  // Target type ip: requests arrive from the load balancer's addresses in the VPC.
  ingressPeers: (ctx) => ({ peers: settingsOf(ctx).vpcCidrs.map((cidr) => ({ cidr })), callers: false }),
  observedWeights(model, objects) {
    const ing = objects.find((o) => o.kind === "Ingress" && o.metadata.name === model);
    const action = ing?.metadata.annotations?.[`${ALB}/actions.${WEIGHTED}`];
    if (!action) return undefined;
    const groups = JSON.parse(action).forwardConfig.targetGroups as { serviceName: string; weight: number }[];
    return weightsByColour(model, groups.map((g) => [g.serviceName, g.weight]));
  },
};
