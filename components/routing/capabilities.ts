// What each router can express, as data: the schema rejects a config a router cannot
// honour before any resource exists, and capacity planning asks how capacity follows weight.

/** The routers a model may use (`router:`), each a way to split traffic between the tracks. */
export const ROUTER_NAMES = ["service", "replicas", "gateway-api", "istio", "nginx", "alb"] as const;
/** One of ROUTER_NAMES. */
export type RouterName = (typeof ROUTER_NAMES)[number];

/** Delivery features a model's `route` can ask for. */
export const FEATURES = {
  hostnames: "serve on hostnames",
  previewHostname: "give the candidate a preview hostname",
  previewHeader: "route a preview header to a track",
  abHeader: "route an A/B test by header",
  abCookie: "route an A/B test by cookie",
  abAnyTrack: "send A/B matches to the stable track",
  mirror: "mirror traffic",
  stickiness: "keep users on one track (stickiness)",
} as const;
export type Feature = keyof typeof FEATURES;

/** What a router can express, as data: the schema rejects a config its router cannot honour. */
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
  /** Canary steps used when a model does not configure `steps`. */
  readonly defaultSteps: readonly number[];
  readonly features: ReadonlySet<Feature>;
  /** What it needs in the cluster (for docs and errors). */
  readonly needs: string;
}

const CANARY_STEPS = [10, 25, 50, 100] as const;

/** Each router's capabilities, by name. */
export const ROUTERS: Readonly<Record<RouterName, RouterCapabilities>> = {
  service: {
    name: "service",
    weights: "switch",
    capacity: "traffic",
    defaultSteps: [100],
    features: new Set(),
    needs: "nothing but Services",
  },
  replicas: {
    name: "replicas",
    weights: "percent",
    capacity: "replica-ratio",
    defaultSteps: CANARY_STEPS,
    features: new Set(),
    needs: "nothing but Services",
  },
  "gateway-api": {
    name: "gateway-api",
    weights: "percent",
    capacity: "traffic",
    defaultSteps: CANARY_STEPS,
    features: new Set<Feature>(["hostnames", "previewHostname", "previewHeader", "abHeader", "abAnyTrack", "mirror", "stickiness"]),
    needs: "the Gateway API CRDs (v1) and a Gateway (stickiness: one that implements RegularExpression header matches and filters on backendRefs)",
  },
  istio: {
    name: "istio",
    weights: "percent",
    capacity: "traffic",
    defaultSteps: CANARY_STEPS,
    features: new Set<Feature>(["hostnames", "previewHostname", "previewHeader", "abHeader", "abCookie", "abAnyTrack", "mirror", "stickiness"]),
    needs: "Istio >= 1.15 (with its CNI plugin or ambient mode, since pods are PSS restricted)",
  },
  nginx: {
    name: "nginx",
    weights: "percent",
    capacity: "traffic",
    defaultSteps: CANARY_STEPS,
    features: new Set<Feature>(["hostnames", "previewHostname", "previewHeader", "abHeader", "abCookie"]),
    needs: "the ingress-nginx controller (with the denylist-source-range annotation)",
  },
  alb: {
    name: "alb",
    weights: "percent",
    capacity: "traffic",
    defaultSteps: CANARY_STEPS,
    features: new Set<Feature>(["hostnames", "previewHostname", "previewHeader", "abHeader", "abAnyTrack", "stickiness"]),
    needs: "the AWS Load Balancer Controller",
  },
};

/** The routers that offer a feature, for error messages that point somewhere useful. */
export const routersWith = (feature: Feature): RouterName[] => ROUTER_NAMES.filter((r) => ROUTERS[r].features.has(feature));
