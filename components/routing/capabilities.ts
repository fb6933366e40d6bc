// What each router can express, as data: the schema rejects a config a router cannot
// honour before any resource exists, and capacity planning asks how capacity follows weight.

export const ROUTER_NAMES = ["service", "replicas"] as const;
export type RouterName = (typeof ROUTER_NAMES)[number];

export interface RouterCapabilities {
  readonly name: RouterName;
  /**
   * "switch": only whole-traffic moves (0 or 100) are possible.
   * "percent": any integer split 0..100.
   */
  readonly weights: "switch" | "percent";
  /**
   * "traffic": weights are enforced by the routing layer, so capacity can lead them
   * (stable stays full, the candidate is sized for its next step).
   * "replica-ratio": traffic follows the number of ready pods, so each track's
   * capacity *is* its weight and a track at weight 0 must run no pods.
   */
  readonly capacity: "traffic" | "replica-ratio";
  /** Whether the candidate can be reached on its own for smoke tests. */
  readonly preview: boolean;
  /** Canary steps used when a model does not configure `steps`. */
  readonly defaultSteps: readonly number[];
}

export const ROUTERS: Readonly<Record<RouterName, RouterCapabilities>> = {
  service: { name: "service", weights: "switch", capacity: "traffic", preview: true, defaultSteps: [100] },
  replicas: { name: "replicas", weights: "percent", capacity: "replica-ratio", preview: false, defaultSteps: [10, 25, 50, 100] },
};
