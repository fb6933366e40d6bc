import assert from "node:assert/strict";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as prometheus from "@grafana/grafana-foundation-sdk/prometheus";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import { parseFleetConfig, type ModelConfig } from "../../components/config";
import { metricsContract, type MetricsContract } from "../../components/monitoring/contract";
import { dashboardPanels, dashboardQueries, dashboardUid, fleetDashboard, modelDashboard } from "../../components/monitoring/dashboards";
import { PRESETS, presetFor, type PresetName } from "../../components/monitoring/presets";
import { rateOf } from "../../components/monitoring/promql";
import { LATENCY_QUANTILES, PREDICTION_WINDOWS, RECORD } from "../../components/monitoring/rules";
import { SLO_RECORD, SLO_WINDOWS } from "../../components/monitoring/slo";
import { ROUTE_WEIGHT_RECORD } from "../../components/monitoring/weights";

type PromParser = (typeof import("@prometheus-io/lezer-promql", { with: { "resolution-mode": "import" } }))["parser"];
type SyntaxNode = ReturnType<PromParser["parse"]>["topNode"];
type Json = Record<string, any>;

const NAMESPACE = "ml";
const DATASOURCE = { type: "prometheus", uid: "${datasource}" };

/** A signal of every kind a custom preset can name, latency in another unit than seconds. */
const CUSTOM = {
  requests: [{ metric: "my_requests_total" }],
  errors: [{ metric: "my_requests_total", matchers: 'code="500"' }],
  latency: { histogram: "my_request_duration_milliseconds", unit: "milliseconds" },
  predictions: { histogram: "my_prediction_values" },
  drift: { metric: "my_feature_psi" },
};

const track = (weight: number) => ({ version: "1.0.0", image: "registry.example.com/models/m:1.0.0", modelUri: "s3://models/m/1.0.0", weight });

/** One model through the real config parser, so every default is the one a stack file gets. */
function modelWith(preset: PresetName, gpu: number, name = `${preset}-model`, monitoring: Json = {}): ModelConfig {
  const raw = {
    environment: "staging",
    namespace: NAMESPACE,
    models: [{ name, stable: "blue", tracks: { blue: track(100), green: track(0) }, resources: { gpu }, monitoring: { preset, ...(preset === "custom" ? { custom: CUSTOM } : {}), ...monitoring } }],
  };
  return parseFleetConfig(raw, "Pulumi.test.yaml").models[0];
}

const contractOf = (model: ModelConfig): MetricsContract => metricsContract(presetFor(model.monitoring), { namespace: NAMESPACE, model: model.name });

const PRESET_CASES: PresetName[] = [...(Object.keys(PRESETS) as PresetName[]), "custom"];

/** Each panel of the model dashboard, and when the preset and model should have it. */
const EXPECTED_PANELS: Record<string, (c: MetricsContract, m: ModelConfig) => boolean> = {
  "Request rate": (c) => c.available.has("requests"),
  "Observed traffic share": (c) => c.available.has("requests"),
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
const ROWS = ["Traffic", "Errors & latency", "Capacity", "Model quality", "SLO"];

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
]);

const isRow = (p: Json) => p.type === "row";
const panels = (d: Json): Json[] => dashboardPanels(d).filter((p) => !isRow(p));
const titles = (d: Json) => panels(d).map((p) => p.title as string);
const panel = (d: Json, title: string) => panels(d).find((p) => p.title === title);
const variable = (d: Json, name: string) => (d.templating.list as Json[]).find((v) => v.name === name);

/** The query Prometheus would receive with the dashboard's defaults. */
function substituteGrafanaVariables(expr: string): string {
  return expr.replaceAll("$__rate_interval_ms", "300000").replaceAll("$__interval_ms", "60000").replaceAll("$__rate_interval", "5m").replaceAll("${track}", "blue|green").replaceAll("$track", "blue|green");
}

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
function checkQueries(parser: PromParser, d: Json, known: ReadonlySet<string>) {
  const queries = dashboardQueries(d);
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

/** Only the SLO panels, which are per model, may ignore the track picker. */
function checkTrackPicker(d: Json) {
  const perModel = new RegExp(SLO_WINDOWS.flatMap((w) => [SLO_RECORD.errors(w), SLO_RECORD.slow(w)]).join("|"));
  for (const q of dashboardQueries(d)) {
    if (!perModel.test(q)) assert.match(q, /track=~"\$track"|-\(\$track\)/, `query ignores the track picker: ${q}`);
  }
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
        const d = modelDashboard({ contract, model });

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
          assert.equal(d.title, `Model: ${model.name}`);
          assert.equal(d.uid, dashboardUid(model.name));
          assert.deepEqual(d.tags, ["modelship", model.name]);
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
      return modelDashboard({ contract: contractOf(model), model, recordedWeights });
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
      const d = dashboardOf("modelship", 0, { slo: { availability: 99.5, latency: { quantile: 0.95, thresholdMs: 300 } } });
      assert.deepEqual(panel(d, "Availability budget burn")!.targets.map((t: Json) => t.expr), [
        `${SLO_RECORD.errors("1h")}{namespace="ml",model="modelship-model"} / 0.005`,
        `${SLO_RECORD.errors("6h")}{namespace="ml",model="modelship-model"} / 0.005`,
      ]);
      assert.deepEqual(panel(d, "Latency budget burn")!.targets.map((t: Json) => t.expr), [
        `${SLO_RECORD.slow("1h")}{namespace="ml",model="modelship-model"} / 0.05`,
        `${SLO_RECORD.slow("6h")}{namespace="ml",model="modelship-model"} / 0.05`,
      ]);
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

  describe("fleet dashboard", () => {
    const models = PRESET_CASES.map((p, i) => modelWith(p, i % 2));
    const args = models.map((model) => ({ model, contract: contractOf(model) }));
    const d = fleetDashboard({ models: args, recordedWeights: true });

    it("has the configured weights (when recorded), request rate and error ratio of every model", () => {
      assert.equal(d.uid, "modelship-fleet");
      assert.equal(d.title, "modelship fleet");
      assert.deepEqual(titles(fleetDashboard({ models: args })).sort(), ["Error ratio", "Request rate"]);
      assert.deepEqual(titles(d).sort(), ["Configured weights", "Error ratio", "Request rate"]);
      assert.equal(panel(d, "Configured weights")!.targets.length, models.length);
      // One query for every model: the board's size does not grow with the fleet.
      assert.equal(panel(d, "Request rate")!.targets.length, 1);
      assert.equal(panel(d, "Error ratio")!.targets.length, 1);
      assert.match(panel(d, "Request rate")!.targets[0].expr, /^sum by \(namespace, model, track\) \(model_track:modelship_requests:rate5m\{namespace=~"[^"]+",track=~"\$track"\}\)$/);
      for (const p of panels(d)) for (const t of p.targets) assert.match(t.legendFormat, /\{\{model\}\}/);
    });

    it("writes queries that parse and read only the contracts' metrics or recorded series", () => {
      checkQueries(parser, d, new Set(args.flatMap((a) => a.contract.metrics)));
    });

    it("reads the data source and track variables everywhere", () => {
      checkVariables(d);
      checkDatasources(d);
    });

    it("gives each query of a panel its own refId beyond 26 models", () => {
      const many = Array.from({ length: 30 }, (_, i) => modelWith("modelship", 0, `m${i}`));
      checkDatasources(fleetDashboard({ models: many.map((model) => ({ model, contract: contractOf(model) })) }));
    });
  });

  describe("dashboardQueries", () => {
    it("finds queries inside collapsed rows", () => {
      const row = new dashboard.RowBuilder("collapsed").withPanel(new timeseries.PanelBuilder().withTarget(new prometheus.DataqueryBuilder().expr("up")));
      const built = JSON.parse(JSON.stringify(new dashboard.DashboardBuilder("t").withRow(row).build()));
      assert.deepEqual(dashboardQueries(built), ["up"]);
    });
  });

  it("keeps dashboard uids within Grafana's 40 characters", () => {
    const uid = dashboardUid("a".repeat(45));
    assert.equal(uid.length, 40);
    assert.ok(uid.startsWith("modelship-a"));
    assert.equal(dashboardUid("fraud"), "modelship-fraud");
  });
});
