// Issue 14, "proof": every config the schema accepts renders objects the upstream schemas and
// the API server's own rules accept; every config it rejects is reported by stack file and
// `modelship:` key path. Generated configs (test/config/generate.ts) sit at the schema's edges.
import { strict as assert } from "assert";
import fc from "fast-check";
import { ConfigError, parseFleetConfig } from "../../components/config";
import { FLEETS } from "../fixtures/fleets";
import { fleetArb } from "./generate";
import { renderAndCheck, rejectionProblems, STACK_FILE } from "./fuzz";

describe("config property: accepted means renderable (issue 14)", function () {
  this.timeout(300_000);

  for (const [name, make] of Object.entries(FLEETS)) {
    it(`the ${name} fixture fleet is accepted and renders valid objects`, async () => {
      parseFleetConfig(make(), STACK_FILE);
      const check = await renderAndCheck(make());
      assert.equal(check.stackFileLimit, undefined);
      assert.ok(check.objects > 0);
      assert.deepEqual(check.problems, []);
    });
  }

  it("generated fleets: accepted ones render valid objects, rejected ones name the file and key paths", async () => {
    let accepted = 0;
    let rejected = 0;
    await fc.assert(
      fc.asyncProperty(fleetArb, async (cfg) => {
        let ok = false;
        try {
          parseFleetConfig(structuredClone(cfg), STACK_FILE);
          ok = true;
        } catch (e) {
          rejected++;
          assert.ok(e instanceof ConfigError, `not a ConfigError: ${e}`);
          assert.deepEqual(rejectionProblems(e), []);
        }
        if (!ok) return;
        accepted++;
        const check = await renderAndCheck(cfg);
        assert.deepEqual(check.problems, [], "the schema accepted this config, but its render is not valid");
        assert.equal(check.stackFileLimit, undefined);
      }),
      // Shrinking re-renders: bounded, so a failure still reports (its best counterexample) in time.
      { seed: 14, numRuns: 80, interruptAfterTimeLimit: 40_000, markInterruptAsFailure: false },
    );
    // Not vacuous: the generator hits both sides of the schema.
    assert.ok(accepted >= 10, `only ${accepted} generated configs were accepted`);
    assert.ok(rejected >= 5, `only ${rejected} generated configs were rejected`);
  });
});
