// Label and name conventions. A track's identity is its colour: selectors and names never
// carry a version or a weight, so a release is a rolling update of the same Deployment and
// a weight change never touches a pod template.
import type { Colour } from "../config/schema";

export const LABEL = {
  name: "app.kubernetes.io/name",
  version: "app.kubernetes.io/version",
  component: "app.kubernetes.io/component",
  managedBy: "app.kubernetes.io/managed-by",
  track: "modelship.io/track",
} as const;

export const MANAGED_BY = "modelship";

/**
 * On autoscalers: the weight (percent) the track's capacity is sized for. Policies hold full
 * tracks (100) to the production replica floor, not a canary candidate sized for its step.
 */
export const SIZED_FOR_ANNOTATION = "modelship.io/sized-for";

/** Selects every pod of a model, both tracks. */
export const modelSelector = (model: string) => ({ [LABEL.name]: model });

/** Selects the pods of one track; also the Deployment's immutable selector. */
export const trackSelector = (model: string, colour: Colour) => ({ ...modelSelector(model), [LABEL.track]: colour });

/** Labels for objects of a model that do not change when a version is released. */
export const modelLabels = (model: string, component: string) => ({
  ...modelSelector(model),
  [LABEL.component]: component,
  [LABEL.managedBy]: MANAGED_BY,
});

export const trackLabels = (model: string, colour: Colour) => ({ ...modelLabels(model, "model-server"), [LABEL.track]: colour });

/** Pod and Deployment labels: the track labels plus the version it runs. */
export const podLabels = (model: string, colour: Colour, version: string) => ({ ...trackLabels(model, colour), [LABEL.version]: version });

export const trackName = (model: string, colour: Colour) => `${model}-${colour}`;
