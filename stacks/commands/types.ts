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

/** Exit codes of the CLI. */
export const EXIT = { ok: 0, refused: 1, usage: 2, pulumi: 3 } as const;
