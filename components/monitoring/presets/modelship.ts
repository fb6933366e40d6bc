import type { PresetDef } from "./types";

/** The classic serving metrics, as the reference model server exposes them. */
export const modelship: PresetDef = {
  name: "modelship",
  description: "the reference model server and the classic serving playbook (`model_prediction_*`, `model_loaded`, `model_feature_drift_psi`)",
  requests: [{ metric: "model_prediction_requests_total" }],
  errors: [{ metric: "model_prediction_requests_total", matchers: 'status="error"' }],
  latency: { name: "model_prediction_latency_seconds", toSeconds: 1 },
  loaded: { metric: "model_loaded" },
  lastLoad: { metric: "model_last_load_timestamp_seconds" },
  // Prediction requests being handled (components/image/reference-server/server.ts).
  inFlight: { metrics: ["model_requests_in_flight"] },
  predictions: { name: "model_prediction_values" },
  drift: { metric: "model_feature_drift_psi", featureLabel: "feature_name" },
};
