// Stack names, their files and the `modelship:` keys of a stack's config: plain functions of
// text, apart from components/config/stack.ts (which reads the running stack through the Pulumi
// SDK), so that the CLI reads and edits stack files without loading @pulumi/pulumi.
import { editDistance } from "./suggest";
import { CONFIG_NAMESPACE } from "./validate";

/** A stack name that is not one: a usage error (exit 3), never a path. */
export class StackNameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackNameError";
  }
}

/**
 * A stack as Pulumi names it on the command line: `stack`, `org/stack` or `org/project/stack`
 * (https://www.pulumi.com/docs/iac/concepts/stacks/ — "The stack name is specified in one of the
 * following formats").
 */
export interface StackRef {
  /** As given: what `pulumi preview|up --stack` gets, and what messages show. */
  qualified: string;
  /** The bare stack name, the only part that names files: Pulumi.<name>.yaml, out/<name>. */
  name: string;
  org?: string;
  project?: string;
}

// Each part as Pulumi validates names: alphanumerics, '-', '_', '.' (sdk tokens.IsName), at most
// 100 characters (the backends' ParseReference: "stack names are limited to 100 characters").
const NAME_PART = /^[A-Za-z0-9_.-]{1,100}$/;

/**
 * Parses and validates a stack name. Pulumi also takes `.` and `..` as names; modelship does not,
 * since the bare name becomes part of paths (out/<name>) and must never leave the project.
 */
export function parseStackRef(text: string): StackRef {
  const parts = text.split("/");
  if (parts.length > 3 || !parts.every((p) => NAME_PART.test(p))) {
    throw new StackNameError(`stack ${JSON.stringify(text)}: expected STACK, ORG/STACK or ORG/PROJECT/STACK, each of letters, digits, '-', '_' and '.' (at most 100)`);
  }
  const dots = parts.find((p) => p === "." || p === "..");
  if (dots) throw new StackNameError(`stack ${JSON.stringify(text)}: ${JSON.stringify(dots)} names a directory, not a stack`);
  const name = parts[parts.length - 1];
  return { qualified: text, name, ...(parts.length > 1 ? { org: parts[0] } : {}), ...(parts.length === 3 ? { project: parts[1] } : {}) };
}

/**
 * The stack file Pulumi reads a stack's config from: Pulumi.<bare stack name>.yaml, whatever org
 * or project qualifies the name — the Pulumi CLI finds it with
 * `workspace.DetectProjectStackPath(stack.Ref().Name().Q())`, the reference's bare name
 * (pulumi/pulumi pkg/cmd/pulumi/stack, LoadProjectStack).
 */
export const stackFileName = (stack: string) => `Pulumi.${parseStackRef(stack).name}.yaml`;

/**
 * Pulumi hands structured config to the program as JSON text and scalars as plain text;
 * turn them back into values for the schema.
 */
export function decodeConfigValue(text: string): unknown {
  if (/^\s*[[{]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  if (text === "true" || text === "false") return text === "true";
  return text;
}

/** Every `modelship:` key of a flat Pulumi config map, decoded, without the namespace. */
export function modelshipKeys(all: Record<string, string>): Record<string, unknown> {
  const prefix = `${CONFIG_NAMESPACE}:`;
  return Object.fromEntries(
    Object.entries(all)
      .filter(([k]) => k.startsWith(prefix))
      .map(([k, v]) => [k.slice(prefix.length), decodeConfigValue(v)]),
  );
}

/** How far a namespace may be from `modelship` to count as a misspelling of it (edit distance). */
export const NAMESPACE_REACH = 2;

/**
 * Keys modelship would silently ignore because their namespace is a near miss of `modelship`
 * (`modelshp:router`, `Modelship:models`), as warnings naming the stack file and the key.
 * Pulumi keys are `namespace:key` (a bare key gets the project's name), so only the namespace
 * decides whether the program reads a key at all.
 */
export function misspeltNamespaceWarnings(keys: Iterable<string>, stackFile: string): string[] {
  const out: string[] = [];
  for (const key of keys) {
    const colon = key.indexOf(":");
    if (colon < 0) continue;
    const namespace = key.slice(0, colon);
    if (namespace === CONFIG_NAMESPACE || editDistance(namespace, CONFIG_NAMESPACE) > NAMESPACE_REACH) continue;
    out.push(`${stackFile}: ${key}: warning: the namespace "${namespace}" is not "${CONFIG_NAMESPACE}", so modelship ignores this key; did you mean ${CONFIG_NAMESPACE}:${key.slice(colon + 1)}?`);
  }
  return out;
}
