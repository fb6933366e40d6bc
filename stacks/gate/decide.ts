// What `advance` does with a verdict (pure): the only place a verdict becomes an action.
import type { Assessment } from "./assess";

export type AdvanceAction = "promote" | "rollback" | "hold";

export interface Decision {
  action: AdvanceAction;
  why: string;
}

/**
 * fail → rollback; pass → promote (the gate only passes after the bake time); anything else
 * holds, except a step stalled past `rollout.maxInconclusive`, which holds and says so or, with
 * `onStall: rollback`, rolls back. A weight not in effect is never stalled: the route, not the
 * candidate, is at fault, and rolling back would not reach traffic either.
 */
export function decide(a: Pick<Assessment, "verdict" | "stalled" | "reasons">, onStall: "hold" | "rollback"): Decision {
  if (a.verdict === "fail") return { action: "rollback", why: `gate failed: ${a.reasons.join("; ")}` };
  if (a.verdict === "pass") return { action: "promote", why: `gate passed: ${a.reasons.join("; ")}` };
  if (a.stalled) return onStall === "rollback" ? { action: "rollback", why: `stalled (rollout.onStall: rollback): ${a.reasons.join("; ")}` } : { action: "hold", why: `stalled, holding (rollout.onStall: hold): ${a.reasons.join("; ")}` };
  return { action: "hold", why: a.reasons.join("; ") };
}
