// Preset queries against the servers' real metric names and labels, evaluated by promtool: the
// situations review found them wrong in (issue 15, item 4).
import { strict as assert } from "assert";
import { metricsContract } from "../../components/monitoring/contract";
import { PRESETS, presetFor } from "../../components/monitoring/presets";
import { leMatcher, leTexts, rateOf } from "../../components/monitoring/promql";
import { presetLabelProblems } from "../../components/config/monitoring-checks";
import { LATENCY_BUCKETS, startModelServer } from "../../components/image/reference-server/server";
import { TGI_DURATION_BUCKETS } from "../../components/monitoring/presets";
import { RUNTIMES } from "../../components/serving/runtimes";
import { RECORD, type AlertRule } from "../../components/monitoring/rules";
import { metricsPort, metricsPortName } from "../../components/monitoring/scrape";
import { alertTimeline, evalExpr, type InputSeries } from "./promtool";
import { fleet, groupsFor, MODEL, NS } from "./scenarios";

const POD = `${MODEL}-blue-5d8f7c9b6-x2x4k`;
const at = (extra = "") => `namespace="${NS}",model="${MODEL}",track="blue",pod="${POD}"${extra ? `,${extra}` : ""}`;
const s = (metric: string, values: string, extra = ""): InputSeries => ({ series: `${metric}{${at(extra)}}`, values });
const contractFor = (modelExtra: Record<string, unknown>) => {
  const model = fleet(modelExtra).models[0];
  return metricsContract(presetFor(model.monitoring), { namespace: NS, model: model.name });
};
const one = (series: InputSeries[], expr: string | undefined, minute: number): number | undefined => {
  assert.ok(expr, "no query");
  const got = evalExpr({ series, expr, minute });
  assert.ok(got.length <= 1, `more than one result: ${JSON.stringify(got)}`);
  return got[0]?.value;
};
const near = (actual: number | undefined, expected: number, what: string) =>
  assert.ok(actual !== undefined && Math.abs(actual - expected) <= 1e-9 + Math.abs(expected) * 1e-6, `${what}: ${actual}, expected ${expected}`);

describe("presets: queries against the servers' real series", function () {
  this.timeout(300_000);

  describe("several counters (rateOf)", () => {
    const custom = { preset: "custom", custom: { requests: [{ metric: "a_total" }, { metric: "b_total" }, { metric: "c_total" }], errors: [{ metric: "c_total" }] } };
    it("sums every counter with series, a counter without series as 0", () => {
      // b_total never appeared: the old `a + b + c or a or b or c` fell back to a alone.
      const c = contractFor({ monitoring: custom });
      const series = [s("a_total", "0+100x30"), s("c_total", "0+10x30")];
      near(one(series, c.errorRatio("5m"), 20), 10 / 110, "error ratio");
      near(one(series, c.requestRate("5m"), 20), 110 / 60, "request rate");
    });

    it("is absent, not 0, when no counter has series", () => {
      assert.equal(one([s("other_total", "0+1x30")], contractFor({ monitoring: custom }).requestRate("5m"), 20), undefined);
    });
  });

  describe("counter series born at their first event", () => {
    const c = contractFor({});
    const up = (values: string) => ({ series: `up{${at('job="ml/fraud"')}}`, values });
    const ok = (values: string) => s("model_prediction_requests_total", values, 'status="success"');
    const failed = (values: string) => s("model_prediction_requests_total", values, 'status="error"');

    it("counts a pod's first error, whose series appears already at 1", () => {
      const series = [up("1x40"), ok("0+60x40"), failed("_x19 1x21")];
      near(one(series, c.errorCount("10m"), 25), 1, "errors counted");
      near(one(series, c.errorRate("5m"), 22), 1 / 300, "error rate");
      assert.ok(one(series, c.errorRatio("5m"), 22)! > 0, "error ratio stays 0");
    });

    it("counts a quiet canary's only request, a failure, as one request that failed", () => {
      const series = [up("1x40"), failed("_x19 1x21")];
      near(one(series, c.requestCount("10m"), 25), 1, "requests");
      near(one(series, c.errorCount("10m"), 25), 1, "errors");
    });

    it("does not count a counter's history when its pod is first scraped (new monitor, new target)", () => {
      const series = [up("_x19 1x21"), ok("_x19 500+60x21"), failed("_x19 7x21")];
      near(one(series, c.errorCount("10m"), 25), 0, "errors counted");
    });

    it("does not count a counter's history after a scrape gap longer than the lookback", () => {
      const series = [up("1x9 _x9 1x22"), ok("0+60x9 _x9 1140+60x22"), failed("0+1x9 _x9 19+1x22")];
      const counted = one(series, c.errorCount("10m"), 25)!;
      assert.ok(counted < 12, `counted ${counted}: the history before the gap was added`);
    });
  });

  describe("torchserve", () => {
    const c = contractFor({ monitoring: { preset: "torchserve" } });
    const host = 'Level="Host",Hostname="fraud-blue"';
    it("counts inference requests only, not /ping or management calls, and 5XX among them", () => {
      const series = [
        s("ts_inference_requests_total", "0+100x30", 'model_name="fraud",model_version="default",hostname="fraud-blue"'),
        s("Requests2XX", "0+160x30", host), // 99 inferences + 60 probes + 1 management call a minute
        s("Requests5XX", "0+1x30", host),
      ];
      near(one(series, c.errorRatio("5m"), 20), 0.01, "error ratio");
      near(one(series, c.requestRate("5m"), 20), 100 / 60, "request rate");
    });

    it("reads no traffic on a pod that only answers probes", () => {
      const rate = one([s("Requests2XX", "0+12x30", host)], c.requestRate("5m"), 20);
      assert.ok(rate === undefined || rate === 0, `request rate ${rate}`);
      assert.ok(!c.requestRate("5m")!.includes("Requests2XX") && !c.requestRate("5m")!.includes("Requests4XX"));
    });
  });

  describe("probes are not traffic", () => {
    it("bentoml: /livez, /readyz and /healthz are neither requests nor latency", () => {
      const c = contractFor({ monitoring: { preset: "bentoml" } });
      // As scraped: the server's `endpoint` (the path) kept as exported_endpoint, `endpoint` the
      // scrape's own (the port name).
      const code = (endpoint: string, status = 200) => `endpoint="http",exported_endpoint="${endpoint}",http_response_code="${status}",service_name="fraud",runner_name="Fraud"`;
      const series = [
        s("bentoml_service_request_total", "0+6x30", code("/livez")),
        s("bentoml_service_request_total", "0+6x30", code("/readyz")),
        s("bentoml_service_request_total", "0+2x30", code("/healthz", 503)),
        s("bentoml_service_request_total", "0x30", code("/predict")),
        s("bentoml_service_request_duration_seconds_count", "0+6x30", code("/readyz")),
        s("bentoml_service_request_duration_seconds_count", "0x30", code("/predict")),
      ];
      near(one(series, c.requestRate("5m"), 20), 0, "request rate");
      assert.equal(one(series, c.errorRate("5m"), 20), undefined, "a failing /healthz is an error");
      near(one(series, c.latencyRate("5m"), 20), 0, "latency traffic");
    });

    it("rayserve: the proxy's /-/ routes are neither requests, errors nor latency", () => {
      const c = contractFor({ monitoring: { preset: "rayserve" } });
      const route = (r: string) => `route="${r}",method="GET",application="fraud"`;
      const series = [
        s("ray_serve_num_http_requests_total", "0+6x30", `${route("/-/healthz")},status_code="200"`),
        s("ray_serve_num_http_requests_total", "0x30", `${route("/predict")},status_code="200"`),
        s("ray_serve_num_http_error_requests_total", "0+1x30", `${route("/-/healthz")},error_code="503"`),
        s("ray_serve_http_request_latency_ms_count", "0+6x30", `${route("/-/healthz")},status_code="200"`),
      ];
      near(one(series, c.requestRate("5m"), 20), 0, "request rate");
      assert.equal(one(series, c.errorRate("5m"), 20), undefined);
      assert.equal(one(series, c.latencyRate("5m"), 20), undefined);
    });
  });

  it("rayserve: scrapes the Ray metrics agent's export port (8080), not the Serve HTTP port", () => {
    assert.equal(PRESETS.rayserve.metricsPort, 8080);
    const model = fleet({ port: 8000, monitoring: { preset: "rayserve" } }).models[0];
    assert.equal(metricsPort(model), 8080);
    assert.equal(metricsPortName(model), "metrics");
  });

  describe("mlserver: latency judged on the requests its REST histogram observed", () => {
    const monitoring = { preset: "mlserver" };
    const c = contractFor({ monitoring });
    const infer = 'path="/v2/models/{model_name}/infer",method="POST"';
    /** gRPC-heavy traffic (100 req/s in the counters), `restPerMinute` REST requests, all of them 2 s. */
    const series = (restPerMinute: number): InputSeries[] => [
      s("model_infer_request_success_total", "0+6000x60", 'exported_model="fraud",version="1"'),
      ...["0.5", "1"].map((le) => s("rest_server_request_duration_seconds_bucket", "0x60", `${infer},le="${le}"`)),
      ...["2.5", "+Inf"].map((le) => s("rest_server_request_duration_seconds_bucket", `0+${restPerMinute}x60`, `${infer},le="${le}"`)),
      s("rest_server_request_duration_seconds_count", `0+${restPerMinute}x60`, infer),
      s("rest_server_request_duration_seconds_sum", `0+${2 * restPerMinute}x60`, infer),
    ];

    it("never divides latency counts by the inference counters (they include gRPC)", () => {
      for (const q of [c.latencyRate("5m"), c.latencyObserved("5m"), c.latencyWithin(0.5, "5m"), c.slowRatio(0.5, "5m")]) {
        assert.ok(q && !q.includes("model_infer_request") && q.includes("rest_server_request_duration_seconds"), q);
      }
      near(one(series(60), c.slowRatio(0.5, "5m"), 30), 1, "slow ratio");
      near(one(series(60), c.latencyObserved("5m"), 30), 300, "observed");
    });

    it("latency alerts need the histogram's own traffic, not the gRPC requests'", () => {
      const alerts = groupsFor({ monitoring }).flatMap((g) => g.rules).filter((r): r is AlertRule => "alert" in r && /Latency(P99|P50)High|TrackLatency/.test(r.alert));
      assert.equal(alerts.length, 3);
      for (const a of alerts) assert.ok(a.expr.includes(RECORD.latencyRequests) && !a.expr.includes(RECORD.requests), a.expr);
      // 3 REST requests a minute (0.05/s) are below minRequestRate (0.1/s) however busy gRPC is …
      assert.deepEqual(alertTimeline({ groups: groupsFor({ monitoring }), series: series(3), alert: "ModelLatencyP99High", minutes: 40 }), []);
      // … 60 a minute are not.
      assert.ok(alertTimeline({ groups: groupsFor({ monitoring }), series: series(60), alert: "ModelLatencyP99High", minutes: 40 }).length > 0);
    });
  });
});

describe("presets: the servers' buckets and labels (issue 17)", function () {
  this.timeout(300_000);
  const up = { series: `up{${at('job="ml/fraud"')}}`, values: "1x40" };

  describe("declared latency buckets", () => {
    it("every preset with a latency histogram declares its finite default buckets, ascending", () => {
      for (const p of Object.values(PRESETS)) {
        if (!p.latency) continue;
        const b = p.latency.buckets;
        assert.ok(b && b.length > 0, `${p.name}: no buckets`);
        assert.ok(b.every((x, i) => Number.isFinite(x) && x > 0 && (i === 0 || x > b[i - 1])), `${p.name}: ${b}`);
      }
    });

    it("modelship: the reference server's own buckets", () => {
      assert.deepEqual(PRESETS.modelship.latency!.buckets, LATENCY_BUCKETS);
    });

    it("tgi: 35 boundaries from 0.0001 s times 1.5, as TGI computes and prints them", () => {
      // Texts Rust's f64 Display prints for TGI's loop (checked with rustc 1.95), e.g. no
      // rounding of 28.76265888493261 s.
      assert.equal(TGI_DURATION_BUCKETS.length, 35);
      assert.equal(String(TGI_DURATION_BUCKETS[0]), "0.00015000000000000001");
      assert.equal(String(TGI_DURATION_BUCKETS[30]), "28.76265888493261");
      assert.equal(String(TGI_DURATION_BUCKETS[34]), "145.61096060497135");
      for (const b of TGI_DURATION_BUCKETS) assert.ok(leTexts(b).includes(String(b)));
    });

    it("le texts: every client library's form of a boundary", () => {
      assert.deepEqual(leTexts(1), ["1", "1.0"]);
      assert.deepEqual(leTexts(0.5), ["0.5"]);
      assert.deepEqual(leTexts(1e6), ["1000000", "1000000.0", "1e+06"]);
      assert.deepEqual(leTexts(0.00005), ["0.00005", "5e-05"]);
      assert.equal(leMatcher(2.5), String.raw`le=~"2\\.5"`);
    });
  });

  describe("matchers filter on labels the server's series carry", () => {
    it("every built-in preset: each label a matcher filters on is declared for its metric, as scraped", () => {
      for (const p of Object.values(PRESETS)) assert.deepEqual(presetLabelProblems(p), [], p.name);
    });

    it("would catch a matcher on the server's `endpoint`, which the scrape renames exported_endpoint", () => {
      const wrong = { ...PRESETS.bentoml, requests: [{ metric: "bentoml_service_request_total", matchers: 'endpoint!~"/(livez|readyz|healthz)"' }] };
      const problems = presetLabelProblems(wrong);
      assert.equal(problems.length, 1);
      assert.deepEqual(problems[0].path, ["requests", 0, "matchers"]);
      assert.match(problems[0].message, /exported_endpoint/);
      const undeclared = { ...PRESETS.tgi, errors: [{ metric: "tgi_request_failure", matchers: 'status="5xx"' }] };
      assert.match(presetLabelProblems(undeclared)[0].message, /"status", which is not among the labels declared for tgi_request_failure \(err\)/);
    });
  });

  describe("the latency SLO's bucket query finds the boundary's series (latencyWithin)", () => {
    const bucket = (metric: string, le: string, perMinute: number, extra = "") => s(`${metric}_bucket`, `0+${perMinute}x40`, `${extra}${extra ? "," : ""}le="${le}"`);

    it("tgi: the boundary TGI prints with all its digits, at the server preset's threshold", () => {
      const thresholdMs = (RUNTIMES.tgi.defaults.monitoring as { slo: { latency: { thresholdMs: number } } }).slo.latency.thresholdMs;
      const c = contractFor({ monitoring: { preset: "tgi", slo: { latency: { thresholdMs } } } });
      const series = [
        up,
        bucket("tgi_request_duration", "19.175105923288406", 6),
        bucket("tgi_request_duration", "28.76265888493261", 9),
        bucket("tgi_request_duration", "43.143988327398915", 10),
        bucket("tgi_request_duration", "+Inf", 10),
        s("tgi_request_duration_count", "0+10x40"),
      ];
      near(one(series, c.latencyWithin(thresholdMs / 1000, "10m"), 20), 90, "requests within the threshold");
      near(one(series, c.slowRatio(thresholdMs / 1000, "10m"), 20), 0.1, "slow ratio");
      // A boundary rounded to 12 digits, as the query used to write it, selects nothing.
      const rounded = rateOf([{ metric: "tgi_request_duration_bucket", matchers: leMatcher(+(thresholdMs / 1000).toPrecision(12)) }], { namespace: NS, model: MODEL }, "10m", "namespace, model, track", undefined, "increase");
      assert.equal(one(series, rounded, 20), undefined);
    });

    it("Python clients: 1.0 for a boundary of 1 (kserve), 500.0 for Ray's 500 ms", () => {
      const kserve = contractFor({ monitoring: { preset: "kserve", slo: { latency: { thresholdMs: 1000 } } } });
      const k = [up, bucket("request_predict_seconds", "0.75", 4, 'model_name="fraud"'), bucket("request_predict_seconds", "1.0", 7, 'model_name="fraud"'), bucket("request_predict_seconds", "+Inf", 8, 'model_name="fraud"')];
      near(one(k, kserve.latencyWithin(1, "10m"), 20), 70, "kserve within 1 s");
      const ray = contractFor({ monitoring: { preset: "rayserve" } });
      const route = 'route="/predict",method="POST",application="fraud",status_code="200"';
      const r = [up, bucket("ray_serve_http_request_latency_ms", "400.0", 2, route), bucket("ray_serve_http_request_latency_ms", "500.0", 5, route), bucket("ray_serve_http_request_latency_ms", "+Inf", 6, route)];
      near(one(r, ray.latencyWithin(0.5, "10m"), 20), 50, "rayserve within 500 ms");
    });

    it("modelship: the reference server's own /metrics text, at the default 500 ms threshold", async () => {
      const server = await startModelServer({ modelName: "fraud", modelVersion: "1", latencyMs: 1, seed: 7 });
      let text: string;
      try {
        for (let i = 0; i < 5; i++) {
          const res = await fetch(`${server.url}/predict`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ features: [1, 2] }) });
          assert.equal(res.status, 200);
        }
        text = await (await fetch(`${server.url}/metrics`)).text();
      } finally {
        await server.close();
      }
      const scraped = [...text.matchAll(/^model_prediction_latency_seconds_bucket\{[^}]*le="([^"]+)"[^}]*\} (\S+)$/gm)].map((m) => ({ le: m[1], count: Number(m[2]) }));
      assert.deepEqual(scraped.filter((b) => b.le !== "+Inf").map((b) => Number(b.le)), PRESETS.modelship.latency!.buckets);
      for (const b of scraped.filter((x) => x.le !== "+Inf")) assert.ok(leTexts(Number(b.le)).includes(b.le), b.le);

      const model = fleet().models[0];
      assert.equal(model.monitoring.slo.latency.thresholdMs, 500);
      const c = metricsContract(presetFor(model.monitoring), { namespace: NS, model: model.name });
      const series = [up, ...scraped.map((b) => bucket("model_prediction_latency_seconds", b.le, b.count, 'model_name="fraud",model_version="1"'))];
      const atHalf = scraped.find((b) => b.le === "0.5")!.count;
      assert.equal(atHalf, 5);
      near(one(series, c.latencyWithin(0.5, "10m"), 20), 10 * atHalf, "requests within 500 ms");
    });
  });
});
