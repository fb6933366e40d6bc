// The monitoring objects of a model and of a fleet, as plain manifests (pure).
import { COLOURS, type FleetConfig, type ModelConfig } from "../config/schema";
import type { Manifest } from "../kube";
import { FLEET_DASHBOARD_NAME, modelLabels, MANAGED_BY, objectNames } from "../serving/labels";
import { metricsContract, type MetricsContract } from "./contract";
import { dashboardPath, fleetDashboard, modelDashboard } from "./dashboards";
import { presetFor, type PresetDef } from "./presets";
import { modelshipPackage } from "./modelship-package";
import { modelRuleGroups } from "./rules";
import { runbookBaseUrl, type Env, type PackageSource } from "./runbooks";
import { scrapeMonitor } from "./scrape";
import { ROUTE_WEIGHT_RECORD } from "./weights";

/** The fleet's monitoring settings as monitoringContext resolves them: a runbook link always known. */
export type MonitoringSettings = FleetConfig["monitoring"] & { runbookBaseUrl: string };

export interface MonitoringContext {
  namespace: string;
  settings: MonitoringSettings;
  /** The Pulumi stack: dashboards of staging and production share one Grafana, so uids carry it. */
  stack: string;
  /** `environment` of the stack file: every alert carries it as a label. */
  environment: string;
}

/**
 * The monitoring context of a fleet's stack (the one place it is assembled). The environment
 * (CI's variables) and modelship's package.json are read here, once, and nowhere deeper: they
 * decide the runbook link when `monitoring.runbookBaseUrl` is not set (runbooks.ts).
 */
export function monitoringContext(
  fleet: Pick<FleetConfig, "namespace" | "monitoring" | "environment">,
  stack: string,
  env: Env = process.env,
  pkg: PackageSource = modelshipPackage(),
): MonitoringContext {
  const runbooks = runbookBaseUrl(fleet.monitoring, env, pkg);
  // Only a package.json without a usable `repository` gets here: a defect of modelship's package.
  if (!runbooks) throw new Error(`modelship ${pkg.version}: package.json names no repository to link runbooks to; set monitoring.runbookBaseUrl`);
  return { namespace: fleet.namespace, settings: { ...fleet.monitoring, runbookBaseUrl: runbooks }, stack, environment: fleet.environment };
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
  // Absolute when Grafana's URL is known; otherwise Grafana's own path, which an Alertmanager
  // template can prefix with its Grafana (a link on every alert either way).
  const dashboardUrl = `${ctx.settings.grafanaUrl?.replace(/\/$/, "") ?? ""}${dashboardPath(model.name, ctx)}`;
  const groups = modelRuleGroups({ contract, model, runbookBaseUrl: ctx.settings.runbookBaseUrl, dashboardUrl, environment: ctx.environment, recordedWeights: ctx.settings.recordWeights });
  return [
    scrapeMonitor(model, ctx.namespace, ctx.settings.release),
    prometheusRule(model.name, labels, ctx, groups),
    dashboardConfigMap(objectNames.dashboard(model.name), labels, ctx, `${model.name}.json`, modelDashboard({ contract, model, stack: ctx.stack, recordedWeights: ctx.settings.recordWeights })),
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
    labels: { namespace: ctx.namespace, model: model.name, track, role: trackRole(model, track) },
  }));
  return prometheusRule(objectNames.routeWeights(model.name), modelLabels(model.name, "route"), ctx, [{ name: `modelship.${model.name}.route`, rules }]);
}

/**
 * A track's role as the route sees it: the stable track, a candidate that carries weight, or an
 * idle track. It changes only when weights or the stable track do, i.e. with the route.
 */
export function trackRole(model: ModelConfig, track: (typeof COLOURS)[number]): "stable" | "candidate" | "idle" {
  if (model.stable === track) return "stable";
  return model.tracks[track].weight > 0 ? "candidate" : "idle";
}

/** The fleet overview dashboard. */
export function fleetMonitoringObjects(models: readonly ModelConfig[], ctx: MonitoringContext): Manifest[] {
  const labels = { "app.kubernetes.io/name": "modelship", "app.kubernetes.io/component": "monitoring", "app.kubernetes.io/managed-by": MANAGED_BY };
  // The board reads a contract's namespace and available signals only, which the preset decides:
  // one contract per preset serves every model using it (a few presets for 1,000 models).
  const byPreset = new Map<PresetDef, MetricsContract>();
  const contractFor = (model: ModelConfig): MetricsContract => {
    const preset = presetFor(model.monitoring);
    let contract = byPreset.get(preset);
    if (!contract) byPreset.set(preset, (contract = metricsContract(preset, { namespace: ctx.namespace, model: model.name })));
    return contract;
  };
  const dashboard = fleetDashboard({
    models: models.map((model) => ({ model, contract: contractFor(model) })),
    stack: ctx.stack,
    namespace: ctx.namespace,
    recordedWeights: ctx.settings.recordWeights,
  });
  return [dashboardConfigMap(FLEET_DASHBOARD_NAME, labels, ctx, "modelship-fleet.json", dashboard)];
}
