// release, promote, rollback, undo, retire: one reviewable stack-file edit each.
import { execFileSync } from "child_process";
import * as os from "os";
import { candidateColour, nothingToRollBack, qualityShortfalls, type RolloutCommand } from "../rollout/state";
import { runMutation } from "./mutate";
import { UsageError, type CommandContext } from "./types";

/** `name=value,...` → numbers by name. */
export function parseMetrics(text: string): Record<string, number> {
  return Object.fromEntries(
    text.split(",").map((pair) => {
      const [name, value] = pair.split("=");
      const n = Number(value);
      if (!name || value === undefined || !Number.isFinite(n)) throw new UsageError(`--metrics expects name=number pairs, got "${pair}"`);
      return [name.trim(), n];
    }),
  );
}

export function releaseCommand(ctx: CommandContext): Promise<number> {
  const metrics = ctx.args.optional("metrics");
  const cmd: RolloutCommand = {
    kind: "release",
    version: ctx.args.required("version"),
    image: ctx.args.optional("image"),
    modelUri: ctx.args.optional("model-uri"),
    ...(metrics ? { metrics: parseMetrics(metrics) } : {}),
  };
  return runMutation(ctx, cmd, ({ after }) => {
    const c = candidateColour(after);
    return `Release ${after.name} ${after.tracks[c].version} onto ${c} at 0% (preview only).`;
  });
}

/** Who records a quality override: --by, else the committer's git address, else the OS user. */
function decidedBy(ctx: CommandContext): string {
  const by = ctx.args.optional("by");
  if (by !== undefined) return by;
  try {
    const email = execFileSync("git", ["config", "user.email"], { cwd: ctx.projectDir, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 5000 }).trim();
    if (email) return email;
  } catch {
    // no git, or no address configured
  }
  return os.userInfo().username;
}

export function promoteCommand(ctx: CommandContext): Promise<number> {
  const to = ctx.args.optional("to");
  if (to !== undefined && !/^\d+$/.test(to)) throw new UsageError(`--to expects a whole number, got "${to}"`);
  const force = ctx.args.flag("force");
  const reason = ctx.args.optional("reason");
  if (!force && (reason !== undefined || ctx.args.optional("by") !== undefined)) throw new UsageError("--reason and --by go with --force (they record why the quality gate was overridden)");
  if (reason !== undefined && !/\S/.test(reason)) throw new UsageError("--reason needs a text");
  const override = force && reason !== undefined ? { reason, by: decidedBy(ctx) } : undefined;
  const command: RolloutCommand = { kind: "promote", to: to === undefined ? undefined : Number(to), force, ...(override ? { override } : {}) };
  return runMutation(ctx, command, ({ before, after }) => {
    const c = candidateColour(before);
    const move =
      after.stable !== before.stable
        ? `Promote ${after.name} ${after.tracks[c].version} on ${c} to 100%: ${c} becomes the stable track.`
        : `Promote ${after.name} ${after.tracks[c].version} on ${c} from ${before.tracks[c].weight}% to ${after.tracks[c].weight}%.`;
    const o = after.tracks[c].qualityOverride;
    return o && !before.tracks[c].qualityOverride
      ? `${move}\nQuality gate overridden (${qualityShortfalls(before, c).join("; ")}) by ${o.by}: ${o.reason} (recorded as tracks.${c}.qualityOverride).`
      : move;
  });
}

export function rollbackCommand(ctx: CommandContext): Promise<number> {
  return runMutation(ctx, { kind: "rollback" }, ({ before, after }) => {
    const c = candidateColour(before);
    return before.tracks[c].weight === 0
      ? nothingToRollBack(before)
      : `Roll ${after.name} back: all traffic to ${after.stable} (${after.tracks[after.stable].version}); ${c} ${after.tracks[c].version} is marked rolled back.`;
  });
}

export function undoCommand(ctx: CommandContext): Promise<number> {
  return runMutation(ctx, { kind: "undo" }, ({ before, after }) => {
    const undone = before.tracks[before.stable];
    return `Undo the promotion of ${after.name} ${undone.version}: ${after.stable} (${after.tracks[after.stable].version}) takes all traffic and is stable again; ${before.stable} ${undone.version} is marked rolled back.`;
  });
}

export function retireCommand(ctx: CommandContext): Promise<number> {
  return runMutation(ctx, { kind: "retire" }, ({ after }) => {
    const c = candidateColour(after);
    return `Retire ${after.name} ${after.tracks[c].version} on ${c}.`;
  });
}
