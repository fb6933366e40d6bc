// Grafana dashboards of a model and of the fleet (pure), built with the Grafana Foundation SDK
// from the metrics contract: a panel whose signal the preset lacks is left out, never broken.
import { createHash } from "crypto";
import type { Builder } from "@grafana/grafana-foundation-sdk/cog";
import * as common from "@grafana/grafana-foundation-sdk/common";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as heatmap from "@grafana/grafana-foundation-sdk/heatmap";
import * as prometheus from "@grafana/grafana-foundation-sdk/prometheus";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import { COLOURS, type ModelConfig } from "../config/schema";
import type { MetricsContract } from "./contract";
import { presetFor } from "./presets";
import { BY_MODEL, BY_TRACK, selector, type Scope } from "./promql";
import { LATENCY_QUANTILES, RECORD } from "./rules";
import { BURN_WINDOWS, SLO_RECORD } from "./slo";
import { ROUTE_WEIGHT_RECORD } from "./weights";

export interface ModelDashboardArgs {
  contract: MetricsContract;
  model: ModelConfig;
  /** Whether the route records its configured weights (`monitoring.recordWeights`). */
  recordedWeights?: boolean;
}

// Grafana variables: every query follows the dashboard's data source and track picker.
const DATASOURCE: common.DataSourceRef = { type: "prometheus", uid: "${datasource}" };
const RATE = "$__rate_interval";
const TRACKS = "$track";
const TRACK = `track=~"${TRACKS}"`;

/** Grafana uids are at most 40 characters; long model names keep a hash so uids stay unique. */
export function dashboardUid(model: string): string {
  const uid = `modelship-${model}`;
  return uid.length <= 40 ? uid : `modelship-${model.slice(0, 20)}-${createHash("sha256").update(model).digest("hex").slice(0, 9)}`;
}

/** The per-model dashboard: traffic, errors and latency, capacity, model quality, SLO. */
export function modelDashboard({ contract, model, recordedWeights = false }: ModelDashboardArgs): Record<string, unknown> {
  const board = base(`Model: ${model.name}`, dashboardUid(model.name), ["modelship", model.name]).description(
    `${model.name} as the ${contract.preset} preset exposes it; panels for signals the preset lacks are left out.`,
  );
  return assemble(board, [
    { title: "Traffic", panels: trafficPanels(contract, recordedWeights) },
    { title: "Errors & latency", panels: errorLatencyPanels(contract) },
    { title: "Capacity", panels: capacityPanels(contract, model) },
    { title: "Model quality", panels: qualityPanels(contract, model) },
    { title: "SLO", panels: sloPanels(contract, model) },
  ]);
}

/** One overview of every model: configured weights, then traffic and errors by model and track. */
export function fleetDashboard({ models, recordedWeights = false }: { models: ModelDashboardArgs[]; recordedWeights?: boolean }): Record<string, unknown> {
  // One query over every model's recorded series (rules.ts RECORD), not one per model: the board
  // stays the same size however many models the stack has (one ConfigMap holds it, 1 MiB at most).
  const namespaces = [...new Set(models.map(({ contract }) => contract.scope.namespace))];
  const scope = `namespace=~"${namespaces.join("|")}",${TRACK}`;
  const recorded = (record: string, signal: "requests" | "errors"): Series[] =>
    models.some(({ contract }) => contract.available.has(signal)) ? [{ expr: `sum by (${BY_TRACK}) (${record}{${scope}})`, legend: "{{model}} {{track}}" }] : [];
  return assemble(base("modelship fleet", "modelship-fleet", ["modelship"]), [
    { title: "Routing", panels: [recordedWeights ? weightsStat(models.map((m) => m.contract.scope)) : undefined] },
    {
      title: "Traffic",
      panels: [
        graph("Request rate", "reqps", recorded(RECORD.requests, "requests"), "Requests per second (5 minute rate), by model and track."),
        graph("Error ratio", "percentunit", recorded(RECORD.errorRatio, "errors"), "Share of failed requests (5 minute rate), by model and track; models whose server counts no errors are absent."),
      ],
    },
  ]);
}

type Json = Record<string, unknown>;
const objects = (v: unknown): Json[] => (Array.isArray(v) ? v.filter((x): x is Json => typeof x === "object" && x !== null) : []);

/** Every panel of a built dashboard, including those kept inside collapsed rows. */
export function dashboardPanels(board: Json): Json[] {
  return objects(board.panels).flatMap((p) => [p, ...dashboardPanels(p)]);
}

/** Every PromQL expression of a built dashboard. */
export function dashboardQueries(board: Json): string[] {
  return dashboardPanels(board)
    .flatMap((p) => objects(p.targets))
    .map((t) => t.expr)
    .filter((e): e is string => typeof e === "string");
}

type Panel = Builder<dashboard.Panel> & { id(id: number): unknown };

interface Section {
  title: string;
  panels: (Panel | undefined)[];
}

function base(title: string, uid: string, tags: string[]): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder(title)
    .uid(uid)
    .tags(tags)
    .refresh("30s")
    .time({ from: "now-6h", to: "now" })
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .withVariable(new dashboard.DatasourceVariableBuilder("datasource").label("Data source").type("prometheus"))
    .withVariable(trackVariable())
    .link(new dashboard.DashboardLinkBuilder("modelship").type(dashboard.DashboardLinkType.Dashboards).tags(["modelship"]).asDropdown(true).keepTime(true));
}

// "All" is both colours as a regex, so `pod=~"<model>-($track)-.+"` matches either track.
function trackVariable(): dashboard.CustomVariableBuilder {
  const all = { text: "All", value: "$__all" };
  return new dashboard.CustomVariableBuilder("track")
    .label("Track")
    .values(COLOURS.join(","))
    .multi(true)
    .includeAll(true)
    .allValue(COLOURS.join("|"))
    .current({ text: [all.text], value: [all.value] })
    .options([{ ...all, selected: true }, ...COLOURS.map((c) => ({ text: c, value: c, selected: false }))]);
}

// Rows stay expanded (panels follow their row at the top level): an on-call reader should not
// have to open each one. A row whose panels were all left out is left out too.
function assemble(board: dashboard.DashboardBuilder, sections: readonly Section[]): Json {
  let id = 0;
  for (const { title, panels } of sections) {
    const present = panels.filter((p): p is Panel => p !== undefined);
    if (present.length === 0) continue;
    board.withRow(new dashboard.RowBuilder(title).id(++id));
    for (const panel of present) {
      panel.id(++id);
      board.withPanel(panel);
    }
  }
  // Built queries carry a marker method; the JSON round trip leaves the data Grafana reads.
  return JSON.parse(JSON.stringify(board.build())) as Json;
}

/** A query and its legend; `expr` is undefined when the preset lacks the signal. */
interface Series {
  expr: string | undefined;
  legend: string;
}

/** A, B, ..., Z, AA, AB, ...: a fleet panel has one query per model. */
const refId = (i: number): string => (i < 26 ? "" : refId(Math.floor(i / 26) - 1)) + String.fromCharCode(65 + (i % 26));

function queries(series: readonly Series[], shape: (q: prometheus.DataqueryBuilder) => prometheus.DataqueryBuilder = (q) => q.range()): prometheus.DataqueryBuilder[] {
  return series
    .filter((s): s is { expr: string; legend: string } => s.expr !== undefined)
    .map((s, i) => shape(new prometheus.DataqueryBuilder().datasource(DATASOURCE).expr(s.expr).legendFormat(s.legend).refId(refId(i))));
}

/** A time series panel of the series that exist, or none when none do. */
function graph(title: string, unit: string, series: readonly Series[], description: string): timeseries.PanelBuilder | undefined {
  const targets = queries(series);
  if (targets.length === 0) return undefined;
  return new timeseries.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(DATASOURCE)
    .unit(unit)
    .targets(targets)
    // The SDK hides the legend by default; tracks are told apart by it.
    .legend(new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom))
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending))
    .height(8)
    .span(12);
}

const percentile = (q: number) => `p${Math.round(q * 100)}`;

function trafficPanels(c: MetricsContract, recordedWeights: boolean): (Panel | undefined)[] {
  const rate = c.requestRate(RATE, BY_TRACK, TRACK);
  // The model's total is over both tracks whatever is picked, so a share stays a share.
  const total = c.requestRate(RATE, BY_MODEL);
  // `group_left ()`: a bare `group_left` would read a parenthesised total as its label list.
  const observed = rate && total && `${rate} / on (${BY_MODEL}) group_left () ${total} * 100`;
  return [
    graph("Request rate", "reqps", [{ expr: rate, legend: "{{track}}" }], "Requests per second served by each track."),
    graph(
      recordedWeights ? "Configured weight vs observed traffic" : "Observed traffic share",
      "percent",
      [
        // Only recorded when asked: the record changes with every weight change.
        ...(recordedWeights ? [{ expr: `${ROUTE_WEIGHT_RECORD}{${selector(c.scope, TRACK)}}`, legend: "{{track}} configured" }] : []),
        { expr: observed, legend: "{{track}} observed" },
      ],
      recordedWeights
        ? "The route's configured weight of each track against the share of the model's requests it actually served."
        : "The share of the model's requests each track served; set monitoring.recordWeights to compare it with the configured weights here.",
    )
      ?.min(0)
      .max(100),
  ];
}

function errorLatencyPanels(c: MetricsContract): (Panel | undefined)[] {
  return [
    graph("Error ratio", "percentunit", [{ expr: c.errorRatio(RATE, BY_TRACK, TRACK), legend: "{{track}}" }], "Share of requests that failed, by track."),
    graph(
      "Latency",
      "s",
      LATENCY_QUANTILES.map((q) => ({ expr: c.latencyQuantile(q, RATE, BY_TRACK, TRACK), legend: `{{track}} ${percentile(q)}` })),
      `Request latency quantiles (${LATENCY_QUANTILES.map(percentile).join(", ")}), by track.`,
    ),
  ];
}

function capacityPanels(c: MetricsContract, model: ModelConfig): (Panel | undefined)[] {
  // Deployments and autoscalers are named `<model>-<colour>` (serving/labels.ts trackName).
  const own = (label: string) => `namespace=${JSON.stringify(c.scope.namespace)},${label}=~${JSON.stringify(`${c.scope.model}-(${TRACKS})`)}`;
  const hpa = (metric: string, what: string): Series => ({ expr: `${metric}{${own("horizontalpodautoscaler")}}`, legend: `{{horizontalpodautoscaler}} ${what}` });
  const gpu = model.resources.gpu > 0;
  return [
    graph("Available replicas", "short", [{ expr: `kube_deployment_status_replicas_available{${own("deployment")}}`, legend: "{{deployment}}" }], "Ready pods of each track's Deployment."),
    graph(
      "Autoscaler: desired vs current",
      "short",
      [
        hpa("kube_horizontalpodautoscaler_status_desired_replicas", "desired"),
        hpa("kube_horizontalpodautoscaler_status_current_replicas", "current"),
        hpa("kube_horizontalpodautoscaler_spec_max_replicas", "max"),
      ],
      "Replicas each track's autoscaler wants, has, and may have at most; desired pinned at max means the track is out of headroom.",
    ),
    graph("CPU saturation", "percentunit", [{ expr: c.cpuRatio(RATE, TRACKS), legend: "{{track}}" }], "CPU used as a share of the model container's limit, by track."),
    graph("Memory saturation", "percentunit", [{ expr: c.memoryRatio(TRACKS), legend: "{{track}}" }], "Working set as a share of the model container's memory limit, by track."),
    gpu ? graph("GPU memory", "percentunit", [{ expr: c.gpuMemoryRatio(TRACKS), legend: "{{track}}" }], "GPU memory in use, highest GPU of each track.") : undefined,
    gpu ? graph("GPU utilisation", "percentunit", [{ expr: c.gpuUtilization(TRACKS), legend: "{{track}}" }], "GPU utilisation, averaged over each track's GPUs.") : undefined,
  ];
}

function qualityPanels(c: MetricsContract, model: ModelConfig): (Panel | undefined)[] {
  const buckets = c.predictionBuckets(RATE, TRACK);
  // The contract groups drift by the preset's feature label but does not name it.
  const feature = presetFor(model.monitoring).drift?.featureLabel ?? "feature";
  return [
    buckets === undefined ? undefined : predictionHeatmap(buckets),
    graph("Feature drift (PSI)", "short", [{ expr: c.drift(TRACK), legend: `{{track}} {{${feature}}}` }], "Population stability index of each input feature, by track; above 0.2 is usually a real shift."),
  ];
}

function predictionHeatmap(expr: string): heatmap.PanelBuilder {
  return new heatmap.PanelBuilder()
    .title("Prediction distribution")
    .description("Predicted values per second, by histogram bucket, over the picked tracks.")
    .datasource(DATASOURCE)
    .targets(queries([{ expr, legend: "{{le}}" }], (q) => q.range().format(prometheus.PromQueryFormat.Heatmap)))
    // Prometheus already bucketed the values; Grafana must not bucket them again.
    .calculate(false)
    .yAxis(new heatmap.YAxisConfigBuilder().unit("short"))
    .cellValues(new heatmap.CellValuesBuilder().unit("short"))
    .height(8)
    .span(12);
}

/** The burn windows that page, shown with the burn rate that pages. */
const PAGE_WINDOWS = BURN_WINDOWS.filter((b) => b.severity === "critical");

function sloPanels(c: MetricsContract, model: ModelConfig): (Panel | undefined)[] {
  const { availability, latency } = model.monitoring.slo;
  // The SLO rules exist exactly when these ratios do (see slo.ts).
  const errors = c.errorRatio(RATE, BY_MODEL) !== undefined;
  const slow = c.slowRatio(latency.thresholdMs / 1000, RATE, BY_MODEL) !== undefined;
  return [
    errors ? burnPanel("Availability budget burn", SLO_RECORD.errors, 1 - availability / 100, c.scope, `${availability}% availability`) : undefined,
    slow ? burnPanel("Latency budget burn", SLO_RECORD.slow, 1 - latency.quantile, c.scope, `${percentile(latency.quantile)} under ${latency.thresholdMs} ms`) : undefined,
  ];
}

function burnPanel(title: string, record: (w: string) => string, budget: number, scope: Scope, slo: string): Panel | undefined {
  const b = +budget.toPrecision(6);
  const pages = [...PAGE_WINDOWS].sort((x, y) => x.burn - y.burn);
  return graph(
    title,
    "short",
    PAGE_WINDOWS.map((w) => ({ expr: `${record(w.long)}{${selector(scope)}} / ${b}`, legend: w.long })),
    `Bad-event ratio over each window divided by the error budget of the ${slo} SLO: 1 spends the budget exactly; it pages above ${PAGE_WINDOWS.map((w) => `${w.burn} (${w.long})`).join(" and ")}.`,
  )
    ?.thresholds(new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([{ value: null, color: "green" }, ...pages.map((w) => ({ value: w.burn, color: "red" }))]))
    .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed));
}

function weightsStat(scopes: readonly Scope[]): Panel | undefined {
  const targets = queries(
    scopes.map((s) => ({ expr: `${ROUTE_WEIGHT_RECORD}{${selector(s, TRACK)}}`, legend: "{{model}} {{track}}" })),
    (q) => q.instant(),
  );
  if (targets.length === 0) return undefined;
  return new stat.PanelBuilder()
    .title("Configured weights")
    .description("The route's configured weight of each model's tracks.")
    .datasource(DATASOURCE)
    .targets(targets)
    .unit("percent")
    .min(0)
    .max(100)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false))
    .graphMode(common.BigValueGraphMode.None)
    .colorMode(common.BigValueColorMode.None)
    .textMode(common.BigValueTextMode.ValueAndName)
    .height(5)
    .span(24);
}
