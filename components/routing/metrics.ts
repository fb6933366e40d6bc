// Keeping a server's metrics off the public route.
//
// A server that publishes metrics on its serving port (the reference server, vLLM, KServe,
// BentoML: every preset without a `metricsPort`) would answer `/metrics` through the route like
// any other path. Prometheus never needs the route: the ServiceMonitor / PodMonitor scrapes the
// pods through the track Services' named port. So each router answers the metrics path itself,
// ahead of every other rule, and only where its route would otherwise forward it: a rule for a
// path outside the route's own prefix would take that path over from other routes on the same
// host.
import type { ModelConfig } from "../config/schema";
import { metricsPortName } from "../monitoring/scrape";
import { HTTP_PORT_NAME } from "../serving/manifests";

/** How a router's path prefix matches: whole segments (Ingress `Prefix`, Gateway API `PathPrefix`) or characters (Istio `uri.prefix`). */
export type PrefixMatch = "segment" | "string";

const trimSlash = (p: string) => p.replace(/\/+$/, "") || "/";

/** Whether `prefix` matches `path` under the given prefix semantics. */
export function prefixCovers(prefix: string, path: string, match: PrefixMatch): boolean {
  if (match === "string") return path.startsWith(prefix);
  const p = trimSlash(prefix);
  return p === "/" || path === p || path.startsWith(`${p}/`);
}

/** The metrics path without query or trailing slash, when the server serves metrics on its serving port. */
export function servedMetricsPath(model: Pick<ModelConfig, "port" | "monitoring">): string | undefined {
  if (metricsPortName(model) !== HTTP_PORT_NAME) return undefined;
  return trimSlash(model.monitoring.scrape.path.split("?")[0]);
}

/**
 * The path a route must answer itself: the served metrics path, when a route matching
 * `routePrefix` would forward it.
 */
export function privateMetricsPath(model: Pick<ModelConfig, "port" | "monitoring">, routePrefix: string, match: PrefixMatch): string | undefined {
  const path = servedMetricsPath(model);
  return path !== undefined && prefixCovers(routePrefix, path, match) ? path : undefined;
}
