import * as path from "path";
import { summaryTable, writeObjects } from "../render";
import { synthesize } from "../synth";
import type { CommandContext } from "./types";

export const synthHelp = `modelship synth --stack STACK [--out DIR]

Renders the stack offline: runs the Pulumi program under the SDK's mock runtime with the
config of Pulumi.STACK.yaml, writes every Kubernetes object as YAML to DIR (default
out/STACK, replaced as a whole) and prints the models, tracks, weights and capacity.
Secret config values are never decrypted; they render as a placeholder.`;

export async function synthCommand(ctx: CommandContext): Promise<number> {
  const stack = ctx.args.required("stack");
  const result = await synthesize(ctx.projectDir, stack);
  const out = path.resolve(ctx.projectDir, ctx.args.optional("out") ?? path.join("out", stack));
  const files = writeObjects(out, result.objects);
  ctx.print(`Rendered stack ${stack}: ${files.length} objects in ${path.relative(process.cwd(), out) || "."}`);
  ctx.print("");
  ctx.print(summaryTable(result.outputs));
  return 0;
}
