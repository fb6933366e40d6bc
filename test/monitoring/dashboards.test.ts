import assert from "node:assert/strict";
import * as fc from "fast-check";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as prometheus from "@grafana/grafana-foundation-sdk/prometheus";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import { parseFleetConfig, type ModelConfig } from "../../components/config";
import { TRACK_INFO_RECORD } from "../../components/monitoring/context";
import { metricsContract, type MetricsContract } from "../../components/monitoring/contract";
import {
  DASHBOARD_METRICS,
  dashboardAnnotations,
  dashboardPanels,
  dashboardPath,
  dashboardQueries,
  dashboardUid,
  fleetDashboard,
  fleetDashboardUid,
  grafanaSlug,
  modelDashboard,
} from "../../components/monitoring/dashboards";
import { PRESETS, presetFor, TGI_DURATION_BUCKETS, type PresetName } from "../../components/monitoring/presets";
import { rateOf } from "../../components/monitoring/promql";
import { LATENCY_QUANTILES, PREDICTION_WINDOWS, RECORD } from "../../components/monitoring/rules";
import { SLO_RECORD, SLO_WINDOWS } from "../../components/monitoring/slo";
import { ROUTE_WEIGHT_RECORD } from "../../components/monitoring/weights";
import { counter, evalExpr, gauge, type InputSeries, type Sample } from "./promtool";

type PromParser = (typeof import("@prometheus-io/lezer-promql", { with: { "resolution-mode": "import" } }))["parser"];
type SyntaxNode = ReturnType<PromParser["parse"]>["topNode"];
type Json = Record<string, any>;

const NAMESPACE = "ml";
const STACK = "staging";
const DATASOURCE = { type: "prometheus", uid: "${datasource}" };

/** A signal of every kind a custom preset can name, latency in another unit than seconds. */
const CUSTOM = {
  requests: [{ metric: "my_requests_total" }],
  errors: [{ metric: "my_requests_total", matchers: 'code="500"', labels: ["code"] }],
  latency: { histogram: "my_request_duration_milliseconds", unit: "milliseconds", buckets: [100, 250, 500, 1000, 2500] },
  predictions: { histogram: "my_prediction_values" },
  drift: { metric: "my_feature_psi" },
};

/** TGI's buckets have no 500 ms boundary: the SLO threshold its server preset sets (runtimes/tgi.ts). */
const TGI_SLO = { slo: { latency: { thresholdMs: TGI_DURATION_BUCKETS[30] * 1000 } } };
/** vLLM's first bucket is 0.3 s: the default 0.1 s median threshold would sit inside it. */
const VLLM_ALERTS = { alerts: { latencyP50Seconds: 0.5 } };

const track = (weight: number) => ({ version: "1.0.0", image: "registry.example.com/models/m:1.0.0", modelUri: "s3://models/m/1.0.0", weight });

/** One model through the real config parser, so every default is the one a stack file gets. */
function modelWith(preset: PresetName, gpu: number, name = `${preset}-model`, monitoring: Json = {}): ModelConfig {
  const raw = {
    environment: "staging",
    namespace: NAMESPACE,
    models: [{ name, stable: "blue", tracks: { blue: track(100), green: track(0) }, resources: { gpu }, monitoring: { preset, ...(preset === "custom" ? { custom: CUSTOM } : {}), ...(preset === "tgi" ? TGI_SLO : {}), ...(preset === "vllm" ? VLLM_ALERTS : {}), ...monitoring } }],
  };
  return parseFleetConfig(raw, "Pulumi.test.yaml").models[0];
}

const contractOf = (model: ModelConfig): MetricsContract => metricsContract(presetFor(model.monitoring), { namespace: NAMESPACE, model: model.name });

const PRESET_CASES: PresetName[] = [...(Object.keys(PRESETS) as PresetName[]), "custom"];

/** Each panel of the model dashboard, and when the preset and model should have it. */
const EXPECTED_PANELS: Record<string, (c: MetricsContract, m: ModelConfig) => boolean> = {
  "Version and role": () => true,
  "Scrape health": () => true,
  "Container restarts": () => true,
  "Request rate": (c) => c.available.has("requests"),
  // Weights are recorded by default (monitoring.recordWeights).
  "Configured weight vs observed traffic": (c) => c.available.has("requests"),
  "Error ratio": (c) => c.available.has("errors"),
  Latency: (c) => c.available.has("latency"),
  "Available replicas": () => true,
  "Autoscaler: desired vs current": () => true,
  "CPU saturation": () => true,
  "Memory saturation": () => true,
  "GPU memory": (_, m) => m.resources.gpu > 0,
  "GPU utilisation": (_, m) => m.resources.gpu > 0,
  "Prediction distribution": (c) => c.available.has("predictions"),
  "Feature drift (PSI)": (c) => c.available.has("drift"),
  "Availability budget burn": (c) => c.available.has("errors"),
  "Latency budget burn": (c) => c.available.has("latency"),
};
const ROWS = ["Tracks", "Traffic", "Errors & latency", "Capacity", "Model quality", "SLO"];

/** Series the rules record: queries may read them besides the contract's raw metrics. */
const RECORDED = new Set<string>([
  RECORD.requests,
  RECORD.errorRatio,
  RECORD.modelRequests,
  RECORD.latencyRequests,
  ...LATENCY_QUANTILES.map((q) => RECORD.latency(q)),
  ...PREDICTION_WINDOWS.map((w) => RECORD.predictionMean(w)),
  ...SLO_WINDOWS.flatMap((w) => [SLO_RECORD.errors(w), SLO_RECORD.slow(w)]),
  ROUTE_WEIGHT_RECORD,
  TRACK_INFO_RECORD,
]);

const isRow = (p: Json) => p.type === "row";
const panels = (d: Json): Json[] => dashboardPanels(d).filter((p) => !isRow(p));
const titles = (d: Json) => panels(d).map((p) => p.title as string);
const panel = (d: Json, title: string) => panels(d).find((p) => p.title === title);
const variable = (d: Json, name: string) => (d.templating.list as Json[]).find((v) => v.name === name);

/** The query Prometheus would receive with the dashboard's defaults (Grafana writes `$__range` in seconds). */
function substituteGrafanaVariables(expr: string, rateInterval = "5m"): string {
  return expr
    .replaceAll("$__rate_interval_ms", "300000")
    .replaceAll("$__interval_ms", "60000")
    .replaceAll("$__rate_interval", rateInterval)
    .replaceAll("$__range", "21600s")
    .replaceAll("${track}", "blue|green")
    .replaceAll("$track", "blue|green");
}

/** Every PromQL expression of a dashboard: its panels' and its annotations'. */
const allQueries = (d: Json): string[] => [...dashboardQueries(d), ...(dashboardAnnotations(d) as Json[]).map((a) => a.target.expr as string)];

function parsePromQL(parser: PromParser, expr: string): SyntaxNode {
  const tree = parser.parse(expr);
  const errors: number[] = [];
  tree.iterate({ enter: (n) => void (n.type.isError && errors.push(n.from)) });
  if (errors.length > 0) assert.fail(`PromQL syntax error at ${errors.map((at) => `${at} (…${expr.slice(at, at + 30)})`).join(", ")} in:\n${expr}`);
  return tree.topNode;
}

const unquote = (s: string): string => (s.startsWith('"') ? JSON.parse(s) : s.slice(1, -1));
const textOf = (expr: string, n: SyntaxNode | null): string => (n ? expr.slice(n.from, n.to) : "");

/** Metric names a query reads: selector identifiers, `__name__` matchers and bare `{"name"}`. */
function metricNames(expr: string, top: SyntaxNode): string[] {
  const names: string[] = [];
  top.toTree().iterate({
    enter: (ref) => {
      const n = ref.node;
      const parent = n.parent?.name;
      if (n.name === "Identifier" && parent === "VectorSelector") names.push(textOf(expr, n));
      if (n.name === "QuotedLabelName" && parent === "LabelMatchers") names.push(unquote(textOf(expr, n)));
      if (n.name === "UnquotedLabelMatcher" || n.name === "QuotedLabelMatcher") {
        const label = n.firstChild!;
        const value = n.getChild("StringLiteral");
        const labelName = label.name === "QuotedLabelName" ? unquote(textOf(expr, label)) : textOf(expr, label);
        if (labelName === "__name__" && value) names.push(unquote(textOf(expr, value)));
      }
    },
  });
  return names;
}

/** Every query parses and reads only metrics the contracts know or the rules record. */
function checkQueries(parser: PromParser, d: Json, contractMetrics: ReadonlySet<string>) {
  const known = new Set([...contractMetrics, ...DASHBOARD_METRICS]);
  const queries = allQueries(d);
  assert.ok(queries.length > 0, "no queries");
  const unknown = new Map<string, string>();
  for (const raw of queries) {
    assert.ok(!raw.includes("${datasource}"), `data source variable in a query: ${raw}`);
    const expr = substituteGrafanaVariables(raw);
    assert.doesNotMatch(expr, /\$(\{|[A-Za-z_])/, `unknown Grafana variable left in: ${raw}`);
    const names = metricNames(expr, parsePromQL(parser, expr));
    assert.ok(names.length > 0, `no metric found in: ${expr}`);
    for (const name of names) if (!known.has(name) && !RECORDED.has(name)) unknown.set(name, raw);
  }
  assert.deepEqual([...unknown].map(([name, q]) => `${name} in ${q}`), [], "metrics neither in the contract nor recorded");
}

/** Every panel and every query reads the dashboard's data source variable. */
function checkDatasources(d: Json) {
  for (const p of panels(d)) {
    assert.deepEqual(p.datasource, DATASOURCE, `panel "${p.title}"`);
    assert.ok(p.targets?.length > 0, `panel "${p.title}" has no queries`);
    for (const t of p.targets) assert.deepEqual(t.datasource, DATASOURCE, `a query of panel "${p.title}"`);
    const refIds = p.targets.map((t: Json) => t.refId);
    assert.equal(new Set(refIds).size, refIds.length, `refIds of panel "${p.title}": ${refIds}`);
  }
}

/** Every query follows the track picker, the per-track SLO burn panels and the deploy markers included. */
function checkTrackPicker(d: Json) {
  for (const q of allQueries(d)) assert.match(q, /track=~"\$track\|?"|-\(\$track\)/, `query ignores the track picker: ${q}`);
}

function checkVariables(d: Json) {
  const ds = variable(d, "datasource");
  assert.equal(ds?.type, "datasource");
  assert.equal(ds?.query, "prometheus");
  const track = variable(d, "track");
  assert.equal(track?.type, "custom");
  assert.equal(track.multi, true);
  assert.equal(track.includeAll, true);
  assert.deepEqual(String(track.query).split(",").map((v) => v.trim()), ["blue", "green"]);
  checkTrackPicker(d);
}

describe("dashboards", () => {
  let parser: PromParser;
  before(async () => {
    // lezer-promql is an ES module: only a dynamic import loads it from CommonJS.
    ({ parser } = await import("@prometheus-io/lezer-promql"));
  });

  describe("the PromQL checks themselves", () => {
    it("find metric names in selectors, __name__ matchers and quoted names", () => {
      const expr = 'sum(rate(foo_total{a="b"}[5m])) / on (a) group_left {__name__="bar"} + {"baz:qux"} * 2';
      assert.deepEqual(metricNames(expr, parsePromQL(parser, expr)).sort(), ["bar", "baz:qux", "foo_total"]);
    });

    it("reject a broken query", () => {
      assert.throws(() => parsePromQL(parser, "sum by (track (rate(foo[5m]))"), /PromQL syntax error/);
    });
  });

  for (const preset of PRESET_CASES) {
    for (const gpu of [0, 1]) {
      describe(`model dashboard: ${preset}, ${gpu ? "GPU" : "no GPU"}`, () => {
        const model = modelWith(preset, gpu);
        const contract = contractOf(model);
        const d = modelDashboard({ contract, model, stack: STACK });

        it("has a panel for each signal the preset has, and none for the others", () => {
          const expected = Object.keys(EXPECTED_PANELS).filter((t) => EXPECTED_PANELS[t](contract, model));
          assert.deepEqual([...titles(d)].sort(), expected.sort());
        });

        it("groups panels in rows, none of them empty", () => {
          const top = d.panels as Json[];
          const rows = top.filter(isRow);
          assert.ok(rows.length > 0);
          for (const r of rows) assert.ok(ROWS.includes(r.title), `unexpected row "${r.title}"`);
          top.forEach((p, i) => isRow(p) && assert.ok(top[i + 1] && !isRow(top[i + 1]), `row "${p.title}" has no panels`));
        });

        it("writes queries that parse and read only the contract's metrics or recorded series", () => {
          checkQueries(parser, d, new Set(contract.metrics));
        });

        it("reads the data source and track variables everywhere", () => {
          checkVariables(d);
          checkDatasources(d);
        });

        it("carries its identity and refresh settings", () => {
          assert.equal(d.title, `Model: ${model.name} (${STACK})`);
          assert.equal(d.uid, dashboardUid(model.name, STACK, NAMESPACE));
          assert.deepEqual(d.tags, ["modelship", model.name, STACK]);
          assert.equal(d.refresh, "30s");
          assert.deepEqual(d.time, { from: "now-6h", to: "now" });
          assert.deepEqual(JSON.parse(JSON.stringify(d)), d, "not plain data");
        });
      });
    }
  }

  describe("model dashboard details", () => {
    const dashboardOf = (preset: PresetName, gpu = 0, monitoring: Json = {}, recordedWeights = false) => {
      const model = modelWith(preset, gpu, `${preset}-model`, monitoring);
      return modelDashboard({ contract: contractOf(model), model, stack: STACK, recordedWeights });
    };

    it("leaves out what a server does not expose: Triton's latency, KServe's errors", () => {
      const triton = titles(dashboardOf("triton"));
      assert.ok(!triton.includes("Latency") && !triton.includes("Latency budget burn"), triton.join(", "));
      assert.ok(triton.includes("Error ratio"));
      const kserve = titles(dashboardOf("kserve"));
      assert.ok(!kserve.includes("Error ratio") && !kserve.includes("Availability budget burn"), kserve.join(", "));
      assert.ok(kserve.includes("Latency"));
    });

    it("shows p50, p95 and p99 per track", () => {
      const legends = panel(dashboardOf("modelship"), "Latency")!.targets.map((t: Json) => t.legendFormat);
      assert.deepEqual(legends, ["{{track}} p50", "{{track}} p95", "{{track}} p99"]);
    });

    it("shows each track's share of the model's requests, and the recorded weights only when recorded", () => {
      assert.equal(panel(dashboardOf("modelship"), "Configured weight vs observed traffic"), undefined);
      assert.equal(panel(dashboardOf("modelship"), "Observed traffic share")!.targets.length, 1);
      const [configured, observed] = panel(dashboardOf("modelship", 0, {}, true), "Configured weight vs observed traffic")!.targets.map((t: Json) => t.expr as string);
      assert.equal(configured, `${ROUTE_WEIGHT_RECORD}{namespace="ml",model="modelship-model",track=~"$track"}`);
      // The total is over both tracks, whatever the picker says.
      const total = rateOf([{ metric: "model_prediction_requests_total" }], { namespace: "ml", model: "modelship-model" }, "$__rate_interval", "namespace, model");
      assert.ok(!total.includes("$track"));
      assert.ok(observed.endsWith(`/ on (namespace, model) group_left () ${total} * 100`), observed);
    });

    it("asks Prometheus for heatmap buckets of the predictions and does not re-bucket them", () => {
      const heatmap = panel(dashboardOf("modelship"), "Prediction distribution")!;
      assert.equal(heatmap.type, "heatmap");
      assert.equal(heatmap.targets[0].format, "heatmap");
      assert.equal(heatmap.options.calculate, false);
    });

    it("divides the SLO ratios by the configured error budget, one series per window", () => {
      const d = dashboardOf("modelship", 0, { slo: { availability: 99.5, latency: { quantile: 0.95, thresholdMs: 250 } } });
      // Per track, as the burn alerts judge it.
      const own = 'namespace="ml",model="modelship-model",track=~"$track"';
      assert.deepEqual(panel(d, "Availability budget burn")!.targets.map((t: Json) => t.expr), [`${SLO_RECORD.errors("1h")}{${own}} / 0.005`, `${SLO_RECORD.errors("6h")}{${own}} / 0.005`]);
      assert.deepEqual(panel(d, "Latency budget burn")!.targets.map((t: Json) => t.expr), [`${SLO_RECORD.slow("1h")}{${own}} / 0.05`, `${SLO_RECORD.slow("6h")}{${own}} / 0.05`]);
      assert.deepEqual(panel(d, "Latency budget burn")!.targets.map((t: Json) => t.legendFormat), ["{{track}} 1h", "{{track}} 6h"]);
    });

    it("labels drift by the preset's feature label", () => {
      assert.equal(panel(dashboardOf("modelship"), "Feature drift (PSI)")!.targets[0].legendFormat, "{{track}} {{feature_name}}");
      assert.equal(panel(dashboardOf("custom"), "Feature drift (PSI)")!.targets[0].legendFormat, "{{track}} {{feature}}");
    });

    it("uses the units of each signal", () => {
      const d = dashboardOf("modelship", 1);
      const unit = (title: string) => panel(d, title)!.fieldConfig.defaults.unit;
      assert.equal(unit("Request rate"), "reqps");
      assert.equal(unit("Error ratio"), "percentunit");
      assert.equal(unit("Observed traffic share"), "percent");
      assert.equal(unit("Latency"), "s");
      assert.equal(unit("Available replicas"), "short");
      assert.equal(unit("GPU memory"), "percentunit");
    });
  });

  describe("tracks: version and role, scrape health, restarts, deploys", () => {
    const model = modelWith("modelship", 0, "fraud");
    const contract = contractOf(model);
    const d = modelDashboard({ contract, model, stack: STACK });
    const own = 'namespace="ml",model="fraud"';
    const exprs = (title: string): string[] => panel(d, title)!.targets.map((t: Json) => substituteGrafanaVariables(t.expr as string));

    it("tables each track's version and role from the track info record, with the route's weight", () => {
      const table = panel(d, "Version and role")!;
      assert.equal(table.type, "table");
      const [info, weight] = table.targets as Json[];
      assert.ok(info.expr.includes(`${TRACK_INFO_RECORD}{`) && weight.expr.includes(`${ROUTE_WEIGHT_RECORD}{`), `${info.expr}\n${weight.expr}`);
      for (const t of table.targets) assert.ok(t.instant && !t.range && t.format === "table", JSON.stringify(t));
      assert.deepEqual(table.transformations.map((x: Json) => x.id), ["merge", "organize"]);
      const organize = table.transformations[1].options;
      // The info value (always 1) is hidden; version and role come first, after the track.
      assert.equal(organize.excludeByName["Value #A"], true);
      assert.deepEqual(Object.keys(organize.indexByName).slice(0, 3), ["track", "version", "role"]);
      const weightColumn = table.fieldConfig.overrides.find((o: Json) => o.matcher.options === "Value #B");
      assert.deepEqual(weightColumn.properties, [{ id: "displayName", value: "Weight" }, { id: "unit", value: "percent" }]);
      // Without recorded weights: the info query alone, whose value Grafana names `Value`.
      const bare = panel(modelDashboard({ contract, model, stack: STACK, recordedWeights: false }), "Version and role")!;
      assert.equal(bare.targets.length, 1);
      assert.equal(bare.transformations[1].options.excludeByName.Value, true);
    });

    it("joins info and weight rows: both queries drop the metric name and keep track and role", () => {
      const series: InputSeries[] = [
        { series: `${TRACK_INFO_RECORD}{${own},track="blue",version="1.0.0",role="stable"}`, values: gauge([1, 1, 1]) },
        { series: `${TRACK_INFO_RECORD}{${own},track="green",version="1.1.0",role="candidate"}`, values: gauge([1, 1, 1]) },
        { series: `${ROUTE_WEIGHT_RECORD}{${own},track="blue",role="stable"}`, values: gauge([90, 90, 90]) },
        { series: `${ROUTE_WEIGHT_RECORD}{${own},track="green",role="candidate"}`, values: gauge([10, 10, 10]) },
      ];
      const [info, weight] = exprs("Version and role").map((expr: string) => byTrack(evalExpr({ series, expr, minute: 2 })));
      assert.deepEqual(info.blue, { labels: { namespace: "ml", model: "fraud", track: "blue", version: "1.0.0", role: "stable" }, value: 1 });
      assert.deepEqual(info.green.labels, { namespace: "ml", model: "fraud", track: "green", version: "1.1.0", role: "candidate" });
      assert.deepEqual(weight.green, { labels: { namespace: "ml", model: "fraud", track: "green", role: "candidate" }, value: 10 });
      assert.equal(weight.blue.value, 90);
    });

    it("compares ready pods with scraped targets: 3 ready and 2 scraped is 1 not scraped", () => {
      const pod = (track: string, i: number) => `fraud-${track}-5d8f7c9b6-pod${i}`;
      const ready = (track: string, i: number): InputSeries => ({ series: `kube_pod_status_ready{namespace="ml",pod="${pod(track, i)}",condition="true",job="kube-state-metrics"}`, values: gauge([1, 1, 1]) });
      const up = (track: string, i: number, value = 1): InputSeries => ({ series: `up{${own},track="${track}",pod="${pod(track, i)}",version="1.0.0"}`, values: gauge([value, value, value]) });
      const series = [
        // blue: 3 ready pods, 2 scraped, the third's scrape fails.
        ...[0, 1, 2].map((i) => ready("blue", i)),
        up("blue", 0),
        up("blue", 1),
        up("blue", 2, 0),
        // green: 1 ready pod, 2 scraped (one still starting): never below 0.
        ready("green", 0),
        { series: `kube_pod_status_ready{namespace="ml",pod="${pod("green", 1)}",condition="true"}`, values: gauge([0, 0, 0]) },
        up("green", 0),
        up("green", 1),
        // Another model's pods in the namespace are not this model's.
        { series: `kube_pod_status_ready{namespace="ml",pod="fraud-x-blue-1-2",condition="true"}`, values: gauge([1, 1, 1]) },
      ];
      const [readyPods, scraped, missing] = exprs("Scrape health").map((expr: string) => byTrack(evalExpr({ series, expr, minute: 2 })));
      assert.deepEqual(values(readyPods), { blue: 3, green: 1 });
      assert.deepEqual(values(scraped), { blue: 2, green: 2 });
      assert.deepEqual(values(missing), { blue: 1, green: 0 });
      assert.deepEqual(missing.blue.labels, { namespace: "ml", model: "fraud", track: "blue" });
      // A track whose pods are never discovered has no `up` at all: all its ready pods are missing.
      const undiscovered = series.filter((x) => !x.series.startsWith("up{"));
      assert.deepEqual(values(byTrack(evalExpr({ series: undiscovered, expr: exprs("Scrape health")[2], minute: 2 }))), { blue: 3, green: 1 });
    });

    it("counts each track's container restarts over the dashboard's range", () => {
      const restarts = (track: string, container: string, increments: number[]): InputSeries => ({
        series: `kube_pod_container_status_restarts_total{namespace="ml",pod="fraud-${track}-5d8f7c9b6-a1b2c",container="${container}"}`,
        values: counter(increments),
      });
      const minutes = 400;
      const inc = (at: number[], n = minutes) => Array.from({ length: n }, (_, m) => (at.includes(m) ? 1 : 0));
      const series = [restarts("blue", "model-server", inc([200, 300])), restarts("blue", "istio-proxy", inc([350])), restarts("green", "model-server", inc([]))];
      const [expr] = exprs("Container restarts");
      assert.match(panel(d, "Container restarts")!.targets[0].expr, /\[\$__range\]/);
      const got = values(byTrack(evalExpr({ series, expr, minute: minutes })));
      // increase() extrapolates a little at the window's edge; the stat shows whole numbers.
      assert.ok(Math.abs(got.blue - 3) < 0.1, JSON.stringify(got));
      assert.equal(got.green, 0);
      assert.equal(panel(d, "Container restarts")!.fieldConfig.defaults.decimals, 0);
    });

    it("marks a deploy where a (track, version) pair first appears, and nowhere else", () => {
      const [annotation] = dashboardAnnotations(d) as Json[];
      assert.equal(annotation.name, "Deploys");
      assert.deepEqual(annotation.datasource, DATASOURCE);
      assert.equal(annotation.expr, annotation.target.expr);
      assert.equal(annotation.tagKeys, "track,version");
      // blue runs 1.0.0 throughout; green gets 1.1.0 at minute 20, blue 1.2.0 at minute 40.
      const target = (track: string, version: string, from: number, to = 60) => ({
        series: `up{${own},track="${track}",version="${version}",pod="fraud-${track}-${version.replace(/\./g, "")}-x"}`,
        values: Array.from({ length: 61 }, (_, m) => (m >= from && m <= to ? "1" : "_")).join(" "),
      });
      const series = [target("blue", "1.0.0", 0, 45), target("green", "1.1.0", 20), target("blue", "1.2.0", 40)];
      const expr = substituteGrafanaVariables(annotation.target.expr, "2m");
      const at = (minute: number) => evalExpr({ series, expr, minute }).map((x) => `${x.labels.track} ${x.labels.version} ${x.value}`);
      assert.deepEqual(at(21), ["green 1.1.0 1"]);
      assert.deepEqual(at(41), ["blue 1.2.0 1"]);
      for (const quiet of [10, 25, 30, 46, 55]) assert.deepEqual(at(quiet), [], `minute ${quiet}`);
    });
  });

  describe("latency at the histogram's top bucket", () => {
    const latencyOf = (preset: PresetName, buckets?: number[]) => {
      const model = modelWith(preset, 0);
      const def = presetFor(model.monitoring);
      const contract = metricsContract(buckets ? { ...def, latency: { ...def.latency!, buckets } } : def, { namespace: NAMESPACE, model: model.name });
      return { contract, latency: panel(modelDashboard({ contract, model, stack: STACK }), "Latency")! };
    };

    it("reads a quantile at the top bucket as \"≥ <top bucket>\", from the preset's buckets", () => {
      const { contract, latency } = latencyOf("modelship");
      assert.equal(contract.latencyTopSeconds, PRESETS.modelship.latency!.buckets!.at(-1));
      const [mapping] = latency.fieldConfig.defaults.mappings;
      assert.equal(mapping.type, "range");
      assert.equal(mapping.options.result.text, `≥ ${contract.latencyTopSeconds} s`);
      assert.ok(mapping.options.from <= contract.latencyTopSeconds! && mapping.options.from > contract.latencyTopSeconds! * 0.999999);
      assert.ok(Number.isFinite(mapping.options.to) && mapping.options.to >= Number.MAX_VALUE);
      assert.match(latency.description, /≥ 5 s/);
    });

    it("converts a histogram in milliseconds: Ray Serve's top bucket, 600000 ms, reads ≥ 600 s", () => {
      const { latency } = latencyOf("rayserve");
      assert.equal(latency.fieldConfig.defaults.mappings[0].options.result.text, "≥ 600 s");
    });

    it("has no mapping when the preset declares no buckets", () => {
      const { contract, latency } = latencyOf("modelship", []);
      assert.equal(contract.latencyTopSeconds, undefined);
      assert.equal(latency.fieldConfig.defaults.mappings, undefined);
      assert.doesNotMatch(latency.description, /≥/);
    });

    it("catches what Prometheus returns when every request is slower than the top bucket", () => {
      for (const preset of ["modelship", "rayserve"] as const) {
        const { contract, latency } = latencyOf(preset);
        const def = PRESETS[preset].latency!;
        // Every request lands in +Inf: histogram_quantile returns the top finite bound.
        const bucket = (le: string) => ({ series: `${def.name}_bucket{namespace="ml",model="${preset}-model",track="blue",le="${le}"}`, values: counter(Array(10).fill(le === "+Inf" ? 60 : 0)) });
        const series = [...def.buckets!.map((b: number) => bucket(String(b))), bucket("+Inf")];
        const [p99] = latency.targets.slice(-1).map((t: Json) => substituteGrafanaVariables(t.expr as string));
        const [got] = evalExpr({ series, expr: p99, minute: 10 });
        const { from, to } = latency.fieldConfig.defaults.mappings[0].options;
        assert.ok(got.value >= from && got.value <= to, `${preset}: ${got.value} outside [${from}, ${to}] (top ${contract.latencyTopSeconds})`);
      }
    });
  });

  describe("fleet dashboard", () => {
    const models = PRESET_CASES.map((p, i) => modelWith(p, i % 2));
    const args = models.map((model) => ({ model, contract: contractOf(model) }));
    const d = fleetDashboard({ models: args, stack: STACK, namespace: NAMESPACE });
    const table = panel(d, "Every model")!;
    const column = (header: string) => {
      const i = table.fieldConfig.overrides.findIndex((o: Json) => o.properties.some((p: Json) => p.id === "displayName" && p.value === header));
      return i < 0 ? undefined : { expr: table.targets[i + 1].expr as string, override: table.fieldConfig.overrides[i] };
    };

    it("carries the stack in its uid and title", () => {
      assert.equal(d.uid, fleetDashboardUid(STACK, NAMESPACE));
      assert.equal(d.title, `modelship fleet (${STACK})`);
      assert.deepEqual(titles(d).sort(), ["Error ratio", "Every model", "Request rate"]);
    });

    it("tables every model's tracks: version, role, weight, request rate, error ratio and firing alerts", () => {
      assert.deepEqual(Object.keys(table.transformations[1].options.indexByName).slice(0, 5), ["namespace", "model", "track", "version", "role"]);
      assert.ok(table.targets[0].expr.includes(`${TRACK_INFO_RECORD}{`));
      assert.ok(column("Weight")!.expr.includes(`${ROUTE_WEIGHT_RECORD}{`));
      assert.ok(column("Requests")!.expr.includes(`${RECORD.requests}{`));
      assert.ok(column("Error ratio")!.expr.includes(`${RECORD.errorRatio}{`));
      assert.match(column("Firing alerts")!.expr, /ALERTS\{alertstate="firing",/);
      // One query per column, whatever the number of models.
      assert.equal(table.targets.length, 5);
      for (const title of ["Request rate", "Error ratio"]) assert.equal(panel(d, title)!.targets.length, 1);
      assert.match(panel(d, "Request rate")!.targets[0].expr, /^sum by \(namespace, model, track\) \(model_track:modelship_requests:rate5m\{namespace=~"[^"]+",track=~"\$track"\}\)$/);
      for (const p of panels(d).filter((x) => x.type !== "table")) for (const t of p.targets) assert.match(t.legendFormat, /\{\{model\}\}/);
      const unweighted = panel(fleetDashboard({ models: args, stack: STACK, recordedWeights: false }), "Every model")!;
      assert.ok(!unweighted.targets.some((t: Json) => t.expr.includes(ROUTE_WEIGHT_RECORD)));
    });

    it("counts firing alerts per model and track, 0 where none fires, model-wide alerts under an empty track", () => {
      const own = (track: string) => `namespace="ml",model="fraud",track="${track}"`;
      const series: InputSeries[] = [
        { series: `${TRACK_INFO_RECORD}{${own("blue")},version="1.0.0",role="stable"}`, values: gauge([1, 1]) },
        { series: `${ROUTE_WEIGHT_RECORD}{${own("green")},role="idle"}`, values: gauge([0, 0]) },
        { series: `ALERTS{alertname="ModelErrorRatioHigh",alertstate="firing",${own("blue")},severity="warning"}`, values: gauge([1, 1]) },
        { series: `ALERTS{alertname="ModelLatencyP99High",alertstate="firing",${own("blue")},severity="warning"}`, values: gauge([1, 1]) },
        { series: `ALERTS{alertname="ModelTrackErrorRatioDivergence",alertstate="pending",${own("green")},severity="warning"}`, values: gauge([1, 1]) },
        { series: `ALERTS{alertname="ModelSignalAbsent",alertstate="firing",namespace="ml",model="fraud",signal="requests"}`, values: gauge([1, 1]) },
        { series: `ALERTS{alertname="Other",alertstate="firing",namespace="other",model="fraud",track="blue"}`, values: gauge([1, 1]) },
      ];
      const got = evalExpr({ series, expr: substituteGrafanaVariables(column("Firing alerts")!.expr), minute: 1 });
      assert.deepEqual(Object.fromEntries(got.map((x) => [x.labels.track ?? "", x.value])), { blue: 2, green: 0, "": 1 });
      assert.ok(got.every((x) => x.labels.model === "fraud" && x.labels.namespace === "ml"));
    });

    it("writes queries that parse and read only the contracts' metrics or recorded series", () => {
      checkQueries(parser, d, new Set(args.flatMap((a) => a.contract.metrics)));
    });

    it("reads the data source and track variables everywhere", () => {
      checkVariables(d);
      checkDatasources(d);
    });

    it("stays the same size however many models the stack has: 200 fit one ConfigMap with room to spare", () => {
      const fleetOf = (n: number) => {
        const many = Array.from({ length: n }, (_, i) => modelWith(PRESET_CASES[i % PRESET_CASES.length], i % 2, `m${i}`.padEnd(45, "x")));
        return JSON.stringify(fleetDashboard({ models: many.map((model) => ({ model, contract: contractOf(model) })), stack: STACK, namespace: NAMESPACE }));
      };
      const [few, fleet] = [fleetOf(3), fleetOf(200)];
      assert.equal(fleet.length, few.length);
      assert.ok(fleet.length < 64 * 1024, `${fleet.length} bytes`);
    });
  });

  describe("dashboard identity", () => {
    const valid = (uid: string) => assert.match(uid, /^[A-Za-z0-9_-]{1,40}$/, uid);

    it("gives a model's dashboard a readable uid of at most 40 characters that differs between stacks", () => {
      const staging = dashboardUid("fraud", "staging", "ml");
      const production = dashboardUid("fraud", "production", "ml");
      assert.notEqual(staging, production);
      assert.match(staging, /^fraud-staging-[0-9a-f]{10}$/);
      for (const uid of [staging, production, dashboardUid("a".repeat(45), "production-eu-west-1.blue", "n".repeat(63))]) valid(uid);
      // Same stack name, another project's namespace: still apart.
      assert.notEqual(dashboardUid("fraud", "production", "ml"), dashboardUid("fraud", "production", "ml-b"));
      assert.notEqual(fleetDashboardUid("staging", "ml"), fleetDashboardUid("production", "ml"));
      assert.notEqual(fleetDashboardUid("staging", "ml"), dashboardUid("fleet", "staging", "ml"));
      valid(fleetDashboardUid("s".repeat(60), "ml"));
    });

    it("never lets two stacks, namespaces or models share a uid, however long or alike their names (property)", () => {
      const dnsLabel = (max: number) => fc.stringMatching(/^[a-z]([-a-z0-9]*[a-z0-9])?$/).filter((x) => x.length <= max);
      const stack = fc.stringMatching(/^[A-Za-z0-9_.-]{1,60}$/);
      const id = fc.tuple(dnsLabel(45), stack, dnsLabel(63));
      fc.assert(
        fc.property(id, id, ([m1, s1, n1], [m2, s2, n2]) => {
          const [a, b] = [dashboardUid(m1, s1, n1), dashboardUid(m2, s2, n2)];
          valid(a);
          valid(b);
          assert.equal(a === b, m1 === m2 && s1 === s2 && n1 === n2, `${a} ${b}`);
        }),
        { seed: 17, numRuns: 500 },
      );
      // Names cut to the same head still differ.
      const long = "m".repeat(40);
      assert.notEqual(dashboardUid(`${long}a`, "production"), dashboardUid(`${long}b`, "production"));
    });

    it("links to Grafana's path of the dashboard, /d/<uid>/<slug of its title>", () => {
      const home = { stack: "production", namespace: "ml" };
      assert.equal(dashboardPath("fraud", home), `/d/${dashboardUid("fraud", "production", "ml")}/model-fraud-production`);
      assert.equal(dashboardPath({ name: "fraud" }, home), dashboardPath("fraud", home));
      assert.equal(modelDashboard({ ...(() => { const model = modelWith("modelship", 0, "fraud"); return { model, contract: contractOf(model) }; })(), stack: "production" }).title, "Model: fraud (production)");
    });

    it("slugs titles as Grafana's slugify does", () => {
      // Cases from grafana/grafana pkg/infra/slugify/slugify_test.go, and titles of ours.
      assert.equal(grafanaSlug("Hello, playground"), "hello-playground");
      assert.equal(grafanaSlug("Hello & //% playground"), "hello-and-playground");
      assert.equal(grafanaSlug("?,a . \n "), "a");
      assert.equal(grafanaSlug("Model: fraud-detector (prod.eu_1)"), "model-fraud-detector-prod-eu-1");
      assert.equal(grafanaSlug("modelship fleet (staging)"), "modelship-fleet-staging");
    });
  });

  describe("dashboardQueries", () => {
    it("finds queries inside collapsed rows", () => {
      const row = new dashboard.RowBuilder("collapsed").withPanel(new timeseries.PanelBuilder().withTarget(new prometheus.DataqueryBuilder().expr("up")));
      const built = JSON.parse(JSON.stringify(new dashboard.DashboardBuilder("t").withRow(row).build()));
      assert.deepEqual(dashboardQueries(built), ["up"]);
    });
  });
});

/** Samples keyed by their track. */
function byTrack(samples: readonly Sample[]): Record<string, Sample> {
  return Object.fromEntries(samples.map((x) => [x.labels.track, x]));
}

const values = (samples: Record<string, Sample>) => Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, v.value]));
