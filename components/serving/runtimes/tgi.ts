import { TGI_DURATION_BUCKETS } from "../../monitoring/presets/servers";
import { CACHE_ENV, cacheVolume, shmVolume, type ServerRuntime } from "./types";

/**
 * TGI's duration buckets have no round values (0.0001 s x 1.5^n), so the latency SLO's threshold
 * is the boundary nearest 30 s, 1.5^31 x 0.0001 s = 28.76265888493261 s, taken from the list
 * itself so it is that boundary exactly (in ms: 28762.65888493261).
 */
const SLO_THRESHOLD_MS = TGI_DURATION_BUCKETS[30] * 1000;

/**
 * Hugging Face Text Generation Inference (ghcr.io/huggingface/text-generation-inference).
 * Sources (huggingface/text-generation-inference):
 * - command: the image's entrypoint /tgi-entrypoint.sh activates the venv and runs
 *   `text-generation-launcher $@` (Dockerfile, tgi-entrypoint.sh), so the preset sets args only.
 *   `--model-id` takes a local `save_pretrained` directory (docs/source/reference/launcher.md);
 *   the image sets PORT=80 (Dockerfile), below 1024, and the container runtime sets HOSTNAME to
 *   the pod's hostname, which the launcher would listen on (launcher.md: HOSTNAME, PORT), so both
 *   are passed as flags.
 * - delivery copy: TGI downloads only from the Hugging Face Hub, never s3://.
 * - probes: `/health` (router/src/server.rs); the router listens only once the shards have
 *   loaded and warmed up, so the startup probe carries the load: up to 30 minutes.
 * - caches: HF_HOME (the image sets /data), HUGGINGFACE_HUB_CACHE (launcher.md); usage stats off
 *   with USAGE_STATS=off (launcher.md); the shards' socket is under /tmp (SHARD_UDS_PATH).
 * - /dev/shm: a 1Gi Memory emptyDir for NCCL between shards (README.md, "A note on Shared Memory").
 * - metrics on the serving port (`/metrics`, router/src/server.rs): tgi_queue_size and
 *   tgi_batch_current_size gauges; tgi_request_duration buckets are 0.0001 x 1.5^k s (not round
 *   numbers, so no SLO threshold here).
 * - GPU memory: --cuda-memory-fraction defaults to 1.0 and max-batch-total-tokens fills what the
 *   weights leave (launcher.md).
 * Caveat: 3.x images install Python under /root, unreadable for a non-root UID
 * (huggingface/text-generation-inference#3082): use an image rebuilt without that.
 */
export const tgi: ServerRuntime = {
  name: "tgi",
  description:
    "Hugging Face Text Generation Inference: loads the copied model directory (safetensors) at MODEL_PATH, port 8080; 3.x images need a rebuild to run as non-root (TGI issue #3082)",
  delivery: "copy",
  defaults: {
    port: 8080,
    args: ["--model-id", "$(MODEL_PATH)", "--hostname", "0.0.0.0", "--port", "8080"],
    probes: {
      startup: { path: "/health", initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 180 },
      readiness: { path: "/health" },
      liveness: { path: "/health", timeoutSeconds: 10 },
    },
    volumes: [
      cacheVolume("10Gi"),
      shmVolume("1Gi"),
    ],
    env: {
      ...CACHE_ENV,
      HUGGINGFACE_HUB_CACHE: "/cache/huggingface/hub",
      USAGE_STATS: "off",
    },
    monitoring: {
      preset: "tgi",
      alerts: {
        latencyP99Seconds: 30,
        latencyP50Seconds: 5,
        // TGI takes the whole GPU (--cuda-memory-fraction 1.0) and fills what the weights leave
        // with KV cache, so GPU memory sits near full whatever the load: only a full GPU (1, the
        // highest the schema allows) is worth an alert.
        gpuMemoryRatio: 1,
      },
      slo: { latency: { thresholdMs: SLO_THRESHOLD_MS } },
    },
    // Requests queued plus those in the running batch, per pod.
    autoscaling: { metric: "inFlight", target: 32 },
  },
};
