import { strict as assert } from "assert";
import fc from "fast-check";
import * as YAML from "yaml";
import { ConfigError } from "../../components/config";
import { ROUTERS } from "../../components/routing/capabilities";
import { nextStep, planCapacity, share } from "../../components/serving/capacity";
import { applyCommand, candidateColour, describeNextPromotion, edits, nextPromotion, RolloutRefusal, rolloutPhase, stepOf, type ModelState, type RolloutCommand } from "../../stacks/rollout/state";
import { applyEdits, fleetOfText, modelState, type StackDocument } from "../../stacks/stackfile/edit";
import { YAML_FORMAT, readProject } from "../../stacks/stackfile/file";
import { diffLines } from "../../stacks/stackfile/textdiff";
import { clone, FIXTURE, fixtureConfig } from "../helpers";

const project = readProject(FIXTURE);
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

  it("rolls back to stable in one step, keeps the candidate's size and marks it rolled back", () => {
    let m = applyCommand(base(), { kind: "release", version: "1.1.0", image: "r/fraud:1.1.0" });
    m = applyCommand(applyCommand(m, { kind: "promote" }), { kind: "promote" });
    const back = applyCommand(m, { kind: "rollback" });
    assert.deepEqual([back.tracks.blue.weight, back.tracks.green.weight, back.tracks.green.peakWeight, back.tracks.green.rolledBack], [100, 0, 25, true]);
    assert.deepEqual(edits(m, back).map((e) => e.path.join(".")), ["tracks.blue.weight", "tracks.green.weight", "tracks.green.rolledBack", "tracks.green.peakWeight"]);
    // A rolled-back version takes no weight again, not even forced; a new release is the retry.
    refused(back, { kind: "promote" }, /fraud 1\.1\.0 on green was rolled back; release it again to retry/);
    refused(back, { kind: "promote", to: 100, force: true }, /was rolled back; release it again/);
    assert.deepEqual(nextPromotion(back), { action: "none", track: "green", version: "1.1.0", from: 0, to: null, refusal: "fraud 1.1.0 on green was rolled back; release it again to retry" });
    const again = applyCommand(back, { kind: "release", version: "1.1.0", image: "r/fraud:1.1.0" });
    assert.deepEqual(again.tracks.green, { version: "1.1.0", image: "r/fraud:1.1.0", modelUri: "s3://m/fraud/1.1.0", weight: 0 });
    assert.equal(applyCommand(again, { kind: "promote" }).tracks.green.weight, 10);
  });

  it("is safe to repeat: a second rollback moves nothing and succeeds", () => {
    const mid = applyCommand(applyCommand(base(), { kind: "release", version: "1.1.0", image: "r/fraud:1.1.0" }), { kind: "promote" });
    const back = applyCommand(mid, { kind: "rollback" });
    assert.deepEqual(applyCommand(back, { kind: "rollback" }), back);
    // So is a rollback with nothing to roll back: a fresh release, a retired track.
    const fresh = applyCommand(base(), { kind: "release", version: "1.1.0", image: "r/fraud:1.1.0" });
    assert.deepEqual(applyCommand(fresh, { kind: "rollback" }), fresh);
    assert.deepEqual(applyCommand(base(), { kind: "rollback" }), base());
  });

  it("after a completed promotion, rollback refuses and undo restores the previous stable, once", () => {
    let m = applyCommand(base(), { kind: "release", version: "1.1.0", image: "r/fraud:1.1.0" });
    m = applyCommand(m, { kind: "promote", to: 100, force: true });
    assert.equal(m.stable, "green");
    refused(m, { kind: "rollback" }, /promotion of fraud 1\.1\.0 on green completed.*`modelship undo` restores the previous stable \(1\.0\.0 on blue\)/);
    const undone = applyCommand(m, { kind: "undo" });
    assert.equal(undone.stable, "blue");
    assert.deepEqual(undone.tracks.blue, { version: "1.0.0", image: "r/fraud:1.0.0", modelUri: "s3://m/fraud/1.0.0", weight: 100 });
    // The version undone keeps full capacity, so the undo is a routing change only.
    assert.deepEqual(undone.tracks.green, { version: "1.1.0", image: "r/fraud:1.1.0", modelUri: "s3://m/fraud/1.1.0", weight: 0, peakWeight: 100, rolledBack: true });
    refused(undone, { kind: "undo" }, /nothing to undo: the idle track \(green\) holds 1\.1\.0, which was already rolled back/);
    assert.deepEqual(applyCommand(undone, { kind: "rollback" }), undone);
    refused(undone, { kind: "promote", force: true }, /was rolled back; release it again/);
    // Retiring it keeps the mark; a release replaces the track, mark and all.
    const retired = applyCommand(undone, { kind: "retire" });
    assert.deepEqual([retired.tracks.green.retired, retired.tracks.green.rolledBack, retired.tracks.green.peakWeight], [true, true, undefined]);
    assert.equal(applyCommand(undone, { kind: "release", version: "1.2.0", image: "r/fraud:1.2.0" }).tracks.green.rolledBack, undefined);
  });

  it("undo refuses mid-canary (pointing to rollback) and with no completed promotion", () => {
    const released = applyCommand(base(), { kind: "release", version: "1.1.0", image: "r/fraud:1.1.0" });
    refused(applyCommand(released, { kind: "promote" }), { kind: "undo" }, /mid-canary \(green 1\.1\.0 takes 10%\).*`modelship rollback` moves all traffic back to blue/);
    refused(released, { kind: "undo" }, /nothing to undo: green 1\.1\.0 was released but never promoted/);
    refused(base(), { kind: "undo" }, /nothing to undo: the idle track \(green\) is retired/);
  });

  it("names each phase of a rollout", () => {
    const released = applyCommand(base(), { kind: "release", version: "1.1.0", image: "r/fraud:1.1.0" });
    const canary = applyCommand(released, { kind: "promote" });
    const done = applyCommand(canary, { kind: "promote", to: 100, force: true });
    assert.deepEqual(
      [base(), released, canary, applyCommand(canary, { kind: "rollback" }), done, applyCommand(done, { kind: "undo" }), applyCommand(done, { kind: "retire" })].map(rolloutPhase),
      ["idle", "released", "canary", "rolled-back", "previous-stable", "rolled-back", "idle"],
    );
  });

  it("refuses what does not apply, saying why", () => {
    const mid = applyCommand(applyCommand(base(), { kind: "release", version: "1.1.0", image: "r/fraud:1.1.0" }), { kind: "promote" });
    refused(mid, { kind: "release", version: "1.2.0", image: "r/fraud:1.2.0" }, /idle track \(green\) still takes 10%/);
    refused(mid, { kind: "retire" }, /still takes 10%/);
    refused(base(), { kind: "promote" }, /retired; release a version onto it first/);
    refused(base(), { kind: "retire" }, /already retired/);
    refused(mid, { kind: "promote", to: 75 }, /provisioned for 25%/);
    refused(mid, { kind: "promote", to: 5 }, /above the current 10%/);
    refused(base({ tracks: { ...base().tracks, green: { ...base().tracks.green, modelUri: "s3://m/latest" } } }), { kind: "release", version: "2.0.0", image: "r/f:2" }, /--model-uri/);
  });

  it("derives the new model URI by replacing the one path segment that is the old version, or refuses", () => {
    const at = (version: string, modelUri: string) => base({ tracks: { ...base().tracks, green: { ...base().tracks.green, version, modelUri } } });
    const uriOf = (m: ModelState, version: string) => applyCommand(m, { kind: "release", version, image: "r/f:4" }).tracks.green.modelUri;
    // The scheme and the bucket are not path segments: "s3" and "3" in them stay as they are.
    assert.equal(uriOf(at("3", "s3://models/ranker/3"), "4"), "s3://models/ranker/4");
    assert.equal(uriOf(at("3", "s3://3/ranker/3"), "4"), "s3://3/ranker/4");
    assert.equal(uriOf(at("1.5.0", "s3://m/fraud/1.5.0/model.onnx"), "1.6.0"), "s3://m/fraud/1.6.0/model.onnx");
    assert.equal(uriOf(at("1.5.0", "gs://m/fraud/1.5.0?generation=7"), "1.6.0"), "gs://m/fraud/1.6.0?generation=7");
    // No whole segment, or more than one: the URI cannot be derived without guessing.
    refused(at("3", "s3://models/ranker-3/model.bin"), { kind: "release", version: "4", image: "r/f:4" }, /no path segment of s3:\/\/models\/ranker-3\/model\.bin is the version 3.*--model-uri/);
    refused(at("3", "s3://models/3/ranker/3"), { kind: "release", version: "4", image: "r/f:4" }, /2 path segments of s3:\/\/models\/3\/ranker\/3 are the version 3.*--model-uri/);
    // An explicit --model-uri is taken as given.
    assert.equal(applyCommand(at("3", "s3://models/3/ranker/3"), { kind: "release", version: "4", image: "r/f:4", modelUri: "s3://models/ranker/4" }).tracks.green.modelUri, "s3://models/ranker/4");
  });

  it("holds back a version below the model's quality thresholds unless forced", () => {
    const released = applyCommand(base({ thresholds: { auc: 0.9 } }), { kind: "release", version: "1.1.0", image: "r/fraud:1.1.0", metrics: { auc: 0.85 } });
    refused(released, { kind: "promote" }, /auc: 0.85 < 0.9.*--force --reason TEXT.*tracks\.green\.qualityOverride/);
    const unmeasured = applyCommand(base({ thresholds: { auc: 0.9 } }), { kind: "release", version: "1.1.0", image: "r/fraud:1.1.0" });
    refused(unmeasured, { kind: "promote" }, /auc: no recorded value/);
  });

  it("--force past the quality gate needs a reason, and records it on the track (the schema's override)", () => {
    const released = applyCommand(base({ thresholds: { auc: 0.9 } }), { kind: "release", version: "1.1.0", image: "r/fraud:1.1.0", metrics: { auc: 0.85 } });
    // --force alone used to promote silently: nothing in the file said the gate was overridden.
    refused(released, { kind: "promote", force: true }, /--force promotes it only with --reason TEXT, recorded with your name as tracks\.green\.qualityOverride/);
    const override = { reason: "AUC dip is label noise in the new eval set", by: "alice" };
    const forced = applyCommand(released, { kind: "promote", force: true, override });
    assert.deepEqual([forced.tracks.green.weight, forced.tracks.green.qualityOverride], [10, override]);
    assert.deepEqual(edits(released, forced).map((e) => e.path.join(".")), ["tracks.blue.weight", "tracks.green.weight", "tracks.green.qualityOverride"]);
    // Once on record, the override carries the version through its steps, and to stable.
    const next = applyCommand(forced, { kind: "promote" });
    assert.equal(next.tracks.green.weight, 25);
    const done = applyCommand(next, { kind: "promote", to: 100, force: true });
    assert.deepEqual([done.stable, done.tracks.green.qualityOverride], ["green", override]);
    // A version that meets its thresholds records nothing, forced or not.
    const good = applyCommand(base({ thresholds: { auc: 0.9 } }), { kind: "release", version: "1.2.0", image: "r/fraud:1.2.0", metrics: { auc: 0.95 } });
    assert.equal(applyCommand(good, { kind: "promote", to: 50, force: true, override }).tracks.green.qualityOverride, undefined);
    // A new release replaces the track, override and all.
    const back = applyCommand(forced, { kind: "rollback" });
    const again = applyCommand(back, { kind: "release", version: "1.1.1", image: "r/fraud:1.1.1", metrics: { auc: 0.85 } });
    assert.equal(again.tracks.green.qualityOverride, undefined);
    assert.ok(edits(back, again).some((e) => e.path.join(".") === "tracks.green.qualityOverride" && e.remove));
  });

  it("nextPromotion is what promote would do, refusal included; stepOf places the candidate on its steps", () => {
    const released = applyCommand(base({ thresholds: { auc: 0.9 } }), { kind: "release", version: "1.1.0", image: "r/fraud:1.1.0", metrics: { auc: 0.85 } });
    // The old status said "green 1.1.0 from 0% to 10%" here, though promote refuses.
    const next = nextPromotion(released);
    assert.equal(next.action, "none");
    assert.deepEqual([next.from, next.to], [0, 10]);
    assert.match(next.action === "none" ? next.refusal : "", /^fraud 1\.1\.0 is below the model's quality thresholds \(auc: 0\.85 < 0\.9\)/);
    assert.match(describeNextPromotion(next), /^promote would refuse: fraud 1\.1\.0 is below/);
    const ok = applyCommand(base(), { kind: "release", version: "1.1.0", image: "r/fraud:1.1.0" });
    assert.deepEqual(nextPromotion(ok), { action: "promote", track: "green", version: "1.1.0", from: 0, to: 10, completes: false });
    const promote = (m: ModelState) => applyCommand(m, { kind: "promote" });
    const at25 = promote(promote(ok));
    assert.equal(describeNextPromotion(nextPromotion(at25)), "green 1.1.0 from 25% to 50%");
    assert.deepEqual(nextPromotion(promote(at25)), { action: "promote", track: "green", version: "1.1.0", from: 50, to: 100, completes: true });
    assert.equal(describeNextPromotion(nextPromotion(promote(at25))), "green 1.1.0 to 100%: it becomes the stable track");
    assert.deepEqual(nextPromotion(base()), { action: "none", track: "green", version: "0.9.0", from: 0, to: null, refusal: "the green track is retired; release a version onto it first" });
    assert.deepEqual([stepOf(base()), stepOf(ok), stepOf(at25)], [null, null, { index: 2, of: 4, weight: 25 }]);
    assert.equal(stepOf(applyCommand(ok, { kind: "promote", to: 20, force: true })), null, "off the steps");
  });
});

// ---- property tests over random command sequences, through the real stack file --------------

const command: fc.Arbitrary<RolloutCommand> = fc.oneof(
  fc.integer({ min: 1, max: 99 }).map((n): RolloutCommand => ({ kind: "release", version: `2.${n}.0`, image: `registry.example.com/fraud@sha256:${n.toString(16).padStart(64, "0")}`, modelUri: `s3://acme-ml-models/fraud/2.${n}.0` })),
  fc.constant<RolloutCommand>({ kind: "promote" }),
  fc.constant<RolloutCommand>({ kind: "promote" }),
  fc.integer({ min: 1, max: 100 }).map((to): RolloutCommand => ({ kind: "promote", to })),
  fc.constant<RolloutCommand>({ kind: "rollback" }),
  fc.constant<RolloutCommand>({ kind: "undo" }),
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
  const c = clone(fixtureConfig("production"));
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

  it("after every release, promote, rollback, undo and retire the file validates and capacity leads weight", () => {
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
          for (const line of changed) assert.match(line, /^(stable|version|image|modelUri|weight|retired|rolledBack|peakWeight|metrics):/, `unexpected edit: ${line}`);

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

// ---- property tests of rollback and undo over random command sequences (pure) ---------------

const tryCommand = (m: ModelState, cmd: RolloutCommand): ModelState | RolloutRefusal => {
  try {
    return applyCommand(m, cmd);
  } catch (e) {
    if (e instanceof RolloutRefusal) return e;
    throw e;
  }
};

// Weighted towards releases and promotions, so completed promotions (where undo applies) are common.
const lifecycleCommand: fc.Arbitrary<RolloutCommand> = fc.oneof(
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 9 }).map((n): RolloutCommand => ({ kind: "release", version: `1.${n}.0`, image: `r/fraud:1.${n}.0` })) },
  { weight: 5, arbitrary: fc.constant<RolloutCommand>({ kind: "promote" }) },
  { weight: 1, arbitrary: fc.constant<RolloutCommand>({ kind: "promote", to: 100, force: true }) },
  { weight: 2, arbitrary: fc.constant<RolloutCommand>({ kind: "rollback" }) },
  { weight: 2, arbitrary: fc.constant<RolloutCommand>({ kind: "undo" }) },
  { weight: 1, arbitrary: fc.constant<RolloutCommand>({ kind: "retire" }) },
);

describe("rollback and undo (property tests of the state machine)", () => {
  const RUNS = { numRuns: 400, seed: 12 };
  // Long sequences: most runs pass through a completed promotion, a rollback and an undo.
  const sequences = fc.array(lifecycleCommand, { minLength: 10, maxLength: 30, size: "max" });

  /** Every state a sequence of commands reaches from a stable model with a retired idle track. */
  function* reached(commands: readonly RolloutCommand[]): Generator<{ before: ModelState; cmd: RolloutCommand; after: ModelState | RolloutRefusal }> {
    let m = base();
    for (const cmd of commands) {
      const after = tryCommand(m, cmd);
      yield { before: m, cmd, after };
      if (!(after instanceof RolloutRefusal)) m = after;
    }
  }

  it("no command ever puts weight on a rolled-back version", () => {
    fc.assert(
      fc.property(sequences, (commands) => {
        for (const { before, cmd, after } of reached(commands)) {
          if (after instanceof RolloutRefusal) continue;
          for (const c of ["blue", "green"] as const) {
            if (before.tracks[c].rolledBack) assert.equal(after.tracks[c].weight, 0, `${cmd.kind} put weight on rolled-back ${before.tracks[c].version}`);
            if (after.tracks[c].rolledBack) assert.equal(after.tracks[c].weight, 0, `${cmd.kind} left weight on a rolled-back track`);
          }
          // Whatever rollback leaves on the stable track is never a version rolled back before.
          if (cmd.kind === "rollback") assert.ok(!after.tracks[after.stable].rolledBack);
        }
      }),
      RUNS,
    );
  });

  it("rollback is idempotent: a second one changes nothing, and it refuses only after a completed promotion", () => {
    fc.assert(
      fc.property(sequences, (commands) => {
        for (const { before } of reached(commands)) {
          const once = tryCommand(before, { kind: "rollback" });
          assert.equal(once instanceof RolloutRefusal, rolloutPhase(before) === "previous-stable", `rollback in phase ${rolloutPhase(before)}`);
          if (once instanceof RolloutRefusal) continue;
          const twice = applyCommand(once, { kind: "rollback" });
          assert.deepEqual(twice, once);
          assert.deepEqual(edits(once, twice), []);
        }
      }),
      RUNS,
    );
  });

  it("undo applies only after a completed promotion, and a second undo refuses", () => {
    fc.assert(
      fc.property(sequences, (commands) => {
        for (const { before } of reached(commands)) {
          const once = tryCommand(before, { kind: "undo" });
          assert.equal(once instanceof RolloutRefusal, rolloutPhase(before) !== "previous-stable", `undo in phase ${rolloutPhase(before)}`);
          if (once instanceof RolloutRefusal) continue;
          assert.equal(once.tracks[once.stable].version, before.tracks[candidateColour(before)].version, "undo did not restore the previous stable");
          assert.ok(tryCommand(once, { kind: "undo" }) instanceof RolloutRefusal, "a second undo flipped back");
        }
      }),
      RUNS,
    );
  });
});
