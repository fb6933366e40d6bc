import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";

const BUCKET_TYPES = new Set(["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"]);

/** The companion resources that configure a bucket, found by the bucket they name. */
function companions(resources: PolicyResource[], type: RegExp, bucket: PolicyResource): PolicyResource[] {
  const id = bucket.props.bucket ?? bucket.props.id ?? bucket.name;
  return resources.filter((r) => type.test(r.type) && (r.props.bucket === id || r.props.bucket === bucket.props.id || r.props.bucket === bucket.urn));
}

/**
 * Model artifacts are the product: versioned (so a rollback has its model), encrypted, and never
 * public. AWS provider v6 configures these in resources of their own, so this is a stack policy.
 */
export const s3ModelBucketSecure: StackValidationPolicy = {
  name: "s3-model-bucket-secure",
  description: "S3 buckets are versioned, encrypted at rest and block all public access.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    for (const bucket of args.resources.filter((r) => BUCKET_TYPES.has(r.type))) {
      const name = `S3 bucket ${bucket.name}`;
      const versioned =
        bucket.props.versioning?.enabled === true ||
        companions(args.resources, /^aws:s3\/bucketVersioning(V2)?:/, bucket).some((v) => v.props.versioningConfiguration?.status === "Enabled");
      if (!versioned) reportViolation(`${name}: versioning is not enabled`, bucket.urn);
      const encrypted =
        !!bucket.props.serverSideEncryptionConfiguration ||
        companions(args.resources, /^aws:s3\/bucketServerSideEncryptionConfiguration(V2)?:/, bucket).some((e) => (e.props.rules ?? []).some((r: any) => r.applyServerSideEncryptionByDefault?.sseAlgorithm));
      if (!encrypted) reportViolation(`${name}: no server-side encryption configuration`, bucket.urn);
      const blocks = companions(args.resources, /^aws:s3\/bucketPublicAccessBlock:/, bucket);
      const keys = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];
      const open = keys.filter((k) => !blocks.some((b) => b.props[k] === true));
      if (open.length) reportViolation(`${name}: public access not blocked (${open.join(", ")})`, bucket.urn);
    }
  },
};
