import type { ModelConfig } from "../../config/schema";
import { modelship } from "./modelship";
import type { PresetName } from "./names";
import { bentoml, kserve, mlserver, rayserve, tgi, torchserve, triton, vllm } from "./servers";
import type { PresetDef } from "./types";

export * from "./names";
export type { HistogramRef, PresetDef } from "./types";

export const PRESETS: Readonly<Record<Exclude<PresetName, "custom">, PresetDef>> = { modelship, triton, vllm, tgi, kserve, torchserve, bentoml, mlserver, rayserve };

const UNIT_SECONDS = { seconds: 1, milliseconds: 0.001, microseconds: 0.000001 } as const;

/** The preset a model's monitoring config names, with `custom` built from its config. */
export function presetFor(monitoring: ModelConfig["monitoring"]): PresetDef {
  if (monitoring.preset !== "custom") return PRESETS[monitoring.preset];
  const c = monitoring.custom;
  if (!c) throw new Error('preset "custom" needs monitoring.custom');
  return {
    name: "custom",
    description: "metric names from the model's config",
    requests: c.requests,
    errors: c.errors,
    latency: c.latency && { name: c.latency.histogram, matchers: c.latency.matchers, toSeconds: UNIT_SECONDS[c.latency.unit] },
    loaded: c.loaded,
    lastLoad: c.lastLoad,
    predictions: c.predictions && { name: c.predictions.histogram, matchers: c.predictions.matchers },
    drift: c.drift,
  };
}
