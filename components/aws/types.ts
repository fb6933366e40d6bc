// The @pulumi/aws resources modelship's AWS components expose, typed without @pulumi/aws: it is
// an optional peer dependency, and a program that leaves AWS off type-checks without it (even
// with skipLibCheck off). At run time each is the @pulumi/aws resource itself; a program that
// uses AWS can narrow it (`artifacts.bucket as aws.s3.Bucket`) for the rest of its outputs.
import type * as pulumi from "@pulumi/pulumi";

/** An aws.s3.Bucket. */
export interface S3Bucket extends pulumi.CustomResource {
  readonly arn: pulumi.Output<string>;
  readonly bucket: pulumi.Output<string>;
}

/** An aws.iam.Role. */
export interface IamRole extends pulumi.CustomResource {
  readonly arn: pulumi.Output<string>;
  readonly name: pulumi.Output<string>;
}

/** An aws.ecr.Repository. */
export interface EcrRepository extends pulumi.CustomResource {
  readonly arn: pulumi.Output<string>;
  readonly name: pulumi.Output<string>;
  readonly repositoryUrl: pulumi.Output<string>;
}
