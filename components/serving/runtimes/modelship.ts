import type { ServerRuntime } from "./types";

/**
 * The reference server (components/image/reference-server): it reads MODEL_URI itself, serves
 * /health and /ready on 8080 and speaks the `modelship` metrics preset, which are the schema's
 * own defaults, so its preset adds nothing.
 */
export const modelship: ServerRuntime = {
  name: "modelship",
  description: "the reference server (components/image/reference-server): reads MODEL_URI itself; port 8080, /health and /ready",
  delivery: "server",
  defaults: {},
};
