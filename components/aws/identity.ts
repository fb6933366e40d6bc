import * as pulumi from "@pulumi/pulumi";
import { awsSdk } from "./sdk";
import type { IamRole } from "./types";
import { artifactReadPolicy, irsaTrustPolicy } from "./documents";

/** Arguments of TrackIdentity: who may assume the role, and what it may read. */
export interface TrackIdentityArgs {
  /** At most 64 characters (see iamRoleName in plan.ts). */
  roleName: string;
  /** The cluster's IAM OIDC provider, which the role trusts. */
  oidcProviderArn: string;
  /** Its issuer URL, whose `:sub` claim names the ServiceAccount. */
  oidcProviderUrl: string;
  /** Namespace and name of the only ServiceAccount that may assume the role. */
  namespace: string;
  serviceAccount: string;
  /** The bucket and the model's key prefix the role may list and read. */
  bucket: string;
  prefix: string;
  /** KMS key the role may decrypt the artifacts with. */
  kmsKeyArn?: string;
}

/** IRSA: an IAM role only this track's ServiceAccount can assume, reading only its model's prefix. */
export class TrackIdentity extends pulumi.ComponentResource {
  readonly role: IamRole;
  readonly roleArn: pulumi.Output<string>;

  constructor(name: string, args: TrackIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("modelship:aws:TrackIdentity", name, {}, opts);
    const sdk = awsSdk();
    this.role = new sdk.iam.Role(
      name,
      { name: args.roleName, assumeRolePolicy: irsaTrustPolicy(args.oidcProviderArn, args.oidcProviderUrl, args.namespace, args.serviceAccount) },
      { parent: this },
    );
    new sdk.iam.RolePolicy(name, { role: this.role.name, policy: artifactReadPolicy(args.bucket, args.prefix, args.kmsKeyArn) }, { parent: this });
    this.roleArn = this.role.arn;
    this.registerOutputs({ roleArn: this.roleArn });
  }
}
