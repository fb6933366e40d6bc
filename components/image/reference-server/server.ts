// The reference model server: a stand-in model that speaks exactly the `modelship` metrics
// preset, so stacks, alerts and the analysis gate can be exercised against real metrics. It is
// also the smallest example of what a model server must expose to be served by modelship.
// Faults (errors, latency) can be injected, reproducibly, to see the gate and alerts react.
import * as http from "http";
import type { AddressInfo } from "net";
import { Counter, Gauge, Histogram, Registry } from "prom-client";

export interface ModelServerOptions {
  host?: string;
  /** 0 picks any free port. */
  port?: number;
  modelName: string;
  modelVersion: string;
  modelUri?: string;
  /** Share of predictions that fail with HTTP 500 (0..1). */
  errorRate?: number;
  /** Base latency of a prediction; each one takes 0.8x..1.2x of it. */
  latencyMs?: number;
  /** Time until the model counts as loaded (readiness, `model_loaded`). */
  loadDelayMs?: number;
  /** Seeds the fault and jitter generator, so a run can be replayed. */
  seed?: number;
  /** How long close() waits for in-flight requests before cutting connections. */
  drainTimeoutMs?: number;
}

export interface Faults {
  errorRate?: number;
  latencyMs?: number;
}

export interface ModelServer {
  url: string;
  port: number;
  setFaults(f: Faults): void;
  close(): Promise<void>;
}

/** The latency buckets the modelship preset's dashboards and SLOs assume. */
export const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
// Built from integers: 0.1 * 3 would print as le="0.30000000000000004".
const PREDICTION_BUCKETS = Array.from({ length: 10 }, (_, i) => (i + 1) / 10);
/** Bounds what one request can make us keep: request body size and drift series per model. */
const MAX_BODY_BYTES = 1 << 20;
export const MAX_FEATURES = 256;

/** mulberry32: tiny, seedable, good enough for fault injection and test fixtures (not for anything secret). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The "model": a fixed logistic regression, so the same features always score the same. */
export function score(features: readonly number[]): number {
  const z = features.reduce((sum, x, i) => sum + x * (i % 2 === 0 ? 0.8 : -0.5) / (1 + Math.floor(i / 2)), -0.25);
  return 1 / (1 + Math.exp(-z));
}

function checkFaults(f: Faults): void {
  if (f.errorRate !== undefined && !(f.errorRate >= 0 && f.errorRate <= 1)) throw new RangeError(`errorRate must be within 0..1, got ${f.errorRate}`);
  if (f.latencyMs !== undefined && !(f.latencyMs >= 0 && Number.isFinite(f.latencyMs))) throw new RangeError(`latencyMs must be a finite number >= 0, got ${f.latencyMs}`);
}

/** Features from a request body, or why they are unusable. */
function parseFeatures(body: string): number[] | string {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return "body is not JSON";
  }
  const features = (doc as { features?: unknown } | null)?.features;
  if (!Array.isArray(features) || features.length === 0) return 'expected {"features": [number, ...]}';
  if (features.length > MAX_FEATURES) return `at most ${MAX_FEATURES} features`;
  if (!features.every((x) => typeof x === "number" && Number.isFinite(x))) return "features must be finite numbers";
  return features as number[];
}

export async function startModelServer(options: ModelServerOptions): Promise<ModelServer> {
  const { host = "127.0.0.1", port = 0, modelName, modelVersion, loadDelayMs = 0, drainTimeoutMs = 5000 } = options;
  if (!modelName || !modelVersion) throw new Error("modelName and modelVersion are required");
  const faults = { errorRate: options.errorRate ?? 0, latencyMs: options.latencyMs ?? 20 };
  checkFaults(faults);
  const random = prng(options.seed ?? Math.floor(Math.random() * 2 ** 32));

  // A registry of its own: several servers can share a process (tests) without clashing
  // with each other or with prom-client's global default registry.
  const registry = new Registry();
  const registers = [registry];
  const own = { model_name: modelName, model_version: modelVersion };
  const requests = new Counter({ name: "model_prediction_requests_total", help: "Predictions served, by outcome.", labelNames: ["model_name", "model_version", "status"] as const, registers });
  const latency = new Histogram({ name: "model_prediction_latency_seconds", help: "Time to answer a prediction request, failed ones included.", labelNames: ["model_name", "model_version"] as const, buckets: LATENCY_BUCKETS, registers });
  const loaded = new Gauge({ name: "model_loaded", help: "1 once the model is loaded and serving.", labelNames: ["model_name", "model_version"] as const, registers });
  const lastLoad = new Gauge({ name: "model_last_load_timestamp_seconds", help: "Unix time the model was last loaded.", labelNames: ["model_name", "model_version"] as const, registers });
  const values = new Histogram({ name: "model_prediction_values", help: "Distribution of the model's output.", labelNames: ["model_name"] as const, buckets: PREDICTION_BUCKETS, registers });
  const active = new Gauge({ name: "model_requests_in_flight", help: "Prediction requests being handled now (the inFlight autoscaling signal).", labelNames: ["model_name", "model_version"] as const, registers });
  const drift = new Gauge({ name: "model_feature_drift_psi", help: "Population stability index per input feature (this reference model assumes no drift).", labelNames: ["model_name", "feature_name"] as const, registers });

  // Series exist at 0 from the start: rate() needs a first sample before the first event,
  // or the first error after a rollout would go unseen.
  requests.labels({ ...own, status: "success" }).inc(0);
  requests.labels({ ...own, status: "error" }).inc(0);
  latency.zero(own);
  values.zero({ model_name: modelName });
  loaded.set(own, 0);
  active.set(own, 0);

  let ready = false;
  const markLoaded = () => {
    ready = true;
    loaded.set(own, 1);
    lastLoad.set(own, Date.now() / 1000);
  };
  const loadTimer = loadDelayMs > 0 ? setTimeout(markLoaded, loadDelayMs) : undefined;
  if (!loadTimer) markLoaded();

  let closing = false;
  let inFlight = 0;
  const drained: (() => void)[] = [];
  const pending = new Set<NodeJS.Timeout>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        pending.delete(t);
        resolve();
      }, ms);
      pending.add(t);
    });

  const send = (res: http.ServerResponse, status: number, body: unknown, type = "application/json") => {
    // While closing, end keep-alive connections after this answer so close() can finish.
    if (closing) res.setHeader("connection", "close");
    res.writeHead(status, { "content-type": type });
    res.end(type === "application/json" ? JSON.stringify(body) : String(body));
  };

  async function predict(req: http.IncomingMessage, res: http.ServerResponse, body: string): Promise<void> {
    const features = parseFeatures(body);
    // Bad input is the client's fault, not the model's: it stays out of the error ratio.
    if (typeof features === "string") return send(res, 400, { error: features });
    const started = process.hrtime.bigint();
    await sleep(faults.latencyMs * (0.8 + 0.4 * random()));
    const fail = !ready || random() < faults.errorRate;
    latency.observe(own, Number(process.hrtime.bigint() - started) / 1e9);
    requests.inc({ ...own, status: fail ? "error" : "success" });
    if (fail) return send(res, ready ? 500 : 503, { error: ready ? "injected fault" : "model not loaded" });
    const prediction = score(features);
    values.observe({ model_name: modelName }, prediction);
    for (let i = 0; i < features.length; i++) drift.set({ model_name: modelName, feature_name: `feature_${i}` }, 0);
    send(res, 200, { prediction, model: modelName, version: modelVersion });
  }

  async function route(req: http.IncomingMessage, res: http.ServerResponse, body: string): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    const allow = (method: string) => {
      if (req.method === method || (method === "GET" && req.method === "HEAD")) return true;
      res.setHeader("allow", method);
      send(res, 405, { error: `use ${method}` });
      return false;
    };
    switch (path) {
      case "/health":
        return void (allow("GET") && send(res, 200, { status: "ok" }));
      case "/ready":
        // Not ready while closing either, so a load balancer stops sending before we stop.
        return void (allow("GET") && send(res, ready && !closing ? 200 : 503, { ready: ready && !closing, model: modelName, version: modelVersion, modelUri: options.modelUri }));
      case "/metrics":
        if (allow("GET")) send(res, 200, await registry.metrics(), registry.contentType);
        return;
      case "/predict":
        if (!allow("POST")) return;
        active.inc(own);
        try {
          await predict(req, res, body);
        } finally {
          active.dec(own);
        }
        return;
      default:
        send(res, 404, { error: `no route ${path}` });
    }
  }

  const server = http.createServer((req, res) => {
    inFlight++;
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
    });
    req.on("end", () => {
      const handled = size > MAX_BODY_BYTES ? Promise.resolve(send(res, 413, { error: `body over ${MAX_BODY_BYTES} bytes` })) : route(req, res, Buffer.concat(chunks).toString("utf8"));
      handled
        .catch((e: unknown) => {
          if (!res.headersSent) send(res, 500, { error: (e as Error).message });
        })
        .finally(() => {
          if (--inFlight === 0) drained.splice(0).forEach((f) => f());
        });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  // The URL is for callers on this machine: a wildcard bind is reached through loopback.
  const reachable = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;

  return {
    url: `http://${reachable}:${actual}`,
    port: actual,
    setFaults(f) {
      checkFaults(f);
      Object.assign(faults, Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)));
    },
    async close() {
      if (closing) return;
      closing = true;
      clearTimeout(loadTimer);
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // In-flight predictions get drainTimeoutMs to finish; after that, connections are cut.
      const idle = new Promise<void>((resolve) => (inFlight === 0 ? resolve() : drained.push(resolve)));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, drainTimeoutMs)));
      await Promise.race([idle, timeout]);
      clearTimeout(timer);
      pending.forEach(clearTimeout);
      server.closeAllConnections();
      await stopped;
    },
  };
}
