// The monitoring objects of a model and of a fleet, as plain manifests (pure).
import { COLOURS, type FleetConfig, type ModelConfig } from "../config/schema";
import type { Manifest } from "../kube";
import { FLEET_DASHBOARD_NAME, modelLabels, MANAGED_BY, objectNames } from "../serving/labels";
import { metricsContract, type MetricsContract } from "./contract";
import { dashboardUid, fleetDashboard, modelDashboard } from "./dashboards";
import { presetFor } from "./presets";
import { modelRuleGroups } from "./rules";
import { scrapeMonitor } from "./scrape";
import { ROUTE_WEIGHT_RECORD } from "./weights";

export type MonitoringSettings = FleetConfig["monitoring"];

export interface MonitoringContext {
  namespace: string;
  settings: MonitoringSettings;
}

export const contractOf = (model: ModelConfig, namespace: string): MetricsContract =>
  metricsContract(presetFor(model.monitoring), { namespace, model: model.name });

/** Labels the Grafana sidecar and kube-prometheus-stack look for. */
const GRAFANA_DASHBOARD_LABEL = { grafana_dashboard: "1" };
const GRAFANA_FOLDER_ANNOTATION = "grafana_folder";

function prometheusRule(name: string, labels: Record<string, string>, ctx: MonitoringContext, groups: unknown[]): Manifest {
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: { name, namespace: ctx.namespace, labels: { ...labels, release: ctx.settings.release } },
    spec: { groups },
  };
}

function dashboardConfigMap(name: string, labels: Record<string, string>, ctx: MonitoringContext, file: string, dashboard: unknown): Manifest {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name,
      namespace: ctx.namespace,
      labels: { ...labels, ...GRAFANA_DASHBOARD_LABEL },
      annotations: { [GRAFANA_FOLDER_ANNOTATION]: ctx.settings.dashboardFolder },
    },
    data: { [file]: JSON.stringify(dashboard) },
  };
}

/** Scrape config, rules and dashboard of one model. */
export function modelMonitoringObjects(model: ModelConfig, ctx: MonitoringContext): Manifest[] {
  const contract = contractOf(model, ctx.namespace);
  const labels = modelLabels(model.name, "monitoring");
  const dashboardUrl = ctx.settings.grafanaUrl && `${ctx.settings.grafanaUrl.replace(/\/$/, "")}/d/${dashboardUid(model.name)}`;
  const groups = modelRuleGroups({ contract, model, runbookBaseUrl: ctx.settings.runbookBaseUrl, dashboardUrl });
  return [
    scrapeMonitor(model, ctx.namespace, ctx.settings.release),
    prometheusRule(model.name, labels, ctx, groups),
    dashboardConfigMap(objectNames.dashboard(model.name), labels, ctx, `${model.name}.json`, modelDashboard({ contract, model, recordedWeights: ctx.settings.recordWeights })),
  ];
}

/**
 * The configured weights as recorded series, when `monitoring.recordWeights` asks for them. It
 * belongs to the route (it changes exactly when the route does), so dashboards can compare
 * configured with observed traffic — at the price of a second object in every weight change.
 */
export function routeWeightRule(model: ModelConfig, ctx: MonitoringContext): Manifest {
  const rules = COLOURS.map((track) => ({
    record: ROUTE_WEIGHT_RECORD,
    expr: `vector(${model.tracks[track].weight})`,
    labels: { namespace: ctx.namespace, model: model.name, track },
  }));
  return prometheusRule(objectNames.routeWeights(model.name), modelLabels(model.name, "route"), ctx, [{ name: `modelship.${model.name}.route`, rules }]);
}

/** The fleet overview dashboard. */
export function fleetMonitoringObjects(models: readonly ModelConfig[], ctx: MonitoringContext): Manifest[] {
  const labels = { "app.kubernetes.io/name": "modelship", "app.kubernetes.io/component": "monitoring", "app.kubernetes.io/managed-by": MANAGED_BY };
  const dashboard = fleetDashboard({ models: models.map((model) => ({ model, contract: contractOf(model, ctx.namespace) })), recordedWeights: ctx.settings.recordWeights });
  return [dashboardConfigMap(FLEET_DASHBOARD_NAME, labels, ctx, "modelship-fleet.json", dashboard)];
}
