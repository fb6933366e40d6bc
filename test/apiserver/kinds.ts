// Per-kind rules: Kubernetes' Go validation (pkg/apis/<group>/validation/validation.go) and,
// for Istio objects, istiod's validating webhook (istio/istio pkg/config/validation).
import { isIP } from "net";
import { bytes, configMapKey, dns1035Label, dns1123Label, opaque, parseCidr, portName, portNumber, portNumOrName, strictSubnet, wildcardOrSubdomain } from "./formats";
import { checkLabels, checkSelector, type Problems } from "./meta";
import { checkPodSpec } from "./pod";

// pkg/apis/core/types.go: MaxSecretSize (1 MiB), the data limit of Secrets and ConfigMaps.
export const MAX_SECRET_SIZE = 1024 * 1024;

/** The decoded bytes of a base64 value (Secret data, ConfigMap binaryData). */
const decoded = (v: string) => (opaque(v) ? bytes(v) : Buffer.from(v, "base64").length);

/**
 * core validation.go: ValidateSecret and ValidateConfigMap. Keys are IsConfigMapKey, a key may
 * not be in both data and binaryData, and the data is at most MaxSecretSize bytes. A Secret's
 * stringData is merged into data before validation (core/v1 conversion), so it counts too.
 */
export function checkData(p: Problems, o: any) {
  const seen = new Map<string, string>();
  let total = 0;
  const fields = o.kind === "Secret" ? ["data", "stringData"] : ["data", "binaryData"];
  for (const f of fields) {
    for (const [k, v] of Object.entries(o[f] ?? {})) {
      p.add(`${f}[${k}]`, configMapKey(k) && `key ${configMapKey(k)}`, k);
      if (o.kind === "ConfigMap" && seen.has(k)) p.add(`${f}[${k}]`, `duplicate of key in ${seen.get(k)}`);
      seen.set(k, f);
      const s = typeof v === "string" ? v : JSON.stringify(v) ?? "";
      total += f === "stringData" || (o.kind === "ConfigMap" && f === "data") ? bytes(s) : decoded(s);
    }
  }
  if (total > MAX_SECRET_SIZE) p.add("data", `may not be more than ${MAX_SECRET_SIZE} bytes, got ${total}`);
}

/** core validation.go: ValidateService (selector labels, port names DNS-1123 labels, ports, targetPort). */
export function checkService(p: Problems, o: any) {
  const s = o.spec ?? {};
  checkLabels(p, "spec.selector", s.selector);
  const ports: any[] = s.ports ?? [];
  ports.forEach((port, i) => {
    const at = `spec.ports[${i}]`;
    if (ports.length > 1 || port.name) p.check(`${at}.name`, port.name ?? "", dns1123Label);
    p.add(`${at}.port`, portNumber(port.port), port.port);
    if (port.targetPort !== undefined) p.add(`${at}.targetPort`, portNumOrName(port.targetPort), port.targetPort);
  });
}

/** apps validation.go: ValidateDeploymentSpec (selector valid, non-empty, matching the template's labels) and the pod template. */
export function checkDeployment(p: Problems, o: any) {
  const s = o.spec ?? {};
  checkSelector(p, "spec.selector", s.selector);
  checkLabels(p, "spec.template.metadata.labels", s.template?.metadata?.labels);
  const match = s.selector?.matchLabels ?? {};
  const labels = s.template?.metadata?.labels ?? {};
  if (Object.keys(match).length === 0 && (s.selector?.matchExpressions ?? []).length === 0) p.add("spec.selector", "empty selector is invalid for deployment");
  if (Object.entries(match).some(([k, v]) => labels[k] !== v)) p.add("spec.template.metadata.labels", "`selector` does not match template `labels`");
  checkPodSpec(p, "spec.template.spec", s.template?.spec);
}

const PROTOCOLS = ["TCP", "UDP", "SCTP"];
/** networking validation.go: ValidateNetworkPolicySpec, ValidateNetworkPolicyPort, ValidateIPBlock (CIDRs, except a strict subset). */
export function checkNetworkPolicy(p: Problems, o: any) {
  const s = o.spec ?? {};
  checkSelector(p, "spec.podSelector", s.podSelector);
  for (const dir of ["ingress", "egress"] as const) {
    (s[dir] ?? []).forEach((rule: any, i: number) => {
      const at = `spec.${dir}[${i}]`;
      (rule.ports ?? []).forEach((port: any, j: number) => {
        const pat = `${at}.ports[${j}]`;
        if (port.protocol && !PROTOCOLS.includes(port.protocol)) p.add(`${pat}.protocol`, `must be one of ${PROTOCOLS.join(", ")}`, port.protocol);
        if (port.port !== undefined) p.add(`${pat}.port`, portNumOrName(port.port), port.port);
        if (port.endPort !== undefined) {
          if (typeof port.port !== "number") p.add(`${pat}.endPort`, "may not be specified when `port` is non-numeric", port.endPort);
          else if (!(port.endPort >= port.port)) p.add(`${pat}.endPort`, "must be greater than or equal to `port`", port.endPort);
          else p.add(`${pat}.endPort`, portNumber(port.endPort), port.endPort);
        }
      });
      (rule[dir === "ingress" ? "from" : "to"] ?? []).forEach((peer: any, j: number) => {
        const pat = `${at}.${dir === "ingress" ? "from" : "to"}[${j}]`;
        checkSelector(p, `${pat}.podSelector`, peer.podSelector);
        checkSelector(p, `${pat}.namespaceSelector`, peer.namespaceSelector);
        if (!peer.ipBlock) return;
        const cidr = typeof peer.ipBlock.cidr === "string" ? parseCidr(peer.ipBlock.cidr) : undefined;
        if (!cidr) p.add(`${pat}.ipBlock.cidr`, "must be a valid CIDR (e.g. 10.0.0.0/16 or fd00::/64)", peer.ipBlock.cidr);
        (peer.ipBlock.except ?? []).forEach((e: unknown, k: number) => {
          const ex = typeof e === "string" ? parseCidr(e) : undefined;
          if (!ex) p.add(`${pat}.ipBlock.except[${k}]`, "must be a valid CIDR", e);
          else if (cidr && !strictSubnet(ex, cidr)) p.add(`${pat}.ipBlock.except[${k}]`, "must be a strict subset of `cidr`", e);
        });
      });
    });
  }
}

const INVALID_PATH_SEQUENCES = ["//", "/./", "/../", "%2f", "%2F"];
/** networking validation.go: ValidateIngressSpec, validateIngressRules (host), validateHTTPIngressPath, validateIngressBackend. */
export function checkIngress(p: Problems, o: any) {
  const s = o.spec ?? {};
  const host = (at: string, h: unknown) => {
    if (typeof h !== "string" || opaque(h)) return;
    if (isIP(h)) return p.add(at, "must be a DNS name, not an IP address", h);
    p.add(at, wildcardOrSubdomain(h), h);
  };
  const backend = (at: string, b: any) => {
    if (!b?.service) return;
    p.check(`${at}.service.name`, b.service.name, dns1035Label); // ValidateServiceName
    const port = b.service.port ?? {};
    if ((port.name === undefined) === (port.number === undefined)) p.add(`${at}.service.port`, "exactly one of name or number must be set");
    if (port.name !== undefined) p.check(`${at}.service.port.name`, port.name, portName);
    if (port.number !== undefined) p.add(`${at}.service.port.number`, portNumber(port.number), port.number);
  };
  backend("spec.defaultBackend", s.defaultBackend);
  (s.tls ?? []).forEach((t: any, i: number) => (t.hosts ?? []).forEach((h: unknown, j: number) => host(`spec.tls[${i}].hosts[${j}]`, h)));
  (s.rules ?? []).forEach((r: any, i: number) => {
    const at = `spec.rules[${i}]`;
    host(`${at}.host`, r.host);
    (r.http?.paths ?? []).forEach((path: any, j: number) => {
      const pat = `${at}.http.paths[${j}]`;
      const v = path.path;
      if (!["Exact", "Prefix", "ImplementationSpecific"].includes(path.pathType)) p.add(`${pat}.pathType`, "must be one of Exact, Prefix, ImplementationSpecific", path.pathType);
      if (path.pathType === "Exact" || path.pathType === "Prefix") {
        if (typeof v !== "string" || !v.startsWith("/")) p.add(`${pat}.path`, "must be an absolute path", v);
        else if (INVALID_PATH_SEQUENCES.some((q) => v.includes(q)) || v.endsWith("/..") || v.endsWith("/.")) p.add(`${pat}.path`, "must not contain '//', '/./', '/../', '%2f' or end with '/.' or '/..'", v);
      } else if (v && !String(v).startsWith("/")) p.add(`${pat}.path`, "must be an absolute path", v);
      backend(`${pat}.backend`, path.backend);
    });
  });
}

/** autoscaling validation.go: ValidateHorizontalPodAutoscalerSpec, validateBehavior / validateScalingRules (MaxPeriodSeconds 1800, MaxStabilizationWindowSeconds 3600). */
export function checkHpa(p: Problems, o: any) {
  const s = o.spec ?? {};
  const min = s.minReplicas ?? 1;
  // minReplicas 0 needs the HPAScaleToZero alpha feature gate, off by default.
  if (!(min >= 1)) p.add("spec.minReplicas", "must be greater than or equal to 1", s.minReplicas);
  if (!(s.maxReplicas >= 1)) p.add("spec.maxReplicas", "must be greater than 0", s.maxReplicas);
  else if (s.maxReplicas < min) p.add("spec.maxReplicas", "must be greater than or equal to `minReplicas`", s.maxReplicas);
  for (const dir of ["scaleUp", "scaleDown"] as const) {
    const r = s.behavior?.[dir];
    if (!r) continue;
    const at = `spec.behavior.${dir}`;
    const w = r.stabilizationWindowSeconds;
    if (w !== undefined && !(w >= 0 && w <= 3600)) p.add(`${at}.stabilizationWindowSeconds`, "must be between 0 and 3600", w);
    if (r.selectPolicy !== undefined && !["Max", "Min", "Disabled"].includes(r.selectPolicy)) p.add(`${at}.selectPolicy`, "must be Max, Min or Disabled", r.selectPolicy);
    if ((r.policies ?? []).length === 0 && r.selectPolicy !== "Disabled") p.add(`${at}.policies`, "must specify at least one Policy");
    (r.policies ?? []).forEach((pol: any, i: number) => {
      const pat = `${at}.policies[${i}]`;
      if (!["Pods", "Percent"].includes(pol.type)) p.add(`${pat}.type`, "must be Pods or Percent", pol.type);
      if (!(pol.value > 0)) p.add(`${pat}.value`, "must be greater than zero", pol.value);
      if (!(pol.periodSeconds > 0 && pol.periodSeconds <= 1800)) p.add(`${pat}.periodSeconds`, "must be greater than zero and less than or equal to 1800", pol.periodSeconds);
    });
  }
  // validateMetricTarget: a utilization target is greater than zero.
  (s.metrics ?? []).forEach((m: any, i: number) => {
    const t = m.resource?.target ?? m.containerResource?.target;
    if (t?.averageUtilization !== undefined && !(t.averageUtilization > 0)) p.add(`spec.metrics[${i}].${m.resource ? "resource" : "containerResource"}.target.averageUtilization`, "must be greater than 0", t.averageUtilization);
  });
}

/** policy validation.go: ValidatePodDisruptionBudgetSpec (ValidatePositiveIntOrPercent, IsNotMoreThan100Percent, not both set). */
export function checkPdb(p: Problems, o: any) {
  const s = o.spec ?? {};
  if (s.minAvailable !== undefined && s.maxUnavailable !== undefined) p.add("spec", "minAvailable and maxUnavailable cannot be both set");
  for (const f of ["minAvailable", "maxUnavailable"] as const) {
    const v = s[f];
    if (v === undefined) continue;
    if (typeof v === "number") { if (!(Number.isInteger(v) && v >= 0)) p.add(`spec.${f}`, "must be a non-negative integer", v); }
    else if (typeof v !== "string" || !/^[0-9]+%$/.test(v)) p.add(`spec.${f}`, "must be an integer or percentage (e.g. '5%')", v);
    else if (parseInt(v, 10) > 100) p.add(`spec.${f}`, "must not be greater than 100%", v);
  }
  checkSelector(p, "spec.selector", s.selector);
  if (s.unhealthyPodEvictionPolicy !== undefined && !["IfHealthyBudget", "AlwaysAllow"].includes(s.unhealthyPodEvictionPolicy)) p.add("spec.unhealthyPodEvictionPolicy", "must be IfHealthyBudget or AlwaysAllow", s.unhealthyPodEvictionPolicy);
}
