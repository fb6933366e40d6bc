// `status` in words and in fields, `--json` on every command, and the quality gate's override as
// the CLI writes it.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { main, type Io } from "../../stacks/cli";
import { EXIT } from "../../stacks/commands/types";
import { RENDER_MARKER } from "../../stacks/render/files";
import { clone, fixtureConfig, tempProject } from "../helpers";

function capture(cwd: string): Io & { stdout: string[]; stderr: string[]; text(): string; json(): any } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    cwd,
    out: (l) => stdout.push(l),
    err: (l) => stderr.push(l),
    text: () => [...stdout, ...stderr].join("\n"),
    json: () => JSON.parse(stdout.join("\n")),
  };
}

const IMAGE = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/modelship/sentiment@sha256:${"cd".repeat(32)}`;

/** Production with sentiment (blue retired, green stable) under an AUC threshold of 0.9. */
function project(): string {
  const c = clone(fixtureConfig("production"));
  c.models[1].thresholds = { auc: 0.9 };
  return tempProject("production", c);
}

async function run(dir: string, argv: string[]) {
  const io = capture(dir);
  const code = await main([...argv, "--stack", "production"], io);
  return { code, io };
}

describe("modelship status", function () {
  this.timeout(180_000);

  it("names the phase: a retired idle track is not a candidate 'before step 1'", async () => {
    const dir = project();
    const { code, io } = await run(dir, ["status", "--model", "sentiment"]);
    assert.equal(code, 0, io.text());
    const text = io.stdout.join("\n");
    assert.match(text, /^sentiment \(gateway-api, steps 10 > 25 > 50 > 100\): idle: green 2\.1\.0 takes all traffic; blue is retired$/m);
    assert.doesNotMatch(text, /before step 1/);
    assert.match(text, /next promote: promote would refuse: the blue track is retired; release a version onto it first/);
    const json = (await run(dir, ["status", "--model", "sentiment", "--json"])).io.json().models[0];
    assert.deepEqual([json.phase, json.step, json.qualityGate, json.next], ["idle", null, null, { action: "none", track: "blue", version: "2.0.0", from: 0, to: null, refusal: "the blue track is retired; release a version onto it first" }]);
  });

  it("says promote would refuse a candidate below its thresholds, and why; shows the gate in text and JSON", async () => {
    const dir = project();
    assert.equal((await run(dir, ["release", "--model", "sentiment", "--version", "2.2.0", "--image", IMAGE, "--metrics", "auc=0.85"])).code, 0);
    const { io } = await run(dir, ["status", "--model", "sentiment"]);
    const text = io.stdout.join("\n");
    assert.match(text, /: released: blue 2\.2\.0 at 0%, before step 1 of 4 \(preview only\); green 2\.1\.0 is stable$/m);
    assert.match(text, /blue\s+candidate\s+2\.2\.0\s+0%\s+\d+-\d+\s+fail\s/);
    assert.match(text, /quality gate: blue 2\.2\.0 FAILS \(auc 0\.85 < 0\.9\); it takes no traffic without --force --reason/);
    // Before: "next promote: blue 2.2.0 from 0% to 10%", which promote then refused.
    assert.match(text, /next promote: promote would refuse: sentiment 2\.2\.0 is below the model's quality thresholds \(auc: 0\.85 < 0\.9\)/);
    const m = (await run(dir, ["status", "--model", "sentiment", "--json"])).io.json().models[0];
    assert.equal(m.phase, "released");
    assert.equal(m.step, null);
    assert.deepEqual({ ...m.next, refusal: undefined }, { action: "none", track: "blue", version: "2.2.0", from: 0, to: 10, refusal: undefined });
    assert.match(m.next.refusal, /^sentiment 2\.2\.0 is below the model's quality thresholds \(auc: 0\.85 < 0\.9\); pass --force --reason TEXT/);
    assert.deepEqual(m.qualityGate, { track: "blue", version: "2.2.0", state: "fail", checks: [{ metric: "auc", threshold: 0.9, value: 0.85, ok: false }], shortfalls: ["auc: 0.85 < 0.9"] });
    assert.deepEqual([m.tracks.blue.quality, m.tracks.green.quality], ["fail", "fail"], "per track, raw (the stable green 2.1.0 predates the threshold)");
    assert.deepEqual(m.thresholds, { auc: 0.9 });
  });

  it("promote --force needs --reason past the gate, and writes {reason, by} to the track; status shows the override", async () => {
    const dir = project();
    await run(dir, ["release", "--model", "sentiment", "--version", "2.2.0", "--image", IMAGE, "--metrics", "auc=0.85"]);
    const before = fs.readFileSync(path.join(dir, "Pulumi.production.yaml"), "utf8");
    const plain = await run(dir, ["promote", "--model", "sentiment", "--force"]);
    assert.equal(plain.code, EXIT.refused);
    assert.match(plain.io.text(), /refused: sentiment 2\.2\.0 is below the model's quality thresholds \(auc: 0\.85 < 0\.9\); --force promotes it only with --reason TEXT/);
    const stray = await run(dir, ["promote", "--model", "sentiment", "--reason", "why"]);
    assert.equal(stray.code, EXIT.usage);
    assert.match(stray.io.text(), /--reason and --by go with --force/);
    assert.equal(fs.readFileSync(path.join(dir, "Pulumi.production.yaml"), "utf8"), before);

    const forced = await run(dir, ["promote", "--model", "sentiment", "--force", "--reason", "AUC dip is label noise in the new eval set", "--by", "alice@example.com"]);
    assert.equal(forced.code, 0, forced.io.text());
    assert.match(forced.io.text(), /Quality gate overridden \(auc: 0\.85 < 0\.9\) by alice@example\.com: AUC dip is label noise in the new eval set \(recorded as tracks\.blue\.qualityOverride\)\./);
    assert.match(fs.readFileSync(path.join(dir, "Pulumi.production.yaml"), "utf8"), /weight: 10\n\s+metrics:\n\s+auc: 0\.85\n\s+qualityOverride:\n\s+reason: AUC dip is label noise in the new eval set\n\s+by: alice@example\.com\n/);
    assert.match(forced.io.text(), /\+\s+qualityOverride:/, "the diff shows the override for review");

    const { io } = await run(dir, ["status", "--model", "sentiment"]);
    assert.match(io.stdout.join("\n"), /quality gate: blue 2\.2\.0 below thresholds \(auc 0\.85 < 0\.9\), overridden by alice@example\.com: AUC dip is label noise/);
    assert.match(io.stdout.join("\n"), /: canary: blue 2\.2\.0 at step 1 of 4 \(10%\); green 2\.1\.0 is stable$/m);
    const m = (await run(dir, ["status", "--model", "sentiment", "--json"])).io.json().models[0];
    assert.deepEqual([m.qualityGate.state, m.qualityGate.override, m.step, m.next.action, m.next.to], ["override", { reason: "AUC dip is label noise in the new eval set", by: "alice@example.com" }, { index: 1, of: 4, weight: 10 }, "promote", 25]);
  });

  it("marks a rolled-back candidate in the phase line and the role", async () => {
    const dir = project();
    assert.equal((await run(dir, ["rollback", "--model", "fraud-detector"])).code, 0);
    const text = (await run(dir, ["status", "--model", "fraud-detector"])).io.stdout.join("\n");
    assert.match(text, /: rolled back: green 1\.5\.0 was rolled back and takes no traffic; blue 1\.4\.0 is stable$/m);
    assert.match(text, /green\s+candidate, rolled back\s+1\.5\.0\s+0%/);
    assert.match(text, /next promote: promote would refuse: fraud-detector 1\.5\.0 on green was rolled back; release it again to retry/);
  });
});

describe("--json on every command", function () {
  this.timeout(180_000);

  it("release, promote, rollback, undo, retire: one JSON report on stdout, the rest on stderr", async () => {
    const dir = project();
    const file = path.join(dir, "Pulumi.production.yaml");
    const promote = await run(dir, ["promote", "--model", "fraud-detector", "--json"]);
    assert.equal(promote.code, 0, promote.io.text());
    const r = promote.io.json();
    assert.deepEqual(
      { ...r, diff: undefined },
      {
        command: "promote",
        stack: "production",
        file: "Pulumi.production.yaml",
        summary: "Promote fraud-detector 1.5.0 on green from 10% to 25%.",
        models: [
          {
            model: "fraud-detector",
            stable: { before: "blue", after: "blue" },
            phase: { before: "canary", after: "canary" },
            weights: { before: { blue: 90, green: 10 }, after: { blue: 75, green: 25 } },
            edits: [
              { path: "tracks.blue.weight", value: 75 },
              { path: "tracks.green.weight", value: 25 },
            ],
          },
        ],
        changed: true,
        diff: undefined,
        touched: { added: [], removed: [], changed: ["HTTPRoute ml-production/fraud-detector", "HorizontalPodAutoscaler ml-production/fraud-detector-green", "PrometheusRule ml-production/fraud-detector-route-weights"] },
        // Only the promoted model was rendered (its fleet-wide objects computed for every model).
        rendered: { models: ["fraud-detector"] },
        dryRun: false,
        written: true,
        pulumi: null,
        exitCode: 0,
      },
    );
    assert.match(r.diff, /^--- Pulumi\.production\.yaml/m);
    assert.match(r.diff, /-\s+weight: 10\n\+\s+weight: 25/);
    assert.match(promote.io.stderr.join("\n"), /Promote fraud-detector 1\.5\.0 on green from 10% to 25%\.[\s\S]*Objects this change touches \(3\)/, "the human report goes to stderr");
    assert.match(fs.readFileSync(file, "utf8"), /weight: 25/);

    const dry = (await run(dir, ["rollback", "--model", "fraud-detector", "--dry-run", "--json"])).io.json();
    assert.deepEqual([dry.command, dry.dryRun, dry.written, dry.touched.changed], ["rollback", true, false, ["HTTPRoute ml-production/fraud-detector", "PrometheusRule ml-production/fraud-detector-route-weights"]]);
    const rolled = (await run(dir, ["rollback", "--model", "fraud-detector", "--json"])).io.json();
    assert.deepEqual([rolled.written, rolled.models[0].phase.after], [true, "rolled-back"]);
    const again = (await run(dir, ["rollback", "--model", "fraud-detector", "--json"])).io.json();
    assert.deepEqual([again.changed, again.written, again.diff, again.touched, again.exitCode], [false, false, "", null, 0]);
    assert.match(again.summary, /^Nothing to roll back/);
    const retire = (await run(dir, ["retire", "--model", "fraud-detector", "--json"])).io.json();
    assert.deepEqual([retire.command, retire.written, retire.models[0].phase.after], ["retire", true, "idle"]);
    const release = (await run(dir, ["release", "--model", "fraud-detector", "--version", "1.6.0", "--image", IMAGE.replace("sentiment", "fraud-detector"), "--metrics", "auc=0.95", "--json"])).io.json();
    assert.deepEqual([release.command, release.models[0].phase.after], ["release", "released"]);
    await run(dir, ["promote", "--model", "fraud-detector", "--to", "100", "--force"]);
    const undo = (await run(dir, ["undo", "--model", "fraud-detector", "--json"])).io.json();
    assert.deepEqual([undo.command, undo.models[0].stable, undo.written], ["undo", { before: "green", after: "blue" }, true]);
  });

  it("errors under --json are one JSON object {command, error, exitCode} on stdout, for every command", async () => {
    const dir = project();
    const before = fs.readFileSync(path.join(dir, "Pulumi.production.yaml"), "utf8");
    for (const [argv, exitCode, error] of [
      [["retire", "--model", "fraud-detector"], EXIT.refused, /^refused: the green track still takes 10% of traffic/],
      [["promote", "--model", "nope"], EXIT.refused, /no model "nope"/],
      [["promote", "--model", "fraud-detector", "--to", "ten"], EXIT.usage, /--to expects a whole number/],
      [["undo", "--model", "fraud-detector", "--colour", "red"], EXIT.usage, /unknown option --colour/],
      [["status", "--model", "nope"], EXIT.refused, /no model "nope"/],
      [["synth", "--out"], EXIT.usage, /--out needs a value/],
    ] as const) {
      const { code, io } = await run(dir, [...argv, "--json"]);
      assert.equal(code, exitCode, `${argv.join(" ")}: ${io.text()}`);
      const answer = io.json();
      assert.deepEqual(Object.keys(answer), ["command", "error", "exitCode"], argv.join(" "));
      assert.deepEqual([answer.command, answer.exitCode], [argv[0], exitCode]);
      assert.match(answer.error, error);
    }
    assert.equal(fs.readFileSync(path.join(dir, "Pulumi.production.yaml"), "utf8"), before);
  });

  it("synth --json: the directory, the files and the models", async () => {
    const dir = project();
    const { code, io } = await run(dir, ["synth", "--json"]);
    assert.equal(code, 0, io.text());
    const r = io.json();
    assert.deepEqual([r.stack, r.out, r.written], ["production", path.join(dir, "out", "production"), true]);
    assert.ok(r.files.includes("httproute-ml-production-fraud-detector.yaml"));
    assert.deepEqual(r.files, fs.readdirSync(path.join(dir, "out", "production")).filter((f) => f !== RENDER_MARKER).sort());
    assert.deepEqual(r.models.map((m: any) => [m.name, m.tracks.green.weight]), [["fraud-detector", 10], ["sentiment", 100]]);
  });
});
