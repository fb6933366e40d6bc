import { CACHE_ENV, cacheVolume, type ServerRuntime } from "./types";

/**
 * BentoML (`bentoml serve`). Sources (bentoml/BentoML):
 * - there is no generic serving image: the track's image is a Bento's own (`bentoml
 *   containerize`), which has BentoML and the Bento's dependencies on PATH (/app/.venv/bin;
 *   src/bentoml/_internal/container/frontend/dockerfile/templates/base_v2.j2).
 * - command: `bentoml serve <dir>` loads a built Bento directory (one with bento.yaml) or a
 *   project (bentofile.yaml / service.py) (src/bentoml/_internal/service/loader.py); `--host`,
 *   `--port` (src/bentoml_cli/serve.py; default port 3000). It replaces the image's entrypoint,
 *   which would append the Bento baked into the image (entrypoint.sh).
 * - delivery copy: `bentoml serve` reads local paths only; s3 is for import_bento/import_model.
 * - probes: /livez and /readyz (500 until the service is ready) (src/bentoml/_internal/server/
 *   base_app.py); up to 10 minutes.
 * - writable paths: BENTOML_HOME is created at startup (bentos, models, envs, tmp) and holds the
 *   prometheus multiprocess dir (src/bentoml/_internal/configuration/containers.py), so it moves
 *   to the cache volume; usage tracking off with BENTOML_DO_NOT_TRACK=true
 *   (src/bentoml/_internal/utils/analytics/usage_stats.py).
 * - metrics on the serving port: bentoml_service_request_in_progress gauge;
 *   bentoml_service_request_duration_seconds buckets 0.005 … 180 s, 0.5 among them
 *   (src/bentoml/_internal/utils/metrics.py DEFAULT_BUCKET), the schema's default SLO threshold.
 */
export const bentoml: ServerRuntime = {
  name: "bentoml",
  description:
    "BentoML: serves the built Bento directory (bento.yaml, src, models) copied from MODEL_URI, in an image with its dependencies (e.g. the Bento's own containerized image); port 3000",
  delivery: "copy",
  defaults: {
    port: 3000,
    command: ["bentoml", "serve", "$(MODEL_PATH)", "--host", "0.0.0.0", "--port", "3000"],
    probes: {
      startup: { path: "/livez", initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 60 },
      readiness: { path: "/readyz" },
      liveness: { path: "/livez" },
    },
    volumes: [cacheVolume("2Gi")],
    env: {
      ...CACHE_ENV,
      BENTOML_HOME: "/cache/bentoml",
      BENTOML_DO_NOT_TRACK: "true",
    },
    monitoring: { preset: "bentoml" },
    // In-flight requests per pod.
    autoscaling: { metric: "inFlight", target: 8 },
  },
};
