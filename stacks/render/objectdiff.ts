// Which Kubernetes objects a change touches: two renders compared object by object (pure).
import type { Manifest } from "../../components/kube";

export interface ObjectChanges {
  added: string[];
  removed: string[];
  changed: string[];
}

export const objectKey = (o: Manifest) => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`;

export function diffObjects(before: readonly Manifest[], after: readonly Manifest[]): ObjectChanges {
  const index = (objects: readonly Manifest[]) => new Map(objects.map((o) => [objectKey(o), JSON.stringify(o)]));
  const [a, b] = [index(before), index(after)];
  return {
    added: [...b.keys()].filter((k) => !a.has(k)).sort(),
    removed: [...a.keys()].filter((k) => !b.has(k)).sort(),
    changed: [...a.keys()].filter((k) => b.has(k) && a.get(k) !== b.get(k)).sort(),
  };
}

export const touched = (c: ObjectChanges) => [...c.added, ...c.removed, ...c.changed];
