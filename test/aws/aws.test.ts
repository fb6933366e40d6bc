import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { dockerBuildPaths } from "../../components/image";
import { ConfigError, parseFleetConfig } from "../../components/config";
import { POLICIES } from "../../policies/policies";
import { programPaths } from "../../stacks/paths";
import { SECRET_PLACEHOLDER } from "../../stacks/stackfile/file";
import { synthesize, type RegisteredResource, type SynthResult } from "../../stacks/render/synth";
import { clone, find, FIXTURE, ROOT, fixtureConfig, synthFixture, tempProject } from "../helpers";

const of = (r: SynthResult, type: string) => r.resources.filter((x) => x.type === type);
const named = (r: SynthResult, type: string, name: string) => {
  const found = of(r, type).find((x) => x.name === name);
  if (!found) throw new Error(`no ${type} ${name} among ${of(r, type).map((x) => x.name).join(", ")}`);
  return found;
};
const json = (text: unknown) => JSON.parse(String(text));
const OIDC = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";

describe("AWS integration and image supply chain (mocks)", function () {
  this.timeout(120_000);
  let staging: SynthResult;
  before(async () => {
    staging = await synthFixture("staging");
  });

  it("gives each model an ECR repository: scan on push, immutable tags, encrypted, pruned", () => {
    const repos = of(staging, "aws:ecr/repository:Repository");
    assert.deepEqual(repos.map((r) => r.inputs.name).sort(), ["modelship/fraud-detector", "modelship/sentiment"]);
    for (const r of repos) {
      assert.deepEqual(r.inputs.imageScanningConfiguration, { scanOnPush: true });
      assert.equal(r.inputs.imageTagMutability, "IMMUTABLE");
      assert.deepEqual(r.inputs.encryptionConfigurations, [{ encryptionType: "AES256" }]);
    }
    const lifecycle = json(named(staging, "aws:ecr/lifecyclePolicy:LifecyclePolicy", "fraud-detector-images").inputs.policy);
    assert.deepEqual(lifecycle.rules.map((x: any) => [x.selection.tagStatus, x.selection.countType, x.selection.countNumber, x.action.type]), [
      ["untagged", "sinceImagePushed", 7, "expire"],
      ["any", "imageCountMoreThan", 30, "expire"],
    ]);
  });

  it("keeps model artifacts in a versioned, encrypted, private, TLS-only bucket", () => {
    const bucket = named(staging, "aws:s3/bucket:Bucket", "model-artifacts");
    assert.equal(bucket.inputs.bucket, "acme-ml-models-staging");
    assert.deepEqual(named(staging, "aws:s3/bucketVersioning:BucketVersioning", "model-artifacts").inputs.versioningConfiguration, { status: "Enabled" });
    const sse = named(staging, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "model-artifacts").inputs;
    assert.deepEqual(sse.rules[0].applyServerSideEncryptionByDefault, { sseAlgorithm: "AES256" });
    const block = named(staging, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "model-artifacts").inputs;
    for (const k of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) assert.equal(block[k], true, k);
    const policy = json(named(staging, "aws:s3/bucketPolicy:BucketPolicy", "model-artifacts").inputs.policy);
    assert.deepEqual(policy.Statement, [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: ["arn:aws:s3:::acme-ml-models-staging", "arn:aws:s3:::acme-ml-models-staging/*"],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ]);
    const rules = named(staging, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "model-artifacts").inputs.rules;
    assert.ok(rules[0].noncurrentVersionExpiration.noncurrentDays > 0);
  });

  it("gives each track an IRSA role that only its ServiceAccount can assume and that reads only its model's prefix", () => {
    const roles = of(staging, "aws:iam/role:Role");
    assert.equal(roles.length, 4);
    const role = named(staging, "aws:iam/role:Role", "fraud-detector-blue");
    assert.deepEqual(json(role.inputs.assumeRolePolicy).Statement, [
      {
        Effect: "Allow",
        Principal: { Federated: `arn:aws:iam::123456789012:oidc-provider/${OIDC}` },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: { StringEquals: { [`${OIDC}:sub`]: "system:serviceaccount:ml-staging:fraud-detector-blue", [`${OIDC}:aud`]: "sts.amazonaws.com" } },
      },
    ]);
    assert.deepEqual(json(named(staging, "aws:iam/rolePolicy:RolePolicy", "fraud-detector-blue").inputs.policy).Statement, [
      { Sid: "ReadModelArtifacts", Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::acme-ml-models-staging/fraud-detector/*"] },
      {
        Sid: "ListModelArtifacts",
        Effect: "Allow",
        Action: ["s3:ListBucket"],
        Resource: ["arn:aws:s3:::acme-ml-models-staging"],
        Condition: { StringLike: { "s3:prefix": ["fraud-detector", "fraud-detector/*"] } },
      },
    ]);
    const sa = find(staging.objects, "ServiceAccount", "fraud-detector-blue");
    assert.equal(sa.metadata.annotations?.["eks.amazonaws.com/role-arn"], "arn:aws:iam::[account]:role/modelship-ml-staging-fraud-detector-blue");
  });

  it("adds kms:Decrypt on the key, and KMS encryption, when a key is given", async () => {
    const c = clone(fixtureConfig("staging"));
    const key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    c.aws.kmsKeyArn = key;
    const r = await synthesize(tempProject("staging", c), "staging");
    assert.deepEqual(json(named(r, "aws:iam/rolePolicy:RolePolicy", "sentiment-green").inputs.policy).Statement[2], { Sid: "DecryptModelArtifacts", Effect: "Allow", Action: ["kms:Decrypt"], Resource: [key] });
    const sse = named(r, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "model-artifacts").inputs;
    assert.deepEqual(sse.rules[0].applyServerSideEncryptionByDefault, { sseAlgorithm: "aws:kms", kmsMasterKeyId: key });
    assert.deepEqual(named(r, "aws:ecr/repository:Repository", "sentiment-images").inputs.encryptionConfigurations, [{ encryptionType: "KMS", kmsKey: key }]);
  });

  it("builds a track without an image, pushes it with ECR credentials, and runs it by digest", () => {
    const image = named(staging, "docker:index/image:Image", "fraud-detector-blue");
    assert.equal(image.inputs.imageName, "[account].dkr.ecr.[region].amazonaws.com/modelship/fraud-detector:1.4.0");
    assert.deepEqual(image.inputs.build, { context: "../components/image/reference-server", dockerfile: "../components/image/reference-server/Dockerfile", platform: "linux/amd64" });
    // The registry block carries the ECR password, so it is a secret as a whole.
    assert.deepEqual(image.inputs.registry, { server: SECRET_PLACEHOLDER, username: SECRET_PLACEHOLDER, password: SECRET_PLACEHOLDER });
    const container = (name: string) => find(staging.objects, "Deployment", name).spec.template.spec.containers[0];
    assert.equal(container("fraud-detector-blue").image, "[account].dkr.ecr.[region].amazonaws.com/modelship/fraud-detector@sha256:[known after apply: image digest]");
    assert.equal(container("fraud-detector-green").image, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/modelship/fraud-detector:1.3.2", "a configured image is used as given");
    assert.equal(of(staging, "docker:index/image:Image").length, 1, "only tracks without an image are built");
  });

  // @pulumi/docker reads both paths relative to its own working directory (pulumi-docker
  // provider/provider.go Check: os.Stat(build.Dockerfile), and on failure "could not open dockerfile
  // at relative path ..."; provider/image.go: context through docker/cli GetContextFromLocalDir, which
  // resolves the context and the -f file from the working directory, not from each other). The
  // engine starts providers in the program's directory: for a `main` that is a file, the directory
  // of that file (pulumi pkg/engine/project.go getPwdMain), here stacks/, not the project root.
  it("gives the Docker provider a context and Dockerfile that exist where the provider looks for them", () => {
    const main = YAML.parse(fs.readFileSync(path.join(FIXTURE, "Pulumi.yaml"), "utf8")).main as string;
    const abs = path.resolve(FIXTURE, main);
    const providerDir = fs.statSync(abs).isDirectory() ? abs : path.dirname(abs);
    for (const image of of(staging, "docker:index/image:Image")) {
      const { context, dockerfile } = image.inputs.build;
      for (const p of [context, dockerfile]) assert.ok(!path.isAbsolute(p) && !p.includes("\\"), `${p}: relative, so the state is the same on every machine`);
      assert.ok(fs.statSync(path.resolve(providerDir, context)).isDirectory(), `${image.name}: context ${context} from ${providerDir}`);
      assert.ok(fs.statSync(path.resolve(providerDir, dockerfile)).isFile(), `${image.name}: dockerfile ${dockerfile} from ${providerDir}`);
      assert.equal(path.relative(path.resolve(providerDir, context), path.resolve(providerDir, dockerfile)), "Dockerfile", "the model's build.dockerfile, inside its context");
    }
  });

  it("resolves a model's context against the project and its Dockerfile against the context", () => {
    const project = "/srv/repo";
    const at = (workDir: string, context: string, dockerfile: string) => dockerBuildPaths({ projectDir: project, workDir }, context, dockerfile);
    assert.deepEqual(at("/srv/repo/stacks", "components/image/reference-server", "Dockerfile"), { context: "../components/image/reference-server", dockerfile: "../components/image/reference-server/Dockerfile" });
    assert.deepEqual(at("/srv/repo", "./images/gpu/", "build/Dockerfile.gpu"), { context: "images/gpu", dockerfile: "images/gpu/build/Dockerfile.gpu" });
    assert.deepEqual(at("/srv/repo", ".", "Dockerfile"), { context: ".", dockerfile: "Dockerfile" });
    assert.deepEqual(at("/srv/repo/stacks", ".", "Dockerfile"), { context: "..", dockerfile: "../Dockerfile" });
    // The program's own directory is where Pulumi runs it; the project is the one above it.
    // Without the engine's root directory (it is "" outside a program run), the nearest Pulumi.yaml.
    assert.deepEqual(programPaths(path.join(ROOT, "stacks"), ""), { projectDir: ROOT, workDir: path.join(ROOT, "stacks") });
    assert.deepEqual(programPaths(path.join(ROOT, "stacks"), path.join(ROOT, "examples")), { projectDir: path.join(ROOT, "examples"), workDir: path.join(ROOT, "stacks") });
  });

  it("creates nothing on AWS when it is off", async () => {
    const r = await synthFixture("production");
    assert.equal(r.resources.filter((x) => x.type.startsWith("aws:") || x.type.startsWith("docker:")).length, 0);
  });

  it("passes the policy pack's ECR and S3 policies, which catch a broken repository or bucket", () => {
    const asPolicy = (rs: RegisteredResource[]) => rs.map((x) => ({ type: x.type, props: x.inputs, urn: x.urn, name: x.name }));
    const run = (name: string, rs: RegisteredResource[]) => {
      const p = POLICIES.find((x) => x.name === name) as any;
      const out: string[] = [];
      if (p.validateStack) p.validateStack({ resources: asPolicy(rs), getConfig: () => ({}) }, (m: string) => out.push(m));
      else for (const r of asPolicy(rs)) p.validateResource({ ...r, getConfig: () => ({}) }, (m: string) => out.push(m));
      return out;
    };
    assert.deepEqual(run("ecr-scan-immutable", staging.resources), []);
    assert.deepEqual(run("s3-model-bucket-secure", staging.resources), []);
    const mutable = clone(staging.resources);
    mutable.find((x) => x.type === "aws:ecr/repository:Repository")!.inputs.imageTagMutability = "MUTABLE";
    assert.equal(run("ecr-scan-immutable", mutable).length, 1);
    const open = clone(staging.resources).filter((x) => x.type !== "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
    assert.match(run("s3-model-bucket-secure", open)[0], /public access not blocked/);
  });

  describe("config errors", () => {
    const rejects = (edit: (c: any) => void, line: string) => {
      const c = clone(fixtureConfig("staging"));
      edit(c);
      assert.throws(() => parseFleetConfig(c, "Pulumi.staging.yaml"), (e: Error) => e instanceof ConfigError && e.message.split("\n").includes(line));
    };
    it("needs the OIDC provider for IRSA", () =>
      rejects((c) => delete c.aws.oidcProviderArn, "Pulumi.staging.yaml: modelship:aws.oidcProviderArn: required when modelship:aws.enabled (IRSA roles trust the cluster's OIDC provider)"));
    it("builds only with AWS on", () => rejects((c) => (c.aws.enabled = false), "Pulumi.staging.yaml: modelship:models[0].build: pushes to the model's ECR repository: needs modelship:aws.enabled"));
    it("keeps model URIs under the model's prefix of the artifacts bucket", () =>
      rejects((c) => (c.models[1].tracks.green.modelUri = "s3://elsewhere/sentiment/2.1.0"), "Pulumi.staging.yaml: modelship:models[1].tracks.green.modelUri: expected a URI in the artifacts bucket s3://acme-ml-models-staging/sentiment/..., got s3://elsewhere/sentiment/2.1.0"));
    it("needs an image or a build for every track", () =>
      rejects((c) => delete c.models[1].tracks.blue.image, "Pulumi.staging.yaml: modelship:models[1].tracks.blue.image: required (or give the model a build to make it)"));
  });

  it("ships a reference image: multi-stage, non-root, health-checked, no build tools at run time", () => {
    const dockerfile = fs.readFileSync(path.join(ROOT, "components/image/reference-server/Dockerfile"), "utf8");
    const stages = dockerfile.split(/^FROM /m).slice(1);
    assert.ok(stages.length >= 2, "multi-stage");
    const final = stages[stages.length - 1];
    assert.match(final, /^gcr\.io\/distroless\/nodejs\d+-debian\d+/, "runtime image without a shell or package manager");
    assert.doesNotMatch(final, /^RUN /m, "nothing runs (no build tools) in the final stage");
    assert.match(final, /^USER 10001:10001$/m);
    assert.match(final, /^HEALTHCHECK .*healthcheck\.js/m);
    for (const f of ["server.ts", "main.ts", "healthcheck.ts", "package.json"]) assert.ok(fs.existsSync(path.join(ROOT, "components/image/reference-server", f)), f);
  });
});
