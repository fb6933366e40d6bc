/** Parsed `--name value` / `--flag` arguments, with errors that name the option. */
export class Args {
  constructor(
    readonly values: ReadonlyMap<string, string | true>,
    readonly positional: readonly string[],
  ) {}

  required(name: string): string {
    const v = this.values.get(name);
    if (typeof v !== "string") throw new UsageError(`--${name} is required`);
    return v;
  }

  optional(name: string): string | undefined {
    const v = this.values.get(name);
    if (v === true) throw new UsageError(`--${name} needs a value`);
    return v;
  }

  flag(name: string): boolean {
    const v = this.values.get(name);
    if (typeof v === "string") throw new UsageError(`--${name} takes no value`);
    return v === true;
  }
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export interface CommandContext {
  args: Args;
  projectDir: string;
  /** Results, to stdout. */
  print(line: string): void;
  /** Progress of long steps, to stderr so `--json` output stays clean. */
  progress(line: string): void;
}

/**
 * The exit codes of every modelship command (README, "Exit codes"):
 * - 0 ok: done, or nothing to do;
 * - 1 refused or invalid config: the command does not apply, or the stack file does not validate
 *   — unreadable (EISDIR, EACCES), malformed YAML, alias bombs, values nested too deep or too
 *   long, a bad Pulumi.yaml (a runtime other than nodejs, a `main` that does not exist or does
 *   not load), a --project-dir that is no directory, a user's program that throws, calls a
 *   provider function synth cannot answer offline, or is not modelship's included: one line
 *   each, naming the file and key path, never a stack trace (analyze: the verdict is fail;
 *   advance: a model was rolled back). Exit 70 (bin/modelship.js) is left for modelship's own
 *   defects: an error thrown by its own code;
 * - 2 held: analyze inconclusive, advance held a model (only those two);
 * - 3 usage error, or an error that took no action (analyze and advance: every error, a bad
 *   config included, since 1 and 2 are verdicts there);
 * - 4 the stack file was written, but the `pulumi preview`/`up` it asked for failed or could not run.
 */
export const EXIT = { ok: 0, refused: 1, held: 2, usage: 3, pulumi: 4 } as const;

/**
 * advance's exit codes: 0 promoted or nothing to do, 1 a model rolled back, 2 a model held,
 * 3 error (nothing written). Here, a leaf, so the CLI knows them without loading advance.
 */
export const ADVANCE_EXIT = { ok: 0, rolledBack: 1, held: 2, error: 3 } as const;
