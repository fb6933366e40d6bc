// The `modelship:` stack config, as one zod schema. Every TypeScript type for config is
// inferred from here, and the README's config reference is kept in sync with it by a test.
import { z } from "zod";
import { ROUTERS, ROUTER_NAMES, type RouterName } from "../routing/capabilities";
import { PRESET_NAMES } from "../monitoring/presets/names";
// The preset table (presets import this module for types only, so no cycle at runtime).
import { PRESETS } from "../monitoring/presets";
import { routeProblems } from "../routing/validate";
import { parseQuantity } from "../serving/quantity";
import { qualityGate } from "./quality";
import { monitoringProblems } from "./monitoring-checks";
import { FLEET_OBJECT_NAMES, modelObjectNames } from "../serving/labels";
import { DATA_BYTES_MAX, dataKeyProblem, extendedResourceProblem, HEADER_NAME_MAX, HOSTNAME_MAX, HOSTNAMES_MAX, isCidr, isDns1123Subdomain, qualifiedNameProblem } from "./kube-limits";
import { affinity, annotations, argv, objectName, volume } from "./pod";
import { SERVER_NAMES } from "../serving/runtimes/types";
import { MODEL_DIR, RUNTIMES, withServerDefaults } from "../serving/runtimes";
import { LABEL } from "../serving/labels";
import { checked, dns1035, dns1123, echo, expected, IMAGE, int, isDigestPinned, labels, labelValue, matching, MAX_STRING, oneOf, quantity } from "./primitives";

export { ECHO_MAX, echo, expected, isDigestPinned, MAX_STRING } from "./primitives";

/** The two long-lived tracks of every model; roles (stable, candidate) move between them. */
export const COLOURS = ["blue", "green"] as const;
/** A track's colour: blue or green. */
export type Colour = (typeof COLOURS)[number];
export const otherColour = (c: Colour): Colour => (c === "blue" ? "green" : "blue");

/** Environment variables the track sets itself; config may not override them. */
export const RESERVED_ENV = ["MODEL_NAME", "MODEL_VERSION", "MODEL_URI", "MODEL_TRACK", "MODEL_PATH"] as const;

// Model names become parts of object names such as `<model>-preview`, so keep room for suffixes.
const MAX_MODEL_NAME = 45;

/**
 * Size budgets that keep every rendered object inside the API server's limits (kube-limits.ts:
 * 1.5 MiB an object, 1 MiB of Secret or ConfigMap data, 256 KiB of annotations). Each object is
 * rendered from one model's config (plus fleet settings), at most a few times over, except the
 * custom preset's selectors, which every rule and panel repeats; test/config/limits.test.ts renders
 * a config at every budget and measures the objects.
 */
/**
 * Models in one stack. No object grows with their number any more (the fleet dashboard queries the
 * recorded series of every model at once, so its size is the same for 1 model or 1,000); the cap
 * is the largest fleet measured (BENCHMARKS.md: synth, promote and rollback at 1,000 models). A larger
 * fleet splits into stacks, one namespace each.
 */
export const MAX_MODELS = 1000;
export const MODEL_CONFIG_BYTES_MAX = 64 * 1024;
/**
 * One model's custom preset: its rules and panels repeat these selectors. There is no budget for
 * the stack's presets together: the one fleet-wide object, the fleet dashboard, reads no selector.
 */
export const CUSTOM_PRESET_BYTES_MAX = 4 * 1024;

const track = z.strictObject({
  version: labelValue.min(1, { error: "expected a version, got an empty string" }),
  /** Omitted when the model has `build`: the track then runs the image built for its version. */
  image: matching(IMAGE, "an image reference `repo:tag` or `repo@sha256:<digest>`").optional(),
  modelUri: matching(/^[a-z][a-z0-9+.-]*:\/\/\S+$/, "a URI such as s3://bucket/models/1.0"),
  weight: int(0, 100),
  /** Retired tracks take no traffic and run the model's `idle` policy. */
  retired: z.boolean().default(false),
  /**
   * This version was rolled back (mid-canary, or by `undo` after its promotion completed). The
   * CLI never puts weight on it again: `promote` refuses it until a new `release` replaces it, so
   * a repeated rollback cannot bring it back. Routing state only; no Kubernetes object shows it.
   */
  rolledBack: z.boolean().default(false),
  /**
   * The highest weight this track's current version has carried. The CLI maintains it so a
   * rollback leaves the candidate provisioned (warm) and a demoted stable keeps full capacity.
   */
  peakWeight: int(0, 100).optional(),
  /** Offline evaluation results recorded for this version (used by the quality gate). */
  metrics: z.record(z.string(), z.number()).optional(),
  /**
   * Lets this version take traffic although its metrics fall below the model's thresholds: an
   * explicit, reviewed decision (`promote --force --reason`). A release replaces the track, and
   * with it the override, so it holds for this version only.
   */
  qualityOverride: z
    .strictObject({
      reason: z
        .string({ error: expected("a reason (why this version may take traffic below its thresholds)") })
        .regex(/\S/, { error: expected("a reason (why this version may take traffic below its thresholds)") })
        .max(500, { error: (iss) => `expected at most 500 characters, got ${String(iss.input).length}` }),
      by: z
        .string({ error: expected("who decided it") })
        .regex(/\S/, { error: expected("who decided it") })
        .max(100, { error: (iss) => `expected at most 100 characters, got ${String(iss.input).length}` }),
    })
    .optional(),
});

/** A duration such as 30s, 10m or 2h, as seconds. */
export const DURATION_UNITS = { s: 1, m: 60, h: 3600 } as const;
const duration = matching(/^[1-9][0-9]*(s|m|h)$/, "a duration such as 30s, 10m or 2h");
export const durationSeconds = (text: string) => Number(text.slice(0, -1)) * DURATION_UNITS[text.slice(-1) as keyof typeof DURATION_UNITS];

const probe = (path: string, d: { initialDelaySeconds: number; periodSeconds: number; timeoutSeconds: number; failureThreshold: number }) =>
  z
    .strictObject({
      path: matching(/^\/\S*$/, "an HTTP path starting with '/'").default(path),
      initialDelaySeconds: int(0, 3600).default(d.initialDelaySeconds),
      periodSeconds: int(1, 3600).default(d.periodSeconds),
      timeoutSeconds: int(1, 3600).default(d.timeoutSeconds),
      failureThreshold: int(1, 1000).default(d.failureThreshold),
    })
    .prefault({});

const scalingPolicy = z.strictObject({
  type: oneOf(["Pods", "Percent"] as const),
  value: int(1, 10000),
  periodSeconds: int(1, 1800),
});

const scalingRules = (window: number, policy: z.input<typeof scalingPolicy>) =>
  z
    .strictObject({
      stabilizationWindowSeconds: int(0, 3600).default(window),
      selectPolicy: oneOf(["Max", "Min", "Disabled"] as const).optional(),
      policies: z.array(scalingPolicy).min(1).default([policy]),
    })
    .prefault({});

const envValue = z.union(
  [
    z.string(),
    z.strictObject({ secret: z.string().min(1) }),
    z.strictObject({ secretKeyRef: z.strictObject({ name: dns1123, key: checked(dataKeyProblem, "a key of the Secret") }) }),
  ],
  { error: "expected a string, {secret: <name in modelship:secrets>} or {secretKeyRef: {name, key}}" },
);

// The API server's rules for a toleration (pkg/apis/core/validation: ValidateTolerations).
const toleration = z
  .strictObject({
    key: checked(qualifiedNameProblem, "a taint key ([prefix/]name)").optional(),
    operator: oneOf(["Equal", "Exists"] as const).default("Equal"),
    value: labelValue.optional(),
    effect: oneOf(["NoSchedule", "PreferNoSchedule", "NoExecute"] as const).optional(),
    tolerationSeconds: z.number({ error: expected("seconds") }).int({ error: expected("whole seconds") }).min(0, { error: expected("seconds >= 0") }).optional(),
  })
  .superRefine((t, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    if (!t.key && t.operator !== "Exists") issue("operator", `expected Exists when key is empty (an empty key with Exists tolerates every taint), got ${t.operator}`);
    if (t.operator === "Exists" && t.value) issue("value", `expected no value with operator Exists (it matches any value), got ${echo(t.value)}`);
    if (t.tolerationSeconds !== undefined && t.effect !== "NoExecute") issue("tolerationSeconds", `only applies to effect NoExecute, got effect ${t.effect ?? "(any)"}`);
  });

const hostname = matching(/^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/, "a DNS hostname such as models.example.com")
  .max(HOSTNAME_MAX, { error: (iss) => `expected a hostname of at most ${HOSTNAME_MAX} characters, got ${String(iss.input).length}` })
  .refine((h) => h.split(".").every((l) => l.length <= 63), { error: "expected a hostname whose dot-separated labels are at most 63 characters each" });
const headerName = matching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, "an HTTP header name").max(HEADER_NAME_MAX, {
  error: (iss) => `expected a header name of at most ${HEADER_NAME_MAX} characters, got ${String(iss.input).length}`,
});
// A cookie name is an RFC 6265 token; this subset also needs no quoting inside a regular
// expression or a header value, and its first character rules out the `__Host-`/`__Secure-`
// prefixes, which browsers accept only with attributes the track cookie does not carry.
const trackCookieName = matching(
  /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
  "a cookie name (an RFC 6265 token of letters, digits, '_', '.', '-', starting with a letter or digit, so no __Host- or __Secure- prefix)",
);

const route = z
  .strictObject({
    /** Hostnames the model is served on (gateway-api, istio, nginx, alb). */
    hostnames: z
      .array(hostname)
      .max(HOSTNAMES_MAX, { error: (iss) => `expected at most ${HOSTNAMES_MAX} hostnames (a Gateway API HTTPRoute holds no more, and a model may change routers), got ${(iss.input as unknown[]).length}` })
      .default([]),
    path: matching(/^\/\S*$/, "a path prefix starting with '/'").default("/"),
    preview: z
      .strictObject({
        /** `<header>: <colour>` pins a request to that track, e.g. `x-modelship-track: green`. */
        header: headerName.default("x-modelship-track"),
        /** A hostname that always reaches the candidate. */
        hostname: hostname.optional(),
      })
      .prefault({}),
    /**
     * Requests matching a header or cookie go to the track holding the role `track`; the rest follow
     * the weights. A role, not a colour: blue and green swap roles at every completed promotion.
     */
    abTest: z
      .strictObject({
        track: z
          .enum(["candidate", "stable"], {
            error: (iss) =>
              iss.input === "blue" || iss.input === "green"
                ? `expected candidate or stable, got "${iss.input}": blue and green swap roles at every promotion, so the A/B cohort follows a role; write candidate (the version being rolled out) or stable`
                : expected("candidate or stable")(iss),
          })
          .default("candidate"),
        header: z.strictObject({ name: headerName, value: z.string().min(1) }).optional(),
        /** Requests whose cookie `name` is `always` match (the ingress-nginx convention). */
        cookie: z.strictObject({ name: matching(/^[A-Za-z0-9_.-]+$/, "a cookie name") }).optional(),
      })
      .refine((ab) => (ab.header === undefined) !== (ab.cookie === undefined), { error: "expected either header or cookie" })
      .optional(),
    /** Copies a share of live requests to the candidate; its responses are discarded. */
    mirror: z.strictObject({ percent: int(1, 100) }).optional(),
    /**
     * Keeps a user on the track the weights first sent them to, for `durationSeconds`: a track
     * cookie the route sets and matches (istio, gateway-api), or target group stickiness (alb).
     */
    stickiness: z
      .strictObject({
        /** Name of the track cookie (istio, gateway-api); default `modelship-<model>`. */
        cookie: trackCookieName.optional(),
        durationSeconds: int(1, 604800).default(3600),
      })
      .optional(),
  })
  .prefault({});

const metricName = matching(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, "a Prometheus metric name");
const matchers = matching(/^[a-zA-Z_][a-zA-Z0-9_]*(=|!=|=~|!~)"[^"]*"(,[a-zA-Z_][a-zA-Z0-9_]*(=|!=|=~|!~)"[^"]*")*$/, 'PromQL label matchers such as status="error"');
/**
 * The label names the server puts on a metric's series (besides the scrape's namespace, pod,
 * model, track, version, instance, job, service, container, endpoint): every label `matchers`
 * filters on must be one of them, so a matcher on a label the series lack is an error here, not
 * a signal that silently reads 0.
 */
const serverLabels = z.array(matching(/^[a-zA-Z_][a-zA-Z0-9_]*$/, "a Prometheus label name")).max(64);
const counterRef = z.strictObject({
  metric: metricName,
  matchers: matchers.optional(),
  /** The counter's own labels, as the server exposes them. */
  labels: serverLabels.optional(),
});
const fraction = (d: number) => z.number({ error: expected("a fraction 0..1") }).gt(0, { error: expected("a fraction above 0") }).max(1, { error: expected("a fraction up to 1") }).default(d);
const positive = (d: number) => z.number({ error: expected("a positive number") }).gt(0, { error: expected("a positive number") }).default(d);

/** Where a `custom` preset finds each signal; a signal left out is unavailable. */
const customPreset = z.strictObject({
  requests: z.array(counterRef).min(1),
  errors: z.array(counterRef).min(1).optional(),
  latency: z
    .strictObject({
      histogram: metricName,
      unit: oneOf(["seconds", "milliseconds", "microseconds"] as const).default("seconds"),
      matchers: matchers.optional(),
      /** The histogram's own labels (besides `le`), as the server exposes them. */
      labels: serverLabels.optional(),
      /**
       * The histogram's bucket boundaries, in its unit, ascending, finite ones only (the `le`
       * values the server prints, +Inf left out). Required: `slo.latency.thresholdMs` must be
       * one of them, and latency alerts must stay below the highest, or their queries are empty.
       */
      buckets: z
        .array(z.number({ error: expected("a finite number (+Inf is implied)") }).gt(0, { error: expected("a boundary above 0") }), {
          error: (iss) =>
            iss.input === undefined
              ? "required: the histogram's bucket boundaries (its `le` values, in its unit, without +Inf): a latency threshold must be one of them, or the latency SLO's query selects no series"
              : expected("a list of bucket boundaries such as [0.1, 0.25, 0.5, 1]")(iss),
        })
        .min(1, { error: "expected at least one finite bucket boundary" })
        .max(200, { error: (iss) => `expected at most 200 bucket boundaries, got ${(iss.input as unknown[]).length}` })
        .refine((b) => b.every((x, i) => i === 0 || x > b[i - 1]), { error: "expected ascending boundaries, each above the one before" }),
    })
    .optional(),
  loaded: z
    .strictObject({
      metric: metricName,
      matchers: matchers.optional(),
      /** The gauge's own labels, as the server exposes them. */
      labels: serverLabels.optional(),
    })
    .optional(),
  lastLoad: z.strictObject({ metric: metricName }).optional(),
  predictions: z
    .strictObject({
      histogram: metricName,
      matchers: matchers.optional(),
      /** The histogram's own labels (besides `le`), as the server exposes them. */
      labels: serverLabels.optional(),
    })
    .optional(),
  drift: z.strictObject({ metric: metricName, featureLabel: z.string().default("feature") }).optional(),
});

const modelMonitoring = z
  .strictObject({
    /** Which metric names the model server exposes. */
    preset: oneOf(PRESET_NAMES).default("modelship"),
    custom: customPreset.optional(),
    scrape: z
      .strictObject({
        kind: oneOf(["ServiceMonitor", "PodMonitor"] as const).default("ServiceMonitor"),
        /** Container port of the metrics endpoint; default: the preset's, else the model port. */
        port: int(1, 65535).optional(),
        path: matching(/^\/\S*$/, "an HTTP path starting with '/'").default("/metrics"),
        interval: matching(/^[0-9]+(s|m)$/, "a duration such as 30s").default("30s"),
      })
      .prefault({}),
    /** Alert thresholds; defaults from the classic serving playbook. */
    alerts: z
      .strictObject({
        errorRatioWarning: fraction(0.01),
        errorRatioCritical: fraction(0.05),
        latencyP99Seconds: positive(0.5),
        latencyP50Seconds: positive(0.1),
        /**
         * Maximum model age: ModelStale fires when the server's last-load time is older than this.
         * Off unless set (a healthy model that is never reloaded is not a fault); needs a preset
         * whose server exposes its last load time.
         */
        stalenessHours: z.number({ error: expected("hours") }).gt(0, { error: expected("a positive number of hours") }).optional(),
        driftPsi: positive(0.2),
        /** Absolute change of the mean prediction, last hour against last day. */
        predictionShift: positive(0.1),
        cpuRatio: fraction(0.8),
        memoryRatio: fraction(0.85),
        gpuMemoryRatio: fraction(0.9),
        /** Requests per second below which error and latency alerts stay silent. */
        minRequestRate: positive(0.1),
      })
      .prefault({}),
    /** Track against track: the canary alerts and the analysis gate. */
    canary: z
      .strictObject({
        /** A track fails when its error ratio exceeds max(errorFactor x other, other + errorMargin). */
        errorFactor: positive(1.5),
        errorMargin: fraction(0.005),
        /** ... or its latency (p95 for alerts, p99 for the gate) exceeds max(latencyFactor x other, other + latencyMarginSeconds). */
        latencyFactor: positive(1.2),
        /** Absorbs histogram bucket steps, so two equal tracks never differ by a bucket alone. */
        latencyMarginSeconds: z.number({ error: expected("seconds") }).min(0, { error: expected("seconds >= 0") }).default(0.02),
        /** Requests per second a track needs before it is compared at all. */
        minRequestRate: positive(0.5),
      })
      .prefault({}),
    slo: z
      .strictObject({
        availability: z.number({ error: expected("a percentage such as 99.9") }).min(50, { error: expected("50..99.999") }).max(99.999, { error: expected("50..99.999") }).default(99.9),
        latency: z
          .strictObject({ quantile: fraction(0.99), thresholdMs: positive(500) })
          .prefault({}),
        /**
         * Failed (or slow) requests a burn-rate alert's long window must hold before it may fire:
         * one failure among a handful of requests is noise, not a burning budget.
         */
        minBadEvents: int(1, 1_000_000).default(5),
      })
      .prefault({}),
  })
  .prefault({});

/** What sizes a track (`autoscaling.metric`); the last two go through KEDA. */
export const AUTOSCALING_METRICS = ["cpu", "memory", "requestsPerPod", "inFlight"] as const;

const modelObject = z.strictObject({
  name: dns1035(MAX_MODEL_NAME),
  /** The model server: its preset fills in the container, probes, metrics and autoscaling signal. */
  server: oneOf(SERVER_NAMES).default("modelship"),
  port: int(1, 65535).default(8080),
  /** Replace the image's entrypoint / arguments; `$(MODEL_PATH)` and other env expand (Kubernetes does it). */
  command: argv.optional(),
  args: argv.optional(),
  /** Extra volumes, each mounted into the server container. */
  volumes: z.array(volume).max(50).default([]),
  podAnnotations: annotations.default({}),
  /** Extra pod labels; never the labels modelship selects pods by. */
  podLabels: labels.default({}),
  affinity: affinity.optional(),
  priorityClassName: objectName("a PriorityClass name").optional(),
  runtimeClassName: objectName("a RuntimeClass name (e.g. nvidia)").optional(),
  imagePullSecrets: z.array(objectName("a Secret name")).max(20).default([]),
  /** Extra annotations on the tracks' ServiceAccounts. */
  serviceAccountAnnotations: annotations.default({}),
  router: oneOf(ROUTER_NAMES).optional(),
  route,
  stable: oneOf(COLOURS),
  tracks: z.strictObject({ blue: track, green: track }),
  resources: z
    .strictObject({
      requests: z.strictObject({ cpu: quantity.default("500m"), memory: quantity.default("1Gi"), "ephemeral-storage": quantity.optional() }).prefault({}),
      limits: z.strictObject({ cpu: quantity.default("2"), memory: quantity.default("4Gi"), "ephemeral-storage": quantity.optional() }).prefault({}),
      gpu: int(0, 16).default(0),
      gpuResource: checked(extendedResourceProblem, "an extended resource name").default("nvidia.com/gpu"),
    })
    .prefault({}),
  probes: z
    .strictObject({
      // A model can take minutes to load: the startup probe holds liveness off for 10 + 30 x 10 s.
      startup: probe("/health", { initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 30 }),
      readiness: probe("/ready", { initialDelaySeconds: 0, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 }),
      liveness: probe("/health", { initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 }),
    })
    .prefault({}),
  autoscaling: z
    .strictObject({
      minReplicas: int(1, 1000).default(2),
      maxReplicas: int(1, 1000).default(10),
      cpuUtilization: int(1, 100).default(70),
      memoryUtilization: int(1, 100).optional(),
      /**
       * The signal that sizes a track: cpu and memory utilisation (a HorizontalPodAutoscaler), or,
       * through a KEDA ScaledObject, requests per second per pod, in-flight requests per pod (the
       * server preset's queue signal), or a PromQL query of your own with its per-pod target.
       */
      metric: z
        .union([oneOf(AUTOSCALING_METRICS), z.strictObject({ query: matching(/\S/, "a PromQL query"), target: positive(1) })], {
          error: expected(`one of ${AUTOSCALING_METRICS.join(", ")}, or {query, target}`),
        })
        .default("cpu"),
      /** Per-pod target of requestsPerPod (req/s) or inFlight (requests being served or queued). */
      target: z.number({ error: expected("a positive number") }).gt(0, { error: expected("a positive number") }).optional(),
      behavior: z
        .strictObject({
          scaleUp: scalingRules(60, { type: "Pods", value: 2, periodSeconds: 60 }),
          scaleDown: scalingRules(300, { type: "Percent", value: 10, periodSeconds: 60 }),
        })
        .prefault({}),
    })
    .prefault({}),
  env: z.record(matching(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name"), envValue).default({}),
  nodeSelector: labels.default({}),
  tolerations: z.array(toleration).default([]),
  /** What a retired track runs: warm = the model's minimum replicas, cold = none. */
  idle: oneOf(["warm", "cold"] as const).optional(),
  /** Replicas for a just-released candidate that no step has sized yet. */
  previewReplicas: int(1, 100).default(1),
  /** Candidate weights a promotion walks through, ending at 100. */
  steps: z.array(int(1, 100)).min(1).optional(),
  /** How `modelship advance` decides each step: the canary gate's bake time, limits and error rate. */
  rollout: z
    .strictObject({
      /** Time a step must have been in effect before the gate may pass it. */
      bake: duration.default("10m"),
      /** After this long in effect without a verdict, a step is stalled: `onStall` says what happens. */
      maxInconclusive: duration.default("1h"),
      onStall: oneOf(["hold", "rollback"] as const).default("hold"),
      /** Bound on the chance that a healthy candidate is rolled back at a step, however often the gate looks. */
      alpha: z.number({ error: expected("a probability such as 0.01") }).gt(0, { error: expected("a probability above 0") }).max(0.2, { error: expected("at most 0.2") }).default(0.01),
      /** Tolerated ratio of the candidate's share of slow requests to the stable's. */
      slowFactor: z.number({ error: expected("a number above 1") }).gt(1, { error: expected("a number above 1") }).default(1.5),
      /** Tolerated absolute excess of the candidate's share of slow requests over the stable's. */
      slowMargin: fraction(0.02),
      /**
       * What counts as slow: a latency histogram bucket boundary in milliseconds. Default: the
       * boundary just below the stable track's p99, so a slowdown inside one bucket still shows.
       */
      slowThresholdMs: z.number({ error: expected("milliseconds") }).gt(0, { error: expected("milliseconds above 0") }).optional(),
    })
    .prefault({}),
  monitoring: modelMonitoring,
  /** Builds the serving image (pushed to the model's ECR repository) for tracks without `image`. */
  build: z
    .strictObject({
      context: z.string().min(1),
      dockerfile: z.string().min(1).default("Dockerfile"),
      platform: matching(/^[a-z0-9]+\/[a-z0-9]+(\/[a-z0-9]+)?$/, "a platform such as linux/amd64").default("linux/amd64"),
    })
    .optional(),
  /** Minimum offline metrics a version must have recorded before it may be promoted. */
  thresholds: z.record(z.string(), z.number()).optional(),
});

/** A model: its server's preset (components/serving/runtimes) under what the stack file says. */
const model = z.preprocess(withServerDefaults, modelObject);

const cidr = matching(/^[0-9a-fA-F.:]+\/[0-9]+$/, "a CIDR block such as 10.0.0.0/16").refine(isCidr, {
  error: (iss) => `expected a CIDR block such as 10.0.0.0/16 (an IPv4 address and 0..32, or an IPv6 address and 0..128), got ${echo(iss.input)}`,
});

/** Per-router settings for the whole stack; a router a model uses must have its required ones. */
const routers = z
  .strictObject({
    "gateway-api": z
      .strictObject({
        gateway: z.strictObject({ name: dns1123, namespace: dns1123, sectionName: checked((s) => (isDns1123Subdomain(s) ? undefined : "lower-case letters, digits, '-' and '.', at most 253 characters"), "a listener name (Gateway API SectionName)").optional() }),
      })
      .optional(),
    istio: z
      .strictObject({
        /** Istio Gateways (`namespace/name`) the VirtualServices bind to, besides the mesh. */
        gateways: z.array(matching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\/[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "namespace/name (two DNS-1123 labels)")).default([]),
        /** Where the ingress gateway pods run (allowed by the NetworkPolicy). */
        gatewayNamespace: dns1123.default("istio-system"),
      })
      .prefault({}),
    nginx: z
      .strictObject({
        ingressClassName: dns1123.default("nginx"),
        /** Where the controller pods run (allowed by the NetworkPolicy). */
        controllerNamespace: dns1123.default("ingress-nginx"),
      })
      .prefault({}),
    alb: z
      .strictObject({
        ingressClassName: dns1123.default("alb"),
        scheme: oneOf(["internal", "internet-facing"] as const).default("internal"),
        /** Shares one ALB between Ingresses (alb.ingress.kubernetes.io/group.name). */
        groupName: dns1123.optional(),
        /** ACM certificate for HTTPS listeners. */
        certificateArn: matching(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate\/[A-Za-z0-9-]+$/, "an ACM certificate ARN").optional(),
        /** The VPC ranges the ALB sends from (target type ip), allowed by the NetworkPolicy. */
        vpcCidrs: z.array(cidr).min(1, { error: "expected at least one CIDR" }),
      })
      .optional(),
  })
  .prefault({});

const peer = z
  .strictObject({
    namespace: dns1123.optional(),
    podLabels: labels.optional(),
  })
  .refine((p) => p.namespace !== undefined || p.podLabels !== undefined, { error: "expected namespace, podLabels or both" });

/** Pod labels modelship owns: selectors and the version label. */
const RESERVED_LABEL_KEYS = new Set<string>(Object.values(LABEL));
const IRSA_ANNOTATION = "eks.amazonaws.com/role-arn";

/** The stack whose stack file is production's: production whatever its `environment` says. */
export const PRODUCTION_STACK = "production";

const fleetObject = z
  .strictObject({
    environment: oneOf(["development", "staging", "production"] as const),
    namespace: dns1123,
    createNamespace: z.boolean().default(true),
    router: oneOf(ROUTER_NAMES).default("service"),
    routers,
    networkPolicy: z
      .strictObject({
        /** Who may call the models besides the routing layer; default: pods in the same namespace. */
        allowFrom: z.array(peer).default([]),
        prometheus: peer.default({ namespace: "monitoring", podLabels: { "app.kubernetes.io/name": "prometheus" } }),
      })
      .prefault({}),
    monitoring: z
      .strictObject({
        enabled: z.boolean().default(true),
        /** The `release` label kube-prometheus-stack selects monitors and rules by. */
        release: labelValue.default("kube-prometheus-stack"),
        /**
         * Alerts link to `<runbookBaseUrl>#<alertname in lower case>`. Unset: the repository CI
         * builds (GitHub Actions, GitLab CI), else the runbooks of the installed modelship version
         * (components/monitoring/runbooks.ts); set it so every machine renders the same link.
         */
        runbookBaseUrl: matching(/^https?:\/\/\S+$/, "an http(s) URL").optional(),
        /** Alerts link to the model's dashboard when set. */
        grafanaUrl: matching(/^https?:\/\/\S+$/, "an http(s) URL").optional(),
        /**
         * Record each track's configured weight and role as series (a PrometheusRule owned by the
         * route, changed exactly when the route is). The "track carries weight but gets no
         * traffic" and "weight on a track without pods" alerts, alerts' `role` label and the
         * configured-vs-observed panels read them. On by default; off, a weight change touches
         * the routing object alone and those alerts are not rendered.
         */
        recordWeights: z.boolean().default(true),
        /** Grafana folder of the dashboards (sidecar folder annotation). */
        dashboardFolder: z.string().min(1).default("ML models"),
      })
      .prefault({}),
    aws: z
      .strictObject({
        enabled: z.boolean().default(false),
        region: matching(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/, "an AWS region such as eu-west-1").optional(),
        /** The EKS cluster's IAM OIDC provider, which IRSA roles trust. */
        oidcProviderArn: matching(/^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/\S+$/, "an IAM OIDC provider ARN").optional(),
        oidcProviderUrl: matching(/^(https:\/\/)?[a-z0-9.-]+(\/\S*)?$/, "the OIDC issuer URL, e.g. https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE").optional(),
        /** Creates this S3 bucket for model artifacts (versioned, encrypted, private). */
        artifactsBucket: matching(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "an S3 bucket name").optional(),
        /** KMS key for the bucket and for decrypting artifacts. */
        kmsKeyArn: matching(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[a-f0-9-]+$/, "a KMS key ARN").optional(),
        /** ECR lifecycle: how many release images to keep, and when untagged layers expire. */
        keepImages: int(1, 1000).default(30),
        untaggedExpiryDays: int(1, 365).default(7),
      })
      .prefault({}),
    /** Secret values (`pulumi config set --secret --path 'secrets.NAME'`), referenced by env `{secret: NAME}`. */
    secrets: z.record(checked(dataKeyProblem, "a secret name (a Secret data key)"), z.string({ error: expected("a secret value (a string)") })).default({}),
    /** The init container that copies a model for servers that cannot read s3:// themselves. */
    modelCopy: z
      .strictObject({
        /** An image with the AWS CLI (`aws s3 cp`), pinned by digest, e.g. public.ecr.aws/aws-cli/aws-cli@sha256:… */
        image: matching(IMAGE, "an image reference `repo@sha256:<digest>`").refine(isDigestPinned, { error: "expected an image pinned by digest (repo@sha256:...): it runs in every pod that copies a model" }),
      })
      .optional(),
    /** KEDA, for autoscaling on anything but cpu and memory. */
    keda: z
      .strictObject({
        /** Where KEDA's Prometheus scaler queries the metrics contract. */
        prometheusAddress: matching(/^https?:\/\/\S+$/, "an http(s) URL").default("http://prometheus-operated.monitoring.svc:9090"),
      })
      .prefault({}),
    models: z
      .array(model)
      .min(1, { error: "expected at least one model" })
      .max(MAX_MODELS, { error: (iss) => `expected at most ${MAX_MODELS} models in one stack (the largest fleet measured; split a larger one into stacks), got ${(iss.input as unknown[]).length}` }),
  });

/**
 * The fleet schema for one stack (its bare name, when known). The production rules follow the
 * stack as well as `environment`: a production stack file that says it is something else is an
 * error, and is still held to them.
 */
export const fleetSchemaFor = (stack?: string) =>
  fleetObject.superRefine((fleet, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
    const production = fleet.environment === "production" || stack === PRODUCTION_STACK;
    if (stack === PRODUCTION_STACK && fleet.environment !== "production") {
      issue(["environment"], `expected "production": the ${PRODUCTION_STACK} stack is production whatever this key says, got "${fleet.environment}"`);
    }
    if (fleet.aws.enabled) {
      for (const k of ["oidcProviderArn", "oidcProviderUrl"] as const) if (!fleet.aws[k]) issue(["aws", k], "required when modelship:aws.enabled (IRSA roles trust the cluster's OIDC provider)");
    }
    const seen = new Map<string, number>();
    // Every object a model renders, by kind/name: two models (or a model and the fleet) claiming
    // one would make synth fail and two Pulumi resources fight over one Kubernetes object.
    const owners = new Map<string, number>(FLEET_OBJECT_NAMES.map((o) => [`${o.kind}/${o.name}`, -1]));
    const secretBytes = Object.entries(fleet.secrets).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
    if (secretBytes > DATA_BYTES_MAX) issue(["secrets"], `expected at most ${DATA_BYTES_MAX / 1024} KiB of secrets (a Kubernetes Secret holds at most 1 MiB), got ${Math.ceil(secretBytes / 1024)} KiB`);
    fleet.models.forEach((m, i) => {
      const at = (...p: (string | number)[]) => ["models", i, ...p];
      const bytes = Buffer.byteLength(JSON.stringify(m));
      if (bytes > MODEL_CONFIG_BYTES_MAX) issue(at(), `expected at most ${MODEL_CONFIG_BYTES_MAX / 1024} KiB of config for one model (its objects must fit the API server's 1.5 MiB), got ${Math.ceil(bytes / 1024)} KiB`);
      const custom = m.monitoring.custom && Buffer.byteLength(JSON.stringify(m.monitoring.custom));
      if (custom && custom > CUSTOM_PRESET_BYTES_MAX) issue(at("monitoring", "custom"), `expected at most ${CUSTOM_PRESET_BYTES_MAX / 1024} KiB (every alert rule and dashboard panel repeats these selectors), got ${Math.ceil(custom / 1024)} KiB`);
      const first = seen.get(m.name);
      if (first !== undefined) issue(at("name"), `duplicate model name "${m.name}" (also models[${first}])`);
      else {
        seen.set(m.name, i);
        const objects = modelObjectNames(m.name).map((o) => `${o.kind}/${o.name}`);
        const clash = objects.find((o) => owners.has(o));
        if (clash !== undefined) {
          const owner = owners.get(clash)!;
          const other = owner < 0 ? "the fleet" : `models[${owner}] ("${fleet.models[owner].name}")`;
          issue(at("name"), `model "${m.name}" would render ${clash}, which ${other} also renders; choose a name that is not another model's name plus a suffix`);
        } else for (const o of objects) owners.set(o, i);
      }

      const { blue, green } = m.tracks;
      if (blue.weight + green.weight !== 100) {
        issue(at("tracks"), `weights must sum to 100, got blue ${blue.weight} + green ${green.weight} = ${blue.weight + green.weight}`);
      }
      const stable = m.tracks[m.stable];
      if (stable.retired) issue(at("tracks", m.stable, "retired"), `the stable track (${m.stable}) cannot be retired`);
      for (const c of COLOURS) {
        if (m.tracks[c].retired && m.tracks[c].weight > 0) {
          issue(at("tracks", c, "weight"), `a retired track takes no traffic, got weight ${m.tracks[c].weight}`);
        }
        if (m.tracks[c].rolledBack && m.tracks[c].weight > 0) {
          issue(at("tracks", c, "weight"), `a rolled-back version takes no traffic (release it again to retry), got weight ${m.tracks[c].weight}`);
        }
        // The offline quality gate, for every path into the file (CLI, hand edit, synth, pulumi up):
        // the candidate takes traffic only if its recorded metrics meet the thresholds, or the file
        // records an override. Never the stable track: it is where rollback and undo send all
        // traffic, so a stable version that predates (or misses) the thresholds must stay valid.
        const gate = qualityGate(m.thresholds, m.tracks[c]);
        if (c !== m.stable && m.tracks[c].weight > 0 && gate.state === "fail") {
          issue(
            at("tracks", c, "weight"),
            `${m.tracks[c].version} is below the model's quality thresholds (${gate.shortfalls.join("; ")}), so it may take no traffic unless tracks.${c}.qualityOverride records who decided otherwise and why (modelship promote --force --reason TEXT writes it); got weight ${m.tracks[c].weight}`,
          );
        }
        const image = m.tracks[c].image;
        if (production && image !== undefined && !isDigestPinned(image)) {
          issue(at("tracks", c, "image"), `production images must be pinned by digest (repo@sha256:...), got "${m.tracks[c].image}"`);
        }
      }

      const { minReplicas, maxReplicas } = m.autoscaling;
      if (minReplicas > maxReplicas) issue(at("autoscaling", "minReplicas"), `must be <= maxReplicas (${maxReplicas}), got ${minReplicas}`);

      const scaling = m.autoscaling;
      if ((scaling.metric === "requestsPerPod" || scaling.metric === "inFlight") && scaling.target === undefined) {
        issue(at("autoscaling", "target"), `required with metric ${scaling.metric}: the per-pod value a track is sized for`);
      }
      if (scaling.metric === "memory" && scaling.memoryUtilization === undefined) issue(at("autoscaling", "memoryUtilization"), "required with metric memory");
      if (scaling.metric === "inFlight" && (m.monitoring.preset === "custom" || !PRESETS[m.monitoring.preset].inFlight)) {
        const withSignal = Object.values(PRESETS).filter((p) => p.inFlight).map((p) => p.name);
        issue(at("autoscaling", "metric"), `monitoring preset "${m.monitoring.preset}" has no in-flight requests signal; use one of the presets that has (${withSignal.join(", ")}), requestsPerPod, or {query, target}`);
      }

      for (const r of ["cpu", "memory", "ephemeral-storage"] as const) {
        const req = parseQuantity(m.resources.requests[r] ?? "");
        const lim = parseQuantity(m.resources.limits[r] ?? "");
        if (req !== undefined && lim !== undefined && lim < req) {
          issue(at("resources", "limits", r), `must be >= requests.${r} (${m.resources.requests[r]}), got ${m.resources.limits[r]}`);
        }
      }

      for (const key of Object.keys(m.podLabels)) {
        if (RESERVED_LABEL_KEYS.has(key)) issue(at("podLabels", key), `modelship sets ${key} itself (it selects the track's pods by it)`);
      }
      if (fleet.aws.enabled && IRSA_ANNOTATION in m.serviceAccountAnnotations) {
        issue(at("serviceAccountAnnotations", IRSA_ANNOTATION), "modelship sets it to the track's IAM role (modelship:aws)");
      }
      const mounts = new Map<string, number>([["/tmp", -1]]);
      if (RUNTIMES[m.server].delivery === "copy") mounts.set(MODEL_DIR, -1);
      m.volumes.forEach((v, k) => {
        const other = mounts.get(v.mountPath);
        if (other !== undefined) issue(at("volumes", k, "mountPath"), `${v.mountPath} is already mounted (${other < 0 ? "by modelship" : `volumes[${other}]`})`);
        else mounts.set(v.mountPath, k);
        if (m.volumes.findIndex((w) => w.name === v.name) !== k) issue(at("volumes", k, "name"), `duplicate volume name "${v.name}"`);
      });
      // A memory-backed emptyDir (tmpfs, /dev/shm) is charged to the container's memory limit.
      const tmpfs = m.volumes.reduce((n, v) => n + (v.emptyDir?.medium === "Memory" ? (parseQuantity(v.emptyDir.sizeLimit ?? "0") ?? 0) : 0), 0);
      const memoryLimit = parseQuantity(m.resources.limits.memory);
      if (tmpfs > 0 && memoryLimit !== undefined && tmpfs >= memoryLimit) {
        issue(at("resources", "limits", "memory"), `must exceed the memory-backed volumes (${m.volumes.filter((v) => v.emptyDir?.medium === "Memory").map((v) => `${v.name} ${v.emptyDir!.sizeLimit}`).join(", ")}), which count against it, got ${m.resources.limits.memory}`);
      }
      if (RUNTIMES[m.server].delivery === "copy") {
        for (const c of COLOURS) {
          if (!m.tracks[c].modelUri.startsWith("s3://")) issue(at("tracks", c, "modelUri"), `server ${m.server} loads a copy made with aws s3 cp, so the model must be at an s3:// URI, got ${echo(m.tracks[c].modelUri)}`);
        }
      }
      if (RUNTIMES[m.server].delivery === "copy" && !fleet.modelCopy) {
        issue(["modelCopy"], `required by models[${i}] (server ${m.server} loads a local copy of the model: set modelCopy.image to an AWS CLI image pinned by digest)`);
      }

      for (const name of Object.keys(m.env)) {
        if ((RESERVED_ENV as readonly string[]).includes(name)) issue(at("env", name), `${name} is set by modelship from the track config`);
        const v = m.env[name];
        if (typeof v === "object" && "secret" in v && !(v.secret in fleet.secrets)) {
          issue(at("env", name, "secret"), `no secret "${v.secret}" in modelship:secrets (set it with: pulumi config set --secret --path 'secrets.${v.secret}')`);
        }
      }

      if (m.steps) {
        m.steps.forEach((s, k) => {
          if (k > 0 && s <= m.steps![k - 1]) issue(at("steps", k), `steps must increase, got ${s} after ${m.steps![k - 1]}`);
        });
        if (m.steps[m.steps.length - 1] !== 100) issue(at("steps"), `the last step must be 100, got ${m.steps[m.steps.length - 1]}`);
      }

      const router = ROUTERS[m.router ?? fleet.router];
      const routerKey = m.router ? `models[${i}].router` : "router";
      for (const p of routeProblems(m, router, routerKey)) issue(at(...p.path), p.message);
      if (router.name === "gateway-api" && !fleet.routers["gateway-api"]) {
        issue(["routers", "gateway-api"], `required by models[${i}] (the "gateway-api" router needs gateway.name and gateway.namespace)`);
      }
      if (router.name === "istio" && fleet.routers.istio.gateways.length === 0) {
        if (m.route.hostnames.length > 0) issue(at("route", "hostnames"), `the "istio" router (${routerKey}) serves hostnames through an Istio Gateway; set modelship:routers.istio.gateways`);
        if (m.route.preview.hostname) issue(at("route", "preview", "hostname"), `the "istio" router (${routerKey}) serves hostnames through an Istio Gateway; set modelship:routers.istio.gateways`);
      }
      if (router.name === "alb" && !fleet.routers.alb) {
        issue(["routers", "alb"], `required by models[${i}] (the "alb" router needs vpcCidrs for its NetworkPolicy)`);
      }
      if (router.weights === "switch") {
        for (const c of COLOURS) {
          const w = m.tracks[c].weight;
          if (w !== 0 && w !== 100) {
            issue(at("tracks", c, "weight"), `the "${router.name}" router (${routerKey}) only switches all traffic (0 or 100), got ${w}; choose a weighted router for canaries`);
          }
        }
        if (m.steps && m.steps.some((s) => s !== 100)) {
          issue(at("steps"), `the "${router.name}" router (${routerKey}) only switches all traffic, so steps can only be [100], got [${m.steps.join(", ")}]`);
        }
      }
      for (const c of COLOURS) {
        if (!m.tracks[c].image && !m.build) issue(at("tracks", c, "image"), "required (or give the model a build to make it)");
      }
      if (m.build && !fleet.aws.enabled) issue(at("build"), "pushes to the model's ECR repository: needs modelship:aws.enabled");
      if (fleet.aws.enabled) {
        for (const c of COLOURS) {
          const uri = m.tracks[c].modelUri;
          const under = /^s3:\/\/([^/]+)\/([^/]+)\//.exec(uri);
          if (!under || under[2] !== m.name) issue(at("tracks", c, "modelUri"), `with modelship:aws the pods may read only s3://<bucket>/${m.name}/...; got ${uri}`);
          else if (fleet.aws.artifactsBucket && under[1] !== fleet.aws.artifactsBucket) issue(at("tracks", c, "modelUri"), `expected a URI in the artifacts bucket s3://${fleet.aws.artifactsBucket}/${m.name}/..., got ${uri}`);
        }
      }
      const mon = m.monitoring;
      if (mon.preset === "custom" && !mon.custom) issue(at("monitoring", "custom"), `required by preset "custom": say where requests (and any other signal) are`);
      if (mon.preset !== "custom" && mon.custom) issue(at("monitoring", "custom"), `only used with preset "custom", got preset "${mon.preset}"`);
      if (mon.alerts.errorRatioWarning > mon.alerts.errorRatioCritical) {
        issue(at("monitoring", "alerts", "errorRatioWarning"), `must be <= errorRatioCritical (${mon.alerts.errorRatioCritical}), got ${mon.alerts.errorRatioWarning}`);
      }
      for (const p of monitoringProblems(m)) issue(at(...p.path), p.message);
      if (router.capacity === "replica-ratio" && m.idle === "warm") {
        issue(at("idle"), `the "${router.name}" router (${routerKey}) sends traffic to every running pod, so a retired track cannot stay warm; use idle: cold`);
      }
    });
  });

export const fleetSchema = fleetSchemaFor();

/** The `modelship:` config as a stack file (or a program) writes it, before defaults are filled in. */
export type FleetInput = z.input<typeof fleetSchema>;
/**
 * One `modelship:models[]` entry as a stack file writes it: what `ModelServing` takes as
 * `args.model`. Its server's preset and the schema's defaults fill in what it leaves out.
 */
export type ModelInput = z.input<typeof modelObject>;
/** The fleet-level keys a model's objects depend on: everything but `models` and `createNamespace`. */
export const FLEET_SETTING_KEYS = ["environment", "namespace", "router", "routers", "networkPolicy", "monitoring", "aws", "secrets", "modelCopy", "keda"] as const;
/**
 * The fleet-level keys (FLEET_SETTING_KEYS) as a stack file writes them: what `ModelServing` takes
 * as `args.fleet`. `environment` and `namespace` may be left out here (see ModelServingArgs).
 */
export type FleetSettingsInput = Omit<FleetInput, "models" | "createNamespace" | "environment" | "namespace"> & Partial<Pick<FleetInput, "environment" | "namespace">>;
type ParsedFleet = z.output<typeof fleetSchema>;
export type ParsedModel = ParsedFleet["models"][number];
export type RouterSettings = ParsedFleet["routers"];

/** A model with every default resolved, the router-dependent ones included. */
export type ModelConfig = Omit<ParsedModel, "router" | "steps" | "idle"> & {
  router: RouterName;
  steps: number[];
  idle: "warm" | "cold";
};
/** The validated `modelship:` config with every default resolved, as the program renders it. */
export type FleetConfig = Omit<ParsedFleet, "models"> & { models: ModelConfig[] };
/** The resolved fleet-level keys a model's objects depend on (FLEET_SETTING_KEYS). */
export type FleetSettings = Pick<FleetConfig, (typeof FLEET_SETTING_KEYS)[number]>;
/** One track of a resolved model: version, image, model URI and weight. */
export type TrackConfig = ModelConfig["tracks"][Colour];

/** Fills the defaults that depend on the chosen router. */
export function resolveFleet(parsed: ParsedFleet): FleetConfig {
  return {
    ...parsed,
    models: parsed.models.map((m) => {
      const router = m.router ?? parsed.router;
      const caps = ROUTERS[router];
      return {
        ...m,
        router,
        steps: m.steps ?? [...caps.defaultSteps],
        idle: m.idle ?? (caps.capacity === "replica-ratio" ? "cold" : "warm"),
      };
    }),
  };
}
