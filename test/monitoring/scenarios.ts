// Synthetic metrics for promtool: a model's two tracks serving traffic as its server,
// Prometheus and Kubernetes report it (any preset), with reproducible noise and faults that
// start at a given minute; and the runner that reports every alert firing over them.
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { COLOURS, parseFleetConfig, type Colour, type ModelConfig } from "../../components/config";
import { metricsContract } from "../../components/monitoring/contract";
import { monitoringContext, routeWeightRule } from "../../components/monitoring/manifests";
import { presetFor, type PresetDef } from "../../components/monitoring/presets";
import { modelRuleGroups, type RuleGroup } from "../../components/monitoring/rules";
import { parseQuantity } from "../../components/serving/quantity";
import { hashSeed, Prng } from "../bench/sim-core";
import { counter, evalOrder, gauge, noise, promtool, type Firing, type InputSeries } from "./promtool";
import type { Subject } from "./rendered";

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

/**
 * The model's rule groups, then its route's weight group (routeWeightRule, as the route renders
 * it): the weight record the silent-fault alerts read comes from its real rule, not a fake series.
 */
export function groupsFor(modelExtra: Record<string, unknown> = {}): RuleGroup[] {
  const f = fleet(modelExtra);
  const model = f.models[0];
  const contract = metricsContract(presetFor(model.monitoring), { namespace: NS, model: model.name });
  const route = routeWeightRule(model, monitoringContext(f, "test")).spec.groups as RuleGroup[];
  return [...modelRuleGroups({ contract, model, runbookBaseUrl: "https://runbooks.example.com/modelship.md", environment: "staging", recordedWeights: true }), ...route];
}

/** The one-model fleet's model as the series generator needs it. */
export function planModel(modelExtra: Record<string, unknown> = {}): PlanModel & { stable: Colour } {
  const model = fleet(modelExtra).models[0];
  return { namespace: NS, model, preset: presetFor(model.monitoring), stable: model.stable };
}

// ---- any preset: a model's tracks as its server, Prometheus and Kubernetes report them ----------
//
// The rendered rules (rendered.ts) are evaluated over what a real model would expose: per pod,
// the server's own counters, histogram and gauges with the labels that server puts on them (a
// table per preset below), Prometheus' `up` per scrape target, kube-state-metrics' readiness,
// cAdvisor's CPU and memory, DCGM for GPUs. Series are sampled once a scrape (30 s), and a
// counter or histogram child is born at its first increment, as client libraries create
// labelled children (the case rateOf's bornInWindow handles). A target that stops answering
// gets a stale marker, as Prometheus writes one for every series of a failed scrape.

/** Seconds between two scrapes: the reviewer's setup, and the ServiceMonitor default (schema: `scrape.interval`). */
export const SCRAPE_SECONDS = 30;

/** What one track's pods served in one scrape interval. */
export interface Served {
  requests: number;
  errors: number;
  /** Typical latency in seconds; requests spread uniformly over 0.5x..1.5x of it. */
  latency: number;
}

/** A track's traffic in the scrape interval [t, t + seconds) (t in seconds from the start); `rnd` is seeded. */
export type Traffic = (t: number, seconds: number, rnd: () => number) => Served;

/** A Poisson draw (Knuth's method for small means, the normal approximation above 30). */
export function poisson(mean: number, rnd: () => number): number {
  if (mean <= 0) return 0;
  if (mean > 30) {
    const z = Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * z));
  }
  const limit = Math.exp(-mean);
  let k = 0;
  for (let p = rnd(); p > limit; p *= rnd()) k++;
  return k;
}

/** Failures among `n` requests failing independently with probability `p`. */
const failures = (n: number, p: number, rnd: () => number) => Math.min(n, poisson(n * p, rnd));

/** Poisson traffic at a steady rate; the rate, error ratio and latency may change with time. */
export const steady = (o: { rps: number | ((t: number) => number); errorRatio?: number | ((t: number) => number); latency?: number }): Traffic => {
  const at = (v: number | ((t: number) => number) | undefined, t: number) => (typeof v === "function" ? v(t) : (v ?? 0));
  return (t, seconds, rnd) => {
    const requests = poisson(at(o.rps, t) * seconds, rnd);
    return { requests, errors: failures(requests, at(o.errorRatio, t), rnd), latency: o.latency ?? 0.05 };
  };
};

/** Exactly `perMinute` requests a minute (the first at second 0), failing at the listed minutes. */
export const exactly = (perMinute: number, failAtMinutes: readonly number[] = [], latency = 0.05): Traffic => {
  const every = 60 / perMinute;
  return (t, seconds) => {
    const first = Math.ceil(t / every);
    const last = Math.ceil((t + seconds) / every) - 1;
    const requests = Math.max(0, last - first + 1);
    const errors = failAtMinutes.filter((m) => m * 60 >= t && m * 60 < t + seconds).length;
    return { requests, errors: Math.min(errors, requests), latency };
  };
};

/** `base` until `from` seconds, then `fault`. */
export const switchAt = (from: number, base: Traffic, fault: Traffic): Traffic => (t, s, rnd) => (t >= from ? fault(t, s, rnd) : base(t, s, rnd));

export const noTraffic: Traffic = () => ({ requests: 0, errors: 0, latency: 0.05 });

/** How Kubernetes and Prometheus see one pod at time t (seconds). */
export interface PodPlan {
  /** The pod exists (kube-state-metrics and cAdvisor report it). Default: always. */
  exists?: (t: number) => boolean;
  /** Its Ready condition; only ready pods get traffic (Service endpoints). Default: always. */
  ready?: (t: number) => boolean;
  /** Its scrape: `up` answers, `down` fails (up 0), `none` is not a target at all (no up series). Default: up. */
  scrape?: (t: number) => "up" | "down" | "none";
  /** The server's "model loaded" gauge. Default: 1. */
  loaded?: (t: number) => number;
}

export interface TrackPlan {
  track: Colour;
  version: string;
  pods: number;
  traffic: Traffic;
  pod?: (index: number) => PodPlan;
  /** Server metrics the pods stop exposing at time t (a renamed or disabled metric). */
  missing?: (metric: string, t: number) => boolean;
}

/** The parts of a rendered subject (rendered.ts Subject) the series depend on. */
export interface PlanModel {
  namespace: string;
  model: ModelConfig;
  preset: PresetDef;
}

export interface ModelPlan extends PlanModel {
  tracks: TrackPlan[];
  /** Series length in minutes. */
  minutes: number;
  seed: number;
  /** Seconds between samples (default SCRAPE_SECONDS). */
  scrapeSeconds?: number;
}

/** A counter or histogram child of the server: its metric (or histogram base name) and own labels as scraped. */
interface Child {
  metric: string;
  labels: string;
}

/**
 * How a server counts its traffic, as its series look after the scrape (a server label named
 * like a scrape label is kept as `exported_<name>`). Sample label values per preset; the matchers
 * they must satisfy (or, for probes, fail) are the preset's (components/monitoring/presets).
 */
export interface ServerShape {
  /** Counters every request increments whatever its outcome; those only successes, only failures increment. */
  each: Child[];
  ok: Child[];
  failed: Child[];
  /** Counters every kubelet probe (one each 10 s) increments too: never requests. */
  probes: Child[];
  /** Labels of the latency histogram's child that observes requests, and of the one that observes probes. */
  latency?: string;
  probeLatency?: string;
  /** How the server's client library prints a bucket boundary as `le` (promql.ts leTexts). */
  le: (bound: number) => string;
  /** Labels of the server's gauges. */
  gauges?: string;
  /** The server creates its counters at 0 when it loads the model, not at their first increment. */
  eager?: boolean;
}

/** prometheus_client (Python) prints a float's repr: 1.0, 0.005 (prometheus/client_python utils.py floatToGoString). */
const pythonLe = (b: number) => (Number.isInteger(b) ? `${b}.0` : String(b));
/** prom-client, client_golang and Rust's exporter print the shortest text: 1, 0.005. */
const shortestLe = (b: number) => String(b);

/** The sample series of each preset, for a model named `model`. */
export function serverShape(preset: string, model: string): ServerShape {
  const c = (metric: string, labels = ""): Child => ({ metric, labels });
  switch (preset) {
    case "modelship": {
      const own = `model_name="${model}",model_version="1"`;
      return { each: [], ok: [c("model_prediction_requests_total", `${own},status="success"`)], failed: [c("model_prediction_requests_total", `${own},status="error"`)], probes: [], latency: own, le: shortestLe, gauges: own };
    }
    case "triton": {
      // MetricModelReporter creates every per-model counter, failures included, when the model
      // loads (triton-inference-server/core src/metric_model_reporter.cc): they start at 0.
      const own = `exported_model="${model}",exported_version="1"`;
      return { each: [], ok: [c("nv_inference_request_success", own)], failed: [c("nv_inference_request_failure", own)], probes: [], le: shortestLe, gauges: own, eager: true };
    }
    case "vllm": {
      // prometheus-fastapi-instrumentator: handler = the route, status grouped ("2xx"); /health is the probe.
      const v1 = 'handler="/v1/completions",method="POST"';
      return {
        each: [],
        ok: [c("http_requests_total", `${v1},status="2xx"`)],
        failed: [c("http_requests_total", `${v1},status="5xx"`)],
        probes: [c("http_requests_total", 'handler="/health",method="GET",status="2xx"')],
        latency: `model_name="${model}",engine="0"`,
        le: pythonLe,
        gauges: `model_name="${model}",engine="0"`,
      };
    }
    case "tgi":
      return { each: [c("tgi_request_count")], ok: [], failed: [c("tgi_request_failure", 'err="generation"')], probes: [], latency: "", le: shortestLe };
    case "kserve":
      // Requests are the predict histogram's count: the histogram is all there is.
      return { each: [], ok: [], failed: [], probes: [], latency: `model_name="${model}"`, le: pythonLe };
    case "torchserve": {
      const host = `Level="Host",Hostname="${model}-pod"`;
      return {
        each: [c("ts_inference_requests_total", `model_name="${model}",model_version="default",hostname="${model}-pod"`)],
        ok: [c("Requests2XX", host)],
        failed: [c("Requests5XX", host)],
        probes: [c("Requests2XX", host)],
        le: shortestLe,
      };
    }
    case "bentoml": {
      // The request path is `exported_endpoint` (the scrape's `endpoint` is the port name).
      const api = (path: string, code: number) => `exported_endpoint="${path}",http_response_code="${code}",service_name="${model}",service_version="1",runner_name=""`;
      return {
        each: [],
        ok: [c("bentoml_service_request_total", api("/predict", 200))],
        failed: [c("bentoml_service_request_total", api("/predict", 500))],
        probes: [c("bentoml_service_request_total", api("/readyz", 200))],
        latency: api("/predict", 200),
        probeLatency: api("/readyz", 200),
        le: pythonLe,
        gauges: `exported_endpoint="/predict",service_name="${model}",service_version="1",runner_name=""`,
      };
    }
    case "mlserver": {
      const own = `exported_model="${model}",exported_version="1"`;
      return {
        each: [],
        ok: [c("model_infer_request_success_total", own)],
        failed: [c("model_infer_request_failure_total", own)],
        probes: [],
        latency: 'method="POST",path="/v2/models/{model_name}/infer",status_code="200",app_name="mlserver"',
        probeLatency: 'method="GET",path="/v2/health/ready",status_code="200",app_name="mlserver"',
        le: pythonLe,
        gauges: 'method="POST",app_name="mlserver"',
      };
    }
    case "rayserve": {
      const route = (r: string) => `route="${r}",method="POST",application="${model}"`;
      return {
        each: [],
        ok: [c("ray_serve_num_http_requests_total", `${route("/")},status_code="200"`)],
        failed: [c("ray_serve_num_http_requests_total", `${route("/")},status_code="500"`), c("ray_serve_num_http_error_requests_total", `${route("/")},error_code="500"`)],
        probes: [c("ray_serve_num_http_requests_total", `${route("/-/healthz")},status_code="200"`)],
        latency: `${route("/")},status_code="200"`,
        probeLatency: `${route("/-/healthz")},status_code="200"`,
        le: shortestLe,
        gauges: `deployment="${model}",application="${model}"`,
      };
    }
    default:
      throw new Error(`no sample series for preset ${preset}`);
  }
}

/** The kubelet probes a pod every 10 s (the schema's readiness periodSeconds is 5, liveness 10: one a 10 s is the floor). */
const KUBELET_PROBE_SECONDS = 10;

const PODS_HASH: Record<Colour, string> = { blue: "5d8f7c9b6", green: "7c9d4b8f5" };
export const podName = (model: string, track: Colour, i: number) => `${model}-${track}-${PODS_HASH[track]}-${"bcdfghjklmnpqrstvwxz"[i % 20]}${"x2k4m"[Math.floor(i / 20) % 5]}q7z`;

/** Text of one sample: a number, or absent (`_`), or the stale marker where a present series ends. */
function seriesText(values: readonly (number | undefined)[]): string | undefined {
  if (values.every((v) => v === undefined)) return undefined;
  return values.map((v, i) => (v !== undefined ? String(+v.toPrecision(12)) : i > 0 && values[i - 1] !== undefined ? "stale" : "_")).join(" ");
}

/** Quantity text to a number (cores, bytes). */
const quantity = (q: string | number | undefined, fallback: number) => (q === undefined ? fallback : (parseQuantity(q) ?? fallback));

/** Every series of the plan, one sample a scrape. */
export function modelSeries(plan: ModelPlan): InputSeries[] {
  const { namespace, model, preset } = plan;
  const shape = serverShape(preset.name, model.name);
  const step = plan.scrapeSeconds ?? SCRAPE_SECONDS;
  const samples = Math.floor((plan.minutes * 60) / step) + 1;
  const times = Array.from({ length: samples }, (_, k) => k * step);
  const out: InputSeries[] = [];
  const emit = (series: string, values: (number | undefined)[]) => {
    const text = seriesText(values);
    if (text) out.push({ series, values: text });
  };
  const lat = preset.latency;
  const cpuLimit = quantity(model.resources.limits.cpu, 2);
  const memoryLimit = quantity(model.resources.limits.memory, 4 * 2 ** 30);

  plan.tracks.forEach((tp, trackIndex) => {
    const prng = new Prng(hashSeed(`${plan.seed}/${tp.track}`));
    const rnd = () => prng.uniform();
    const pods = Array.from({ length: tp.pods }, (_, i) => ({ name: podName(model.name, tp.track, i), plan: tp.pod?.(i) ?? {} }));
    const exists = (p: (typeof pods)[number], t: number) => p.plan.exists?.(t) ?? true;
    const ready = (p: (typeof pods)[number], t: number) => exists(p, t) && (p.plan.ready?.(t) ?? true);
    const scrape = (p: (typeof pods)[number], t: number) => (exists(p, t) ? (p.plan.scrape?.(t) ?? "up") : "none");
    const target = (pod: string) => `namespace="${namespace}",model="${model.name}",track="${tp.track}",version="${tp.version}",pod="${pod}",instance="${pod}:${model.port}",job="${model.name}"`;
    const kube = (pod: string) => `namespace="${namespace}",pod="${pod}"`;

    // Per pod, cumulative totals: counter children by series text, histogram children by their labels.
    const totals = pods.map(() => new Map<string, number[]>());
    const born = (p: number, key: string, k: number) => !Number.isNaN(totals[p].get(key)?.[k - 1] ?? Number.NaN);
    /** Adds `by` to a child's total at sample k; a child is born at its first increment (or with its histogram). */
    const bump = (p: number, key: string, k: number, by: number, birth = by > 0) => {
      if (!birth && !born(p, key, k)) return;
      const m = totals[p];
      if (!m.has(key)) m.set(key, new Array<number>(samples).fill(Number.NaN));
      const arr = m.get(key)!;
      const before = Number.isNaN(arr[k]) ? (Number.isNaN(arr[k - 1]) ? 0 : arr[k - 1]) : arr[k];
      arr[k] = before + by;
    };
    const childKey = (c: Child) => `${c.metric}{${c.labels}}`;

    for (let k = 1; k < samples; k++) {
      const t = times[k - 1];
      const served = tp.traffic(t, step, rnd);
      const serving = pods.map((p, i) => (ready(p, t) ? i : -1)).filter((i) => i >= 0);
      const n = serving.length;
      pods.forEach((_, i) => {
        // Split the track's requests and failures evenly over its ready pods, the remainder rotating.
        const slot = serving.indexOf(i);
        const share = (total: number) => (slot < 0 ? 0 : Math.floor(total / n) + ((slot - (k % n) + n) % n < total % n ? 1 : 0));
        const requests = share(served.requests);
        const errors = Math.min(requests, share(served.errors));
        const probes = exists(pods[i], t) ? Math.round(step / KUBELET_PROBE_SECONDS) : 0;
        const eager = !!shape.eager;
        for (const ch of shape.each) bump(i, childKey(ch), k, requests, eager || requests > 0);
        for (const ch of shape.ok) bump(i, childKey(ch), k, requests - errors, eager || requests - errors > 0);
        for (const ch of shape.failed) bump(i, childKey(ch), k, errors, eager || errors > 0);
        for (const ch of shape.probes) bump(i, childKey(ch), k, probes);
        if (lat && shape.latency !== undefined) histogram(i, lat.name, shape.latency, requests, served.latency, k);
        if (lat && shape.probeLatency !== undefined) histogram(i, lat.name, shape.probeLatency, probes, 0.002, k);
        if (preset.predictions) {
          bump(i, `${preset.predictions.name}_count{${shape.gauges ?? ""}}`, k, requests);
          bump(i, `${preset.predictions.name}_sum{${shape.gauges ?? ""}}`, k, 0.3 * requests);
        }
      });
    }

    function histogram(p: number, name: string, labels: string, count: number, typical: number, k: number) {
      const sep = labels ? "," : "";
      const toSeconds = lat!.toSeconds;
      // A histogram child creates every bucket series at its first observation.
      const birth = count > 0 || born(p, `${name}_count{${labels}}`, k);
      for (const b of lat!.buckets ?? []) {
        const share = Math.min(1, Math.max(0, (b * toSeconds - 0.5 * typical) / typical));
        bump(p, `${name}_bucket{${labels}${sep}le="${shape.le(b)}"}`, k, Math.round(count * share), birth);
      }
      bump(p, `${name}_bucket{${labels}${sep}le="+Inf"}`, k, count, birth);
      bump(p, `${name}_count{${labels}}`, k, count, birth);
      bump(p, `${name}_sum{${labels}}`, k, (count * typical) / toSeconds, birth);
    }

    pods.forEach((p, i) => {
      const up = (k: number) => scrape(p, times[k]) === "up";
      const shown = (metric: string, k: number) => up(k) && !tp.missing?.(metric, times[k]);
      // Server series: seen only when scraped; zeros of a child not yet born stay absent.
      for (const [key, arr] of totals[i]) {
        const metric = key.slice(0, key.indexOf("{"));
        const base = metric.replace(/_(bucket|count|sum)$/, "");
        const labels = key.slice(key.indexOf("{") + 1, -1);
        emit(`${metric}{${target(p.name)}${labels ? `,${labels}` : ""}}`, arr.map((v, k) => (Number.isNaN(v) || !shown(metric, k) || !shown(base, k) ? undefined : v)));
      }
      const gauge = (metric: string, value: (t: number) => number) => {
        const g = shape.gauges ? `,${shape.gauges}` : "";
        emit(`${metric}{${target(p.name)}${g}}`, times.map((t, k) => (shown(metric, k) ? value(t) : undefined)));
      };
      if (preset.loaded) gauge(preset.loaded.metric, (t) => p.plan.loaded?.(t) ?? 1);
      if (preset.lastLoad) gauge(preset.lastLoad.metric, () => 0);
      for (const metric of preset.inFlight?.metrics ?? []) gauge(metric, () => 1);
      if (preset.drift) emit(`${preset.drift.metric}{${target(p.name)},${preset.drift.featureLabel}="amount"}`, times.map((t, k) => (shown(preset.drift!.metric, k) ? 0.05 : undefined)));
      if (model.resources.gpu > 0 && preset.gpu) {
        const mem = preset.gpu.memory;
        if ("ratio" in mem) gauge(mem.ratio, () => 0.5 / mem.scale);
        else {
          gauge(mem.used, () => 12e9);
          gauge(mem.total, () => 24e9);
        }
        gauge(preset.gpu.utilization.metric, () => 0.5 / preset.gpu!.utilization.scale);
      }
      emit(`up{${target(p.name)}}`, times.map((t) => ({ up: 1, down: 0, none: undefined })[scrape(p, t)]));

      // Kubernetes' own: kube-state-metrics (one series per condition, 1 for the current one),
      // cAdvisor and DCGM, labelled by pod only.
      const present = (value: (t: number) => number, metric = "") => times.map((t) => (exists(p, t) && !tp.missing?.(metric, t) ? value(t) : undefined));
      const ksm = `${kube(p.name)},job="kube-state-metrics",instance="kube-state-metrics:8080"`;
      emit(`kube_pod_status_ready{${ksm},condition="true"}`, present((t) => (ready(p, t) ? 1 : 0)));
      emit(`kube_pod_status_ready{${ksm},condition="false"}`, present((t) => (ready(p, t) ? 0 : 1)));
      emit(`kube_pod_status_ready{${ksm},condition="unknown"}`, present(() => 0));
      const container = `${kube(p.name)},container="model-server"`;
      emit(`kube_pod_container_resource_limits{${container},resource="cpu",unit="core"}`, present(() => cpuLimit));
      emit(`kube_pod_container_resource_limits{${container},resource="memory",unit="byte"}`, present(() => memoryLimit));
      emit(`container_cpu_usage_seconds_total{${container}}`, present((t) => 0.4 * cpuLimit * t));
      emit(`container_memory_working_set_bytes{${container}}`, present(() => 0.5 * memoryLimit, "container_memory_working_set_bytes"));
      if (model.resources.gpu > 0 && !preset.gpu) {
        emit(`DCGM_FI_DEV_FB_USED{${container}}`, present(() => 12000));
        emit(`DCGM_FI_DEV_FB_FREE{${container}}`, present(() => 12000));
        emit(`DCGM_FI_DEV_GPU_UTIL{${container}}`, present(() => 50));
      }
    });
  });
  return out;
}

// ---- every alert that fires, per scenario -------------------------------------------------------

/** A scenario: the series of one run of the rules, evaluated from minute 0 to `minutes`. */
export interface Scenario {
  name: string;
  series: InputSeries[];
  minutes: number;
}

/** Minutes in a Prometheus duration as promtool prints it (`1h31m`, `2d`, `30s`). */
export function durationMinutes(text: string): number {
  const size: Record<string, number> = { w: 7 * 1440, d: 1440, h: 60, m: 1, s: 1 / 60, ms: 1 / 60000 };
  let minutes = 0;
  for (const [, n, unit] of text.matchAll(/(\d+)(ms|w|d|h|m|s)/g)) minutes += Number(n) * size[unit];
  return minutes;
}

const LABEL = "modelship_scenario";

/**
 * The promtool unit-test file that evaluates `groups` over each scenario (a test group each,
 * samples every `intervalSeconds`, rules every `evalMinutes`) and asks, at every evaluation from
 * `fromMinute` on, for the firing alerts (Prometheus' ALERTS series, which promtool's rule
 * manager writes like Prometheus does) — expecting none, so promtool prints every one it got.
 */
export function firingTestFile(groups: readonly RuleGroup[], scenarios: readonly Scenario[], o: { intervalSeconds: number; evalMinutes: number; fromMinute?: number }) {
  return {
    rule_files: ["rules.yaml"],
    evaluation_interval: `${o.evalMinutes}m`,
    // The groups in a fixed order at each evaluation (promtool.ts evalOrder says why).
    group_eval_order: evalOrder(groups),
    tests: scenarios.map((s) => {
      const asks = [];
      for (let t = o.fromMinute ?? o.evalMinutes; t <= s.minutes; t += o.evalMinutes) {
        asks.push({ expr: `label_replace(ALERTS{alertstate="firing"}, "${LABEL}", ${JSON.stringify(s.name)}, "", "")`, eval_time: `${t}m`, exp_samples: [] });
      }
      return { name: s.name, interval: `${o.intervalSeconds}s`, input_series: s.series, promql_expr_test: asks };
    }),
  };
}

/** Parses promtool's report of a firingTestFile run: the firing alerts of each scenario, by minute. */
export function parseFirings(output: string, names: readonly string[]): Map<string, Firing[]> {
  const out = new Map<string, Firing[]>(names.map((n) => [n, []]));
  const failed = output.split("\n").find((l) => /, err: /.test(l));
  if (failed) throw new Error(`promtool could not evaluate the rules: ${failed}\n${output.slice(0, 2000)}`);
  let minute: number | undefined;
  for (const line of output.split("\n")) {
    const at = /^\s*expr: .*, time: ([0-9a-z]+),\s*$/.exec(line);
    if (at) minute = durationMinutes(at[1]);
    const got = /^\s*got: (.*)$/.exec(line);
    if (!got || minute === undefined) continue;
    for (const [, text] of got[1].matchAll(/\{([^}]*)\} \S+/g)) {
      const labels = Object.fromEntries([...text.matchAll(/([\w]+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
      const scenario = labels[LABEL];
      delete labels[LABEL];
      delete labels.__name__;
      delete labels.alertstate;
      if (!out.has(scenario)) throw new Error(`promtool reported an unknown scenario ${scenario}`);
      out.get(scenario)!.push({ minute, labels });
    }
  }
  return out;
}

/** Runs promtool on one file in `dir`; at most one promtool per CPU at a time. */
const slots = { free: Math.max(1, os.cpus().length), waiting: [] as (() => void)[] };
async function promtoolTest(dir: string): Promise<{ status: number; output: string }> {
  if (slots.free === 0) await new Promise<void>((resolve) => slots.waiting.push(resolve));
  else slots.free--;
  try {
    return await new Promise((resolve, reject) => {
      const child = spawn(promtool(), ["test", "rules", "test.yaml"], { cwd: dir });
      let output = "";
      child.stdout.on("data", (d) => (output += d));
      child.stderr.on("data", (d) => (output += d));
      child.on("error", reject);
      child.on("close", (status) => resolve({ status: status ?? -1, output }));
    });
  } finally {
    const next = slots.waiting.shift();
    if (next) next();
    else slots.free++;
  }
}

/**
 * Every alert firing at every evaluation of each scenario (labels without alertstate), by
 * scenario name, from one promtool run. Runs of different calls proceed in parallel, one per CPU.
 */
export async function alertsFiring(
  groups: readonly RuleGroup[],
  scenarios: readonly Scenario[],
  o: { intervalSeconds?: number; evalMinutes?: number; fromMinute?: number } = {},
): Promise<Map<string, Firing[]>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "modelship-firing-"));
  fs.writeFileSync(path.join(dir, "rules.yaml"), YAML.stringify({ groups }));
  const file = firingTestFile(groups, scenarios, { intervalSeconds: o.intervalSeconds ?? SCRAPE_SECONDS, evalMinutes: o.evalMinutes ?? 1, fromMinute: o.fromMinute });
  fs.writeFileSync(path.join(dir, "test.yaml"), YAML.stringify(file, { lineWidth: 0 }));
  const r = await promtoolTest(dir);
  const firings = parseFirings(r.output, scenarios.map((s) => s.name));
  if (r.status !== 0 && [...firings.values()].every((f) => f.length === 0)) throw new Error(`promtool test rules failed without results:\n${r.output.slice(0, 3000)}`);
  fs.rmSync(dir, { recursive: true, force: true });
  return firings;
}

/** The alert names (with severity) that fired, and the first and last minute each fired. */
export function summarize(firings: readonly Firing[]): Map<string, { first: number; last: number; minutes: number }> {
  const out = new Map<string, { first: number; last: number; minutes: number }>();
  for (const f of firings) {
    const key = `${f.labels.alertname} (${f.labels.severity}${f.labels.track ? `, ${f.labels.track}` : ""}${f.labels.signal ? `, ${f.labels.signal}` : ""})`;
    const s = out.get(key);
    if (!s) out.set(key, { first: f.minute, last: f.minute, minutes: 1 });
    else {
      s.last = Math.max(s.last, f.minute);
      s.first = Math.min(s.first, f.minute);
      s.minutes++;
    }
  }
  return out;
}

// ---- silent faults: the cases the new alerts exist for ------------------------------------------

/** Requests per second the whole model serves: the reviewer's setup. */
export const MODEL_RPS = 180;
/** Healthy error ratio: 0.2x the budget of the default 99.9 % SLO. */
export const HEALTHY_ERRORS = 0.0002;

/** Pods per track: the reviewer's 10 stable and 3 canary for the stacks' models, fewer for the presets' (runtime). */
export const podsOf = (s: Subject, track: Colour) => (s.name.includes("/") ? (track === s.stable ? 10 : 3) : track === s.stable ? 4 : 2);

/**
 * A typical request's latency for the model: 2 s where the model's own p50 threshold is a second
 * or more (the LLM servers' presets), else 50 ms.
 */
export const typicalLatency = (s: PlanModel) => (s.model.monitoring.alerts.latencyP50Seconds >= 1 ? 2 : 0.05);

/** Both tracks healthy, the model's requests split by the route's weights. */
export function healthyTracks(s: Subject, o: { rps?: number; errorRatio?: number; pods?: (track: Colour) => number } = {}): TrackPlan[] {
  return COLOURS.map((track) => ({
    track,
    version: s.model.tracks[track].version,
    pods: (o.pods ?? ((t: Colour) => podsOf(s, t)))(track),
    traffic: steady({ rps: ((o.rps ?? MODEL_RPS) * s.model.tracks[track].weight) / 100, errorRatio: o.errorRatio ?? HEALTHY_ERRORS, latency: typicalLatency(s) }),
  }));
}

/**
 * The server gauge a preset declares that the signal-absent case removes: the first declared
 * metric that exists from the first scrape on; for a preset with none (kserve, torchserve),
 * cAdvisor's working set, which every track has.
 */
export function absentSignal(s: PlanModel): { signal: string; metric: string } {
  const declared = metricsContract(s.preset, { namespace: s.namespace, model: s.model.name }).declared.find((d) => !d.bornWithTraffic);
  return declared ? { signal: declared.signal, metric: declared.metric } : { signal: "cadvisor", metric: "container_memory_working_set_bytes" };
}

export interface SilentFault {
  id: string;
  alert: string;
  /** What goes wrong, for test names and BENCHMARKS.md. */
  what: string;
  /** The track the fault is on: the candidate (10 % weight) or the stable track. */
  on: "candidate" | "stable";
  /** Minute the fault starts (the tracks are healthy before). */
  onset: number;
  /** Minutes from onset to firing: a rule's `for` after its condition can first hold (see each case). */
  within: [number, number];
  /** Labels the alert must carry besides the faulty track. */
  labels?: (s: Subject) => Record<string, string>;
  /** The track's plan with the fault from `from` (seconds) on. */
  fault: (track: TrackPlan, s: Subject, from: number) => TrackPlan;
}

/** Faults evaluated together: at most one per track, never interacting (each alert reads its own track). */
export interface FaultRun {
  id: string;
  faults: SilentFault[];
}

const everyPod = (pod: PodPlan) => () => pod;
const ONSET = 10;

/**
 * The silent faults. Detection windows: the condition holds from the first evaluation after
 * onset (a failed scrape or a vanished target writes stale markers, so series end at once),
 * plus the rule's `for`; the no-traffic case first needs its 15-minute request window to drain.
 * Two faults share a run when they sit on different tracks: each alert must then fire on its own
 * track and not on the other, which carries a near miss (a partial outage is not "not scraped",
 * an unscraped track's missing gauge is not "signal absent").
 */
export const FAULT_RUNS: readonly FaultRun[] = [
  {
    id: "scrape-failures",
    faults: [
      {
        id: "targets-down",
        alert: "ModelTrackNotScraped",
        what: "every scrape of the canary's pods fails (up 0) while they are ready and serving",
        on: "candidate",
        onset: ONSET,
        within: [10, 11],
        fault: (c, s, from) => ({ ...c, pod: everyPod({ scrape: (t) => (t >= from ? "down" : "up") }) }),
      },
      {
        id: "some-targets-down",
        alert: "ModelScrapeFailing",
        what: "one of the stable track's pods is not scraped (up 0), the others are",
        on: "stable",
        onset: ONSET,
        within: [15, 16],
        fault: (c, s, from) => ({ ...c, pod: (i) => (i === 0 ? { scrape: (t) => (t >= from ? "down" : "up") } : {}) }),
      },
    ],
  },
  {
    id: "vanished-series",
    faults: [
      {
        id: "targets-vanish",
        alert: "ModelTrackNotScraped",
        what: "the canary's scrape targets vanish (no up series: the monitor or port no longer matches) while its pods are ready",
        on: "candidate",
        onset: ONSET,
        within: [10, 11],
        fault: (c, s, from) => ({ ...c, pod: everyPod({ scrape: (t) => (t >= from ? "none" : "up") }) }),
      },
      {
        id: "signal-absent",
        alert: "ModelSignalAbsent",
        what: "a gauge the preset declares disappears from the stable track's pods (cAdvisor's working set where the preset declares none)",
        on: "stable",
        onset: ONSET,
        within: [15, 16],
        labels: (s) => ({ signal: absentSignal(s).signal, metric: absentSignal(s).metric }),
        fault: (c, s, from) => ({ ...c, missing: (metric, t) => t >= from && metric === absentSignal(s).metric }),
      },
    ],
  },
  {
    id: "canary-no-traffic",
    faults: [
      {
        id: "canary-no-traffic",
        alert: "ModelTrackNoTraffic",
        what: "the canary at 10 % weight gets no requests (the route or its Service does not reach its pods)",
        on: "candidate",
        onset: ONSET,
        // 15 minutes until the canary's request window holds no request, then `for: 5m`.
        within: [20, 22],
        fault: (c, s, from) => ({ ...c, traffic: switchAt(from, c.traffic, noTraffic) }),
      },
    ],
  },
  {
    id: "canary-without-pods",
    faults: [
      {
        id: "weight-without-pods",
        alert: "ModelTrackWithoutPods",
        what: "the canary keeps its weight but has no pods (scaled to zero, evicted)",
        on: "candidate",
        onset: ONSET,
        within: [5, 6],
        fault: (c, s, from) => ({ ...c, traffic: switchAt(from, c.traffic, noTraffic), pod: everyPod({ exists: (t) => t < from }) }),
      },
    ],
  },
];

export const SILENT_FAULTS: readonly SilentFault[] = FAULT_RUNS.flatMap((r) => r.faults);

/** The track a fault is on, for a subject. */
export const faultyTrack = (s: Subject, f: SilentFault): Colour => (f.on === "candidate" ? s.candidate : s.stable);

/** Minutes a run lasts: two past the end of its last detection window. */
export const runMinutes = (r: FaultRun) => Math.max(...r.faults.map((f) => f.onset + f.within[1] + 2));

/** The series of one run of faults on the subject's tracks. */
export function faultRunSeries(s: Subject, run: FaultRun, seed: number): InputSeries[] {
  const tracks = healthyTracks(s).map((t) => run.faults.filter((f) => faultyTrack(s, f) === t.track).reduce((plan, f) => f.fault(plan, s, f.onset * 60), t));
  return modelSeries({ ...s, tracks, minutes: runMinutes(run), seed });
}

/**
 * The 5 % canary: from `onset` its error ratio hovers around 5 %, the critical ratio threshold
 * (6 % for 6 minutes, 4 % for 4, repeating, Poisson noise on top), for `hoverMinutes`. The
 * canary was released `onset` minutes before: its own history is short, as a fresh canary's is.
 */
export const ERROR_CANARY = { onset: 20, hoverMinutes: 30, high: 0.06, low: 0.04, highMinutes: 6, lowMinutes: 4 } as const;

export const hoverRatio = (t: number) => {
  const e = ERROR_CANARY;
  const m = t / 60 - e.onset;
  if (m < 0) return HEALTHY_ERRORS;
  return m % (e.highMinutes + e.lowMinutes) < e.highMinutes ? e.high : e.low;
};

export function errorCanarySeries(s: Subject, seed: number): InputSeries[] {
  const minutes = ERROR_CANARY.onset + ERROR_CANARY.hoverMinutes;
  const tracks = healthyTracks(s).map((t) =>
    t.track === s.candidate ? { ...t, traffic: steady({ rps: (MODEL_RPS * s.model.tracks[t.track].weight) / 100, errorRatio: hoverRatio, latency: typicalLatency(s) }) } : t,
  );
  return modelSeries({ ...s, tracks, minutes, seed });
}

/** Firing spans of one alert series: [first, last] minutes of each run of consecutive evaluations. */
export function episodes(firings: readonly Firing[], match: Record<string, string>, stepMinutes = 1): [number, number][] {
  const minutes = [...new Set(firings.filter((f) => Object.entries(match).every(([k, v]) => f.labels[k] === v)).map((f) => f.minute))].sort((a, b) => a - b);
  const out: [number, number][] = [];
  for (const m of minutes) {
    const last = out[out.length - 1];
    if (last && m - last[1] <= stepMinutes) last[1] = m;
    else out.push([m, m]);
  }
  return out;
}

// ---- false pages: what must stay silent -------------------------------------------------------

/** One request a minute for the whole model, split by weight, one pod per track; failing at the listed minutes on `errorTrack`. */
export function lowTrafficTracks(s: PlanModel & { stable: Colour }, o: { errorTrack?: Colour; failAt?: readonly number[] } = {}): TrackPlan[] {
  return COLOURS.map((track) => {
    const weight = s.model.tracks[track].weight;
    return {
      track,
      version: s.model.tracks[track].version,
      pods: 1,
      traffic: weight > 0 ? exactly(weight / 100, track === (o.errorTrack ?? s.stable) ? (o.failAt ?? []) : []) : noTraffic,
    };
  });
}

/**
 * The rules with the burn alerts' minimum-bad-events clause removed: the control that shows a
 * low-traffic scenario is one the burn alerts would page on without it.
 */
export function withoutMinBadEvents(groups: readonly RuleGroup[]): RuleGroup[] {
  const clause = / and \((model_track:[a-z_:0-9]+\{[^}]*\}) \* (model_track:[a-z_:0-9]+\{[^}]*\})\) >= \d+/;
  return groups.map((g) => ({
    ...g,
    rules: g.rules.map((r) => ("alert" in r && /BudgetBurn$/.test(r.alert) ? { ...r, expr: r.expr.replace(clause, "") } : r)),
  }));
}

/** Exactly `rps` requests a second and `errorRatio` of them failed, every interval (no noise): exact expected values. */
export const constant = (rps: number, errorRatio: number, latency = 0.05): Traffic => (t, seconds) => ({ requests: rps * seconds, errors: Math.round(rps * seconds * errorRatio), latency });

/**
 * The value of each query at `minute`, evaluated by promtool after the rules ran over the series
 * (recorded series included), one entry per result series: `[query index, labels, value]`.
 */
export async function queryAt(groups: readonly RuleGroup[], series: readonly InputSeries[], minute: number, queries: readonly string[]): Promise<{ query: number; labels: Record<string, string>; value: number }[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "modelship-query-"));
  fs.writeFileSync(path.join(dir, "rules.yaml"), YAML.stringify({ groups }));
  const asks = queries.map((q, i) => ({ expr: `label_replace(${q}, "modelship_query", "${i}", "", "")`, eval_time: `${minute}m`, exp_samples: [] }));
  const test = { rule_files: ["rules.yaml"], evaluation_interval: "1m", group_eval_order: evalOrder(groups), tests: [{ interval: `${SCRAPE_SECONDS}s`, input_series: series, promql_expr_test: asks }] };
  fs.writeFileSync(path.join(dir, "test.yaml"), YAML.stringify(test, { lineWidth: 0 }));
  const r = await promtoolTest(dir);
  const failed = r.output.split("\n").find((l) => /, err: /.test(l));
  if (failed) throw new Error(`promtool could not evaluate: ${failed}`);
  fs.rmSync(dir, { recursive: true, force: true });
  const out: { query: number; labels: Record<string, string>; value: number }[] = [];
  for (const line of r.output.split("\n")) {
    const got = /^\s*got: (.*)$/.exec(line);
    if (!got) continue;
    for (const [, text, value] of got[1].matchAll(/\{([^}]*)\} (\S+?)(?:,|$)/g)) {
      const labels = Object.fromEntries([...text.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
      out.push({ query: Number(labels.modelship_query), labels, value: Number(value) });
    }
  }
  return out;
}
