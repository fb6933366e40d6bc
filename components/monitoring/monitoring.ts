import * as pulumi from "@pulumi/pulumi";
import type { Manifest } from "../kube";
import { registerManifest } from "../register";

/** Monitoring objects and what they observe. */
export interface MonitoringArgs {
  objects: Manifest[];
  /** What the objects observe; they are created after it. */
  dependsOn?: pulumi.Resource[];
}

/** Scrape config, rules and dashboards, as rendered by the pure functions in manifests.ts. */
export class Monitoring extends pulumi.ComponentResource {
  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("modelship:monitoring:Monitoring", name, {}, opts);
    for (const m of args.objects) registerManifest(m, { parent: this, dependsOn: args.dependsOn });
    this.registerOutputs({});
  }
}
