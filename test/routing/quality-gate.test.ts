// The candidate's quality gate on the routing object that carries the weights, for every router:
// what the policy pack reads (candidate-quality-gate). It rides on the weight changes, so a release
// touches no routing object and a rollback stays one object.
import { strict as assert } from "assert";
import { ROUTER_DEFINITIONS, ROUTER_NAMES, routeObjectsOf, type RouterName } from "../../components/routing";
import type { KubeObject } from "../../stacks/render/synth";
import type { RolloutCommand } from "../../stacks/rollout/state";
import { walk } from "../stacks/blast";

const GATE = "modelship.io/quality-gate";
const IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/modelship/fraud-detector@sha256:" + "cd".repeat(32);

/** The object whose weights a router's observedWeights reads (the replicas router: its one Service). */
const CARRIER: Record<RouterName, [string, string]> = {
  service: ["Service", "fraud-detector"],
  replicas: ["Service", "fraud-detector"],
  "gateway-api": ["HTTPRoute", "fraud-detector"],
  istio: ["VirtualService", "fraud-detector"],
  nginx: ["Ingress", "fraud-detector-canary"],
  alb: ["Ingress", "fraud-detector"],
};

const gates = (objects: readonly KubeObject[]) =>
  routeObjectsOf("fraud-detector", objects)
    .filter((o) => o.metadata.annotations?.[GATE] !== undefined)
    .map((o) => [o.kind, o.metadata.name, JSON.parse(o.metadata.annotations![GATE])]);

describe("quality gate annotation on the routing object that carries the weights", function () {
  this.timeout(600_000);
  const thresholds = (c: Record<string, any>) => void (c.models[0].thresholds = { auc: 0.9 });
  const release = (auc: number): RolloutCommand => ({ kind: "release", version: "1.6.0", image: IMAGE, metrics: { auc } });
  const override = { reason: "AUC dip is label noise", by: "alice@example.com" };

  for (const router of ROUTER_NAMES) {
    const switches = ROUTER_DEFINITIONS[router].capabilities.weights === "switch";
    it(`${router}: absent at 0%, on ${CARRIER[router].join(" ")} while the candidate takes traffic; a release touches no route, a rollback no extra object`, async () => {
      // A weak version, forced past the gate with a reason; then rolled back (or undone).
      const steps = await walk(router, [release(0.85), { kind: "promote", force: true, override }, { kind: switches ? "undo" : "rollback" }], thresholds);
      const [released, promoted, back] = steps;
      assert.deepEqual(gates(released.after.objects), [], "a released candidate at 0% takes no traffic: no gate on the route");
      assert.ok(!released.touched.some((k) => routeObjectsOf("fraud-detector", released.after.objects).some((o) => k === `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)), `release touched ${released.touched}`);
      if (switches) {
        // The switch completes the promotion: the candidate became stable, so no candidate takes traffic.
        assert.deepEqual(gates(promoted.after.objects), []);
      } else {
        assert.deepEqual(gates(promoted.after.objects), [
          [...CARRIER[router], { track: "green", version: "1.6.0", state: "override", shortfalls: ["auc: 0.85 < 0.9"], override }],
        ]);
        // The gate appears and goes with the weights, on the object they change anyway.
        assert.ok(promoted.touched.includes(`${CARRIER[router][0]} ml-production/${CARRIER[router][1]}`), `promote touched ${promoted.touched}`);
      }
      assert.deepEqual(gates(back.after.objects), []);
      // The carrier, and the route's weight record (monitoring.recordWeights, on by default): nothing else.
      if (!switches && router !== "replicas") assert.deepEqual(back.touched.filter((k) => k !== "PrometheusRule ml-production/fraud-detector-route-weights"), [`${CARRIER[router][0]} ml-production/${CARRIER[router][1]}`]);
    });
  }

  it("gateway-api: a passing candidate's gate says pass, and a model without thresholds says none", async () => {
    const [, passing] = await walk("gateway-api", [release(0.95), { kind: "promote" }], thresholds);
    assert.deepEqual(gates(passing.after.objects), [["HTTPRoute", "fraud-detector", { track: "green", version: "1.6.0", state: "pass" }]]);
    const [, none] = await walk("gateway-api", [release(0.5), { kind: "promote" }]);
    assert.deepEqual(gates(none.after.objects), [["HTTPRoute", "fraud-detector", { track: "green", version: "1.6.0", state: "none" }]]);
  });
});
