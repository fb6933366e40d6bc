import { z } from "zod";
import { fleetSchema, resolveFleet, type FleetConfig } from "./schema";

export const CONFIG_NAMESPACE = "modelship";

/** A config rejection: every problem, each naming the stack file and the key path. */
export class ConfigError extends Error {
  constructor(
    readonly stackFile: string,
    readonly problems: readonly { path: string; message: string }[],
  ) {
    super(problems.map((p) => `${stackFile}: ${p.path}: ${p.message}`).join("\n"));
    this.name = "ConfigError";
  }
}

/** `["models", 1, "tracks", "green", "weight"]` → `modelship:models[1].tracks.green.weight`. */
export function keyPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return `${CONFIG_NAMESPACE}:`;
  const [head, ...rest] = path;
  return rest.reduce<string>(
    (acc, seg) => (typeof seg === "number" ? `${acc}[${seg}]` : `${acc}.${String(seg)}`),
    `${CONFIG_NAMESPACE}:${String(head)}`,
  );
}

function problemsOf(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.flatMap((iss) => {
    if (iss.code === "unrecognized_keys") {
      return iss.keys.map((k) => ({ path: keyPath([...iss.path, k]), message: "unknown key" }));
    }
    // zod's own wording for a wrong type is "Invalid input: expected X, received Y".
    const wrongType = /^Invalid input: expected (\w+), received (\w+)$/.exec(iss.message);
    const message = !wrongType ? iss.message : wrongType[2] === "undefined" ? "required" : `expected ${wrongType[1]}, got ${wrongType[2]}`;
    return [{ path: keyPath(iss.path), message }];
  });
}

/**
 * Validates the raw `modelship:` config (key → value, without the namespace) and resolves
 * router-dependent defaults. Throws ConfigError before anything else happens.
 */
export function parseFleetConfig(raw: Record<string, unknown>, stackFile: string): FleetConfig {
  const result = fleetSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(stackFile, problemsOf(result.error));
  return resolveFleet(result.data);
}
