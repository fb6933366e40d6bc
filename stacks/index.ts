// The Pulumi program both stacks run (`pulumi up --stack staging|production`), and the one
// `modelship synth` runs offline under the SDK's mock runtime.
// It builds from the library's public entry, as a program of your own would.
import { fleetConfigFromStack, ModelFleet } from "../components";
import { programPaths } from "./paths";

export = async () => {
  const config = fleetConfigFromStack();
  // Pulumi runs this file, and the providers, in this directory (see programPaths).
  const fleet = new ModelFleet("modelship", { config, paths: programPaths(__dirname) });
  return {
    environment: config.environment,
    namespace: fleet.namespace,
    models: fleet.models.map((m) => m.summary),
  };
};
