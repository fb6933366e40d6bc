// What synth answers for values only a real provider knows: clearly marked placeholders, shaped
// so the program can keep composing them (an image reference, an ARN).

/** What synth shows for a `secure:` config value or any value the program marks secret: synth never decrypts. */
export const SECRET_PLACEHOLDER = "[secret: never decrypted or shown by synth]";

/** How synth marks a value that only a real provider knows. */
export const unknownValue = (what: string) => `[known after apply: ${what}]`;

const ACCOUNT = "[account]";
const REGION = "[region]";
const REGISTRY = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;

/** Outputs the provider would add to a resource's inputs, by resource type. */
export function providerOutputs(type: string, name: string, inputs: Record<string, any>): Record<string, unknown> {
  switch (type) {
    case "aws:ecr/repository:Repository":
      return { repositoryUrl: `${REGISTRY}/${inputs.name ?? name}`, arn: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${inputs.name ?? name}`, registryId: ACCOUNT };
    case "aws:iam/role:Role":
      return { arn: `arn:aws:iam::${ACCOUNT}:role/${inputs.name ?? name}` };
    case "aws:s3/bucket:Bucket":
      return { arn: `arn:aws:s3:::${inputs.bucket ?? name}`, bucket: inputs.bucket ?? name };
    case "docker:index/image:Image": {
      const repository = String(inputs.imageName ?? name).replace(/:[^:/]+$/, "");
      return { repoDigest: `${repository}@sha256:${unknownValue("image digest")}` };
    }
    default:
      return {};
  }
}

/** Answers of the provider functions the program calls. */
export function providerCall(token: string): Record<string, unknown> | undefined {
  if (token === "aws:ecr/getAuthorizationToken:getAuthorizationToken") {
    return { userName: "AWS", password: unknownValue("registry password"), proxyEndpoint: `https://${REGISTRY}`, authorizationToken: unknownValue("token"), expiresAt: unknownValue("expiry"), id: REGION };
  }
  return undefined;
}
