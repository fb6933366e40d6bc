// Writes synthesized objects as YAML files and formats the stack summary.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { UsageError } from "../commands/types";
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

/** The file every render directory holds, so a later synth knows the directory is its own to replace. */
export const RENDER_MARKER = ".modelship-render";
const MARKER_TEXT = "Rendered by `modelship synth`: this directory is replaced as a whole on every render.\n";

/** Why `dir`, existing, may not be replaced by a render, or undefined when it may. */
function replaceRefusal(dir: string, force: boolean): string | undefined {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  if (st.isSymbolicLink()) return "it is a symbolic link; give the directory it points to";
  if (!st.isDirectory()) return "it is an existing file, not a directory";
  const entries = fs.readdirSync(dir, { withFileTypes: true });
  if (entries.length === 0 || entries.some((e) => e.name === RENDER_MARKER)) return undefined;
  // A render is flat: a directory with subdirectories is a source tree (components/, test/),
  // which even --force must not wipe.
  const sub = entries.find((e) => e.isDirectory());
  if (sub) return `it holds the subdirectory ${sub.name}/, so it is no render (renders are flat); even --force replaces only a flat directory`;
  if (force) return undefined;
  return `it is a non-empty directory that is not a previous render (no ${RENDER_MARKER} file in it); pass --force to replace it anyway`;
}

const inside = (child: string, parent: string) => {
  const rel = path.relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
};

/** A path with its symbolic links resolved as far as it exists. */
function realPath(p: string): string {
  const abs = path.resolve(p);
  try {
    return fs.realpathSync(abs);
  } catch {
    const parent = path.dirname(abs);
    return parent === abs ? abs : path.join(realPath(parent), path.basename(abs));
  }
}

export interface RenderTarget {
  /** The project directory. */
  projectDir: string;
  /** The project's own files (Pulumi.yaml, stack files, the program, .git): never inside a render. */
  projectFiles: readonly string[];
  /** Replace a non-empty directory that is not a previous render. */
  force: boolean;
}

/**
 * Refuses (with a UsageError saying why) an output directory a render must never replace: the
 * filesystem root, the project or any of its ancestors, anything holding the project's own files,
 * anything inside its .git or node_modules, an existing file, a directory with subdirectories
 * (renders are flat), and, without `force`, a non-empty directory that is not a previous render.
 */
export function checkRenderTarget(dir: string, target: RenderTarget): void {
  const out = realPath(dir);
  const refuse = (why: string) => {
    throw new UsageError(`refusing to write the render to ${dir}: ${why}`);
  };
  if (path.dirname(out) === out) refuse("it is the filesystem root");
  const project = realPath(target.projectDir);
  if (inside(project, out)) refuse(out === project ? "it is the project directory" : `it contains the project directory ${project}`);
  for (const f of target.projectFiles) {
    const own = realPath(f);
    if (inside(own, out)) refuse(own === out ? `it is one of the project's own files (${f})` : `it contains the project's own ${f}`);
  }
  // Git's and npm's own trees: writing there corrupts the repository or the install.
  for (const own of [".git", "node_modules"]) {
    if (inside(out, realPath(path.join(project, own)))) refuse(`it is inside the project's ${own}`);
  }
  const why = replaceRefusal(path.resolve(dir), target.force);
  if (why) refuse(why);
}

/**
 * Replaces `dir` with one file per object (and the render marker). Files are written to a sibling
 * directory first and swapped in, so a failure never leaves a half-written render behind, and the
 * old directory is only moved aside, then removed, once it is known to be a render (or `force`).
 */
export function writeObjects(dir: string, objects: readonly KubeObject[], options: { force?: boolean } = {}): string[] {
  const target = path.resolve(dir);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const staging = fs.mkdtempSync(path.join(path.dirname(target), `.${path.basename(target)}-`));
  let old: string | undefined;
  try {
    const names = objects.map(objectFileName);
    const seen = new Set<string>();
    const dup = names.find((n) => {
      if (seen.has(n)) return true;
      seen.add(n);
      return false;
    });
    if (dup) throw new Error(`two objects would both be written to ${dup}`);
    objects.forEach((o, i) => fs.writeFileSync(path.join(staging, names[i]), toYaml(o)));
    fs.writeFileSync(path.join(staging, RENDER_MARKER), MARKER_TEXT);
    // Checked again here: the directory may have changed while the program ran.
    const why = replaceRefusal(target, options.force ?? false);
    if (why) throw new UsageError(`refusing to write the render to ${dir}: ${why}`);
    if (fs.existsSync(target)) {
      old = `${staging}.old`;
      fs.renameSync(target, old);
    }
    try {
      fs.renameSync(staging, target);
    } catch (e) {
      if (old) fs.renameSync(old, target);
      old = undefined;
      throw e;
    }
    return names.sort();
  } catch (e) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw e;
  } finally {
    if (old) fs.rmSync(old, { recursive: true, force: true });
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
