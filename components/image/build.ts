import * as aws from "@pulumi/aws";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

export interface ModelImageArgs {
  repositoryUrl: pulumi.Input<string>;
  /** The image's tag: the track's version (tags are immutable in the repository). */
  tag: string;
  context: string;
  dockerfile: string;
  platform: string;
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
    const token = aws.ecr.getAuthorizationTokenOutput({}, { parent: this });
    const image = new docker.Image(
      name,
      {
        imageName: pulumi.interpolate`${args.repositoryUrl}:${args.tag}`,
        build: { context: args.context, dockerfile: args.dockerfile, platform: args.platform },
        registry: { server: registry, username: token.userName, password: pulumi.secret(token.password) },
      },
      { parent: this, ignoreChanges: ["build"] },
    );
    this.digestRef = image.repoDigest;
    this.registerOutputs({ digestRef: this.digestRef });
  }
}
