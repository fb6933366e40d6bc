// release, promote, rollback, undo, retire: one reviewable stack-file edit each.
import { candidateColour, nothingToRollBack, type RolloutCommand } from "../rollout";
import { mutationFlags, runMutation } from "./mutate";
import { UsageError, type CommandContext } from "./types";

export const releaseHelp = `modelship release --stack STACK --model MODEL --version V [--image IMAGE] [--model-uri URI] [--metrics name=value,...] [--dry-run] [--preview|--up]

Puts a new version on the idle track at weight 0, reachable only through the preview route.
Refuses while the idle track has weight. Without --image, a model with \`build\` builds the
version's image and runs it by digest. Without --model-uri, the version in the idle track's URI
is replaced. --metrics records the version's offline evaluation (for the quality gate).
${mutationFlags}`;

export const promoteHelp = `modelship promote --stack STACK --model MODEL [--to N] [--force] [--dry-run] [--preview|--up]

Moves the candidate to the next of the model's steps (or to N). At 100 the candidate becomes
the stable track; the old stable keeps full capacity until retired. Refuses a version whose
recorded metrics fall below the model's thresholds, and a jump past the step the candidate is
provisioned for, unless --force.
${mutationFlags}`;

export const rollbackHelp = `modelship rollback --stack STACK --model MODEL [--dry-run] [--preview|--up]

All traffic back to the stable track in one update. The candidate is marked rolled back, so no
promote puts weight on it again until it is released again, and keeps its capacity, so the
rollback touches routing only. Safe to repeat: with no weight on the candidate it changes nothing
and succeeds. After a completed promotion it refuses: \`modelship undo\` restores the previous stable.
${mutationFlags}`;

export const undoHelp = `modelship undo --stack STACK --model MODEL [--dry-run] [--preview|--up]

Undoes a completed promotion in one update: the previous stable takes all traffic again. It is
still at full capacity and becomes the stable track; the version undone keeps its capacity and is
marked rolled back. Refuses mid-canary (use rollback) and when there is nothing to undo, so a
second undo never flips back.
${mutationFlags}`;

export const retireHelp = `modelship retire --stack STACK --model MODEL [--dry-run] [--preview|--up]

Applies the model's idle policy (warm or cold) to the track without weight, after the bake.
Refuses while it has weight.
${mutationFlags}`;

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

export function promoteCommand(ctx: CommandContext): Promise<number> {
  const to = ctx.args.optional("to");
  if (to !== undefined && !/^\d+$/.test(to)) throw new UsageError(`--to expects a whole number, got "${to}"`);
  return runMutation(ctx, { kind: "promote", to: to === undefined ? undefined : Number(to), force: ctx.args.flag("force") }, ({ before, after }) => {
    const c = candidateColour(before);
    return after.stable !== before.stable
      ? `Promote ${after.name} ${after.tracks[c].version} on ${c} to 100%: ${c} becomes the stable track.`
      : `Promote ${after.name} ${after.tracks[c].version} on ${c} from ${before.tracks[c].weight}% to ${after.tracks[c].weight}%.`;
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
