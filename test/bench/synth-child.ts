// One measured synth in a fresh process (so memory and warm caches do not leak between runs).
//   modelship <n> <dir>: the program on a generated fleet of n models (objects saved for the floor)
//   floor <n> <dir>: the same Kubernetes objects registered directly as raw resources
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import type { Manifest } from "../../components/kube";
import { synthesize } from "../../stacks/synth";

async function floor(objects: Manifest[]): Promise<void> {
  await pulumi.runtime.setMocks({ newResource: (a) => ({ id: `${a.name}`, state: a.inputs }), call: () => ({}) }, "floor", "bench", false);
  await pulumi.runtime.runInPulumiStack(async () => {
    for (const o of objects) {
      const opts = {};
      switch (`${o.apiVersion}/${o.kind}`) {
        case "apps/v1/Deployment":
          new k8s.apps.v1.Deployment(`${o.kind}-${o.metadata.name}`, o as any, opts);
          break;
        case "v1/Service":
          new k8s.core.v1.Service(`${o.kind}-${o.metadata.name}`, o as any, opts);
          break;
        case "v1/ServiceAccount":
          new k8s.core.v1.ServiceAccount(`${o.kind}-${o.metadata.name}`, o as any, opts);
          break;
        case "v1/ConfigMap":
          new k8s.core.v1.ConfigMap(`${o.kind}-${o.metadata.name}`, o as any, opts);
          break;
        case "autoscaling/v2/HorizontalPodAutoscaler":
          new k8s.autoscaling.v2.HorizontalPodAutoscaler(`${o.kind}-${o.metadata.name}`, o as any, opts);
          break;
        case "policy/v1/PodDisruptionBudget":
          new k8s.policy.v1.PodDisruptionBudget(`${o.kind}-${o.metadata.name}`, o as any, opts);
          break;
        case "networking.k8s.io/v1/NetworkPolicy":
          new k8s.networking.v1.NetworkPolicy(`${o.kind}-${o.metadata.name}`, o as any, opts);
          break;
        case "v1/Namespace":
          new k8s.core.v1.Namespace(`${o.kind}-${o.metadata.name}`, o as any, opts);
          break;
        default:
          new k8s.apiextensions.CustomResource(`${o.kind}-${o.metadata.name}`, o as any, opts);
      }
    }
    return {};
  });
  await pulumi.runtime.disconnect();
}

async function main() {
  const [mode, , dir] = process.argv.slice(2);
  const objectsFile = path.join(dir, "objects.json");
  const start = process.hrtime.bigint();
  let objects = 0;
  if (mode === "modelship") {
    const r = await synthesize(dir, "bench");
    objects = r.objects.length;
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    fs.writeFileSync(objectsFile, JSON.stringify(r.objects));
    console.log(JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024, objects, resources: r.resources.length }));
    return;
  }
  const manifests = JSON.parse(fs.readFileSync(objectsFile, "utf8")) as Manifest[];
  const t0 = process.hrtime.bigint();
  await floor(manifests);
  objects = manifests.length;
  console.log(JSON.stringify({ ms: Number(process.hrtime.bigint() - t0) / 1e6, maxRssMb: process.resourceUsage().maxRSS / 1024, objects }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
