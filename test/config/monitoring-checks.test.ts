// Issue 17: monitoring settings that would ship an empty query or an alert that cannot fire are
// config errors, named by their key path in the stack file.
import { strict as assert } from "assert";
import { parseFleetConfig } from "../../components/config";
import { matcherLabels, monitoringProblems } from "../../components/config/monitoring-checks";
import { PRESETS, TGI_DURATION_BUCKETS } from "../../components/monitoring/presets";
import { RUNTIMES, SERVER_NAMES, type ServerName } from "../../components/serving/runtimes";
import { canaryConfig, configProblems } from "../fixtures/canary";

const COPY_IMAGE = "public.ecr.aws/aws-cli/aws-cli@sha256:" + "a".repeat(64);

/** The canary fixture's model with these monitoring settings (and server), as a stack file holds it. */
function config(monitoring: Record<string, unknown>, server?: ServerName): Record<string, any> {
  const c: any = canaryConfig({ monitoring });
  if (server) c.models[0].server = server;
  if (server && RUNTIMES[server].delivery === "copy") c.modelCopy = { image: COPY_IMAGE };
  return c;
}
const problems = (monitoring: Record<string, unknown>, server?: ServerName) => configProblems(config(monitoring, server));

function rejects(monitoring: Record<string, unknown>, path: string, ...why: RegExp[]): string {
  const p = problems(monitoring);
  const line = p.find((l) => l.startsWith(`modelship:models[0].${path}: `));
  assert.ok(line, `expected a problem at ${path}, got:\n${p.join("\n") || "(accepted)"}`);
  for (const w of why) assert.match(line!, w);
  return line!;
}
const accepts = (monitoring: Record<string, unknown>, server?: ServerName) => assert.deepEqual(problems(monitoring, server), []);

/** A custom preset whose errors counter filters on `code`; `labels` declares the counter's labels. */
const custom = (errors: Record<string, unknown>, more: Record<string, unknown> = {}) => ({
  preset: "custom",
  custom: { requests: [{ metric: "http_requests_total" }], errors: [{ metric: "http_requests_total", matchers: 'code=~"5.."', ...errors }], ...more },
});

describe("monitoring settings against the preset's metrics (issue 17)", () => {
  describe("every built-in server preset, with its defaults", () => {
    for (const server of SERVER_NAMES) {
      it(`${server}: passes`, () => {
        const c = config({}, server);
        assert.deepEqual(configProblems(c), []);
        assert.deepEqual(monitoringProblems(parseFleetConfig(c, "Pulumi.test.yaml").models[0]), []);
      });
    }

    it("the default modelship server's 500 ms SLO threshold is a boundary of its histogram", () => {
      const m = parseFleetConfig(config({}), "Pulumi.test.yaml").models[0];
      assert.equal(m.monitoring.preset, "modelship");
      assert.equal(m.monitoring.slo.latency.thresholdMs, 500);
      assert.ok(PRESETS.modelship.latency!.buckets!.includes(0.5));
    });

    it("tgi: the SLO threshold is the bucket boundary nearest 30 s, exactly", () => {
      const m = parseFleetConfig(config({}, "tgi"), "Pulumi.test.yaml").models[0];
      assert.equal(m.monitoring.slo.latency.thresholdMs, TGI_DURATION_BUCKETS[30] * 1000);
      const nearest = [...TGI_DURATION_BUCKETS].sort((a, b) => Math.abs(a - 30) - Math.abs(b - 30))[0];
      assert.equal(nearest, TGI_DURATION_BUCKETS[30]);
    });
  });

  describe("slo.latency.thresholdMs is a bucket boundary", () => {
    it("accepts a boundary, in the histogram's unit whatever it is", () => {
      accepts({ slo: { latency: { thresholdMs: 250 } } });
      accepts({ preset: "rayserve", slo: { latency: { thresholdMs: 300 } } }); // ms histogram
      const c = custom({ labels: ["code"] }, { latency: { histogram: "d_us", unit: "microseconds", buckets: [100000, 300000, 1000000] } });
      accepts({ ...c, slo: { latency: { thresholdMs: 300 } } });
    });

    it("rejects a threshold between boundaries, naming the boundaries around it in ms", () => {
      rejects({ slo: { latency: { thresholdMs: 300 } } }, "monitoring.slo.latency.thresholdMs", /300 ms is not a bucket boundary of model_prediction_latency_seconds/, /nearest: 250 or 500 ms/);
      rejects({ preset: "rayserve", slo: { latency: { thresholdMs: 350 } } }, "monitoring.slo.latency.thresholdMs", /nearest: 300 or 400 ms/, /described with preset custom/);
      rejects({ slo: { latency: { thresholdMs: 10000 } } }, "monitoring.slo.latency.thresholdMs", /nearest: 5000 ms$/);
      rejects(custom({ labels: ["code"] }, { latency: { histogram: "d", buckets: [0.1, 1] } }), "monitoring.slo.latency.thresholdMs", /monitoring\.custom\.latency\.buckets/, /nearest: 100 or 1000 ms/);
    });

    it("tgi: rejects the schema's 500 ms, and accepts the nearest boundary the message names as written", () => {
      const line = rejects({ preset: "tgi" }, "monitoring.slo.latency.thresholdMs", /nearest: 498\.788509512 or 748\.182764268 ms/);
      const named = line.match(/nearest: ([\d.]+) or ([\d.]+) ms/)!.slice(1).map(Number);
      for (const ms of named) accepts({ preset: "tgi", slo: { latency: { thresholdMs: ms } } });
      rejects({ preset: "tgi", slo: { latency: { thresholdMs: 30000 } } }, "monitoring.slo.latency.thresholdMs", /nearest: 28762\.6588849 or 43143\.9883274 ms/);
    });

    it("says nothing for presets without a latency histogram", () => {
      accepts({ preset: "triton", slo: { latency: { thresholdMs: 333 } } });
    });
  });

  describe("latency alerts stay below the top finite bucket", () => {
    it("rejects a p99 or p50 threshold at or above it, naming it", () => {
      rejects({ alerts: { latencyP99Seconds: 5 } }, "monitoring.alerts.latencyP99Seconds", /below the top finite bucket of model_prediction_latency_seconds, 5 s/, /could never fire; got 5$/);
      rejects({ alerts: { latencyP50Seconds: 12 } }, "monitoring.alerts.latencyP50Seconds", /5 s/);
      rejects({ preset: "kserve", alerts: { latencyP99Seconds: 30 } }, "monitoring.alerts.latencyP99Seconds", /request_predict_seconds, 10 s/);
      rejects({ preset: "rayserve", alerts: { latencyP99Seconds: 600 } }, "monitoring.alerts.latencyP99Seconds", /600 s/);
    });

    it("accepts one below it", () => {
      accepts({ alerts: { latencyP99Seconds: 4.9, latencyP50Seconds: 2.5 } });
      accepts({ preset: "vllm", slo: { latency: { thresholdMs: 30000 } }, alerts: { latencyP99Seconds: 1000, latencyP50Seconds: 0.5 } });
    });
  });

  describe("latency alerts stay at or above the first bucket", () => {
    it("rejects a threshold inside the first bucket, where the quantile is interpolated from 0", () => {
      rejects({ preset: "vllm", slo: { latency: { thresholdMs: 30000 } } }, "monitoring.alerts.latencyP50Seconds", /at least the first bucket of vllm:e2e_request_latency_seconds, 0\.3 s/, /got 0\.1$/);
    });

    it("accepts the first boundary itself, and every server preset's defaults", () => {
      accepts({ preset: "vllm", slo: { latency: { thresholdMs: 30000 } }, alerts: { latencyP50Seconds: 0.3 } });
    });
  });

  describe("custom matchers filter on declared labels", () => {
    it("rejects a matcher on an undeclared label, naming the key path, the label and the declared labels", () => {
      rejects(custom({}), "monitoring.custom.errors[0].matchers", /filters on "code"/, /labels declared for http_requests_total \(none\)/);
      rejects(custom({ labels: ["status", "method"] }), "monitoring.custom.errors[0].matchers", /filters on "code"/, /\(status, method\)/);
      rejects(
        custom({ labels: ["code"] }, { latency: { histogram: "d", buckets: [0.5, 1], matchers: 'path="/predict"', labels: ["handler"] } }),
        "monitoring.custom.latency.matchers",
        /"path".*declared for d \(handler\)/,
      );
    });

    it("accepts declared labels (declared on any entry naming the metric) and scrape labels", () => {
      accepts(custom({ labels: ["code"] }));
      accepts({ preset: "custom", custom: { requests: [{ metric: "r_total", labels: ["code", "path"] }], errors: [{ metric: "r_total", matchers: 'code="500",path!="/ping"' }] } });
      accepts(custom({ matchers: 'job="ml/fraud",track=~"blue|green"' }));
    });

    it("rejects a server label the scrape renames, pointing at exported_<label>", () => {
      rejects(custom({ matchers: 'endpoint="/predict"', labels: ["endpoint"] }), "monitoring.custom.errors[0].matchers", /Prometheus keeps http_requests_total's own endpoint as exported_endpoint/);
      accepts(custom({ matchers: 'exported_endpoint="/predict"', labels: ["endpoint"] }));
    });

    it("reads every matcher form", () => {
      assert.deepEqual(matcherLabels('a="x",b=~"y.*",c!="z",d!~"w|v"'), ["a", "b", "c", "d"]);
      assert.deepEqual(matcherLabels('handler=~"/v1/.+",status="5xx"'), ["handler", "status"]);
    });
  });

  describe("custom latency declares its buckets", () => {
    it("requires them, saying why", () => {
      rejects(custom({ labels: ["code"] }, { latency: { histogram: "d" } }), "monitoring.custom.latency.buckets", /required: .*latency threshold must be one of them/);
    });

    it("takes finite, positive, ascending boundaries", () => {
      rejects(custom({ labels: ["code"] }, { latency: { histogram: "d", buckets: [0.5, 0.25] } }), "monitoring.custom.latency.buckets", /ascending/);
      rejects(custom({ labels: ["code"] }, { latency: { histogram: "d", buckets: [] } }), "monitoring.custom.latency.buckets", /at least one/);
      rejects(custom({ labels: ["code"] }, { latency: { histogram: "d", buckets: [0, 0.5] } }), "monitoring.custom.latency.buckets[0]", /above 0/);
    });
  });

  describe("alerts.stalenessHours needs a last-load time", () => {
    it("rejects it with a preset whose server exposes none", () => {
      rejects({ preset: "vllm", slo: { latency: { thresholdMs: 30000 } }, alerts: { stalenessHours: 24 } }, "monitoring.alerts.stalenessHours", /the server exposes no last-load time \(preset vllm has no lastLoad\)/);
      rejects({ ...custom({ labels: ["code"] }), alerts: { stalenessHours: 24 } }, "monitoring.alerts.stalenessHours", /set monitoring\.custom\.lastLoad/);
    });

    it("accepts it where the server has one", () => {
      accepts({ alerts: { stalenessHours: 24 } });
      accepts({ ...custom({ labels: ["code"] }, { lastLoad: { metric: "loaded_at_seconds" } }), alerts: { stalenessHours: 24 } });
    });
  });
});
