// What a `server:` preset is: the model config a model server needs, written once. A preset is
// config defaults, not code: every value it sets can be overridden in the stack file, and the
// program renders a preset's model exactly as it renders any other (one path, one set of rules).

/** Model servers modelship can run from one `server:` line. */
export const SERVER_NAMES = ["modelship", "vllm", "tgi", "triton", "torchserve", "mlserver", "bentoml"] as const;
/** One of SERVER_NAMES. */
export type ServerName = (typeof SERVER_NAMES)[number];

/**
 * How the track's model (`modelUri`, also the container's `MODEL_URI`) reaches the server.
 * - `server`: the server reads the URI itself (s3:// through the track's IRSA role);
 * - `copy`: an init container (`modelship:modelCopy.image`) copies the URI into the `model`
 *   volume at MODEL_DIR before the server starts, and the server loads it from there.
 * Either way the container gets `MODEL_PATH`: what to load (the URI, or MODEL_DIR when copied).
 */
export type ModelDelivery = "server" | "copy";

/** Where a copied model lands, read-only for the server. */
export const MODEL_DIR = "/models";

/**
 * A preset: the raw config fragment (as a stack file would hold it under `models[i]`) that fills
 * in what the model's own config leaves out, plus how the model arrives.
 */
export interface ServerRuntime {
  name: ServerName;
  /** One line for the docs: the server, its image, any caveat. */
  description: string;
  delivery: ModelDelivery;
  /** Stack-file keys this preset sets (port, command, args, probes, volumes, env, monitoring, autoscaling …). */
  defaults: Record<string, unknown>;
}

/** Where every preset keeps caches and HOME: an emptyDir, since the root filesystem is read-only. */
export const CACHE_DIR = "/cache";
export const cacheVolume = (sizeLimit: string) => ({ name: "cache", mountPath: CACHE_DIR, emptyDir: { sizeLimit } });
/** A memory-backed /dev/shm (tmpfs, counted against the memory limit) for GPU servers' NCCL and backends. */
export const shmVolume = (sizeLimit: string) => ({ name: "shm", mountPath: "/dev/shm", emptyDir: { medium: "Memory", sizeLimit } });
/** HOME and the XDG and Hugging Face caches, on the cache volume. */
export const CACHE_ENV = { HOME: CACHE_DIR, XDG_CACHE_HOME: `${CACHE_DIR}/.cache`, HF_HOME: `${CACHE_DIR}/huggingface` } as const;
