// ModelFleet and ModelServing as other Pulumi languages see them (issue 16).
//
// Why these wrappers exist: `pulumi package add` builds the package schema, and from it the Python,
// Go, C#, Java and YAML SDKs, by reading the constructor `args` interfaces of the exported
// components with the TypeScript compiler (@pulumi/pulumi/provider/experimental/analyzer.js). The
// analyzer understands a subset of TypeScript: primitives, arrays, `{ [key: string]: T }` maps,
// interfaces, `pulumi.Input<T>`/`pulumi.Output<T>`, `any`, enums; it rejects other unions and
// intersections ("Union types are not supported ..."). The real components take the zod-derived
// config types (unions of literals mixed with objects, `Pick<...> & ...`), which it cannot read.
//
// So each wrapper takes the stack-file shape untyped — `config` is exactly the `modelship:` keys of
// a stack file, without the prefix — checks it with the same zod schema the stacks use
// (parseFleetConfig), and builds the real component from components/serving as its child. Nothing
// else happens here: what gets rendered is decided by components/serving alone.
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseFleetConfig, type FleetConfig } from "../config";
import { ModelFleet as FleetComponent, ModelServing as ServingComponent, type ModelSummary } from "../serving";

/** Inputs of ModelFleet. */
export interface ModelFleetPluginArgs {
  /**
   * The fleet, as the `modelship:` keys of a stack file write it, without the `modelship:` prefix:
   * environment, namespace, router, routers, networkPolicy, monitoring, aws, secrets, keda, models.
   * Checked against the modelship config schema; values must be known when the program runs (no
   * outputs of other resources, no secrets).
   */
  config: { [key: string]: any };
}

/** Inputs of ModelServing. */
export interface ModelServingPluginArgs {
  /** The namespace the model's objects go in. It must exist (ModelServing does not create it). */
  namespace: string;
  /** One `modelship:models` entry of a stack file, as written there (name, port, stable, tracks, ...). */
  model: { [key: string]: any };
  /**
   * The stack-wide settings the model reads, as a stack file writes them without the `modelship:`
   * prefix: environment (required), router, routers, networkPolicy, monitoring, aws, secrets, keda.
   */
  fleet?: { [key: string]: any };
}

/** One track of a model, as the stack output `models` reports it. */
export interface TrackStatus {
  version: string;
  /** The image the track runs (by digest when modelship built it). */
  image: string;
  /** Percent of live traffic. */
  weight: number;
  /** The track's own Service. */
  service: string;
  minReplicas: number;
  maxReplicas: number;
}

/** A model, as the stack output `models` reports it. */
export interface ModelStatus {
  name: string;
  router: string;
  /** The colour (blue or green) that is stable. */
  stable: string;
  steps: number[];
  /** Where live traffic enters (a Service name, or the route's hostname). */
  live: string;
  preview?: string;
  /** Keyed by colour: blue and green. */
  tracks: { [colour: string]: TrackStatus };
}

/** ModelSummary (plain data) in the shape the schema declares. */
const status = (s: ModelSummary): ModelStatus => ({
  name: s.name,
  router: s.router,
  stable: s.stable,
  steps: s.steps,
  live: s.live,
  ...(s.preview !== undefined ? { preview: s.preview } : {}),
  tracks: Object.fromEntries(
    Object.entries(s.tracks).map(([colour, t]) => [colour, { version: t.version, image: t.image, weight: t.weight, service: t.service, minReplicas: t.minReplicas, maxReplicas: t.maxReplicas }]),
  ),
});

type PathOf = (schemaPath: string) => string;

/**
 * Validates the raw `modelship:` keys with the stacks' schema. A rejection becomes an
 * InputPropertiesError whose property paths are the component's arguments (`config.models[0].port`),
 * which the engine prints per property.
 */
function validated(component: string, name: string, raw: Record<string, unknown>, pathOf: PathOf): FleetConfig {
  const label = `${component} "${name}"`;
  try {
    return parseFleetConfig(raw, label);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const errors = e.problems.map((p) => ({ propertyPath: pathOf(p.path), reason: p.message }));
    throw new pulumi.InputPropertiesError({
      message: [`${label}: invalid arguments`, ...errors.map((x) => `  ${x.propertyPath}: ${x.reason}`)].join("\n"),
      errors,
    });
  }
}

/** `modelship:models[0].port` → the part after `modelship:` (`models[0].port`), `""` for the root. */
const schemaKey = (p: string) => (p.startsWith("modelship:") ? p.slice("modelship:".length) : p);
const join = (base: string, rest: string) => (rest === "" ? base : rest.startsWith("[") ? `${base}${rest}` : `${base}.${rest}`);

/**
 * The first place in an argument that holds no plain value: an output of another resource, a
 * secret, or a value unknown during preview. The schema can only judge values it can see.
 */
function notPlain(v: unknown, at: string, depth = 0): string | undefined {
  if (pulumi.Output.isInstance(v) || pulumi.Resource.isInstance(v) || v instanceof Promise) return at;
  if (typeof v !== "object" || v === null || depth > 100) return undefined;
  // A secret or unknown as the provider's wire format decodes it, nested in a plain value.
  if (pulumi.runtime.specialSigKey in v) return at;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const found = notPlain(v[i], `${at}[${i}]`, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  for (const [k, x] of Object.entries(v)) {
    const found = notPlain(x, `${at}.${k}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}

function requirePlain(component: string, name: string, args: Record<string, unknown>): void {
  const errors = Object.entries(args)
    .map(([k, v]) => notPlain(v, k))
    .filter((p): p is string => p !== undefined)
    .map((propertyPath) => ({
      propertyPath,
      reason: "must be a plain value known when the program runs (not an output of another resource, a secret, or unknown), since the config schema checks it before anything is created",
    }));
  if (errors.length > 0) {
    throw new pulumi.InputPropertiesError({ message: [`${component} "${name}": invalid arguments`, ...errors.map((x) => `  ${x.propertyPath}: ${x.reason}`)].join("\n"), errors });
  }
}

function requireObject(component: string, name: string, arg: string, v: unknown, optional = false): Record<string, unknown> {
  if (v === undefined && optional) return {};
  if (typeof v === "object" && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  const got = v === undefined ? "required" : `expected an object, got ${Array.isArray(v) ? "array" : v === null ? "null" : typeof v}`;
  throw new pulumi.InputPropertiesError({ message: `${component} "${name}": invalid arguments\n  ${arg}: ${got}`, errors: [{ propertyPath: arg, reason: got }] });
}

/**
 * Every model of a stack, in its namespace: a namespace (unless createNamespace is false), and per
 * model two tracks (Deployments, Services), the route between them and its network policy.
 */
export class ModelFleet extends pulumi.ComponentResource {
  /** The namespace the models run in. */
  public readonly namespace: pulumi.Output<string>;
  /** What each model serves and where, as the stacks' `models` output reports it. */
  public readonly models: pulumi.Output<ModelStatus[]>;

  constructor(name: string, args: ModelFleetPluginArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked before anything is registered: a rejected fleet creates nothing.
    requirePlain("ModelFleet", name, { config: args?.config });
    const raw = requireObject("ModelFleet", name, "config", args?.config);
    const config = validated("ModelFleet", name, raw, (p) => join("config", schemaKey(p)));
    super("modelship:index:ModelFleet", name, {}, opts);
    const fleet = new FleetComponent(name, { config }, { parent: this });
    this.namespace = fleet.namespace;
    this.models = pulumi.all(fleet.models.map((m) => m.summary)).apply((all) => all.map(status));
    this.registerOutputs({ namespace: this.namespace, models: this.models });
  }
}

/** One model in an existing namespace: two tracks (Deployments, Services), the route between them and its network policy. */
export class ModelServing extends pulumi.ComponentResource {
  /** The namespace the model runs in. */
  public readonly namespace: pulumi.Output<string>;
  /** Where live traffic enters (a Service name, or the route's hostname). */
  public readonly live: pulumi.Output<string>;
  /** What the model serves and where, as the stacks' `models` output reports it. */
  public readonly summary: pulumi.Output<ModelStatus>;

  constructor(name: string, args: ModelServingPluginArgs, opts?: pulumi.ComponentResourceOptions) {
    requirePlain("ModelServing", name, { namespace: args?.namespace, model: args?.model, fleet: args?.fleet });
    if (typeof args?.namespace !== "string") {
      const reason = args?.namespace === undefined ? "required" : `expected a string, got ${typeof args.namespace}`;
      throw new pulumi.InputPropertiesError({ message: `ModelServing "${name}": invalid arguments\n  namespace: ${reason}`, errors: [{ propertyPath: "namespace", reason }] });
    }
    const model = requireObject("ModelServing", name, "model", args.model);
    const fleetArgs = requireObject("ModelServing", name, "fleet", args.fleet, true);
    // One model is a fleet of one, checked by the same schema; paths go back to the argument they came from.
    const raw = { ...fleetArgs, namespace: args.namespace, models: [model] };
    const config = validated("ModelServing", name, raw, (p) => {
      const key = schemaKey(p);
      if (key === "namespace") return "namespace";
      if (key === "models") return "model";
      if (key.startsWith("models[0]")) return join("model", key.slice("models[0]".length).replace(/^\./, ""));
      return join("fleet", key);
    });
    super("modelship:index:ModelServing", name, {}, opts);
    const serving = new ServingComponent(name, { namespace: config.namespace, model: config.models[0], fleet: config }, { parent: this });
    this.namespace = pulumi.output(config.namespace);
    this.live = serving.live;
    this.summary = serving.summary.apply(status);
    this.registerOutputs({ namespace: this.namespace, live: this.live, summary: this.summary });
  }
}
