import { cacheVolume, type ServerRuntime } from "./types";

/**
 * TorchServe (pytorch/torchserve; the project is in limited maintenance, pytorch/serve
 * README.md). Sources (pytorch/serve):
 * - layout: MODEL_URI holds `model-store/*.mar` and `config/config.properties`, the layout
 *   KServe's kserve-torchserve runtime uses (`--model-store=/mnt/models/model-store
 *   --ts-config=/mnt/models/config/config.properties`, kserve/kserve config/runtimes). The
 *   config file is the only place for what this preset needs and cannot pass as a flag:
 *   `inference_address=http://0.0.0.0:8080`, `management_address=http://0.0.0.0:8081`,
 *   `metrics_address=http://0.0.0.0:8082` (the defaults listen on 127.0.0.1) and
 *   `metrics_mode=prometheus` (the default, log, serves no request metrics on 8082;
 *   docs/configuration.md, docs/metrics.md); TS_* env applies only with enable_envvars_config.
 * - command: `torchserve --start --foreground` (ts/arg_parser.py, ts/model_server.py: the
 *   launcher waits for the frontend). It replaces the image's entrypoint, which would end in
 *   `tail -f /dev/null` and outlive a crashed server (docker/dockerd-entrypoint.sh).
 *   `--models all` loads every archive in the store; `--disable-token-auth` and `--ncs` keep it
 *   from writing key_file.json to the read-only working directory and config snapshots
 *   (docs/token_authorization_api.md; ConfigManager.java).
 * - delivery copy: TorchServe registers local archives or http(s) URLs, never s3://
 *   (docs/management_api.md).
 * - probes: GET /ping on the inference port, 500 while a model has fewer workers than minWorkers
 *   (docs/inference_api.md); up to 10 minutes to start the JVM and load the workers.
 * - writable paths: TEMP is the JVM's java.io.tmpdir, where archives are extracted and the worker
 *   sockets live (ts/model_server.py; the image sets /home/model-server/tmp); LOG_LOCATION and
 *   METRICS_LOCATION hold the logs (ConfigManager.java; default `logs` under the working dir).
 * - metrics on 8082; no queue gauge (the queue shows only in the management API) and latency is
 *   a microseconds counter, so no in-flight autoscaling and no latency SLO here.
 */
export const torchserve: ServerRuntime = {
  name: "torchserve",
  description:
    "TorchServe: MODEL_URI holds model-store/*.mar and config/config.properties (as for KServe; the config must set inference/management/metrics_address on 0.0.0.0:8080/8081/8082 and metrics_mode=prometheus); inference 8080, metrics 8082",
  delivery: "copy",
  defaults: {
    port: 8080,
    command: ["torchserve"],
    args: [
      "--start",
      "--foreground",
      "--model-store",
      "$(MODEL_PATH)/model-store",
      "--ts-config",
      "$(MODEL_PATH)/config/config.properties",
      "--models",
      "all",
      "--disable-token-auth",
      "--ncs",
    ],
    probes: {
      startup: { path: "/ping", initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 60 },
      readiness: { path: "/ping" },
      liveness: { path: "/ping" },
    },
    volumes: [cacheVolume("2Gi")],
    env: {
      HOME: "/cache",
      XDG_CACHE_HOME: "/cache/.cache",
      TEMP: "/tmp",
      LOG_LOCATION: "/cache/logs",
      METRICS_LOCATION: "/cache/logs",
    },
    monitoring: { preset: "torchserve" },
  },
};
