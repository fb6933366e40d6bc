import * as assert from "assert";
import { spawn, type ChildProcess } from "child_process";
import * as path from "path";
import { LATENCY_BUCKETS, MAX_FEATURES, score, startModelServer, type ModelServer, type ModelServerOptions } from "../../components/image/reference-server/server";
import { ROOT } from "../helpers";

const MODEL = { modelName: "fraud", modelVersion: "1.0.0", modelUri: "s3://m/1.0.0" };

/** One sample of the exposition text: name, labels, value. */
interface Line {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseMetrics(text: string): Line[] {
  return text
    .split("\n")
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(l);
      assert.ok(m, `unparsable metrics line: ${l}`);
      const labels = Object.fromEntries([...(m[2] ?? "").matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
      return { name: m[1], labels, value: Number(m[3]) };
    });
}

const pick = (lines: Line[], name: string, labels: Record<string, string> = {}) =>
  lines.filter((l) => l.name === name && Object.entries(labels).every(([k, v]) => l.labels[k] === v));

const value = (lines: Line[], name: string, labels: Record<string, string> = {}) => {
  const found = pick(lines, name, labels);
  assert.strictEqual(found.length, 1, `expected one ${name}${JSON.stringify(labels)}, found ${found.length}`);
  return found[0].value;
};

describe("reference model server", () => {
  const servers: ModelServer[] = [];
  const start = async (extra: Partial<ModelServerOptions> = {}) => {
    const s = await startModelServer({ ...MODEL, seed: 7, latencyMs: 0, ...extra });
    servers.push(s);
    return s;
  };
  const predict = (s: ModelServer, body: unknown) =>
    fetch(`${s.url}/predict`, { method: "POST", headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
  const metrics = async (s: ModelServer) => parseMetrics(await (await fetch(`${s.url}/metrics`)).text());

  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it("answers health, readiness, predictions and unknown routes", async () => {
    const s = await start();
    assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.strictEqual((await fetch(`${s.url}/health`)).status, 200);
    assert.strictEqual((await fetch(`${s.url}/ready`)).status, 200);

    const features = [0.5, -1.2, 3, 0];
    const res = await predict(s, { features });
    assert.strictEqual(res.status, 200);
    const body = (await res.json()) as { prediction: number; model: string; version: string };
    assert.deepStrictEqual(body, { prediction: score(features), model: "fraud", version: "1.0.0" });
    assert.ok(body.prediction > 0 && body.prediction < 1);
    // A fixed function: the same features always score the same, different ones differently.
    assert.strictEqual(((await (await predict(s, { features })).json()) as { prediction: number }).prediction, body.prediction);
    assert.notStrictEqual(score([5, 5]), score([-5, -5]));

    assert.strictEqual((await fetch(`${s.url}/predict`)).status, 405);
    assert.strictEqual((await fetch(`${s.url}/health`, { method: "POST" })).status, 405);
    assert.strictEqual((await fetch(`${s.url}/nope`)).status, 404);
    const contentType = (await fetch(`${s.url}/metrics`)).headers.get("content-type") ?? "";
    assert.match(contentType, /^text\/plain/);
  });

  it("rejects bad input with 400 and keeps it out of the prediction metrics", async () => {
    const s = await start();
    const bad = ["not json", "null", {}, { features: [] }, { features: "1,2" }, { features: [1, "2"] }, { features: [1, null] }, { features: Array(MAX_FEATURES + 1).fill(0) }];
    for (const body of bad) {
      const res = await predict(s, body);
      assert.strictEqual(res.status, 400, `body ${JSON.stringify(body)}`);
      assert.ok(((await res.json()) as { error?: string }).error);
    }
    const m = await metrics(s);
    assert.strictEqual(value(m, "model_prediction_requests_total", { status: "success" }), 0);
    assert.strictEqual(value(m, "model_prediction_requests_total", { status: "error" }), 0);
    assert.strictEqual(value(m, "model_prediction_latency_seconds_count"), 0);
  });

  it("is not ready until the model has loaded", async () => {
    const before = Date.now() / 1000;
    const s = await start({ loadDelayMs: 300 });
    assert.strictEqual((await fetch(`${s.url}/health`)).status, 200);
    assert.strictEqual((await fetch(`${s.url}/ready`)).status, 503);
    assert.strictEqual((await predict(s, { features: [1] })).status, 503);
    let m = await metrics(s);
    assert.strictEqual(value(m, "model_loaded"), 0);
    assert.strictEqual(pick(m, "model_last_load_timestamp_seconds").length, 0);

    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      status = (await fetch(`${s.url}/ready`)).status;
    }
    assert.strictEqual(status, 200, "not ready within 2.5 s of a 0.3 s load delay");
    assert.strictEqual((await predict(s, { features: [1] })).status, 200);
    m = await metrics(s);
    assert.strictEqual(value(m, "model_loaded"), 1);
    const loadedAt = value(m, "model_last_load_timestamp_seconds");
    assert.ok(loadedAt >= before + 0.25 && loadedAt <= Date.now() / 1000, `load time ${loadedAt}`);
    // A prediction before the load counts as failed: the model could not answer it.
    assert.strictEqual(value(m, "model_prediction_requests_total", { status: "error" }), 1);
  });

  it("fails about errorRate of the predictions, the same ones for the same seed", async () => {
    const N = 400;
    const run = async (seed: number) => {
      const s = await start({ errorRate: 0.2, seed });
      const statuses: number[] = [];
      for (let i = 0; i < N; i++) statuses.push((await predict(s, { features: [i % 7, 1] })).status);
      return { s, statuses };
    };
    const a = await run(42);
    const failed = a.statuses.filter((x) => x === 500).length;
    assert.ok(a.statuses.every((x) => x === 200 || x === 500));
    assert.ok(failed >= 0.14 * N && failed <= 0.26 * N, `${failed} of ${N} failed at errorRate 0.2`);
    const m = await metrics(a.s);
    assert.strictEqual(value(m, "model_prediction_requests_total", { status: "error" }), failed);
    assert.strictEqual(value(m, "model_prediction_requests_total", { status: "success" }), N - failed);
    assert.strictEqual(value(m, "model_prediction_latency_seconds_count"), N, "failed predictions are timed too");
    assert.deepStrictEqual((await run(42)).statuses, a.statuses);

    a.s.setFaults({ errorRate: 0 });
    for (let i = 0; i < 20; i++) assert.strictEqual((await predict(a.s, { features: [1] })).status, 200);
    a.s.setFaults({ errorRate: 1 });
    assert.strictEqual((await predict(a.s, { features: [1] })).status, 500);
    assert.throws(() => a.s.setFaults({ errorRate: 1.5 }), RangeError);
    assert.throws(() => a.s.setFaults({ latencyMs: -1 }), RangeError);
  });

  it("shows injected latency in the latency histogram", async () => {
    const s = await start({ latencyMs: 0 });
    for (let i = 0; i < 5; i++) await predict(s, { features: [1] });
    // 200 ms x 0.8..1.2 = 160..240 ms: every slow request lands in the (0.1, 0.25] bucket.
    s.setFaults({ latencyMs: 200 });
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 5 }, () => predict(s, { features: [1] })));
    assert.ok(Date.now() - t0 >= 150);
    const m = await metrics(s);
    const bucket = (le: string) => value(m, "model_prediction_latency_seconds_bucket", { le });
    assert.strictEqual(bucket("0.1"), 5);
    assert.strictEqual(bucket("0.25"), 10);
    assert.strictEqual(bucket("+Inf"), 10);
    assert.ok(value(m, "model_prediction_latency_seconds_sum") >= 5 * 0.16);
  });

  it("exposes every metric of the modelship preset with its labels", async () => {
    const s = await start({ modelVersion: "2.3.4" });
    await predict(s, { features: [0.1, 0.2, 0.3] });
    const text = await (await fetch(`${s.url}/metrics`)).text();
    const m = parseMetrics(text);
    const types: Record<string, string> = {
      model_prediction_requests_total: "counter",
      model_prediction_latency_seconds: "histogram",
      model_loaded: "gauge",
      model_last_load_timestamp_seconds: "gauge",
      model_prediction_values: "histogram",
      model_feature_drift_psi: "gauge",
      model_requests_in_flight: "gauge",
    };
    for (const [name, type] of Object.entries(types)) assert.ok(text.includes(`# TYPE ${name} ${type}\n`), `${name} is not a ${type}`);

    const own = { model_name: "fraud", model_version: "2.3.4" };
    const labelsOf = (name: string) => pick(m, name).map((l) => l.labels);
    assert.deepStrictEqual(labelsOf("model_prediction_requests_total"), [
      { ...own, status: "success" },
      { ...own, status: "error" },
    ]);
    assert.deepStrictEqual(labelsOf("model_loaded"), [own]);
    assert.deepStrictEqual(labelsOf("model_last_load_timestamp_seconds"), [own]);
    assert.deepStrictEqual(labelsOf("model_prediction_latency_seconds_count"), [own]);
    assert.deepStrictEqual(
      pick(m, "model_prediction_latency_seconds_bucket").map((l) => l.labels.le),
      [...LATENCY_BUCKETS.map(String), "+Inf"],
    );
    assert.ok(pick(m, "model_prediction_latency_seconds_bucket").every((l) => l.labels.model_name === "fraud" && l.labels.model_version === "2.3.4"));
    assert.deepStrictEqual(
      pick(m, "model_prediction_values_bucket").map((l) => l.labels.le),
      ["0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1", "+Inf"],
    );
    assert.deepStrictEqual(labelsOf("model_prediction_values_count"), [{ model_name: "fraud" }]);
    assert.strictEqual(value(m, "model_prediction_values_count"), 1);
    assert.deepStrictEqual(labelsOf("model_feature_drift_psi"), ["feature_0", "feature_1", "feature_2"].map((f) => ({ model_name: "fraud", feature_name: f })));
  });

  it("keeps metrics of servers in one process apart", async () => {
    const a = await start({ modelVersion: "1.0.0" });
    const b = await start({ modelVersion: "1.1.0" });
    await predict(a, { features: [1] });
    assert.strictEqual(value(await metrics(a), "model_prediction_requests_total", { status: "success" }), 1);
    assert.strictEqual(value(await metrics(b), "model_prediction_requests_total", { status: "success" }), 0);
    assert.deepStrictEqual(pick(await metrics(b), "model_loaded").map((l) => l.labels.model_version), ["1.1.0"]);
  });

  it("counts predictions being handled in model_requests_in_flight (the preset's inFlight signal)", async () => {
    const s = await start({ latencyMs: 300 });
    const own = { model_name: "fraud", model_version: "1.0.0" };
    assert.strictEqual(value(await metrics(s), "model_requests_in_flight", own), 0);
    const running = [predict(s, { features: [1] }), predict(s, { features: [2] })];
    await new Promise((r) => setTimeout(r, 100));
    assert.strictEqual(value(await metrics(s), "model_requests_in_flight", own), 2);
    await Promise.all(running);
    await predict(s, "not json");
    assert.strictEqual(value(await metrics(s), "model_requests_in_flight", own), 0);
  });

  it("close() finishes in-flight predictions, then refuses connections", async () => {
    const s = await startModelServer({ ...MODEL, latencyMs: 300, seed: 1 });
    const inFlight = predict(s, { features: [1] });
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    await Promise.all([s.close(), s.close()]);
    assert.ok(Date.now() - t0 >= 100, "close() returned before the in-flight prediction finished");
    assert.strictEqual((await inFlight).status, 200);
    await assert.rejects(fetch(`${s.url}/health`, { signal: AbortSignal.timeout(5000) }));
  });

  it("close() gives up on in-flight predictions after its drain timeout", async () => {
    const s = await startModelServer({ ...MODEL, latencyMs: 10_000, seed: 1, drainTimeoutMs: 200 });
    const inFlight = predict(s, { features: [1] }).then(
      (r) => r.status,
      () => "cut",
    );
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    await s.close();
    assert.ok(Date.now() - t0 < 2000);
    assert.strictEqual(await inFlight, "cut");
  });

  describe("container entry point", () => {
    let child: ChildProcess | undefined;
    after(() => {
      if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    });

    it("starts from the environment, logs one JSON line and exits 0 on SIGTERM", async function () {
      this.timeout(60_000);
      child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(ROOT, "components/image/reference-server/main.ts")], {
        cwd: ROOT,
        env: { ...process.env, PORT: "0", MODEL_NAME: "fraud", MODEL_VERSION: "9.9.9", MODEL_URI: "s3://m/9", MODEL_LATENCY_MS: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      const proc = child;
      let stderr = "";
      proc.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
      const firstLine = await new Promise<string>((resolve, reject) => {
        let out = "";
        const timer = setTimeout(() => reject(new Error(`no log line within 30 s; stderr: ${stderr}`)), 30_000);
        proc.stdout!.on("data", (d: Buffer) => {
          out += d.toString();
          if (out.includes("\n")) {
            clearTimeout(timer);
            resolve(out.split("\n")[0]);
          }
        });
        proc.once("exit", (code) => reject(new Error(`exited ${code} before logging; stderr: ${stderr}`)));
      });
      const log = JSON.parse(firstLine) as { msg: string; port: number; model: string; version: string };
      assert.strictEqual(log.msg, "listening");
      assert.deepStrictEqual([log.model, log.version], ["fraud", "9.9.9"]);
      const url = `http://127.0.0.1:${log.port}`;
      assert.strictEqual((await fetch(`${url}/health`)).status, 200);
      const res = await fetch(`${url}/predict`, { method: "POST", body: JSON.stringify({ features: [1, 2] }) });
      assert.deepStrictEqual(await res.json(), { prediction: score([1, 2]), model: "fraud", version: "9.9.9" });
      assert.ok(proc.kill("SIGTERM"));
      const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r("timeout"), 10_000))]);
      assert.strictEqual(code, 0, `exit after SIGTERM; stderr: ${stderr}`);
    });
  });
});
