// Metric names of the model servers modelship knows, as each exposes them natively (checked
// against the servers' sources). Servers run one model per pod here, so the scrape's `model`
// and `track` target labels identify the model; a server's own `model` label is then kept by
// Prometheus as `exported_model`.
import { exponentialBuckets } from "./buckets";
import type { PresetDef } from "./types";

// Latency buckets below are each server's defaults, finite ones, in the histogram's unit; a
// server configured with other buckets is described with preset `custom` and its own.

/**
 * prometheus_client's Histogram.DEFAULT_BUCKETS without +Inf (prometheus/client_python
 * prometheus_client/metrics.py), for servers that pass no buckets. Printed as "1.0", "0.5".
 */
const PROMETHEUS_CLIENT_DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10] as const;

/**
 * TGI's router sets the buckets of every histogram whose name ends in "duration": 35 values,
 * starting at 0.0001 s and multiplied by 1.5 each (huggingface/text-generation-inference
 * router/src/server.rs, unchanged since #163), so 0.00015 s .. 145.6 s with no round values.
 * Not configurable. Its exporter (metrics-exporter-prometheus) prints each as Rust's f64
 * Display, the shortest text that reads back as the same double, e.g. "28.76265888493261".
 */
export const TGI_DURATION_BUCKETS: readonly number[] = exponentialBuckets(0.0001, 1.5, 35);

export const triton: PresetDef = {
  name: "triton",
  description: "NVIDIA Triton (port 8002). Latency is a counter of total microseconds, not a histogram, so latency quantiles, the latency SLO and latency alerts are unavailable",
  requests: [{ metric: "nv_inference_request_success" }, { metric: "nv_inference_request_failure" }],
  errors: [{ metric: "nv_inference_request_failure" }],
  metricsPort: 8002,
  gpu: { memory: { used: "nv_gpu_memory_used_bytes", total: "nv_gpu_memory_total_bytes" }, utilization: { metric: "nv_gpu_utilization", scale: 1 } },
  // "Pending Request Count": requests received and not yet executing, per model (Triton docs,
  // user_guide/metrics.md, Inference Request Metrics). Triton has no gauge of executing requests,
  // so inFlight here is the queue: set autoscaling.target to the backlog a pod may hold.
  inFlight: { metrics: ["nv_inference_pending_request_count"] },
};

export const vllm: PresetDef = {
  name: "vllm",
  description: "vLLM's OpenAI-compatible server: HTTP requests on /v1 endpoints, end-to-end latency histogram; GPU from DCGM",
  requests: [{ metric: "http_requests_total", matchers: 'handler=~"/v1/.+"' }],
  errors: [{ metric: "http_requests_total", matchers: 'handler=~"/v1/.+",status="5xx"' }],
  // request_latency_buckets of PrometheusStatLogger (vllm-project/vllm vllm/v1/metrics/loggers.py),
  // not configurable; releases before the 120 s .. 7680 s buckets were added stopped at 60 s.
  latency: {
    name: "vllm:e2e_request_latency_seconds",
    toSeconds: 1,
    buckets: [0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680],
  },
  metrics: ["vllm:time_to_first_token_seconds_bucket", "vllm:generation_tokens_total", "vllm:prompt_tokens_total"],
  // Scheduler state gauges: "Number of requests currently running on GPU" and "... waiting to be
  // processed" (vllm-project/vllm vllm/engine/metrics.py; docs.vllm.ai serving/metrics).
  inFlight: { metrics: ["vllm:num_requests_running", "vllm:num_requests_waiting"] },
  labels: {
    // prometheus-fastapi-instrumentator's default metrics (trallnag/prometheus-fastapi-instrumentator
    // src/prometheus_fastapi_instrumentator/metrics.py, default(): TOTAL); status grouped as "5xx".
    http_requests_total: ["method", "status", "handler"],
    // labelnames of PrometheusStatLogger (vllm/v1/metrics/loggers.py).
    "vllm:e2e_request_latency_seconds": ["model_name", "engine"],
    "vllm:num_requests_running": ["model_name", "engine"],
    "vllm:num_requests_waiting": ["model_name", "engine"],
  },
};

/**
 * Hugging Face TGI's router (docs/source/reference/metrics.md; router/src/server.rs,
 * router/src/infer/mod.rs): every request counts in tgi_request_count, failures in
 * tgi_request_failure by `err` (validation errors are the client's, so they are left out),
 * end-to-end latency in the tgi_request_duration histogram (seconds); the queue and the running
 * batch are gauges. The rust metrics exporter names counters without a _total suffix.
 */
export const tgi: PresetDef = {
  name: "tgi",
  description: "Hugging Face Text Generation Inference: requests and failures (validation errors excluded), end-to-end latency histogram, queue and batch gauges; GPU from DCGM",
  requests: [{ metric: "tgi_request_count" }],
  errors: [{ metric: "tgi_request_failure", matchers: 'err!="validation"' }],
  latency: { name: "tgi_request_duration", toSeconds: 1, buckets: TGI_DURATION_BUCKETS },
  inFlight: { metrics: ["tgi_queue_size", "tgi_batch_current_size"] },
  // metrics::counter!/histogram! calls of router/src/server.rs and router/src/infer/mod.rs: only
  // failures carry a label (`err`: validation, overloaded, template, incomplete, ...).
  labels: { tgi_request_count: [], tgi_request_failure: ["err"], tgi_request_duration: [] },
};

export const kserve: PresetDef = {
  name: "kserve",
  description: "the KServe Python model server: the predict step's histogram (requests are its count); it counts no errors, so error signals are unavailable",
  requests: [{ metric: "request_predict_seconds_count" }],
  // A prometheus_client Histogram with labels ["model_name"] and no buckets of its own
  // (kserve/kserve python/kserve/kserve/metrics.py): the client's defaults.
  latency: { name: "request_predict_seconds", toSeconds: 1, buckets: PROMETHEUS_CLIENT_DEFAULT_BUCKETS },
  labels: { request_predict_seconds: ["model_name"], request_predict_seconds_count: ["model_name"] },
};

/**
 * TorchServe's frontend counts every HTTP response it sends in `Requests2XX`/`4XX`/`5XX` (labels
 * Level, Hostname only: NettyUtils.sendHttpResponse, pytorch/serve
 * frontend/server/src/main/java/org/pytorch/serve/util/NettyUtils.java): `/ping` probes and
 * management calls included, with no label to tell them apart. Requests therefore come from
 * `ts_inference_requests_total` (model_name, model_version, hostname: ts/configs/metrics.yaml),
 * which InferenceRequestHandler.predict increments for inference requests only (not `/ping`,
 * not the management or metrics APIs). Errors remain `Requests5XX`, the only failure counter
 * TorchServe has: besides failed inferences it counts a failing `/ping` (500 "Unhealthy") and
 * failed management calls, i.e. faults of the pod anyway.
 */
export const torchserve: PresetDef = {
  name: "torchserve",
  description:
    "TorchServe with metrics_mode=prometheus (port 8082): inference requests (`ts_inference_requests_total`, no probes or management calls), errors are every 5XX response of the frontend (`Requests5XX`, which has no path label: an unhealthy /ping counts); latency is a counter of microseconds, so latency quantiles are unavailable",
  requests: [{ metric: "ts_inference_requests_total" }],
  errors: [{ metric: "Requests5XX" }],
  metricsPort: 8082,
  gpu: { memory: { ratio: "GPUMemoryUtilization", scale: 0.01 }, utilization: { metric: "GPUUtilization", scale: 0.01 } },
  labels: { ts_inference_requests_total: ["model_name", "model_version", "hostname"], Requests5XX: ["Level", "Hostname"] },
};

/**
 * BentoML ≥ 1.2 counts every HTTP request but `/metrics` with `endpoint` = the request path
 * (RunnerTrafficMetricsMiddleware, installed with namespace `bentoml_service` by bentoml/BentoML
 * src/_bentoml_impl/server/app.py; defined in
 * src/bentoml/_internal/server/http/instruments.py), so kubelet probes of `/livez`, `/readyz`
 * and `/healthz` would be requests: excluded from requests, errors and latency alike (releases
 * after 1.4 skip them in the middleware already).
 *
 * The scrape sets its own `endpoint` label (the Prometheus Operator's ServiceMonitor and PodMonitor
 * put the port name there: prometheus-operator/prometheus-operator pkg/prometheus/promcfg.go), and
 * Prometheus keeps a scraped label of the same name as `exported_endpoint` (honor_labels false,
 * the default): the request path is there, `endpoint` holds "http".
 */
const BENTOML_NOT_PROBES = 'exported_endpoint!~"/(livez|readyz|healthz)"';
/** Labels of RunnerTrafficMetricsMiddleware's request counter and duration histogram (instruments.py). */
const BENTOML_REQUEST_LABELS = ["endpoint", "service_name", "service_version", "http_response_code", "runner_name"] as const;

export const bentoml: PresetDef = {
  name: "bentoml",
  description: "BentoML 1.2+ (`bentoml_service_*`): requests by HTTP code, request duration histogram; health probes (/livez, /readyz, /healthz) excluded",
  requests: [{ metric: "bentoml_service_request_total", matchers: BENTOML_NOT_PROBES }],
  errors: [{ metric: "bentoml_service_request_total", matchers: `${BENTOML_NOT_PROBES},http_response_code=~"5.."` }],
  // BentoMLContainer.duration_buckets: api_server.metrics.duration unset (the default,
  // src/bentoml/_internal/configuration/v2/default_configuration.yaml) gives DEFAULT_BUCKET of
  // src/bentoml/_internal/utils/metrics.py; configurable there. Since 1.4 (before: 0.005 .. 10 s).
  latency: {
    name: "bentoml_service_request_duration_seconds",
    matchers: BENTOML_NOT_PROBES,
    toSeconds: 1,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 180],
  },
  // Gauge of requests currently being processed (docs.bentoml.com, observability/metrics:
  // default metrics, `bentoml_service_request_in_progress`, labels endpoint, service_name, ...).
  inFlight: { metrics: ["bentoml_service_request_in_progress"], matchers: BENTOML_NOT_PROBES },
  labels: {
    bentoml_service_request_total: BENTOML_REQUEST_LABELS,
    bentoml_service_request_duration_seconds: BENTOML_REQUEST_LABELS,
    bentoml_service_request_in_progress: ["endpoint", "service_name", "service_version", "runner_name"],
  },
};

/**
 * MLServer's inference counters live in its DataPlane, shared by the REST and gRPC servers
 * (SeldonIO/MLServer mlserver/handlers/dataplane.py), so they count both; its only latency
 * histogram, `rest_server_request_duration_seconds`, is the REST server's (labels method, path:
 * the route template, e.g. `/v2/models/{model_name}/infer`). Latency signals are therefore about
 * REST inference only and always divide by the histogram's own count (contract.ts: latencyRate,
 * latencyObserved, slowRatio), never by the counters.
 */
export const mlserver: PresetDef = {
  name: "mlserver",
  description:
    "Seldon MLServer (port 8082): inference success/failure counters (REST and gRPC); latency from the REST server's request duration histogram on the infer path, so latency quantiles, the latency SLO, latency alerts and the gate's slow-request test cover REST inference only and are judged on the requests that histogram observed",
  requests: [{ metric: "model_infer_request_success_total" }, { metric: "model_infer_request_failure_total" }],
  errors: [{ metric: "model_infer_request_failure_total" }],
  metricsPort: 8082,
  // starlette_exporter passes no buckets unless given some (stephenhillier/starlette_exporter
  // starlette_exporter/middleware.py), and MLServer gives none (mlserver/rest/app.py): the
  // prometheus_client defaults.
  latency: { name: "rest_server_request_duration_seconds", matchers: 'path=~"/v2/models/.+/infer"', toSeconds: 1, buckets: PROMETHEUS_CLIENT_DEFAULT_BUCKETS },
  // The REST app's starlette_exporter PrometheusMiddleware (prefix `rest_server`, app_name
  // "mlserver": mlserver/rest/app.py) keeps `<prefix>_requests_in_progress`, a gauge incremented
  // as a request comes in and decremented after its response (stephenhillier/starlette_exporter
  // starlette_exporter/middleware.py). REST only, with no path label: gRPC is not counted.
  inFlight: { metrics: ["rest_server_requests_in_progress"] },
  labels: {
    // DataPlane's Counters (mlserver/handlers/dataplane.py); scraped as exported_model, exported_version.
    model_infer_request_success_total: ["model", "version"],
    model_infer_request_failure_total: ["model", "version"],
    // starlette_exporter middleware.py: request_time and requests_in_progress.
    rest_server_request_duration_seconds: ["method", "path", "status_code", "app_name"],
    rest_server_requests_in_progress: ["method", "app_name"],
  },
};

/**
 * Ray Serve's proxy records its own routes under `/-/` (`/-/healthz`, `/-/routes`) in the same
 * HTTP metrics (label `route`); Ray's own Serve dashboard leaves them out with `route!~"/-/.*"`
 * (ray-project/ray python/ray/dashboard/modules/metrics/dashboards/serve_dashboard_panels.py).
 * Every Ray metric is exported by the node's metrics agent on `--metrics-export-port`, not on
 * the Serve HTTP port (docs.ray.io cluster/metrics; KubeRay's default and Ray's examples: 8080);
 * without that flag Ray picks a random port, so start Ray with `--metrics-export-port=8080` or set
 * `monitoring.scrape.port`.
 */
const RAY_NOT_PROXY_ROUTES = 'route!~"/-/.*"';

export const rayserve: PresetDef = {
  name: "rayserve",
  description:
    "Ray Serve (metrics from the Ray metrics agent, `--metrics-export-port` 8080): HTTP requests and errors, request latency histogram in milliseconds, replica health; the proxy's own /-/ routes (health checks) excluded",
  requests: [{ metric: "ray_serve_num_http_requests_total", matchers: RAY_NOT_PROXY_ROUTES }],
  errors: [{ metric: "ray_serve_num_http_error_requests_total", matchers: `${RAY_NOT_PROXY_ROUTES},error_code=~"5.."` }],
  // DEFAULT_LATENCY_BUCKET_MS (ray-project/ray python/ray/serve/_private/constants.py), in ms;
  // configurable with RAY_SERVE_REQUEST_LATENCY_BUCKETS_MS. The metrics agent prints str(bound).
  latency: {
    name: "ray_serve_http_request_latency_ms",
    matchers: RAY_NOT_PROXY_ROUTES,
    toSeconds: 0.001,
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 300, 400, 500, 1000, 2000, 5000, 10000, 60000, 120000, 300000, 600000],
  },
  metricsPort: 8080,
  loaded: { metric: "ray_serve_deployment_replica_healthy" },
  // tag_keys of the proxy's metrics (python/ray/serve/_private/proxy.py, GenericProxy.__init__).
  labels: {
    ray_serve_num_http_requests_total: ["route", "method", "application", "status_code"],
    ray_serve_num_http_error_requests_total: ["route", "error_code", "method", "application"],
    ray_serve_http_request_latency_ms: ["method", "route", "application", "status_code"],
  },
};
