import { albRouter } from "./alb";
import type { RouterName } from "./capabilities";
import { gatewayApiRouter } from "./gateway-api";
import { istioRouter } from "./istio";
import { nginxRouter } from "./nginx";
import { replicasRouter } from "./replicas";
import type { RouterDefinition } from "./router";
import { serviceRouter } from "./service";

export * from "./capabilities";
export * from "./router";
export * from "./peers";
export { liveColour } from "./service";
export { ModelRoute } from "./route";

export const ROUTER_DEFINITIONS: Readonly<Record<RouterName, RouterDefinition>> = {
  service: serviceRouter,
  replicas: replicasRouter,
  "gateway-api": gatewayApiRouter,
  istio: istioRouter,
  nginx: nginxRouter,
  alb: albRouter,
};
