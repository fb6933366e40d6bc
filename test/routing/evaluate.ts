// Where a request goes through a model's rendered routing objects, following each
// controller's documented matching rules (not our renderers' intentions), so tests can ask
// "does the public route serve /metrics?" or "does this cookie keep the user on green?".
import type { Colour } from "../../components/config/schema";
import type { RouterName } from "../../components/routing";
import type { KubeObject } from "../../stacks/render/synth";

export interface Request {
  host: string;
  path: string;
  /** Lower-case names. */
  headers?: Record<string, string>;
}

export interface Destination {
  colour: Colour;
  weight: number;
  /** The Set-Cookie the route adds to responses from this destination. */
  setCookie?: string;
}

export type Outcome =
  /** The routing layer answers itself with this status; no pod sees the request. */
  | { kind: "answered"; status: number }
  /** Forwarded to one of these tracks, by weight (one entry: pinned). */
  | { kind: "forwarded"; to: Destination[] }
  /** No rule of this model's routing objects matches. */
  | { kind: "unmatched" };

const colourOf = (name: string): Colour => {
  if (name === "blue" || name.endsWith("-blue")) return "blue";
  if (name === "green" || name.endsWith("-green")) return "green";
  throw new Error(`not a track: ${name}`);
};

/** Kubernetes Ingress `Prefix` and Gateway API `PathPrefix`: element-wise, trailing slash ignored. */
export function prefixMatches(prefix: string, path: string): boolean {
  const p = prefix.replace(/\/+$/, "");
  return p === "" || path === p || path.startsWith(`${p}/`);
}

/** Whether a header value matches a full-match (RE2-style) regular expression. */
const fullMatch = (pattern: string, value: string) => new RegExp(`^(?:${pattern})$`).test(value);

const live = (objects: readonly KubeObject[], kind: string) => objects.filter((o) => o.kind === kind);

// ---- Gateway API: precedence per HTTPRouteRule.matches (exact path, longest prefix, most
// headers, then rule order); a rule without backendRefs answers 500 (conformance test
// HTTPRouteNoBackendRefs, gateway-api v1.6).
function gatewayApi(objects: readonly KubeObject[], req: Request): Outcome {
  type Candidate = { exact: boolean; prefixLength: number; headers: number; order: number; rule: any };
  const candidates: Candidate[] = [];
  let order = 0;
  for (const route of live(objects, "HTTPRoute")) {
    const hosts: string[] | undefined = route.spec.hostnames;
    if (hosts && !hosts.includes(req.host)) continue;
    for (const rule of route.spec.rules) {
      for (const m of rule.matches ?? [{ path: { type: "PathPrefix", value: "/" } }]) {
        order++;
        const path = m.path ?? { type: "PathPrefix", value: "/" };
        const pathOk = path.type === "Exact" ? req.path === path.value : prefixMatches(path.value, req.path);
        const headersOk = (m.headers ?? []).every((h: any) => {
          const v = req.headers?.[h.name.toLowerCase()];
          if (v === undefined) return false;
          return h.type === "RegularExpression" ? fullMatch(h.value, v) : v === h.value;
        });
        if (pathOk && headersOk) {
          candidates.push({ exact: path.type === "Exact", prefixLength: path.type === "Exact" ? 0 : path.value.length, headers: (m.headers ?? []).length, order, rule });
        }
      }
    }
  }
  if (candidates.length === 0) return { kind: "unmatched" };
  candidates.sort((a, b) => Number(b.exact) - Number(a.exact) || b.prefixLength - a.prefixLength || b.headers - a.headers || a.order - b.order);
  const rule = candidates[0].rule;
  if (!rule.backendRefs?.length) return { kind: "answered", status: 500 };
  return {
    kind: "forwarded",
    to: rule.backendRefs.map((b: any) => {
      const modifier = (b.filters ?? []).find((f: any) => f.type === "ResponseHeaderModifier")?.responseHeaderModifier;
      const cookie = modifier?.add?.find((h: any) => h.name.toLowerCase() === "set-cookie")?.value;
      return { colour: colourOf(b.name), weight: rule.backendRefs.length === 1 ? 100 : (b.weight ?? 1), ...(cookie ? { setCookie: cookie } : {}) };
    }),
  };
}

// ---- Istio: the first matching HTTPRoute of the VirtualService for the host wins; uri and
// header matchers exact / prefix / regex (RE2, full match).
function stringMatch(m: any, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (m.exact !== undefined) return value === m.exact;
  if (m.prefix !== undefined) return value.startsWith(m.prefix);
  if (m.regex !== undefined) return fullMatch(m.regex, value);
  throw new Error(`unknown string match ${JSON.stringify(m)}`);
}

function istio(objects: readonly KubeObject[], req: Request): Outcome {
  const vs = live(objects, "VirtualService").find((o) => o.spec.hosts.includes(req.host));
  if (!vs) return { kind: "unmatched" };
  for (const http of vs.spec.http) {
    const matched =
      !http.match ||
      http.match.some(
        (m: any) =>
          (!m.uri || stringMatch(m.uri, req.path)) && Object.entries(m.headers ?? {}).every(([name, sm]) => stringMatch(sm, req.headers?.[name.toLowerCase()])),
      );
    if (!matched) continue;
    if (http.directResponse) return { kind: "answered", status: http.directResponse.status };
    return {
      kind: "forwarded",
      to: http.route.map((r: any) => {
        const add: Record<string, string> = r.headers?.response?.add ?? {};
        const cookie = Object.entries(add).find(([k]) => k.toLowerCase() === "set-cookie")?.[1];
        return { colour: colourOf(r.destination.subset), weight: http.route.length === 1 ? 100 : (r.weight ?? 0), ...(cookie ? { setCookie: cookie } : {}) };
      }),
    };
  }
  return { kind: "unmatched" };
}

// ---- ingress-nginx: Ingresses of a host merge into one server; `Exact` paths become `location =`,
// `Prefix` paths the longest element-wise prefix; a canary Ingress on the same host and path
// takes requests by header, then cookie, then weight; location annotations apply per path.
const NGINX = "nginx.ingress.kubernetes.io";

function nginx(objects: readonly KubeObject[], req: Request): Outcome {
  const ingresses = live(objects, "Ingress");
  type Loc = { ing: KubeObject; path: any };
  const locs: Loc[] = [];
  for (const ing of ingresses) {
    if (ing.metadata.annotations?.[`${NGINX}/canary`] === "true") continue;
    for (const rule of ing.spec.rules) {
      if (rule.host !== undefined && rule.host !== req.host) continue;
      for (const path of rule.http.paths) locs.push({ ing, path });
    }
  }
  const exact = locs.find((l) => l.path.pathType === "Exact" && l.path.path === req.path);
  const best = exact ?? locs.filter((l) => l.path.pathType === "Prefix" && prefixMatches(l.path.path, req.path)).sort((a, b) => b.path.path.length - a.path.path.length)[0];
  if (!best) return { kind: "unmatched" };
  const deny = best.ing.metadata.annotations?.[`${NGINX}/denylist-source-range`];
  if (deny && deny.split(",").includes("0.0.0.0/0") && deny.split(",").includes("::/0")) return { kind: "answered", status: 403 };
  const primary = colourOf(best.path.backend.service.name);
  const canary = ingresses.find(
    (o) =>
      o.metadata.annotations?.[`${NGINX}/canary`] === "true" &&
      o.spec.rules.some((r: any) => (r.host === undefined || r.host === req.host) && r.http.paths.some((p: any) => p.path === best.path.path && p.pathType === best.path.pathType)),
  );
  if (!canary) return { kind: "forwarded", to: [{ colour: primary, weight: 100 }] };
  const a = canary.metadata.annotations!;
  const canaryColour = colourOf(canary.spec.rules[0].http.paths[0].backend.service.name);
  const header = a[`${NGINX}/canary-by-header`];
  if (header) {
    const v = req.headers?.[header.toLowerCase()];
    const want = a[`${NGINX}/canary-by-header-value`];
    if (v !== undefined && (want ? v === want : v === "always")) return { kind: "forwarded", to: [{ colour: canaryColour, weight: 100 }] };
    if (v === "never") return { kind: "forwarded", to: [{ colour: primary, weight: 100 }] };
  }
  const cookieName = a[`${NGINX}/canary-by-cookie`];
  if (cookieName) {
    const v = cookieValue(req, cookieName);
    if (v === "always") return { kind: "forwarded", to: [{ colour: canaryColour, weight: 100 }] };
    if (v === "never") return { kind: "forwarded", to: [{ colour: primary, weight: 100 }] };
  }
  const w = Number(a[`${NGINX}/canary-weight`] ?? 0);
  return { kind: "forwarded", to: [{ colour: primary, weight: 100 - w }, { colour: canaryColour, weight: w }] };
}

export function cookieValue(req: Request, name: string): string | undefined {
  for (const part of (req.headers?.cookie ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return v.join("=");
  }
  return undefined;
}

// ---- AWS Load Balancer Controller: per host rule, Exact paths first, then Prefix paths by
// length (longest first, stable), each a listener rule in that order (model_build_listener_rules.go
// sortIngressPaths); a path's action and conditions come from the actions.<name> / conditions.<name>
// annotations of its backend; Prefix "/p" becomes the patterns "/p" and "/p/*".
const ALB = "alb.ingress.kubernetes.io";

function alb(objects: readonly KubeObject[], req: Request): Outcome {
  for (const ing of live(objects, "Ingress")) {
    const a = ing.metadata.annotations ?? {};
    for (const rule of ing.spec.rules) {
      if (rule.host !== undefined && rule.host !== req.host) continue;
      const paths = [...rule.http.paths];
      const exact = paths.filter((p: any) => p.pathType === "Exact");
      const prefix = paths.filter((p: any) => p.pathType === "Prefix").sort((x: any, y: any) => y.path.length - x.path.length);
      for (const p of [...exact, ...prefix]) {
        if (p.pathType === "Exact" ? p.path !== req.path : !prefixMatches(p.path, req.path)) continue;
        const name = p.backend.service.name;
        const conditions = JSON.parse(a[`${ALB}/conditions.${name}`] ?? "[]");
        const ok = conditions.every((c: any) => {
          if (c.field !== "http-header") throw new Error(`condition ${c.field} not modelled`);
          const v = req.headers?.[c.httpHeaderConfig.httpHeaderName.toLowerCase()];
          return v !== undefined && c.httpHeaderConfig.values.some((x: string) => x.toLowerCase() === v.toLowerCase());
        });
        if (!ok) continue;
        const action = JSON.parse(a[`${ALB}/actions.${name}`]);
        if (action.type === "fixed-response") return { kind: "answered", status: Number(action.fixedResponseConfig.statusCode) };
        const groups = action.forwardConfig.targetGroups;
        return { kind: "forwarded", to: groups.map((g: any) => ({ colour: colourOf(g.serviceName), weight: groups.length === 1 ? 100 : g.weight })) };
      }
    }
  }
  return { kind: "unmatched" };
}

const EVALUATORS: Partial<Record<RouterName, (objects: readonly KubeObject[], req: Request) => Outcome>> = {
  "gateway-api": gatewayApi,
  istio,
  nginx,
  alb,
};

/** Where `req` goes through the routing objects of one model (rendered by `router`). */
export function routeRequest(router: RouterName, objects: readonly KubeObject[], req: Request): Outcome {
  const evaluate = EVALUATORS[router];
  if (!evaluate) throw new Error(`the ${router} router has no public route to evaluate`);
  return evaluate(objects, req);
}

/** The destinations that take traffic, without zero weights. */
export const taking = (o: Outcome) => (o.kind === "forwarded" ? o.to.filter((d) => d.weight > 0) : []);
