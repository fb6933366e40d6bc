// Which route features a router cannot honour, as config problems (pure).
import type { ParsedModel } from "../config/schema";
import { FEATURES, routersWith, type Feature, type RouterCapabilities } from "./capabilities";

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
  if (r.abTest && r.abTest.track === m.stable) out.push(["abAnyTrack", ["route", "abTest", "track"]]);
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
    if (router.name === "istio" && !stickiness.header === !stickiness.cookie) {
      problems.push({ path: ["route", "stickiness"], message: `the "istio" router (${routerKey}) hashes on exactly one of header or cookie` });
    }
    if (router.name === "alb" && (stickiness.header || stickiness.cookie)) {
      problems.push({ path: ["route", "stickiness"], message: `the "alb" router (${routerKey}) uses target group stickiness (durationSeconds only); header and cookie do not apply` });
    }
  }
  if (m.route.mirror && m.route.mirror.percent > 0 && m.tracks[m.stable === "blue" ? "green" : "blue"].retired) {
    problems.push({ path: ["route", "mirror"], message: "the candidate track is retired, so there is nothing to mirror to" });
  }
  return problems;
}
