// modelship's public entry: the components a Pulumi program builds, the config they take, and the
// loader that reads it from stack config. Internal helpers stay behind the per-domain folders.

// serving
export { ModelFleet, type ModelFleetArgs } from "./serving/fleet";
export { ModelServing, type ModelServingArgs, type ModelSummary } from "./serving/model";
export { ServingTrack, type ServingTrackArgs } from "./serving/track";
export type { TrackCapacity } from "./serving/capacity";
export { SERVER_NAMES, type ServerName } from "./serving/runtimes/types";
export type { ProgramPaths } from "./image/build";

// routing
export { ModelRoute, type ModelRouteArgs } from "./routing/route";
export { ROUTER_NAMES, ROUTERS, type RouterName, type RouterCapabilities } from "./routing/capabilities";

// monitoring
export { Monitoring, type MonitoringArgs } from "./monitoring/monitoring";

// aws
export { ModelArtifacts, type ModelArtifactsArgs } from "./aws/artifacts";
export { ModelRepository, type ModelRepositoryArgs } from "./aws/repository";
export { TrackIdentity, type TrackIdentityArgs } from "./aws/identity";

// config
export {
  COLOURS,
  type Colour,
  type FleetConfig,
  type FleetInput,
  type FleetSettings,
  type FleetSettingsInput,
  type ModelConfig,
  type ModelInput,
  type TrackConfig,
} from "./config/schema";
export { CONFIG_NAMESPACE, ConfigError, parseFleetConfig } from "./config/validate";
export { fleetConfigFromStack } from "./config/stack";
