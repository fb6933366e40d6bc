// Where the program runs, for paths that Pulumi's providers read from disk (image builds).
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { ProgramPaths } from "../components/image";

/**
 * Pulumi runs a program whose `main` is a file (Pulumi.yaml: stacks/index.ts) in that file's
 * directory, and starts its providers there too (pulumi pkg/engine/project.go, getPwdMain):
 * `entryDir`, not the project's directory. The project directory is the engine's root directory
 * when it passes one (PULUMI_NODEJS_ROOT_DIRECTORY), else the nearest directory at or above
 * `entryDir` holding Pulumi.yaml (as under `modelship synth`, which runs the same file).
 */
export function programPaths(entryDir: string, root: string = pulumi.runtime.getRootDirectory()): ProgramPaths {
  if (path.isAbsolute(root) && fs.existsSync(path.join(root, "Pulumi.yaml"))) return { projectDir: root, workDir: entryDir };
  for (let dir = entryDir; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) return { projectDir: dir, workDir: entryDir };
    if (path.dirname(dir) === dir) return { projectDir: entryDir, workDir: entryDir };
  }
}
