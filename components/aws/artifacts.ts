import * as pulumi from "@pulumi/pulumi";
import { awsSdk } from "./sdk";
import type { S3Bucket } from "./types";
import { tlsOnlyBucketPolicy } from "./documents";

/** Arguments of ModelArtifacts (`modelship:aws.artifactsBucket` and its key). */
export interface ModelArtifactsArgs {
  /** The bucket's name; it is created versioned, encrypted, private and TLS-only. */
  bucket: string;
  /** KMS key for the bucket's default encryption; SSE-S3 without it. */
  kmsKeyArn?: string;
  /** Days an overwritten model version is kept, so a rollback still finds its artifact. */
  noncurrentVersionDays?: number;
}

/** The bucket model artifacts live in: versioned, encrypted, private, TLS only. */
export class ModelArtifacts extends pulumi.ComponentResource {
  readonly bucket: S3Bucket;

  constructor(name: string, args: ModelArtifactsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("modelship:aws:ModelArtifacts", name, {}, opts);
    const sdk = awsSdk();
    const parent = { parent: this };
    this.bucket = new sdk.s3.Bucket(name, { bucket: args.bucket, forceDestroy: false }, parent);
    const bucket = this.bucket.bucket;
    new sdk.s3.BucketVersioning(name, { bucket, versioningConfiguration: { status: "Enabled" } }, parent);
    new sdk.s3.BucketServerSideEncryptionConfiguration(
      name,
      {
        bucket,
        rules: [
          {
            applyServerSideEncryptionByDefault: args.kmsKeyArn ? { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn } : { sseAlgorithm: "AES256" },
            bucketKeyEnabled: !!args.kmsKeyArn,
          },
        ],
      },
      parent,
    );
    const block = new sdk.s3.BucketPublicAccessBlock(
      name,
      { bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      parent,
    );
    // After the public access block, so the policy is never briefly evaluated without it.
    new sdk.s3.BucketPolicy(name, { bucket, policy: tlsOnlyBucketPolicy(args.bucket) }, { parent: this, dependsOn: [block] });
    new sdk.s3.BucketLifecycleConfiguration(
      name,
      {
        bucket,
        rules: [
          {
            id: "expire-noncurrent-versions",
            status: "Enabled",
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionDays ?? 90 },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
        ],
      },
      parent,
    );
    this.registerOutputs({ bucket });
  }
}
