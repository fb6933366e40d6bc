// Reading the config schema's own structure (zod's definitions): which keys exist where. Used
// for "did you mean" suggestions and by the test that keeps the README's reference in sync.
import type { z } from "zod";

type Def = { type: string; [k: string]: any };
const defOf = (s: z.ZodType): Def => (s as any)._zod.def;

/** The schemas a value is checked against once defaults, optionality and pipes are peeled off. */
export function unwrapped(schema: z.ZodType): z.ZodType[] {
  const def = defOf(schema);
  switch (def.type) {
    case "optional":
    case "default":
    case "prefault":
    case "nullable":
    case "readonly":
    case "nonoptional":
      return unwrapped(def.innerType);
    case "pipe":
      // A preprocess is a pipe from a transform into the schema that checks the value.
      return unwrapped(defOf(def.in).type === "transform" ? def.out : def.in);
    case "union":
      return (def.options as z.ZodType[]).flatMap(unwrapped);
    default:
      return [schema];
  }
}

/** One level of structure: an object's fields, an array's element, a record's value. */
export type Shape = { kind: "object"; fields: Record<string, z.ZodType> } | { kind: "array"; element: z.ZodType } | { kind: "record"; value: z.ZodType } | { kind: "leaf" };

export function shapeOf(schema: z.ZodType): Shape {
  const def = defOf(schema);
  if (def.type === "object") return { kind: "object", fields: def.shape };
  if (def.type === "array") return { kind: "array", element: def.element };
  if (def.type === "record") return { kind: "record", value: def.valueType };
  return { kind: "leaf" };
}
