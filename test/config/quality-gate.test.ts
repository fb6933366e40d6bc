// The offline quality gate is enforced by the schema, so every path into a stack goes through it:
// the CLI, a hand edit, `synth` and `pulumi up` all reject weight on a candidate whose recorded
// metrics fall below its model's thresholds, unless the file records a reviewable override.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { ConfigError, parseFleetConfig } from "../../components/config";
import { qualityGate } from "../../components/config/quality";
import { main } from "../../stacks/cli";
import { clone, fixtureConfig, tempProject } from "../helpers";

const PROD = "Pulumi.production.yaml";

function problems(raw: Record<string, any>): string[] {
  try {
    parseFleetConfig(raw, PROD);
    return [];
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
    return e.message.split("\n");
  }
}

/** Production, fraud-detector mid-canary at 50% on green, with the given recorded metrics. */
function atHalf(metrics?: Record<string, number>, edit: (m: any) => void = () => undefined) {
  const raw = clone(fixtureConfig("production"));
  const m = raw.models[0];
  m.tracks.blue.weight = 50;
  m.tracks.green.weight = 50;
  if (metrics) m.tracks.green.metrics = metrics;
  else delete m.tracks.green.metrics;
  edit(m);
  return raw;
}

describe("quality gate in the schema", () => {
  it("qualityGate: none without thresholds, pass, fail (below or unrecorded), override", () => {
    assert.equal(qualityGate(undefined, { metrics: { auc: 0.1 } }).state, "none");
    assert.equal(qualityGate({}, {}).state, "none");
    assert.deepEqual(qualityGate({ auc: 0.9 }, { metrics: { auc: 0.9 } }), { state: "pass", checks: [{ metric: "auc", threshold: 0.9, value: 0.9, ok: true }], shortfalls: [] });
    assert.deepEqual(qualityGate({ auc: 0.9, f1: 0.5 }, { metrics: { auc: 0.85 } }).shortfalls, ["auc: 0.85 < 0.9", "f1: no recorded value (needs >= 0.5)"]);
    assert.equal(qualityGate({ auc: 0.9 }, { metrics: { auc: 0.85 } }).state, "fail");
    const over = qualityGate({ auc: 0.9 }, { metrics: { auc: 0.85 }, qualityOverride: { reason: "r", by: "b" } });
    assert.deepEqual([over.state, over.override], ["override", { reason: "r", by: "b" }]);
  });

  it("rejects a hand edit giving a candidate below its thresholds live traffic, at the weight's key path", () => {
    assert.ok(
      problems(atHalf({ auc: 0.91 })).includes(
        `${PROD}: modelship:models[0].tracks.green.weight: 1.5.0 is below the model's quality thresholds (auc: 0.91 < 0.94), so it may take no traffic unless tracks.green.qualityOverride records who decided otherwise and why (modelship promote --force --reason TEXT writes it); got weight 50`,
      ),
      problems(atHalf({ auc: 0.91 })).join("\n"),
    );
  });

  it("rejects a candidate with no recorded value for a threshold", () => {
    assert.match(problems(atHalf(undefined)).join("\n"), /tracks\.green\.weight: 1\.5\.0 is below the model's quality thresholds \(auc: no recorded value \(needs >= 0\.94\)\)/);
  });

  it("accepts the same file when the track records a qualityOverride", () => {
    assert.deepEqual(problems(atHalf({ auc: 0.91 }, (m) => (m.tracks.green.qualityOverride = { reason: "AUC dip is label noise; approved in review", by: "alice@example.com" }))), []);
  });

  it("rejects an override without a reason or a name", () => {
    const lines = problems(atHalf({ auc: 0.91 }, (m) => (m.tracks.green.qualityOverride = { reason: " ", by: "" })));
    assert.ok(lines.includes(`${PROD}: modelship:models[0].tracks.green.qualityOverride.reason: expected a reason (why this version may take traffic below its thresholds), got " "`), lines.join("\n"));
    assert.ok(lines.includes(`${PROD}: modelship:models[0].tracks.green.qualityOverride.by: expected who decided it, got ""`), lines.join("\n"));
  });

  it("accepts a candidate below its thresholds at weight 0 (released: preview only) and a rolled-back one", () => {
    const raw = atHalf({ auc: 0.5 }, (m) => {
      m.tracks.blue.weight = 100;
      m.tracks.green.weight = 0;
    });
    assert.deepEqual(problems(raw), []);
    raw.models[0].tracks.green.rolledBack = true;
    assert.deepEqual(problems(raw), []);
  });

  it("does not brick a file whose stable track predates the thresholds (at 100%, or sharing traffic during a canary)", () => {
    const raw = clone(fixtureConfig("production"));
    // sentiment: stable green at 100%, no metrics recorded; thresholds added afterwards.
    raw.models[1].thresholds = { auc: 0.9 };
    // fraud-detector: stable blue at 90% records an AUC below the new bar; the candidate passes it.
    raw.models[0].tracks.blue.metrics = { auc: 0.9 };
    assert.deepEqual(problems(raw), []);
  });

  it("synth stops on the hand edit with the same message, before rendering anything", async () => {
    const dir = tempProject("production", atHalf({ auc: 0.91 }));
    const err: string[] = [];
    const code = await main(["synth", "--stack", "production"], { out: () => undefined, err: (l) => err.push(l), cwd: dir });
    assert.equal(code, 1);
    assert.match(err.join("\n"), /Pulumi\.production\.yaml: modelship:models\[0\]\.tracks\.green\.weight: 1\.5\.0 is below the model's quality thresholds \(auc: 0\.91 < 0\.94\)/);
    assert.ok(!fs.existsSync(path.join(dir, "out")));
  });
});
