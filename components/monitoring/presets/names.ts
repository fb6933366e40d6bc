/** Model servers whose metric names modelship knows; `custom` takes them from config. */
export const PRESET_NAMES = ["modelship", "triton", "vllm", "tgi", "kserve", "torchserve", "bentoml", "mlserver", "rayserve", "custom"] as const;
export type PresetName = (typeof PRESET_NAMES)[number];
