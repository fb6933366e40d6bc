// The package as npm publishes it: dist/ from `npm run build` (rebuilt here only when a source
// is newer than the build, so `npm ci && npm test` reuses what `prepare` built), and the file
// list `npm pack` takes.
import { spawnSync, type SpawnSyncOptions } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../helpers";

export const DIST = path.join(ROOT, "dist");
export const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

/** Runs a command; throws with its output when it fails or runs out of time. */
export function run(command: string, args: string[], opts: SpawnSyncOptions & { timeout: number }): string {
  const r = spawnSync(command, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...opts });
  const out = `${r.stdout ?? ""}${r.stderr ? `\n--- stderr ---\n${r.stderr}` : ""}`;
  if (r.error) throw new Error(`${command} ${args.join(" ")}: ${r.error.message}\n${out}`);
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} (in ${String(opts.cwd ?? process.cwd())}) exited ${r.status ?? r.signal}:\n${out}`);
  return String(r.stdout);
}

export const npm = (args: string[], cwd: string, timeout = 240_000) => run(NPM, args, { cwd, timeout });

function files(dir: string, keep: (f: string) => boolean, acc: string[] = []): string[] {
  if (!fs.existsSync(dir)) return acc;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const f = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== "node_modules") files(f, keep, acc);
    } else if (keep(f)) acc.push(f);
  }
  return acc;
}

/** The sources tsconfig.build.json compiles (relative to ROOT, without .ts), policies aside. */
export function buildSources(): string[] {
  const rel = (f: string) => path.relative(ROOT, f).split(path.sep).join("/");
  return files(path.join(ROOT, "components"), (f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
    .concat(files(path.join(ROOT, "stacks"), (f) => f.endsWith(".ts") && !f.endsWith(".d.ts")))
    .map(rel)
    .filter((f) => !f.startsWith("components/image/reference-server/") && !f.startsWith("stacks/deployments/"))
    .map((f) => f.replace(/\.ts$/, ""))
    .sort();
}

let built = false;
/** dist/ as `npm run build` makes it from the current sources. */
export function ensureBuild(): void {
  if (built) return;
  const inputs = [
    ...files(path.join(ROOT, "components"), (f) => f.endsWith(".ts")),
    ...files(path.join(ROOT, "stacks"), (f) => f.endsWith(".ts")),
    ...files(path.join(ROOT, "policies"), (f) => f.endsWith(".ts")),
    ...["package.json", "tsconfig.json", "tsconfig.build.json"].map((f) => path.join(ROOT, f)),
  ];
  const outputs = files(DIST, () => true);
  const newestInput = Math.max(...inputs.map((f) => fs.statSync(f).mtimeMs));
  const oldestOutput = outputs.length ? Math.min(...outputs.map((f) => fs.statSync(f).mtimeMs)) : 0;
  const complete = buildSources().every((s) => fs.existsSync(path.join(DIST, `${s}.js`)));
  if (!complete || newestInput > oldestOutput) npm(["run", "build"], ROOT, 300_000);
  built = true;
}

export interface PackedFile {
  path: string;
  size: number;
  mode: number;
}

/** What `npm pack` puts in the tarball (scripts off: ensureBuild() built dist/ already). */
export function packList(): { filename: string; files: PackedFile[] } {
  const out = npm(["pack", "--dry-run", "--json", "--ignore-scripts"], ROOT, 120_000);
  const [info] = JSON.parse(out) as { filename: string; files: PackedFile[] }[];
  return info;
}
