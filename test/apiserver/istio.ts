// Istio networking objects as istiod's validating webhook judges them (istio/istio
// pkg/config/validation/validation.go, virtualservice.go, and pkg/config/validation/agent).
import { isIP } from "net";
import { labelValue, qualifiedName } from "./formats";
import type { Problems } from "./meta";

const ISTIO_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// pkg/config/labels: IsWildcardDNS1123Label ('*', or a label that may start with '*').
const WILDCARD_LABEL = /^(\*|\*?[a-z0-9]([-a-z0-9]*[a-z0-9])?|\*-[a-z0-9]([-a-z0-9]*[a-z0-9])?)$/;

/**
 * agent.ValidateWildcardDomain: at most 255 characters; the first label may be a wildcard, the
 * others DNS-1123 labels of at most 63; a trailing dot is allowed; the top-level label is not
 * all digits. A single label (a short name such as `sentiment`) is valid.
 */
export function istioHost(h: string): string | undefined {
  if (h.length === 0) return "empty domain name not allowed";
  if (h.length > 255) return `domain name too long (max 255), got ${h.length}`;
  const [first, ...rest] = h.split(".");
  if (first.length > 63 || !WILDCARD_LABEL.test(first)) return `domain name invalid (label "${first}" invalid)`;
  if (rest.length === 0) return undefined;
  if (/^[0-9]+$/.test(rest[rest.length - 1])) return "domain name invalid (top level domain cannot be all-numeric)";
  const bad = rest.find((l, i) => !(i === rest.length - 1 && l === "") && (l.length > 63 || !ISTIO_LABEL.test(l)));
  return bad === undefined ? undefined : `domain name invalid (label "${bad}" invalid)`;
}

// validation.go: validHeaderNameRegex (RFC 7230 tchars), pseudoHeaders, and jwt.ToRoutingClaim
// (`@request.auth.claims.` names) in ValidateHTTPHeaderNameOrJwtClaimRoute.
const TCHARS = /^[!#$%&'*+\-.^_`|~A-Za-z0-9]+$/;
const PSEUDO_HEADERS = new Set([":method", ":authority", ":path", ":scheme", ":status"]);
function matchHeaderName(name: string): string | undefined {
  if (name === "") return "header name cannot be empty";
  if (name.startsWith("@request.auth.claims.") || PSEUDO_HEADERS.has(name)) return undefined;
  if (!TCHARS.test(name)) return `header name ${name} is not a valid header name`;
  return undefined;
}
const isInternal = (n: string) => n.startsWith(":") || n.toLowerCase() === "host";
const isAuthority = (n: string) => n.toLowerCase() === ":authority" || n.toLowerCase() === "host";
/** ValidateHTTPHeaderWithAuthorityOperationName: request add/set of a route. */
function requestSetName(n: string) {
  if (n === "") return "header name cannot be empty";
  if (isInternal(n) && !isAuthority(n)) return `invalid header "${n}": header cannot have ":" prefix`;
  return undefined;
}
/** ValidateHTTPHeaderWithHostOperationName: request add/set of a route destination. */
function destinationRequestSetName(n: string) {
  if (n === "") return "header name cannot be empty";
  if (isInternal(n) && n.toLowerCase() !== "host") return `invalid header "${n}": header cannot have ":" prefix`;
  return undefined;
}
/** ValidateHTTPHeaderOperationName: request remove, response add/set/remove. */
function operationName(n: string) {
  if (n === "") return "header name cannot be empty";
  if (n.toLowerCase() === "host") return `invalid header "${n}": cannot set Host header`;
  if (isInternal(n)) return `invalid header "${n}": header cannot have ":" prefix`;
  return undefined;
}

function checkHeaders(p: Problems, path: string, headers: any, requestSet: (n: string) => string | undefined) {
  for (const dir of ["request", "response"] as const) {
    const h = headers?.[dir];
    if (!h) continue;
    for (const op of ["add", "set"] as const) for (const n of Object.keys(h[op] ?? {})) p.add(`${path}.${dir}.${op}[${n}]`, dir === "request" ? requestSet(n) : operationName(n), n);
    (h.remove ?? []).forEach((n: string, i: number) => p.add(`${path}.${dir}.remove[${i}]`, operationName(n), n));
  }
}

/** validateDestination: host a wildcard domain, subset a DNS-1123 label (validateSubsetName), port 1..65535. */
function checkDestination(p: Problems, path: string, d: any) {
  if (!d) return;
  p.check(`${path}.host`, d.host, istioHost);
  if (d.subset !== undefined) p.check(`${path}.subset`, d.subset, (s) => (ISTIO_LABEL.test(s) && s.length <= 63 ? undefined : `subset name is invalid: ${s}`));
  const n = d.port?.number;
  if (n !== undefined && !(Number.isInteger(n) && n >= 1 && n <= 65535)) p.add(`${path}.port.number`, "port number must be in the range 1..65535", n);
}

/** ValidateVirtualService, validateHTTPRoute, validateHTTPRouteMatchRequest (virtualservice.go), validateHTTPRouteDestinations. */
export function checkVirtualService(p: Problems, o: any) {
  const s = o.spec ?? {};
  const hosts: unknown[] = s.hosts ?? [];
  if (hosts.length === 0) p.add("spec.hosts", "virtual service must have at least one host");
  const mesh = !s.gateways?.length || s.gateways.includes("mesh");
  hosts.forEach((h, i) => {
    // Older Istio releases also took IP addresses here; current ones hold hosts to domains.
    if (typeof h === "string" && h === "*" && mesh) p.add(`spec.hosts[${i}]`, "wildcard host * is not allowed for virtual services bound to the mesh gateway");
    else if (!(typeof h === "string" && isIP(h))) p.check(`spec.hosts[${i}]`, h, istioHost);
  });
  (s.http ?? []).forEach((r: any, i: number) => {
    const at = `spec.http[${i}]`;
    (r.match ?? []).forEach((m: any, j: number) => {
      for (const f of ["headers", "withoutHeaders"] as const) for (const n of Object.keys(m?.[f] ?? {})) p.add(`${at}.match[${j}].${f}[${n}]`, matchHeaderName(n), n);
      // labels.Instance(match.SourceLabels).Validate
      for (const [k, v] of Object.entries(m?.sourceLabels ?? {})) p.add(`${at}.match[${j}].sourceLabels[${k}]`, qualifiedName(k) ?? labelValue(String(v)), k);
    });
    if (!r.route?.length && !r.redirect && !r.directResponse && !r.delegate) p.add(`${at}.route`, "HTTP route, redirect or direct response is required");
    checkHeaders(p, `${at}.headers`, r.headers, requestSetName);
    (r.route ?? []).forEach((d: any, j: number) => {
      checkDestination(p, `${at}.route[${j}].destination`, d.destination);
      if (d.weight !== undefined && !(d.weight >= 0)) p.add(`${at}.route[${j}].weight`, `weight ${d.weight} < 0`);
      checkHeaders(p, `${at}.route[${j}].headers`, d.headers, destinationRequestSetName);
    });
    if (r.mirror) checkDestination(p, `${at}.mirror`, r.mirror);
    const mp = r.mirrorPercentage?.value;
    if (mp !== undefined && !(mp >= 0 && mp <= 100)) p.add(`${at}.mirrorPercentage.value`, "mirror_percentage must be in 0..100", mp);
  });
}

/** ValidateDestinationRule: host (ValidateWildcardDomain); subsets unique DNS-1123 label names (validateSubset) with valid labels. */
export function checkDestinationRule(p: Problems, o: any) {
  const s = o.spec ?? {};
  p.check("spec.host", s.host, istioHost);
  const names = new Set<string>();
  (s.subsets ?? []).forEach((sub: any, i: number) => {
    const at = `spec.subsets[${i}]`;
    p.check(`${at}.name`, sub.name, (n) => (n && ISTIO_LABEL.test(n) && n.length <= 63 ? undefined : `subset name is invalid: ${n}`));
    if (names.has(sub.name)) p.add(`${at}.name`, `duplicate subset names: ${sub.name}`);
    names.add(sub.name);
    for (const [k, v] of Object.entries(sub.labels ?? {})) p.add(`${at}.labels[${k}]`, qualifiedName(k) ?? labelValue(String(v)), { [k]: v });
  });
}
