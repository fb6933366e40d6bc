import { strict as assert } from "assert";
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { POLICIES } from "../../policies/policies";
import type { RegisteredResource } from "../../stacks/render/synth";
import { clone, synthFixture } from "../helpers";

type Json = Record<string, any>;

const byName = (name: string) => {
  const p = POLICIES.find((x) => x.name === name);
  if (!p) throw new Error(`no policy ${name}`);
  return p;
};

/** Runs one resource policy on one resource, with the given config; returns the violations. */
function checkResource(name: string, type: string, props: Json, config: Json = {}): string[] {
  const policy = byName(name) as ResourceValidationPolicy;
  const out: string[] = [];
  const validate = policy.validateResource as (args: any, report: (m: string) => void) => void;
  const defaults = Object.fromEntries(Object.entries(policy.configSchema?.properties ?? {}).map(([k, v]) => [k, (v as Json).default]));
  validate({ type, props, urn: `urn:pulumi:test::modelship::${type}::x`, name: props.metadata?.name ?? "x", getConfig: () => ({ ...defaults, ...config }) }, (m) => out.push(m));
  return out;
}

/**
 * The track's autoscaler as modelship renders it for a model that scales on requestsPerPod,
 * inFlight or a query (components/serving/scaler.ts): a KEDA ScaledObject with the HPA's bounds
 * and sized-for annotation, in the HPA's place.
 */
function onKeda(rs: RegisteredResource[], name: string): RegisteredResource {
  const i = rs.findIndex((r) => r.type.endsWith(":HorizontalPodAutoscaler") && r.inputs.metadata?.name === name);
  if (i < 0) throw new Error(`no HorizontalPodAutoscaler ${name}`);
  const hpa = rs[i];
  const type = "kubernetes:keda.sh/v1alpha1:ScaledObject";
  const { metadata, spec } = hpa.inputs;
  const so: RegisteredResource = {
    ...hpa,
    type,
    urn: hpa.urn.replace(hpa.type, type),
    inputs: {
      apiVersion: "keda.sh/v1alpha1",
      kind: "ScaledObject",
      metadata,
      spec: {
        scaleTargetRef: spec.scaleTargetRef,
        minReplicaCount: spec.minReplicas,
        maxReplicaCount: spec.maxReplicas,
        advanced: { horizontalPodAutoscalerConfig: { name, behavior: spec.behavior } },
        triggers: [{ type: "prometheus", metricType: "AverageValue", metadata: { serverAddress: "http://prometheus-operated.monitoring.svc:9090", query: "sum(up)", threshold: "4" } }],
      },
    },
  };
  rs.splice(i, 1, so);
  return so;
}

const asPolicyResources = (resources: readonly RegisteredResource[]): PolicyResource[] =>
  resources.map((r) => ({ type: r.type, props: r.inputs, urn: r.urn, name: r.name, opts: {} as any, isType: () => false, asType: () => undefined, dependencies: [], propertyDependencies: {} }) as unknown as PolicyResource);

function checkStack(name: string, resources: PolicyResource[]): string[] {
  const policy = byName(name) as StackValidationPolicy;
  const out: string[] = [];
  (policy.validateStack as (args: any, report: (m: string) => void) => void)({ resources, getConfig: () => ({}) }, (m) => out.push(m));
  return out;
}

describe("policies, one by one", () => {
  let prod: RegisteredResource[];
  let staging: RegisteredResource[];
  const find = (rs: RegisteredResource[], kind: string, name: string) => {
    const r = rs.find((x) => x.type.endsWith(`:${kind}`) && x.inputs.metadata?.name === name);
    if (!r) throw new Error(`no ${kind} ${name}`);
    return r;
  };
  before(async () => {
    prod = (await synthFixture("production")).resources;
    staging = (await synthFixture("staging")).resources;
  });
  const deployment = () => clone(find(prod, "Deployment", "fraud-detector-blue"));
  const container = (d: RegisteredResource) => d.inputs.spec.template.spec.containers[0];
  const onDeployment = (policy: string, edit: (d: RegisteredResource) => void, config: Json = {}) => {
    const d = deployment();
    edit(d);
    return checkResource(policy, d.type, d.inputs, config);
  };

  it("has 15 policies, each with a name, description and enforcement level", () => {
    assert.equal(POLICIES.length, 15);
    for (const p of POLICIES) assert.ok(p.name && p.description && p.enforcementLevel, p.name);
  });

  it("container-resources: passes the rendered pods, flags a missing limit", () => {
    assert.deepEqual(onDeployment("container-resources", () => undefined), []);
    const v = onDeployment("container-resources", (d) => delete container(d).resources.limits.memory);
    assert.deepEqual(v, ['Deployment ml-production/fraud-detector-blue: container "model-server" has no resources.limits.memory']);
  });

  it("container-probes: passes the rendered pods, flags a missing readiness probe, ignores Jobs", () => {
    assert.deepEqual(onDeployment("container-probes", () => undefined), []);
    assert.match(onDeployment("container-probes", (d) => delete container(d).readinessProbe)[0], /has no readinessProbe/);
    assert.deepEqual(checkResource("container-probes", "kubernetes:batch/v1:Job", { metadata: { name: "j" }, spec: { template: { spec: { containers: [{ name: "c" }] } } } }), []);
  });

  it("image-pinned-by-digest: passes digests, flags tags", () => {
    assert.deepEqual(onDeployment("image-pinned-by-digest", () => undefined), []);
    const staged = find(staging, "Deployment", "fraud-detector-green");
    assert.match(checkResource("image-pinned-by-digest", staged.type, staged.inputs)[0], /fraud-detector:1\.3\.2", not pinned by digest/);
  });

  it("pod-security-restricted: passes the rendered pods, names each missing field", () => {
    assert.deepEqual(onDeployment("pod-security-restricted", () => undefined), []);
    const v = onDeployment("pod-security-restricted", (d) => {
      const sc = container(d).securityContext;
      sc.allowPrivilegeEscalation = true;
      sc.readOnlyRootFilesystem = false;
    });
    assert.match(v[0], /allowPrivilegeEscalation is not false; readOnlyRootFilesystem is not true/);
    assert.match(onDeployment("pod-security-restricted", (d) => (container(d).securityContext.capabilities = { drop: ["ALL"], add: ["SYS_ADMIN"] }))[0], /adds capabilities SYS_ADMIN/);
  });

  it("no-host-access: passes the rendered pods, flags privileged, hostNetwork and hostPath", () => {
    assert.deepEqual(onDeployment("no-host-access", () => undefined), []);
    const v = onDeployment("no-host-access", (d) => {
      d.inputs.spec.template.spec.hostNetwork = true;
      d.inputs.spec.template.spec.volumes.push({ name: "docker", hostPath: { path: "/var/run/docker.sock" } });
      container(d).securityContext.privileged = true;
    });
    assert.equal(v.length, 3);
  });

  it("service-account-token-automount: passes the rendered objects, flags an automounting SA or pod", () => {
    const sa = clone(find(prod, "ServiceAccount", "fraud-detector-blue"));
    assert.deepEqual(checkResource("service-account-token-automount", sa.type, sa.inputs), []);
    delete sa.inputs.automountServiceAccountToken;
    assert.match(checkResource("service-account-token-automount", sa.type, sa.inputs)[0], /automountServiceAccountToken is not false/);
    assert.match(onDeployment("service-account-token-automount", (d) => delete d.inputs.spec.template.spec.automountServiceAccountToken)[0], /pods automount/);
  });

  it("hpa-replica-bounds: min <= max, and the production floor for full tracks only", () => {
    const full = clone(find(prod, "HorizontalPodAutoscaler", "fraud-detector-blue"));
    const canary = clone(find(prod, "HorizontalPodAutoscaler", "fraud-detector-green"));
    assert.deepEqual(checkResource("hpa-replica-bounds", full.type, full.inputs, { minReplicas: 2 }), []);
    assert.deepEqual(checkResource("hpa-replica-bounds", canary.type, { ...canary.inputs, spec: { ...canary.inputs.spec, minReplicas: 1 } }, { minReplicas: 2 }), [], "a candidate sized for its step is exempt");
    full.inputs.spec.minReplicas = 1;
    assert.match(checkResource("hpa-replica-bounds", full.type, full.inputs, { minReplicas: 2 })[0], /minReplicas 1 is below 2/);
    full.inputs.spec.minReplicas = 40;
    assert.match(checkResource("hpa-replica-bounds", full.type, full.inputs, { minReplicas: 2 })[0], /minReplicas 40 > maxReplicas 30/);
  });

  it("hpa-replica-bounds: KEDA ScaledObjects too — min <= max, KEDA's defaults (0..100), the floor for full tracks only", () => {
    const rs = clone(prod);
    const full = onKeda(rs, "fraud-detector-blue");
    const canary = onKeda(rs, "fraud-detector-green");
    assert.deepEqual(checkResource("hpa-replica-bounds", full.type, full.inputs, { minReplicas: 2 }), []);
    assert.deepEqual(checkResource("hpa-replica-bounds", canary.type, { ...canary.inputs, spec: { ...canary.inputs.spec, minReplicaCount: 1 } }, { minReplicas: 2 }), [], "a candidate sized for its step is exempt");
    const max = full.inputs.spec.maxReplicaCount;
    full.inputs.spec.minReplicaCount = 1;
    assert.deepEqual(checkResource("hpa-replica-bounds", full.type, full.inputs, { minReplicas: 2 }), ["ScaledObject ml-production/fraud-detector-blue: minReplicaCount 1 is below 2"]);
    delete full.inputs.spec.minReplicaCount;
    assert.deepEqual(checkResource("hpa-replica-bounds", full.type, full.inputs, { minReplicas: 1 }), ["ScaledObject ml-production/fraud-detector-blue: minReplicaCount 0 is below 1"], "KEDA's default minimum is 0: scale to zero");
    full.inputs.spec.minReplicaCount = max + 10;
    assert.match(checkResource("hpa-replica-bounds", full.type, full.inputs, { minReplicas: 2 })[0], new RegExp(`minReplicaCount ${max + 10} > maxReplicaCount ${max}`));
    delete full.inputs.spec.maxReplicaCount;
    full.inputs.spec.minReplicaCount = 150;
    assert.match(checkResource("hpa-replica-bounds", full.type, full.inputs, { minReplicas: 2 })[0], /minReplicaCount 150 > maxReplicaCount 100/, "KEDA's default maximum is 100");
  });

  it("load-balancer-internal: ClusterIP and internal load balancers pass, a public one does not", () => {
    const svc = { metadata: { name: "m", namespace: "ml" }, spec: { type: "LoadBalancer" } };
    assert.match(checkResource("load-balancer-internal", "kubernetes:core/v1:Service", svc)[0], /without an internal annotation/);
    assert.deepEqual(checkResource("load-balancer-internal", "kubernetes:core/v1:Service", { ...svc, metadata: { ...svc.metadata, annotations: { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" } } }), []);
    assert.deepEqual(checkResource("load-balancer-internal", "kubernetes:core/v1:Service", { ...svc, spec: { type: "ClusterIP" } }), []);
  });

  it("ecr-scan-immutable: scan on push and immutable tags", () => {
    const good = { imageScanningConfiguration: { scanOnPush: true }, imageTagMutability: "IMMUTABLE" };
    assert.deepEqual(checkResource("ecr-scan-immutable", "aws:ecr/repository:Repository", good), []);
    assert.equal(checkResource("ecr-scan-immutable", "aws:ecr/repository:Repository", { imageScanningConfiguration: { scanOnPush: false } }).length, 2);
  });

  it("s3-model-bucket-secure: versioned, encrypted, public access blocked", () => {
    const res = (type: string, name: string, props: Json) => ({ type, name, urn: `urn:${name}`, props }) as unknown as PolicyResource;
    const bucket = res("aws:s3/bucketV2:BucketV2", "models", { bucket: "acme-models" });
    const good = [
      bucket,
      res("aws:s3/bucketVersioningV2:BucketVersioningV2", "v", { bucket: "acme-models", versioningConfiguration: { status: "Enabled" } }),
      res("aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", "e", { bucket: "acme-models", rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }] }),
      res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "p", { bucket: "acme-models", blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }),
    ];
    assert.deepEqual(checkStack("s3-model-bucket-secure", good), []);
    assert.deepEqual(checkStack("s3-model-bucket-secure", [bucket]), [
      "S3 bucket models: versioning is not enabled",
      "S3 bucket models: no server-side encryption configuration",
      "S3 bucket models: public access not blocked (blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets)",
    ]);
  });

  it("serving-has-pdb-and-networkpolicy: the rendered stack passes; a missing PDB is named", () => {
    assert.deepEqual(checkStack("serving-has-pdb-and-networkpolicy", asPolicyResources(prod)), []);
    const without = prod.filter((r) => !(r.type.endsWith(":PodDisruptionBudget") && r.inputs.metadata.name === "sentiment-green"));
    assert.deepEqual(checkStack("serving-has-pdb-and-networkpolicy", asPolicyResources(without)), ["Deployment ml-production/sentiment-green: no PodDisruptionBudget selects its pods"]);
  });

  it("model-has-monitoring: the rendered stack passes; a model without rules is named", () => {
    assert.deepEqual(checkStack("model-has-monitoring", asPolicyResources(staging)), []);
    const without = staging.filter((r) => !r.type.endsWith(":PrometheusRule"));
    assert.deepEqual(checkStack("model-has-monitoring", asPolicyResources(without)), ["model fraud-detector: no PrometheusRule (alerts)", "model sentiment: no PrometheusRule (alerts)"]);
  });

  it("route-weights-valid: the rendered stacks pass; weights off 100 or onto a track without pods fail", () => {
    assert.deepEqual(checkStack("route-weights-valid", asPolicyResources(prod)), []);
    assert.deepEqual(checkStack("route-weights-valid", asPolicyResources(staging)), []);
    const broken = clone(prod);
    const route = find(broken, "HTTPRoute", "fraud-detector");
    route.inputs.spec.rules.at(-1).backendRefs[1].weight = 20;
    assert.deepEqual(checkStack("route-weights-valid", asPolicyResources(broken)), ["model fraud-detector (gateway-api): route weights sum to 110 (blue 90, green 20), not 100"]);
    const cold = clone(prod).filter((r) => !(r.type.endsWith(":HorizontalPodAutoscaler") && r.inputs.metadata.name === "fraud-detector-green"));
    find(cold, "Deployment", "fraud-detector-green").inputs.spec.replicas = 0;
    assert.deepEqual(checkStack("route-weights-valid", asPolicyResources(cold)), ["model fraud-detector (gateway-api): 10% of traffic goes to the green track, which runs no pods"]);
  });

  it("route-weights-valid: a track KEDA scales has capacity only with minReplicaCount >= 1 (KEDA's default 0 scales it to zero)", () => {
    const keda = clone(prod);
    const so = onKeda(keda, "fraud-detector-green");
    onKeda(keda, "fraud-detector-blue");
    assert.deepEqual(checkStack("route-weights-valid", asPolicyResources(keda)), []);
    delete so.inputs.spec.minReplicaCount;
    assert.deepEqual(checkStack("route-weights-valid", asPolicyResources(keda)), ["model fraud-detector (gateway-api): 10% of traffic goes to the green track, which runs no pods"]);
  });

  it("production-weight-on-step: on-step weights pass, off-step ones fail", () => {
    assert.deepEqual(checkStack("production-weight-on-step", asPolicyResources(prod)), []);
    const broken = clone(prod);
    const refs = find(broken, "HTTPRoute", "fraud-detector").inputs.spec.rules.at(-1).backendRefs;
    refs[0].weight = 67;
    refs[1].weight = 33;
    assert.deepEqual(checkStack("production-weight-on-step", asPolicyResources(broken)), ["model fraud-detector (gateway-api): weights blue 67 / green 33 are not on the model's steps (10, 25, 50, 100)"]);
  });

  it("candidate-quality-gate: the rendered stacks pass; weight on a failing gate or a stale gate fail; an override or no traffic pass", () => {
    const GATE = "modelship.io/quality-gate";
    assert.deepEqual(checkStack("candidate-quality-gate", asPolicyResources(prod)), []);
    assert.deepEqual(checkStack("candidate-quality-gate", asPolicyResources(staging)), []);
    // The route of a model mid-canary carries the candidate's gate; the preview route does not.
    const gateOf = (rs: RegisteredResource[]) => JSON.parse(find(rs, "HTTPRoute", "fraud-detector").inputs.metadata.annotations[GATE]);
    assert.deepEqual(gateOf(prod), { track: "green", version: "1.5.0", state: "pass" });
    assert.equal(find(prod, "HTTPRoute", "fraud-detector-preview").inputs.metadata.annotations[GATE], undefined);
    const withGate = (gate: Json, weights?: [number, number]) => {
      const rs = clone(prod);
      const route = find(rs, "HTTPRoute", "fraud-detector");
      route.inputs.metadata.annotations[GATE] = JSON.stringify(gate);
      if (weights) route.inputs.spec.rules.at(-1).backendRefs.forEach((b: Json, i: number) => (b.weight = weights[i]));
      return asPolicyResources(rs);
    };
    const failing = { track: "green", version: "1.5.0", state: "fail", shortfalls: ["auc: 0.91 < 0.94"] };
    assert.deepEqual(checkStack("candidate-quality-gate", withGate(failing)), [
      "model fraud-detector (gateway-api): green 1.5.0 takes 10% of traffic but is below the model's quality thresholds (auc: 0.91 < 0.94), and the stack file records no tracks.green.qualityOverride",
    ]);
    assert.deepEqual(checkStack("candidate-quality-gate", withGate({ ...failing, state: "override", override: { reason: "noise", by: "alice" } })), []);
    assert.deepEqual(checkStack("candidate-quality-gate", withGate(failing, [100, 0])), [], "no traffic on the failing track");
    assert.deepEqual(checkStack("candidate-quality-gate", withGate({ ...failing, version: "1.4.9", state: "pass" })), [
      "model fraud-detector (gateway-api): the modelship.io/quality-gate annotation is for green 1.4.9, but the green track runs 1.5.0",
    ]);
    assert.match(checkStack("candidate-quality-gate", withGate("nonsense" as unknown as Json))[0], /modelship\.io\/quality-gate annotation is not a quality gate/);
  });
});
