// Preset queries against the servers' real metric names and labels, evaluated by promtool: the
// situations review found them wrong in (issue 15, item 4).
import { strict as assert } from "assert";
import { metricsContract } from "../../components/monitoring/contract";
import { PRESETS, presetFor } from "../../components/monitoring/presets";
import { rateOf } from "../../components/monitoring/promql";
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
      const code = (endpoint: string, status = 200) => `endpoint="${endpoint}",http_response_code="${status}",service_name="fraud",runner_name="Fraud"`;
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
