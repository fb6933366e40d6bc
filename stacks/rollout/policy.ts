// The policy pack's verdict on a change, before the CLI writes it: what `pulumi up` with the pack
// would stop on, the CLI refuses. The rules are the pack's own functions, never restated here.
import * as fs from "fs";
import * as path from "path";
import { enforcementLevel } from "../../policies/enforcement";
import { offStepWeights, productionWeightOnStep } from "../../policies/route-weights";
import { parseStackRef } from "../../components/config/stack-keys";
import { RolloutRefusal, type ModelState } from "./state";
import { StackFileError } from "../stackfile/file";

/**
 * The pack's config for a stack, as the workflows pass it (`policyPackConfigs:
 * policies/<stack>.json`, .github/workflows/*.yml): this file, not the stack's name or its
 * `environment`, is how the pack tells production's mandatory rules from staging's advice.
 * Undefined when the project has none for the stack (then the pack does not run for it).
 */
export function policyPackConfig(projectDir: string, stack: string): { file: string; config: Record<string, unknown> } | undefined {
  const file = path.join("policies", `${parseStackRef(stack).name}.json`);
  let text: string;
  try {
    text = fs.readFileSync(path.join(projectDir, file), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  try {
    const config = text.trim() === "" ? {} : JSON.parse(text);
    if (typeof config !== "object" || config === null || Array.isArray(config)) throw new Error("expected a JSON object");
    return { file, config };
  } catch (e) {
    throw new StackFileError(`${file}: ${(e as Error).message}`);
  }
}

/**
 * Refuses (RolloutRefusal) a change whose new weights production-weight-on-step would reject where
 * the stack's pack config makes it mandatory. It checks every router, the replicas router too
 * (whose weights the pack cannot read back from routing objects): production moves along steps.
 */
export function refuseWhatThePackWould(projectDir: string, stack: string, after: readonly ModelState[]): void {
  const pack = policyPackConfig(projectDir, stack);
  if (!pack || enforcementLevel(pack.config, productionWeightOnStep) !== "mandatory") return;
  for (const m of after) {
    const problem = offStepWeights({ blue: m.tracks.blue.weight, green: m.tracks.green.weight }, m.steps);
    if (problem) {
      throw new RolloutRefusal(
        `${m.name}: ${problem}; the policy ${productionWeightOnStep.name} is mandatory in ${pack.file}, so \`pulumi up\` would stop on it. Promote to one of the steps`,
      );
    }
  }
}
