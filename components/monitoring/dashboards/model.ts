// The per-model dashboard (pure), built with the Grafana Foundation SDK from the metrics
// contract: a panel whose signal the preset lacks is left out, never broken.
import * as common from "@grafana/grafana-foundation-sdk/common";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as heatmap from "@grafana/grafana-foundation-sdk/heatmap";
import * as prometheus from "@grafana/grafana-foundation-sdk/prometheus";
import type { ModelConfig } from "../../config/schema";
import { TRACK_INFO_RECORD } from "../context";
import type { MetricsContract } from "../contract";
import { presetFor } from "../presets";
import { BY_MODEL, BY_TRACK, selector } from "../promql";
import { LATENCY_QUANTILES } from "../rules";
import { BURN_WINDOWS, SLO_RECORD } from "../slo";
import { ROUTE_WEIGHT_RECORD } from "../weights";
import { assemble, base, DATASOURCE, graph, queries, RATE, stats, tableOf, TRACK, TRACKS, type Json, type Panel } from "./build";
import { dashboardUid, modelDashboardTitle } from "./identity";
import { notScraped, restarts, versionAppeared } from "./signals";

export interface ModelDashboardArgs {
  contract: MetricsContract;
  model: ModelConfig;
  /** The Pulumi stack: its name is in the dashboard's uid and title. */
  stack: string;
  /** Whether the route records its weights and roles (`monitoring.recordWeights`, on by default). */
  recordedWeights?: boolean;
}

/** The per-model dashboard: tracks, traffic, errors and latency, capacity, model quality, SLO. */
export function modelDashboard({ contract, model, stack, recordedWeights = true }: ModelDashboardArgs): Json {
  const board = base(modelDashboardTitle(model.name, stack), dashboardUid(model.name, stack, contract.scope.namespace), ["modelship", model.name, stack])
    .description(`${model.name} in the ${stack} stack as the ${contract.preset} preset exposes it; panels for signals the preset lacks are left out.`)
    .annotation(deployAnnotation(contract));
  return assemble(board, [
    { title: "Tracks", panels: trackPanels(contract, recordedWeights) },
    { title: "Traffic", panels: trafficPanels(contract, recordedWeights) },
    { title: "Errors & latency", panels: errorLatencyPanels(contract) },
    { title: "Capacity", panels: capacityPanels(contract, model) },
    { title: "Model quality", panels: qualityPanels(contract, model) },
    { title: "SLO", panels: sloPanels(contract, model) },
  ]);
}

/** A marker on every panel where a version reached a track. */
function deployAnnotation(c: MetricsContract): dashboard.AnnotationQueryBuilder {
  const expr = versionAppeared(c.scope, TRACK, RATE);
  return (
    new dashboard.AnnotationQueryBuilder()
      .name("Deploys")
      .datasource(DATASOURCE)
      .enable(true)
      .iconColor("purple")
      .target(new prometheus.DataqueryBuilder().datasource(DATASOURCE).expr(expr).refId("Anno").range())
      // Grafana before the annotation `target` read the expression here; newer ones move it into
      // the target when absent there (packages/grafana-prometheus/src/annotations.ts prepareAnnotation).
      .expr(expr)
      .titleFormat("{{version}} on {{track}}")
      .textFormat("Version {{version}} reached the {{track}} track of {{model}}.")
      .tagKeys("track,version")
  );
}

const percentile = (q: number) => `p${Math.round(q * 100)}`;

// Table rows are joined on the labels their frames share, the metric name included: aggregating
// drops `__name__`, so an info row and a weight row of one track join into one row.
/** The recorded version and role of each track (value 1), for a table. */
export const trackInfo = (matchers: string) => `max by (${BY_TRACK}, version, role) (${TRACK_INFO_RECORD}{${matchers}})`;
/** The route's recorded weight and role of each track, for a table. */
export const configuredWeight = (matchers: string) => `max by (${BY_TRACK}, role) (${ROUTE_WEIGHT_RECORD}{${matchers}})`;

function trackPanels(c: MetricsContract, recordedWeights: boolean): (Panel | undefined)[] {
  const own = selector(c.scope, TRACK);
  return [
    tableOf(
      "Version and role",
      recordedWeights
        ? "The version each track's pods run (the scrape's version label; during a release both versions show) and, from the route, its role and configured weight."
        : "The version each track's pods run (the scrape's version label; during a release both versions show). Set monitoring.recordWeights to add each track's role and weight.",
      [
        { expr: trackInfo(own), header: "Info", hide: true },
        // Only recorded when asked: the record changes with every weight change.
        { expr: recordedWeights ? configuredWeight(own) : undefined, header: "Weight", unit: "percent" },
      ],
      { order: ["track", "version", "role"], hidden: ["namespace", "model"] },
    )?.span(8),
    graph(
      "Scrape health",
      "short",
      [
        { expr: c.readyPods(TRACKS), legend: "{{track}} ready pods" },
        { expr: c.targetsUp(TRACK), legend: "{{track}} scraped" },
        { expr: notScraped(c, TRACKS, TRACK), legend: "{{track}} not scraped" },
      ],
      "Pods Kubernetes reports ready (kube-state-metrics) against scrape targets that answered. Ready but not scraped means every other panel and alert of that track sees only part of it, or nothing.",
    )
      ?.min(0)
      .span(10),
    stats(
      "Container restarts",
      "short",
      [{ expr: restarts(c.scope, TRACKS, "$__range"), legend: "{{track}}" }],
      "Container restarts of each track's pods over the dashboard's time range (kube-state-metrics).",
    )
      ?.decimals(0)
      .span(6),
  ];
}

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

/** `5 s`, `250 ms`: how a bucket bound reads in a legend. */
const seconds = (s: number) => (s >= 1 ? `${+s.toPrecision(6)} s` : `${+(s * 1000).toPrecision(6)} ms`);

/**
 * histogram_quantile never returns more than the top finite bucket bound: a quantile that lies
 * in the +Inf bucket is reported as that bound (prometheus/prometheus promql/quantile.go
 * bucketQuantile: "the upper bound of the 2nd highest bucket is returned"). A value mapping
 * shows it as "≥ <bound>". The range starts a hair below the bound, since the bound reaches
 * seconds through a unit factor in floating point; it ends at a finite number because Grafana's
 * range mapping reads a null end as 0 (packages/grafana-data/src/utils/valueMappings.ts
 * getValueMappingResult: `!isNaN(null)` is true).
 */
export function atLeastTopBucket(top: number): dashboard.ValueMapping {
  return { type: dashboard.MappingType.RangeToText, options: { from: top * (1 - 1e-9), to: Number.MAX_VALUE, result: { text: `≥ ${seconds(top)}` } } };
}

function errorLatencyPanels(c: MetricsContract): (Panel | undefined)[] {
  const top = c.latencyTopSeconds;
  const capped =
    top === undefined
      ? ""
      : ` A quantile at the histogram's top bucket reads "≥ ${seconds(top)}": the server counts no finer above it, so Prometheus reports any slower quantile as ${seconds(top)}.`;
  const latency = graph(
    "Latency",
    "s",
    LATENCY_QUANTILES.map((q) => ({ expr: c.latencyQuantile(q, RATE, BY_TRACK, TRACK), legend: `{{track}} ${percentile(q)}` })),
    `Request latency quantiles (${LATENCY_QUANTILES.map(percentile).join(", ")}), by track.${capped}`,
  );
  return [
    graph("Error ratio", "percentunit", [{ expr: c.errorRatio(RATE, BY_TRACK, TRACK), legend: "{{track}}" }], "Share of requests that failed, by track."),
    top === undefined ? latency : latency?.mappings([atLeastTopBucket(top)]),
  ];
}

function capacityPanels(c: MetricsContract, model: ModelConfig): (Panel | undefined)[] {
  // Deployments and autoscalers are named `<model>-<colour>` (serving/labels.ts trackName).
  const own = (label: string) => `namespace=${JSON.stringify(c.scope.namespace)},${label}=~${JSON.stringify(`${c.scope.model}-(${TRACKS})`)}`;
  const hpa = (metric: string, what: string) => ({ expr: `${metric}{${own("horizontalpodautoscaler")}}`, legend: `{{horizontalpodautoscaler}} ${what}` });
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
    errors ? burnPanel("Availability budget burn", SLO_RECORD.errors, 1 - availability / 100, c, `${availability}% availability`) : undefined,
    slow ? burnPanel("Latency budget burn", SLO_RECORD.slow, 1 - latency.quantile, c, `${percentile(latency.quantile)} under ${latency.thresholdMs} ms`) : undefined,
  ];
}

function burnPanel(title: string, record: (w: string) => string, budget: number, c: MetricsContract, slo: string): Panel | undefined {
  const b = +budget.toPrecision(6);
  const pages = [...PAGE_WINDOWS].sort((x, y) => x.burn - y.burn);
  return graph(
    title,
    "short",
    // Per track, as the burn alerts judge it: a candidate burning its budget shows undiluted.
    PAGE_WINDOWS.map((w) => ({ expr: `${record(w.long)}{${selector(c.scope, TRACK)}} / ${b}`, legend: `{{track}} ${w.long}` })),
    `Bad-event ratio of each track over each window divided by the error budget of the ${slo} SLO: 1 spends the budget exactly; it pages above ${PAGE_WINDOWS.map((w) => `${w.burn} (${w.long})`).join(" and ")}.`,
  )
    ?.thresholds(new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([{ value: null, color: "green" }, ...pages.map((w) => ({ value: w.burn, color: "red" }))]))
    .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed));
}
