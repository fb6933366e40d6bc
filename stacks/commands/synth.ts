import * as path from "path";
import { parseStackRef } from "../config";
import { summaryTable, writeObjects } from "../render";
import { synthesize } from "../synth";
import type { CommandContext } from "./types";

export const synthHelp = `modelship synth --stack STACK [--out DIR] [--json]

Renders the stack offline: runs the Pulumi program under the SDK's mock runtime with the
config of Pulumi.STACK.yaml, writes every Kubernetes object as YAML to DIR (default
out/STACK, replaced as a whole) and prints the models, tracks, weights and capacity.
Secret config values are never decrypted; they render as a placeholder.
  --json       one JSON object on stdout: the output directory, the files written and the
               models with their tracks, weights and capacity`;

export async function synthCommand(ctx: CommandContext): Promise<number> {
  const stack = ctx.args.required("stack");
  const result = await synthesize(ctx.projectDir, stack, undefined, ctx.progress);
  // The bare stack name: acme/staging renders into out/staging, like its Pulumi.staging.yaml.
  const out = path.resolve(ctx.projectDir, ctx.args.optional("out") ?? path.join("out", parseStackRef(stack).name));
  const files = writeObjects(out, result.objects);
  if (ctx.args.flag("json")) {
    ctx.print(JSON.stringify({ stack, out, written: true, files, models: result.outputs.models }, null, 2));
    return 0;
  }
  ctx.print(`Rendered stack ${stack}: ${files.length} objects in ${path.relative(process.cwd(), out) || "."}`);
  ctx.print("");
  ctx.print(summaryTable(result.outputs));
  return 0;
}
