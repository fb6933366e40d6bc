// What on-call needs next to an alert: which version a track runs and which role it plays.
// Both are joined in at evaluation time from recorded series, never written into the rules, so
// a release or a weight change does not touch the model's PrometheusRule (pure).
import { COLOURS } from "../config/schema";
import { BY_TRACK, selector } from "./promql";
import type { MetricsContract } from "./contract";
import type { RecordingRule } from "./rule-types";
import { ROUTE_WEIGHT_RECORD } from "./weights";

/** Value 1 per track, labelled with the `version` its pods run and, when the route records it, its `role`. */
export const TRACK_INFO_RECORD = "model_track:modelship_track:info";

const ON = `on (${BY_TRACK})`;

/**
 * The track info record: the version from the scrape's `version` label (contract.trackVersion),
 * the role from the route's weight record (labels track and role, see manifests.ts
 * routeWeightRule). `or on (…)` keeps a track known to only one of the two with what is known,
 * and a constant series per colour (the colours are fixed) with neither: every track always has
 * exactly one info series, so joining it in can never drop an alert.
 */
export function trackInfoRule(contract: MetricsContract): RecordingRule {
  const version = contract.trackVersion();
  const weights = `${ROUTE_WEIGHT_RECORD}{${scopeOf(contract)}}`;
  const q = JSON.stringify;
  const constant = COLOURS.map(
    (track) => `label_replace(label_replace(label_replace(vector(1), "namespace", ${q(contract.scope.namespace)}, "", ""), "model", ${q(contract.scope.model)}, "", ""), "track", ${q(track)}, "", "")`,
  );
  return {
    record: TRACK_INFO_RECORD,
    expr: [`(0 * (${version}) + ${ON} group_left (role) (0 * ${weights}) + 1)`, `(0 * (${version}) + 1)`, `(0 * ${weights} + 1)`, ...constant].join(` or ${ON} `),
  };
}

const scopeOf = (c: MetricsContract) => selector(c.scope);

/**
 * The alert expression with the track's `version` and `role` labels added where known, its
 * value unchanged. The info record has a series for every track (trackInfoRule), so the join
 * only adds labels: context never decides whether an alert fires.
 */
export function withTrackContext(expr: string, contract: MetricsContract): string {
  return `(${expr}) + ${ON} group_left (version, role) (0 * ${TRACK_INFO_RECORD}{${scopeOf(contract)}})`;
}
