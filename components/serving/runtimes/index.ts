// The `server:` presets, and how one fills in a model's config.
import { bentoml } from "./bentoml";
import { mlserver } from "./mlserver";
import { modelship } from "./modelship";
import { tgi } from "./tgi";
import { torchserve } from "./torchserve";
import { triton } from "./triton";
import type { ServerName, ServerRuntime } from "./types";
import { vllm } from "./vllm";

export * from "./types";

export const RUNTIMES: Record<ServerName, ServerRuntime> = { modelship, vllm, tgi, triton, torchserve, mlserver, bentoml };

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Lists merged by entry name: the model's entries replace the preset's of the same name. */
const BY_NAME = new Set(["volumes"]);

/** `over` on top of `base`: objects merge key by key, lists and values from `over` win. */
function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out = new Map<string, unknown>(Object.entries(base));
  for (const [k, v] of Object.entries(over)) {
    const b = out.get(k);
    if (isPlain(b) && isPlain(v)) out.set(k, merge(b, v));
    else if (BY_NAME.has(k) && Array.isArray(b) && Array.isArray(v)) {
      const named = new Set(v.map((x) => (isPlain(x) ? x.name : undefined)));
      out.set(k, [...b.filter((x) => !isPlain(x) || !named.has(x.name)), ...v]);
    } else out.set(k, v);
  }
  // fromEntries defines every key as an own property, "__proto__" included.
  return Object.fromEntries(out);
}

/**
 * A model's raw config with its server's preset under it (the stack file's values win). Anything
 * that is not a model with a known server is returned as it is, for the schema to report.
 */
export function withServerDefaults(model: unknown): unknown {
  if (!isPlain(model)) return model;
  const name = model.server ?? "modelship";
  if (typeof name !== "string" || !Object.prototype.hasOwnProperty.call(RUNTIMES, name)) return model;
  return merge(RUNTIMES[name as ServerName].defaults, model);
}
