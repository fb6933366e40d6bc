import type { ModelConfig } from "../../config/schema";
import { modelship } from "./modelship";
import type { PresetName } from "./names";
import { bentoml, kserve, mlserver, rayserve, tgi, torchserve, triton, vllm } from "./servers";
import type { PresetDef } from "./types";

export * from "./names";
export type { HistogramRef, PresetDef } from "./types";
export { TGI_DURATION_BUCKETS } from "./servers";

export const PRESETS: Readonly<Record<Exclude<PresetName, "custom">, PresetDef>> = { modelship, triton, vllm, tgi, kserve, torchserve, bentoml, mlserver, rayserve };

const UNIT_SECONDS = { seconds: 1, milliseconds: 0.001, microseconds: 0.000001 } as const;

/** The preset a model's monitoring config names, with `custom` built from its config. */
export function presetFor(monitoring: ModelConfig["monitoring"]): PresetDef {
  if (monitoring.preset !== "custom") return PRESETS[monitoring.preset];
  const c = monitoring.custom;
  if (!c) throw new Error('preset "custom" needs monitoring.custom');
  const ref = (r: { metric: string; matchers?: string }) => ({ metric: r.metric, ...(r.matchers !== undefined ? { matchers: r.matchers } : {}) });
  return {
    name: "custom",
    description: "metric names from the model's config",
    requests: c.requests.map(ref),
    errors: c.errors?.map(ref),
    latency: c.latency && { name: c.latency.histogram, matchers: c.latency.matchers, toSeconds: UNIT_SECONDS[c.latency.unit], buckets: c.latency.buckets },
    loaded: c.loaded && ref(c.loaded),
    lastLoad: c.lastLoad,
    predictions: c.predictions && { name: c.predictions.histogram, matchers: c.predictions.matchers },
    drift: c.drift,
    labels: customLabels(c),
  };
}

type CustomPreset = NonNullable<ModelConfig["monitoring"]["custom"]>;

/** The labels a custom preset declares, by metric: every entry naming a metric adds its own. */
function customLabels(c: CustomPreset): Record<string, readonly string[]> {
  const entries: { name: string; labels?: readonly string[] }[] = [
    ...c.requests.map((r) => ({ name: r.metric, labels: r.labels })),
    ...(c.errors ?? []).map((r) => ({ name: r.metric, labels: r.labels })),
    ...(c.latency ? [{ name: c.latency.histogram, labels: c.latency.labels }] : []),
    ...(c.loaded ? [{ name: c.loaded.metric, labels: c.loaded.labels }] : []),
    ...(c.predictions ? [{ name: c.predictions.histogram, labels: c.predictions.labels }] : []),
  ];
  const out = new Map<string, string[]>();
  for (const e of entries) {
    if (!e.labels) continue;
    const known = out.get(e.name) ?? [];
    out.set(e.name, [...known, ...e.labels.filter((l) => !known.includes(l))]);
  }
  // fromEntries defines every key as an own property, a metric named "__proto__" included.
  return Object.fromEntries(out);
}
