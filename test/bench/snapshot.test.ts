// The previous snapshot judge, now only a benchmark peer (test/bench/peers/snapshot.ts): these
// assertions pin the behaviour the "Release gate: simulated rollouts" benchmark compares against.
import { strict as assert } from "assert";
import { judge, type GateThresholds } from "./peers/snapshot";

const T: GateThresholds = { errorFactor: 1.5, errorMargin: 0.005, latencyFactor: 1.2, latencyMargin: 0.02, minRequests: 150 };
const both = { errors: true, latency: true };
const healthy = { requests: 3000, errorRatio: 0.002, p99: 0.1 };

describe("snapshot judge (benchmark peer)", () => {
  it("passes a candidate within the limits", () => {
    assert.equal(judge({ requests: 400, errorRatio: 0.004, p99: 0.11 }, healthy, T, both).verdict, "pass");
  });

  it("fails on errors above max(1.5 x stable, stable + 0.5 pp)", () => {
    const a = judge({ requests: 400, errorRatio: 0.008, p99: 0.1 }, healthy, T, both);
    assert.equal(a.verdict, "fail");
    assert.equal(a.checks.find((c) => c.signal === "error ratio")!.limit, 0.007);
    assert.equal(judge({ requests: 400, errorRatio: 0.006, p99: 0.1 }, healthy, T, both).verdict, "pass");
  });

  it("fails on p99 above max(1.2 x stable, stable + margin)", () => {
    assert.equal(judge({ requests: 400, errorRatio: 0, p99: 0.13 }, healthy, T, both).verdict, "fail");
    assert.equal(judge({ requests: 400, errorRatio: 0, p99: 0.119 }, healthy, T, both).verdict, "pass");
    // A bucket step on fast models is not a regression.
    assert.equal(judge({ requests: 400, errorRatio: 0, p99: 0.033 }, { ...healthy, p99: 0.025 }, T, both).verdict, "pass");
  });

  it("is inconclusive, never failing, without enough traffic or series", () => {
    const few = judge({ requests: 20, errorRatio: 1, p99: 9 }, healthy, T, both);
    assert.equal(few.verdict, "inconclusive");
    assert.match(few.reasons[0], /too little traffic on the candidate track: 20 requests, needs 150/);
    const none = judge({}, healthy, T, both);
    assert.equal(none.verdict, "inconclusive");
    assert.match(none.reasons[0], /no request series for the candidate track/);
    assert.equal(judge(healthy, { requests: 10 }, T, both).verdict, "inconclusive");
    assert.equal(judge({ requests: 400, p99: 0.1 }, healthy, T, both).verdict, "inconclusive");
  });

  it("judges only what the preset offers", () => {
    assert.equal(judge({ requests: 400, errorRatio: 0.5, p99: 0.1 }, healthy, T, { errors: false, latency: true }).verdict, "pass");
    const nothing = judge({ requests: 400 }, { requests: 400 }, T, { errors: false, latency: false });
    assert.equal(nothing.verdict, "inconclusive");
    assert.match(nothing.reasons[0], /no signal to compare/);
  });
});
