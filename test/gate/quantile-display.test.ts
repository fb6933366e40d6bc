// A latency quantile at the histogram's top finite bucket is histogram_quantile's cap, not a
// measurement: the gate reports it as "at least", and `modelship analyze` prints "≥ 5s".
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { atTopBucket, formatDuration, formatQuantile } from "../../components/monitoring/quantile";
import { assessStep, type EvidenceSource } from "../../stacks/gate/assess";
import { printAssessment } from "../../stacks/commands/analyze";
import { canaryModel } from "../fixtures/canary";
import { promtool } from "../monitoring/promtool";

const BOUNDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const NOW = 10_000_000;

/** Both tracks steady since an hour ago, 10% to the candidate, no errors; the stable p99 as given. */
function source(stableP99: number | undefined): EvidenceSource {
  const rate: Record<string, number> = { green: 2, blue: 18 };
  const since = NOW - 3600;
  return {
    async requestSeries(t, start, end, step, window) {
      const out = [];
      // The stable track always served; the candidate since the step took effect.
      const from = (time: number) => (t.track === "green" ? Math.max(time - window, since) : time - window);
      for (let time = start; time <= end; time += step) out.push({ time, value: Math.max(0, time - from(time)) * rate[t.track] });
      return out;
    },
    async counts(t, window) {
      const requests = Math.min(window, 3600) * rate[t.track];
      return { requests, errors: 0, observed: requests, fast: requests, withinSlo: requests };
    },
    async latencyBounds() {
      return [...BOUNDS];
    },
    async latencyQuantile(t) {
      return t.track === "blue" ? stableP99 : 0.1;
    },
    async ready() {
      return true;
    },
  };
}

async function printed(stableP99: number | undefined): Promise<string[]> {
  const a = await assessStep(source(stableP99), canaryModel({ weight: 10 }), NOW);
  const lines: string[] = [];
  printAssessment((l) => lines.push(l), "fraud", a);
  return lines;
}

describe("latency quantiles at the top bucket read as a lower bound", () => {
  it("formats durations as Prometheus' humanizeDuration does, and a capped quantile as ≥ the top bucket", () => {
    assert.deepEqual([0.0001, 0.025, 0.25, 1, 1.5, 5, 59.99, 60, 90, 3661].map(formatDuration), ["100us", "25ms", "250ms", "1s", "1.5s", "5s", "59.99s", "1m 0s", "1m 30s", "1h 1m 1s"]);
    assert.equal(formatQuantile(5, 5), "≥ 5s");
    // The top boundary after a unit conversion (5000 ms x 0.001) is still the top.
    assert.equal(formatQuantile(5000 * 0.001, +(5000 * 0.001).toPrecision(12)), "≥ 5s");
    assert.equal(formatQuantile(0.5, 0.5), "≥ 500ms");
    assert.equal(formatQuantile(4.99, 5), "4.99s");
    assert.equal(formatQuantile(0.3, undefined), "300ms", "no known top: the value as it is");
    assert.equal(formatQuantile(undefined, 5), "n/a");
    assert.equal(atTopBucket(5, 5), true);
    assert.equal(atTopBucket(2.5, 5), false);
  });

  it("writes a duration exactly as the real Prometheus template function humanizeDuration does (promtool)", () => {
    // One alert per value, its annotation rendered by Prometheus; promtool compares it with ours.
    const values = [0.0001, 0.0123, 0.025, 0.25, 0.5, 0.999, 1, 1.5, 2.5, 5, 10, 59.99, 60, 90, 3661];
    const rules = values.map((v, i) => ({ alert: `D${i}`, expr: `vector(${v})`, annotations: { d: "{{ $value | humanizeDuration }}" } }));
    const tests = values.map((v, i) => ({ eval_time: "1m", alertname: `D${i}`, exp_alerts: [{ exp_labels: {}, exp_annotations: { d: formatDuration(v) } }] }));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "modelship-humanize-"));
    try {
      fs.writeFileSync(path.join(dir, "rules.yaml"), YAML.stringify({ groups: [{ name: "durations", rules }] }));
      fs.writeFileSync(path.join(dir, "test.yaml"), YAML.stringify({ rule_files: ["rules.yaml"], evaluation_interval: "1m", tests: [{ interval: "1m", input_series: [], alert_rule_test: tests }] }));
      const r = spawnSync(promtool(), ["test", "rules", "test.yaml"], { cwd: dir, encoding: "utf8", timeout: 120_000 });
      assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the gate reports stable's p99 at the top bucket as atLeast, and analyze prints ≥, never the cap as a value", async () => {
    const a = await assessStep(source(5), canaryModel({ weight: 10 }), NOW);
    assert.deepEqual(a.stableP99, { seconds: 5, atLeast: true, topSeconds: 5 });
    const lines = await printed(5);
    const p99 = lines.filter((l) => /stable p99/.test(l));
    assert.deepEqual(p99, ["  stable p99 over the step: ≥ 5s"], lines.join("\n"));
  });

  it("prints a p99 below the top bucket as its value, and nothing without one", async () => {
    assert.deepEqual((await printed(0.25)).filter((l) => /stable p99/.test(l)), ["  stable p99 over the step: 250ms"]);
    const a = await assessStep(source(0.25), canaryModel({ weight: 10 }), NOW);
    assert.equal(a.stableP99?.atLeast, false);
    assert.deepEqual((await printed(undefined)).filter((l) => /stable p99/.test(l)), []);
  });
});
