// Every key path the config schema accepts, read from the zod schema itself.
import type { z } from "zod";

type Def = { type: string; [k: string]: any };
const defOf = (s: z.ZodType): Def => (s as any)._zod.def;

const join = (prefix: string, key: string) => (prefix ? `${prefix}.${key}` : key);

export function schemaKeyPaths(schema: z.ZodType, prefix = ""): string[] {
  const def = defOf(schema);
  switch (def.type) {
    case "object":
      return Object.entries(def.shape as Record<string, z.ZodType>).flatMap(([k, s]) => [join(prefix, k), ...schemaKeyPaths(s, join(prefix, k))]);
    case "optional":
    case "default":
    case "prefault":
    case "nullable":
    case "readonly":
    case "nonoptional":
      return schemaKeyPaths(def.innerType, prefix);
    case "pipe":
      return schemaKeyPaths(def.in, prefix);
    case "array":
      return schemaKeyPaths(def.element, `${prefix}[]`);
    case "record":
      return schemaKeyPaths(def.valueType, `${prefix}.<name>`);
    case "union":
      return [...new Set((def.options as z.ZodType[]).flatMap((o) => schemaKeyPaths(o, prefix)))];
    default:
      return [];
  }
}

/** Keys that share one shape, written once in the README under a placeholder. */
const FAMILIES: [RegExp, string][] = [
  [/\.(blue|green)(?=\.|$)/g, ".<colour>"],
  [/\.(startup|readiness|liveness)(?=\.|$)/g, ".<probe>"],
  [/\.(scaleUp|scaleDown)(?=\.|$)/g, ".<direction>"],
];

/** Key paths as the README writes them: `modelship:` prefixed, families folded. */
export function documentedForm(paths: readonly string[]): string[] {
  const fold = (p: string) => FAMILIES.reduce((acc, [re, to]) => acc.replace(re, to), p);
  return [...new Set(paths.map((p) => `modelship:${fold(p)}`))].sort();
}
