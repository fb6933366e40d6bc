// A pod template's spec (Deployment spec.template.spec): pkg/apis/core/validation/validation.go
// ValidatePodSpec and the validators it calls.
import { compareQuantity, configMapKey, dns1123Label, dns1123Subdomain, envVarName, isWholeQuantity, labelValue, opaque, parseQuantity, portName, portNumber, portNumOrName, qualifiedName } from "./formats";
import { checkLabels, checkSelector, type Problems } from "./meta";

const STANDARD_CONTAINER_RESOURCES = new Set(["cpu", "memory", "ephemeral-storage"]);
const isHugePages = (n: string) => n.startsWith("hugepages-");
// pkg/apis/core/helper/helpers.go: IsNativeResource (no domain, or in kubernetes.io),
// IsExtendedResourceName, IsOvercommitAllowed (native and not hugepages).
const isNative = (n: string) => !n.includes("/") || n.includes("kubernetes.io/");
const overcommitAllowed = (n: string) => isNative(n) && !isHugePages(n);

/** validation.go: validateContainerResourceName (with validateResourceName and helper.IsExtendedResourceName). */
function resourceNameProblem(n: string): string | undefined {
  const q = qualifiedName(n);
  if (q) return `must be a standard resource type or fully qualified: ${q}`;
  if (!n.includes("/")) return STANDARD_CONTAINER_RESOURCES.has(n) || isHugePages(n) ? undefined : "must be a standard resource for containers (cpu, memory, ephemeral-storage, hugepages-<size>) or an extended resource <domain>/<name>";
  if (isNative(n)) return undefined;
  // An extended resource: outside kubernetes.io, not the quota prefix "requests.", and
  // "requests." + name a qualified name.
  if (n.startsWith("requests.") || qualifiedName(`requests.${n}`)) return "doesn't follow extended resource name standard";
  return undefined;
}

/** validation.go: ValidateResourceRequirements, ValidateResourceQuantityValue, ValidateNonnegativeQuantity. */
function checkResources(p: Problems, path: string, r: any) {
  if (!r) return;
  const parsed: Record<"limits" | "requests", Record<string, ReturnType<typeof parseQuantity>>> = { limits: {}, requests: {} };
  for (const which of ["limits", "requests"] as const) {
    for (const [name, value] of Object.entries(r[which] ?? {})) {
      const at = `${path}.${which}[${name}]`;
      p.add(at, resourceNameProblem(name), name);
      if (opaque(value)) continue;
      const q = parseQuantity(value);
      if (!q) { p.add(at, "must be a quantity (resource.ParseQuantity)", value); continue; }
      parsed[which][name] = q;
      if (q.num < 0n) p.add(at, "must be greater than or equal to 0", value);
      // ValidateResourceQuantityValue: helper.IsIntegerResourceName covers extended resources.
      if (!isNative(name) && !isWholeQuantity(q)) p.add(at, "must be an integer", value);
    }
  }
  for (const [name, req] of Object.entries(parsed.requests)) {
    const lim = parsed.limits[name];
    if (!req) continue;
    if (lim === undefined && !(name in (r.limits ?? {}))) {
      if (!overcommitAllowed(name)) p.add(`${path}.limits[${name}]`, "Limit must be set for non overcommitable resources");
      continue;
    }
    if (!lim) continue;
    const c = compareQuantity(req, lim);
    if (c !== 0 && !overcommitAllowed(name)) p.add(`${path}.requests[${name}]`, `must be equal to ${name} limit of ${r.limits[name]}`, r.requests[name]);
    else if (c > 0) p.add(`${path}.requests[${name}]`, `must be less than or equal to ${name} limit of ${r.limits[name]}`, r.requests[name]);
  }
}

const TOLERATION_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"];
/** validation.go: ValidateTolerations. */
function checkTolerations(p: Problems, path: string, tolerations: any[] = []) {
  tolerations.forEach((t, i) => {
    const at = `${path}[${i}]`;
    if (t.key) p.check(`${at}.key`, t.key, qualifiedName);
    if (!t.key && t.operator !== "Exists") p.add(`${at}.operator`, "operator must be Exists when `key` is empty, which means \"match all values and all keys\"", t.operator);
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && t.effect !== "NoExecute") p.add(`${at}.effect`, "effect must be 'NoExecute' when `tolerationSeconds` is set", t.effect);
    if (t.operator === undefined || t.operator === "" || t.operator === "Equal") p.check(`${at}.value`, t.value ?? "", labelValue);
    else if (t.operator === "Exists") { if (t.value) p.add(`${at}.operator`, "value must be empty when `operator` is 'Exists'", t.value); }
    else p.add(`${at}.operator`, "must be one of Equal, Exists", t.operator);
    if (t.effect && !TOLERATION_EFFECTS.includes(t.effect)) p.add(`${at}.effect`, `must be one of ${TOLERATION_EFFECTS.join(", ")}`, t.effect);
  });
}

/** validation.go: validateHandler / validateHTTPGetAction, validateProbe (successThreshold of liveness and startup probes). */
function checkProbe(p: Problems, path: string, probe: any, kind: "liveness" | "readiness" | "startup") {
  if (!probe) return;
  const h = probe.httpGet;
  if (h) {
    if (!h.path) p.add(`${path}.httpGet.path`, "Required value");
    p.add(`${path}.httpGet.port`, portNumOrName(h.port), h.port);
    if (h.scheme && !["HTTP", "HTTPS"].includes(h.scheme)) p.add(`${path}.httpGet.scheme`, "must be HTTP or HTTPS", h.scheme);
    (h.httpHeaders ?? []).forEach((x: any, i: number) => p.check(`${path}.httpGet.httpHeaders[${i}].name`, x.name, (s) => (/^[-A-Za-z0-9]+$/.test(s) ? undefined : "must be a valid HTTP header name (IsHTTPHeaderName)")));
  }
  if (probe.tcpSocket) p.add(`${path}.tcpSocket.port`, portNumOrName(probe.tcpSocket.port), probe.tcpSocket.port);
  if (kind !== "readiness" && probe.successThreshold !== undefined && probe.successThreshold !== 1) p.add(`${path}.successThreshold`, "must be 1", probe.successThreshold);
}

/** validation.go: validateEnv, validateEnvVarValueFrom, validateSecretKeySelector / validateConfigMapKeySelector. */
function checkEnv(p: Problems, path: string, env: any[] = []) {
  env.forEach((e, i) => {
    const at = `${path}[${i}]`;
    p.check(`${at}.name`, e.name, envVarName);
    for (const ref of ["secretKeyRef", "configMapKeyRef"] as const) {
      const s = e.valueFrom?.[ref];
      if (!s) continue;
      p.check(`${at}.valueFrom.${ref}.key`, s.key, configMapKey);
      p.check(`${at}.valueFrom.${ref}.name`, s.name, dns1123Subdomain);
    }
  });
}

/** validation.go: validateContainerPorts (containerPort, hostPort, name, protocol). */
function checkPorts(p: Problems, path: string, ports: any[] = []) {
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const at = `${path}[${i}]`;
    if (typeof port.containerPort === "number") p.add(`${at}.containerPort`, portNumber(port.containerPort), port.containerPort);
    if (typeof port.hostPort === "number" && port.hostPort !== 0) p.add(`${at}.hostPort`, portNumber(port.hostPort), port.hostPort);
    if (port.name !== undefined) {
      p.check(`${at}.name`, port.name, portName);
      if (names.has(port.name)) p.add(`${at}.name`, "Duplicate value", port.name);
      names.add(port.name);
    }
    if (port.protocol && !["TCP", "UDP", "SCTP"].includes(port.protocol)) p.add(`${at}.protocol`, "must be one of TCP, UDP, SCTP", port.protocol);
  });
}

/** validation.go: ValidatePodSpec for the fields modelship renders. */
export function checkPodSpec(p: Problems, path: string, spec: any) {
  if (!spec) return;
  const volumes = new Set<string>();
  (spec.volumes ?? []).forEach((v: any, i: number) => {
    p.check(`${path}.volumes[${i}].name`, v.name, dns1123Label); // ValidateVolumes
    volumes.add(v.name);
  });
  const containerNames = new Set<string>();
  for (const list of ["initContainers", "containers"] as const) {
    (spec[list] ?? []).forEach((c: any, i: number) => {
      const at = `${path}.${list}[${i}]`;
      p.check(`${at}.name`, c.name, dns1123Label); // validateContainerCommon: ValidateDNS1123Label
      if (containerNames.has(c.name)) p.add(`${at}.name`, "Duplicate value", c.name);
      containerNames.add(c.name);
      checkPorts(p, `${at}.ports`, c.ports);
      checkEnv(p, `${at}.env`, c.env);
      checkResources(p, `${at}.resources`, c.resources);
      checkProbe(p, `${at}.livenessProbe`, c.livenessProbe, "liveness");
      checkProbe(p, `${at}.readinessProbe`, c.readinessProbe, "readiness");
      checkProbe(p, `${at}.startupProbe`, c.startupProbe, "startup");
      // ValidateVolumeMounts: a mount names a volume of the pod.
      (c.volumeMounts ?? []).forEach((m: any, j: number) => {
        if (!volumes.has(m.name)) p.add(`${at}.volumeMounts[${j}].name`, "Not found: no volume of that name", m.name);
        if (!m.mountPath) p.add(`${at}.volumeMounts[${j}].mountPath`, "Required value");
      });
    });
  }
  p.check(`${path}.serviceAccountName`, spec.serviceAccountName, dns1123Subdomain); // ValidateServiceAccountName
  checkLabels(p, `${path}.nodeSelector`, spec.nodeSelector); // ValidatePodSpec: ValidateLabels(spec.NodeSelector)
  checkTolerations(p, `${path}.tolerations`, spec.tolerations);
  // validateTopologySpreadConstraints: maxSkew > 0, topologyKey a qualified name, whenUnsatisfiable, selector.
  (spec.topologySpreadConstraints ?? []).forEach((t: any, i: number) => {
    const at = `${path}.topologySpreadConstraints[${i}]`;
    if (!(t.maxSkew > 0)) p.add(`${at}.maxSkew`, "must be greater than zero", t.maxSkew);
    p.check(`${at}.topologyKey`, t.topologyKey, qualifiedName);
    if (!["DoNotSchedule", "ScheduleAnyway"].includes(t.whenUnsatisfiable)) p.add(`${at}.whenUnsatisfiable`, "must be DoNotSchedule or ScheduleAnyway", t.whenUnsatisfiable);
    checkSelector(p, `${at}.labelSelector`, t.labelSelector);
    (t.matchLabelKeys ?? []).forEach((k: unknown, j: number) => p.check(`${at}.matchLabelKeys[${j}]`, k, qualifiedName));
  });
}
