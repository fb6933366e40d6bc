// `modelship advance` end to end: reference model servers, a real Prometheus scraping them every
// second, and a load generator that splits traffic by the weights in the stack file (what
// `pulumi up` would make the route do). With bake times in seconds, `advance` in a loop takes a
// healthy candidate from release to 100%, rolls a faulty one back, and with Prometheus gone
// exits 3 without touching the file. Records its timings for the benchmark report.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { startModelServer, type ModelServer } from "../../components/image/reference-server/server";
import { main } from "../../stacks/cli";
import { canaryConfig } from "../fixtures/canary";
import { ROOT, tempProject } from "../helpers";
import { sleep, startPrometheus, type RunningPrometheus } from "./harness";

const STACK = "e2e";
const RPS = 40;
const LATENCY_MS = 25;

interface Report {
  stack: string;
  written: boolean;
  error?: string;
  models: {
    model: string;
    action: string;
    from?: number;
    to?: number;
    verdict: string | null;
    reasons: string[];
    assessment?: { gate: { signals: { signal: string; outcome: string; candidate?: { bad: number; total: number }; failStatistic?: number; failThreshold?: number }[] } };
  }[];
}

type Tracks = Record<"blue" | "green", { version: string; weight: number; rolledBack?: boolean }>;

describe("modelship advance against a real Prometheus (e2e)", function () {
  this.timeout(300_000);

  let projectDir = "";
  let stackFile = "";
  let prometheus: RunningPrometheus | undefined;
  const servers = new Map<string, ModelServer>();
  let load: { stop(): void; stats(): { sent: number; failed: number } } | undefined;
  const timings: Record<string, number> = {};

  const tracks = (): Tracks => {
    const doc = YAML.parse(fs.readFileSync(stackFile, "utf8"));
    const m = doc.config["modelship:models"][0];
    return { blue: m.tracks.blue, green: m.tracks.green };
  };
  const stableOf = () => YAML.parse(fs.readFileSync(stackFile, "utf8")).config["modelship:models"][0].stable as "blue" | "green";

  async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l), cwd: projectDir });
    return { code, out: out.join("\n"), err: err.join("\n") };
  }

  async function advance(): Promise<{ code: number; report: Report; err: string }> {
    const r = await cli(["advance", "--stack", STACK, "--all", "--prometheus", prometheus!.url, "--json"]);
    let report: Report;
    try {
      report = JSON.parse(r.out) as Report;
    } catch {
      throw new Error(`advance exited ${r.code} without JSON; stdout: ${r.out}; stderr: ${r.err}`);
    }
    return { code: r.code, report, err: r.err };
  }

  /** Runs advance every second until `done` holds; bounded in count and time. */
  async function advanceUntil(done: (t: Tracks) => boolean, maxMs: number) {
    const started = Date.now();
    const log: string[] = [];
    const reports: Report[] = [];
    for (let i = 0; i < maxMs / 1000 + 1 && Date.now() - started < maxMs; i++) {
      const r = await advance();
      reports.push(r.report);
      log.push(`exit ${r.code}: ${r.report.models.map((m) => `${m.action} ${m.from}->${m.to} ${m.verdict}: ${m.reasons.join(" | ")}`).join("; ")}`);
      assert.ok([0, 1, 2].includes(r.code), `advance exited ${r.code}: ${JSON.stringify(r.report)}\n${r.err}`);
      if (done(tracks())) return { seconds: (Date.now() - started) / 1000, log, reports };
      await sleep(1000);
    }
    throw new Error(`not done within ${maxMs / 1000}s; advance said:\n${log.slice(-15).join("\n")}\nprometheus: ${prometheus?.log().slice(-1000)}`);
  }

  /** ~RPS requests a second, split by the stack file's weights, to the server of each track's version. */
  function loadGenerator(maxMs: number) {
    let sent = 0;
    let failed = 0;
    let x = 7;
    let weights = tracks();
    const started = Date.now();
    const reread = setInterval(() => (weights = tracks()), 250);
    const inFlight = new Map<ModelServer, number>();
    const timer = setInterval(() => {
      if (Date.now() - started > maxMs) return stop();
      x = (x * 48271) % 2147483647;
      const colour = (x % 10_000) / 100 < weights.green.weight ? "green" : "blue";
      const server = servers.get(`${colour}@${weights[colour].version}`);
      if (!server || (inFlight.get(server) ?? 0) >= 50) return;
      inFlight.set(server, (inFlight.get(server) ?? 0) + 1);
      sent++;
      fetch(`${server.url}/predict`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ features: [1, 0.5, (x % 100) / 100] }), signal: AbortSignal.timeout(5000) })
        .then(
          (r) => {
            if (r.status !== 200) failed++;
            return r.arrayBuffer();
          },
          () => failed++,
        )
        .finally(() => inFlight.set(server, (inFlight.get(server) ?? 1) - 1));
    }, 1000 / RPS);
    function stop() {
      clearInterval(timer);
      clearInterval(reread);
    }
    return { stop, stats: () => ({ sent, failed }) };
  }

  before(async () => {
    // The pods a cluster would run over this test: green 0.9.0 is a leftover of green's previous
    // version, still scraped and failing every request it gets; blue 2.0.0 is a faulty release.
    const specs = [
      { track: "blue", version: "1.0.0", errorRate: 0 },
      { track: "green", version: "1.1.0", errorRate: 0 },
      { track: "green", version: "0.9.0", errorRate: 1 },
      { track: "blue", version: "2.0.0", errorRate: 0.3 },
    ];
    for (const [i, s] of specs.entries()) {
      servers.set(`${s.track}@${s.version}`, await startModelServer({ modelName: "fraud", modelVersion: s.version, latencyMs: LATENCY_MS, errorRate: s.errorRate, seed: 21 + i }));
    }
    projectDir = tempProject(
      STACK,
      canaryConfig({
        weight: 0,
        steps: [50, 100],
        versions: { blue: "1.0.0", green: "1.1.0" },
        // Bake in seconds so the test runs in a minute; a 5% absolute error margin so ~200
        // error-free requests bound the candidate (the default 0.5% needs ~2,300).
        rollout: { bake: "5s", maxInconclusive: "3m" },
        monitoring: { scrape: { interval: "1s" }, canary: { errorMargin: 0.05 } },
      }),
    );
    stackFile = path.join(projectDir, `Pulumi.${STACK}.yaml`);
    prometheus = await startPrometheus(
      specs.map((s) => ({ port: servers.get(`${s.track}@${s.version}`)!.port, labels: { namespace: "ml", model: "fraud", track: s.track, version: s.version } })),
    );
    load = loadGenerator(280_000);
    // The leftover pod keeps receiving a trickle of traffic it fails.
    const leftover = servers.get("green@0.9.0")!;
    const trickle = setInterval(() => void fetch(`${leftover.url}/predict`, { method: "POST", body: '{"features":[1]}', signal: AbortSignal.timeout(2000) }).catch(() => undefined), 250);
    const stopLoad = load.stop;
    load.stop = () => {
      clearInterval(trickle);
      stopLoad();
    };
  });

  after(async () => {
    load?.stop();
    await prometheus?.stop();
    await Promise.all([...servers.values()].map((s) => s.close()));
    if (projectDir) fs.rmSync(projectDir, { recursive: true, force: true });
  });

  it("takes a healthy candidate from release to 100%, step by step, without a human", async () => {
    const { seconds, log, reports } = await advanceUntil((t) => stableOf() === "green" && t.green.weight === 100, 150_000);
    timings.healthyToFull = seconds;
    // The last promotion was judged on counts of the candidate's own requests, with its statistic.
    const last = reports[reports.length - 1].models[0];
    assert.equal(last.action, "promote");
    const errors = last.assessment!.gate.signals.find((s) => s.signal === "errors")!;
    assert.equal(errors.outcome, "pass");
    assert.equal(errors.candidate!.bad, 0, "the leftover 0.9.0 pod's failures are not the candidate's");
    assert.ok(errors.candidate!.total >= 100, JSON.stringify(errors));
    assert.ok(errors.failThreshold! > 0 && errors.failStatistic! < errors.failThreshold!);
    // It went through the step: promote to 50 first, never a jump to 100.
    assert.ok(log.some((l) => /promote 0->50/.test(l)), log.join("\n"));
    assert.ok(log.some((l) => /promote 50->100/.test(l)), log.join("\n"));
    // The leftover 0.9.0 pod's errors never spoke for the candidate.
    assert.ok(!log.some((l) => /rollback/.test(l)), log.join("\n"));
    const done = await advance();
    assert.equal(done.code, 0);
    assert.equal(done.report.models[0].action, "none");
    assert.equal(done.report.written, false);
  });

  it("analyze refuses to judge when no rollout is in progress, and passes a ready release", async () => {
    const idle = await cli(["analyze", "--stack", STACK, "--model", "fraud", "--prometheus", prometheus!.url, "--json"]);
    assert.equal(idle.code, 3, idle.out);
    assert.match(JSON.parse(idle.out).error, /no rollout in progress \(its idle track is previous-stable\)/);
  });

  it("rolls back a faulty candidate as soon as live traffic shows it", async () => {
    const release = await cli(["release", "--stack", STACK, "--model", "fraud", "--version", "2.0.0", "--image", "registry.example.com/fraud:2.0.0", "--model-uri", "s3://m/fraud/2.0.0"]);
    assert.equal(release.code, 0, release.err);
    const first = await cli(["analyze", "--stack", STACK, "--model", "fraud", "--prometheus", prometheus!.url]);
    assert.equal(first.code, 0, first.out);
    assert.match(first.out, /fraud: candidate blue \(2\.0\.0\) before its first step against stable green \(1\.1\.0\): PASS/);
    const started = Date.now();
    let atStep: number | undefined;
    const { log } = await advanceUntil((t) => {
      if (atStep === undefined && t.blue.weight > 0) atStep = Date.now();
      return atStep !== undefined && t.blue.weight === 0;
    }, 120_000);
    assert.ok(atStep !== undefined, log.join("\n"));
    timings.faultToRollback = (Date.now() - atStep!) / 1000;
    timings.faultReleaseToRollback = (Date.now() - started) / 1000;
    const t = tracks();
    assert.equal(stableOf(), "green");
    assert.equal(t.green.weight, 100);
    assert.equal(t.blue.rolledBack, true, "the rolled-back version is marked");
    assert.ok(log.some((l) => /^exit 1: rollback 50->0 fail: .*errors/.test(l)), log.join("\n"));
  });

  it("with Prometheus gone, exits 3 and leaves the file untouched", async () => {
    const release = await cli(["release", "--stack", STACK, "--model", "fraud", "--version", "2.0.1", "--image", "registry.example.com/fraud:2.0.1", "--model-uri", "s3://m/fraud/2.0.1"]);
    assert.equal(release.code, 0, release.err);
    load?.stop();
    await prometheus!.stop();
    const before = fs.readFileSync(stackFile);
    const r = await advance();
    assert.equal(r.code, 3, JSON.stringify(r.report));
    assert.equal(r.report.written, false);
    assert.match(r.report.error ?? "", /no verdict, nothing written: Prometheus at http:\/\/127\.0\.0\.1:\d+ is unreachable/);
    assert.deepEqual(fs.readFileSync(stackFile), before);

    const file = path.join(ROOT, "out", "bench", "advance-e2e.json");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify({ measuredAt: new Date().toISOString(), requestsPerSecond: RPS, steps: [50, 100], bake: "5s", scrapeIntervalSeconds: 1, advanceEverySeconds: 1, timings, load: load?.stats() }, null, 2)}\n`);
  });
});
