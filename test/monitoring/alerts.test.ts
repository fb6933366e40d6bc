import { strict as assert } from "assert";
import { RECORD, type AlertRule } from "../../components/monitoring/rules";
import { alertTimeline, checkRules, firstFiring, type InputSeries } from "./promtool";
import {
  after,
  groupsFor,
  healthy,
  idle,
  MODEL,
  modelSeries,
  noTraffic,
  planModel,
  podSeries,
  steady,
  switchAt,
  trackCounter,
  trackGauge,
  trackSeries,
  type Load,
  type PodPlan,
  type TrackPlan,
} from "./scenarios";

const both = (blue: Load, green: Load, minutes: number): InputSeries[] => [...trackSeries("blue", blue, minutes, 1), ...trackSeries("green", green, minutes, 2)];

/**
 * The model as its server, Prometheus and Kubernetes report it (scenarios.ts modelSeries): two
 * pods per track at 50 req/s each track, sampled once a minute (the step these cases evaluate
 * at), green changed by `fault` from minute `from` on.
 */
function scraped(minutes: number, from: number | undefined, fault: (green: TrackPlan, fromSeconds: number) => TrackPlan, rps = 50): InputSeries[] {
  const m = planModel();
  const tracks: TrackPlan[] = (["blue", "green"] as const).map((track) => ({ track, version: m.model.tracks[track].version, pods: 2, traffic: steady({ rps, errorRatio: 0.0002 }) }));
  const faulty = tracks.map((t) => (t.track === "green" && from !== undefined ? fault(t, from * 60) : t));
  return modelSeries({ ...m, tracks: faulty, minutes, seed: 3, scrapeSeconds: 60 });
}
const allPods = (pod: PodPlan) => () => pod;

interface Case {
  alert: string;
  modelExtra?: Record<string, unknown>;
  /** Series over `minutes` with a fault from `fault` on (undefined: no fault, healthy noise), one sample a `step`. */
  series: (minutes: number, fault?: number, step?: number) => InputSeries[];
  /** Zero traffic, when the signal depends on traffic. */
  zero?: (minutes: number) => InputSeries[];
  labels?: Record<string, string>;
  /** Minutes from fault onset to firing. */
  within: [number, number];
  /** The minute the fault starts (default 30). */
  onset?: number;
  minutes?: number;
  /** Minutes between evaluations (default 1). */
  stepMinutes?: number;
}

const FAULT = 30;

const cases: Case[] = [
  {
    alert: "ModelErrorRatioHigh",
    series: (n, f) => both(f === undefined ? healthy : after(f, healthy, { errorRatio: () => 0.03 }), healthy, n),
    zero: (n) => both(idle, idle, n),
    labels: { track: "blue", severity: "warning" },
    within: [5, 9],
  },
  {
    alert: "ModelErrorRatioCritical",
    series: (n, f) => both(healthy, f === undefined ? healthy : after(f, healthy, { errorRatio: () => 0.12 }), n),
    zero: (n) => both(idle, idle, n),
    labels: { track: "green", severity: "critical" },
    within: [5, 9],
  },
  {
    alert: "ModelLatencyP99High",
    series: (n, f) => both(f === undefined ? healthy : after(f, healthy, { latency: () => 0.6 }), healthy, n),
    zero: (n) => both(idle, idle, n),
    labels: { track: "blue" },
    within: [10, 14],
  },
  {
    alert: "ModelLatencyP50High",
    series: (n, f) => both(healthy, f === undefined ? healthy : after(f, healthy, { latency: () => 0.2 }), n),
    zero: (n) => both(idle, idle, n),
    labels: { track: "green" },
    within: [10, 14],
  },
  {
    alert: "ModelTrackErrorRatioDivergence",
    series: (n, f) => both(healthy, f === undefined ? healthy : after(f, healthy, { errorRatio: () => 0.02 }), n),
    zero: (n) => both(idle, idle, n),
    labels: { track: "green" },
    within: [5, 9],
  },
  {
    alert: "ModelTrackLatencyDivergence",
    series: (n, f) => both(healthy, f === undefined ? healthy : after(f, healthy, { latency: () => 0.15 }), n),
    zero: (n) => both(idle, idle, n),
    labels: { track: "green" },
    within: [10, 14],
  },
  {
    alert: "ModelNotLoaded",
    series: (n, f) => [trackGauge("model_loaded", "blue", () => 1, n), trackGauge("model_loaded", "green", (m) => (f !== undefined && m >= f ? 0 : 1), n)],
    labels: { track: "green", severity: "critical" },
    within: [5, 6],
  },
  {
    alert: "ModelStale",
    modelExtra: { monitoring: { alerts: { stalenessHours: 24 } } },
    minutes: 26 * 60,
    onset: 0,
    // A day's scale: one evaluation every 5 minutes. The age passes 24 h at minute 1440, the
    // first evaluation that sees it is 1445, then `for: 15m`.
    stepMinutes: 5,
    // Healthy: reloaded every 6 hours. Fault: the last load was at minute 0 and never again.
    series: (n, f, step) => [trackGauge("model_last_load_timestamp_seconds", "blue", (m) => (f !== undefined ? 0 : Math.floor(m / 360) * 360 * 60), n, "", step)],
    labels: { track: "blue" },
    within: [24 * 60 + 20, 24 * 60 + 20],
  },
  {
    alert: "ModelFeatureDrift",
    series: (n, f) => [trackGauge("model_feature_drift_psi", "blue", (m) => (f !== undefined && m >= f ? 0.35 : 0.05 + 0.05 * Math.sin(m)), n, ',feature_name="amount"')],
    labels: { track: "blue", feature_name: "amount" },
    within: [30, 31],
  },
  {
    alert: "ModelPredictionShift",
    minutes: 5 * 60,
    // The baseline is the day before the last hour: give it an hour and a half of history.
    onset: 90,
    // Prediction values average 0.3, then 0.6 from the fault on.
    series: (n, f) => [
      ...both(healthy, healthy, n),
      trackCounter("model_prediction_values_count", "blue", () => 6000, n),
      trackCounter("model_prediction_values_sum", "blue", (m) => 6000 * (f !== undefined && m >= f ? 0.6 : 0.3 + 0.01 * Math.sin(m)), n),
    ],
    zero: (n) => [...both(idle, idle, n), trackCounter("model_prediction_values_count", "blue", () => 0, n), trackCounter("model_prediction_values_sum", "blue", () => 0, n)],
    labels: { track: "blue" },
    within: [45, 56],
  },
  {
    alert: "ModelCPUSaturation",
    series: (n, f) => [
      podSeries("container_cpu_usage_seconds_total", "blue", (m) => 60 * (f !== undefined && m >= f ? 1.9 : 0.8 + 0.2 * Math.sin(m)), n, "", true),
      podSeries("kube_pod_container_resource_limits", "blue", () => 2, n, ',resource="cpu"'),
    ],
    labels: { track: "blue", model: MODEL },
    within: [15, 20],
  },
  {
    alert: "ModelMemorySaturation",
    series: (n, f) => [
      podSeries("container_memory_working_set_bytes", "green", (m) => (f !== undefined && m >= f ? 3.8e9 : 2e9), n),
      podSeries("kube_pod_container_resource_limits", "green", () => 4e9, n, ',resource="memory"'),
    ],
    labels: { track: "green", model: MODEL },
    within: [15, 16],
  },
  {
    alert: "ModelGPUMemoryHigh",
    modelExtra: { resources: { gpu: 1 } },
    series: (n, f) => [
      podSeries("DCGM_FI_DEV_FB_USED", "blue", (m) => (f !== undefined && m >= f ? 23000 : 12000), n),
      podSeries("DCGM_FI_DEV_FB_FREE", "blue", (m) => (f !== undefined && m >= f ? 500 : 11500), n),
    ],
    labels: { track: "blue" },
    within: [15, 16],
  },
  // Silent faults (silence.ts): every other alert is blind to them. silent-faults.test.ts runs
  // them on the rendered stacks and presets; here each alert's own window, on green.
  {
    alert: "ModelTrackNotScraped",
    // Green's pods stay ready and serving, every scrape of them fails (up 0): `for: 10m`.
    series: (n, f) => scraped(n, f, (g, from) => ({ ...g, pod: allPods({ scrape: (t) => (t >= from ? "down" : "up") }) })),
    zero: (n) => scraped(n, undefined, (g) => g, 0),
    labels: { track: "green", severity: "critical" },
    within: [10, 11],
  },
  {
    alert: "ModelScrapeFailing",
    // One of green's two pods is not scraped: `for: 15m`.
    series: (n, f) => scraped(n, f, (g, from) => ({ ...g, pod: (i) => (i === 0 ? { scrape: (t) => (t >= from ? "down" : "up") } : {}) })),
    zero: (n) => scraped(n, undefined, (g) => g, 0),
    labels: { track: "green", severity: "warning" },
    within: [15, 16],
  },
  {
    alert: "ModelTrackNoTraffic",
    // Green keeps its 50 % weight and its pods, but no request reaches them: the 15-minute
    // window drains, then `for: 5m`. With no traffic at all nothing was expected of green.
    series: (n, f) => scraped(n, f, (g, from) => ({ ...g, traffic: switchAt(from, g.traffic, noTraffic) })),
    zero: (n) => scraped(n, undefined, (g) => g, 0),
    labels: { track: "green", severity: "warning" },
    within: [20, 22],
  },
  {
    alert: "ModelTrackWithoutPods",
    // Green keeps its weight; its pods are gone (scaled to zero): `for: 5m`.
    series: (n, f) => scraped(n, f, (g, from) => ({ ...g, traffic: switchAt(from, g.traffic, noTraffic), pod: allPods({ exists: (t) => t < from }) })),
    zero: (n) => scraped(n, undefined, (g) => g, 0),
    labels: { track: "green", severity: "critical" },
    within: [5, 6],
  },
  {
    alert: "ModelSignalAbsent",
    // Green's pods stop exposing model_loaded (a renamed metric): `for: 15m`.
    series: (n, f) => scraped(n, f, (g, from) => ({ ...g, missing: (metric, t) => t >= from && metric === "model_loaded" })),
    // No traffic for the run's hour: the requests guard (a weighted track with no request series,
    // `for: 1h`) fires by design once the hour is over, at minute 61 with the groups evaluated in
    // file order (promtool.ts evalOrder); the run ends at 60.
    zero: (n) => scraped(n, undefined, (g) => g, 0),
    labels: { track: "green", severity: "warning", signal: "loaded", metric: "model_loaded" },
    within: [15, 16],
  },
];

describe("alerts under promtool", function () {
  this.timeout(300_000);

  it("every rule group passes promtool check rules, for CPU and GPU models", () => {
    checkRules(groupsFor());
    checkRules(groupsFor({ resources: { gpu: 1 } }));
  });

  it("gives every alert severity, summary, description and a runbook link", () => {
    for (const g of groupsFor({ resources: { gpu: 1 } })) {
      for (const r of g.rules.filter((x): x is AlertRule => "alert" in x)) {
        assert.match(r.labels.severity, /^(warning|critical)$/);
        assert.ok(r.annotations.summary && r.annotations.description, r.alert);
        assert.equal(r.annotations.runbook_url, `https://runbooks.example.com/modelship.md#${r.alert.toLowerCase()}`);
      }
    }
  });

  it("names recording rules level:metric:operations", () => {
    for (const g of groupsFor()) for (const r of g.rules) if ("record" in r) assert.match(r.record, /^[a-z_]+:[a-z_]+:[a-z0-9_]+$/, r.record);
    assert.ok(groupsFor()[0].rules.some((r) => "record" in r && r.record === RECORD.errorRatio));
  });

  const covered = new Set(cases.map((c) => c.alert));
  it("has a fault scenario for every alert it renders (SLO burn alerts: slo.test.ts)", () => {
    const rendered = new Set(groupsFor({ resources: { gpu: 1 } }).flatMap((g) => g.rules.flatMap((r) => ("alert" in r ? [r.alert] : []))));
    for (const a of rendered) if (!/BudgetBurn$/.test(a)) assert.ok(covered.has(a), `no scenario for ${a}`);
  });

  for (const c of cases) {
    describe(c.alert, () => {
      const minutes = c.minutes ?? 60;
      const stepMinutes = c.stepMinutes ?? 1;
      const groups = () => groupsFor(c.modelExtra);

      it("stays silent on healthy noise", () => {
        const firing = alertTimeline({ groups: groups(), series: c.series(minutes, undefined, stepMinutes), alert: c.alert, minutes, stepMinutes });
        assert.deepEqual(firing, []);
      });

      if (c.zero) {
        it("stays silent with no traffic", () => {
          assert.deepEqual(alertTimeline({ groups: groups(), series: c.zero!(minutes), alert: c.alert, minutes }), []);
        });
      }

      it(`fires ${c.within[0]}-${c.within[1]} minutes after the fault, on the faulty track`, () => {
        const fault = c.onset ?? FAULT;
        const firing = alertTimeline({ groups: groups(), series: c.series(minutes, fault, stepMinutes), alert: c.alert, minutes, stepMinutes });
        const first = firstFiring(firing, c.labels);
        assert.ok(first !== undefined, `never fired; got ${JSON.stringify(firing.slice(0, 3))}`);
        assert.ok(first - fault >= c.within[0] && first - fault <= c.within[1], `fired ${first - fault} minutes after the fault`);
        assert.ok(firing.every((f) => f.minute >= fault), "fired before the fault");
        if (c.labels?.track) assert.ok(firing.every((f) => f.labels.track === c.labels!.track), "fired on the healthy track too");
        for (const [k, v] of Object.entries(c.labels ?? {})) assert.equal(firing[0].labels[k], v, `label ${k}`);
      });
    });
  }
});
