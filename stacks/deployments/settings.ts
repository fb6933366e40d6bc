// What each stack's Pulumi Deployments settings say (pure): staging deploys every push to main,
// production only when the promote, advance or rollback workflows ask; both preview pull requests.

export interface DeploymentsConfig {
  organization: string;
  project: string;
  repository: string;
  branch: string;
  awsRoleArn: string;
}

/** Only changes to the program, its stacks and its pack deserve a deployment. */
export const PATHS = ["components/**", "stacks/**", "policies/**", "Pulumi.yaml", "Pulumi.*.yaml", "package.json", "package-lock.json"];

export function deploymentSettings(c: DeploymentsConfig, stack: "staging" | "production" | "review") {
  return {
    organization: c.organization,
    project: c.project,
    stack,
    sourceContext: { git: { repoUrl: `https://github.com/${c.repository}.git`, branch: `refs/heads/${c.branch}`, repoDir: "." } },
    github: {
      repository: c.repository,
      // Push-to-deploy for staging only; production changes come through the promote, advance and rollback workflows.
      deployCommits: stack === "staging",
      previewPullRequests: stack !== "review",
      // The review stack is the template Pulumi Cloud copies into a stack per pull request.
      pullRequestTemplate: stack === "review",
      paths: PATHS,
    },
    operationContext: {
      // Dependencies come from the lock file; Deployments then runs the project's own program.
      preRunCommands: ["npm ci"],
      oidc: { aws: { roleARN: c.awsRoleArn, sessionName: `pulumi-deployments-${stack}`, duration: "1h0m0s" } },
    },
  };
}
