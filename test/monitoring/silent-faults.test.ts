// The faults every other alert is blind to (issue 17), on the rules rendered for both fixture
// stacks (every model mid-canary) and for one model per metrics preset and per server preset:
// each fires its alert within a stated window after onset, on the faulty track only.
import { strict as assert } from "assert";
import { createHash } from "crypto";
import { PRESETS } from "../../components/monitoring/presets";
import { RECORD, type AlertRule, type RuleGroup } from "../../components/monitoring/rules";
import { SERVER_NAMES } from "../../components/serving/runtimes";
import { fixtureConfig, STACKS } from "../helpers";
import type { Firing } from "./promtool";
import { allSubjects, type Subject } from "./rendered";
import { alertsFiring, constant, MODEL_RPS, modelSeries, podsOf, queryAt, typicalLatency, ERROR_CANARY, episodes, errorCanarySeries, FAULT_RUNS, faultRunSeries, faultyTrack, runMinutes, type Scenario } from "./scenarios";

/** Subject names, known before anything renders (mocha defines tests synchronously). */
const NAMES = [
  ...STACKS.flatMap((stack) => (fixtureConfig(stack).models as { name: string }[]).map((m) => `${stack}/${m.name}`)),
  ...Object.keys(PRESETS).map((p) => `preset ${p}`),
  ...SERVER_NAMES.map((s) => `server ${s}`),
];

const ERRORS = "canary-errors";
const CONTROL = "canary-errors-without-keep-firing";

/** The scenarios of one subject; seeds depend on the case only, so equal subjects get equal series. */
function scenariosOf(s: Subject): Scenario[] {
  const out: Scenario[] = FAULT_RUNS.map((r, i) => ({ name: r.id, series: faultRunSeries(s, r, 100 + i), minutes: runMinutes(r) }));
  if (s.preset.errors) out.push({ name: ERRORS, series: errorCanarySeries(s, 200), minutes: ERROR_CANARY.onset + ERROR_CANARY.hoverMinutes });
  return out;
}

/** The same rules without keep_firing_for: the control that shows the hover does cross the threshold. */
const withoutKeepFiring = (groups: readonly RuleGroup[]): RuleGroup[] =>
  groups.map((g) => ({ ...g, rules: g.rules.map((r) => ("alert" in r ? (({ keep_firing_for: _, ...rest }: AlertRule) => rest)(r) : r)) }));

interface Outcome {
  subject: Subject;
  /** Which subject's run the results come from (itself, or one with identical rules and series). */
  ranAs: string;
  firings: Map<string, Firing[]>;
}

/**
 * Rules and series with the model's name, the namespace and the environment label's value taken
 * out: subjects equal under this renaming get equal results (the renaming is consistent across
 * rules and series, and a constant alert label decides nothing), so they are evaluated once.
 */
const digest = (s: Subject, scenarios: readonly Scenario[]) =>
  createHash("sha256")
    .update(
      JSON.stringify([s.groups, scenarios])
        .split(s.model.name)
        .join("MODEL")
        .split(s.namespace)
        .join("NAMESPACE")
        .replace(/"environment":"[^"]*"/g, '"environment":"ENVIRONMENT"'),
    )
    .digest("hex");

describe("silent faults under promtool: rendered rules of both fixture stacks and every preset", function () {
  this.timeout(900_000);
  const outcomes = new Map<string, Outcome>();

  before(async () => {
    const subjects = await allSubjects();
    assert.deepEqual(subjects.map((s) => s.name).sort(), [...NAMES].sort());
    const runs = new Map<string, { subject: Subject; scenarios: Scenario[]; result?: Promise<Map<string, Firing[]>> }>();
    const keyOf = new Map<string, string>();
    for (const s of subjects) {
      const scenarios = scenariosOf(s);
      const key = digest(s, scenarios);
      keyOf.set(s.name, key);
      // promtool starts at once, so it runs while the next subject's series are generated.
      if (!runs.has(key)) {
        const result = alertsFiring(s.groups, scenarios);
        result.catch(() => undefined); // reported where it is awaited below
        runs.set(key, { subject: s, scenarios, result });
      }
    }
    const control = subjects.find((s) => s.name === "production/fraud-detector")!;
    const controlRun = alertsFiring(withoutKeepFiring(control.groups), [{ name: CONTROL, series: errorCanarySeries(control, 200), minutes: ERROR_CANARY.onset + ERROR_CANARY.hoverMinutes }]);
    for (const s of subjects) {
      const run = runs.get(keyOf.get(s.name)!)!;
      outcomes.set(s.name, { subject: s, ranAs: run.subject.name, firings: await run.result! });
    }
    outcomes.get(control.name)!.firings.set(CONTROL, (await controlRun).get(CONTROL)!);
  });

  const get = (name: string) => {
    const o = outcomes.get(name);
    assert.ok(o, `${name} was not rendered`);
    return o;
  };
  const show = (fs: readonly Firing[]) => [...new Set(fs.map((f) => `${f.minute}m ${f.labels.alertname}{track=${f.labels.track},severity=${f.labels.severity}}`))].slice(0, 12).join("; ");

  for (const name of NAMES) {
    describe(name, () => {
      for (const run of FAULT_RUNS) {
        for (const f of run.faults) {
          const near = run.faults.length > 1 ? "the other track (a different fault) does not get it" : "nothing fires on the stable track";
          it(`${f.alert} ${f.within[0]}-${f.within[1]} min after: ${f.what}; ${near}`, () => {
            const { subject: s, firings, ranAs } = get(name);
            const all = firings.get(run.id)!;
            const how = ranAs === name ? "" : ` (rules and series identical to ${ranAs}'s)`;
            const track = faultyTrack(s, f);
            const first = episodes(all, { alertname: f.alert, track, ...(f.labels?.(s) ?? {}) })[0]?.[0];
            assert.ok(first !== undefined, `${f.alert} never fired on ${track}${how}; fired: ${show(all) || "nothing"}`);
            const after = first - f.onset;
            assert.ok(after >= f.within[0] && after <= f.within[1], `${f.alert} fired ${after} min after onset${how}`);
            assert.equal(show(all.filter((x) => x.minute < f.onset)), "", `an alert fired before the fault${how}`);
            assert.equal(show(all.filter((x) => x.labels.alertname === f.alert && x.labels.track !== track)), "", `${f.alert} fired on the other track${how}`);
            if (run.faults.length === 1) assert.equal(show(all.filter((x) => x.labels.track !== track)), "", `an alert fired on the healthy track${how}`);
          });
        }
      }

      it("5 % errors on the 10 % canary: pages (availability burn, critical) on the canary; the critical ratio alert stays firing while the ratio hovers around 5 %", () => {
        const { subject: s, firings } = get(name);
        if (!s.preset.errors) {
          // kserve counts no errors: no error alert exists to page or to flap.
          const alerts = s.groups.flatMap((g) => g.rules.flatMap((r) => ("alert" in r ? [r.alert] : [])));
          assert.ok(!alerts.includes("ModelErrorRatioCritical") && !alerts.includes("ModelAvailabilityBudgetBurn"), `${s.preset.name} renders error alerts without an error signal`);
          return;
        }
        const all = firings.get(ERRORS)!;
        const o = ERROR_CANARY.onset;
        const end = o + ERROR_CANARY.hoverMinutes;
        const page = episodes(all, { alertname: "ModelAvailabilityBudgetBurn", severity: "critical", track: s.candidate })[0];
        assert.ok(page, `no critical burn page on the canary; fired: ${show(all)}`);
        // The 1h/5m pair: the canary's 1-hour window (20 minutes of healthy history) crosses 14.4x
        // the budget ~8 minutes in, then `for: 2m`.
        assert.ok(page[0] - o >= 5 && page[0] - o <= 15, `paged ${page[0] - o} min after onset`);
        const ratio = episodes(all, { alertname: "ModelErrorRatioCritical", track: s.candidate });
        assert.equal(ratio.length, 1, `ModelErrorRatioCritical fired in ${ratio.length} episodes: ${JSON.stringify(ratio)}`);
        // `for: 5m` needs one high phase whose 5-minute ratio stays above 5 % for 5 evaluations:
        // the first or, with the noise, a later one.
        assert.ok(ratio[0][0] - o >= 5 && ratio[0][0] - o <= 25 && ratio[0][1] === end, `ModelErrorRatioCritical fired ${JSON.stringify(ratio[0])} (onset ${o}, hover until ${end})`);
        assert.equal(show(all.filter((x) => x.labels.track !== s.candidate)), "", "an alert fired on the healthy stable track");
      });
    });
  }

  it("control: without keep_firing_for the same hover resolves and re-pages (production/fraud-detector)", () => {
    const o = get("production/fraud-detector");
    const ratio = episodes(o.firings.get(CONTROL)!, { alertname: "ModelErrorRatioCritical", track: o.subject.candidate });
    assert.ok(ratio.length >= 2, `one episode only: ${JSON.stringify(ratio)}; the scenario does not test keep_firing_for`);
  });
});

describe("the series generator, per preset: the rendered recording rules read what it generated", function () {
  this.timeout(300_000);
  // Exact traffic (no noise): each track serves its weight's share of MODEL_RPS, 1 in 60 failing,
  // plus kubelet probes every 10 s that no preset may count. Were a preset's sample labels wrong,
  // the recorded rate or ratio would differ (or be absent) and the silent-fault tests above could
  // pass on series the rules never read.
  const ERRORS = 1 / 60;
  for (const name of NAMES) {
    it(`${name}: recorded request rate, error ratio and latency-observed rate per track equal the generated ones`, async () => {
      const s = (await allSubjects()).find((x) => x.name === name)!;
      const tracks = (["blue", "green"] as const).map((track) => ({
        track,
        version: s.model.tracks[track].version,
        pods: podsOf(s, track),
        traffic: constant((MODEL_RPS * s.model.tracks[track].weight) / 100, ERRORS, typicalLatency(s)),
      }));
      const series = modelSeries({ ...s, tracks, minutes: 12, seed: 1 });
      const recordings = s.groups.filter((g) => g.name.endsWith(".recording") || g.name.endsWith(".route"));
      const queries = [RECORD.requests, RECORD.errorRatio, RECORD.latencyRequests];
      const got = await queryAt(recordings, series, 12, queries);
      const value = (q: number, track: string) => got.find((x) => x.query === q && x.labels.track === track && x.labels.model === s.model.name)?.value;
      for (const t of tracks) {
        const rps = (MODEL_RPS * s.model.tracks[t.track].weight) / 100;
        const near = (a: number | undefined, b: number | undefined, what: string) =>
          assert.ok(a === b || (a !== undefined && b !== undefined && Math.abs(a - b) <= 1e-9 * Math.max(1, b)), `${t.track} ${what}: recorded ${a}, generated ${b}`);
        near(value(0, t.track), rps, "requests/s");
        near(value(1, t.track), s.preset.errors ? ERRORS : undefined, "error ratio");
        near(value(2, t.track), s.preset.latency ? rps : undefined, "latency-observed requests/s");
      }
    });
  }
});
