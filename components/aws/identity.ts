import * as pulumi from "@pulumi/pulumi";
import { awsSdk } from "./sdk";
import type { IamRole } from "./types";
import { artifactReadPolicy, irsaTrustPolicy } from "./documents";

export interface TrackIdentityArgs {
  roleName: string;
  oidcProviderArn: string;
  oidcProviderUrl: string;
  namespace: string;
  serviceAccount: string;
  bucket: string;
  prefix: string;
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
