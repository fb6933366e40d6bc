// A component's arguments take the shape of a stack file's entries and go through the same schema,
// so a program of your own gets every default and cross-field rule the shipped program does, with
// problems named by argument path (`args.model.tracks.green.weight`) instead of stack-file key.
import { argsPath, ConfigError, isParsedFleet, parseFleetWith, type ProblemPaths } from "./validate";
import { FLEET_SETTING_KEYS, PRODUCTION_STACK, type FleetConfig, type FleetInput, type FleetSettings, type FleetSettingsInput, type ModelConfig, type ModelInput } from "./schema";

/** What ModelServing validates: one model, the fleet keys it depends on, and its namespace's name. */
export interface ServingArgsInput {
  model: ModelInput | ModelConfig;
  fleet?: FleetSettingsInput | FleetConfig;
  /** The namespace argument when it is a plain string; undefined when absent or an output. */
  namespace?: string;
  /** Whether a namespace argument was given as an output (its value is checked when known). */
  namespaceIsOutput: boolean;
}

/** One model and its fleet settings, resolved. */
export interface ServingConfig {
  model: ModelConfig;
  fleet: FleetSettings;
}

// Stack-file references inside the schema's messages (`modelship:aws.enabled`, `models[0]`),
// rewritten to the argument a component's user wrote.
const rewrite = (message: string, model: string | undefined, root: string) => {
  let m = message;
  if (model !== undefined) m = m.replace(/(modelship:)?models\[0\]/g, model);
  return m.replace(/modelship:(?=[A-Za-z])/g, `${root}.`);
};

/**
 * The environment a component's fleet is in when its args say none: production on a stack named
 * production (whose rules follow the stack, as with the stack file), else development.
 */
export const defaultEnvironment = (stack: string | undefined): FleetInput["environment"] => (stack === PRODUCTION_STACK ? "production" : "development");

/**
 * ModelServing's args as a one-model fleet, parsed by the fleet schema, so every default and
 * cross-field rule applies. Throws ConfigError naming `args.…` paths, reported as from `source`.
 * A model that is part of a FleetConfig parseFleetConfig returned is taken as it is.
 */
export function servingConfig(source: string, args: ServingArgsInput, stack: string | undefined): ServingConfig {
  const fleetArg = (args.fleet ?? {}) as Record<string, unknown>;
  const problems: { path: string; message: string }[] = [];
  const fleetNamespace = fleetArg.namespace;
  if (args.namespace !== undefined && fleetNamespace !== undefined && fleetNamespace !== args.namespace) {
    problems.push({ path: "args.namespace", message: `expected the namespace args.fleet.namespace names (${JSON.stringify(fleetNamespace)}), got ${JSON.stringify(args.namespace)}: give the namespace once` });
  }
  if (args.namespaceIsOutput && fleetNamespace === undefined) {
    problems.push({ path: "args.fleet.namespace", message: "required when args.namespace is an output: the namespace's name, which the output must then equal" });
  }
  if (problems.length > 0) throw new ConfigError(source, problems);

  if (isParsedFleet(args.fleet) && args.fleet.models.includes(args.model as ModelConfig)) return { model: args.model as ModelConfig, fleet: fleetSettings(args.fleet) };

  // Only the fleet keys: a whole FleetConfig (what fleetConfigFromStack returns) may be passed as
  // `fleet`, and its other models are no concern of this one.
  const settings = Object.fromEntries(Object.entries(fleetArg).filter(([k]) => k !== "models" && k !== "createNamespace"));
  const raw = {
    environment: defaultEnvironment(stack),
    ...(args.namespace !== undefined ? { namespace: args.namespace } : {}),
    ...settings,
    models: [args.model],
  };
  const namespaceFromArg = fleetNamespace === undefined && args.namespace !== undefined;
  const paths: ProblemPaths = {
    path: (p) => {
      if (p[0] === "models" && p[1] === 0) return argsPath("args.model", p.slice(2));
      if (p[0] === "models") return argsPath("args", p);
      if (p[0] === "namespace" && namespaceFromArg) return argsPath("args.namespace", p.slice(1));
      return argsPath("args.fleet", p);
    },
    text: (m) => rewrite(m, "args.model", "args.fleet"),
  };
  const fleet = parseFleetWith(raw, { source, stack, paths });
  return { model: fleet.models[0], fleet: fleetSettings(fleet) };
}

/**
 * ModelFleet's `config`: a FleetConfig parseFleetConfig returned is taken as it is; anything else
 * is parsed as the `modelship:` config a stack file holds, problems named `args.config.…`.
 */
export function fleetArgsConfig(source: string, config: FleetInput | FleetConfig, stack: string | undefined): FleetConfig {
  if (isParsedFleet(config)) return config;
  const paths: ProblemPaths = { path: (p) => argsPath("args.config", p), text: (m) => rewrite(m, undefined, "args.config") };
  return parseFleetWith(config as Record<string, unknown>, { source, stack, paths });
}

/** The fleet keys a model's objects depend on, taken from a resolved fleet. */
export const fleetSettings = (fleet: FleetConfig): FleetSettings => Object.fromEntries(FLEET_SETTING_KEYS.map((k) => [k, fleet[k]])) as FleetSettings;
