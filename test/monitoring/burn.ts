import type { Colour } from "../../components/config";
import { BURN_WINDOWS, SLO_ALERT } from "../../components/monitoring/slo";
import { alertTimeline, firstFiring, type InputSeries } from "./promtool";
import { after, groupsFor, trackSeries, type Load } from "./scenarios";

// 99.9% availability: the budget is 0.1% errors; 99% of requests under 500 ms: 1% may be slower.
const AVAILABILITY_BUDGET = 0.001;
const LATENCY_BUDGET = 0.01;
export const calm: Load = { rps: () => 50, errorRatio: () => 0.2 * AVAILABILITY_BUDGET, latency: () => 0.05, slowShare: () => 0.2 * LATENCY_BUDGET };

export const fleetSeries = (blue: Load, green: Load, minutes: number, step = 1): InputSeries[] => [
  ...trackSeries("blue", blue, minutes, 11, step),
  ...trackSeries("green", green, minutes, 12, step),
];

const WINDOW_MINUTES: Record<string, number> = { "5m": 5, "30m": 30, "1h": 60, "2h": 120, "6h": 360, "1d": 1440, "3d": 4320 };

/**
 * Minutes from onset until the burn alert of one window pair fires for the track that burns,
 * at a steady burn rate; the other track stays calm. The burn alerts are per track, so the
 * alert must name the burning track and never the calm one (throws otherwise). The fault starts
 * once the long window holds only healthy history, as in production.
 */
export function minutesToFire(
  sli: "availability" | "latency",
  burn: number,
  window: (typeof BURN_WINDOWS)[number],
  horizon: number,
  step: number,
  track: Colour = "green",
): number | undefined {
  const onset = WINDOW_MINUTES[window.long];
  const fault: Partial<Load> = sli === "availability" ? { errorRatio: () => burn * AVAILABILITY_BUDGET } : { slowShare: () => burn * LATENCY_BUDGET };
  const load = after(onset, calm, fault);
  const series = track === "green" ? fleetSeries(calm, load, onset + horizon, step) : fleetSeries(load, calm, onset + horizon, step);
  const firing = alertTimeline({ groups: groupsFor(), series, alert: SLO_ALERT[sli], minutes: onset + horizon, stepMinutes: step });
  const elsewhere = firing.find((f) => f.labels.track !== track);
  if (elsewhere) throw new Error(`${SLO_ALERT[sli]} fired on the calm track: ${JSON.stringify(elsewhere)}`);
  const first = firstFiring(firing, { long_window: window.long, short_window: window.short, track });
  return first === undefined ? undefined : first - onset;
}
