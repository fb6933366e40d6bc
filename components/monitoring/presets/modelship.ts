import type { PresetDef } from "./types";

/** The classic serving metrics, as the reference model server exposes them. */
export const modelship: PresetDef = {
  name: "modelship",
  description: "the reference model server and the classic serving playbook (`model_prediction_*`, `model_loaded`, `model_feature_drift_psi`)",
  requests: [{ metric: "model_prediction_requests_total" }],
  errors: [{ metric: "model_prediction_requests_total", matchers: 'status="error"' }],
  // LATENCY_BUCKETS of components/image/reference-server/server.ts (test/monitoring/presets.test.ts
  // holds the two equal); prom-client prints them as "0.5", "1".
  latency: { name: "model_prediction_latency_seconds", toSeconds: 1, buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] },
  loaded: { metric: "model_loaded" },
  lastLoad: { metric: "model_last_load_timestamp_seconds" },
  // Prediction requests being handled (components/image/reference-server/server.ts).
  inFlight: { metrics: ["model_requests_in_flight"] },
  predictions: { name: "model_prediction_values" },
  drift: { metric: "model_feature_drift_psi", featureLabel: "feature_name" },
  // labelNames of each metric in components/image/reference-server/server.ts.
  labels: {
    model_prediction_requests_total: ["model_name", "model_version", "status"],
    model_prediction_latency_seconds: ["model_name", "model_version"],
    model_loaded: ["model_name", "model_version"],
    model_last_load_timestamp_seconds: ["model_name", "model_version"],
    model_prediction_values: ["model_name"],
    model_requests_in_flight: ["model_name", "model_version"],
    model_feature_drift_psi: ["model_name", "feature_name"],
  },
};
