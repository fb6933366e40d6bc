// Alerts for faults that otherwise read as silence (pure): a track that runs but is not
// scraped, a track that carries weight but gets no traffic or has no pods, and a signal the
// preset declares that has no series. Every other alert is blind in these cases: a query over
// series that do not exist returns nothing, and nothing never fires.
import type { MetricsContract } from "./contract";
import { BY_MODEL, BY_TRACK, selector } from "./promql";
import type { RuleContext } from "./rule-types";
import { ROUTE_WEIGHT_RECORD } from "./weights";

/** The window the no-traffic alert counts requests over, and how many it must have expected. */
export const NO_TRAFFIC_WINDOW = "15m";
/**
 * Requests a track's weight must have promised in the window before silence means a fault: with
 * 20 expected, a Poisson count of 0 has probability e^-20 (2e-9), so a quiet model never trips it.
 */
export const NO_TRAFFIC_MIN_EXPECTED = 20;

export interface SilentFaultAlert {
  alert: string;
  severity: "warning" | "critical";
  expr: string;
  for: string;
  labels?: Record<string, string>;
  summary: string;
  description: string;
}

const ON = `on (${BY_TRACK})`;

/** The silent-fault alerts of one model, as data; rules.ts adds the shared labels and annotations. */
export function silentFaultAlerts(ctx: RuleContext, recordedWeights: boolean): SilentFaultAlert[] {
  const c = ctx.contract;
  const scope = selector(c.scope);
  const ready = c.readyPods();
  const scraped = c.targetsUp();
  const who = "{{ $labels.model }} ({{ $labels.track }})";
  const alerts: SilentFaultAlert[] = [
    {
      alert: "ModelTrackNotScraped",
      severity: "critical",
      // Ready pods and not one successful scrape: every other alert of this track is blind.
      expr: `(${ready}) > 0 unless ${ON} ((${scraped}) > 0)`,
      for: "10m",
      summary: `${who}: pods running but not scraped`,
      description: "{{ $value }} ready pods of the {{ $labels.track }} track and no successful scrape: the track's errors, latency and load are invisible to alerts, dashboards and the release gate (which holds).",
    },
    {
      alert: "ModelScrapeFailing",
      severity: "warning",
      // Some ready pods lack a successful scrape (target down or not discovered); all of them: above.
      expr: `((${ready}) - ${ON} ((${scraped}) or 0 * (${ready}))) > 0 and ${ON} ((${scraped}) > 0)`,
      for: "15m",
      summary: `${who}: some pods not scraped`,
      description: "{{ $value }} ready pods of the {{ $labels.track }} track are not scraped successfully: its signals cover only part of its pods.",
    },
    ...absentSignals(c, scope, recordedWeights),
  ];
  if (recordedWeights) {
    const weight = `${ROUTE_WEIGHT_RECORD}{${scope}}`;
    const modelRequests = c.requestCount(NO_TRAFFIC_WINDOW, BY_MODEL);
    const trackRequests = c.requestCount(NO_TRAFFIC_WINDOW);
    if (modelRequests && trackRequests) {
      alerts.push({
        alert: "ModelTrackNoTraffic",
        severity: "warning",
        // Expected = the model's requests x the track's configured share (the route's own
        // record, so a weight change touches only the route). Scraped tracks only: an unscraped
        // one is ModelTrackNotScraped's.
        expr: `((sum by (${BY_MODEL}) (${modelRequests}) * on (${BY_MODEL}) group_right () (${weight} / 100)) >= ${NO_TRAFFIC_MIN_EXPECTED} unless ${ON} ((${trackRequests}) > 0)) and ${ON} ((${scraped}) > 0)`,
        for: "5m",
        summary: `${who}: carries weight but gets no requests`,
        description: `The route gives the {{ $labels.track }} track weight and the model's traffic should have brought it about {{ $value | printf "%.0f" }} requests in ${NO_TRAFFIC_WINDOW}, yet it served none: the route or the track's Service does not reach its pods. A candidate here is never judged; the release gate holds.`,
      });
    }
    alerts.push({
      alert: "ModelTrackWithoutPods",
      severity: "critical",
      // Only while kube-state-metrics reports the namespace at all: without it, ModelSignalAbsent.
      expr: `(${weight} > 0 unless ${ON} ((${ready}) > 0)) and on () (count(kube_pod_status_ready{namespace=${JSON.stringify(c.scope.namespace)}}) > 0)`,
      for: "5m",
      summary: `${who}: carries weight but has no ready pods`,
      description: "The route sends {{ $value }}% of the model's requests to the {{ $labels.track }} track, which has no ready pod: those requests fail.",
    });
  }
  return alerts;
}

/**
 * One guard per declared metric: a scraped track (or, for series born with the first request,
 * a track with traffic) without a single series of it. A misspelt metric, a server version
 * that renamed it, or a disabled exporter would otherwise read as "no problem" forever.
 */
function absentSignals(c: MetricsContract, scope: string, recordedWeights: boolean): SilentFaultAlert[] {
  const scraped = `((${c.targetsUp()}) > 0)`;
  const requests = c.requestRate("5m");
  const guard = (signal: string, metric: string, present: string, when: string, forDuration: string, why: string): SilentFaultAlert => ({
    alert: "ModelSignalAbsent",
    severity: "warning",
    expr: `${when} unless ${ON} (${present})`,
    for: forDuration,
    labels: { signal, metric },
    summary: `{{ $labels.model }} ({{ $labels.track }}): no ${metric} series`,
    description: `The ${signal} signal of the {{ $labels.track }} track reads ${metric}, which has no series ${why}: every alert, panel and gate check on it sees nothing. Check the metric name against the server's /metrics and the preset (monitoring.preset).`,
  });
  const present = (metric: string) => `count by (${BY_TRACK}) (${metric}{${scope}})`;
  const out: SilentFaultAlert[] = [];
  for (const d of c.declared) {
    if (!d.bornWithTraffic) {
      out.push(guard(d.signal, d.metric, present(d.metric), scraped, "15m", "although the track is scraped"));
    } else if (d.signal === "requests") {
      // Request counters appear with the first request: only a track that carries weight and
      // has been scraped for an hour without one is suspicious.
      if (recordedWeights) {
        out.push(guard(d.signal, d.metric, present(d.metric), `(${ROUTE_WEIGHT_RECORD}{${scope}} > 0 and ${ON} ${scraped})`, "1h", "although the track carries weight and has been scraped for an hour"));
      }
    } else if (requests) {
      out.push(guard(d.signal, d.metric, present(d.metric), `((${requests}) > 0)`, "15m", "although the track serves requests"));
    }
  }
  // Kubernetes' own metrics: without them the silent-fault and saturation alerts are blind.
  out.push(guard("kube-state-metrics", "kube_pod_status_ready", c.knownPods(), scraped, "15m", "for the track's pods although the track is scraped"));
  out.push(guard("cadvisor", "container_memory_working_set_bytes", c.cadvisorPods(), scraped, "15m", "for the track's pods although the track is scraped"));
  return out;
}
