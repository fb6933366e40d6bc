// `--preview` / `--up`: the stack update itself, through the Pulumi Automation API.
import { automation } from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";

/** The Pulumi CLI on PATH, or undefined (the Automation API drives that binary). */
export function pulumiCli(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, process.platform === "win32" ? "pulumi.exe" : "pulumi");
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export class PulumiUnavailable extends Error {
  constructor(stack: string, mode: string) {
    super(`the Pulumi CLI is not on PATH, so no \`pulumi ${mode}\` ran; run \`pulumi ${mode} --stack ${stack}\` where it is installed (https://www.pulumi.com/docs/install/)`);
    this.name = "PulumiUnavailable";
  }
}

/** Runs `pulumi preview` or `pulumi up` for the stack, streaming its output. */
export async function runPulumi(projectDir: string, stack: string, mode: "preview" | "up", print: (line: string) => void): Promise<void> {
  if (!pulumiCli()) throw new PulumiUnavailable(stack, mode);
  const s = await automation.LocalWorkspace.selectStack({ stackName: stack, workDir: projectDir });
  const onOutput = (out: string) => print(out.replace(/\n$/, ""));
  if (mode === "up") await s.up({ onOutput });
  else await s.preview({ onOutput });
}
