import { strict as assert } from "assert";
import fc from "fast-check";
import * as YAML from "yaml";
import { ConfigError } from "../../components/config";
import { ROUTERS } from "../../components/routing/capabilities";
import { nextStep, planCapacity, share } from "../../components/serving/capacity";
import { applyCommand, candidateColour, edits, RolloutRefusal, type ModelState, type RolloutCommand } from "../../stacks/rollout";
import { applyEdits, fleetOfText, modelState, type StackDocument } from "../../stacks/stackedit";
import { YAML_FORMAT, readProject } from "../../stacks/stackfile";
import { diffLines } from "../../stacks/textdiff";
import { clone, ROOT, shippedConfig } from "../helpers";

const project = readProject(ROOT);
const FC = { numRuns: 150, seed: 5 };

const base = (overrides: Partial<ModelState> = {}): ModelState => ({
  name: "fraud",
  stable: "blue",
  steps: [10, 25, 50, 100],
  tracks: {
    blue: { version: "1.0.0", image: "r/fraud:1.0.0", modelUri: "s3://m/fraud/1.0.0", weight: 100 },
    green: { version: "0.9.0", image: "r/fraud:0.9.0", modelUri: "s3://m/fraud/0.9.0", weight: 0, retired: true },
  },
  ...overrides,
});

const refused = (m: ModelState, cmd: RolloutCommand, pattern: RegExp) =>
  assert.throws(() => applyCommand(m, cmd), (e: Error) => e instanceof RolloutRefusal && pattern.test(e.message));

describe("rollout state machine", () => {
  it("walks a release through every step to stable, keeps the old stable full until retired", () => {
    let m = applyCommand(base(), { kind: "release", version: "1.1.0", image: "r/fraud:1.1.0" });
    assert.deepEqual(m.tracks.green, { version: "1.1.0", image: "r/fraud:1.1.0", modelUri: "s3://m/fraud/1.1.0", weight: 0 });
    for (const w of [10, 25, 50]) {
      m = applyCommand(m, { kind: "promote" });
      assert.deepEqual([m.tracks.blue.weight, m.tracks.green.weight], [100 - w, w]);
    }
    m = applyCommand(m, { kind: "promote" });
    assert.equal(m.stable, "green");
    assert.deepEqual(m.tracks.blue, { version: "1.0.0", image: "r/fraud:1.0.0", modelUri: "s3://m/fraud/1.0.0", weight: 0, peakWeight: 100 });
    const sized = { ...m, tracks: { blue: { ...m.tracks.blue, retired: false }, green: { ...m.tracks.green, retired: false } }, previewReplicas: 1, idle: "warm" as const, autoscaling: { minReplicas: 4, maxReplicas: 12 } };
    assert.equal(planCapacity(sized, "traffic").blue.minReplicas, 4);
    m = applyCommand(m, { kind: "retire" });
    assert.deepEqual(m.tracks.blue.retired, true);
    assert.equal(m.tracks.blue.peakWeight, undefined);
  });

  it("rolls back to stable in one step and keeps the candidate's size", () => {
    let m = applyCommand(base(), { kind: "release", version: "1.1.0", image: "r/fraud:1.1.0" });
    m = applyCommand(applyCommand(m, { kind: "promote" }), { kind: "promote" });
    const back = applyCommand(m, { kind: "rollback" });
    assert.deepEqual([back.tracks.blue.weight, back.tracks.green.weight, back.tracks.green.peakWeight], [100, 0, 25]);
    assert.deepEqual(edits(m, back).map((e) => e.path.join(".")), ["tracks.blue.weight", "tracks.green.weight", "tracks.green.peakWeight"]);
    // The retry walks the steps again on capacity that is already there.
    assert.equal(applyCommand(back, { kind: "promote" }).tracks.green.weight, 10);
  });

  it("rolls a completed promotion back to the previous stable", () => {
    let m = applyCommand(base(), { kind: "release", version: "1.1.0", image: "r/fraud:1.1.0" });
    m = applyCommand(m, { kind: "promote", to: 100, force: true });
    assert.equal(m.stable, "green");
    const back = applyCommand(m, { kind: "rollback" });
    assert.equal(back.stable, "blue");
    assert.deepEqual([back.tracks.blue.weight, back.tracks.green.weight, back.tracks.green.peakWeight], [100, 0, 100]);
  });

  it("refuses what does not apply, saying why", () => {
    const mid = applyCommand(applyCommand(base(), { kind: "release", version: "1.1.0", image: "r/fraud:1.1.0" }), { kind: "promote" });
    refused(mid, { kind: "release", version: "1.2.0", image: "r/fraud:1.2.0" }, /idle track \(green\) still takes 10%/);
    refused(mid, { kind: "retire" }, /still takes 10%/);
    refused(base(), { kind: "promote" }, /retired; release a version onto it first/);
    refused(base(), { kind: "rollback" }, /already on the stable track/);
    refused(base(), { kind: "retire" }, /already retired/);
    refused(mid, { kind: "promote", to: 75 }, /provisioned for 25%/);
    refused(mid, { kind: "promote", to: 5 }, /above the current 10%/);
    refused(base({ tracks: { ...base().tracks, green: { ...base().tracks.green, modelUri: "s3://m/latest" } } }), { kind: "release", version: "2.0.0", image: "r/f:2" }, /--model-uri/);
  });

  it("holds back a version below the model's quality thresholds unless forced", () => {
    const released = applyCommand(base({ thresholds: { auc: 0.9 } }), { kind: "release", version: "1.1.0", image: "r/fraud:1.1.0", metrics: { auc: 0.85 } });
    refused(released, { kind: "promote" }, /auc: 0.85 < 0.9.*--force/);
    assert.equal(applyCommand(released, { kind: "promote", force: true }).tracks.green.weight, 10);
    const unmeasured = applyCommand(base({ thresholds: { auc: 0.9 } }), { kind: "release", version: "1.1.0", image: "r/fraud:1.1.0" });
    refused(unmeasured, { kind: "promote" }, /auc: no recorded value/);
  });
});

// ---- property tests over random command sequences, through the real stack file --------------

const command: fc.Arbitrary<RolloutCommand> = fc.oneof(
  fc.integer({ min: 1, max: 99 }).map((n): RolloutCommand => ({ kind: "release", version: `2.${n}.0`, image: `registry.example.com/fraud@sha256:${n.toString(16).padStart(64, "0")}`, modelUri: `s3://acme-ml-models/fraud/2.${n}.0` })),
  fc.constant<RolloutCommand>({ kind: "promote" }),
  fc.constant<RolloutCommand>({ kind: "promote" }),
  fc.integer({ min: 1, max: 100 }).map((to): RolloutCommand => ({ kind: "promote", to })),
  fc.constant<RolloutCommand>({ kind: "rollback" }),
  fc.constant<RolloutCommand>({ kind: "retire" }),
);

const setup = fc.record({
  router: fc.constantFrom("gateway-api", "istio", "nginx", "service"),
  min: fc.integer({ min: 1, max: 12 }),
  extra: fc.integer({ min: 0, max: 20 }),
  steps: fc.uniqueArray(fc.integer({ min: 1, max: 99 }), { minLength: 1, maxLength: 4 }).map((s) => [...s.sort((a, b) => a - b), 100]),
  idle: fc.constantFrom("warm", "cold"),
});

/** A production stack file with the fraud-detector model set up as generated. */
function stackText(s: { router: string; min: number; extra: number; steps: number[]; idle: string }): string {
  const c = clone(shippedConfig("production"));
  c.router = s.router;
  c.routers = { ...c.routers, istio: { gateways: ["istio-ingress/ml-gateway"] } };
  const m = c.models[0];
  m.autoscaling = { minReplicas: s.min, maxReplicas: s.min + s.extra };
  m.idle = s.idle;
  m.tracks.green.weight = 0;
  m.tracks.blue.weight = 100;
  delete m.thresholds;
  delete m.tracks.green.metrics;
  if (s.router === "service") {
    delete m.steps;
    for (const x of c.models) delete x.route;
  } else m.steps = s.steps;
  return YAML.stringify({ config: Object.fromEntries(Object.entries(c).map(([k, v]) => [`modelship:${k}`, v])) }, YAML_FORMAT);
}

const asDocument = (text: string): StackDocument => ({ project, stack: "production", file: "", name: "Pulumi.production.yaml", text, doc: YAML.parseDocument(text) });

describe("rollout invariants (property tests through the stack file)", function () {
  this.timeout(300_000);

  it("after every release, promote, rollback and retire the file validates and capacity leads weight", () => {
    fc.assert(
      fc.property(setup, fc.array(command, { minLength: 1, maxLength: 12 }), (s, commands) => {
        let text = stackText(s);
        for (const cmd of commands) {
          const before = fleetOfText(project, "Pulumi.production.yaml", text).fleet.models[0];
          let next: ModelState;
          try {
            next = applyCommand(modelState(before), cmd);
          } catch (e) {
            if (e instanceof RolloutRefusal) continue;
            throw e;
          }
          const newText = applyEdits(asDocument(text), 0, edits(modelState(before), next));
          // Only lines of this model change; the rest of the file is byte for byte the same.
          const changed = diffLines(text, newText).filter((l) => l.op !== " ").map((l) => l.text.trim());
          for (const line of changed) assert.match(line, /^(stable|version|image|modelUri|weight|retired|peakWeight|metrics):/, `unexpected edit: ${line}`);

          // The file parses and validates with the same schema pulumi up applies. Only an
          // explicit --to may ask for a weight the router cannot carry; the CLI then writes nothing.
          let m;
          try {
            m = fleetOfText(project, "Pulumi.production.yaml", newText).fleet.models[0];
          } catch (e) {
            if (e instanceof ConfigError && cmd.kind === "promote" && cmd.to !== undefined) continue;
            throw e;
          }
          assert.equal(m.tracks.blue.weight + m.tracks.green.weight, 100);
          const mode = ROUTERS[m.router].capacity;
          const plan = planCapacity(m, mode);
          for (const c of ["blue", "green"] as const) if (m.tracks[c].weight > 0) assert.ok(plan[c].minReplicas > 0, "weight on a track without pods");
          assert.equal(plan[m.stable].minReplicas, m.autoscaling.minReplicas, "stable below full capacity");
          const cand = m.tracks[candidateColour(m)];
          const peak = Math.max(cand.weight, cand.peakWeight ?? 0);
          if (peak >= 100 && !cand.retired) assert.equal(plan[candidateColour(m)].minReplicas, m.autoscaling.minReplicas, "previous stable shrank before retirement");
          if (!cand.retired && cand.weight < 100) {
            assert.ok(plan[candidateColour(m)].minReplicas >= share(nextStep(m.steps, cand.weight), m.autoscaling.minReplicas), "candidate not sized for its next step");
          }
          // A rollback is always one update away, and it moves no capacity.
          if (cand.weight > 0) {
            const back = applyCommand(modelState(m), { kind: "rollback" });
            assert.equal(back.tracks[back.stable].weight, 100);
            const backTracks = { blue: { ...back.tracks.blue, retired: !!back.tracks.blue.retired }, green: { ...back.tracks.green, retired: !!back.tracks.green.retired } };
            const backPlan = planCapacity({ ...m, stable: back.stable, tracks: backTracks }, mode);
            assert.deepEqual(
              (["blue", "green"] as const).map((c) => [backPlan[c].minReplicas, backPlan[c].maxReplicas]),
              (["blue", "green"] as const).map((c) => [plan[c].minReplicas, plan[c].maxReplicas]),
            );
          }
          text = newText;
        }
      }),
      FC,
    );
  });
});
