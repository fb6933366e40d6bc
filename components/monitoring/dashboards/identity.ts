// Who a dashboard is to Grafana (pure): its uid, title and URL path. Staging and production
// often share one Grafana, and two projects may both have a `production` stack, so the uid
// carries the stack and namespace besides the model: one dashboard never overwrites another.
import { createHash } from "crypto";

/** Where a stack's dashboards live: the Pulumi stack and the fleet's namespace. */
export interface DashboardHome {
  stack: string;
  namespace: string;
}

// Grafana rejects a uid over 40 characters or with characters other than letters, digits, `-`
// and `_` (grafana/grafana pkg/util/shortid_generator.go IsShortUIDTooLong / IsValidShortUID;
// https://grafana.com/docs/grafana/latest/developers/http_api/dashboard/ "maximum length of 40").
const UID_MAX = 40;
/** 10 hex characters (40 bits): two of a few thousand dashboards share one with odds under 1e-5. */
const HASH_CHARS = 10;

/**
 * A readable head (cut to fit) and a hash of the identity: the head is for people, the hash
 * keeps uids apart even when heads are cut to the same text or differ only in characters the
 * uid cannot hold (a stack's `.`).
 */
function uid(readable: string, identity: readonly string[]): string {
  const hash = createHash("sha256").update(JSON.stringify(identity)).digest("hex").slice(0, HASH_CHARS);
  const head = readable
    .replace(/[^A-Za-z0-9_-]+/g, "-")
    .slice(0, UID_MAX - HASH_CHARS - 1)
    .replace(/-+$/, "");
  return `${head}-${hash}`;
}

/** The uid of a model's dashboard in one stack: `<model>-<stack>-<hash>`, at most 40 characters. */
export function dashboardUid(model: string, stack: string, namespace = ""): string {
  return uid(`${model}-${stack}`, ["model", stack, namespace, model]);
}

/** The uid of a stack's fleet dashboard: `modelship-fleet-<stack>-<hash>`. */
export function fleetDashboardUid(stack: string, namespace = ""): string {
  return uid(`modelship-fleet-${stack}`, ["fleet", stack, namespace]);
}

/** Titles name the stack: two stacks' dashboards in one Grafana read apart in its search. */
export const modelDashboardTitle = (model: string, stack: string) => `Model: ${model} (${stack})`;
export const fleetDashboardTitle = (stack: string) => `modelship fleet (${stack})`;

/**
 * Grafana's own path to a model's dashboard, `/d/<uid>/<slug>` (grafana/grafana
 * pkg/services/dashboards/models.go GetDashboardURL: `%s/d/%s/%s` of the sub-path, uid and
 * slug, the slug being Slugify(title)). Alerts link here; prefix it with Grafana's root URL.
 * Grafana finds the dashboard by uid alone and replaces a slug that differs from its own
 * (public/app/features/dashboard-scene/pages/DashboardScenePageStateManager.ts, "not correct url
 * correcting"), so a Grafana whose slug rules differ still opens the right board.
 */
export function dashboardPath(model: string | { name: string }, home: DashboardHome): string {
  const name = typeof model === "string" ? model : model.name;
  return `/d/${dashboardUid(name, home.stack, home.namespace)}/${grafanaSlug(modelDashboardTitle(name, home.stack))}`;
}

/**
 * The slug Grafana derives from a title (grafana/grafana pkg/infra/slugify/slugify.go, the
 * current rules): lower-cased; a-z and 0-9 kept, `&` and `@` spelt `and` and `at`, every run of
 * other characters one `-`, and no `-` at either end. Its table of accented letters is left out:
 * titles here are made of model names (DNS labels) and stack names (letters, digits, `-_.`).
 */
export function grafanaSlug(title: string): string {
  return title
    .toLowerCase()
    .replace(/&/g, "and")
    .replace(/@/g, "at")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}
