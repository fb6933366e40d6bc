// The deciding commands fail closed: every failure is exit 3 with a parseable JSON answer under
// --json, never a stack trace, and never a code a pipeline could read as a verdict.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { main } from "../../stacks/cli";
import { freePort } from "./harness";
import { canaryConfig } from "../fixtures/canary";
import { ROOT, tempProject } from "../helpers";

const config = canaryConfig();

async function run(dir: string, args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l), cwd: dir });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("analyze and advance fail closed", () => {
  let dir = "";
  let file = "";
  before(() => {
    dir = tempProject("qa", config);
    file = path.join(dir, "Pulumi.qa.yaml");
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const command of ["analyze", "advance"]) {
    const target = command === "analyze" ? ["--model", "fraud"] : ["--all"];

    it(`${command}: a Prometheus URL without a scheme is exit 3 with a JSON answer naming the fix`, async () => {
      const r = await run(dir, [command, "--stack", "qa", ...target, "--prometheus", "127.0.0.1:9090", "--json"]);
      assert.equal(r.code, 3);
      const answer = JSON.parse(r.out);
      assert.equal(answer.verdict, "error");
      assert.match(answer.error, /expects an http:\/\/ or https:\/\/ URL, got "127.0.0.1:9090" \(did you mean http:\/\/127.0.0.1:9090\?\)/);
      assert.doesNotMatch(r.err, /\n\s+at /, "no stack trace");
    });

    it(`${command}: Prometheus unreachable is exit 3, credentials never printed, file untouched`, async () => {
      const port = await freePort();
      const before = fs.readFileSync(file);
      const r = await run(dir, [command, "--stack", "qa", ...target, "--prometheus", `http://alice:s3cret@127.0.0.1:${port}`, "--json"]);
      assert.equal(r.code, 3, r.out);
      assert.match(r.out, /unreachable/);
      assert.doesNotMatch(r.out + r.err, /s3cret/);
      assert.deepEqual(fs.readFileSync(file), before);
    });

    it(`${command}: an unknown option (the old --window) is exit 3, not 2 (which reads as "inconclusive")`, async () => {
      const r = await run(dir, [command, "--stack", "qa", ...target, "--prometheus", "http://127.0.0.1:1", "--window", "5m", "--json"]);
      assert.equal(r.code, 3);
      assert.match(JSON.parse(r.out).error, /unknown option --window/);
    });
  }

  it("the installed command (bin) answers a scheme-less URL with exit 3 and JSON, as the workflows run it", () => {
    // The reported failure: a stack trace and exit 70, which the old workflow read as "no verdict"
    // and then promoted anyway.
    const r = spawnSync(process.execPath, [path.join(ROOT, "stacks", "bin", "modelship.js"), "analyze", "--stack", "qa", "--model", "fraud", "--prometheus", "127.0.0.1:9090", "--json"], {
      cwd: dir,
      encoding: "utf8",
      timeout: 60_000,
    });
    assert.equal(r.status, 3, r.stderr);
    assert.equal(JSON.parse(r.stdout).verdict, "error");
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  it("advance: --model and --all together, or neither, is a usage error (exit 3)", async () => {
    const both = await run(dir, ["advance", "--stack", "qa", "--model", "fraud", "--all", "--prometheus", "http://127.0.0.1:1"]);
    assert.equal(both.code, 3);
    assert.match(both.err, /--model and --all exclude each other/);
    const neither = await run(dir, ["advance", "--stack", "qa", "--prometheus", "http://127.0.0.1:1"]);
    assert.equal(neither.code, 3);
    assert.match(neither.err, /name a model with --model, or pass --all/);
  });

  it("advance: the Prometheus URL may come from MODELSHIP_PROMETHEUS_URL", async () => {
    const port = await freePort();
    process.env.MODELSHIP_PROMETHEUS_URL = `http://127.0.0.1:${port}`;
    try {
      const r = await run(dir, ["advance", "--stack", "qa", "--all", "--json"]);
      assert.equal(r.code, 3);
      assert.match(JSON.parse(r.out).error, new RegExp(`Prometheus at http://127.0.0.1:${port} is unreachable`));
    } finally {
      delete process.env.MODELSHIP_PROMETHEUS_URL;
    }
  });

  it("advance: with nothing mid-rollout asks nothing and exits 0", async () => {
    const idleConfig = canaryConfig({ weight: 0 }) as { models: { tracks: { green: Record<string, unknown> } }[] };
    idleConfig.models[0].tracks.green.retired = true;
    const idle = tempProject("qa", idleConfig);
    try {
      const r = await run(idle, ["advance", "--stack", "qa", "--all", "--prometheus", "http://127.0.0.1:1", "--json"]);
      assert.equal(r.code, 0, r.out + r.err);
      const report = JSON.parse(r.out);
      assert.deepEqual(report.models.map((m: { action: string; reasons: string[] }) => [m.action, m.reasons[0]]), [["none", "no rollout in progress (idle)"]]);
      assert.equal(report.written, false);
    } finally {
      fs.rmSync(idle, { recursive: true, force: true });
    }
  });
});
