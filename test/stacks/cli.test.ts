import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { main, type Io } from "../../stacks/cli";
import { synthesize } from "../../stacks/render/synth";
import { RENDER_MARKER } from "../../stacks/render/files";
import { ADVANCE_EXIT } from "../../stacks/commands/advance";
import { EXIT } from "../../stacks/commands/types";
import { VERDICT_EXIT } from "../../stacks/gate";
import { clone, FIXTURE, ROOT, fixtureConfig, synthFixture, tempProject } from "../helpers";

function capture(cwd = FIXTURE): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, cwd, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "modelship-out-"));
const BIN = path.join(ROOT, "stacks", "bin", "modelship.js");

describe("modelship synth", () => {
  it("writes one YAML file per object, named <kind>-<namespace>-<name>.yaml, and prints the summary", async () => {
    const out = path.join(tmp(), "staging");
    const io = capture();
    assert.equal(await main(["synth", "--stack", "staging", "--out", out], io), 0, io.stderr.join("\n"));
    const { objects, outputs } = await synthFixture("staging");
    const files = fs.readdirSync(out).filter((f) => f !== RENDER_MARKER).sort();
    assert.ok(fs.existsSync(path.join(out, RENDER_MARKER)), "the render is marked as one");
    assert.equal(files.length, objects.length);
    for (const f of files) {
      const o = YAML.parse(fs.readFileSync(path.join(out, f), "utf8"));
      assert.equal(f, `${o.kind.toLowerCase()}-${o.metadata.namespace ?? "_cluster"}-${o.metadata.name}.yaml`);
    }
    assert.ok(files.includes("deployment-ml-staging-fraud-detector-blue.yaml"));
    assert.ok(files.includes("namespace-_cluster-ml-staging.yaml"));
    const text = io.stdout.join("\n");
    assert.match(text, /MODEL\s+ROUTER\s+TRACK\s+ROLE\s+VERSION\s+WEIGHT\s+REPLICAS\s+IMAGE/);
    for (const m of outputs.models) {
      for (const c of ["blue", "green"] as const) {
        const t = m.tracks[c];
        assert.match(text, new RegExp(`${m.name}\\s+[\\w-]+\\s+${c}\\s+${t.role}\\s+${t.version.replace(/\./g, "\\.")}\\s+${t.weight}%\\s+${t.minReplicas}-${t.maxReplicas}\\s`));
      }
    }
  });

  it("replaces the output directory as a whole", async () => {
    const out = path.join(tmp(), "staging");
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, RENDER_MARKER), "");
    fs.writeFileSync(path.join(out, "deployment-ml-staging-old-model-blue.yaml"), "stale");
    assert.equal(await main(["synth", "--stack", "staging", "--out", out], capture()), 0);
    assert.ok(!fs.existsSync(path.join(out, "deployment-ml-staging-old-model-blue.yaml")));
    assert.deepEqual(fs.readdirSync(path.dirname(out)), ["staging"], "no temporary directory left behind");
  });

  it("defaults to out/<stack> in the project", async () => {
    const dir = tempProject("staging", fixtureConfig("staging"));
    assert.equal(await main(["synth", "--stack", "staging"], capture(dir)), 0);
    assert.ok(fs.readdirSync(path.join(dir, "out", "staging")).length > 0);
  });

  it("fails clearly on a missing stack file, listing the stacks there", async () => {
    const io = capture();
    assert.equal(await main(["synth", "--stack", "qa"], io), 1);
    assert.equal(io.stderr.join("\n"), `Pulumi.qa.yaml: no such stack file in ${FIXTURE} (stacks: production, staging)`);
  });

  it("fails with the stack file and key path on a bad config, writing nothing", async () => {
    const config = clone(fixtureConfig("production"));
    config.models[1].tracks.green.weight = 140;
    const dir = tempProject("production", config);
    const io = capture(dir);
    assert.equal(await main(["synth", "--stack", "production"], io), 1);
    assert.ok(io.stderr.join("\n").includes("Pulumi.production.yaml: modelship:models[1].tracks.green.weight: expected 0..100, got 140"));
    assert.ok(!fs.existsSync(path.join(dir, "out")));
    // The runtime recovers for the next render in the same process.
    assert.equal(await main(["synth", "--stack", "staging", "--out", path.join(tmp(), "s")], capture()), 0);
  });

  it("accepts Pulumi's qualified stack names, org/stack and org/project/stack, reading Pulumi.<stack>.yaml", async () => {
    const dir = tempProject("staging", fixtureConfig("staging"));
    for (const stack of ["acme/staging", "acme/modelship/staging"]) {
      const io = capture(dir);
      assert.equal(await main(["synth", "--stack", stack], io), 0, io.stderr.join("\n"));
      // out/<stack> is the bare name too: the org and project never become directories.
      assert.ok(fs.readdirSync(path.join(dir, "out", "staging")).length > 0);
      assert.deepEqual(fs.readdirSync(path.join(dir, "out")), ["staging"]);
      const status = capture(dir);
      assert.equal(await main(["status", "--stack", stack, "--json"], status), 0, status.stderr.join("\n"));
      assert.equal(JSON.parse(status.stdout.join("\n")).models[0].name, "fraud-detector");
    }
  });

  it("rejects a stack name Pulumi would not take, or one that would leave the project, as a usage error (exit 3)", async () => {
    const dir = tempProject("staging", fixtureConfig("staging"));
    const outside = path.join(path.dirname(dir), "outside");
    for (const [stack, says] of [
      ["x/../../outside", /stack "x\/\.\.\/\.\.\/outside": expected STACK, ORG\/STACK or ORG\/PROJECT\/STACK/],
      ["..", /stack "\.\.": "\.\." names a directory, not a stack/],
      ["acme/..", /names a directory, not a stack/],
      ["staging prod", /expected STACK, ORG\/STACK or ORG\/PROJECT\/STACK, each of letters, digits, '-', '_' and '\.'/],
      ["acme/other/staging", /stack "acme\/other\/staging" is in project "other", but .*Pulumi\.yaml is project "modelship"/],
      ["", /expected STACK/],
    ] as const) {
      for (const command of ["synth", "status", "rollback", "analyze"]) {
        const io = capture(dir);
        const extra = command === "synth" || command === "status" ? [] : ["--model", "fraud-detector", ...(command === "analyze" ? ["--prometheus", "http://127.0.0.1:9"] : [])];
        assert.equal(await main([command, "--stack", stack, ...extra], io), 3, `${command} --stack ${stack}: ${io.stderr.join("\n")}`);
        assert.match(io.stderr.join("\n"), says, `${command} --stack ${stack}`);
      }
    }
    assert.ok(!fs.existsSync(outside));
    assert.ok(!fs.existsSync(path.join(dir, "out")), "synth wrote something");
  });

  it("warns on stderr, and through the program, about keys whose namespace is a near miss of modelship", async () => {
    const config = Object.fromEntries(Object.entries(fixtureConfig("staging")).map(([k, v]) => [`modelship:${k}`, v]));
    const text = YAML.stringify({ config: { ...config, "modelshp:router": "istio", "Modelship:steps": [50, 100], "kubernetes:context": "kind", "aws:region": "eu-west-1" } });
    const dir = tempProject("staging", text);
    const WARNINGS = [
      `Pulumi.staging.yaml: modelshp:router: warning: the namespace "modelshp" is not "modelship", so modelship ignores this key; did you mean modelship:router?`,
      `Pulumi.staging.yaml: Modelship:steps: warning: the namespace "Modelship" is not "modelship", so modelship ignores this key; did you mean modelship:steps?`,
    ];
    const status = capture(dir);
    assert.equal(await main(["status", "--stack", "staging"], status), 0, status.stderr.join("\n"));
    assert.deepEqual(status.stderr, WARNINGS);
    const synth = capture(dir);
    assert.equal(await main(["synth", "--stack", "staging"], synth), 0, synth.stderr.join("\n"));
    assert.deepEqual(synth.stderr, WARNINGS, "synth warns once per key, from the program");
    // The program itself (as under `pulumi up`) reports them as Pulumi warnings.
    const logged: string[] = [];
    const warn = pulumi.log.warn;
    (pulumi.log as { warn: typeof warn }).warn = async (m: string) => void logged.push(m);
    try {
      await synthesize(dir, "staging");
    } finally {
      (pulumi.log as { warn: typeof warn }).warn = warn;
    }
    assert.deepEqual(logged, WARNINGS);
  });

  it("fails clearly on a stack file that is not YAML", async () => {
    const dir = tempProject("staging", "config:\n  modelship:models: [unclosed\n");
    const io = capture(dir);
    assert.equal(await main(["synth", "--stack", "staging"], io), 1);
    assert.match(io.stderr.join("\n"), /^Pulumi\.staging\.yaml: /);
  });

  it("rejects bad usage with exit code 3", async () => {
    for (const argv of [["synth"], ["synth", "--stack"], ["synth", "--stack", "staging", "--colour", "red"], ["frobnicate"], []]) {
      const io = capture();
      assert.equal(await main(argv, io), 3, argv.join(" "));
    }
  });

  it("has one exit-code table, which analyze and advance follow", () => {
    assert.deepEqual(EXIT, { ok: 0, refused: 1, held: 2, usage: 3, pulumi: 4 });
    assert.deepEqual(VERDICT_EXIT, { pass: EXIT.ok, fail: EXIT.refused, inconclusive: EXIT.held, error: EXIT.usage });
    assert.deepEqual(ADVANCE_EXIT, { ok: EXIT.ok, rolledBack: EXIT.refused, held: EXIT.held, error: EXIT.usage });
  });

  it("runs as the installed bin, without a stack trace on errors", function () {
    this.timeout(120000);
    const out = path.join(tmp(), "staging");
    const ok = spawnSync(process.execPath, [BIN, "synth", "--stack", "staging", "--out", out], { cwd: FIXTURE, encoding: "utf8" });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /Rendered stack staging: \d+ objects/);
    const bad = spawnSync(process.execPath, [BIN, "synth", "--stack", "nope"], { cwd: FIXTURE, encoding: "utf8" });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^Pulumi\.nope\.yaml: no such stack file/);
    assert.doesNotMatch(bad.stderr, /\n\s+at /);
  });
});
