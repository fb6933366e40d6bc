// The `modelship` command line. Each command lives in stacks/commands/ and is loaded only when it
// runs: `--help` answers from stacks/commands/help.ts, and `status` never loads the Pulumi SDK, the
// canary gate or the monitoring code that synth, the stack-file edits and analyze need. Nothing
// here may import a command's dependencies (test/stacks/cli-load.test.ts checks what loads).
import * as help from "./commands/help";
import { ADVANCE_EXIT, Args, EXIT, UsageError, type CommandContext } from "./commands/types";

type Run = (ctx: CommandContext) => Promise<number>;

interface Command {
  /** The command's module, required when the command runs (a require: TypeScript keeps `import()` native under module node16). */
  load(): Run;
  help: string;
  /** Options it accepts, without the leading dashes; `true` for flags. */
  options: Record<string, boolean>;
  /**
   * Exit code for every error, bad config included, where the usual 1 would mean something else
   * (analyze: 1 is "fail", advance: "rolled back"; a typo must not read as either). EXIT's table.
   */
  errorExit?: number;
  /**
   * A command whose exit code decides a release (analyze, advance). Fail closed: every failure,
   * an unexpected one included, ends in `errorExit` with a message — and, with --json, a JSON
   * answer on stdout — never in a stack trace or an exit code a pipeline could misread.
   */
  decides?: boolean;
}

const synth = () => require("./commands/synth") as typeof import("./commands/synth");
const status = () => require("./commands/status") as typeof import("./commands/status");
const rollout = () => require("./commands/rollout") as typeof import("./commands/rollout");
const analyze = () => require("./commands/analyze") as typeof import("./commands/analyze");
const advance = () => require("./commands/advance") as typeof import("./commands/advance");

const COMMANDS: Record<string, Command> = {
  synth: { load: () => synth().synthCommand, help: help.synthHelp, options: { stack: false, out: false, force: true, json: true } },
  status: { load: () => status().statusCommand, help: help.statusHelp, options: { stack: false, model: false, json: true } },
  release: { load: () => rollout().releaseCommand, help: help.releaseHelp, options: { ...help.MUTATION_OPTIONS, version: false, image: false, "model-uri": false, metrics: false } },
  promote: { load: () => rollout().promoteCommand, help: help.promoteHelp, options: { ...help.MUTATION_OPTIONS, to: false, force: true, reason: false, by: false } },
  rollback: { load: () => rollout().rollbackCommand, help: help.rollbackHelp, options: help.MUTATION_OPTIONS },
  undo: { load: () => rollout().undoCommand, help: help.undoHelp, options: help.MUTATION_OPTIONS },
  retire: { load: () => rollout().retireCommand, help: help.retireHelp, options: help.MUTATION_OPTIONS },
  // EXIT.usage is the gate's VERDICT_EXIT.error (stacks/gate/judge.ts; test/stacks/cli.test.ts holds
  // them equal), named here without loading the gate.
  analyze: { load: () => analyze().analyzeCommand, help: help.analyzeHelp, options: { stack: false, model: false, prometheus: false, json: true }, errorExit: EXIT.usage, decides: true },
  advance: {
    load: () => advance().advanceCommand,
    help: help.advanceHelp,
    options: { stack: false, model: false, all: true, prometheus: false, "dry-run": true, json: true },
    errorExit: ADVANCE_EXIT.error,
    decides: true,
  },
};

const USAGE = `usage: modelship <command> [options]

commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(10)}${(c.help.split("\n\n")[1] ?? "").replace(/\s+/g, " ").split(/(?<=\.) /)[0]}`)
  .join("\n")}

Run 'modelship <command> --help' for a command's options. Global: --project-dir DIR.
STACK may be qualified as Pulumi takes it (org/stack, org/project/stack); its file is
Pulumi.<stack>.yaml either way. Exit codes: 0 ok, 1 refused or invalid config, 2 held
(analyze, advance), 3 usage error or error with no action, 4 the pulumi run failed.`;

export function parseArgs(argv: readonly string[], options: Record<string, boolean>): Args {
  const values = new Map<string, string | true>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) {
      positional.push(a);
      continue;
    }
    const [name, inline] = a.slice(2).split(/=(.*)/s, 2);
    if (!(name in options)) throw new UsageError(`unknown option --${name}`);
    if (options[name]) {
      values.set(name, true);
    } else {
      const v = inline ?? argv[++i];
      if (v === undefined || (inline === undefined && v.startsWith("--"))) throw new UsageError(`--${name} needs a value`);
      values.set(name, v);
    }
  }
  return new Args(values, positional);
}

export interface Io {
  out(line: string): void;
  err(line: string): void;
  cwd: string;
}

/**
 * Pulumi's RunError (a failed program, reported in one line), recognised as the SDK recognises it,
 * without loading the SDK: RunError.isInstance (node_modules/@pulumi/pulumi/errors.js) is
 * utils.isInstance(obj, "__pulumiRunError"), i.e. utils.hasTrueBooleanMember: the member is the
 * boolean true, which RunError's constructor sets, so errors of another copy of the SDK count too.
 */
export function isPulumiRunError(e: unknown): boolean {
  return (e as { __pulumiRunError?: unknown } | null | undefined)?.__pulumiRunError === true;
}

/**
 * The classes of the failures a command reports in one line, required only once something was
 * thrown (by then the command has loaded most of them): their modules load the config schema.
 */
function failureClasses() {
  return {
    StackNameError: (require("../components/config/stack-keys") as typeof import("../components/config/stack-keys")).StackNameError,
    ConfigError: (require("../components/config/validate") as typeof import("../components/config/validate")).ConfigError,
    StackFileError: (require("./stackfile/file") as typeof import("./stackfile/file")).StackFileError,
    RolloutRefusal: (require("./rollout/state") as typeof import("./rollout/state")).RolloutRefusal,
  };
}

/** The exit code of bin/modelship.js for an unexpected error (EX_SOFTWARE). */
const INTERNAL_ERROR_EXIT = 70;

const processIo: Io = { out: (l) => console.log(l), err: (l) => console.error(l), cwd: process.cwd() };

/** Runs one CLI invocation; returns the exit code. Expected failures print one clear message. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    io.out(USAGE);
    return name ? EXIT.ok : EXIT.usage;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`modelship: unknown command "${name}"\n\n${USAGE}`);
    return EXIT.usage;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    io.out(command.help);
    return 0;
  }
  try {
    const args = parseArgs(rest, { ...command.options, "project-dir": false });
    if (args.positional.length > 0) throw new UsageError(`unexpected argument "${args.positional[0]}"`);
    const { findProjectDir } = require("./stackfile/file") as typeof import("./stackfile/file");
    const projectDir = findProjectDir(args.optional("project-dir") ?? io.cwd);
    return await command.load()({ args, projectDir, print: io.out, progress: io.err });
  } catch (e) {
    // With --json a pipeline reads stdout: every failure is still one JSON object it can parse,
    // {command, error, exitCode} — for analyze and advance also verdict "error" (no verdict).
    const json = "json" in command.options && rest.includes("--json");
    const answer = (message: string, exitCode: number) => {
      if (json) io.out(JSON.stringify({ command: name, error: message, exitCode, ...(command.decides ? { verdict: "error", reasons: [message] } : {}) }, null, 2));
      return exitCode;
    };
    if (e instanceof UsageError || e instanceof failureClasses().StackNameError) {
      io.err(`modelship ${name}: ${e.message}\n\n${command.help}`);
      return answer(e.message, command.errorExit ?? EXIT.usage);
    }
    const { ConfigError, StackFileError, RolloutRefusal } = failureClasses();
    if (e instanceof ConfigError || e instanceof StackFileError || e instanceof RolloutRefusal || isPulumiRunError(e)) {
      io.err(e instanceof RolloutRefusal ? `modelship ${name}: refused: ${e.message}` : (e as Error).message);
      return answer(e instanceof RolloutRefusal ? `refused: ${e.message}` : (e as Error).message, command.errorExit ?? EXIT.refused);
    }
    if (!command.decides) {
      // A defect: bin/modelship.js reports it on stderr and exits 70; stdout still gets its answer.
      answer(`internal error: ${e instanceof Error ? e.message : String(e)}`, INTERNAL_ERROR_EXIT);
      throw e;
    }
    const message = `internal error: ${e instanceof Error ? e.message : String(e)} (no verdict; rerun with MODELSHIP_DEBUG=1 for details)`;
    io.err(`modelship ${name}: ${message}`);
    if (process.env.MODELSHIP_DEBUG) io.err(e instanceof Error && e.stack ? e.stack : String(e));
    return answer(message, command.errorExit ?? EXIT.refused);
  }
}
