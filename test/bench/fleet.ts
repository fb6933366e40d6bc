// Generated fleets for the benchmarks: n models, two tracks each, monitoring on, with per-model
// variety from a fixed seed. Two shapes:
//   - "mixed" (the default): the default router; each model idle, or promoted with its previous
//     stable track still up, as a fleet at rest is.
//   - "mid-canary": every model's candidate (green) at the first of steps [10, 25, 50, 100]
//     (the state a promote or rollback starts from), optionally on the gateway-api router.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import type { RouterName } from "../../components/routing/capabilities";
import { YAML_FORMAT } from "../../stacks/stackfile/file";
import { ROOT } from "../helpers";
import { ROUTER_SETTINGS } from "../stacks/blast";

export type FleetShape = "mixed" | "mid-canary";

export interface FleetOptions {
  shape?: FleetShape;
  /** Unset: the schema's default router (service). */
  router?: RouterName;
  seed?: number;
}

/** The steps of a mid-canary model, and the candidate's weight: the first step. */
export const CANARY_STEPS = [10, 25, 50, 100];

/** The name of model i, zero-padded so generated files sort as the fleet is listed. */
export const modelName = (i: number) => `model-${String(i).padStart(4, "0")}`;

export function fleetConfig(n: number, options: FleetOptions = {}): Record<string, unknown> {
  const { shape = "mixed", router, seed = 42 } = options;
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const track = (name: string, version: string) => ({ version, image: `registry.example.com/${name}:${version}`, modelUri: `s3://models/${name}/${version}` });
  const models = Array.from({ length: n }, (_, i) => {
    const name = modelName(i);
    const autoscaling = (minReplicas: number) => ({ autoscaling: { minReplicas, maxReplicas: 10 } });
    if (shape === "mid-canary") {
      const canary = CANARY_STEPS[0];
      return {
        name,
        stable: "blue",
        steps: [...CANARY_STEPS],
        tracks: { blue: { ...track(name, "1.0.0"), weight: 100 - canary }, green: { ...track(name, "1.1.0"), weight: canary, peakWeight: canary } },
        ...autoscaling(2 + Math.floor(rnd() * 4)),
      };
    }
    const candidateUp = rnd() < 0.3;
    return {
      name,
      stable: "blue",
      tracks: {
        blue: { ...track(name, "1.0.0"), weight: candidateUp ? 0 : 100 },
        green: { ...track(name, "1.1.0"), weight: candidateUp ? 100 : 0, ...(candidateUp ? { peakWeight: 100 } : { retired: rnd() < 0.5 }) },
      },
      ...(candidateUp ? { stable: "green" } : {}),
      ...autoscaling(2 + Math.floor(rnd() * 4)),
    };
  });
  return {
    environment: "staging",
    namespace: "ml-bench",
    ...(router ? { router, routers: ROUTER_SETTINGS } : {}),
    models,
  };
}

/** A stack file's text holding the fleet config under `modelship:` keys, as a person writes it (no YAML anchors for repeated values). */
export const stackFileText = (config: Record<string, unknown>) =>
  YAML.stringify({ config: Object.fromEntries(Object.entries(config).map(([k, v]) => [`modelship:${k}`, v])) }, { ...YAML_FORMAT, aliasDuplicateObjects: false });

/** Which program the project's Pulumi.yaml runs: the TypeScript source (through ts-node) or the compiled JavaScript (`npm run build`). */
export type ProgramBuild = "source" | "compiled";

export const programMain = (build: ProgramBuild) => (build === "compiled" ? path.join(ROOT, "dist", "stacks", "index.js") : path.join(ROOT, "stacks", "index.ts"));

/** A project directory running this repository's program with the given fleet config as stack `bench`. */
export function projectWith(config: Record<string, unknown>, build: ProgramBuild = "source", label = "fleet"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `modelship-bench-${label}-`));
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), YAML.stringify({ name: "modelship", runtime: "nodejs", main: programMain(build) }));
  fs.writeFileSync(path.join(dir, "Pulumi.bench.yaml"), stackFileText(config));
  return dir;
}

/** A project directory running this repository's program with a generated fleet of n models as stack `bench`. */
export function fleetProject(n: number, options: FleetOptions & { build?: ProgramBuild } = {}): string {
  return projectWith(fleetConfig(n, options), options.build, String(n));
}
