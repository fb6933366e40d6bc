// The modelship-serving policy pack end to end: the real pack, launched as the Pulumi CLI
// launches it, configured from its --policy-pack-config files and asked over the Analyzer gRPC
// protocol about the resources the shipped stacks register (see ./analyzer.ts). The shipped
// stacks must pass; each broken variant of them must trip exactly the one policy it breaks, at
// the level the config file gives.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { POLICIES } from "../../policies/policies";
import type { RegisteredResource } from "../../stacks/render/synth";
import { clone, synthFixture } from "../helpers";
import { PACK_DIR, startPolicyPack, type ConfigFile, type Diagnostic, type EnforcementLevel, type PackInfo, type PolicyPackProcess } from "./analyzer";

type Stack = "staging" | "production";
type Resources = RegisteredResource[];
const CONFIG_FILE: Record<Stack, ConfigFile> = { staging: "staging.json", production: "production.json" };
const STACKS = Object.keys(CONFIG_FILE) as Stack[];

const readConfig = (file: ConfigFile) => JSON.parse(fs.readFileSync(path.join(PACK_DIR, file), "utf8")) as Record<string, string | Record<string, unknown>>;
const policyNamed = (name: string) => POLICIES.find((p) => p.name === name)!;

/** The level a policy runs at under a config file, read straight from the file. */
function expectedLevel(file: ConfigFile, policy: string): EnforcementLevel {
  const config = readConfig(file);
  const own = config[policy];
  if (typeof own === "string") return own as EnforcementLevel;
  if (own && typeof own.enforcementLevel === "string") return own.enforcementLevel as EnforcementLevel;
  return (config.all as EnforcementLevel | undefined) ?? policyNamed(policy).enforcementLevel ?? "advisory";
}

const show = (ds: readonly Diagnostic[]) =>
  ds.length ? ds.map((d) => `  [${d.enforcementLevel}] ${d.policyName} ${d.urn ?? "(stack)"}\n    ${d.message.replace(/\n/g, "\n    ")}`).join("\n") : "  (none)";
const key = (d: Diagnostic) => `${d.policyName}\n${d.urn ?? ""}\n${d.message}`;

/** Diagnostics of `after` that `before` did not have (as a multiset). */
function added(before: readonly Diagnostic[], after: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Map<string, number>();
  for (const d of before) seen.set(key(d), (seen.get(key(d)) ?? 0) + 1);
  return after.filter((d) => {
    const n = seen.get(key(d)) ?? 0;
    if (n > 0) seen.set(key(d), n - 1);
    return n === 0;
  });
}

// ---- AWS resources the program may declare, as plain resources with the AWS provider's tokens.

const DIGEST = "@sha256:" + "0123456789abcdef".repeat(4);
const MODEL_BUCKET = "acme-ml-models";

/** A compliant set: an ECR repository and a model bucket with its versioning, encryption and public access block. */
function awsBaseline(stack: Stack, stackUrn: string): Resources {
  const res = (type: string, name: string, inputs: Record<string, any>, dependencies: string[] = []): RegisteredResource => ({
    urn: `urn:pulumi:${stack}::modelship::${type}::${name}`,
    type,
    name,
    parent: stackUrn,
    dependencies,
    inputs,
  });
  const bucket = res("aws:s3/bucketV2:BucketV2", "models", { bucket: MODEL_BUCKET, forceDestroy: false });
  return [
    res("aws:ecr/repository:Repository", "fraud-detector", {
      name: "modelship/fraud-detector",
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfigurations: [{ encryptionType: "KMS" }],
    }),
    bucket,
    res("aws:s3/bucketVersioningV2:BucketVersioningV2", "models", { bucket: MODEL_BUCKET, versioningConfiguration: { status: "Enabled" } }, [bucket.urn]),
    res(
      "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
      "models",
      { bucket: MODEL_BUCKET, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }] },
      [bucket.urn],
    ),
    res(
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
      "models",
      { bucket: MODEL_BUCKET, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      [bucket.urn],
    ),
  ];
}

// ---- Mutation helpers: find by type suffix (`Deployment`, `Repository`, ...) and resource name.

function find(rs: Resources, kind: string, name: string): RegisteredResource {
  const r = rs.find((x) => x.type.endsWith(`:${kind}`) && x.name === name);
  if (!r) throw new Error(`variant: no ${kind} ${name} among ${rs.map((x) => `${x.type}::${x.name}`).join(", ")}`);
  return r;
}
function drop(rs: Resources, kind: string, name: string): void {
  rs.splice(rs.indexOf(find(rs, kind, name)), 1);
}
const inputs = (rs: Resources, kind: string, name: string) => find(rs, kind, name).inputs;
const podSpec = (rs: Resources, deployment: string) => inputs(rs, "Deployment", deployment).spec.template.spec;
const container = (rs: Resources, deployment: string) => podSpec(rs, deployment).containers[0];

/**
 * Puts a track on KEDA as modelship renders it for requestsPerPod/inFlight/a query
 * (components/serving/scaler.ts): its HPA becomes a ScaledObject with the same bounds and
 * sized-for annotation (a `kubernetes:keda.sh/v1alpha1:ScaledObject` custom resource).
 */
function onKeda(rs: Resources, name: string): Record<string, any> {
  const hpa = find(rs, "HorizontalPodAutoscaler", name);
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
  rs.splice(rs.indexOf(hpa), 1, so);
  return so.inputs;
}

/** The HTTPRoute rule that splits unmatched traffic by weight (the one without header matches). */
function weightedRule(rs: Resources, route: string): { backendRefs: { name: string; weight?: number }[] } {
  // As the router reads it back: the rule that forwards without header matches (the metrics rule forwards nowhere).
  const rule = inputs(rs, "HTTPRoute", route).spec.rules.find((r: any) => r.backendRefs?.length && (r.matches ?? []).every((m: any) => !m.headers));
  if (!rule) throw new Error(`variant: HTTPRoute ${route} has no weighted rule`);
  return rule;
}
function setWeights(rs: Resources, model: string, weights: { blue: number; green: number }): void {
  for (const ref of weightedRule(rs, model).backendRefs) ref.weight = ref.name.endsWith("-blue") ? weights.blue : weights.green;
}

// ---- The corpus.

interface Variant {
  name: string;
  stack: Stack;
  /** The one policy this variant must trip. */
  policy: string;
  /** What its violation must say, so a variant does not pass by tripping the policy for another reason. */
  says: RegExp;
  mutate(rs: Resources): void;
  /** Trips only under production.json's config properties (the replica floor of 2). */
  configDependent?: boolean;
}

const FD = "fraud-detector-blue";
const GATE = "modelship.io/quality-gate";
const FD_IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/modelship/fraud-detector";

const VARIANTS: Variant[] = [
  // container-resources
  { name: "container without limits", stack: "production", policy: "container-resources", says: /resources\.limits\.cpu, resources\.limits\.memory/, mutate: (rs) => void delete container(rs, FD).resources.limits },
  { name: "container without a memory request", stack: "production", policy: "container-resources", says: /no resources\.requests\.memory/, mutate: (rs) => void delete container(rs, FD).resources.requests.memory },
  {
    name: "init container without resources",
    stack: "production",
    policy: "container-resources",
    says: /container "fetch-model" has no resources\.requests\.cpu/,
    mutate: (rs) => {
      const c = container(rs, FD);
      podSpec(rs, FD).initContainers = [{ name: "fetch-model", image: c.image, securityContext: clone(c.securityContext) }];
    },
  },
  // container-probes
  { name: "no readiness probe", stack: "production", policy: "container-probes", says: /container "model-server" has no readinessProbe$/, mutate: (rs) => void delete container(rs, FD).readinessProbe },
  { name: "no startup probe", stack: "production", policy: "container-probes", says: /sentiment-green: container "model-server" has no startupProbe$/, mutate: (rs) => void delete container(rs, "sentiment-green").startupProbe },
  {
    name: "sidecar without probes",
    stack: "production",
    policy: "container-probes",
    says: /container "proxy" has no startupProbe, readinessProbe, livenessProbe/,
    mutate: (rs) => {
      const c = container(rs, FD);
      podSpec(rs, FD).containers.push({ name: "proxy", image: c.image, resources: clone(c.resources), securityContext: clone(c.securityContext) });
    },
  },
  // image-pinned-by-digest
  { name: "tag image in production", stack: "production", policy: "image-pinned-by-digest", says: /uses ".*fraud-detector:1\.4\.0", not pinned/, mutate: (rs) => void (container(rs, FD).image = `${FD_IMAGE}:1.4.0`) },
  { name: "truncated digest", stack: "production", policy: "image-pinned-by-digest", says: /@sha256:8d685f8b", not pinned/, mutate: (rs) => void (container(rs, FD).image = `${FD_IMAGE}@sha256:8d685f8b`) },
  // no-host-access
  { name: "privileged container", stack: "production", policy: "no-host-access", says: /container "model-server" is privileged/, mutate: (rs) => void (container(rs, FD).securityContext.privileged = true) },
  { name: "hostNetwork", stack: "production", policy: "no-host-access", says: /hostNetwork is true/, mutate: (rs) => void (podSpec(rs, FD).hostNetwork = true) },
  { name: "hostPID", stack: "production", policy: "no-host-access", says: /hostPID is true/, mutate: (rs) => void (podSpec(rs, FD).hostPID = true) },
  { name: "hostIPC", stack: "production", policy: "no-host-access", says: /hostIPC is true/, mutate: (rs) => void (podSpec(rs, FD).hostIPC = true) },
  {
    name: "hostPath volume",
    stack: "production",
    policy: "no-host-access",
    says: /volume "docker" mounts hostPath \/var\/run\/docker\.sock/,
    mutate: (rs) => void podSpec(rs, FD).volumes.push({ name: "docker", hostPath: { path: "/var/run/docker.sock" } }),
  },
  // pod-security-restricted
  { name: "allowPrivilegeEscalation true", stack: "production", policy: "pod-security-restricted", says: /: allowPrivilegeEscalation is not false$/, mutate: (rs) => void (container(rs, FD).securityContext.allowPrivilegeEscalation = true) },
  {
    name: "no seccomp profile",
    stack: "production",
    policy: "pod-security-restricted",
    says: /: seccompProfile is not RuntimeDefault$/,
    mutate: (rs) => {
      delete container(rs, FD).securityContext.seccompProfile;
      delete podSpec(rs, FD).securityContext.seccompProfile;
    },
  },
  { name: "container seccomp Unconfined over the pod's RuntimeDefault", stack: "production", policy: "pod-security-restricted", says: /: seccompProfile is not RuntimeDefault$/, mutate: (rs) => void (container(rs, FD).securityContext.seccompProfile = { type: "Unconfined" }) },
  {
    name: "runAsNonRoot unset",
    stack: "production",
    policy: "pod-security-restricted",
    says: /: runAsNonRoot is not true$/,
    mutate: (rs) => {
      delete container(rs, FD).securityContext.runAsNonRoot;
      delete podSpec(rs, FD).securityContext.runAsNonRoot;
    },
  },
  { name: "container runAsNonRoot false over the pod's true", stack: "production", policy: "pod-security-restricted", says: /: runAsNonRoot is not true$/, mutate: (rs) => void (container(rs, FD).securityContext.runAsNonRoot = false) },
  { name: "capabilities not dropped", stack: "production", policy: "pod-security-restricted", says: /: capabilities do not drop ALL$/, mutate: (rs) => void delete container(rs, FD).securityContext.capabilities },
  { name: "adds SYS_ADMIN", stack: "production", policy: "pod-security-restricted", says: /: adds capabilities SYS_ADMIN$/, mutate: (rs) => void (container(rs, FD).securityContext.capabilities.add = ["SYS_ADMIN"]) },
  { name: "writable root filesystem", stack: "production", policy: "pod-security-restricted", says: /: readOnlyRootFilesystem is not true$/, mutate: (rs) => void (container(rs, FD).securityContext.readOnlyRootFilesystem = false) },
  // service-account-token-automount
  { name: "ServiceAccount automounts its token", stack: "production", policy: "service-account-token-automount", says: /ServiceAccount ml-production\/fraud-detector-blue: automountServiceAccountToken is not false/, mutate: (rs) => void (inputs(rs, "ServiceAccount", FD).automountServiceAccountToken = true) },
  { name: "ServiceAccount automount unset", stack: "production", policy: "service-account-token-automount", says: /ServiceAccount ml-production\/sentiment-green: automountServiceAccountToken is not false/, mutate: (rs) => void delete inputs(rs, "ServiceAccount", "sentiment-green").automountServiceAccountToken },
  { name: "pod automounts a token", stack: "production", policy: "service-account-token-automount", says: /Deployment ml-production\/fraud-detector-blue: pods automount/, mutate: (rs) => void (podSpec(rs, FD).automountServiceAccountToken = true) },
  // hpa-replica-bounds
  {
    name: "HPA min > max",
    stack: "production",
    policy: "hpa-replica-bounds",
    says: /minReplicas 10 > maxReplicas 5/,
    mutate: (rs) => void (inputs(rs, "HorizontalPodAutoscaler", FD).spec.maxReplicas = 5),
  },
  {
    name: "HPA min 1 on a full (sized-for 100) track",
    stack: "production",
    policy: "hpa-replica-bounds",
    says: /fraud-detector-blue: minReplicas 1 is below 2/,
    configDependent: true,
    mutate: (rs) => void (inputs(rs, "HorizontalPodAutoscaler", FD).spec.minReplicas = 1),
  },
  {
    name: "HPA min 1 on the canary without its sized-for annotation",
    stack: "production",
    policy: "hpa-replica-bounds",
    says: /fraud-detector-green: minReplicas 1 is below 2/,
    configDependent: true,
    mutate: (rs) => {
      const hpa = inputs(rs, "HorizontalPodAutoscaler", "fraud-detector-green");
      hpa.spec.minReplicas = 1;
      delete hpa.metadata.annotations;
    },
  },
  {
    name: "ScaledObject min > max",
    stack: "production",
    policy: "hpa-replica-bounds",
    says: /ScaledObject ml-production\/fraud-detector-blue: minReplicaCount 10 > maxReplicaCount 5/,
    mutate: (rs) => void (onKeda(rs, FD).spec.maxReplicaCount = 5),
  },
  {
    name: "ScaledObject min 1 on a full (sized-for 100) track",
    stack: "production",
    policy: "hpa-replica-bounds",
    says: /ScaledObject ml-production\/fraud-detector-blue: minReplicaCount 1 is below 2/,
    configDependent: true,
    mutate: (rs) => void (onKeda(rs, FD).spec.minReplicaCount = 1),
  },
  // load-balancer-internal
  { name: "LoadBalancer Service without internal annotation", stack: "production", policy: "load-balancer-internal", says: /Service ml-production\/fraud-detector-blue: type LoadBalancer/, mutate: (rs) => void (inputs(rs, "Service", FD).spec.type = "LoadBalancer") },
  {
    name: "LoadBalancer Service annotated internet-facing",
    stack: "production",
    policy: "load-balancer-internal",
    says: /Service ml-production\/sentiment-green: type LoadBalancer/,
    mutate: (rs) => {
      const svc = inputs(rs, "Service", "sentiment-green");
      svc.spec.type = "LoadBalancer";
      svc.metadata.annotations = { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing" };
    },
  },
  // ecr-scan-immutable
  { name: "ECR repository with scanOnPush false", stack: "production", policy: "ecr-scan-immutable", says: /scanOnPush is not true/, mutate: (rs) => void (inputs(rs, "Repository", "fraud-detector").imageScanningConfiguration.scanOnPush = false) },
  { name: "ECR repository with MUTABLE tags", stack: "production", policy: "ecr-scan-immutable", says: /imageTagMutability is MUTABLE, not IMMUTABLE/, mutate: (rs) => void (inputs(rs, "Repository", "fraud-detector").imageTagMutability = "MUTABLE") },
  { name: "ECR repository with tag mutability unset", stack: "production", policy: "ecr-scan-immutable", says: /imageTagMutability is MUTABLE \(default\)/, mutate: (rs) => void delete inputs(rs, "Repository", "fraud-detector").imageTagMutability },
  // s3-model-bucket-secure
  { name: "S3 bucket without versioning", stack: "production", policy: "s3-model-bucket-secure", says: /S3 bucket models: versioning is not enabled/, mutate: (rs) => drop(rs, "BucketVersioningV2", "models") },
  { name: "S3 bucket versioning suspended", stack: "production", policy: "s3-model-bucket-secure", says: /versioning is not enabled/, mutate: (rs) => void (inputs(rs, "BucketVersioningV2", "models").versioningConfiguration.status = "Suspended") },
  { name: "S3 versioning configured on another bucket", stack: "production", policy: "s3-model-bucket-secure", says: /versioning is not enabled/, mutate: (rs) => void (inputs(rs, "BucketVersioningV2", "models").bucket = "acme-ml-models-old") },
  { name: "S3 bucket without encryption", stack: "production", policy: "s3-model-bucket-secure", says: /S3 bucket models: no server-side encryption/, mutate: (rs) => drop(rs, "BucketServerSideEncryptionConfigurationV2", "models") },
  {
    name: "S3 encryption rule without an algorithm",
    stack: "production",
    policy: "s3-model-bucket-secure",
    says: /no server-side encryption/,
    mutate: (rs) => void (inputs(rs, "BucketServerSideEncryptionConfigurationV2", "models").rules = [{ bucketKeyEnabled: true }]),
  },
  { name: "S3 bucket without a public access block", stack: "production", policy: "s3-model-bucket-secure", says: /public access not blocked \(blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets\)/, mutate: (rs) => drop(rs, "BucketPublicAccessBlock", "models") },
  { name: "S3 public access block not full", stack: "production", policy: "s3-model-bucket-secure", says: /public access not blocked \(restrictPublicBuckets\)$/, mutate: (rs) => void (inputs(rs, "BucketPublicAccessBlock", "models").restrictPublicBuckets = false) },
  // serving-has-pdb-and-networkpolicy
  { name: "PDB removed", stack: "production", policy: "serving-has-pdb-and-networkpolicy", says: /fraud-detector-green: no PodDisruptionBudget selects its pods/, mutate: (rs) => drop(rs, "PodDisruptionBudget", "fraud-detector-green") },
  {
    name: "PDB selects the other track",
    stack: "production",
    policy: "serving-has-pdb-and-networkpolicy",
    says: /fraud-detector-blue: no PodDisruptionBudget selects its pods/,
    mutate: (rs) => void (inputs(rs, "PodDisruptionBudget", FD).spec.selector.matchLabels["modelship.io/track"] = "green"),
  },
  { name: "NetworkPolicy removed", stack: "production", policy: "serving-has-pdb-and-networkpolicy", says: /sentiment-green: no NetworkPolicy selects its pods/, mutate: (rs) => drop(rs, "NetworkPolicy", "sentiment") },
  { name: "NetworkPolicy in another namespace", stack: "production", policy: "serving-has-pdb-and-networkpolicy", says: /fraud-detector-blue: no NetworkPolicy selects its pods/, mutate: (rs) => void (inputs(rs, "NetworkPolicy", "fraud-detector").metadata.namespace = "default") },
  // model-has-monitoring
  { name: "PrometheusRule removed", stack: "production", policy: "model-has-monitoring", says: /model fraud-detector: no PrometheusRule/, mutate: (rs) => drop(rs, "PrometheusRule", "fraud-detector") },
  { name: "dashboard ConfigMap removed", stack: "production", policy: "model-has-monitoring", says: /model sentiment: no dashboard ConfigMap/, mutate: (rs) => drop(rs, "ConfigMap", "sentiment-dashboard") },
  { name: "dashboard ConfigMap without its grafana_dashboard label", stack: "production", policy: "model-has-monitoring", says: /model fraud-detector: no dashboard ConfigMap/, mutate: (rs) => void delete inputs(rs, "ConfigMap", "fraud-detector-dashboard").metadata.labels.grafana_dashboard },
  // route-weights-valid
  { name: "route weights sum to 90 (80/10)", stack: "production", policy: "route-weights-valid", says: /route weights sum to 90 \(blue 80, green 10\)/, mutate: (rs) => setWeights(rs, "fraud-detector", { blue: 80, green: 10 }) },
  { name: "route weights sum to 0", stack: "production", policy: "route-weights-valid", says: /route weights sum to 0/, mutate: (rs) => setWeights(rs, "fraud-detector", { blue: 0, green: 0 }) },
  {
    name: "weight on a track with no pods (HPA removed, replicas 0)",
    stack: "production",
    policy: "route-weights-valid",
    says: /10% of traffic goes to the green track, which runs no pods/,
    mutate: (rs) => {
      drop(rs, "HorizontalPodAutoscaler", "fraud-detector-green");
      inputs(rs, "Deployment", "fraud-detector-green").spec.replicas = 0;
    },
  },
  { name: "weight on the retired track", stack: "production", policy: "route-weights-valid", says: /model sentiment .*10% of traffic goes to the blue track, which runs no pods/, mutate: (rs) => setWeights(rs, "sentiment", { blue: 10, green: 90 }) },
  // production-weight-on-step
  { name: "weight off the steps (33/67)", stack: "production", policy: "production-weight-on-step", says: /weights blue 33 \/ green 67 are not on the model's steps \(10, 25, 50, 100\)/, mutate: (rs) => setWeights(rs, "fraud-detector", { blue: 33, green: 67 }) },
  {
    name: "steps annotation removed",
    stack: "production",
    policy: "production-weight-on-step",
    says: /model fraud-detector .*carry no modelship\.io\/steps annotation/,
    mutate: (rs) => {
      for (const name of ["fraud-detector", "fraud-detector-preview"]) delete inputs(rs, "HTTPRoute", name).metadata.annotations["modelship.io/steps"];
    },
  },
  {
    name: "steps annotation without the current weight",
    stack: "production",
    policy: "production-weight-on-step",
    says: /weights blue 90 \/ green 10 are not on the model's steps \(25, 50, 100\)/,
    mutate: (rs) => {
      for (const name of ["fraud-detector", "fraud-detector-preview"]) inputs(rs, "HTTPRoute", name).metadata.annotations["modelship.io/steps"] = "25,50,100";
    },
  },
  // candidate-quality-gate
  {
    name: "candidate below its thresholds takes traffic (gate fail on the route)",
    stack: "production",
    policy: "candidate-quality-gate",
    says: /green 1\.5\.0 takes 10% of traffic but is below the model's quality thresholds \(auc: 0\.91 < 0\.94\)/,
    mutate: (rs) => void (inputs(rs, "HTTPRoute", "fraud-detector").metadata.annotations[GATE] = JSON.stringify({ track: "green", version: "1.5.0", state: "fail", shortfalls: ["auc: 0.91 < 0.94"] })),
  },
  {
    name: "candidate with no recorded metrics takes traffic (gate fail, nothing recorded)",
    stack: "production",
    policy: "candidate-quality-gate",
    says: /green 1\.5\.0 takes 10% of traffic but is below the model's quality thresholds \(auc: no recorded value \(needs >= 0\.94\)\)/,
    mutate: (rs) =>
      void (inputs(rs, "HTTPRoute", "fraud-detector").metadata.annotations[GATE] = JSON.stringify({ track: "green", version: "1.5.0", state: "fail", shortfalls: ["auc: no recorded value (needs >= 0.94)"] })),
  },
  {
    name: "quality gate annotation that is not JSON",
    stack: "production",
    policy: "candidate-quality-gate",
    says: /modelship\.io\/quality-gate annotation is not a quality gate/,
    mutate: (rs) => void (inputs(rs, "HTTPRoute", "fraud-detector").metadata.annotations[GATE] = "pass"),
  },
  {
    name: "quality gate annotation for another version",
    stack: "production",
    policy: "candidate-quality-gate",
    says: /annotation is for green 1\.4\.9, but the green track runs 1\.5\.0/,
    mutate: (rs) => void (inputs(rs, "HTTPRoute", "fraud-detector").metadata.annotations[GATE] = JSON.stringify({ track: "green", version: "1.4.9", state: "pass" })),
  },
  // staging, at staging.json's levels
  { name: "staging: privileged container", stack: "staging", policy: "no-host-access", says: /sentiment-blue: container "model-server" is privileged/, mutate: (rs) => void (container(rs, "sentiment-blue").securityContext.privileged = true) },
  { name: "staging: container without limits", stack: "staging", policy: "container-resources", says: /sentiment-green: container "model-server" has no resources\.limits/, mutate: (rs) => void delete container(rs, "sentiment-green").resources.limits },
  { name: "staging: writable root filesystem", stack: "staging", policy: "pod-security-restricted", says: /readOnlyRootFilesystem is not true/, mutate: (rs) => void (container(rs, "sentiment-blue").securityContext.readOnlyRootFilesystem = false) },
  { name: "staging: route weights sum to 110 (100/10)", stack: "staging", policy: "route-weights-valid", says: /model sentiment .*route weights sum to 110/, mutate: (rs) => setWeights(rs, "sentiment", { blue: 100, green: 10 }) },
  { name: "staging: HPA min > max", stack: "staging", policy: "hpa-replica-bounds", says: /sentiment-blue: minReplicas 4 > maxReplicas 3/, mutate: (rs) => void (inputs(rs, "HorizontalPodAutoscaler", "sentiment-blue").spec.minReplicas = 4) },
  { name: "staging: artifacts bucket versioning suspended (provider v7 tokens)", stack: "staging", policy: "s3-model-bucket-secure", says: /S3 bucket model-artifacts: versioning is not enabled/, mutate: (rs) => void (inputs(rs, "BucketVersioning", "model-artifacts").versioningConfiguration.status = "Suspended") },
  { name: "staging: artifacts bucket public access block removed", stack: "staging", policy: "s3-model-bucket-secure", says: /S3 bucket model-artifacts: public access not blocked/, mutate: (rs) => drop(rs, "BucketPublicAccessBlock", "model-artifacts") },
  { name: "staging: ECR repository with MUTABLE tags", stack: "staging", policy: "ecr-scan-immutable", says: /ECR repository sentiment-images: imageTagMutability is MUTABLE/, mutate: (rs) => void (inputs(rs, "Repository", "sentiment-images").imageTagMutability = "MUTABLE") },
];

/** Changes that stay within every policy: each must add no diagnostic at all. */
const COMPLIANT: Omit<Variant, "policy" | "says">[] = [
  { name: "canary HPA at min 1 (sized for its 25% step)", stack: "production", mutate: (rs) => void (inputs(rs, "HorizontalPodAutoscaler", "fraud-detector-green").spec.minReplicas = 1) },
  { name: "both tracks on KEDA ScaledObjects with the HPAs' bounds", stack: "production", mutate: (rs) => void [FD, "fraud-detector-green"].forEach((n) => onKeda(rs, n)) },
  { name: "canary ScaledObject at min 1 (sized for its 25% step)", stack: "production", mutate: (rs) => void (onKeda(rs, "fraud-detector-green").spec.minReplicaCount = 1) },
  {
    name: "LoadBalancer Service annotated internal",
    stack: "production",
    mutate: (rs) => {
      const svc = inputs(rs, "Service", FD);
      svc.spec.type = "LoadBalancer";
      svc.metadata.annotations = { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" };
    },
  },
  { name: "container adds NET_BIND_SERVICE", stack: "production", mutate: (rs) => void (container(rs, FD).securityContext.capabilities.add = ["NET_BIND_SERVICE"]) },
  { name: "container seccomp Localhost", stack: "production", mutate: (rs) => void (container(rs, FD).securityContext.seccompProfile = { type: "Localhost", localhostProfile: "profiles/model-server.json" }) },
  { name: "runAsNonRoot from the pod only", stack: "production", mutate: (rs) => void delete container(rs, FD).securityContext.runAsNonRoot },
  { name: "image by tag and digest", stack: "production", mutate: (rs) => void (container(rs, FD).image = `${FD_IMAGE}:1.4.0${DIGEST}`) },
  { name: "canary on its 25% step (75/25)", stack: "production", mutate: (rs) => setWeights(rs, "fraud-detector", { blue: 75, green: 25 }) },
  { name: "promotion complete (0/100)", stack: "production", mutate: (rs) => setWeights(rs, "fraud-detector", { blue: 0, green: 100 }) },
  {
    name: "candidate below its thresholds with a recorded override",
    stack: "production",
    mutate: (rs) =>
      void (inputs(rs, "HTTPRoute", "fraud-detector").metadata.annotations[GATE] = JSON.stringify({ track: "green", version: "1.5.0", state: "override", shortfalls: ["auc: 0.91 < 0.94"], override: { reason: "label noise", by: "alice" } })),
  },
  {
    name: "failing gate on a track without traffic (rolled back to 100/0)",
    stack: "production",
    mutate: (rs) => {
      setWeights(rs, "fraud-detector", { blue: 100, green: 0 });
      inputs(rs, "HTTPRoute", "fraud-detector").metadata.annotations[GATE] = JSON.stringify({ track: "green", version: "1.5.0", state: "fail", shortfalls: ["auc: 0.91 < 0.94"] });
    },
  },
];

describe("policy pack modelship-serving over the Analyzer protocol", function () {
  this.timeout(300_000);
  const packs = {} as Record<Stack, PolicyPackProcess>;
  const baseline = {} as Record<Stack, Resources>;
  const baselineDiagnostics = {} as Record<Stack, Diagnostic[]>;
  let info: PackInfo;
  const sent = {} as Record<Stack, Awaited<ReturnType<PolicyPackProcess["configure"]>>>;

  before(async function () {
    // One pack per stack, as one `pulumi preview --stack <s> --policy-pack-config <file>` each.
    const started = await Promise.allSettled(STACKS.map((s) => startPolicyPack({ stack: s })));
    started.forEach((r, i) => r.status === "fulfilled" && (packs[STACKS[i]] = r.value));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
    info = await packs.production.getAnalyzerInfo();
    for (const s of STACKS) {
      sent[s] = await packs[s].configure(CONFIG_FILE[s]);
      const synth = await synthFixture(s);
      const stackUrn = synth.resources.find((r) => r.type === "pulumi:pulumi:Stack")!.urn;
      baseline[s] = s === "production" ? [...synth.resources, ...awsBaseline(s, stackUrn)] : synth.resources;
      baselineDiagnostics[s] = await packs[s].analyzeAll(baseline[s]);
    }
  });

  after(async () => {
    await Promise.all(Object.values(packs).map((p) => p.close()));
  });

  it("runs from policies/ as the CLI runs it (policies/package.json gives the pack its version)", () => {
    // @pulumi/policy's PolicyPack requires `<cwd>/package.json` and its `version`; the CLI runs
    // the pack with policies/ as the working directory, so without that file
    // `pulumi preview --policy-pack policies` fails before any policy runs.
    assert.strictEqual(packs.production.shimReason, undefined, packs.production.shimReason);
    assert.strictEqual(packs.production.cwd, PACK_DIR);
  });

  it("serves the 15 policies of POLICIES, in order, with their kinds and declared levels", () => {
    assert.strictEqual(info.name, "modelship-serving");
    assert.strictEqual(info.supportsConfig, true);
    assert.strictEqual(POLICIES.length, 15);
    assert.deepStrictEqual(
      info.policies.map((p) => ({ name: p.name, kind: p.kind, level: p.enforcementLevel })),
      POLICIES.map((p) => ({ name: p.name, kind: "validateStack" in p ? "stack" : "resource", level: p.enforcementLevel ?? "advisory" })),
    );
    assert.deepStrictEqual(info.policies.find((p) => p.name === "hpa-replica-bounds")?.configSchema?.properties.minReplicas, { type: "integer", minimum: 1, default: 1 });
  });

  for (const s of STACKS) {
    const file = CONFIG_FILE[s];

    it(`${file} names only policies of the pack`, () => {
      const names = new Set(["all", ...POLICIES.map((p) => p.name)]);
      assert.deepStrictEqual(Object.keys(readConfig(file)).filter((k) => !names.has(k)), []);
    });

    it(`configure(${file}) gives each of the 15 policies the level the file gives, and hpa-replica-bounds its floor`, () => {
      const c = sent[s];
      assert.deepStrictEqual(
        Object.fromEntries(POLICIES.map((p) => [p.name, c[p.name]?.enforcementLevel])),
        Object.fromEntries(POLICIES.map((p) => [p.name, expectedLevel(file, p.name)])),
      );
      const hpa = readConfig(file)["hpa-replica-bounds"] as Record<string, unknown>;
      assert.deepStrictEqual(c["hpa-replica-bounds"].properties, { minReplicas: hpa.minReplicas });
      assert.strictEqual(c.all?.enforcementLevel, readConfig(file).all, "the CLI sends the `all` entry as well");
    });

    it(`the shipped ${s} stack has no mandatory violation under ${file}`, async () => {
      const synth = await synthFixture(s);
      const ds = await packs[s].analyzeAll(synth.resources);
      const mandatory = ds.filter((d) => d.enforcementLevel === "mandatory");
      assert.deepStrictEqual(mandatory.map(key), [], `mandatory:\n${show(mandatory)}\nadvisory:\n${show(ds.filter((d) => d.enforcementLevel !== "mandatory"))}`);
    });
  }

  it("the production baseline (shipped stack plus the compliant AWS resources) reports nothing at all", () => {
    assert.deepStrictEqual(baselineDiagnostics.production.map(key), [], show(baselineDiagnostics.production));
  });

  it(`the corpus has at least 30 variants and covers each of the 15 policies in production`, () => {
    assert.ok(VARIANTS.length >= 30, `${VARIANTS.length} variants`);
    const covered = new Set(VARIANTS.filter((v) => v.stack === "production").map((v) => v.policy));
    assert.deepStrictEqual(POLICIES.map((p) => p.name).filter((n) => !covered.has(n)), []);
    assert.strictEqual(new Set(VARIANTS.map((v) => v.name)).size, VARIANTS.length, "variant names are unique");
  });

  /** Runs a variant on a pack; returns what it added to that stack's baseline report. */
  async function run(v: Pick<Variant, "stack" | "mutate">, pack: PolicyPackProcess, before: readonly Diagnostic[]) {
    const rs = clone(baseline[v.stack]);
    v.mutate(rs);
    return added(before, await pack.analyzeAll(rs));
  }

  function assertTrips(v: Variant, level: EnforcementLevel, extra: readonly Diagnostic[]) {
    const detail = `${v.name}: expected only ${v.policy} at ${level}; the variant added:\n${show(extra)}`;
    assert.ok(extra.length > 0, detail);
    assert.deepStrictEqual([...new Set(extra.map((d) => d.policyName))], [v.policy], detail);
    assert.deepStrictEqual([...new Set(extra.map((d) => d.enforcementLevel))], [level], detail);
    assert.ok(
      extra.some((d) => v.says.test(d.message.split("\n").slice(1).join("\n"))),
      `${detail}\nnone says ${v.says}`,
    );
  }

  describe("each broken variant trips exactly its policy, at its config file's level", () => {
    for (const v of VARIANTS) {
      const file = CONFIG_FILE[v.stack];
      it(`${v.name} → ${v.policy} (${expectedLevel(file, v.policy)} under ${file})`, async () => {
        assertTrips(v, expectedLevel(file, v.policy), await run(v, packs[v.stack], baselineDiagnostics[v.stack]));
      });
    }
  });

  describe("under staging.json, the production variants trip at staging's levels", () => {
    let before: Diagnostic[];
    beforeEach(async () => {
      before ??= await packs.staging.analyzeAll(baseline.production);
    });
    for (const p of POLICIES) {
      const v = VARIANTS.find((x) => x.stack === "production" && x.policy === p.name && !x.configDependent)!;
      it(`${p.name} (${expectedLevel("staging.json", p.name)}): ${v.name}`, async () => {
        assertTrips(v, expectedLevel("staging.json", p.name), await run(v, packs.staging, before));
      });
    }
    for (const v of VARIANTS.filter((x) => x.configDependent)) {
      it(`${v.name}: within staging.json's floor of 1, nothing`, async () => {
        const extra = await run(v, packs.staging, before);
        assert.deepStrictEqual(extra.map(key), [], show(extra));
      });
    }
  });

  describe("defects this suite found, kept as regressions", () => {
    it("pod-security-restricted: a container with runAsUser 0 is not non-root (PSS restricted forbids UID 0)", async () => {
      const v: Variant = { name: "runAsUser 0", stack: "production", policy: "pod-security-restricted", says: /runAsUser/, mutate: (rs) => void (container(rs, FD).securityContext.runAsUser = 0) };
      assertTrips(v, "mandatory", await run(v, packs.production, baselineDiagnostics.production));
    });
    it("serving-has-pdb-and-networkpolicy: a NetworkPolicy with podSelector {} selects every pod of its namespace", async () => {
      const extra = await run({ stack: "production", mutate: (rs) => void (inputs(rs, "NetworkPolicy", "sentiment").spec.podSelector = {}) }, packs.production, baselineDiagnostics.production);
      assert.deepStrictEqual(extra.map(key), [], show(extra));
    });
    it("serving-has-pdb-and-networkpolicy: a PodDisruptionBudget selecting the track's pods by matchExpressions selects them", async () => {
      const mutate = (rs: Resources) =>
        void (inputs(rs, "PodDisruptionBudget", "sentiment-green").spec.selector = {
          matchExpressions: [
            { key: "app.kubernetes.io/name", operator: "In", values: ["sentiment"] },
            { key: "modelship.io/track", operator: "In", values: ["green"] },
          ],
        });
      const extra = await run({ stack: "production", mutate }, packs.production, baselineDiagnostics.production);
      assert.deepStrictEqual(extra.map(key), [], show(extra));
    });
    it("route-weights-valid: an HTTPRoute rule without `matches` (Gateway API default: PathPrefix /) is read, not a crash of the analysis", async () => {
      const extra = await run({ stack: "production", mutate: (rs) => void delete (weightedRule(rs, "fraud-detector") as { matches?: unknown }).matches }, packs.production, baselineDiagnostics.production);
      assert.deepStrictEqual(extra.map(key), [], show(extra));
    });
  });

  describe("compliant changes report nothing", () => {
    for (const v of COMPLIANT) {
      it(v.name, async () => {
        const extra = await run(v, packs[v.stack], baselineDiagnostics[v.stack]);
        assert.deepStrictEqual(extra.map(key), [], show(extra));
      });
    }
  });
});
