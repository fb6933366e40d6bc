import { strict as assert } from "assert";
import { BURN_WINDOWS, SLO_ALERT } from "../../components/monitoring/slo";
import { calm, fleetSeries, minutesToFire } from "./burn";
import { alertTimeline } from "./promtool";
import { groupsFor, idle } from "./scenarios";

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

      // The 6h window crosses 6x when 10x over t minutes plus the calm 0.2x over the rest of it
      // reach 6 x 360: t = (6 - 0.2) x 360 / (10 - 0.2) = 213 min, then the 15-minute hold.
      it("do not page on the 1h/5m pair at 10x, but do on the 6h/30m pair (~213 min + 15 min)", () => {
        assert.equal(minutesToFire(sli, 10, fast, 120, 1), undefined);
        const t = minutesToFire(sli, 10, medium, 300, 5);
        assert.ok(t !== undefined && t >= 213 + 15 - 10 && t <= 213 + 15 + 10, `paged after ${t} minutes`);
      });
    });
  }
});
