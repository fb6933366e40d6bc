// The benchmarks of the CLI and of synth run compiled JavaScript, as the published package and a
// compiled Pulumi program do: under ts-node, source-map-support formats every stack trace the
// Pulumi SDK takes (`new Error().stack` for each promise it tracks), which nearly doubled a
// 100-model synth when checked, a cost a compiled program never pays.
// `buildDist` builds dist/ (`npm run build`); `compileChild` turns one of the benchmark's own
// child scripts (test/bench/*.ts, which load modelship only from dist/) into out/bench/*.js.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { ROOT } from "../helpers";

export const DIST = path.join(ROOT, "dist");
/** What a build that worked has emitted: the CLI (test/bench/cli.ts runs its launcher) and the library. */
const EMITTED = [path.join(DIST, "stacks", "cli.js"), path.join(DIST, "components", "index.js")];

let built: { ok: boolean; note?: string } | undefined;

/**
 * `npm run build`, once per benchmark process. Type errors (another change in progress) still
 * emit JavaScript, so the benchmark goes on with a note; a build that emits no CLI stops it.
 */
export function buildDist(log: (line: string) => void): { ok: boolean; note?: string } {
  if (built) return built;
  log("npm run build...");
  const r = spawnSync("npm", ["run", "build"], { cwd: ROOT, encoding: "utf8" });
  const missing = EMITTED.find((f) => !fs.existsSync(f));
  if (missing) throw new Error(`npm run build produced no ${path.relative(ROOT, missing)}: ${(r.stdout + r.stderr).slice(-2000)}`);
  built = r.status === 0 ? { ok: true } : { ok: false, note: `npm run build exited ${r.status} (type errors; JavaScript emitted anyway): ${r.stdout.split("\n").filter((l) => /error TS/.test(l)).slice(0, 3).join("; ")}` };
  if (built.note) log(built.note);
  return built;
}

/** Transpiles test/bench/<name>.ts to out/bench/<name>.js (same depth below the root, so its relative paths hold). */
export function compileChild(name: string): string {
  const source = path.join(__dirname, `${name}.ts`);
  const target = path.join(ROOT, "out", "bench", `${name}.js`);
  const { outputText } = ts.transpileModule(fs.readFileSync(source, "utf8"), {
    fileName: source,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, outputText);
  return target;
}

/**
 * The NODE_EXTRA_CA_CERTS of the benchmark's own environment, if it sets one (this machine's does).
 * Node 20 opens and parses that file at every start, before any JavaScript runs (nodejs/node#40524;
 * seen here with strace: node 20 opens it for `node -e 0`, node 22.23 does not), and none of the
 * measured children opens a TLS connection. So they run without it, as on a machine that does not
 * set it; the CLI section measures what it adds to `node -e 0` on each Node in the same run.
 */
export const EXTRA_CA_CERTS = process.env.NODE_EXTRA_CA_CERTS || undefined;

/** The environment of a measured child: no ts-node, preloads or extra CA bundle inherited from the benchmark's own process. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env.NODE_OPTIONS;
  if (!("NODE_EXTRA_CA_CERTS" in extra)) delete env.NODE_EXTRA_CA_CERTS;
  for (const k of Object.keys(env)) if (k.startsWith("TS_NODE_")) delete env[k];
  return env;
}
