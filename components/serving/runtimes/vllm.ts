import { CACHE_ENV, cacheVolume, shmVolume, type ServerRuntime } from "./types";

/**
 * vLLM's OpenAI-compatible server (image vllm/vllm-openai). Sources:
 * - command: `vllm serve <model dir>`, `--host`, `--port` (default 8000), `--served-model-name`
 *   (https://docs.vllm.ai/en/stable/cli/serve/; vllm-project/vllm docker/Dockerfile, stage
 *   vllm-openai: `ENTRYPOINT ["vllm", "serve"]`; older images start the api_server module, so
 *   the preset sets the command itself). The copied model is an HF `save_pretrained` directory.
 * - delivery copy: vLLM reads s3:// only through the Run:ai streamer (`--load-format
 *   runai_streamer`, https://docs.vllm.ai/en/stable/models/extensions/runai_model_streamer/),
 *   whose flags and packaging differ between versions.
 * - probes: `/health` (vllm-project/vllm docs/deployment/k8s.md, which asks for a generous
 *   startup failureThreshold: weights, torch.compile and CUDA-graph capture come first).
 * - caches under $HOME (VLLM_CACHE_ROOT, VLLM_CONFIG_ROOT, HF_HOME default there: vllm/envs.py);
 *   usage stats off with VLLM_NO_USAGE_STATS=1 / DO_NOT_TRACK=1
 *   (https://docs.vllm.ai/en/latest/usage/usage_stats/). USER is set because torch's
 *   getpass.getuser() fails for a UID missing from /etc/passwd (kserve/kserve#5666; Python
 *   getpass.getuser reads LOGNAME, USER, LNAME, USERNAME first).
 * - /dev/shm as a Memory emptyDir for tensor-parallel workers (docs/deployment/k8s.md: 2Gi).
 * - metrics on the serving port: vllm:num_requests_waiting / vllm:num_requests_running gauges,
 *   vllm:e2e_request_latency_seconds buckets 0.3 … 60 (… 7680 in newer releases), all with 30
 *   (vllm/v1/metrics/loggers.py; docs/design/metrics.md).
 */
export const vllm: ServerRuntime = {
  name: "vllm",
  description:
    "vLLM OpenAI-compatible server (vllm/vllm-openai): loads the copied Hugging Face model directory at MODEL_PATH, serves /v1 on 8000 under the model's name",
  delivery: "copy",
  defaults: {
    port: 8000,
    command: ["vllm", "serve"],
    args: ["$(MODEL_PATH)", "--host", "0.0.0.0", "--port", "8000", "--served-model-name", "$(MODEL_NAME)"],
    probes: {
      // The API server opens its port only after the engine is up: up to 30 minutes.
      startup: { path: "/health", initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 180 },
      readiness: { path: "/health" },
      liveness: { path: "/health", timeoutSeconds: 10 },
    },
    volumes: [
      cacheVolume("10Gi"),
      shmVolume("2Gi"),
    ],
    env: {
      ...CACHE_ENV,
      VLLM_CACHE_ROOT: "/cache/vllm",
      VLLM_CONFIG_ROOT: "/cache/vllm-config",
      VLLM_NO_USAGE_STATS: "1",
      DO_NOT_TRACK: "1",
      USER: "modelship",
      LOGNAME: "modelship",
    },
    monitoring: {
      preset: "vllm",
      alerts: {
        latencyP99Seconds: 30,
        latencyP50Seconds: 5,
        // vLLM reserves gpu_memory_utilization (0.9 by default) of the GPU for weights and KV
        // cache at startup, so GPU memory sits near that share whatever the load: only a full
        // GPU (1, the highest the schema allows) is worth an alert.
        gpuMemoryRatio: 1,
      },
      // 30 s is a vllm:e2e_request_latency_seconds bucket boundary in every release.
      slo: { latency: { thresholdMs: 30000 } },
    },
    // Requests running in the engine plus those waiting for it, per pod.
    autoscaling: { metric: "inFlight", target: 32 },
  },
};
