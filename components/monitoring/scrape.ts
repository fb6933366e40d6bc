// How Prometheus finds a model's pods (pure): a ServiceMonitor or PodMonitor that turns the
// pods' labels into the `model`, `track` and `version` labels every query relies on.
import type { ModelConfig } from "../config/schema";
import type { Manifest } from "../kube";
import { modelLabels, modelSelector } from "../serving/labels";
import { PRESETS } from "./presets";

/** The port a model server publishes metrics on: config, else the preset's default, else the model port. */
export function metricsPort(model: Pick<ModelConfig, "port" | "monitoring">): number {
  const preset = model.monitoring.preset === "custom" ? undefined : PRESETS[model.monitoring.preset];
  return model.monitoring.scrape.port ?? preset?.metricsPort ?? model.port;
}

/** The named port the monitors scrape: the serving port unless metrics have their own. */
export const metricsPortName = (model: Pick<ModelConfig, "port" | "monitoring">) => (metricsPort(model) === model.port ? "http" : "metrics");

const meta = (label: string) => `__meta_kubernetes_pod_label_${label.replace(/[^a-zA-Z0-9_]/g, "_")}`;

export const RELABELINGS = [
  { sourceLabels: [meta("app.kubernetes.io/name")], targetLabel: "model", action: "replace" },
  { sourceLabels: [meta("modelship.io/track")], targetLabel: "track", action: "replace" },
  { sourceLabels: [meta("app.kubernetes.io/version")], targetLabel: "version", action: "replace" },
];

export function scrapeMonitor(model: ModelConfig, namespace: string, release: string): Manifest {
  const { kind, path, interval } = model.monitoring.scrape;
  const endpoint = { port: metricsPortName(model), path, interval, relabelings: RELABELINGS };
  const metadata = { name: model.name, namespace, labels: { ...modelLabels(model.name, "monitoring"), release } };
  const namespaceSelector = { matchNames: [namespace] };
  if (kind === "PodMonitor") {
    return {
      apiVersion: "monitoring.coreos.com/v1",
      kind,
      metadata,
      spec: { selector: { matchLabels: modelSelector(model.name) }, namespaceSelector, podMetricsEndpoints: [endpoint] },
    };
  }
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind,
    metadata,
    // The per-track Services only: the route's Services would scrape the same pods twice.
    spec: { selector: { matchLabels: { ...modelSelector(model.name), "app.kubernetes.io/component": "model-server" } }, namespaceSelector, endpoints: [endpoint] },
  };
}
