import { strict as assert } from "assert";
import { ROUTER_DEFINITIONS, type RouterName } from "../components/routing";
import { synthesize, type KubeObject } from "../stacks/render/synth";
import { apiServerProblems, MAX_OBJECT_BYTES } from "./apiserver";
import { compareQuantity, parseCidr, parseQuantity } from "./apiserver/formats";
import { clone, fixtureConfig, STACKS, synthFixture, tempProject } from "./helpers";
import { validateObject } from "./kube-schemas";

/** The production fleet on another router, so its Ingresses and Istio objects are rendered too. */
async function renderOn(router: RouterName): Promise<KubeObject[]> {
  const c = clone(fixtureConfig("production"));
  c.router = router;
  c.routers = {
    istio: { gateways: ["istio-ingress/ml-gateway"] },
    nginx: {},
    alb: { vpcCidrs: ["10.20.0.0/16"], certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb" },
  };
  const caps = ROUTER_DEFINITIONS[router].capabilities;
  for (const m of c.models) {
    if (caps.features.has("hostnames")) m.route = { hostnames: [`${m.name}.ml.acme.internal`] };
    else delete m.route;
    if (caps.weights === "switch") {
      delete m.steps;
      const candidate = m.stable === "blue" ? "green" : "blue";
      m.tracks[candidate].weight = 0;
      m.tracks[m.stable].weight = 100;
    }
  }
  return (await synthesize(tempProject("production", c), "production")).objects;
}

const rendered = new Map<string, KubeObject[]>();
/** A fresh copy of the first rendered object of a kind (and name, when given). */
function sample(kind: string, name?: string): KubeObject {
  for (const objects of rendered.values()) {
    const o = objects.find((x) => x.kind === kind && (name === undefined || x.metadata.name === name));
    if (o) return structuredClone(o);
  }
  throw new Error(`no rendered ${kind} ${name ?? ""}`);
}

/** The mutated object is rejected, with a problem naming `field` (and matching `why`, when given). */
function rejected(o: KubeObject, field: string, why?: RegExp) {
  const problems = apiServerProblems(o);
  const prefix = `${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}: ${field}`;
  assert.ok(
    problems.some((p) => p.startsWith(prefix) && (!why || why.test(p))),
    `expected a problem at ${prefix}${why ? ` matching ${why}` : ""}, got:\n${problems.join("\n") || "(none)"}`,
  );
}

const container = (d: KubeObject) => d.spec.template.spec.containers[0];

describe("API server oracle (test/apiserver.ts)", () => {
  before(async function () {
    this.timeout(240000);
    for (const s of STACKS) rendered.set(s, (await synthFixture(s)).objects);
    for (const r of ["istio", "nginx", "alb"] as const) rendered.set(`production on ${r}`, await renderOn(r));
  });

  it("accepts every object the shipped stacks render", () => {
    for (const s of STACKS) {
      const problems = rendered.get(s)!.flatMap(apiServerProblems);
      assert.deepEqual(problems, [], `${s}:\n${problems.join("\n")}`);
    }
  });

  it("accepts the Ingress and Istio objects the other routers render", () => {
    for (const [what, objects] of rendered) {
      assert.deepEqual(objects.flatMap(apiServerProblems), [], what);
    }
    for (const k of ["Ingress", "VirtualService", "DestinationRule"]) assert.ok(sample(k), k);
  });

  describe("rejects a broken copy of a rendered object", () => {
    const cases: [string, () => void][] = [
      ["Service name is a DNS-1035 label", () => { const o = sample("Service"); o.metadata.name = "9-fraud"; rejected(o, "metadata.name", /DNS-1035/); }],
      ["Namespace name is a DNS-1123 label", () => { const o = sample("Namespace"); o.metadata.name = "ml.staging"; rejected(o, "metadata.name", /DNS-1123 label/); }],
      ["other names are DNS-1123 subdomains of at most 253", () => {
        const d = sample("Deployment"); d.metadata.name = "Fraud-Blue"; rejected(d, "metadata.name", /subdomain/);
        const c = sample("ConfigMap"); c.metadata.name = `${"a".repeat(60)}.`.repeat(5) + "a"; rejected(c, "metadata.name", /253/);
        for (const k of ["HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy", "ServiceAccount", "HTTPRoute", "PrometheusRule", "ServiceMonitor", "VirtualService", "DestinationRule", "Ingress"]) {
          const o = sample(k); o.metadata.name = "bad_name"; rejected(o, "metadata.name");
        }
      }],
      ["namespace is a DNS-1123 label", () => { const o = sample("Deployment"); o.metadata.namespace = "ml.staging"; rejected(o, "metadata.namespace"); }],
      ["label keys are qualified names and values label values", () => {
        const o = sample("Deployment");
        o.metadata.labels!["modelship.io/"] = "x"; rejected(o, "metadata.labels[modelship.io/]", /non-empty/);
        const a = sample("Service"); a.metadata.labels!["Bad_Prefix.io/x"] = "x"; rejected(a, "metadata.labels[Bad_Prefix.io/x]", /prefix/);
        const b = sample("Service"); b.metadata.labels!["app.kubernetes.io/version"] = "v".repeat(64); rejected(b, "metadata.labels[app.kubernetes.io/version]", /63/);
        const c = sample("Service"); c.metadata.labels!["x"] = "1.4.0+build"; rejected(c, "metadata.labels[x]");
      }],
      ["pod template labels and selectors are labels", () => {
        const d = sample("Deployment");
        d.spec.template.metadata.labels["app.kubernetes.io/version"] = "-1.4"; rejected(d, "spec.template.metadata.labels[app.kubernetes.io/version]");
        const e = sample("Deployment"); e.spec.selector.matchLabels["modelship.io/track"] = "blue!"; rejected(e, "spec.selector.matchLabels[modelship.io/track]");
        const s = sample("Service"); s.spec.selector["bad key"] = "x"; rejected(s, "spec.selector[bad key]");
        const n = sample("NetworkPolicy"); n.spec.podSelector.matchLabels["a/b/c"] = "x"; rejected(n, "spec.podSelector.matchLabels[a/b/c]");
        const m = sample("NetworkPolicy"); m.spec.ingress[0].from[0].namespaceSelector.matchLabels["kubernetes.io/metadata.name"] = "x".repeat(64);
        rejected(m, "spec.ingress[0].from[0].namespaceSelector.matchLabels[kubernetes.io/metadata.name]");
        const p = sample("PodDisruptionBudget"); p.spec.selector.matchExpressions = [{ key: "x", operator: "Exists", values: ["a"] }]; rejected(p, "spec.selector.matchExpressions[0].values");
        const t = sample("Deployment"); t.spec.template.metadata.labels["modelship.io/track"] = "purple"; rejected(t, "spec.template.metadata.labels", /does not match/);
      }],
      ["nodeSelector keys and values are labels", () => {
        const d = sample("Deployment"); d.spec.template.spec.nodeSelector = { "node.kubernetes.io/instance-type": "g5.xlarge", "Bad Key": "x" };
        rejected(d, "spec.template.spec.nodeSelector[Bad Key]");
        const e = sample("Deployment"); e.spec.template.spec.nodeSelector = { "karpenter.sh/nodepool": "gpu pool" }; rejected(e, "spec.template.spec.nodeSelector[karpenter.sh/nodepool]");
      }],
      ["annotation keys are qualified names, values strings, at most 256 KiB in all", () => {
        const h = sample("HorizontalPodAutoscaler"); h.metadata.annotations!["modelship.io/a/b"] = "x"; rejected(h, "metadata.annotations[modelship.io/a/b]");
        const u = sample("HorizontalPodAutoscaler"); u.metadata.annotations!["Modelship.IO/Sized"] = "x"; assert.deepEqual(apiServerProblems(u), [], "Go lower-cases annotation keys before checking");
        const n = sample("HTTPRoute"); n.metadata.annotations!["modelship.io/steps"] = 10 as any; rejected(n, "metadata.annotations[modelship.io/steps]", /strings/);
        const big = sample("HorizontalPodAutoscaler"); big.metadata.annotations!["modelship.io/notes"] = "x".repeat(256 * 1024); rejected(big, "metadata.annotations", /262144 bytes in total/);
      }],
      ["the whole object is at most etcd's 1.5 MiB", () => {
        const d = sample("Deployment"); container(d).env.push({ name: "BLOB", value: "x".repeat(MAX_OBJECT_BYTES) }); rejected(d, "(object)", /etcd/);
      }],
      ["ConfigMap and Secret keys are IsConfigMapKey, data at most 1 MiB", () => {
        for (const key of ["a b", "..", "..x", "k".repeat(254), "dir/file"]) { const c = sample("ConfigMap"); c.data[key] = "x"; rejected(c, `data[${key}]`); }
        const c = sample("ConfigMap"); c.data["big.json"] = "x".repeat(1024 * 1024); rejected(c, "data", /1048576 bytes/);
        const b = sample("ConfigMap"); b.binaryData = { [Object.keys(b.data)[0]]: "eA==" }; rejected(b, `binaryData[${Object.keys(b.data)[0]}]`, /duplicate/);
        // A Secret as modelship would render one: the dashboard ConfigMap's data as stringData.
        const s = sample("ConfigMap"); s.kind = "Secret"; s.stringData = { ...s.data, "bad key": "x" }; delete s.data; rejected(s, "stringData[bad key]");
        const t = sample("ConfigMap"); t.kind = "Secret"; t.data = { "blob.bin": Buffer.alloc(1024 * 1024 + 1).toString("base64") }; rejected(t, "data", /bytes/);
      }],
      ["container names are DNS-1123 labels, env names IsEnvVarName, key selectors valid", () => {
        const d = sample("Deployment"); container(d).name = "Model_Server"; rejected(d, "spec.template.spec.containers[0].name");
        const e = sample("Deployment"); container(e).env[0].name = "1MODEL"; rejected(e, "spec.template.spec.containers[0].env[0].name");
        const k = sample("Deployment"); const at = container(k).env.push({ name: "TOKEN", valueFrom: { secretKeyRef: { name: "Model_Token", key: "token/value" } } }) - 1;
        rejected(k, `spec.template.spec.containers[0].env[${at}].valueFrom.secretKeyRef.key`);
        rejected(k, `spec.template.spec.containers[0].env[${at}].valueFrom.secretKeyRef.name`);
      }],
      ["resource names are standard or extended resources", () => {
        for (const name of ["gpu", "requests.nvidia.com/gpu", "nvidia.com/g pu"]) {
          const d = sample("Deployment"); container(d).resources.limits[name] = "1"; rejected(d, `spec.template.spec.containers[0].resources.limits[${name}]`);
        }
      }],
      ["quantities parse and requests are at most limits", () => {
        const q = sample("Deployment"); container(q).resources.requests.cpu = "1 core"; rejected(q, "spec.template.spec.containers[0].resources.requests[cpu]", /quantity/);
        const r = sample("Deployment"); container(r).resources.requests.memory = "5Gi"; rejected(r, "spec.template.spec.containers[0].resources.requests[memory]", /less than or equal/);
        const n = sample("Deployment"); container(n).resources.limits.cpu = "-1"; rejected(n, "spec.template.spec.containers[0].resources.limits[cpu]", /greater than or equal to 0/);
      }],
      ["extended resources are whole, not overcommitted, with a limit", () => {
        const whole = sample("Deployment"); Object.assign(container(whole).resources.limits, { "nvidia.com/gpu": "500m" }); rejected(whole, "spec.template.spec.containers[0].resources.limits[nvidia.com/gpu]", /integer/);
        const eq = sample("Deployment"); container(eq).resources.limits["nvidia.com/gpu"] = 2; container(eq).resources.requests["nvidia.com/gpu"] = 1;
        rejected(eq, "spec.template.spec.containers[0].resources.requests[nvidia.com/gpu]", /must be equal/);
        const lim = sample("Deployment"); container(lim).resources.requests["nvidia.com/gpu"] = "1"; rejected(lim, "spec.template.spec.containers[0].resources.limits[nvidia.com/gpu]", /Limit must be set/);
        const ok = sample("Deployment"); container(ok).resources.limits["nvidia.com/gpu"] = "1"; container(ok).resources.requests["nvidia.com/gpu"] = 1; assert.deepEqual(apiServerProblems(ok), []);
      }],
      ["tolerations", () => {
        const tol = (t: Record<string, unknown>, field: string, why?: RegExp) => { const d = sample("Deployment"); d.spec.template.spec.tolerations = [t]; rejected(d, `spec.template.spec.tolerations[0].${field}`, why); };
        tol({ key: "nvidia.com/gpu!", operator: "Exists", effect: "NoSchedule" }, "key");
        tol({ operator: "Equal", value: "x" }, "operator", /key` is empty/);
        tol({ key: "nvidia.com/gpu", operator: "Exists", value: "present" }, "operator", /value must be empty/);
        tol({ key: "nvidia.com/gpu", operator: "Equal", value: "a b" }, "value");
        tol({ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule", tolerationSeconds: 30 }, "effect", /NoExecute/);
        tol({ key: "nvidia.com/gpu", operator: "In", value: "x" }, "operator", /Equal, Exists/);
        const ok = sample("Deployment"); ok.spec.template.spec.tolerations = [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoExecute", tolerationSeconds: 30 }, { operator: "Exists" }];
        assert.deepEqual(apiServerProblems(ok), []);
      }],
      ["probes: httpGet path and port", () => {
        const a = sample("Deployment"); delete container(a).livenessProbe.httpGet.path; rejected(a, "spec.template.spec.containers[0].livenessProbe.httpGet.path");
        const b = sample("Deployment"); container(b).readinessProbe.httpGet.port = 70000; rejected(b, "spec.template.spec.containers[0].readinessProbe.httpGet.port");
        const c = sample("Deployment"); container(c).startupProbe.httpGet.port = "HTTP"; rejected(c, "spec.template.spec.containers[0].startupProbe.httpGet.port");
      }],
      ["container ports are 1..65535 with IANA_SVC_NAME names", () => {
        for (const port of [0, 65536]) { const d = sample("Deployment"); container(d).ports[0].containerPort = port; rejected(d, "spec.template.spec.containers[0].ports[0].containerPort"); }
        for (const name of ["http--alt", "8080", "model-server-http", "HTTP"]) { const d = sample("Deployment"); container(d).ports[0].name = name; rejected(d, "spec.template.spec.containers[0].ports[0].name"); }
      }],
      ["serviceAccountName is a DNS subdomain", () => { const d = sample("Deployment"); d.spec.template.spec.serviceAccountName = "Fraud_SA"; rejected(d, "spec.template.spec.serviceAccountName"); }],
      ["Service ports", () => { const s = sample("Service"); s.spec.ports[0].name = "HTTP"; rejected(s, "spec.ports[0].name"); s.spec.ports[0].targetPort = 0; rejected(s, "spec.ports[0].targetPort"); }],
      ["NetworkPolicy ipBlock CIDRs and ports", () => {
        for (const cidr of ["10.0.0.300/8", "10.0.0.0/33", "fd00::/129", "10.0.0.0", "010.0.0.0/8", "example.com/8"]) {
          const n = sample("NetworkPolicy"); const k = n.spec.ingress[0].from.push({ ipBlock: { cidr } }) - 1; rejected(n, `spec.ingress[0].from[${k}].ipBlock.cidr`);
        }
        const e = sample("NetworkPolicy"); const k = e.spec.ingress[0].from.push({ ipBlock: { cidr: "10.20.0.0/16", except: ["10.30.0.0/24", "10.20.1.0/33", "10.20.0.0/16"] } }) - 1;
        rejected(e, `spec.ingress[0].from[${k}].ipBlock.except[0]`, /strict subset/);
        rejected(e, `spec.ingress[0].from[${k}].ipBlock.except[1]`, /valid CIDR/);
        rejected(e, `spec.ingress[0].from[${k}].ipBlock.except[2]`, /strict subset/);
        const ok = sample("NetworkPolicy"); ok.spec.ingress[0].from.push({ ipBlock: { cidr: "fd00::/48", except: ["fd00:0:0:1::/64"] } }, { ipBlock: { cidr: "10.20.0.0/16", except: ["10.20.1.0/24"] } });
        assert.deepEqual(apiServerProblems(ok), []);
        const p = sample("NetworkPolicy"); p.spec.ingress[0].ports[0].port = 0; rejected(p, "spec.ingress[0].ports[0].port");
        const q = sample("NetworkPolicy"); q.spec.ingress[0].ports[0].endPort = 80; rejected(q, "spec.ingress[0].ports[0].endPort");
      }],
      ["Ingress hosts, paths and backends", () => {
        const i = sample("Ingress"); i.spec.rules[0].host = "10.1.2.3"; rejected(i, "spec.rules[0].host", /not an IP/);
        const j = sample("Ingress"); j.spec.rules[0].host = "Fraud_Detector.ml.acme.internal"; rejected(j, "spec.rules[0].host");
        const w = sample("Ingress"); w.spec.rules[0].host = "*.ml.acme.internal"; assert.deepEqual(apiServerProblems(w), []);
        const x = sample("Ingress"); x.spec.rules[0].host = "ml.*.acme.internal"; rejected(x, "spec.rules[0].host");
        const p = sample("Ingress"); p.spec.rules[0].http.paths[0].path = "predict"; rejected(p, "spec.rules[0].http.paths[0].path", /absolute/);
        const b = sample("Ingress"); const backend = b.spec.rules[0].http.paths[0].backend; if (backend.service) { backend.service.name = "9svc"; rejected(b, "spec.rules[0].http.paths[0].backend.service.name"); }
      }],
      ["HPA replicas and behavior", () => {
        const a = sample("HorizontalPodAutoscaler"); a.spec.minReplicas = 0; rejected(a, "spec.minReplicas");
        const b = sample("HorizontalPodAutoscaler"); b.spec.minReplicas = b.spec.maxReplicas + 1; rejected(b, "spec.maxReplicas", /minReplicas/);
        const c = sample("HorizontalPodAutoscaler"); c.spec.behavior.scaleUp.policies[0].value = 0; rejected(c, "spec.behavior.scaleUp.policies[0].value");
        const d = sample("HorizontalPodAutoscaler"); d.spec.behavior.scaleDown.policies[0].periodSeconds = 1801; rejected(d, "spec.behavior.scaleDown.policies[0].periodSeconds");
        const e = sample("HorizontalPodAutoscaler"); e.spec.behavior.scaleDown.stabilizationWindowSeconds = 3601; rejected(e, "spec.behavior.scaleDown.stabilizationWindowSeconds");
      }],
      ["PDB minAvailable / maxUnavailable", () => {
        for (const v of ["50", "150%", -1, 1.5]) { const p = sample("PodDisruptionBudget"); p.spec.maxUnavailable = v; rejected(p, "spec.maxUnavailable"); }
        const both = sample("PodDisruptionBudget"); both.spec.minAvailable = "50%"; rejected(both, "spec", /both/);
        const ok = sample("PodDisruptionBudget"); ok.spec.maxUnavailable = "25%"; assert.deepEqual(apiServerProblems(ok), []);
      }],
      ["VirtualService hosts and header names (istiod webhook)", () => {
        const h = sample("VirtualService"); h.spec.hosts.push("Fraud_Detector.example.com"); rejected(h, `spec.hosts[${h.spec.hosts.length - 1}]`);
        const n = sample("VirtualService"); n.spec.hosts.push("ml.acme.123"); rejected(n, `spec.hosts[${n.spec.hosts.length - 1}]`, /all-numeric/);
        const m = sample("VirtualService"); const r = m.spec.http.findIndex((x: any) => x.match?.some((y: any) => y.headers));
        const j = m.spec.http[r].match.findIndex((y: any) => y.headers);
        m.spec.http[r].match[j].headers["x modelship"] = { exact: "blue" }; rejected(m, `spec.http[${r}].match[${j}].headers[x modelship]`, /not a valid header name/);
        const u = sample("VirtualService"); u.spec.http[r].match[j].headers["X-Modelship-Track"] = { exact: "blue" };
        assert.deepEqual(apiServerProblems(u), [], "current Istio accepts upper-case header match names (RFC 7230 tchars)");
        const o = sample("VirtualService"); const last = o.spec.http.length - 1;
        o.spec.http[last].headers = { request: { set: { ":path": "/x" } }, response: { add: { host: "x" } } };
        rejected(o, `spec.http[${last}].headers.request.set[:path]`, /prefix/);
        rejected(o, `spec.http[${last}].headers.response.add[host]`, /Host/);
      }],
      ["DestinationRule subsets are DNS-1123 labels", () => {
        const d = sample("DestinationRule"); d.spec.subsets[0].name = "v1.0"; rejected(d, "spec.subsets[0].name", /subset name is invalid/);
        const h = sample("DestinationRule"); h.spec.host = "bad_host"; rejected(h, "spec.host");
      }],
    ];
    for (const [name, run] of cases) it(name, run);
  });

  // The Gateway API CRDs carry these as OpenAPI patterns and lengths, and the pinned
  // @kubernetes-models/gateway-api enforces them, so the oracle leaves HTTPRoute to validateObject.
  it("relies on @kubernetes-models/gateway-api for HTTPRoute hostnames, header names and sectionName", async () => {
    const bad: [string, (r: any) => void, RegExp][] = [
      ["hostname pattern", (r) => (r.spec.hostnames[0] = "Sentiment_ML.acme.internal"), /hostnames/],
      ["hostname length", (r) => (r.spec.hostnames[0] = `${"a".repeat(63)}.`.repeat(4) + "ab"), /hostnames/],
      ["header name pattern", (r) => (r.spec.rules.find((x: any) => x.matches?.[0]?.headers).matches[0].headers[0].name = "x modelship"), /name/],
      ["header name length", (r) => (r.spec.rules.find((x: any) => x.matches?.[0]?.headers).matches[0].headers[0].name = "x".repeat(257)), /name/],
      ["sectionName pattern", (r) => (r.spec.parentRefs[0].sectionName = "HTTPS_Listener"), /sectionName/],
    ];
    await validateObject(sample("HTTPRoute"));
    for (const [what, edit, where] of bad) {
      const r = sample("HTTPRoute");
      edit(r);
      await assert.rejects(validateObject(r), where, what);
    }
  });

  it("parses quantities and CIDRs as Go does", () => {
    const q = (s: string) => parseQuantity(s)!;
    assert.equal(compareQuantity(q("1Gi"), q("1073741824")), 0);
    assert.equal(compareQuantity(q("500m"), q("0.5")), 0);
    assert.equal(compareQuantity(q("1e3"), q("1k")), 0);
    assert.equal(compareQuantity(q("2"), q("1999m")), 1);
    for (const bad of ["1 Gi", "Gi", "1GB", "", "1.2.3"]) assert.equal(parseQuantity(bad), undefined, bad);
    assert.deepEqual(parseCidr("10.20.0.0/16"), { family: "ipv4", address: "10.20.0.0", prefix: 16 });
    assert.equal(parseCidr("::/0")?.family, "ipv6");
    for (const bad of ["256.0.0.0/8", "10.0.0.0/-1", "10.0.0.0/ 8", "fe80::1%eth0/64"]) assert.equal(parseCidr(bad), undefined, bad);
  });
});
