// Every key path the config schema accepts, read from the zod schema itself.
import type { z } from "zod";
import { shapeOf, unwrapped } from "../../components/config/zod-walk";

const join = (prefix: string, key: string) => (prefix ? `${prefix}.${key}` : key);

export function schemaKeyPaths(schema: z.ZodType, prefix = ""): string[] {
  const paths = unwrapped(schema).flatMap((s): string[] => {
    const shape = shapeOf(s);
    switch (shape.kind) {
      case "object":
        return Object.entries(shape.fields).flatMap(([k, f]) => [join(prefix, k), ...schemaKeyPaths(f, join(prefix, k))]);
      case "array":
        return schemaKeyPaths(shape.element, `${prefix}[]`);
      case "record":
        return schemaKeyPaths(shape.value, `${prefix}.<name>`);
      case "leaf":
        return [];
    }
  });
  return [...new Set(paths)];
}

/** Keys that share one shape, written once in the README under a placeholder. */
const FAMILIES: [RegExp, string][] = [
  [/\.(blue|green)(?=\.|$)/g, ".<colour>"],
  [/\.(startup|readiness|liveness)(?=\.|$)/g, ".<probe>"],
  [/\.(scaleUp|scaleDown)(?=\.|$)/g, ".<direction>"],
];

/**
 * Keys whose value is a Kubernetes API type, field for field: the README documents the key and
 * links the type, so the type's own fields are not listed again.
 */
export const KUBERNETES_TYPES = ["models[].affinity", "models[].volumes[].configMap.items", "models[].volumes[].secret.items"];

/** Key paths as the README writes them: `modelship:` prefixed, families folded, Kubernetes types whole. */
export function documentedForm(paths: readonly string[]): string[] {
  const fold = (p: string) => FAMILIES.reduce((acc, [re, to]) => acc.replace(re, to), p);
  const inType = (p: string) => KUBERNETES_TYPES.some((t) => p.startsWith(`${t}.`) || p.startsWith(`${t}[]`));
  return [...new Set(paths.filter((p) => !inType(p)).map((p) => `modelship:${fold(p)}`))].sort();
}
