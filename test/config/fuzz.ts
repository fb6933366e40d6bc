// The config fuzz loop (issue 14, "proof"), shared by test/config/fuzz.test.ts and `npm run
// bench`: mutated fixture fleets through parseFleetConfig, and what it accepts through synth and
// the upstream schemas; mutated stack-file text through the real CLI.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ConfigError, parseFleetConfig } from "../../components/config";
import { main } from "../../stacks/cli";
import { EXIT } from "../../stacks/commands/types";
import { StackFileError } from "../../stacks/stackfile/file";
import { synthesize, type KubeObject, type SynthResult } from "../../stacks/render/synth";
import { apiServerProblems } from "../apiserver";
import { FLEETS } from "../fixtures/fleets";
import { tempProject } from "../helpers";
import { validateObject } from "../kube-schemas";
import { mutate, prng } from "./generate";

export const STACK_FILE = "Pulumi.staging.yaml";

/** Bounds on a rejection's report. */
export const REPORT_BOUNDS = { lines: 60, lineChars: 1000 } as const;

const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/;

/** What is wrong with a ConfigError as a report (empty when it names the file and key paths, bounded). */
export function rejectionProblems(e: unknown, stackFile = STACK_FILE): string[] {
  if (!(e instanceof ConfigError)) {
    const text = e instanceof Error ? `${e.name}: ${e.message.split("\n")[0].slice(0, 300)}` : String(e).slice(0, 300);
    return [`threw something other than a ConfigError: ${text}`];
  }
  const out: string[] = [];
  if (e.stackFile !== stackFile) out.push(`names ${JSON.stringify(e.stackFile)}, not ${stackFile}`);
  if (e.problems.length === 0) out.push("a ConfigError with no problems");
  for (const p of e.problems) if (!p.path.startsWith("modelship:")) out.push(`problem path ${JSON.stringify(p.path.slice(0, 200))} is not a modelship: key path`);
  const lines = e.message.split("\n");
  if (lines.length > REPORT_BOUNDS.lines) out.push(`${lines.length} lines of report`);
  for (const l of lines) {
    if (l.length > REPORT_BOUNDS.lineChars) out.push(`a line of ${l.length} characters: ${JSON.stringify(l.slice(0, 120))}`);
    if (!l.startsWith(`${stackFile}: `)) out.push(`a line that does not name the stack file: ${JSON.stringify(l.slice(0, 200))}`);
    if (CONTROL.test(l)) out.push(`a control character inside a line: ${JSON.stringify(l.slice(0, 200))}`);
  }
  return [...new Set(out)];
}

// Stack-file limits (stacks/stackfile/file.ts INPUT_LIMITS): a config the schema takes may still be
// one no stack file can hold, which synth refuses with one line before the schema sees it.
const STACK_FILE_LIMIT = /: (nested more than \d+ deep|expected at most [\d,]+ characters, got \d+|expected a finite number)/;

export interface RenderCheck {
  /** Objects rendered and checked. */
  objects: number;
  /** Set when the stack file's own input limits refused the config (documented, not a failure). */
  stackFileLimit?: string;
  problems: string[];
}

/** IAM role names: at most 64 characters of `[\w+=,.@-]` (AWS IAM CreateRole). */
const IAM_ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/** What the upstream schemas, the API server's rules and AWS's name rules say about a render. */
export async function renderProblems(result: SynthResult): Promise<string[]> {
  const problems: string[] = [];
  const ids = new Map<string, number>();
  for (const o of result.objects) {
    const id = `${o.apiVersion} ${o.kind} ${o.metadata?.namespace ?? ""}/${o.metadata?.name}`;
    ids.set(id, (ids.get(id) ?? 0) + 1);
    try {
      await validateObject(o);
    } catch (e) {
      problems.push(`upstream schema: ${(e as Error).message.slice(0, 600)}`);
    }
    for (const p of apiServerProblems(o as KubeObject)) problems.push(`API server: ${p.slice(0, 600)}`);
  }
  for (const [id, n] of ids) if (n > 1) problems.push(`rendered ${n} objects ${id}`);
  const roles = result.resources.filter((r) => r.type === "aws:iam/role:Role").map((r) => r.inputs.name);
  for (const name of roles) {
    if (typeof name !== "string" || !IAM_ROLE_NAME.test(name)) problems.push(`IAM role name ${JSON.stringify(name)}: expected 1..64 characters of [\\w+=,.@-]`);
  }
  for (const name of new Set(roles)) if (roles.filter((r) => r === name).length > 1) problems.push(`IAM role name ${JSON.stringify(name)} used by ${roles.filter((r) => r === name).length} roles`);
  return problems;
}

/**
 * Writes a config the schema accepted to a throwaway project, synthesizes its staging stack and
 * checks every object. Rendering must succeed: the schema is the program's only gate.
 */
export async function renderAndCheck(config: Record<string, unknown>): Promise<RenderCheck> {
  const dir = tempProject("staging", config);
  try {
    let result: SynthResult;
    try {
      result = await synthesize(dir, "staging", undefined, () => undefined);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (e instanceof StackFileError && STACK_FILE_LIMIT.test(message)) return { objects: 0, stackFileLimit: message.slice(0, 300), problems: [] };
      return { objects: 0, problems: [`synth of a config parseFleetConfig accepted failed: ${(e as Error)?.name ?? ""} ${message.slice(0, 600)}`] };
    }
    return { objects: result.objects.length, problems: await renderProblems(result) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface FuzzFailure {
  /** Which fixture, which run, and the mutations applied: rerun with the same seed to reproduce. */
  run: number;
  fixture: string;
  mutations: string[];
  stage: "parse" | "render";
  problems: string[];
}

export interface FuzzResult {
  seed: number;
  configs: number;
  accepted: number;
  rejected: number;
  rendered: number;
  /** Accepted by the schema, refused by the stack file's own input limits (one line, exit 1). */
  stackFileLimits: number;
  objectsValidated: number;
  failures: FuzzFailure[];
  ms: number;
  /** The slowest parse, milliseconds. */
  slowestParseMs: number;
}

/** A parse taking longer than this is a failure (a pattern or a walk gone quadratic). */
export const SLOW_PARSE_MS = 2000;

/**
 * `configs` fixture fleets, each with 1..3 random mutations (fixed `seed`), through
 * parseFleetConfig; at most `renderAtMost` of those it accepts are rendered and checked.
 */
export async function runFuzz(opts: { seed: number; configs: number; renderAtMost: number; progress?: (line: string) => void }): Promise<FuzzResult> {
  const started = Date.now();
  const rng = prng(opts.seed);
  const fixtures = Object.entries(FLEETS);
  const r: FuzzResult = { seed: opts.seed, configs: opts.configs, accepted: 0, rejected: 0, rendered: 0, stackFileLimits: 0, objectsValidated: 0, failures: [], ms: 0, slowestParseMs: 0 };
  for (let run = 0; run < opts.configs; run++) {
    const [fixture, make] = fixtures[run % fixtures.length];
    const { config, mutations } = mutate(make(), rng);
    const fail = (stage: FuzzFailure["stage"], problems: string[]) => r.failures.push({ run, fixture, mutations, stage, problems });
    const t0 = Date.now();
    let accepted = false;
    try {
      parseFleetConfig(config, STACK_FILE);
      accepted = true;
    } catch (e) {
      const problems = rejectionProblems(e);
      if (problems.length > 0) fail("parse", problems);
    }
    const ms = Date.now() - t0;
    r.slowestParseMs = Math.max(r.slowestParseMs, ms);
    if (ms > SLOW_PARSE_MS) fail("parse", [`parse took ${ms} ms`]);
    if (!accepted) {
      r.rejected++;
      continue;
    }
    r.accepted++;
    if (r.rendered >= opts.renderAtMost) continue;
    r.rendered++;
    const check = await renderAndCheck(config);
    r.objectsValidated += check.objects;
    if (check.stackFileLimit) r.stackFileLimits++;
    if (check.problems.length > 0) fail("render", check.problems);
    if (opts.progress && (run + 1) % 500 === 0) opts.progress(`config fuzz: ${run + 1}/${opts.configs}`);
  }
  r.ms = Date.now() - started;
  return r;
}

// ---- stack-file text ----------------------------------------------------------------------

/** A fixture as the stack file a user would write. */
export const stackFileText = (config: Record<string, unknown>) =>
  YAML.stringify({ config: Object.fromEntries(Object.entries(config).map(([k, v]) => [`modelship:${k}`, v])) });

export const TEXT_MUTATIONS = [
  "truncate",
  "alias-bomb",
  "bad-indent",
  "deep-flow",
  "deep-block",
  "tab-indent",
  "bom",
  "duplicate-key",
  "crlf",
  "nul-byte",
  "flip-char",
  "drop-line",
  "long-line",
  "undefined-alias",
  "merge-key",
  "two-documents",
  "invalid-utf8",
  "swap-lines",
] as const;

/** One YAML-level mutation of a stack file's text (bytes, for invalid UTF-8). */
export function mutateText(text: string, rng: () => number): { bytes: Buffer; mutation: string } {
  const kind = TEXT_MUTATIONS[Math.floor(rng() * TEXT_MUTATIONS.length)];
  const lines = text.split("\n");
  const line = () => 1 + Math.floor(rng() * Math.max(1, lines.length - 2));
  const out = (t: string) => ({ bytes: Buffer.from(t, "utf8"), mutation: kind });
  switch (kind) {
    case "truncate":
      return out(text.slice(0, Math.floor(rng() * text.length)));
    case "alias-bomb": {
      const bomb = ["b0: &b0 [x, x, x, x, x, x, x, x, x, x]"];
      for (let i = 1; i < 10; i++) bomb.push(`b${i}: &b${i} [${Array(10).fill(`*b${i - 1}`).join(", ")}]`);
      return out(`${text}  modelship:bomb:\n${bomb.map((l) => `    ${l}`).join("\n")}\n`);
    }
    case "bad-indent": {
      const i = line();
      lines[i] = rng() < 0.5 ? ` ${lines[i]}` : lines[i].replace(/^ /, "");
      return out(lines.join("\n"));
    }
    case "deep-flow": {
      const n = [50, 64, 65, 200, 3000][Math.floor(rng() * 5)];
      return out(text.replace(/(modelship:namespace: ).*/, `$1${"[".repeat(n)}${"]".repeat(n)}`));
    }
    case "deep-block": {
      const n = [30, 70, 150][Math.floor(rng() * 3)];
      const block = Array.from({ length: n }, (_, i) => `${"  ".repeat(i + 2)}k${i}:`).join("\n");
      return out(`${text}  modelship:deep:\n${block} x\n`);
    }
    case "tab-indent": {
      const i = line();
      lines[i] = lines[i].replace(/^( +)/, (s) => "\t".repeat(Math.max(1, s.length / 2)));
      return out(lines.join("\n"));
    }
    case "bom":
      return out(`\uFEFF${text}`);
    case "duplicate-key": {
      const i = line();
      lines.splice(i, 0, lines[i]);
      return out(lines.join("\n"));
    }
    case "crlf":
      return out(text.replace(/\n/g, "\r\n"));
    case "nul-byte": {
      const at = Math.floor(rng() * text.length);
      return out(text.slice(0, at) + "\u0000" + text.slice(at));
    }
    case "flip-char": {
      const at = Math.floor(rng() * text.length);
      const c = ":{}[]&*!|>'\"%@`#-? \t,"[Math.floor(rng() * 21)];
      return out(text.slice(0, at) + c + text.slice(at + 1));
    }
    case "drop-line": {
      lines.splice(line(), 1);
      return out(lines.join("\n"));
    }
    case "long-line":
      return out(text.replace(/(modelship:namespace: ).*/, `$1${"a".repeat(2_000_000)}`));
    case "undefined-alias":
      return out(text.replace(/(modelship:router: ).*/, "$1*nowhere"));
    case "merge-key":
      return out(`${text}  modelship:extra:\n    <<: *missing\n`);
    case "two-documents":
      return out(`${text}---\nconfig:\n  modelship:namespace: other\n`);
    case "invalid-utf8": {
      const at = Math.floor(rng() * text.length);
      return { bytes: Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(text.slice(at))]), mutation: kind };
    }
    case "swap-lines": {
      const [a, b] = [line(), line()];
      [lines[a], lines[b]] = [lines[b], lines[a]];
      return out(lines.join("\n"));
    }
  }
}

export interface TextFuzzCase {
  run: number;
  fixture: string;
  mutation: string;
  code: number;
  problems: string[];
}

/** Bounds on what the CLI prints for one bad stack file. */
export const CLI_BOUNDS = { errLines: 60, errChars: 8000, outLines: 200 } as const;

/** `count` mutated stack files through `modelship synth`: a documented exit code, no trace, bounded output. */
export async function runTextFuzz(opts: { seed: number; count: number }): Promise<TextFuzzCase[]> {
  const rng = prng(opts.seed);
  const fixtures = Object.entries(FLEETS);
  const codes = new Set<number>(Object.values(EXIT));
  const cases: TextFuzzCase[] = [];
  for (let run = 0; run < opts.count; run++) {
    const [fixture, make] = fixtures[run % fixtures.length];
    const { bytes, mutation } = mutateText(stackFileText(make()), rng);
    const dir = tempProject("staging", "config: {}\n");
    fs.writeFileSync(path.join(dir, STACK_FILE), bytes);
    const err: string[] = [];
    const out: string[] = [];
    const problems: string[] = [];
    let code = -1;
    try {
      code = await main(["synth", "--stack", "staging", "--project-dir", dir, "--out", path.join(dir, "out")], {
        out: (l) => out.push(...l.split("\n")),
        err: (l) => err.push(...l.split("\n")),
        cwd: dir,
      });
    } catch (e) {
      problems.push(`main threw (exit 70): ${e instanceof Error ? e.message.split("\n")[0].slice(0, 300) : String(e)}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const text = err.join("\n");
    if (code !== -1 && !codes.has(code)) problems.push(`exit code ${code} is not one of ${[...codes].join(", ")}`);
    if (/^\s+at /m.test(text) || /^\s+at /m.test(out.join("\n"))) problems.push(`a stack trace: ${text.slice(0, 500)}`);
    if (err.length > CLI_BOUNDS.errLines) problems.push(`${err.length} lines on stderr`);
    if (text.length > CLI_BOUNDS.errChars) problems.push(`${text.length} characters on stderr`);
    if (out.length > CLI_BOUNDS.outLines) problems.push(`${out.length} lines on stdout`);
    if (code !== EXIT.ok && code !== -1 && !err.some((l) => /^Pulumi\.(staging\.)?yaml: /.test(l))) problems.push(`a rejection that names no file: ${text.slice(0, 300)}`);
    if (err.some((l) => CONTROL.test(l))) problems.push(`a control character on stderr: ${JSON.stringify(err.find((l) => CONTROL.test(l))!.slice(0, 200))}`);
    cases.push({ run, fixture, mutation, code, problems });
  }
  return cases;
}
