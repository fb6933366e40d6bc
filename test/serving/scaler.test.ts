// Autoscaling on the right signal (issue 15): tracks sized by in-flight requests, requests per
// pod or a query of their own get a KEDA ScaledObject whose query comes from the metrics contract
// and whose bounds come from the capacity plan; cpu and memory stay HorizontalPodAutoscalers.
import { strict as assert } from "assert";
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { parseFleetConfig, type ModelConfig } from "../../components/config";
import { BY_TRACK, contractOf, metricsContract, PRESETS } from "../../components/monitoring";
import { ROUTERS, routeObjectsOf } from "../../components/routing";
import { planCapacity } from "../../components/serving/capacity";
import { modelObjectNames, SIZED_FOR_ANNOTATION } from "../../components/serving/labels";
import { scaledObjectSpec, scalerWindow, scalesWithKeda, trackMatcher } from "../../components/serving/scaler";
import { POLICIES } from "../../policies/policies";
import { diffObjects, objectKey, touched } from "../../stacks/render/objectdiff";
import { applyCommand } from "../../stacks/rollout/state";
import { modelState } from "../../stacks/stackfile/edit";
import { synthesize, type KubeObject, type SynthResult } from "../../stacks/render/synth";
import { apiServerProblems } from "../apiserver";
import { canaryConfig } from "../fixtures/canary";
import { byKind, find, tempProject } from "../helpers";
import { validateObject } from "../kube-schemas";

type Config = Record<string, any>;
const FILE = "Pulumi.staging.yaml";

/** The canary fixture (fraud on gateway-api, green the candidate at `weight`) with an autoscaling block. */
function config(autoscaling: Record<string, unknown>, o: { weight?: number; preset?: string } = {}): Config {
  const preset = o.preset ?? "vllm";
  // vLLM's first latency bucket is 0.3 s: its median threshold must not sit inside it.
  const c = canaryConfig({ weight: o.weight ?? 10, monitoring: { preset, ...(preset === "vllm" ? { alerts: { latencyP50Seconds: 0.5 } } : {}) } }) as Config;
  c.models[0].autoscaling = autoscaling;
  return c;
}
const IN_FLIGHT = { metric: "inFlight", target: 4, minReplicas: 2, maxReplicas: 10 };

const render = (c: Config) => synthesize(tempProject("staging", c), "staging");
const modelOf = (c: Config): ModelConfig => parseFleetConfig(c, FILE).models[0];
const scaledObjects = (objects: readonly KubeObject[]) => byKind(objects, "ScaledObject").map((o) => o.metadata.name).sort();
const hpas = (objects: readonly KubeObject[]) => byKind(objects, "HorizontalPodAutoscaler").map((o) => o.metadata.name).sort();
const triggerOf = (o: KubeObject) => {
  assert.equal(o.spec.triggers.length, 1);
  return o.spec.triggers[0];
};

function runPolicy(name: string, o: KubeObject, config: Record<string, unknown>): string[] {
  const p = POLICIES.find((x) => x.name === name) as ResourceValidationPolicy;
  const out: string[] = [];
  const validate = p.validateResource as (args: any, report: (m: string) => void) => void;
  validate({ type: `kubernetes:${o.apiVersion}:${o.kind}`, props: o, urn: "urn:x", name: o.metadata.name, getConfig: () => config }, (m) => out.push(m));
  return out;
}

describe("autoscaling on the right signal (KEDA ScaledObjects)", function () {
  this.timeout(300_000);
  let inFlight: SynthResult;
  let model: ModelConfig;
  before(async () => {
    inFlight = await render(config(IN_FLIGHT));
    model = modelOf(config(IN_FLIGHT));
  });

  it("renders a ScaledObject, and no HPA, for each track with pods (metric inFlight on the vllm preset)", () => {
    assert.deepEqual(scaledObjects(inFlight.objects), ["fraud-blue", "fraud-green"]);
    assert.deepEqual(hpas(inFlight.objects), []);
    for (const c of ["blue", "green"] as const) {
      const so = find(inFlight.objects, "ScaledObject", `fraud-${c}`);
      assert.equal(so.apiVersion, "keda.sh/v1alpha1");
      assert.equal(so.metadata.namespace, "ml");
      assert.deepEqual(so.spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: `fraud-${c}` });
      // KEDA's HPA is named like the track, and behaves as the model's autoscaling.behavior says.
      assert.deepEqual(so.spec.advanced.horizontalPodAutoscalerConfig, { name: `fraud-${c}`, behavior: model.autoscaling.behavior });
      assert.equal(so.metadata.annotations?.["scaledobject.keda.sh/transfer-hpa-ownership"], "true");
      // The Deployment leaves its replica count to the autoscaler.
      assert.equal(find(inFlight.objects, "Deployment", `fraud-${c}`).spec.replicas, undefined);
    }
  });

  it("takes the query from the metrics contract, the threshold from autoscaling.target, per pod (AverageValue)", () => {
    const contract = contractOf(model, "ml");
    for (const c of ["blue", "green"] as const) {
      const t = triggerOf(find(inFlight.objects, "ScaledObject", `fraud-${c}`));
      assert.equal(t.type, "prometheus");
      assert.equal(t.metricType, "AverageValue");
      assert.deepEqual(t.metadata, { serverAddress: "http://prometheus-operated.monitoring.svc:9090", query: contract.inFlight(BY_TRACK, `track="${c}"`), threshold: "4" });
      // vLLM's running and waiting gauges, of this track only.
      assert.match(t.metadata.query, /vllm:num_requests_running\{[^}]*track="/);
      assert.match(t.metadata.query, /vllm:num_requests_waiting\{[^}]*track="/);
      assert.ok(t.metadata.query.includes(`track="${c}"`) && !t.metadata.query.includes(`track="${c === "blue" ? "green" : "blue"}"`));
    }
  });

  it("bounds each ScaledObject by the capacity plan, with the sized-for annotation the HPA carries", () => {
    const plan = planCapacity(model, ROUTERS[model.router].capacity);
    for (const c of ["blue", "green"] as const) {
      const so = find(inFlight.objects, "ScaledObject", `fraud-${c}`);
      assert.equal(so.spec.minReplicaCount, plan[c].minReplicas);
      assert.equal(so.spec.maxReplicaCount, plan[c].maxReplicas);
      assert.equal(so.metadata.annotations?.[SIZED_FOR_ANNOTATION], String(plan[c].sizedFor));
      assert.deepEqual(so.spec, scaledObjectSpec(model, c, plan[c], { namespace: "ml", prometheusAddress: "http://prometheus-operated.monitoring.svc:9090" }));
    }
    // Stable blue at full size, candidate green sized for its next step (25%).
    assert.deepEqual([plan.blue.minReplicas, plan.blue.maxReplicas, plan.green.sizedFor], [2, 10, 25]);
  });

  it("renders ScaledObjects the upstream KEDA schema and the API server's name rules accept, within hpa-replica-bounds", async () => {
    for (const so of byKind(inFlight.objects, "ScaledObject")) {
      await validateObject(so);
      assert.deepEqual(apiServerProblems(so), []);
      assert.deepEqual(runPolicy("hpa-replica-bounds", so, { minReplicas: 2 }), []);
    }
    const stack = POLICIES.find((p) => p.name === "route-weights-valid") as StackValidationPolicy;
    const out: string[] = [];
    const resources = inFlight.resources.map((r) => ({ type: r.type, props: r.inputs, urn: r.urn, name: r.name }) as unknown as PolicyResource);
    (stack.validateStack as (args: any, report: (m: string) => void) => void)({ resources, getConfig: () => ({}) }, (m) => out.push(m));
    assert.deepEqual(out, []);
  });

  it("a promote changes only the route and the candidate's ScaledObject", async () => {
    const before = config(IN_FLIGHT);
    const state = applyCommand(modelState(modelOf(before)), { kind: "promote" });
    const after = config(IN_FLIGHT);
    for (const c of ["blue", "green"] as const) {
      const t = after.models[0].tracks[c];
      t.weight = state.tracks[c].weight;
      if (state.tracks[c].peakWeight !== undefined) t.peakWeight = state.tracks[c].peakWeight;
    }
    assert.deepEqual([after.models[0].tracks.blue.weight, after.models[0].tracks.green.weight], [75, 25]);
    const promoted = await render(after);
    const changed = touched(diffObjects(inFlight.objects, promoted.objects));
    const route = routeObjectsOf("fraud", promoted.objects).map(objectKey);
    assert.ok(route.length > 0);
    assert.deepEqual(changed.filter((k) => !route.includes(k)), ["ScaledObject ml/fraud-green"], `promote touched ${changed}`);
    assert.ok(changed.some((k) => route.includes(k)), `promote touched no route object: ${changed}`);
    const so = find(promoted.objects, "ScaledObject", "fraud-green");
    assert.deepEqual([so.spec.minReplicaCount, so.spec.maxReplicaCount, so.metadata.annotations?.[SIZED_FOR_ANNOTATION]], [1, 5, "50"], "sized for the step after 25%");
    assert.deepEqual(triggerOf(so), triggerOf(find(inFlight.objects, "ScaledObject", "fraud-green")), "the signal does not change with the weight");
  });

  it("gives a track without pods neither a ScaledObject nor an HPA", async () => {
    const c = config(IN_FLIGHT, { weight: 0 });
    c.models[0].idle = "cold";
    c.models[0].tracks.green.retired = true;
    const { objects } = await render(c);
    assert.deepEqual(scaledObjects(objects), ["fraud-blue"]);
    assert.deepEqual(hpas(objects), []);
    assert.equal(find(objects, "Deployment", "fraud-green").spec.replicas, 0);
  });

  it("requestsPerPod scales on the contract's request rate of the track", async () => {
    const c = config({ metric: "requestsPerPod", target: 25 });
    const { objects } = await render(c);
    const m = modelOf(c);
    assert.deepEqual(scaledObjects(objects), ["fraud-blue", "fraud-green"]);
    assert.deepEqual(hpas(objects), []);
    for (const colour of ["blue", "green"] as const) {
      const t = triggerOf(find(objects, "ScaledObject", `fraud-${colour}`));
      assert.equal(t.metadata.query, contractOf(m, "ml").requestRate(scalerWindow(m), BY_TRACK, trackMatcher(colour)));
      assert.equal(t.metadata.threshold, "25");
    }
    assert.equal(scalerWindow(m), "2m");
    assert.equal(scalerWindow({ monitoring: { ...m.monitoring, scrape: { ...m.monitoring.scrape, interval: "1m" } } }), "4m");
  });

  it("uses a custom {query, target} verbatim, and modelship:keda.prometheusAddress", async () => {
    const query = 'sum(rate(my_requests_total{namespace="ml",model="fraud"}[1m]))';
    const c = config({ metric: { query, target: 2.5 } });
    c.keda = { prometheusAddress: "https://thanos.observability.svc:10902" };
    const { objects } = await render(c);
    for (const colour of ["blue", "green"] as const) {
      const t = triggerOf(find(objects, "ScaledObject", `fraud-${colour}`));
      assert.deepEqual(t.metadata, { serverAddress: "https://thanos.observability.svc:10902", query, threshold: "2.5" });
    }
  });

  it("keeps HorizontalPodAutoscalers for metric cpu (the default) and memory", async () => {
    for (const autoscaling of [{}, { metric: "cpu" }, { metric: "memory", memoryUtilization: 80 }]) {
      const { objects } = await render(config(autoscaling));
      assert.deepEqual(scaledObjects(objects), [], JSON.stringify(autoscaling));
      assert.deepEqual(hpas(objects), ["fraud-blue", "fraud-green"], JSON.stringify(autoscaling));
      const signals = objects.find((o) => o.kind === "HorizontalPodAutoscaler")!.spec.metrics.map((m: any) => m.resource.name);
      assert.deepEqual(signals, (autoscaling as { metric?: string }).metric === "memory" ? ["memory"] : ["cpu"], "memory scales on memory alone");
    }
    assert.deepEqual(["cpu", "memory", "requestsPerPod", "inFlight", { query: "x", target: 1 }].map((m) => scalesWithKeda(m as never)), [false, false, true, true, true]);
  });

  it("rejects metric inFlight for a model whose preset has no in-flight signal, naming models[i].autoscaling.metric", async () => {
    for (const preset of ["kserve", "torchserve", "rayserve"]) {
      assert.equal(PRESETS[preset as keyof typeof PRESETS].inFlight, undefined);
      assert.throws(() => modelOf(config(IN_FLIGHT, { preset })), new RegExp(`modelship:models\\[0\\]\\.autoscaling\\.metric: monitoring preset "${preset}" has no in-flight requests signal`));
    }
    const custom = config(IN_FLIGHT, { preset: "custom" });
    custom.models[0].monitoring.custom = { requests: [{ metric: "my_requests_total" }] };
    assert.throws(() => modelOf(custom), /models\[0\]\.autoscaling\.metric: monitoring preset "custom" has no in-flight/);
    // The same config with requestsPerPod, or a query, is fine.
    modelOf(config({ metric: "requestsPerPod", target: 5 }, { preset: "kserve" }));
    await assert.rejects(render(config(IN_FLIGHT, { preset: "kserve" })), /autoscaling\.metric/);
  });

  it("the contract: inFlight sums a preset's gauges per track, is available only where a preset has it", () => {
    const scope = { namespace: "ml", model: "fraud" };
    const withIt = Object.values(PRESETS).filter((p) => p.inFlight).map((p) => p.name).sort();
    assert.deepEqual(withIt, ["bentoml", "mlserver", "modelship", "tgi", "triton", "vllm"]);
    for (const p of Object.values(PRESETS)) {
      const c = metricsContract(p, scope);
      assert.equal(c.available.has("inFlight"), !!p.inFlight, p.name);
      assert.equal(c.inFlight() === undefined, !p.inFlight, p.name);
      for (const m of p.inFlight?.metrics ?? []) assert.ok(c.metrics.includes(m), `${p.name}: ${m} in contract.metrics`);
    }
    assert.equal(metricsContract(PRESETS.modelship, scope).inFlight(), 'sum by (namespace, model, track) (model_requests_in_flight{namespace="ml",model="fraud"})');
    const vllm = metricsContract(PRESETS.vllm, scope).inFlight(BY_TRACK, 'track="green"')!;
    // Two gauges with the same labels: each is kept apart before `or`, so neither hides the other.
    assert.match(vllm, /^sum by \(namespace, model, track\) \(label_replace\(.*"modelship_part", "0".* or label_replace\(.*"modelship_part", "1"/);
  });

  it("claims ScaledObject names in the collision check of model objects", () => {
    const names = modelObjectNames("fraud").filter((o) => o.kind === "ScaledObject").map((o) => o.name);
    assert.deepEqual(names, ["fraud-blue", "fraud-green"]);
  });
});
