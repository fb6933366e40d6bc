import { CACHE_ENV, cacheVolume, type ServerRuntime } from "./types";

/**
 * Seldon MLServer (seldonio/mlserver). Sources (SeldonIO/MLServer):
 * - command: `mlserver start <folder>` serves every `model-settings.json` under the folder
 *   (mlserver/repository/repository.py). The image's CMD, a shell line that also unpacks an
 *   environment tarball into the read-only working dir, is replaced; `mlserver` is on the
 *   image's PATH (/opt/conda/bin; Dockerfile).
 * - ports from MLSERVER_* settings (mlserver/settings.py): http_port 8080, grpc_port 8081,
 *   metrics_port 8082, set explicitly.
 * - delivery copy: MLServer never reads s3:// (Seldon Core and KServe use a storage initializer).
 * - probes: /v2/health/live (always true once serving) and /v2/health/ready (true when every
 *   model is loaded) (mlserver/rest/app.py, mlserver/handlers/dataplane.py); the servers start
 *   while models load, so 5 minutes of startup is plenty.
 * - writable paths: metrics_dir and environments_dir default under the working dir
 *   /opt/mlserver (mlserver/settings.py), HF_HOME and NUMBA_CACHE_DIR under /opt/mlserver/.cache
 *   (Dockerfile): all moved to the cache volume.
 * - metrics on 8082 (docs/user-guide/metrics.md): rest_server_requests_in_progress (in-flight REST
 *   requests, starlette_exporter's `<prefix>_requests_in_progress` gauge with prefix
 *   rest_server); its request duration histogram uses prometheus_client's default buckets,
 *   which include the schema's default 0.5 s SLO threshold.
 */
export const mlserver: ServerRuntime = {
  name: "mlserver",
  description:
    "Seldon MLServer: serves the copied model folder (model-settings.json and artifacts) at MODEL_PATH; HTTP 8080, gRPC 8081, metrics 8082; environment tarballs are not unpacked (bake dependencies into the image)",
  delivery: "copy",
  defaults: {
    port: 8080,
    command: ["mlserver", "start", "$(MODEL_PATH)"],
    probes: {
      startup: { path: "/v2/health/live", initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 30 },
      readiness: { path: "/v2/health/ready" },
      liveness: { path: "/v2/health/live" },
    },
    volumes: [cacheVolume("2Gi")],
    env: {
      ...CACHE_ENV,
      NUMBA_CACHE_DIR: "/cache/numba",
      MLSERVER_HTTP_PORT: "8080",
      MLSERVER_GRPC_PORT: "8081",
      MLSERVER_METRICS_PORT: "8082",
      MLSERVER_METRICS_DIR: "/cache/metrics",
      MLSERVER_ENVIRONMENTS_DIR: "/cache/envs",
    },
    monitoring: { preset: "mlserver" },
    // In-flight REST requests per pod.
    autoscaling: { metric: "inFlight", target: 8 },
  },
};
