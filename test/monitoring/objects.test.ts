import { strict as assert } from "assert";
import { PRESET_NAMES, RECORD } from "../../components/monitoring";
import { TGI_DURATION_BUCKETS } from "../../components/monitoring/presets";
import { dashboardPath, dashboardUid } from "../../components/monitoring/dashboards";
import { synthesize, type SynthResult } from "../../stacks/render/synth";
import { validateObject } from "../kube-schemas";
import { byKind, clone, find, fixtureConfig, STACKS, synthFixture, tempProject } from "../helpers";
import { checkRules } from "./promtool";

const CUSTOM = {
  requests: [{ metric: "fraud_requests_total" }],
  errors: [{ metric: "fraud_requests_total", matchers: 'code=~"5.."', labels: ["code"] }],
  latency: { histogram: "fraud_latency_ms", unit: "milliseconds", buckets: [50, 100, 250, 500, 1000, 2500, 5000] },
};
/** TGI's buckets have no 500 ms boundary: the SLO threshold its server preset sets (runtimes/tgi.ts). */
const TGI_SLO = { slo: { latency: { thresholdMs: TGI_DURATION_BUCKETS[30] * 1000 } } };
/** vLLM's first bucket is 0.3 s: the default 0.1 s median threshold would sit inside it. */
const VLLM_ALERTS = { alerts: { latencyP50Seconds: 0.5 } };

/** The staging fleet with its first model on the given preset (and scrape kind). */
function withPreset(preset: string, kind = "ServiceMonitor"): Record<string, any> {
  const c = clone(fixtureConfig("staging"));
  c.models[0].monitoring = { preset, scrape: { kind }, ...(preset === "custom" ? { custom: CUSTOM } : {}), ...(preset === "tgi" ? TGI_SLO : {}), ...(preset === "vllm" ? VLLM_ALERTS : {}) };
  return c;
}

const rulesOf = (r: SynthResult, name: string) => find(r.objects, "PrometheusRule", name).spec.groups as { name: string; rules: any[] }[];
const alertsOf = (r: SynthResult, name: string) => rulesOf(r, name).flatMap((g) => g.rules.filter((x) => x.alert).map((x) => x.alert as string));

describe("monitoring objects", function () {
  this.timeout(300_000);

  for (const stack of STACKS) {
    it(`${stack}: every PrometheusRule passes promtool check rules`, async () => {
      const r = await synthFixture(stack);
      const rules = byKind(r.objects, "PrometheusRule");
      // The model's rules, and the route's weight record (monitoring.recordWeights, on by default).
      assert.equal(rules.length, 2 * fixtureConfig(stack).models.length);
      checkRules(rules.flatMap((o) => o.spec.groups));
    });

    it(`${stack}: every model has a scrape monitor, rules and a dashboard ConfigMap for Grafana`, async () => {
      const r = await synthFixture(stack);
      for (const m of fixtureConfig(stack).models) {
        const monitor = find(r.objects, "ServiceMonitor", m.name);
        assert.equal(monitor.metadata.labels?.release, "kube-prometheus-stack");
        const relabeled = monitor.spec.endpoints[0].relabelings.map((x: any) => x.targetLabel);
        assert.deepEqual(relabeled, ["model", "track", "version"]);
        assert.equal(find(r.objects, "PrometheusRule", m.name).metadata.labels?.release, "kube-prometheus-stack");
        const cm = find(r.objects, "ConfigMap", `${m.name}-dashboard`);
        assert.equal(cm.metadata.labels?.grafana_dashboard, "1");
        assert.equal(cm.metadata.annotations?.grafana_folder, "ML models");
        assert.equal(JSON.parse(cm.data[`${m.name}.json`]).uid, dashboardUid(m.name, stack, fixtureConfig(stack).namespace));
      }
      assert.ok(JSON.parse(find(r.objects, "ConfigMap", "modelship-fleet-dashboard").data["modelship-fleet.json"]).panels.length > 0);
    });

    it(`${stack}: records each track's configured weight with the route, unless told not to`, async () => {
      const off = clone(fixtureConfig(stack));
      off.monitoring = { recordWeights: false };
      assert.equal(byKind((await synthesize(tempProject(stack, off), stack)).objects, "PrometheusRule").filter((o) => o.metadata.name.endsWith("-route-weights")).length, 0);
      const c = clone(fixtureConfig(stack));
      const r = await synthesize(tempProject(stack, c), stack);
      for (const m of fixtureConfig(stack).models) {
        const rule = find(r.objects, "PrometheusRule", `${m.name}-route-weights`);
        assert.equal(rule.metadata.labels?.["app.kubernetes.io/component"], "route");
        const recorded = Object.fromEntries(rule.spec.groups[0].rules.map((x: any) => [x.labels.track, x.expr]));
        assert.deepEqual(recorded, { blue: `vector(${m.tracks.blue.weight})`, green: `vector(${m.tracks.green.weight})` });
      }
    });
  }

  for (const preset of PRESET_NAMES) {
    it(`${preset}: rules pass promtool and objects validate, with a ${preset === "vllm" ? "PodMonitor" : "ServiceMonitor"}`, async () => {
      const kind = preset === "vllm" ? "PodMonitor" : "ServiceMonitor";
      const r = await synthesize(tempProject("staging", withPreset(preset, kind)), "staging");
      checkRules(rulesOf(r, "fraud-detector"));
      const monitoring = r.objects.filter((o) => o.metadata.labels?.["app.kubernetes.io/component"] === "monitoring" || o.kind === "PrometheusRule");
      for (const o of monitoring) await validateObject(o);
      assert.equal(byKind(r.objects, kind).filter((o) => o.metadata.name === "fraud-detector").length, 1);
    });
  }

  it("omits the rules of signals a preset cannot provide, never emitting them broken", async () => {
    const triton = await synthesize(tempProject("staging", withPreset("triton")), "staging");
    const tritonAlerts = alertsOf(triton, "fraud-detector");
    assert.ok(tritonAlerts.includes("ModelErrorRatioHigh"));
    assert.ok(!tritonAlerts.some((a) => /Latency/.test(a)), "triton has no latency histogram");
    assert.ok(!rulesOf(triton, "fraud-detector").some((g) => g.rules.some((x) => x.record === RECORD.latency(0.99))));

    const kserve = await synthesize(tempProject("staging", withPreset("kserve")), "staging");
    const kserveAlerts = alertsOf(kserve, "fraud-detector");
    assert.ok(kserveAlerts.includes("ModelLatencyP99High"));
    assert.ok(!kserveAlerts.some((a) => /ErrorRatio|Availability/.test(a)), "kserve counts no errors");

    const modelship = alertsOf(await synthFixture("staging"), "fraud-detector");
    assert.ok(!modelship.includes("ModelStale"), "ModelStale is off unless a maximum model age is configured");
    for (const a of ["ModelNotLoaded", "ModelFeatureDrift", "ModelPredictionShift", "ModelAvailabilityBudgetBurn", "ModelLatencyBudgetBurn"]) {
      assert.ok(modelship.includes(a), `modelship preset lacks ${a}`);
    }
  });

  it("scrapes a server's own metrics port and lets only Prometheus reach it", async () => {
    const r = await synthesize(tempProject("staging", withPreset("triton")), "staging");
    const container = find(r.objects, "Deployment", "fraud-detector-blue").spec.template.spec.containers[0];
    assert.deepEqual(container.ports.map((p: any) => [p.name, p.containerPort]), [["http", 8080], ["metrics", 8002]]);
    assert.ok(find(r.objects, "Service", "fraud-detector-blue").spec.ports.some((p: any) => p.name === "metrics" && p.port === 8002));
    assert.equal(find(r.objects, "ServiceMonitor", "fraud-detector").spec.endpoints[0].port, "metrics");
    const [callers, prometheus] = find(r.objects, "NetworkPolicy", "fraud-detector").spec.ingress;
    assert.deepEqual(callers.ports, [{ protocol: "TCP", port: 8080 }]);
    assert.deepEqual(prometheus.ports, [{ protocol: "TCP", port: 8002 }]);
  });

  it("can be turned off for a stack", async () => {
    const c = clone(fixtureConfig("staging"));
    c.monitoring = { enabled: false };
    const r = await synthesize(tempProject("staging", c), "staging");
    assert.equal(byKind(r.objects, "PrometheusRule").length + byKind(r.objects, "ServiceMonitor").length + byKind(r.objects, "ConfigMap").length, 0);
  });

  it("links alerts to runbooks and, when Grafana's URL is known, to the model's dashboard", async () => {
    const c = clone(fixtureConfig("staging"));
    c.monitoring = { runbookBaseUrl: "https://wiki.example.com/ml/runbooks", grafanaUrl: "https://grafana.example.com/" };
    const r = await synthesize(tempProject("staging", c), "staging");
    const alert = rulesOf(r, "fraud-detector").flatMap((g) => g.rules).find((x) => x.alert === "ModelErrorRatioHigh");
    assert.equal(alert.annotations.runbook_url, "https://wiki.example.com/ml/runbooks#modelerrorratiohigh");
    assert.equal(alert.annotations.dashboard_url, `https://grafana.example.com${dashboardPath("fraud-detector", { stack: "staging", namespace: fixtureConfig("staging").namespace })}?var-track={{ $labels.track }}`);
  });
});
