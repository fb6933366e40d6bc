// Building blocks every modelship dashboard shares (pure): the data source and track variables,
// rows, queries, and the panel kinds the boards use.
import type { Builder } from "@grafana/grafana-foundation-sdk/cog";
import * as common from "@grafana/grafana-foundation-sdk/common";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as prometheus from "@grafana/grafana-foundation-sdk/prometheus";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as table from "@grafana/grafana-foundation-sdk/table";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import { COLOURS } from "../../config/schema";

// Grafana variables: every query follows the dashboard's data source and track picker.
export const DATASOURCE: common.DataSourceRef = { type: "prometheus", uid: "${datasource}" };
export const RATE = "$__rate_interval";
export const TRACKS = "$track";
export const TRACK = `track=~"${TRACKS}"`;

export type Json = Record<string, unknown>;
const objects = (v: unknown): Json[] => (Array.isArray(v) ? v.filter((x): x is Json => typeof x === "object" && x !== null) : []);

/** Every panel of a built dashboard, including those kept inside collapsed rows. */
export function dashboardPanels(board: Json): Json[] {
  return objects(board.panels).flatMap((p) => [p, ...dashboardPanels(p)]);
}

/** Every PromQL expression of a built dashboard's panels. */
export function dashboardQueries(board: Json): string[] {
  return dashboardPanels(board)
    .flatMap((p) => objects(p.targets))
    .map((t) => t.expr)
    .filter((e): e is string => typeof e === "string");
}

/** The dashboard's annotation queries on Prometheus (Grafana's built-in one has no expression). */
export function dashboardAnnotations(board: Json): Json[] {
  const annotations = board.annotations as Json | undefined;
  return objects(annotations?.list).filter((a) => typeof (a.target as Json | undefined)?.expr === "string");
}

export type Panel = Builder<dashboard.Panel> & { id(id: number): unknown };

export interface Section {
  title: string;
  panels: (Panel | undefined)[];
}

export function base(title: string, uid: string, tags: string[]): dashboard.DashboardBuilder {
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
export function assemble(board: dashboard.DashboardBuilder, sections: readonly Section[]): Json {
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
export interface Series {
  expr: string | undefined;
  legend: string;
}

/** A, B, ..., Z, AA, AB, ...: refIds of a panel's queries. */
export const refId = (i: number): string => (i < 26 ? "" : refId(Math.floor(i / 26) - 1)) + String.fromCharCode(65 + (i % 26));

type Shape = (q: prometheus.DataqueryBuilder) => prometheus.DataqueryBuilder;
const present = (series: readonly Series[]) => series.filter((s): s is { expr: string; legend: string } => s.expr !== undefined);

export function queries(series: readonly Series[], shape: Shape = (q) => q.range()): prometheus.DataqueryBuilder[] {
  return present(series).map((s, i) => shape(new prometheus.DataqueryBuilder().datasource(DATASOURCE).expr(s.expr).legendFormat(s.legend).refId(refId(i))));
}

/** A time series panel of the series that exist, or none when none do. */
export function graph(title: string, unit: string, series: readonly Series[], description: string): timeseries.PanelBuilder | undefined {
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

/** A stat panel of instant values (one per series), or none when no series exists. */
export function stats(title: string, unit: string, series: readonly Series[], description: string): stat.PanelBuilder | undefined {
  const targets = queries(series, (q) => q.instant());
  if (targets.length === 0) return undefined;
  return new stat.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(DATASOURCE)
    .targets(targets)
    .unit(unit)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false))
    .graphMode(common.BigValueGraphMode.None)
    .colorMode(common.BigValueColorMode.None)
    .textMode(common.BigValueTextMode.ValueAndName)
    .height(6)
    .span(6);
}

/** A column of a table: one instant query, its header and unit. */
export interface Column {
  expr: string | undefined;
  header: string;
  unit?: string;
  /** Shown where the row has no value (a cell, not a missing column). */
  noValue?: string;
  /** The query only brings rows and labels (an info series): its value column is left out. */
  hide?: boolean;
}

/**
 * A table of one row per label set (`keys`, then the labels `labels` adds) and one column per
 * query. Each query is instant and table-formatted, so Grafana's Prometheus data source gives
 * one frame per query, its value field named `Value #<refId>` when the panel has more than one
 * query (grafana/grafana packages/grafana-prometheus/src/result_transformer.ts
 * transformDFToTable / getValueText). The merge transformation then joins the frames into rows
 * whose shared fields agree (packages/grafana-data/src/transformations/transformers/merge.ts:
 * rows are merged when no field they both have differs), so a column whose query has no series
 * for a row leaves that cell empty, never shifts another row's value into it.
 */
export function tableOf(title: string, description: string, columns: readonly Column[], labels: { order: readonly string[]; hidden: readonly string[] }): table.PanelBuilder | undefined {
  const used = columns.filter((c): c is Column & { expr: string } => c.expr !== undefined);
  if (used.length === 0) return undefined;
  const targets = queries(
    used.map((c) => ({ expr: c.expr, legend: c.header })),
    (q) => q.instant().format(prometheus.PromQueryFormat.Table),
  );
  // One query: Grafana names its value `Value`; more: `Value #A`, `Value #B`, …
  const valueName = (i: number) => (used.length === 1 ? "Value" : `Value #${refId(i)}`);
  const panel = new table.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(DATASOURCE)
    .targets(targets)
    .withTransformation({ id: "merge", options: {} })
    .withTransformation({
      id: "organize",
      options: {
        excludeByName: Object.fromEntries(["Time", "__name__", ...labels.hidden, ...used.flatMap((c, i) => (c.hide ? [valueName(i)] : []))].map((n) => [n, true])),
        indexByName: Object.fromEntries([...labels.order, ...used.map((_, i) => valueName(i))].map((n, i) => [n, i])),
        renameByName: {},
      },
    })
    .height(8)
    .span(24);
  used.forEach((c, i) => {
    if (c.hide) return;
    const properties: dashboard.DynamicConfigValue[] = [{ id: "displayName", value: c.header }];
    if (c.unit) properties.push({ id: "unit", value: c.unit });
    if (c.noValue !== undefined) properties.push({ id: "noValue", value: c.noValue });
    panel.overrideByName(valueName(i), properties);
  });
  return panel;
}
