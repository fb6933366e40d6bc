// Generated fleets for the synth benchmark: n models, two tracks each, the default router and
// monitoring, with per-model variety from a fixed seed.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { ROOT } from "../helpers";

export function fleetConfig(n: number, seed = 42): Record<string, unknown> {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const models = Array.from({ length: n }, (_, i) => {
    const name = `model-${String(i).padStart(4, "0")}`;
    const candidateUp = rnd() < 0.3;
    return {
      name,
      stable: "blue",
      tracks: {
        blue: { version: "1.0.0", image: `registry.example.com/${name}:1.0.0`, modelUri: `s3://models/${name}/1.0.0`, weight: candidateUp ? 0 : 100 },
        green: { version: "1.1.0", image: `registry.example.com/${name}:1.1.0`, modelUri: `s3://models/${name}/1.1.0`, weight: candidateUp ? 100 : 0, ...(candidateUp ? { peakWeight: 100 } : { retired: rnd() < 0.5 }) },
      },
      ...(candidateUp ? { stable: "green" } : {}),
      autoscaling: { minReplicas: 2 + Math.floor(rnd() * 4), maxReplicas: 10 },
    };
  });
  return { environment: "staging", namespace: "ml-bench", models };
}

/** A project directory running this repository's program with the fleet as stack `bench`. */
export function fleetProject(n: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `modelship-bench-${n}-`));
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), YAML.stringify({ name: "modelship", runtime: "nodejs", main: path.join(ROOT, "stacks", "index.ts") }));
  const config = Object.fromEntries(Object.entries(fleetConfig(n)).map(([k, v]) => [`modelship:${k}`, v]));
  fs.writeFileSync(path.join(dir, "Pulumi.bench.yaml"), YAML.stringify({ config }));
  return dir;
}
