// Pulumi Deployments settings for the modelship stacks (its own project: stacks/deployments).
import * as pulumi from "@pulumi/pulumi";
import * as service from "@pulumi/pulumiservice";
import { deploymentSettings } from "./settings";

export = async () => {
  const config = new pulumi.Config();
  const settings = {
    organization: config.require("organization"),
    project: config.get("project") ?? "modelship",
    repository: config.require("repository"),
    branch: config.get("branch") ?? "main",
    awsRoleArn: config.require("awsRoleArn"),
  };
  const stacks = ["staging", "production", "review"] as const;
  for (const stack of stacks) new service.DeploymentSettings(stack, deploymentSettings(settings, stack));
  return { stacks };
};
