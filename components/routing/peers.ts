import type { FleetConfig } from "../config/schema";
import type { NetworkPeer } from "../serving/manifests";
import type { RouteContext, RouterDefinition } from "./router";

/**
 * Who may call a model's pods: its routing layer and — where clients reach the pods directly —
 * the configured callers (default: the model's own namespace). Configured callers are also let
 * in behind a gateway, for in-cluster clients of the track Services.
 */
export function ingressPeers(router: RouterDefinition, ctx: RouteContext, config: Pick<FleetConfig, "networkPolicy">): NetworkPeer[] {
  const { peers, callers } = router.ingressPeers(ctx);
  const allowFrom = config.networkPolicy.allowFrom;
  const direct = allowFrom.length > 0 ? allowFrom : callers ? [{ podLabels: {} }] : [];
  return [...peers, ...direct];
}
