import { strict as assert } from "assert";
import fc from "fast-check";
import { otherColour, type Colour } from "../../components/config/schema";
import { nextStep, planCapacity, share, type CapacityModel } from "../../components/serving/capacity";

const FC = { numRuns: 500, seed: 20261122 };

const steps = fc
  .uniqueArray(fc.integer({ min: 1, max: 99 }), { maxLength: 5 })
  .map((s) => [...s.sort((a, b) => a - b), 100]);

/** A model at an arbitrary point of a rollout that the schema would accept. */
const model: fc.Arbitrary<CapacityModel> = fc
  .record({
    min: fc.integer({ min: 1, max: 40 }),
    extra: fc.integer({ min: 0, max: 60 }),
    steps,
    stable: fc.constantFrom<Colour>("blue", "green"),
    candidateWeight: fc.integer({ min: 0, max: 100 }),
    retired: fc.boolean(),
    peak: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
    previewReplicas: fc.integer({ min: 1, max: 4 }),
    idle: fc.constantFrom<"warm" | "cold">("warm", "cold"),
    mirror: fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }),
  })
  .map((r) => {
    const candidate = otherColour(r.stable);
    const retired = r.retired && r.candidateWeight === 0;
    const tracks = {
      [r.stable]: { weight: 100 - r.candidateWeight, retired: false },
      [candidate]: { weight: r.candidateWeight, retired, peakWeight: r.peak },
    } as CapacityModel["tracks"];
    return {
      stable: r.stable,
      tracks,
      autoscaling: { minReplicas: r.min, maxReplicas: r.min + r.extra },
      steps: r.steps,
      previewReplicas: r.previewReplicas,
      idle: r.idle,
      route: r.mirror === undefined ? undefined : { mirror: { percent: r.mirror } },
    };
  });

const mirrorOf = (m: CapacityModel) => m.route?.mirror?.percent ?? 0;

const candidateOf = (m: CapacityModel) => otherColour(m.stable);

function withCandidate(m: CapacityModel, weight: number, extra: Partial<CapacityModel["tracks"]["blue"]> = {}): CapacityModel {
  const c = candidateOf(m);
  return {
    ...m,
    tracks: { ...m.tracks, [c]: { ...m.tracks[c], weight, ...extra }, [m.stable]: { ...m.tracks[m.stable], weight: 100 - weight } } as CapacityModel["tracks"],
  };
}

describe("capacity plan", () => {
  describe("with a routing layer that enforces weights", () => {
    it("never puts weight on a track without pods", () => {
      fc.assert(
        fc.property(model, (m) => {
          const plan = planCapacity(m, "traffic");
          for (const c of ["blue", "green"] as const) if (m.tracks[c].weight > 0) assert.ok(plan[c].minReplicas >= 1);
        }),
        FC,
      );
    });

    it("keeps the stable track at the model's full min/max whatever the weights", () => {
      fc.assert(
        fc.property(model, (m) => {
          const s = planCapacity(m, "traffic")[m.stable];
          assert.equal(s.minReplicas, m.autoscaling.minReplicas);
          assert.equal(s.maxReplicas, m.autoscaling.maxReplicas);
        }),
        FC,
      );
    });

    it("has the capacity for the next promotion step in place before the weight moves", () => {
      fc.assert(
        fc.property(model, (m) => {
          const c = candidateOf(m);
          fc.pre(!m.tracks[c].retired && m.tracks[c].weight < 100);
          const before = planCapacity(m, "traffic")[c];
          const to = nextStep(m.steps, m.tracks[c].weight);
          assert.ok(before.minReplicas >= share(to, m.autoscaling.minReplicas), `at ${m.tracks[c].weight}% the candidate has ${before.minReplicas}, step ${to}% needs ${share(to, m.autoscaling.minReplicas)}`);
          assert.ok(before.maxReplicas >= share(to, m.autoscaling.maxReplicas));
        }),
        FC,
      );
    });

    it("gives a just-released candidate at least previewReplicas", () => {
      fc.assert(
        fc.property(model, (m) => {
          const released = withCandidate(m, 0, { retired: false, peakWeight: undefined });
          assert.ok(planCapacity(released, "traffic")[candidateOf(m)].minReplicas >= m.previewReplicas);
        }),
        FC,
      );
    });

    it("leaves the candidate's capacity untouched by a rollback, so a retry needs no scale-up", () => {
      fc.assert(
        fc.property(model, (m) => {
          const c = candidateOf(m);
          fc.pre(!m.tracks[c].retired);
          const peak = Math.max(m.tracks[c].weight, m.tracks[c].peakWeight ?? 0);
          const before = planCapacity(withCandidate(m, m.tracks[c].weight, { peakWeight: peak }), "traffic");
          const after = planCapacity(withCandidate(m, 0, { peakWeight: peak }), "traffic");
          assert.deepEqual({ ...after[c], role: undefined }, { ...before[c], role: undefined });
          assert.deepEqual(after[m.stable], before[m.stable]);
        }),
        FC,
      );
    });

    it("keeps a demoted stable at full capacity until it is retired", () => {
      fc.assert(
        fc.property(model, (m) => {
          const demoted = withCandidate(m, 0, { retired: false, peakWeight: 100 });
          const p = planCapacity(demoted, "traffic")[candidateOf(m)];
          assert.equal(p.role, "previous");
          assert.ok(p.minReplicas >= m.autoscaling.minReplicas);
          assert.ok(p.maxReplicas >= m.autoscaling.maxReplicas);
        }),
        FC,
      );
    });

    it("runs the idle policy on a retired track", () => {
      fc.assert(
        fc.property(model, (m) => {
          const p = planCapacity(withCandidate(m, 0, { retired: true }), "traffic")[candidateOf(m)];
          const want = m.idle === "warm" ? m.autoscaling.minReplicas : 0;
          assert.equal(p.minReplicas, want);
          assert.equal(p.maxReplicas, want);
        }),
        FC,
      );
    });

    it("sizes a shadowing candidate for the mirrored share of live traffic", () => {
      fc.assert(
        fc.property(model, (m) => {
          const c = candidateOf(m);
          fc.pre(!m.tracks[c].retired);
          const p = planCapacity(m, "traffic")[c];
          assert.ok(p.minReplicas >= share(mirrorOf(m), m.autoscaling.minReplicas));
          assert.ok(p.maxReplicas >= share(mirrorOf(m), m.autoscaling.maxReplicas));
        }),
        FC,
      );
    });

    it("costs only the candidate's share, not a second fleet, before the last step", () => {
      fc.assert(
        fc.property(model, (m) => {
          const c = candidateOf(m);
          const reached = Math.max(m.tracks[c].weight, m.tracks[c].peakWeight ?? 0);
          const step = Math.max(nextStep(m.steps, reached), mirrorOf(m));
          fc.pre(!m.tracks[c].retired && step < 100);
          const p = planCapacity(m, "traffic")[c];
          assert.ok(p.minReplicas <= Math.max(m.previewReplicas, share(step, m.autoscaling.minReplicas)));
          assert.ok(p.maxReplicas <= Math.max(p.minReplicas, share(step, m.autoscaling.maxReplicas)));
        }),
        FC,
      );
    });

    it("never shrinks the candidate as its weight grows", () => {
      fc.assert(
        fc.property(model, fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), (m, a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const c = candidateOf(m);
          const at = (w: number) => planCapacity(withCandidate(m, w, { retired: false }), "traffic")[c];
          assert.ok(at(hi).minReplicas >= at(lo).minReplicas);
          assert.ok(at(hi).maxReplicas >= at(lo).maxReplicas);
        }),
        FC,
      );
    });
  });

  describe("with the replicas router (traffic follows pods)", () => {
    it("sizes each track by its weight and runs no pods at weight 0", () => {
      fc.assert(
        fc.property(model, (m) => {
          const plan = planCapacity(m, "replica-ratio");
          for (const c of ["blue", "green"] as const) {
            const w = m.tracks[c].weight;
            if (w === 0) assert.deepEqual([plan[c].minReplicas, plan[c].maxReplicas], [0, 0]);
            else {
              assert.equal(plan[c].minReplicas, share(w, m.autoscaling.minReplicas));
              assert.ok(plan[c].minReplicas >= 1);
              assert.ok(plan[c].maxReplicas >= plan[c].minReplicas);
            }
          }
        }),
        FC,
      );
    });
  });

  it("keeps min <= max for every track in every mode", () => {
    fc.assert(
      fc.property(model, fc.constantFrom("traffic" as const, "replica-ratio" as const), (m, mode) => {
        const plan = planCapacity(m, mode);
        for (const c of ["blue", "green"] as const) {
          assert.ok(plan[c].minReplicas >= 0);
          assert.ok(plan[c].minReplicas <= plan[c].maxReplicas);
        }
      }),
      FC,
    );
  });

  it("matches worked examples", () => {
    const base: CapacityModel = {
      stable: "blue",
      tracks: { blue: { weight: 90, retired: false }, green: { weight: 10, retired: false } },
      autoscaling: { minReplicas: 10, maxReplicas: 30 },
      steps: [10, 25, 50, 100],
      previewReplicas: 1,
      idle: "warm",
    };
    const p = planCapacity(base, "traffic");
    assert.deepEqual([p.blue.minReplicas, p.blue.maxReplicas, p.green.minReplicas, p.green.maxReplicas], [10, 30, 3, 8]);
    const r = planCapacity(base, "replica-ratio");
    assert.deepEqual([r.blue.minReplicas, r.blue.maxReplicas, r.green.minReplicas, r.green.maxReplicas], [9, 27, 1, 3]);
  });
});
