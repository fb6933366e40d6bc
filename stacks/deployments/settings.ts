// What each stack's Pulumi Deployments settings say (pure). Nothing deploys on its own: staging
// is deployed when deploy.yml (a push to main) or rollback.yml asks, through the Deployments REST
// API, and waits for the outcome; production is updated by the promote, advance and rollback
// workflows themselves. Staging and production preview pull requests; review is the template of
// the per-pull-request review stacks.

export const STACKS = ["staging", "production", "review"] as const;
export type DeploymentStack = (typeof STACKS)[number];

export interface DeploymentsConfig {
  organization: string;
  project: string;
  repository: string;
  branch: string;
  /** The IAM role each deployment assumes through Pulumi's OIDC token. */
  awsRoleArn: string;
  /** Region of the EKS clusters. */
  awsRegion: string;
  /** The EKS cluster each stack deploys to. */
  clusters: Record<DeploymentStack, string>;
}

/** Only changes to the program, its stacks and its pack deserve a deployment. */
export const PATHS = ["components/**", "stacks/**", "policies/**", "Pulumi.yaml", "Pulumi.*.yaml", "package.json", "package-lock.json"];

/**
 * Where the pre-run command writes the cluster's kubeconfig, and KUBECONFIG points (the
 * Kubernetes provider reads it). Absolute: each pre-run command runs in a shell of its own.
 */
export const KUBECONFIG = "/tmp/modelship-kubeconfig";

const NS = "modelship-deployments";

export class DeploymentsConfigError extends Error {}

// Values end up in shell commands (the pre-run commands): each is checked against what AWS accepts.
const CLUSTER = /^[0-9A-Za-z][0-9A-Za-z_-]{0,99}$/; // EKS: alphanumerics, hyphens, underscores; at most 100
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]{1,512}$/;
const REPOSITORY = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

/**
 * Reads the project's config (`get` answers a key of the `modelship-deployments` namespace with
 * its text, as pulumi.Config.get does) and reports every missing or malformed key at once.
 */
export function readDeploymentsConfig(get: (key: string) => string | undefined): DeploymentsConfig {
  const problems: string[] = [];
  const text = (key: string, what: string, pattern?: RegExp, fallback?: string): string => {
    const v = get(key) ?? fallback;
    if (v === undefined || v === "") problems.push(`${NS}:${key}: required: ${what}`);
    else if (pattern && !pattern.test(v)) problems.push(`${NS}:${key}: expected ${what}, got ${JSON.stringify(v)}`);
    return v ?? "";
  };
  const organization = text("organization", "the Pulumi organization");
  const project = text("project", "the Pulumi project of the stacks", undefined, "modelship");
  const repository = text("repository", "the GitHub repository, owner/name", REPOSITORY);
  const branch = text("branch", "the branch deployments run from", undefined, "main");
  const awsRoleArn = text("awsRoleArn", "the ARN of the IAM role deployments assume through OIDC (arn:aws:iam::<account>:role/<name>)", ROLE_ARN);
  const awsRegion = text("awsRegion", "the AWS region of the EKS clusters (e.g. eu-west-1)", REGION);
  const clusters = {} as Record<DeploymentStack, string>;
  let raw: unknown;
  try {
    raw = JSON.parse(get("clusters") ?? "null");
  } catch {
    raw = undefined;
  }
  if (raw === null) problems.push(`${NS}:clusters: required: the EKS cluster of each stack, a map with ${STACKS.join(", ")}`);
  else if (typeof raw !== "object" || Array.isArray(raw)) problems.push(`${NS}:clusters: expected a map of stack to EKS cluster name`);
  else {
    const map = raw as Record<string, unknown>;
    for (const k of Object.keys(map)) if (!(STACKS as readonly string[]).includes(k)) problems.push(`${NS}:clusters.${k}: unknown stack (expected ${STACKS.join(", ")})`);
    for (const s of STACKS) {
      const v = map[s];
      if (v === undefined || v === "") problems.push(`${NS}:clusters.${s}: required: the EKS cluster the ${s} stack deploys to (aws eks update-kubeconfig --name)`);
      else if (typeof v !== "string" || !CLUSTER.test(v)) problems.push(`${NS}:clusters.${s}: expected an EKS cluster name (letters, digits, - and _), got ${JSON.stringify(v)}`);
      else clusters[s] = v;
    }
  }
  if (problems.length) throw new DeploymentsConfigError(`Pulumi.<stack>.yaml of stacks/deployments:\n${problems.join("\n")}`);
  return { organization, project, repository, branch, awsRoleArn, awsRegion, clusters };
}

export function deploymentSettings(c: DeploymentsConfig, stack: DeploymentStack) {
  return {
    organization: c.organization,
    project: c.project,
    stack,
    sourceContext: { git: { repoUrl: `https://github.com/${c.repository}.git`, branch: `refs/heads/${c.branch}`, repoDir: "." } },
    github: {
      repository: c.repository,
      // Nothing deploys a commit by itself: deploy.yml and rollback.yml start staging's
      // deployments and wait for them, so a failed update fails the workflow run.
      deployCommits: false,
      previewPullRequests: stack !== "review",
      // The review stack is the template Pulumi Cloud copies into a stack per pull request.
      pullRequestTemplate: stack === "review",
      paths: PATHS,
    },
    operationContext: {
      // Pulumi Deployments exchanges its OIDC token for this role's credentials for the whole
      // deployment; the pre-run commands use them to fetch the cluster's kubeconfig.
      oidc: { aws: { roleARN: c.awsRoleArn, sessionName: `pulumi-deployments-${stack}`, duration: "1h0m0s" } },
      // Dependencies come from the lock file (npm ci, not the default `npm install`); then the
      // kubeconfig of the stack's cluster, which the Kubernetes provider reads through KUBECONFIG
      // (its exec plugin, `aws eks get-token`, runs with the same credentials).
      preRunCommands: ["npm ci", `aws eks update-kubeconfig --region ${c.awsRegion} --name ${c.clusters[stack]} --kubeconfig ${KUBECONFIG}`],
      environmentVariables: { KUBECONFIG, AWS_REGION: c.awsRegion },
      options: { skipInstallDependencies: true },
    },
  };
}
