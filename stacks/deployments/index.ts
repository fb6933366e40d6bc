// Pulumi Deployments settings for the modelship stacks (its own project: stacks/deployments).
import * as pulumi from "@pulumi/pulumi";
import * as service from "@pulumi/pulumiservice";
import { deploymentSettings, readDeploymentsConfig, STACKS } from "./settings";

export = async () => {
  const config = new pulumi.Config();
  const settings = readDeploymentsConfig((key) => config.get(key));
  for (const stack of STACKS) new service.DeploymentSettings(stack, deploymentSettings(settings, stack));
  return { stacks: [...STACKS] };
};
