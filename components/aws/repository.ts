import * as pulumi from "@pulumi/pulumi";
import { awsSdk } from "./sdk";
import type { EcrRepository } from "./types";
import { ecrLifecyclePolicy } from "./documents";

/** Arguments of ModelRepository (from `modelship:aws` and the model's name). */
export interface ModelRepositoryArgs {
  /** Repository name, e.g. `modelship/fraud-detector`. */
  repositoryName: string;
  /** Release images kept; older ones expire (`modelship:aws.keepImages`). */
  keepImages: number;
  /** Days before untagged layers expire (`modelship:aws.untaggedExpiryDays`). */
  untaggedExpiryDays: number;
  /** KMS key the images are encrypted with; AWS-managed encryption without it. */
  kmsKeyArn?: string;
}

/** The model's image repository: scanned on push, immutable tags, encrypted, pruned. */
export class ModelRepository extends pulumi.ComponentResource {
  readonly repository: EcrRepository;
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: ModelRepositoryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("modelship:aws:ModelRepository", name, {}, opts);
    const sdk = awsSdk();
    this.repository = new sdk.ecr.Repository(
      name,
      {
        name: args.repositoryName,
        imageScanningConfiguration: { scanOnPush: true },
        imageTagMutability: "IMMUTABLE",
        encryptionConfigurations: [args.kmsKeyArn ? { encryptionType: "KMS", kmsKey: args.kmsKeyArn } : { encryptionType: "AES256" }],
      },
      { parent: this },
    );
    new sdk.ecr.LifecyclePolicy(name, { repository: this.repository.name, policy: ecrLifecyclePolicy(args.keepImages, args.untaggedExpiryDays) }, { parent: this });
    this.url = this.repository.repositoryUrl;
    this.registerOutputs({ url: this.url });
  }
}
