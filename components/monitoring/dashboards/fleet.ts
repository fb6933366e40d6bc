// The fleet dashboard (pure): every model's state in one table, then traffic and errors by
// model and track.
import { TRACK_INFO_RECORD } from "../context";
import { BY_TRACK } from "../promql";
import { RECORD } from "../rules";
import { ROUTE_WEIGHT_RECORD } from "../weights";
import { assemble, base, graph, tableOf, TRACK, TRACKS, type Json, type Series } from "./build";
import { fleetDashboardTitle, fleetDashboardUid } from "./identity";
import type { MetricsContract } from "../contract";
import type { ModelDashboardArgs } from "./model";
import { configuredWeight, trackInfo } from "./model";
import { firingAlerts } from "./signals";

export interface FleetDashboardArgs {
  /**
   * Each model's namespace and the signals its preset offers: the board queries every model's
   * recorded series at once, so it reads nothing else of a model's contract (typed so).
   */
  models: { model: ModelDashboardArgs["model"]; contract: Pick<MetricsContract, "available"> & { scope: Pick<MetricsContract["scope"], "namespace"> } }[];
  /** The Pulumi stack: its name is in the dashboard's uid and title. */
  stack: string;
  /** The fleet's namespace (the models' namespaces when not given). */
  namespace?: string;
  /** Whether routes record their weights and roles (`monitoring.recordWeights`, on by default). */
  recordedWeights?: boolean;
}

/** One overview of every model: its tracks' versions, roles, weights, traffic, errors and alerts. */
export function fleetDashboard({ models, stack, namespace, recordedWeights = true }: FleetDashboardArgs): Json {
  // One query per column or series over every model's recorded series (rules.ts RECORD), never
  // one per model: the board stays the same size however many models the stack has (one
  // ConfigMap holds it, 1 MiB at most).
  const namespaces = [...new Set(models.map(({ contract }) => contract.scope.namespace))].sort().join("|");
  const scope = `namespace=~${JSON.stringify(namespaces)},${TRACK}`;
  const has = (signal: "requests" | "errors") => models.some(({ contract }) => contract.available.has(signal));
  const over = (record: string) => `sum by (${BY_TRACK}) (${record}{${scope}})`;
  const recorded = (record: string, signal: "requests" | "errors"): Series[] => (has(signal) ? [{ expr: over(record), legend: "{{model}} {{track}}" }] : []);
  // Every track the fleet knows of: it runs pods someone scrapes, or the route gives it a weight.
  const rows = `group by (${BY_TRACK}) (${TRACK_INFO_RECORD}{${scope}}${recordedWeights ? ` or ${ROUTE_WEIGHT_RECORD}{${scope}}` : ""})`;
  const board = base(fleetDashboardTitle(stack), fleetDashboardUid(stack, namespace ?? namespaces), ["modelship", stack]).description(
    `Every model of the ${stack} stack; each row is one track of one model.`,
  );
  return assemble(board, [
    {
      title: "Models",
      panels: [
        tableOf(
          "Every model",
          "One row per model and track: the version its pods run, its role and configured weight (from the route), requests per second and error ratio (5 minute rate), and the alerts firing for it (alerts about a whole model show under an empty track).",
          [
            { expr: trackInfo(scope), header: "Info", hide: true },
            { expr: recordedWeights ? configuredWeight(scope) : undefined, header: "Weight", unit: "percent" },
            { expr: has("requests") ? over(RECORD.requests) : undefined, header: "Requests", unit: "reqps" },
            { expr: has("errors") ? over(RECORD.errorRatio) : undefined, header: "Error ratio", unit: "percentunit" },
            { expr: firingAlerts(namespaces, TRACKS, rows), header: "Firing alerts", unit: "short" },
          ],
          { order: ["namespace", "model", "track", "version", "role"], hidden: [] },
        )?.height(12),
      ],
    },
    {
      title: "Traffic",
      panels: [
        graph("Request rate", "reqps", recorded(RECORD.requests, "requests"), "Requests per second (5 minute rate), by model and track."),
        graph("Error ratio", "percentunit", recorded(RECORD.errorRatio, "errors"), "Share of failed requests (5 minute rate), by model and track; models whose server counts no errors are absent."),
      ],
    },
  ]);
}
