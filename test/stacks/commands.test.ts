import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { ROUTER_NAMES, type RouterName } from "../../components/routing";
import { main, type Io } from "../../stacks/cli";
import { ROOT, tempProject } from "../helpers";
import { abort, lifecycle, startText, walk } from "./blast";

function capture(cwd: string): Io & { stdout: string[]; stderr: string[]; text(): string } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, cwd, out: (l) => stdout.push(l), err: (l) => stderr.push(l), text: () => [...stdout, ...stderr].join("\n") };
}

/** A throwaway copy of the shipped project (stack files with their comments). */
function copyOfProject(): string {
  const dir = tempProject("production", "config: {}\n");
  for (const f of ["Pulumi.staging.yaml", "Pulumi.production.yaml"]) fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
  return dir;
}

const read = (dir: string, stack = "production") => fs.readFileSync(path.join(dir, `Pulumi.${stack}.yaml`), "utf8");

describe("rollout commands", function () {
  this.timeout(120_000);

  it("status reports tracks, weights, capacity, the step and the next promotion", async () => {
    const io = capture(ROOT);
    assert.equal(await main(["status", "--stack", "production", "--model", "fraud-detector", "--json"], io), 0);
    const report = JSON.parse(io.stdout.join("\n"));
    const m = report.models[0];
    assert.equal(m.name, "fraud-detector");
    assert.equal(m.position, "step 1 of 4 (10%)");
    assert.equal(m.next, "green 1.5.0 from 10% to 25%");
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
    assert.match(text, /Objects this change touches \(2\):\n  ~ HTTPRoute ml-production\/fraud-detector\n  ~ HorizontalPodAutoscaler ml-production\/fraud-detector-green/);
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith(".tmp")), [], "temp file left behind");
  });

  it("--dry-run shows the change and writes nothing", async () => {
    const dir = copyOfProject();
    const before = read(dir);
    const io = capture(dir);
    assert.equal(await main(["rollback", "--stack", "production", "--model", "fraud-detector", "--dry-run"], io), 0);
    assert.equal(read(dir), before);
    assert.match(io.text(), /Objects this change touches \(1\):\n  ~ HTTPRoute ml-production\/fraud-detector\n/);
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

  it("records offline metrics on release, and the quality gate holds a weak version back", async () => {
    const dir = copyOfProject();
    const io = capture(dir);
    const image = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/modelship/sentiment@sha256:${"cd".repeat(32)}`;
    const argv = ["release", "--stack", "production", "--model", "sentiment", "--version", "2.2.0", "--image", image, "--metrics", "auc=0.9"];
    assert.equal(await main(argv, io), 0, io.text());
    assert.match(read(dir), /version: 2\.2\.0\n\s+image: [^\n]+\n\s+modelUri: s3:\/\/acme-ml-models\/sentiment\/2\.2\.0\n\s+weight: 0\n\s+metrics:\n\s+auc: 0\.9/);
  });

  it("--up without a Pulumi CLI says so, after writing the change", async () => {
    const dir = copyOfProject();
    const path0 = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      const io = capture(dir);
      assert.equal(await main(["promote", "--stack", "production", "--model", "fraud-detector", "--up"], io), 3);
      assert.match(io.text(), /the Pulumi CLI is not on PATH, so no `pulumi up` ran; run `pulumi up --stack production` where it is installed/);
      assert.match(read(dir), /weight: 25/);
    } finally {
      process.env.PATH = path0;
    }
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
    it(`${router}: release touches only the idle track, promote only routes and the candidate's autoscaler, rollback only routes`, async () => {
      const steps = [...(await walk(router, lifecycle(router))), ...(await walk(router, abort(router))).slice(1)];
      const rows: string[] = [];
      for (const s of steps) {
        const stablePods = (r: typeof s.before) => r.objects.find((o) => o.kind === "Deployment" && o.metadata.name === `fraud-detector-${s.state.before.stable}`)!.spec.template;
        assert.deepEqual(stablePods(s.after), stablePods(s.before), `${s.command} touched the stable track's pod template`);
        const candidate = s.state.before.stable === "blue" ? "green" : "blue";
        const route = routing(s);
        if (s.command === "release") {
          assert.ok(s.touched.length > 0 && s.touched.every(ofTrack(candidate)), `release touched ${s.touched}`);
        } else if (s.command === "rollback") {
          // The replicas router is the documented exception: its weights are replica counts.
          const allowed = (k: string) => route.has(k) || (router === "replicas" && (ofTrack("blue")(k) || ofTrack("green")(k)));
          assert.ok(s.touched.every(allowed), `rollback touched ${s.touched}`);
          if (weighted.includes(router)) assert.equal(s.touched.length, 1, `rollback touched ${s.touched}`);
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
