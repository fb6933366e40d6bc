// The objects a change touches, found by rendering only the changed models (stacks/render/touched.ts),
// are exactly what rendering the whole fleet before and after reports: on every router, for every
// rollout command, for several models at once, and for a change that reaches a fleet-wide object.
// Where the shortcut cannot vouch for itself, it renders the whole fleet.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ROUTER_NAMES, type RouterName } from "../../components/routing";
import { planMutation, type ModelEdit, type StackSnapshot } from "../../stacks/commands/mutate";
import { diffObjects, type ObjectChanges } from "../../stacks/render/objectdiff";
import type { RolloutCommand } from "../../stacks/rollout/state";
import { fleetOfDocument, fleetOfText } from "../../stacks/stackfile/edit";
import { parseStackDocument, readProject, stackConfigFromText } from "../../stacks/stackfile/file";
import { synthesize, type KubeObject } from "../../stacks/render/synth";
import { touchedObjects, type StackState, type TouchedObjects } from "../../stacks/render/touched";
import { FIXTURE, ROOT } from "../helpers";
import { abort, lifecycle, startText } from "./blast";

const STACK = "production";
const NAME = "Pulumi.production.yaml";

function snapshotOf(dir: string, text: string): StackSnapshot {
  const project = readProject(dir);
  const file = { project, stack: STACK, file: path.join(dir, NAME), name: NAME, text, doc: parseStackDocument(NAME, text) };
  return { stack: STACK, file, current: fleetOfDocument(file) };
}

// A walk's "after" is the next step's "before": each whole-fleet render is kept for it.
const renders = new Map<string, KubeObject[]>();
async function render(dir: string, state: StackState): Promise<KubeObject[]> {
  const key = JSON.stringify([dir, state.config]);
  let objects = renders.get(key);
  if (!objects) {
    objects = (await synthesize(dir, STACK, state.config, () => undefined)).objects;
    renders.clear();
    renders.set(key, objects);
  }
  return objects;
}

async function wholeFleet(dir: string, before: StackState, after: StackState): Promise<ObjectChanges> {
  return diffObjects(await render(dir, before), await render(dir, after));
}

/** Both answers for one change; the shortcut's must equal the whole fleet's. */
async function compare(dir: string, before: StackState, after: StackState): Promise<{ quick: TouchedObjects; full: ObjectChanges }> {
  const quick = await touchedObjects(dir, STACK, before, after);
  const full = await wholeFleet(dir, before, after);
  assert.deepEqual(quick.changes, full);
  return { quick, full };
}

/** Applies the commands in turn to model 0 and checks every step. */
async function walkAndCompare(router: RouterName, commands: readonly RolloutCommand[], modelIndex = 0): Promise<string[][]> {
  let text = startText(router);
  const seen: string[][] = [];
  for (const command of commands) {
    const snapshot = snapshotOf(FIXTURE, text);
    const plan = planMutation(snapshot, [{ modelIndex, command }]);
    // Parsed once: the config validated from the edited document is the one its text holds.
    assert.deepEqual(plan.proposed.config, stackConfigFromText(snapshot.file.project, NAME, plan.text));
    const { quick, full } = await compare(FIXTURE, snapshot.current, plan.proposed);
    assert.deepEqual(quick.rendered, { models: [snapshot.current.fleet.models[modelIndex].name] }, `${router} ${command.kind}: rendered only the changed model`);
    seen.push([...full.added, ...full.removed, ...full.changed]);
    text = plan.text;
  }
  return seen;
}

describe("objects touched, from the changed models only", function () {
  this.timeout(600_000);

  for (const router of ROUTER_NAMES) {
    it(`${router}: release, every promote step, undo, rollback and retire report what the whole fleet's render reports`, async () => {
      // One walk: abort a canary (rollback, or undo where promote switches at once), retire, then
      // a whole promotion, undo it, retire.
      const steps = await walkAndCompare(router, [...abort(router), { kind: "retire" }, ...lifecycle(router), { kind: "undo" }, { kind: "retire" }]);
      // Not vacuous: the walk moved objects (a promote touches at least the route).
      assert.ok(steps.filter((s) => s.length > 0).length >= 6, `${router}: the walk touched objects`);
    });
  }

  it("several models changed at once (advance --all) render those models only, and agree", async () => {
    const text = startText("gateway-api", (c) => {
      for (const m of c.models) {
        const idle = m.stable === "blue" ? "green" : "blue";
        m.tracks[idle] = { ...m.tracks[idle], version: "9.9.9", weight: 0, retired: true };
        delete m.tracks[idle].metrics;
        delete m.thresholds;
      }
    });
    const snapshot = snapshotOf(FIXTURE, text);
    const release = (i: number): ModelEdit => ({ modelIndex: i, command: { kind: "release", version: "10.0.0", modelUri: `s3://models/m${i}/10.0.0`, image: `registry.example.com/m${i}@sha256:${"cd".repeat(32)}` } });
    const plan = planMutation(snapshot, snapshot.current.fleet.models.map((_, i) => release(i)));
    const { quick, full } = await compare(FIXTURE, snapshot.current, plan.proposed);
    assert.deepEqual(quick.rendered, { models: snapshot.current.fleet.models.map((m) => m.name) });
    assert.ok(full.changed.length >= snapshot.current.fleet.models.length, "each model's idle track is touched");
  });

  it("a model change that reaches the fleet dashboard reports it, as the whole fleet's render does", async () => {
    // The fleet's error panels exist while any model's server counts errors: kserve's does not,
    // so moving the last other model to it removes them from the fleet dashboard.
    const kserve = (m: Record<string, any>) => (m.monitoring = { ...(m.monitoring ?? {}), preset: "kserve" });
    const before = fleetOfText(readProject(FIXTURE), NAME, startText("istio", (c) => kserve(c.models[0])));
    const after = fleetOfText(
      readProject(FIXTURE),
      NAME,
      startText("istio", (c) => c.models.forEach(kserve)),
    );
    const { quick, full } = await compare(FIXTURE, before, after);
    assert.ok("models" in quick.rendered, "rendered the changed model only");
    assert.ok(full.changed.includes("ConfigMap ml-production/modelship-fleet-dashboard"), `the fleet dashboard changed: ${JSON.stringify(full)}`);
  });

  it("a change beyond the models (the namespace) renders the whole fleet, and says why", async () => {
    const before = fleetOfText(readProject(FIXTURE), NAME, startText("nginx"));
    const after = fleetOfText(readProject(FIXTURE), NAME, startText("nginx", (c) => (c.namespace = "ml-elsewhere")));
    const { quick, full } = await compare(FIXTURE, before, after);
    assert.deepEqual(quick.rendered, { wholeFleet: true, why: "the change edits modelship:namespace, not only models" });
    assert.ok(full.added.length > 10 && full.removed.length > 10);
  });

  it("a program of the user's that registers its own object from every model renders the whole fleet, and agrees", async () => {
    const dir = fs.mkdtempSync(path.join(ROOT, "test", "fixtures", ".touched-"));
    try {
      // A user's program: the library's fleet plus a ConfigMap listing every model's versions.
      fs.writeFileSync(
        path.join(dir, "index.ts"),
        `import * as k8s from "@pulumi/kubernetes";
import { fleetConfigFromStack, ModelFleet } from ${JSON.stringify(path.join(ROOT, "components"))};
export = async () => {
  const config = fleetConfigFromStack();
  new ModelFleet("modelship", { config });
  new k8s.core.v1.ConfigMap("versions", { metadata: { name: "versions", namespace: config.namespace }, data: Object.fromEntries(config.models.map((m) => [m.name, m.tracks.blue.version + "/" + m.tracks.green.version])) });
  return { models: [] };
};
`,
      );
      fs.writeFileSync(path.join(dir, "Pulumi.yaml"), YAML.stringify({ name: "modelship", runtime: "nodejs", main: "index.ts" }));
      fs.mkdirSync(path.join(dir, "policies"));
      fs.copyFileSync(path.join(FIXTURE, "policies", "production.json"), path.join(dir, "policies", "production.json"));
      const text = startText("gateway-api");
      const snapshot = snapshotOf(dir, text);
      const plan = planMutation(snapshot, [{ modelIndex: 0, command: { kind: "release", version: "1.6.0", image: `registry.example.com/f@sha256:${"ab".repeat(32)}` } }]);
      const { quick, full } = await compare(dir, snapshot.current, plan.proposed);
      assert.ok("wholeFleet" in quick.rendered && /ConfigMap ml-production\/versions/.test(quick.rendered.why), JSON.stringify(quick.rendered));
      assert.ok(full.changed.includes("ConfigMap ml-production/versions"), "the user's object is reported");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("nothing changed: nothing rendered, nothing touched", async () => {
    const state = fleetOfText(readProject(FIXTURE), NAME, startText("alb"));
    const quick = await touchedObjects(FIXTURE, STACK, state, state);
    assert.deepEqual(quick, { changes: { added: [], removed: [], changed: [] }, rendered: { models: [] } });
  });
});
