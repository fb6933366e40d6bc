// Container entry point of the reference model server. Configuration comes from the
// environment, which is how the serving Deployment hands a track its version and model URI.
import { startModelServer } from "./server";

/** A numeric env var, or a clear startup error (a typo should not silently mean "no faults"). */
function numberEnv(env: NodeJS.ProcessEnv, name: string, fallback?: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new Error(`${name} must be a number, got "${raw}"`);
  return n;
}

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const server = await startModelServer({
    host: "0.0.0.0", // inside a pod, the kubelet's probes and Prometheus come from outside
    port: numberEnv(env, "PORT", 8080),
    modelName: env.MODEL_NAME || "model",
    modelVersion: env.MODEL_VERSION || "0.0.0",
    modelUri: env.MODEL_URI,
    errorRate: numberEnv(env, "MODEL_ERROR_RATE"),
    latencyMs: numberEnv(env, "MODEL_LATENCY_MS"),
    loadDelayMs: numberEnv(env, "MODEL_LOAD_DELAY_MS"),
    seed: numberEnv(env, "MODEL_SEED"),
  });
  // One JSON line: log collectors parse it, and tests read the chosen port from it.
  console.log(JSON.stringify({ msg: "listening", port: server.port, model: env.MODEL_NAME || "model", version: env.MODEL_VERSION || "0.0.0", modelUri: env.MODEL_URI }));

  // Kubernetes sends SIGTERM on rollout: finish in-flight predictions, then exit cleanly,
  // well inside the default 30 s termination grace period.
  const stop = (signal: string) => {
    server.close().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error(JSON.stringify({ msg: "close failed", signal, error: String(e) }));
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(JSON.stringify({ msg: "startup failed", error: (e as Error).message }));
    process.exit(1);
  });
}
