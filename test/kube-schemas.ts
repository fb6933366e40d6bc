// Upstream schemas for every kind the program renders. The model packages are ES modules;
// they are loaded with import() and share one @kubernetes-models/validate (see package.json).
import type { KubeObject } from "../stacks/synth";

type ModelClass = new (o: unknown) => { validate(): void };

/** The package module that defines a kind's model. */
export function modelModule(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  if (group === "gateway.networking.k8s.io") return `@kubernetes-models/gateway-api/${group}/${version}/${kind}`;
  if (group === "" || !group.includes(".") || group.endsWith(".k8s.io")) {
    return `kubernetes-models/${group ? `${group}/` : ""}${version}/${kind}`;
  }
  if (group.endsWith("istio.io")) return `@kubernetes-models/istio/${group}/${version}/${kind}`;
  if (group === "monitoring.coreos.com") return `@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`;
  throw new Error(`no upstream schema known for ${apiVersion} ${kind}`);
}

const loaded = new Map<string, Promise<ModelClass>>();

async function modelClass(apiVersion: string, kind: string): Promise<ModelClass> {
  const mod = modelModule(apiVersion, kind);
  if (!loaded.has(mod)) loaded.set(mod, import(mod).then((m) => m[kind] as ModelClass));
  const cls = await loaded.get(mod)!;
  if (typeof cls !== "function") throw new Error(`${mod} does not export ${kind}`);
  return cls;
}

/** Throws the upstream schema's error when the object does not validate. */
export async function validateObject(o: KubeObject): Promise<void> {
  const Model = await modelClass(o.apiVersion, o.kind);
  try {
    new Model(structuredClone(o)).validate();
  } catch (e) {
    throw new Error(`${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}: ${(e as Error).message}`);
  }
}
