// Upstream schemas for every kind the program renders. The model packages are ES modules;
// they are loaded with import(). The versions are pinned to ones that support every Node.js
// version package.json states (test/engines.test.ts), see modelModule for what that costs.
import type { KubeObject } from "../stacks/render/synth";

type ModelClass = new (o: unknown) => { validate(): void };

/**
 * Istio promoted these groups from v1beta1 to v1 unchanged (Istio 1.22, "Introducing Istio v1
 * APIs": only the Telemetry API changed), and the pinned @kubernetes-models/istio has only their
 * v1beta1 models: a v1 object is validated as the v1beta1 object it equals.
 */
const ISTIO_V1_AS_V1BETA1 = new Set(["networking.istio.io", "security.istio.io"]);

/** The apiVersion whose model validates an object of this apiVersion. */
export function schemaVersion(apiVersion: string): string {
  const [group, version] = apiVersion.split("/");
  return version === "v1" && ISTIO_V1_AS_V1BETA1.has(group) ? `${group}/v1beta1` : apiVersion;
}

/** The package module that defines a kind's model. */
export function modelModule(apiVersion: string, kind: string): string {
  const v = schemaVersion(apiVersion);
  const [group, version] = v.includes("/") ? v.split("/") : ["", v];
  if (group === "gateway.networking.k8s.io") return `@kubernetes-models/gateway-api/${group}/${version}/${kind}`;
  if (group === "" || !group.includes(".") || group.endsWith(".k8s.io")) {
    return `kubernetes-models/${group ? `${group}/` : ""}${version}/${kind}`;
  }
  if (group.endsWith("istio.io")) return `@kubernetes-models/istio/${group}/${version}/${kind}`;
  if (group === "monitoring.coreos.com") return `@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`;
  if (group === "keda.sh") return `@kubernetes-models/keda/${group}/${version}/${kind}`;
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
    new Model({ ...structuredClone(o), apiVersion: schemaVersion(o.apiVersion) }).validate();
  } catch (e) {
    throw new Error(`${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}: ${(e as Error).message}`);
  }
}
