import { z } from "zod";
import { fleetSchema, fleetSchemaFor, resolveFleet, type FleetConfig } from "./schema";
import { nearest } from "./suggest";

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

type Def = { type: string; [k: string]: any };
const defOf = (s: z.ZodType): Def => (s as any)._zod.def;

/**
 * The keys the schema knows for the object at `path` (array indexes and map keys included), read
 * from the zod schema itself; empty when the path leads to no object.
 */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const def = defOf(schema);
  switch (def.type) {
    case "optional":
    case "default":
    case "prefault":
    case "nullable":
    case "readonly":
    case "nonoptional":
      return knownKeysAt(def.innerType, path);
    case "pipe":
      return knownKeysAt(def.in, path);
    case "union":
      return [...new Set((def.options as z.ZodType[]).flatMap((o) => knownKeysAt(o, path)))];
  }
  if (path.length === 0) return def.type === "object" ? Object.keys(def.shape) : [];
  const [head, ...rest] = path;
  if (def.type === "object" && typeof head === "string" && head in def.shape) return knownKeysAt(def.shape[head], rest);
  if (def.type === "array" && typeof head === "number") return knownKeysAt(def.element, rest);
  if (def.type === "record") return knownKeysAt(def.valueType, rest);
  return [];
}

function problemsOf(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.flatMap((iss) => {
    if (iss.code === "unrecognized_keys") {
      const known = knownKeysAt(fleetSchema, iss.path);
      return iss.keys.map((k) => {
        const near = nearest(k, known);
        return { path: keyPath([...iss.path, k]), message: near === undefined ? "unknown key" : `unknown key; did you mean ${keyPath([...iss.path, near])}?` };
      });
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
  // The stack the file belongs to (Pulumi.<stack>.yaml): its production rules follow the stack.
  const stack = /^Pulumi\.(.+)\.yaml$/.exec(stackFile)?.[1];
  const result = fleetSchemaFor(stack).safeParse(raw);
  if (!result.success) throw new ConfigError(stackFile, problemsOf(result.error));
  return resolveFleet(result.data);
}
