// One measured synth in a fresh process (so memory and warm caches do not leak between runs).
//   modelship <n> <dir>: the program on a generated fleet of n models (objects saved for the floor)
//   floor <n> <dir>: the same Kubernetes objects registered directly as raw resources
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import type { Manifest } from "../../components/kube";
import { registerManifest } from "../../components/register";
import { synthesize } from "../../stacks/synth";

async function floor(objects: Manifest[]): Promise<void> {
  await pulumi.runtime.setMocks({ newResource: (a) => ({ id: `${a.name}`, state: a.inputs }), call: () => ({}) }, "floor", "bench", false);
  await pulumi.runtime.runInPulumiStack(async () => {
    // registerManifest is exactly a raw, typed @pulumi/kubernetes registration: no parent,
    // no dependencies, none of modelship's logic.
    for (const o of objects) registerManifest(o, {});
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
