// The Pulumi program both stacks run (`pulumi up --stack staging|production`), and the one
// `modelship synth` runs offline under the SDK's mock runtime.
import { ModelFleet } from "../components/serving";
import { loadFleetConfig } from "./config";

export = async () => {
  const config = loadFleetConfig();
  const fleet = new ModelFleet("modelship", { config });
  return {
    environment: config.environment,
    namespace: fleet.namespace,
    models: fleet.models.map((m) => m.summary),
  };
};
