// IAM, bucket and ECR lifecycle policy documents (pure), so their exact contents are testable.

/** Keeps the newest `keep` release images and expires untagged images after `days`. */
export function ecrLifecyclePolicy(keep: number, days: number): string {
  return JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description: `expire untagged images after ${days} days`,
        selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: days },
        action: { type: "expire" },
      },
      {
        rulePriority: 2,
        description: `keep the last ${keep} release images`,
        selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: keep },
        action: { type: "expire" },
      },
    ],
  });
}

/** The issuer without its scheme, as IAM condition keys name it. */
export const issuerHost = (url: string) => url.replace(/^https:\/\//, "").replace(/\/$/, "");

/** Trust for exactly one Kubernetes ServiceAccount, through the cluster's OIDC provider (IRSA). */
export function irsaTrustPolicy(oidcProviderArn: string, oidcProviderUrl: string, namespace: string, serviceAccount: string): string {
  const issuer = issuerHost(oidcProviderUrl);
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: oidcProviderArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${issuer}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
            [`${issuer}:aud`]: "sts.amazonaws.com",
          },
        },
      },
    ],
  });
}

/** Read access to one model's prefix of a bucket, and decryption with its key when there is one. */
export function artifactReadPolicy(bucket: string, prefix: string, kmsKeyArn?: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Sid: "ReadModelArtifacts", Effect: "Allow", Action: ["s3:GetObject"], Resource: [`arn:aws:s3:::${bucket}/${prefix}/*`] },
      // Copying a model (`aws s3 cp --recursive`) and Triton's S3 model repository list the
      // prefix first; s3:prefix keeps the listing to this model's keys (S3's IAM reference,
      // ListObjectsV2 "s3:prefix" condition key).
      { Sid: "ListModelArtifacts", Effect: "Allow", Action: ["s3:ListBucket"], Resource: [`arn:aws:s3:::${bucket}`], Condition: { StringLike: { "s3:prefix": [prefix, `${prefix}/*`] } } },
      ...(kmsKeyArn ? [{ Sid: "DecryptModelArtifacts", Effect: "Allow", Action: ["kms:Decrypt"], Resource: [kmsKeyArn] }] : []),
    ],
  });
}

/** Denies every request to the bucket that does not use TLS. */
export function tlsOnlyBucketPolicy(bucket: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  });
}

/** `s3://bucket/model/...` → bucket and the model's prefix. */
export function s3Location(uri: string): { bucket: string; prefix: string } | undefined {
  const m = /^s3:\/\/([^/]+)\/([^/]+)\//.exec(uri);
  return m ? { bucket: m[1], prefix: m[2] } : undefined;
}
