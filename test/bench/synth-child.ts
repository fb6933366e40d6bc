// One measured synth in a fresh process, from compiled JavaScript (transpiled to out/bench/ by
// test/bench/compiled.ts; it loads modelship only from dist/, never from source):
//   modelship <dir>: the program (Pulumi.yaml main: dist/stacks/index.js) on the project's stack
//     `bench`, through synthesize(); its objects are saved for the floor
//   floor <dir>: the same Kubernetes objects registered directly as raw resources
//   tree <dir>: the same resource graph registered raw: modelship's component resources as empty
//     ComponentResources, each object under the same parent with the same dependencies (what the
//     SDK charges for the graph's shape, none of modelship's code)
// Two phases, timed apart (wall and CPU of this process): loading the modules, then the synth or
// the registrations. Both sides load @pulumi/pulumi, @pulumi/kubernetes and the provider classes
// either side registers; modelship loads its own modules (and zod, yaml, the Grafana SDK) on top.
// Prints one JSON line.
import * as fs from "fs";
import * as path from "path";
import type * as Pulumi from "@pulumi/pulumi";
import type * as Kubernetes from "@pulumi/kubernetes";
import type { Manifest } from "../../components/kube";
import type { RegisteredResource } from "../../stacks/render/synth";

const DIST = path.join(__dirname, "..", "..", "dist");

interface Phase {
  wallMs: number;
  cpuMs: number;
}

function phase<T>(fn: () => T): { value: T; phase: Phase } {
  const [w0, c0] = [performance.now(), process.cpuUsage()];
  const value = fn();
  const c = process.cpuUsage(c0);
  return { value, phase: { wallMs: performance.now() - w0, cpuMs: (c.user + c.system) / 1000 } };
}

async function phaseAsync<T>(fn: () => Promise<T>): Promise<{ value: T; phase: Phase }> {
  const profile = await startProfile();
  const [w0, c0] = [performance.now(), process.cpuUsage()];
  const value = await fn();
  const c = process.cpuUsage(c0);
  await profile?.();
  return { value, phase: { wallMs: performance.now() - w0, cpuMs: (c.user + c.system) / 1000 } };
}

/**
 * With MODELSHIP_BENCH_PROFILE=<file>, the second phase alone is CPU-profiled (the inspector's
 * sampling profiler, as `node --cpu-prof` but without the module loading) into that file.
 * Returns the function that stops and writes the profile.
 */
async function startProfile(): Promise<(() => Promise<void>) | undefined> {
  const file = process.env.MODELSHIP_BENCH_PROFILE;
  if (!file) return undefined;
  const inspector = require("inspector") as typeof import("inspector");
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<any>((resolve, reject) => session.post(method, params ?? {}, (e: Error | null, r?: unknown) => (e ? reject(e) : resolve(r))));
  await post("Profiler.enable");
  await post("Profiler.setSamplingInterval", { interval: 500 });
  await post("Profiler.start");
  return async () => {
    const { profile } = await post("Profiler.stop");
    fs.writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}

/** The provider classes the program or the floor registers: @pulumi/kubernetes loads each on first use. */
function loadProviderClasses(k8s: typeof Kubernetes): void {
  void [
    k8s.core.v1.Namespace,
    k8s.core.v1.Secret,
    k8s.core.v1.ServiceAccount,
    k8s.core.v1.Service,
    k8s.core.v1.ConfigMap,
    k8s.apps.v1.Deployment,
    k8s.autoscaling.v2.HorizontalPodAutoscaler,
    k8s.policy.v1.PodDisruptionBudget,
    k8s.networking.v1.NetworkPolicy,
    k8s.networking.v1.Ingress,
    k8s.apiextensions.CustomResource,
  ];
}

/**
 * How a hand-written Pulumi program registers an object: with @pulumi/kubernetes's typed class
 * where the SDK has one (k8s.apps.v1.Deployment for apps/v1 Deployment), else as a
 * CustomResource — the raw-Pulumi floor. The SDK groups classes by the API group's first label
 * (apps, policy, autoscaling, networking for networking.k8s.io; core for the core group).
 */
function rawRegister(k8s: typeof Kubernetes, m: Manifest, opts: Pulumi.CustomResourceOptions): Pulumi.CustomResource {
  const [group, version] = m.apiVersion.includes("/") ? m.apiVersion.split("/") : ["core", m.apiVersion];
  const byGroup = (k8s as unknown as Record<string, Record<string, Record<string, unknown>> | undefined>)[group.split(".")[0]];
  const typed = group.includes(".") && !group.endsWith(".k8s.io") ? undefined : byGroup?.[version]?.[m.kind];
  if (typeof typed === "function") return new (typed as new (name: string, args: unknown, opts: Pulumi.CustomResourceOptions) => Pulumi.CustomResource)(m.metadata.name, m, opts);
  return new k8s.apiextensions.CustomResource(m.metadata.name, m as Kubernetes.apiextensions.CustomResourceArgs, opts);
}

const isKube = (type: string) => type.startsWith("kubernetes:") && !type.startsWith("kubernetes:index:");

/**
 * The registrations modelship's program made, replayed in order from plain data: components as
 * empty ComponentResources (outputs registered empty), objects with their parent and dependencies.
 * The stack and the default provider the SDK registers itself.
 */
function registerTree(pulumi: typeof Pulumi, k8s: typeof Kubernetes, resources: readonly RegisteredResource[]): number {
  const byUrn = new Map<string, Pulumi.Resource>();
  const components: Pulumi.ComponentResource[] = [];
  for (const r of resources) {
    if (r.type === "pulumi:pulumi:Stack" || r.type.startsWith("pulumi:providers:")) continue;
    const parent = byUrn.get(r.parent);
    if (isKube(r.type)) {
      const dependsOn = r.dependencies.flatMap((u) => byUrn.get(u) ?? []);
      byUrn.set(r.urn, rawRegister(k8s, r.inputs as Manifest, { parent, dependsOn }));
    } else {
      const c = new pulumi.ComponentResource(r.type, r.name, {}, { parent });
      components.push(c);
      byUrn.set(r.urn, c);
    }
  }
  for (const c of components) c["registerOutputs"]({});
  return byUrn.size;
}

async function main() {
  // How long Node took before this script ran (the same on both sides).
  const bootMs = performance.now();
  const [mode, dir] = process.argv.slice(2);
  const objectsFile = path.join(dir, "objects.json");
  const resourcesFile = path.join(dir, "resources.json");
  const usage = () => ({ maxRssMb: process.resourceUsage().maxRSS / 1024, processCpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000 });
  if (mode === "modelship") {
    const load = phase(() => {
      const synth = require(path.join(DIST, "stacks", "render", "synth.js")) as typeof import("../../stacks/render/synth");
      // The program synthesize() runs (Pulumi.yaml main), loaded here so its modules count as loading.
      require(path.join(DIST, "stacks", "index.js"));
      loadProviderClasses(require("@pulumi/kubernetes"));
      return synth;
    });
    const run = await phaseAsync(() => load.value.synthesize(dir, "bench"));
    const r = run.value;
    fs.writeFileSync(objectsFile, JSON.stringify(r.objects));
    fs.writeFileSync(resourcesFile, JSON.stringify(r.resources));
    console.log(JSON.stringify({ bootMs, load: load.phase, run: run.phase, ...usage(), objects: r.objects.length, resources: r.resources.length }));
    return;
  }
  const load = phase(() => {
    const pulumi = require("@pulumi/pulumi") as typeof Pulumi;
    const k8s = require("@pulumi/kubernetes") as typeof Kubernetes;
    loadProviderClasses(k8s);
    return { pulumi, k8s };
  });
  const { pulumi, k8s } = load.value;
  const objects = JSON.parse(fs.readFileSync(objectsFile, "utf8")) as Manifest[];
  const resources = mode === "tree" ? (JSON.parse(fs.readFileSync(resourcesFile, "utf8")) as RegisteredResource[]) : [];
  let registered = 0;
  const run = await phaseAsync(async () => {
    await pulumi.runtime.setMocks({ newResource: (a) => ({ id: `${a.name}`, state: a.inputs }), call: () => ({}) }, mode === "tree" ? "modelship" : "floor", "bench", false);
    await pulumi.runtime.runInPulumiStack(async () => {
      if (mode === "tree") {
        registered = registerTree(pulumi, k8s, resources);
        return {};
      }
      // Raw @pulumi/kubernetes registrations, typed where the SDK has a class: no parent, no
      // dependencies, none of modelship's logic.
      for (const o of objects) rawRegister(k8s, o, {});
      registered = objects.length;
      return {};
    });
    await pulumi.runtime.disconnect();
  });
  console.log(JSON.stringify({ bootMs, load: load.phase, run: run.phase, ...usage(), objects: objects.length, resources: registered }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
