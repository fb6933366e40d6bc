// Metric names of the model servers modelship knows, as each exposes them natively (checked
// against the servers' sources). Servers run one model per pod here, so the scrape's `model`
// and `track` target labels identify the model; a server's own `model` label is then kept by
// Prometheus as `exported_model`.
import type { PresetDef } from "./types";

export const triton: PresetDef = {
  name: "triton",
  description: "NVIDIA Triton (port 8002). Latency is a counter of total microseconds, not a histogram, so latency quantiles, the latency SLO and latency alerts are unavailable",
  requests: [{ metric: "nv_inference_request_success" }, { metric: "nv_inference_request_failure" }],
  errors: [{ metric: "nv_inference_request_failure" }],
  metricsPort: 8002,
  gpu: { memory: { used: "nv_gpu_memory_used_bytes", total: "nv_gpu_memory_total_bytes" }, utilization: { metric: "nv_gpu_utilization", scale: 1 } },
};

export const vllm: PresetDef = {
  name: "vllm",
  description: "vLLM's OpenAI-compatible server: HTTP requests on /v1 endpoints, end-to-end latency histogram; GPU from DCGM",
  requests: [{ metric: "http_requests_total", matchers: 'handler=~"/v1/.+"' }],
  errors: [{ metric: "http_requests_total", matchers: 'handler=~"/v1/.+",status="5xx"' }],
  latency: { name: "vllm:e2e_request_latency_seconds", toSeconds: 1 },
  metrics: ["vllm:time_to_first_token_seconds_bucket", "vllm:generation_tokens_total", "vllm:prompt_tokens_total"],
};

export const kserve: PresetDef = {
  name: "kserve",
  description: "the KServe Python model server: the predict step's histogram (requests are its count); it counts no errors, so error signals are unavailable",
  requests: [{ metric: "request_predict_seconds_count" }],
  latency: { name: "request_predict_seconds", toSeconds: 1 },
};

export const torchserve: PresetDef = {
  name: "torchserve",
  description: "TorchServe with metrics_mode=prometheus (port 8082): requests by status class; latency is a counter of microseconds, so latency quantiles are unavailable",
  requests: [{ metric: "Requests2XX" }, { metric: "Requests4XX" }, { metric: "Requests5XX" }],
  errors: [{ metric: "Requests5XX" }],
  metricsPort: 8082,
  gpu: { memory: { ratio: "GPUMemoryUtilization", scale: 0.01 }, utilization: { metric: "GPUUtilization", scale: 0.01 } },
};

export const bentoml: PresetDef = {
  name: "bentoml",
  description: "BentoML 1.2+ (`bentoml_service_*`): requests by HTTP code, request duration histogram",
  requests: [{ metric: "bentoml_service_request_total" }],
  errors: [{ metric: "bentoml_service_request_total", matchers: 'http_response_code=~"5.."' }],
  latency: { name: "bentoml_service_request_duration_seconds", toSeconds: 1 },
};

export const mlserver: PresetDef = {
  name: "mlserver",
  description: "Seldon MLServer: inference success/failure counters, REST request duration histogram on the infer path",
  requests: [{ metric: "model_infer_request_success_total" }, { metric: "model_infer_request_failure_total" }],
  errors: [{ metric: "model_infer_request_failure_total" }],
  metricsPort: 8082,
  latency: { name: "rest_server_request_duration_seconds", matchers: 'path=~"/v2/models/.+/infer"', toSeconds: 1 },
};

export const rayserve: PresetDef = {
  name: "rayserve",
  description: "Ray Serve: HTTP requests and errors, request latency histogram in milliseconds, replica health",
  requests: [{ metric: "ray_serve_num_http_requests_total" }],
  errors: [{ metric: "ray_serve_num_http_error_requests_total", matchers: 'error_code=~"5.."' }],
  latency: { name: "ray_serve_http_request_latency_ms", toSeconds: 0.001 },
  loaded: { metric: "ray_serve_deployment_replica_healthy" },
};
