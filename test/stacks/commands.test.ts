import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROUTER_NAMES, type RouterName } from "../../components/routing";
import { main, type Io } from "../../stacks/cli";
import { readStack, runStackMutation } from "../../stacks/commands/mutate";
import { Args, EXIT } from "../../stacks/commands/types";
import { rolloutPhase } from "../../stacks/rollout/state";
import { clone, FIXTURE, ROOT, fixtureConfig, tempProject } from "../helpers";
import { abort, lifecycle, startText, walk } from "./blast";

function capture(cwd: string): Io & { stdout: string[]; stderr: string[]; text(): string } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, cwd, out: (l) => stdout.push(l), err: (l) => stderr.push(l), text: () => [...stdout, ...stderr].join("\n") };
}

/** A throwaway copy of the fixture project (stack files with their comments). */
function copyOfProject(): string {
  const dir = tempProject("production", "config: {}\n");
  for (const f of ["Pulumi.staging.yaml", "Pulumi.production.yaml"]) fs.copyFileSync(path.join(FIXTURE, f), path.join(dir, f));
  return dir;
}

const read = (dir: string, stack = "production") => fs.readFileSync(path.join(dir, `Pulumi.${stack}.yaml`), "utf8");

describe("rollout commands", function () {
  this.timeout(120_000);

  it("status reports tracks, weights, capacity, the step and the next promotion", async () => {
    const io = capture(FIXTURE);
    assert.equal(await main(["status", "--stack", "production", "--model", "fraud-detector", "--json"], io), 0);
    const report = JSON.parse(io.stdout.join("\n"));
    const m = report.models[0];
    assert.equal(m.name, "fraud-detector");
    assert.equal(m.phase, "canary");
    assert.deepEqual(m.step, { index: 1, of: 4, weight: 10 });
    assert.deepEqual(m.next, { action: "promote", track: "green", version: "1.5.0", from: 10, to: 25, completes: false });
    assert.deepEqual([m.tracks.green.weight, m.tracks.green.minReplicas, m.tracks.green.maxReplicas], [10, 3, 8]);
    assert.deepEqual([m.tracks.blue.role, m.tracks.blue.minReplicas, m.tracks.blue.maxReplicas], ["stable", 10, 30]);
  });

  it("promote edits only the weights, keeps comments and formatting, and lists the touched objects", async () => {
    const dir = copyOfProject();
    const before = read(dir);
    const io = capture(dir);
    assert.equal(await main(["promote", "--stack", "production", "--model", "fraud-detector"], io), 0, io.text());
    const after = read(dir);
    assert.equal(after, before.replace("          weight: 90\n", "          weight: 75\n").replace("          weight: 10\n", "          weight: 25\n"));
    assert.ok(after.includes("# Mid-canary: 1.5.0 on green takes 10%"), "comment lost");
    const text = io.text();
    assert.match(text, /Promote fraud-detector 1\.5\.0 on green from 10% to 25%\./);
    assert.match(text, /-          weight: 10\n\+          weight: 25/);
    assert.match(text, /Objects this change touches \(3\):\n  ~ HTTPRoute ml-production\/fraud-detector\n  ~ HorizontalPodAutoscaler ml-production\/fraud-detector-green\n  ~ PrometheusRule ml-production\/fraud-detector-route-weights\n/);
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith(".tmp")), [], "temp file left behind");
  });

  it("--dry-run shows the change and writes nothing", async () => {
    const dir = copyOfProject();
    const before = read(dir);
    const io = capture(dir);
    assert.equal(await main(["rollback", "--stack", "production", "--model", "fraud-detector", "--dry-run"], io), 0);
    assert.equal(read(dir), before);
    assert.match(io.text(), /Objects this change touches \(2\):\n  ~ HTTPRoute ml-production\/fraud-detector\n  ~ PrometheusRule ml-production\/fraud-detector-route-weights\n/);
    assert.match(io.text(), /Dry run: Pulumi\.production\.yaml not written\./);
  });

  it("refuses what does not apply, with exit code 1 and the reason", async () => {
    const dir = copyOfProject();
    const before = read(dir);
    for (const [argv, reason] of [
      [["retire", "--model", "fraud-detector"], /refused: the green track still takes 10% of traffic/],
      [["release", "--model", "fraud-detector", "--version", "1.6.0", "--image", "r/x:1"], /refused: the idle track \(green\) still takes 10%/],
      [["promote", "--model", "fraud-detector", "--to", "100"], /refused: the green track is provisioned for 25% \(its next step\)/],
      [["promote", "--model", "nope"], /Pulumi\.production\.yaml: no model "nope" in modelship:models \(models: fraud-detector, sentiment\)/],
      [["release", "--model", "sentiment", "--version", "2.2.0", "--image", "registry.example.com/sentiment:2.2.0"], /modelship:models\[1\]\.tracks\.blue\.image: production images must be pinned by digest/],
    ] as const) {
      const io = capture(dir);
      assert.equal(await main([...argv, "--stack", "production"], io), 1, argv.join(" "));
      assert.match(io.text(), reason);
    }
    assert.equal(read(dir), before, "a refused command wrote the file");
  });

  it("rollback is safe to repeat: the second one moves nothing, writes nothing and exits 0", async () => {
    const dir = copyOfProject();
    const first = capture(dir);
    assert.equal(await main(["rollback", "--stack", "production", "--model", "fraud-detector"], first), 0, first.text());
    assert.match(first.text(), /Roll fraud-detector back: all traffic to blue \(1\.4\.0\); green 1\.5\.0 is marked rolled back\./);
    assert.match(first.text(), /\+          rolledBack: true/);
    const rolledBack = read(dir);
    const second = capture(dir);
    assert.equal(await main(["rollback", "--stack", "production", "--model", "fraud-detector"], second), 0, second.text());
    assert.match(second.text(), /Nothing to roll back: all traffic of fraud-detector is on blue \(1\.4\.0\); green 1\.5\.0 is already rolled back\./);
    assert.match(second.text(), /Nothing to change in Pulumi\.production\.yaml; nothing written\./);
    assert.doesNotMatch(second.text(), /Objects this change touches/);
    assert.equal(read(dir), rolledBack);
    // And the version rolled back takes no weight again until it is released again.
    const promote = capture(dir);
    assert.equal(await main(["promote", "--stack", "production", "--model", "fraud-detector", "--force"], promote), 1);
    assert.match(promote.text(), /refused: fraud-detector 1\.5\.0 on green was rolled back; release it again to retry/);
  });

  it("after a completed promotion: rollback refuses, undo restores the previous stable as a routing change, once", async () => {
    const dir = copyOfProject();
    const run = async (argv: string[], code: number) => {
      const io = capture(dir);
      assert.equal(await main([...argv, "--stack", "production", "--model", "fraud-detector"], io), code, `${argv.join(" ")}: ${io.text()}`);
      return io.text();
    };
    await run(["promote", "--to", "100", "--force"], 0);
    const promoted = read(dir);
    assert.match(await run(["rollback"], 1), /refused: the promotion of fraud-detector 1\.5\.0 on green completed, so there is no canary to roll back; `modelship undo` restores the previous stable \(1\.4\.0 on blue\)/);
    assert.equal(read(dir), promoted);
    const undo = await run(["undo"], 0);
    assert.match(undo, /Undo the promotion of fraud-detector 1\.5\.0: blue \(1\.4\.0\) takes all traffic and is stable again; green 1\.5\.0 is marked rolled back\./);
    // Routing only: the live route, and the preview route, which follows the stable track's change.
    assert.match(undo, /Objects this change touches \(3\):\n  ~ HTTPRoute ml-production\/fraud-detector\n  ~ HTTPRoute ml-production\/fraud-detector-preview\n  ~ PrometheusRule ml-production\/fraud-detector-route-weights\n\n/);
    const undone = read(dir);
    assert.match(await run(["undo"], 1), /refused: nothing to undo: the idle track \(green\) holds 1\.5\.0, which was already rolled back/);
    assert.match(await run(["rollback"], 0), /Nothing to roll back/);
    assert.equal(read(dir), undone);

    const status = capture(dir);
    assert.equal(await main(["status", "--stack", "production", "--model", "fraud-detector", "--json"], status), 0);
    const m = JSON.parse(status.stdout.join("\n")).models[0];
    assert.deepEqual([m.stable, m.phase, m.next.action, m.next.refusal, m.tracks.green.rolledBack], ["blue", "rolled-back", "none", "fraud-detector 1.5.0 on green was rolled back; release it again to retry", true]);
    const table = capture(dir);
    assert.equal(await main(["status", "--stack", "production", "--model", "fraud-detector"], table), 0);
    assert.match(table.text(), /green\s+previous, rolled back\s+1\.5\.0\s+0%/);
  });

  it("writes nothing when the stack file changed after the command read it", async () => {
    const dir = copyOfProject();
    const file = path.join(dir, "Pulumi.production.yaml");
    const theirs = read(dir).replace("# Mid-canary", "# Edited meanwhile. Mid-canary");
    const io = capture(dir);
    // Another writer gets in while the command renders the stack (after reading, before writing).
    const err = io.err;
    io.err = (l) => {
      if (l.startsWith("Rendering")) fs.writeFileSync(file, theirs);
      err(l);
    };
    assert.equal(await main(["promote", "--stack", "production", "--model", "fraud-detector"], io), 1);
    assert.match(io.text(), /Pulumi\.production\.yaml changed since it was read \(another modelship command or an editor\?\); nothing written — run the command again/);
    assert.equal(read(dir), theirs);
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith(".")), [], "lock or temp file left behind");
  });

  it("applies several models' changes as one validated edit, one diff and one write", async () => {
    const dir = copyOfProject();
    const image = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/modelship/sentiment@sha256:${"cd".repeat(32)}`;
    const snapshot = readStack(dir, "production");
    const io = capture(dir);
    const code = await runStackMutation(
      { args: new Args(new Map(), []), projectDir: dir, print: io.out, progress: io.err },
      snapshot,
      [
        { modelIndex: 0, command: { kind: "rollback" } },
        { modelIndex: 1, command: { kind: "release", version: "2.2.0", image } },
      ],
      (plan) => plan.changes.map((c) => `${c.after.name}: ${rolloutPhase(c.before)} -> ${rolloutPhase(c.after)}`).join("\n"),
    );
    assert.equal(code, 0, io.text());
    const text = io.text();
    assert.match(text, /^fraud-detector: canary -> rolled-back\nsentiment: idle -> released\n/);
    assert.equal(text.match(/Objects this change touches/g)?.length, 1);
    assert.equal(text.match(/^\+\+\+ /gm)?.length, 1, "one unified diff");
    assert.match(text, /~ HTTPRoute ml-production\/fraud-detector/);
    assert.match(text, /sentiment-blue/);
    const after = readStack(dir, "production").current.fleet.models;
    assert.deepEqual([after[0].tracks.green.rolledBack, after[0].tracks.blue.weight, after[1].tracks.blue.version, after[1].tracks.blue.retired], [true, 100, "2.2.0", false]);

    // One refusal refuses the whole change: nothing is written.
    const before = read(dir);
    await assert.rejects(
      runStackMutation({ args: new Args(new Map(), []), projectDir: dir, print: () => {}, progress: () => {} }, readStack(dir, "production"), [
        { modelIndex: 1, command: { kind: "rollback" } },
        { modelIndex: 0, command: { kind: "promote" } },
      ], () => ""),
      /was rolled back; release it again to retry/,
    );
    assert.equal(read(dir), before);
  });

  it("records offline metrics on release, and the quality gate holds a weak version back", async () => {
    const dir = copyOfProject();
    const io = capture(dir);
    const image = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/modelship/sentiment@sha256:${"cd".repeat(32)}`;
    const argv = ["release", "--stack", "production", "--model", "sentiment", "--version", "2.2.0", "--image", image, "--metrics", "auc=0.9"];
    assert.equal(await main(argv, io), 0, io.text());
    assert.match(read(dir), /version: 2\.2\.0\n\s+image: [^\n]+\n\s+modelUri: s3:\/\/acme-ml-models\/sentiment\/2\.2\.0\n\s+weight: 0\n\s+metrics:\n\s+auc: 0\.9/);
  });

  it("refuses a weight the mandatory production-weight-on-step policy would stop at pulumi up, even with --force", async () => {
    const dir = copyOfProject();
    fs.mkdirSync(path.join(dir, "policies"));
    for (const f of ["production.json", "staging.json"]) fs.copyFileSync(path.join(FIXTURE, "policies", f), path.join(dir, "policies", f));
    const before = read(dir);
    for (const stack of ["production", "acme/production"]) {
      const io = capture(dir);
      assert.equal(await main(["promote", "--stack", stack, "--model", "fraud-detector", "--to", "30", "--force"], io), 1, io.text());
      assert.match(io.text(), /refused: fraud-detector: weights blue 70 \/ green 30 are not on the model's steps \(10, 25, 50, 100\); the policy production-weight-on-step is mandatory in policies\/production\.json, so `pulumi up` would stop on it/);
    }
    assert.equal(read(dir), before);
    // On a step it goes through; in staging the policy is advisory, so an off-step weight is the reviewer's call.
    const onStep = capture(dir);
    assert.equal(await main(["promote", "--stack", "production", "--model", "fraud-detector", "--to", "25", "--dry-run"], onStep), 0, onStep.text());
    const staging = capture(dir);
    assert.equal(await main(["promote", "--stack", "staging", "--model", "sentiment", "--to", "5", "--dry-run"], staging), 0, staging.text());
  });

  it("refuses conflicting flags as a usage error (exit 3) before reading or writing anything", async () => {
    const dir = copyOfProject();
    const before = read(dir);
    for (const [flags, says] of [
      [["--preview", "--up"], /--preview and --up exclude each other/],
      [["--dry-run", "--up"], /--dry-run and --up exclude each other/],
      [["--dry-run", "--preview"], /--dry-run and --preview exclude each other/],
    ] as const) {
      for (const command of ["promote", "rollback", "undo", "retire"]) {
        const io = capture(dir);
        assert.equal(await main([command, "--stack", "production", "--model", "fraud-detector", ...flags], io), 3, `${command} ${flags.join(" ")}`);
        assert.match(io.stderr.join("\n"), says);
        assert.doesNotMatch(io.text(), /Rendering|Objects this change touches/);
      }
    }
    assert.equal(read(dir), before);
  });

  it("--up without a Pulumi CLI says so, after writing the change", async () => {
    const dir = copyOfProject();
    const path0 = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      const io = capture(dir);
      assert.equal(await main(["promote", "--stack", "production", "--model", "fraud-detector", "--up"], io), EXIT.pulumi);
      assert.equal(EXIT.pulumi, 4);
      assert.match(io.text(), /the Pulumi CLI is not on PATH, so no `pulumi up` ran; run `pulumi up --stack production` where it is installed/);
      assert.match(read(dir), /weight: 25/);
    } finally {
      process.env.PATH = path0;
    }
  });
});

describe("concurrent writers", function () {
  this.timeout(180_000);
  const BIN = path.join(ROOT, "stacks", "bin", "modelship.js");
  const STEPS = Array.from({ length: 20 }, (_, i) => 5 * (i + 1));

  /** Both production models mid-canary at 10%, with steps of 5 so every racer has a step to take. */
  function raceProject(): string {
    const c = clone(fixtureConfig("production"));
    const [fraud, sentiment] = c.models;
    fraud.steps = STEPS;
    sentiment.steps = STEPS;
    sentiment.tracks.blue = { ...sentiment.tracks.blue, retired: false, weight: 10 };
    sentiment.tracks.green.weight = 90;
    return tempProject("production", c);
  }

  function run(dir: string, model: string): Promise<{ model: string; code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, "promote", "--stack", "production", "--model", model, "--project-dir", dir], { stdio: ["ignore", "pipe", "pipe"] });
      let [stdout, stderr] = ["", ""];
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      // Bounded: a hung racer fails the test instead of holding it.
      const timer = setTimeout(() => child.kill("SIGKILL"), 150_000);
      child.on("error", reject);
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ model, code, stdout, stderr });
      });
    });
  }

  it("8 processes promoting at once lose no update: each winner's step is in the file, each loser wrote nothing and says why", async () => {
    const dir = raceProject();
    const models = ["fraud-detector", "sentiment", "fraud-detector", "sentiment", "fraud-detector", "sentiment", "fraud-detector", "sentiment"];
    const results = await Promise.all(models.map((m) => run(dir, m)));
    const final = readStack(dir, "production").current.fleet.models; // parses and validates
    assert.ok(results.some((r) => r.code === 0), "nobody won");
    for (const r of results) {
      if (r.code !== 0) {
        assert.equal(r.code, 1, `${r.model}: ${r.stderr}`);
        assert.match(r.stderr, /changed since it was read \(another modelship command or an editor\?\); nothing written|is locked by another modelship command/, r.stderr);
      }
    }
    // Per model, the winners' steps chain from 10% to the file's weight with no step taken twice:
    // two winners planning from the same file would show the same "from" (a lost update).
    for (const [name, candidate] of [["fraud-detector", "green"], ["sentiment", "blue"]] as const) {
      const won = results
        .filter((r) => r.model === name && r.code === 0)
        .map((r) => /from (\d+)% to (\d+)%/.exec(r.stdout)!.slice(1).map(Number))
        .sort((a, b) => a[0] - b[0]);
      let weight = 10;
      for (const [from, to] of won) {
        assert.equal(from, weight, `${name}: winners ${JSON.stringify(won)}`);
        weight = to;
      }
      assert.equal(final.find((m) => m.name === name)!.tracks[candidate].weight, weight, `${name}: file holds ${final.find((m) => m.name === name)!.tracks[candidate].weight}, winners ${JSON.stringify(won)}`);
    }
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith(".")), [], "lock or temp file left behind");
    console.log(`      race: ${results.filter((r) => r.code === 0).length} of ${results.length} won, ${results.filter((r) => /locked by/.test(r.stderr)).length} met the lock`);
  });
});

describe("blast radius of rollout commands (synth before and after)", function () {
  this.timeout(300_000);
  const weighted: readonly RouterName[] = ROUTER_NAMES.filter((r) => r !== "service" && r !== "replicas");
  const ofTrack = (colour: string) => (k: string) => k.endsWith(`/fraud-detector-${colour}`);
  const routing = (step: { before: { objects: any[] }; after: { objects: any[] } }) =>
    new Set([...step.before.objects, ...step.after.objects].filter((o) => o.metadata.labels?.["app.kubernetes.io/component"] === "route").map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`));
  const report: string[] = [];
  after(() => console.log(`\n    blast radius (objects touched):\n${report.map((l) => `      ${l}`).join("\n")}`));

  for (const router of ROUTER_NAMES) {
    it(`${router}: release touches only the idle track, promote only routes and the candidate's autoscaler, rollback and undo only routes`, async () => {
      const steps = [...(await walk(router, [...lifecycle(router), { kind: "undo" }])), ...(await walk(router, abort(router))).slice(1)];
      const rows: string[] = [];
      for (const s of steps) {
        const stablePods = (r: typeof s.before) => r.objects.find((o) => o.kind === "Deployment" && o.metadata.name === `fraud-detector-${s.state.before.stable}`)!.spec.template;
        assert.deepEqual(stablePods(s.after), stablePods(s.before), `${s.command} touched the stable track's pod template`);
        const candidate = s.state.before.stable === "blue" ? "green" : "blue";
        const route = routing(s);
        if (s.command === "release") {
          assert.ok(s.touched.length > 0 && s.touched.every(ofTrack(candidate)), `release touched ${s.touched}`);
        } else if (s.command === "rollback" || s.command === "undo") {
          // The replicas router is the documented exception: its weights are replica counts.
          const allowed = (k: string) => route.has(k) || (router === "replicas" && (ofTrack("blue")(k) || ofTrack("green")(k)));
          assert.ok(s.touched.every(allowed), `${s.command} touched ${s.touched}`);
          // A rollback is one routing object plus the route's weight record (monitoring.recordWeights,
          // on by default: the silent-canary alerts read it); an undo also re-points the preview
          // route, since the stable changes.
          if (weighted.includes(router) && s.command === "rollback") {
            const records = s.touched.filter((k) => k.startsWith("PrometheusRule "));
            assert.equal(s.touched.length - records.length, 1, `${s.command} touched ${s.touched}`);
            assert.deepEqual(records, ["PrometheusRule ml-production/fraud-detector-route-weights"], `${s.command} touched ${s.touched}`);
          }
        } else {
          const allowed = (k: string) =>
            route.has(k) || k === `HorizontalPodAutoscaler ml-production/fraud-detector-${candidate}` || (router === "replicas" && (ofTrack("blue")(k) || ofTrack("green")(k)));
          assert.ok(s.touched.every(allowed), `${s.command} touched ${s.touched}`);
        }
        rows.push(`${s.command}: ${s.touched.length}`);
        if (process.env.BLAST_DEBUG) console.log(router, s.command, s.touched);
      }
      report.push(`${router.padEnd(12)} ${rows.join(", ")}`);
    });
  }

  it("starts from a valid stack file for every router", () => {
    for (const r of ROUTER_NAMES) assert.ok(startText(r as RouterName).includes(`modelship:router: ${r}`));
  });
});
