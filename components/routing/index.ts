import type { RouterName } from "./capabilities";
import { ReplicasRoute } from "./replicas";
import type { RouteFactory } from "./router";
import { ServiceRoute } from "./service";

export * from "./capabilities";
export * from "./router";
export { ReplicasRoute } from "./replicas";
export { ServiceRoute, liveColour } from "./service";

export const ROUTE_FACTORIES: Readonly<Record<RouterName, RouteFactory>> = {
  service: (name, args, opts) => new ServiceRoute(name, args, opts),
  replicas: (name, args, opts) => new ReplicasRoute(name, args, opts),
};
