// The production-weight-on-step rule and its enforcement, shared by the policy pack and the CLI.
import { strict as assert } from "assert";
import fc from "fast-check";
import * as fs from "fs";
import * as path from "path";
import { enforcementLevel } from "../../policies/enforcement";
import { POLICIES } from "../../policies/policies";
import { offStepWeights } from "../../policies/route-weights";
import { ROOT } from "../helpers";
import { parsePolicyPackConfig, reconcilePolicyPackConfig, type EnforcementLevel } from "./analyzer";

describe("production-weight-on-step, the shared rule", () => {
  it("accepts 0, 100 and the steps on either track, and names the weights otherwise", () => {
    const steps = [10, 25, 50, 100];
    for (const w of [0, 10, 25, 50, 100]) assert.equal(offStepWeights({ blue: 100 - w, green: w }, steps), undefined, `${w}`);
    assert.equal(offStepWeights({ blue: 95, green: 5 }, steps), "weights blue 95 / green 5 are not on the model's steps (10, 25, 50, 100)");
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.uniqueArray(fc.integer({ min: 1, max: 99 }), { maxLength: 5 }), (w, s) => {
        const steps = [...s.sort((a, b) => a - b), 100];
        const onStep = [0, 100, ...steps].includes(w) || [0, 100, ...steps].includes(100 - w);
        assert.equal(offStepWeights({ blue: 100 - w, green: w }, steps) === undefined, onStep);
      }),
      { numRuns: 300, seed: 3 },
    );
  });

  it("reads a policy's level from a --policy-pack-config file as the Pulumi CLI does", () => {
    // The analyzer harness models the CLI's ReconcilePolicyPackConfig; both shipped files, every policy.
    const info = {
      name: "modelship-serving",
      version: "0",
      supportsConfig: true,
      initialConfig: {},
      policies: POLICIES.map((p) => ({ name: p.name, kind: "unknown" as const, enforcementLevel: (p.enforcementLevel ?? "advisory") as EnforcementLevel })),
    };
    for (const file of ["staging.json", "production.json"]) {
      const text = fs.readFileSync(path.join(ROOT, "policies", file), "utf8");
      const cli = reconcilePolicyPackConfig(info, parsePolicyPackConfig(text, file));
      for (const p of POLICIES) assert.equal(enforcementLevel(JSON.parse(text), p), cli[p.name].enforcementLevel, `${file}: ${p.name}`);
    }
    const rule = POLICIES.find((p) => p.name === "production-weight-on-step")!;
    assert.equal(enforcementLevel(JSON.parse(fs.readFileSync(path.join(ROOT, "policies", "production.json"), "utf8")), rule), "mandatory");
    assert.equal(enforcementLevel({}, rule), "advisory");
    assert.equal(enforcementLevel({ all: "mandatory", "production-weight-on-step": { enforcementLevel: "disabled" } }, rule), "disabled");
    assert.equal(enforcementLevel({ "production-weight-on-step": { minReplicas: 2 }, all: "mandatory" }, rule), "mandatory");
  });
});
