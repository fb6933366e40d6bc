import { z } from "zod";
import { shapeOf, unwrapped } from "./zod-walk";
import { fleetSchema, fleetSchemaFor, resolveFleet, type FleetConfig } from "./schema";

/** Control characters as escapes: nothing echoed from a stack file can start a line of the report. */
export const escapeControl = (text: string) =>
  text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) =>
    c === "\n" ? "\\n" : c === "\r" ? "\\r" : c === "\t" ? "\\t" : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );

/** Caps on a report: lines per key path shape (indexes aside), lines in all, characters a line. */
export const REPORT_LIMITS = { perShape: 10, total: 50, lineChars: 1000 } as const;

/** The report's lines: capped, so megabytes of bad input never make megabytes of errors. */
export function reportLines(stackFile: string, problems: readonly { path: string; message: string }[]): string[] {
  const line = (text: string) => {
    const clean = escapeControl(text);
    return clean.length > REPORT_LIMITS.lineChars ? `${clean.slice(0, REPORT_LIMITS.lineChars - 1)}…` : clean;
  };
  const shapes = new Map<string, { shown: number; more: number; path: string }>();
  const lines: string[] = [];
  let dropped = 0;
  for (const p of problems) {
    const shape = p.path.replace(/\[\d+\]/g, "[]");
    const s = shapes.get(shape) ?? { shown: 0, more: 0, path: p.path };
    shapes.set(shape, s);
    if (s.shown >= REPORT_LIMITS.perShape) s.more++;
    else if (lines.length >= REPORT_LIMITS.total) dropped++;
    else {
      s.shown++;
      lines.push(line(`${stackFile}: ${p.path}: ${p.message}`));
    }
  }
  for (const s of shapes.values()) if (s.more > 0) lines.push(line(`${stackFile}: ${s.path.replace(/\[\d+\](?!.*\[\d+\])/, "[…]")}: … and ${s.more.toLocaleString("en-US")} more like this`));
  if (dropped > 0) lines.push(line(`${stackFile}: … and ${dropped.toLocaleString("en-US")} more problems`));
  return lines;
}
import { nearest } from "./suggest";
import { FORBIDDEN_VOLUME_SOURCES } from "./pod";

/** The Pulumi config namespace modelship reads: `modelship:<key>` in `Pulumi.<stack>.yaml`. */
export const CONFIG_NAMESPACE = "modelship";

/**
 * A config rejection, thrown before any resource is registered: every problem, each naming where
 * it is (the stack file, or a component) and its key or argument path.
 */
export class ConfigError extends Error {
  constructor(
    readonly stackFile: string,
    readonly problems: readonly { path: string; message: string }[],
  ) {
    super(reportLines(stackFile, problems).join("\n"));
    this.name = "ConfigError";
  }
}

/** `["models", 1, "tracks", "green", "weight"]` → `modelship:models[1].tracks.green.weight`. */
export function keyPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return `${CONFIG_NAMESPACE}:`;
  const [head, ...rest] = path;
  return rest.reduce<string>(
    (acc, seg) => (typeof seg === "number" ? `${acc}[${seg}]` : `${acc}.${keySegment(seg)}`),
    `${CONFIG_NAMESPACE}:${keySegment(head)}`,
  );
}

/** A key as a path shows it: escaped, and cut short when long. */
const keySegment = (seg: PropertyKey) => {
  const text = escapeControl(String(seg));
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
};

/**
 * The keys the schema knows for the object at `path` (array indexes and map keys included), read
 * from the zod schema itself; empty when the path leads to no object.
 */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const keys = unwrapped(schema).flatMap((s): string[] => {
    const shape = shapeOf(s);
    if (path.length === 0) return shape.kind === "object" ? Object.keys(shape.fields) : [];
    const [head, ...rest] = path;
    if (shape.kind === "object" && typeof head === "string" && head in shape.fields) return knownKeysAt(shape.fields[head], rest);
    if (shape.kind === "array" && typeof head === "number") return knownKeysAt(shape.element, rest);
    if (shape.kind === "record") return knownKeysAt(shape.value, rest);
    return [];
  });
  return [...new Set(keys)];
}

/**
 * How a report names a place in the config: a stack file's key paths (`keyPath`) or a component's
 * argument paths (`argsPath`). `text` rewrites the key paths the schema's own messages mention.
 */
export interface ProblemPaths {
  path(path: readonly PropertyKey[]): string;
  text(message: string): string;
}

/** The stack file's own naming: `modelship:models[1].tracks.green.weight`. */
export const STACK_FILE_PATHS: ProblemPaths = { path: keyPath, text: (m) => m };

/** `("args.config", ["models", 1, "weight"])` → `args.config.models[1].weight`. */
export function argsPath(root: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, seg) => (typeof seg === "number" ? `${acc}[${seg}]` : `${acc}.${keySegment(seg)}`), root);
}

function problemsOf(error: z.ZodError, paths: ProblemPaths): { path: string; message: string }[] {
  const keyPath = paths.path;
  return error.issues.flatMap((iss) => {
    if (iss.code === "unrecognized_keys") {
      const known = knownKeysAt(fleetSchema, iss.path);
      return iss.keys.map((k) => {
        // A key PSS "restricted" forbids says so, rather than "unknown".
        const forbidden = iss.path[iss.path.length - 2] === "volumes" && Object.prototype.hasOwnProperty.call(FORBIDDEN_VOLUME_SOURCES, k) ? FORBIDDEN_VOLUME_SOURCES[k] : undefined;
        if (forbidden) return { path: keyPath([...iss.path, k]), message: forbidden };
        const near = nearest(k, known);
        return { path: keyPath([...iss.path, k]), message: near === undefined ? "unknown key" : `unknown key; did you mean ${keyPath([...iss.path, near])}?` };
      });
    }
    // A bad map key: zod says "Invalid key in record" and keeps the key's own problems inside.
    if (iss.code === "invalid_key" && iss.issues.length > 0) return [{ path: keyPath(iss.path), message: iss.issues.map((k) => k.message).join("; ") }];
    // zod's own wording for a wrong type is "Invalid input: expected X, received Y".
    const wrongType = /^Invalid input: expected (\w+), received (\w+)$/.exec(iss.message);
    const message = !wrongType ? paths.text(iss.message) : wrongType[2] === "undefined" ? "required" : `expected ${wrongType[1]}, got ${wrongType[2]}`;
    return [{ path: keyPath(iss.path), message }];
  });
}

const PROTO_MESSAGE = `"__proto__" cannot be a key (JavaScript takes it for the object's prototype, so the value would be dropped)`;

/** Paths of every `__proto__` key: the schema's maps would drop them silently, so they are refused first. */
function protoKeys(root: unknown): PropertyKey[][] {
  // One path stack for the walk, copied only at a hit: a clean config allocates no paths.
  const found: PropertyKey[][] = [];
  const at: PropertyKey[] = [];
  const visit = (v: unknown, depth: number): void => {
    if (typeof v !== "object" || v === null || depth > 100) return;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        at.push(i);
        visit(v[i], depth + 1);
        at.pop();
      }
      return;
    }
    for (const k of Object.keys(v)) {
      at.push(k);
      if (k === "__proto__") found.push([...at]);
      else visit((v as Record<string, unknown>)[k], depth + 1);
      at.pop();
    }
  };
  visit(root, 0);
  return found;
}

// Configs parseFleetConfig returned: already checked, so a component handed one skips the schema.
const parsed = new WeakSet<object>();

/** Whether `config` is a FleetConfig parseFleetConfig returned (not a copy of one). */
export const isParsedFleet = (config: unknown): config is FleetConfig => typeof config === "object" && config !== null && parsed.has(config);

/**
 * Validates the raw `modelship:` config (key → value, without the namespace) and resolves
 * router-dependent defaults. Throws ConfigError before anything else happens.
 */
export function parseFleetConfig(raw: Record<string, unknown>, stackFile: string): FleetConfig {
  // The stack the file belongs to (Pulumi.<stack>.yaml): its production rules follow the stack.
  const stack = /^Pulumi\.(.+)\.yaml$/.exec(stackFile)?.[1];
  return parseFleetWith(raw, { source: stackFile, stack, paths: STACK_FILE_PATHS });
}

/**
 * parseFleetConfig for a component's arguments: the same schema and rules, with problems named by
 * `paths` (argument paths) and reported as coming from `source` (e.g. `ModelServing "chat"`).
 */
export function parseFleetWith(raw: Record<string, unknown>, o: { source: string; stack?: string; paths: ProblemPaths }): FleetConfig {
  const proto = protoKeys(raw);
  if (proto.length > 0) throw new ConfigError(o.source, proto.map((p) => ({ path: o.paths.path(p), message: PROTO_MESSAGE })));
  const result = fleetSchemaFor(o.stack).safeParse(raw);
  if (!result.success) throw new ConfigError(o.source, problemsOf(result.error, o.paths));
  const fleet = resolveFleet(result.data);
  parsed.add(fleet);
  return fleet;
}
