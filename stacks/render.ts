// Writes synthesized objects as YAML files and formats the stack summary.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import type { KubeObject, StackOutputs } from "./synth";

/** `<kind>-<namespace>-<name>.yaml`; cluster-scoped objects use `_cluster` (never a namespace name). */
export const objectFileName = (o: KubeObject) => `${o.kind.toLowerCase()}-${o.metadata.namespace ?? "_cluster"}-${o.metadata.name}.yaml`;

/** Drops undefined fields so the YAML shows only what the program set. */
function clean(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(clean);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [k, clean(x)]));
  }
  return v;
}

export const toYaml = (o: KubeObject) => YAML.stringify(clean(o), { lineWidth: 0 });

/**
 * Replaces `dir` with one file per object. Files are written to a sibling directory first and
 * swapped in, so a failure never leaves a half-written render behind.
 */
export function writeObjects(dir: string, objects: readonly KubeObject[]): string[] {
  const target = path.resolve(dir);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const staging = fs.mkdtempSync(path.join(path.dirname(target), `.${path.basename(target)}-`));
  try {
    const names = objects.map(objectFileName);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) throw new Error(`two objects would both be written to ${dup}`);
    objects.forEach((o, i) => fs.writeFileSync(path.join(staging, names[i]), toYaml(o)));
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(staging, target);
    return names.sort();
  } catch (e) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw e;
  }
}

/** Left-aligned columns, two spaces apart. */
export function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join("  ").trimEnd()).join("\n");
}

/** One row per model and track: what runs, what traffic it gets, what capacity it has. */
export function summaryTable(outputs: StackOutputs): string {
  const rows = [["MODEL", "ROUTER", "TRACK", "ROLE", "VERSION", "WEIGHT", "REPLICAS", "IMAGE"]];
  for (const m of outputs.models) {
    for (const colour of ["blue", "green"] as const) {
      const t = m.tracks[colour];
      rows.push([m.name, m.router, colour, t.role, t.version, `${t.weight}%`, `${t.minReplicas}-${t.maxReplicas}`, t.image]);
    }
  }
  return table(rows);
}
