// Which route features a router cannot honour, as config problems (pure).
import type { ParsedModel } from "../config/schema";
import { trackCookieName } from "./affinity";
import { FEATURES, routersWith, type Feature, type RouterCapabilities } from "./capabilities";
import { prefixCovers, servedMetricsPath } from "./metrics";

export interface RouteProblem {
  /** Key path below the model, e.g. ["route", "mirror"]. */
  path: (string | number)[];
  message: string;
}

/** The features a model's route asks for, with where each is configured. */
function requested(m: ParsedModel): [Feature, (string | number)[]][] {
  const r = m.route;
  const out: [Feature, (string | number)[]][] = [];
  if (r.hostnames.length > 0) out.push(["hostnames", ["route", "hostnames"]]);
  if (r.preview.hostname) out.push(["previewHostname", ["route", "preview", "hostname"]]);
  if (r.abTest?.header) out.push(["abHeader", ["route", "abTest", "header"]]);
  if (r.abTest?.cookie) out.push(["abCookie", ["route", "abTest", "cookie"]]);
  if (r.abTest?.track === "stable") out.push(["abAnyTrack", ["route", "abTest", "track"]]);
  if (r.mirror) out.push(["mirror", ["route", "mirror"]]);
  if (r.stickiness) out.push(["stickiness", ["route", "stickiness"]]);
  return out;
}

export function routeProblems(m: ParsedModel, router: RouterCapabilities, routerKey: string): RouteProblem[] {
  const problems: RouteProblem[] = requested(m)
    .filter(([f]) => !router.features.has(f))
    .map(([f, path]) => {
      const others = routersWith(f);
      return {
        path,
        message: `the "${router.name}" router (${routerKey}) cannot ${FEATURES[f]}${others.length ? `; routers that can: ${others.join(", ")}` : ""}`,
      };
    });

  const { stickiness } = m.route;
  if (stickiness && router.features.has("stickiness")) {
    if (router.name === "alb" && stickiness.cookie) {
      problems.push({
        path: ["route", "stickiness", "cookie"],
        message: `the "alb" router (${routerKey}) keeps users on a track with the load balancer's own cookie (AWSALBTG); only durationSeconds applies`,
      });
    }
    const ab = m.route.abTest?.cookie?.name;
    if (router.name !== "alb" && ab !== undefined && trackCookieName(m) === ab) {
      problems.push({ path: ["route", "stickiness", "cookie"], message: `the track cookie would overwrite the A/B cookie "${ab}"; choose another name` });
    }
  }
  // The route answers the metrics path itself (components/routing/metrics.ts): a route that
  // lives under it would answer everything.
  const metrics = servedMetricsPath(m);
  if (metrics !== undefined && router.features.has("hostnames") && prefixCovers(metrics, m.route.path, "segment")) {
    problems.push({
      path: ["route", "path"],
      message: `the server publishes metrics on its serving port at ${metrics}, which the route keeps private, so a route under ${metrics} would serve nothing; choose another path or give metrics their own port (monitoring.scrape.port)`,
    });
  }
  const candidate = m.stable === "blue" ? "green" : "blue";
  if (m.route.mirror && m.route.mirror.percent > 0 && m.tracks[candidate].retired) {
    problems.push({ path: ["route", "mirror"], message: "the candidate track is retired, so there is nothing to mirror to" });
  }
  // A retired track runs the idle policy (no pods when cold), never a version under test.
  if (m.route.abTest?.track === "candidate" && m.tracks[candidate].retired) {
    problems.push({ path: ["route", "abTest"], message: `the candidate track (${candidate}) is retired, so there is nothing to send the A/B test to; remove route.abTest, or release a version first` });
  }
  return problems;
}
