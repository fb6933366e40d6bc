import { CACHE_ENV, cacheVolume, shmVolume, type ServerRuntime } from "./types";

/**
 * NVIDIA Triton Inference Server (nvcr.io/nvidia/tritonserver:<yy.mm>-py3). Sources:
 * - command: the image's entrypoint (/opt/nvidia/nvidia_entrypoint.sh) runs its arguments, so
 *   args start with `tritonserver`, as KServe's kserve-tritonserver runtime does
 *   (kserve/kserve config/runtimes). Flags model-repository, http-port, grpc-port, metrics-port,
 *   exit-on-error: triton-inference-server/server src/command_line_parser.cc.
 * - delivery server: `--model-repository=s3://bucket/path` reads an S3 model *repository* (a
 *   directory of `<model>/config.pbtxt` + `<model>/<version>/`) itself (docs/user_guide/
 *   model_repository.md, "S3"). Without AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE
 *   it builds the S3 client with the AWS SDK's default credential chain, which includes web
 *   identity (IRSA) (triton-inference-server/core src/filesystem/implementations/s3.h); the
 *   region comes from AWS_DEFAULT_REGION. The repository is copied to a temp dir under /tmp.
 * - probes: /v2/health/live and /v2/health/ready (docs/protocol; with --strict-readiness, the
 *   default, ready means every model loaded: docs/customization_guide/deploy.md). Triton loads
 *   the models before it opens its ports (src/main.cc), so the startup probe covers the
 *   download and load: up to 15 minutes.
 * - /dev/shm: the Python backend allocates 64 MB per model instance there
 *   (triton-inference-server/python_backend README, "Managing Shared Memory"); 2Gi as in
 *   docs/getting_started/llm.md (--shm-size=2g).
 * - metrics on 8002 (docs/user_guide/metrics.md): nv_inference_pending_request_count, a gauge of
 *   requests waiting for a backend; latency is a cumulative counter, no histogram, so no
 *   latency SLO or latency alerts here.
 */
export const triton: ServerRuntime = {
  name: "triton",
  description:
    "NVIDIA Triton: reads the S3 model repository at MODEL_URI itself (a directory of <model>/config.pbtxt and <model>/<version>/, not a single model) with the track's IAM role; HTTP 8000, metrics 8002",
  delivery: "server",
  defaults: {
    port: 8000,
    args: ["tritonserver", "--model-repository=$(MODEL_PATH)", "--http-port=8000", "--grpc-port=8001", "--metrics-port=8002", "--exit-on-error=true"],
    probes: {
      startup: { path: "/v2/health/live", initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 90 },
      readiness: { path: "/v2/health/ready" },
      liveness: { path: "/v2/health/live" },
    },
    volumes: [
      cacheVolume("2Gi"),
      shmVolume("2Gi"),
    ],
    env: {
      ...CACHE_ENV,
    },
    monitoring: { preset: "triton" },
    // Requests waiting for a backend (not those executing), per pod.
    autoscaling: { metric: "inFlight", target: 4 },
  },
};
