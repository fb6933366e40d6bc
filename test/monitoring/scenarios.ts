// Synthetic metrics for promtool: a model's two tracks serving traffic as the modelship preset
// reports it, with reproducible noise and faults that start at a given minute.
import { parseFleetConfig } from "../../components/config";
import { metricsContract } from "../../components/monitoring/contract";
import { presetFor } from "../../components/monitoring/presets";
import { modelRuleGroups, type RuleGroup } from "../../components/monitoring/rules";
import { counter, gauge, noise, type InputSeries } from "./promtool";

export const NS = "ml";
export const MODEL = "fraud";
export const BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] as const;

/** Per-minute behaviour of one track. */
export interface Load {
  /** Requests per second (0 = no traffic). */
  rps: (minute: number) => number;
  errorRatio: (minute: number) => number;
  /** Typical latency in seconds; requests spread uniformly over 0.5x..1.5x of it. */
  latency: (minute: number) => number;
  /** Share of requests that take SLOW_SECONDS instead. */
  slowShare?: (minute: number) => number;
}

export const SLOW_SECONDS = 2;

export const healthy: Load = { rps: () => 100, errorRatio: () => 0.002, latency: () => 0.05 };
export const idle: Load = { rps: () => 0, errorRatio: () => 0, latency: () => 0.05 };

/** A load that changes one aspect from `minute` on. */
export const after = (minute: number, base: Load, change: Partial<Load>): Load => ({
  rps: (m) => (m >= minute && change.rps ? change.rps(m) : base.rps(m)),
  errorRatio: (m) => (m >= minute && change.errorRatio ? change.errorRatio(m) : base.errorRatio(m)),
  latency: (m) => (m >= minute && change.latency ? change.latency(m) : base.latency(m)),
  slowShare: (m) => (m >= minute && change.slowShare ? change.slowShare(m) : (base.slowShare?.(m) ?? 0)),
});

const labels = (track: string, extra = "") => `namespace="${NS}",model="${MODEL}",track="${track}",pod="${MODEL}-${track}-5d8f7c9b6-x2x4k"${extra}`;

const shareBelow = (bound: number, latency: number) => Math.min(1, Math.max(0, (bound - 0.5 * latency) / latency));

/** Request counters and latency histogram of one track over `minutes`, one sample a step. */
export function trackSeries(track: string, load: Load, minutes: number, seed: number, stepMinutes = 1): InputSeries[] {
  const rnd = noise(seed);
  const steps = Math.floor(minutes / stepMinutes);
  const ok: number[] = [];
  const failed: number[] = [];
  const latencySum: number[] = [];
  const buckets = BUCKETS.map(() => [] as number[]);
  const total: number[] = [];
  for (let i = 1; i <= steps; i++) {
    const m = i * stepMinutes;
    const n = Math.round(load.rps(m) * 60 * stepMinutes * (0.9 + 0.2 * rnd()));
    const e = Math.min(n, Math.round(n * load.errorRatio(m) * (0.8 + 0.4 * rnd())));
    const l = load.latency(m) * (0.9 + 0.2 * rnd());
    const slow = Math.min(n, Math.round(n * (load.slowShare?.(m) ?? 0) * (0.8 + 0.4 * rnd())));
    ok.push(n - e);
    failed.push(e);
    total.push(n);
    latencySum.push((n - slow) * l + slow * SLOW_SECONDS);
    BUCKETS.forEach((b, k) => buckets[k].push(Math.round((n - slow) * shareBelow(b, l)) + (b >= SLOW_SECONDS ? slow : 0)));
  }
  const metric = "model_prediction_latency_seconds";
  return [
    { series: `model_prediction_requests_total{${labels(track, ',status="success"')}}`, values: counter(ok) },
    { series: `model_prediction_requests_total{${labels(track, ',status="error"')}}`, values: counter(failed) },
    ...BUCKETS.map((b, k) => ({ series: `${metric}_bucket{${labels(track, `,le="${b}"`)}}`, values: counter(buckets[k]) })),
    { series: `${metric}_bucket{${labels(track, ',le="+Inf"')}}`, values: counter(total) },
    { series: `${metric}_count{${labels(track)}}`, values: counter(total) },
    { series: `${metric}_sum{${labels(track)}}`, values: counter(latencySum) },
  ];
}

/** A gauge of one track, per step. */
export const trackGauge = (metric: string, track: string, value: (minute: number) => number, minutes: number, extra = "", stepMinutes = 1): InputSeries => ({
  series: `${metric}{${labels(track, extra)}}`,
  values: gauge(Array.from({ length: Math.floor(minutes / stepMinutes) + 1 }, (_, i) => value(i * stepMinutes))),
});

/** A counter of one track growing by `perMinute(minute)` each minute. */
export const trackCounter = (metric: string, track: string, perMinute: (minute: number) => number, minutes: number, extra = "", stepMinutes = 1): InputSeries => ({
  series: `${metric}{${labels(track, extra)}}`,
  values: counter(Array.from({ length: Math.floor(minutes / stepMinutes) }, (_, i) => perMinute((i + 1) * stepMinutes) * stepMinutes)),
});

/** A series of Kubernetes' own metrics (cAdvisor, kube-state-metrics, DCGM): pod labels only. */
export const podSeries = (metric: string, track: string, value: (minute: number) => number, minutes: number, extra = "", cumulative = false): InputSeries => {
  const series = `${metric}{namespace="${NS}",pod="${MODEL}-${track}-5d8f7c9b6-x2x4k",container="model-server"${extra}}`;
  const values = Array.from({ length: minutes }, (_, i) => value(i + 1));
  return { series, values: cumulative ? counter(values) : gauge([value(0), ...values]) };
};

/** A one-model fleet (model `fraud` in namespace `ml`) with the given model settings. */
export function fleet(modelExtra: Record<string, unknown> = {}) {
  return parseFleetConfig(
    {
      environment: "staging",
      namespace: NS,
      router: "gateway-api",
      routers: { "gateway-api": { gateway: { name: "gw", namespace: "gateway-system" } } },
      models: [
        {
          name: MODEL,
          stable: "blue",
          tracks: {
            blue: { version: "1.0.0", image: "registry.example.com/fraud:1.0.0", modelUri: "s3://m/1.0.0", weight: 50 },
            green: { version: "1.1.0", image: "registry.example.com/fraud:1.1.0", modelUri: "s3://m/1.1.0", weight: 50 },
          },
          ...modelExtra,
        },
      ],
    },
    "Pulumi.test.yaml",
  );
}

export function groupsFor(modelExtra: Record<string, unknown> = {}): RuleGroup[] {
  const model = fleet(modelExtra).models[0];
  const contract = metricsContract(presetFor(model.monitoring), { namespace: NS, model: model.name });
  return modelRuleGroups({ contract, model, runbookBaseUrl: "https://runbooks.example.com/modelship.md" });
}

