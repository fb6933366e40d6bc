import type * as Docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { awsSdk } from "../aws/sdk";
import { requirePeer } from "../peer";

/**
 * Where the paths of a build are read from. `projectDir` holds Pulumi.yaml: a model's
 * `build.context` is relative to it. `workDir` is the directory Pulumi runs the program and its
 * providers in: for a `main` that is a file, that file's directory (pulumi pkg/engine/project.go,
 * getPwdMain), here stacks/.
 */
export interface ProgramPaths {
  projectDir: string;
  workDir: string;
}

/**
 * The context and Dockerfile as @pulumi/docker reads them: both relative to its working
 * directory (its Check stats `build.dockerfile` as given, and the build resolves the context and
 * the Dockerfile each from the working directory, as `docker build -f` does), not the Dockerfile
 * relative to the context. Relative, with forward slashes, so the state is the same on every
 * machine that runs `pulumi up`.
 */
export function dockerBuildPaths(paths: ProgramPaths, context: string, dockerfile: string): { context: string; dockerfile: string } {
  const contextDir = path.resolve(paths.projectDir, context);
  const rel = (to: string) => path.relative(paths.workDir, to).split(path.sep).join("/") || ".";
  return { context: rel(contextDir), dockerfile: rel(path.resolve(contextDir, dockerfile)) };
}

export interface ModelImageArgs {
  repositoryUrl: pulumi.Input<string>;
  /** The image's tag: the track's version (tags are immutable in the repository). */
  tag: string;
  /** The build context, relative to the project directory. */
  context: string;
  /** The Dockerfile, relative to the context. */
  dockerfile: string;
  platform: string;
  /** Where the program runs; by default the working directory is the project directory. */
  paths?: ProgramPaths;
}

/**
 * Builds a track's serving image and pushes it to the model's repository. The track runs the
 * pushed digest, never the tag. A version is built once: a changed build context alone does not
 * rebuild (and could not push: tags are immutable); a new version does.
 */
export class ModelImage extends pulumi.ComponentResource {
  /** `repository@sha256:<digest>` of the pushed image. */
  readonly digestRef: pulumi.Output<string>;

  constructor(name: string, args: ModelImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("modelship:image:ModelImage", name, {}, opts);
    const registry = pulumi.output(args.repositoryUrl).apply((url) => url.split("/")[0]);
    // Both SDKs load here, on the first build, never for a fleet that builds nothing.
    const docker = requirePeer<typeof Docker>("@pulumi/docker", "An image build (a track with `build`)");
    const token = awsSdk().ecr.getAuthorizationTokenOutput({}, { parent: this });
    const where = args.paths ?? { projectDir: process.cwd(), workDir: process.cwd() };
    const image = new docker.Image(
      name,
      {
        imageName: pulumi.interpolate`${args.repositoryUrl}:${args.tag}`,
        build: { ...dockerBuildPaths(where, args.context, args.dockerfile), platform: args.platform },
        registry: { server: registry, username: token.userName, password: pulumi.secret(token.password) },
      },
      // With build ignored, later updates hand the provider the build stored in the state, which
      // its Check stats again: another reason the paths are relative, never absolute.
      { parent: this, ignoreChanges: ["build"] },
    );
    this.digestRef = image.repoDigest;
    this.registerOutputs({ digestRef: this.digestRef });
  }
}
