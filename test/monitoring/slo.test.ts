import { strict as assert } from "assert";
import { BURN_WINDOWS, SLO_ALERT } from "../../components/monitoring/slo";
import { alertTimeline, firstFiring, type InputSeries } from "./promtool";
import { after, groupsFor, idle, trackSeries, type Load } from "./scenarios";

// 99.9% availability: the budget is 0.1% errors; 99% of requests under 500 ms: 1% may be slower.
const AVAILABILITY_BUDGET = 0.001;
const LATENCY_BUDGET = 0.01;
const calm: Load = { rps: () => 50, errorRatio: () => 0.2 * AVAILABILITY_BUDGET, latency: () => 0.05, slowShare: () => 0.2 * LATENCY_BUDGET };

const fleetSeries = (blue: Load, green: Load, minutes: number, step = 1): InputSeries[] => [
  ...trackSeries("blue", blue, minutes, 11, step),
  ...trackSeries("green", green, minutes, 12, step),
];

const WINDOW_MINUTES: Record<string, number> = { "5m": 5, "30m": 30, "1h": 60, "2h": 120, "6h": 360, "1d": 1440, "3d": 4320 };

/**
 * Minutes from onset until the burn alert of one window pair fires, for a steady burn rate.
 * The fault starts once the long window holds only healthy history, as in production.
 */
export function minutesToFire(sli: "availability" | "latency", burn: number, window: (typeof BURN_WINDOWS)[number], horizon: number, step: number): number | undefined {
  const onset = WINDOW_MINUTES[window.long];
  const fault: Partial<Load> = sli === "availability" ? { errorRatio: () => burn * AVAILABILITY_BUDGET } : { slowShare: () => burn * LATENCY_BUDGET };
  const load = after(onset, calm, fault);
  const firing = alertTimeline({ groups: groupsFor(), series: fleetSeries(load, load, onset + horizon, step), alert: SLO_ALERT[sli], minutes: onset + horizon, stepMinutes: step });
  const first = firstFiring(firing, { long_window: window.long, short_window: window.short });
  return first === undefined ? undefined : first - onset;
}

describe("SLO burn-rate alerts under promtool", function () {
  this.timeout(600_000);
  const [fast, medium] = BURN_WINDOWS;

  for (const sli of ["availability", "latency"] as const) {
    describe(sli, () => {
      it("stay silent on healthy noise for a day and with no traffic", () => {
        for (const series of [fleetSeries(calm, calm, 24 * 60, 5), fleetSeries(idle, idle, 24 * 60, 5)]) {
          assert.deepEqual(alertTimeline({ groups: groupsFor(), series, alert: SLO_ALERT[sli], minutes: 24 * 60, stepMinutes: 5 }), []);
        }
      });

      // A total outage: every request fails (1000x) or is slow (100x, all the latency budget allows).
      const outage = sli === "availability" ? 1000 : 100;
      const within = sli === "availability" ? 5 : 12;
      it(`page within ${within} minutes on a total outage (${outage}x)`, () => {
        const t = minutesToFire(sli, outage, fast, 30, 1);
        assert.ok(t !== undefined && t <= within, `paged after ${t} minutes`);
      });

      it("page on the 1h/5m pair when the 1h window crosses 14.4x (20x burn: ~43 min + 2 min hold)", () => {
        const t = minutesToFire(sli, 20, fast, 90, 1);
        assert.ok(t !== undefined && t >= 43 && t <= 48, `paged after ${t} minutes`);
      });

      it("do not page on the 1h/5m pair at 10x, but do on the 6h/30m pair (~6 h x 6/10 + 15 min)", () => {
        assert.equal(minutesToFire(sli, 10, fast, 120, 1), undefined);
        const t = minutesToFire(sli, 10, medium, 300, 5);
        assert.ok(t !== undefined && t >= 216 + 15 - 10 && t <= 216 + 15 + 10, `paged after ${t} minutes`);
      });
    });
  }
});
