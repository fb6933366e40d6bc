import * as path from "path";
import { parseStackRef } from "../stackfile/config";
import { checkRenderTarget, summaryTable, writeObjects } from "../render/files";
import { listStacks, readProject } from "../stackfile/file";
import { assertModelshipProgram, synthesize } from "../render/synth";
import type { CommandContext } from "./types";

export async function synthCommand(ctx: CommandContext): Promise<number> {
  const stack = ctx.args.required("stack");
  const force = ctx.args.flag("force");
  // The bare stack name: acme/staging renders into out/staging, like its Pulumi.staging.yaml.
  const out = path.resolve(ctx.projectDir, ctx.args.optional("out") ?? path.join("out", parseStackRef(stack).name));
  // Before rendering: a refused --out costs nothing and writes nothing.
  checkRenderTarget(out, { projectDir: ctx.projectDir, projectFiles: projectFiles(ctx.projectDir), force });
  const result = await synthesize(ctx.projectDir, stack, undefined, ctx.progress);
  assertModelshipProgram(result);
  const files = writeObjects(out, result.objects, { force });
  if (ctx.args.flag("json")) {
    ctx.print(JSON.stringify({ stack, out, written: true, files, models: result.outputs.models }, null, 2));
    return 0;
  }
  ctx.print(`Rendered stack ${stack}: ${files.length} objects in ${path.relative(process.cwd(), out) || "."}`);
  ctx.print("");
  ctx.print(summaryTable(result.outputs));
  return 0;
}

/** What a render must never replace: the project's definition, stack files, program and history. */
function projectFiles(dir: string): string[] {
  return [path.join(dir, "Pulumi.yaml"), ...listStacks(dir).map((s) => path.join(dir, `Pulumi.${s}.yaml`)), readProject(dir).main, path.join(dir, ".git")];
}
