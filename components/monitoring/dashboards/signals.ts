// PromQL only the dashboards read (pure): what on-call looks at next to the alerts — scrape
// coverage, restarts, deploys, firing alerts. Every model signal comes from the contract; these
// are built from the same promql.ts helpers, so quoting and the pod-to-track mapping agree.
import type { MetricsContract } from "../contract";
import { BY_TRACK, podMatcher, selector, withTrackFromPod, type Scope } from "../promql";

const ON = `on (${BY_TRACK})`;

/** Metrics the dashboards read besides the contract's and the recorded series. */
export const DASHBOARD_METRICS = ["kube_pod_container_status_restarts_total", "ALERTS"] as const;

/**
 * Ready pods without a successful scrape, per track: ready pods (kube-state-metrics) minus
 * scraped targets that answered (`up` is 1 for a successful scrape, 0 for a failed one; a target
 * never discovered has no `up` at all, hence `or 0 * ready`). Never below 0: Prometheus may
 * scrape a pod before it turns ready.
 */
export function notScraped(c: MetricsContract, tracks: string, trackMatcher: string): string {
  const ready = c.readyPods(tracks);
  return `clamp_min((${ready}) - ${ON} ((${c.targetsUp(trackMatcher)}) or 0 * (${ready})), 0)`;
}

/**
 * Container restarts over `window` per track (any container of the track's pods: a sidecar that
 * restarts drops requests too). kube-state-metrics: kube_pod_container_status_restarts_total is
 * a counter per namespace, pod and container (kubernetes/kube-state-metrics docs/pod-metrics.md).
 */
export function restarts(scope: Scope, tracks: string, window: string): string {
  const counter = `kube_pod_container_status_restarts_total{${podMatcher(scope, tracks)}}`;
  return `sum by (${BY_TRACK}) (${withTrackFromPod(`increase(${counter}[${window}])`, scope)})`;
}

/**
 * One series per (track, version) pair, present only at evaluations where the pair's targets
 * exist now but did not `window` earlier: a release reaching a track (or a track scaled up from
 * none). The scrape relabels the pod's version label into `version` on every target's `up`
 * (scrape.ts RELABELINGS). With Grafana's `$__rate_interval` as the window — at least the
 * query's step (grafana/grafana pkg/promlib: the step is `$__interval`, and
 * `$__rate_interval` = max(`$__interval` + scrape interval, 4 × scrape interval)) — each
 * appearance lands on at least one step, and a Prometheus annotation turns consecutive
 * non-zero steps into one event (packages/grafana-prometheus/src/annotations.ts processEvents).
 */
export function versionAppeared(scope: Scope, trackMatcher: string, window: string): string {
  const targets = `up{${selector(scope, trackMatcher, 'version!=""')}}`;
  const pairs = (offset: string) => `count by (${BY_TRACK}, version) (${targets}${offset})`;
  return `${pairs("")} unless ${pairs(` offset ${window}`)}`;
}

/**
 * Firing alerts per model and track. Prometheus keeps a synthetic series
 * ALERTS{alertname, alertstate="pending"|"firing", <the alert's labels>} for every active alert
 * (prometheus/prometheus docs/configuration/alerting_rules.md, "Inspecting alerts during
 * runtime"). Alerts about a whole model carry no track: they count under an empty track.
 * `rows` gives every known track a 0, so the column reads 0, not blank, when nothing fires.
 */
export function firingAlerts(namespaces: string, trackRegex: string, rows: string): string {
  const alerts = `ALERTS{alertstate="firing",namespace=~${JSON.stringify(namespaces)},model!="",track=~${JSON.stringify(`${trackRegex}|`)}}`;
  return `count by (${BY_TRACK}) (${alerts}) or 0 * (${rows})`;
}
