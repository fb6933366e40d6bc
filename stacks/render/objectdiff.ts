// Which Kubernetes objects a change touches: two renders compared object by object (pure).
import type { Manifest } from "../../components/kube";

export interface ObjectChanges {
  added: string[];
  removed: string[];
  changed: string[];
}

export const objectKey = (o: Manifest) => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`;

/** Values JSON.stringify leaves out of an object and writes as null in an array. */
const omitted = (v: unknown) => v === undefined || typeof v === "function" || typeof v === "symbol";
/** An array element as JSON.stringify writes it: an omitted value is null. */
const element = (v: unknown) => (omitted(v) ? null : v);

/** An object JSON writes key by key; not one with a toJSON method, nor a boxed primitive, which JSON writes as its value. */
const plainObject = (v: unknown): v is object =>
  typeof v === "object" && v !== null && typeof (v as { toJSON?: unknown }).toJSON !== "function" && !(v instanceof Number || v instanceof String || v instanceof Boolean);

/**
 * Whether JSON.stringify(x) === JSON.stringify(y), without building either string: compared in
 * place, key order included, as JSON would write them. Anything JSON writes its own way (a
 * toJSON method, a boxed primitive, a number that is not finite, a bigint's error) is left to
 * JSON.stringify itself.
 */
export function sameJson(x: unknown, y: unknown): boolean {
  if (x === y && (typeof x !== "number" || Number.isFinite(x))) return true;
  if (!plainObject(x) || !plainObject(y)) return JSON.stringify(x) === JSON.stringify(y);
  if (Array.isArray(x) || Array.isArray(y)) {
    if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!sameJson(element(x[i]), element(y[i]))) return false;
    return true;
  }
  const [a, b] = [x as Record<string, unknown>, y as Record<string, unknown>];
  const [ka, kb] = [Object.keys(a).filter((k) => !omitted(a[k])), Object.keys(b).filter((k) => !omitted(b[k]))];
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i] || !sameJson(a[ka[i]], b[kb[i]])) return false;
  return true;
}

export function diffObjects(before: readonly Manifest[], after: readonly Manifest[]): ObjectChanges {
  // Compared in place, not as JSON held for every object: the strings of both renders (hundreds of
  // MiB at thousands of models) made the cost per object grow with the fleet, through the
  // garbage collector. sameJson is JSON equality, so what counts as changed is what it was.
  const index = (objects: readonly Manifest[]) => new Map(objects.map((o) => [objectKey(o), o]));
  const [a, b] = [index(before), index(after)];
  return {
    added: [...b.keys()].filter((k) => !a.has(k)).sort(),
    removed: [...a.keys()].filter((k) => !b.has(k)).sort(),
    changed: [...a.keys()].filter((k) => b.has(k) && !sameJson(a.get(k), b.get(k))).sort(),
  };
}

export const touched = (c: ObjectChanges) => [...c.added, ...c.removed, ...c.changed];
