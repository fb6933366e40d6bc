// Runs a workflow step's `run:` script as GitHub runs a `shell: bash` step (bash --noprofile --norc
// -eo pipefail), in a throwaway git repository with the runner's files (GITHUB_OUTPUT,
// GITHUB_STEP_SUMMARY, RUNNER_TEMP) and a fake compiled CLI, `dist/stacks/bin/modelship.js` (what
// the workflows run after `npm ci` builds it), whose exit code and output each test chooses. The
// script is the workflow's own text, unchanged.
import { execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export type Step = { uses?: string; run?: string; if?: string; id?: string; name?: string; shell?: string; with?: Record<string, unknown>; env?: Record<string, string> };

/** What one fake modelship command does: exit code, stdout, and whether it edits the stack file. */
export interface FakeCommand {
  code: number;
  stdout?: string | object;
  /** Appends a line to this file (relative to the repository), as a write of the stack file would. */
  write?: string;
  /** Also creates this file: a command that wrote more than it should. */
  other?: string;
}
export type Fake = Partial<Record<string, FakeCommand>>;

const FAKE_CLI = `#!/usr/bin/env node
// Test double of the modelship CLI: does what FAKE (JSON, per command) says and logs each call.
const fs = require("fs");
const [command, ...args] = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_LOG, JSON.stringify([command, ...args]) + "\\n");
const spec = JSON.parse(process.env.FAKE || "{}")[command];
if (!spec) { console.error("fake modelship: unexpected command " + command); process.exit(99); }
if (spec.write) fs.appendFileSync(spec.write, "# changed by the fake " + command + "\\n");
if (spec.other) fs.writeFileSync(spec.other, "unexpected\\n");
if (spec.stdout !== undefined) process.stdout.write(typeof spec.stdout === "string" ? spec.stdout : JSON.stringify(spec.stdout));
process.exit(spec.code);
`;

const created: string[] = [];
const tempDir = (prefix: string) => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(d);
  return d;
};
/** Removes every directory the sandboxes and step runs made. */
export function removeSandboxes(): void {
  for (const d of created.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

export const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=main", ...args], { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();

export interface Sandbox {
  dir: string;
  repo: string;
  temp: string;
  /** Environment of a runner: its files, a main ref, a clean git config. */
  env: Record<string, string>;
  calls(): string[][];
  output(): Record<string, string>;
  summary(): string;
  tempFile(name: string): string | undefined;
}

/** Where the workflows run the CLI: the build `npm ci` makes (package.json `prepare`), untracked as dist/ is. */
export const CLI_PATH = path.posix.join("dist", "stacks", "bin", "modelship.js");

/**
 * A repository with both stack files and the project's .gitignore committed, the fake CLI
 * built where `npm ci` builds the real one (ignored, so it is no change a step may see), and the
 * runner's files.
 */
export function sandbox(): Sandbox {
  const dir = tempDir("modelship-ci-");
  const repo = path.join(dir, "repo");
  const temp = path.join(dir, "runner-temp");
  fs.mkdirSync(path.dirname(path.join(repo, CLI_PATH)), { recursive: true });
  fs.mkdirSync(temp);
  for (const stack of ["production", "staging"]) fs.writeFileSync(path.join(repo, `Pulumi.${stack}.yaml`), `config:\n  modelship:environment: ${stack}\n`);
  // The project's own .gitignore: were dist/ not ignored, the build would be a change the steps refuse.
  fs.copyFileSync(path.join(__dirname, "..", "..", ".gitignore"), path.join(repo, ".gitignore"));
  fs.writeFileSync(path.join(repo, CLI_PATH), FAKE_CLI);
  git(repo, "init", "--quiet");
  git(repo, "add", "-A");
  git(repo, "commit", "--quiet", "-m", "initial");
  const files = { GITHUB_OUTPUT: path.join(dir, "output"), GITHUB_STEP_SUMMARY: path.join(dir, "summary"), FAKE_LOG: path.join(dir, "calls") };
  for (const f of Object.values(files)) fs.writeFileSync(f, "");
  const read = (f: string) => fs.readFileSync(f, "utf8");
  return {
    dir,
    repo,
    temp,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: dir,
      GIT_CONFIG_NOSYSTEM: "1",
      RUNNER_TEMP: temp,
      GITHUB_REF: "refs/heads/main",
      GITHUB_SERVER_URL: "https://github.com",
      GITHUB_REPOSITORY: "acme/modelship",
      GITHUB_RUN_ID: "4242",
      GITHUB_ACTOR: "octocat",
      GITHUB_WORKFLOW: "test",
      ...files,
    },
    calls: () => read(files.FAKE_LOG).split("\n").filter(Boolean).map((l) => JSON.parse(l)),
    output: () => Object.fromEntries(read(files.GITHUB_OUTPUT).split("\n").filter(Boolean).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)])),
    summary: () => read(files.GITHUB_STEP_SUMMARY),
    tempFile: (name) => (fs.existsSync(path.join(temp, name)) ? fs.readFileSync(path.join(temp, name), "utf8") : undefined),
  };
}

/**
 * The environment a step sees: the job's `env:` then the step's, with every value that is an
 * expression (`${{ ... }}`) taken from `values` — a test must say what each one evaluates to.
 */
export function stepEnv(job: { env?: Record<string, string> }, step: Step, values: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...(job.env ?? {}), ...(step.env ?? {}) })) {
    if (typeof v === "string" && v.includes("${{")) {
      if (!(k in values)) throw new Error(`${step.name ?? step.id}: give a value for ${k} (${v})`);
      out[k] = values[k];
    } else out[k] = String(v);
  }
  for (const k of Object.keys(values)) if (!(k in out)) throw new Error(`${step.name ?? step.id}: ${k} is not in the step's env`);
  return out;
}

export interface StepRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the step's script verbatim with GitHub's bash flags. */
export function runStep(step: Step, cwd: string, env: Record<string, string>): StepRun {
  if (!step.run) throw new Error(`${step.name ?? step.id} has no run script`);
  const file = path.join(tempDir("modelship-step-"), "step.sh");
  fs.writeFileSync(file, step.run);
  const r = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", file], { cwd, env, encoding: "utf8", timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * As runStep, without blocking the event loop: for a script that talks to a server this process
 * runs (a fake API). Killed after `timeoutMs`.
 */
export function runStepAsync(step: Step, cwd: string, env: Record<string, string>, timeoutMs = 30_000): Promise<StepRun> {
  if (!step.run) throw new Error(`${step.name ?? step.id} has no run script`);
  const file = path.join(tempDir("modelship-step-"), "step.sh");
  fs.writeFileSync(file, step.run);
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["--noprofile", "--norc", "-eo", "pipefail", file], { cwd, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
