// `modelship analyze` end to end: two reference model servers (blue stable, green candidate),
// a real Prometheus scraping them every second, and the CLI judging the candidate while faults
// are injected. Records how long the gate takes to notice each fault for the benchmark report.
import * as assert from "assert";
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { startModelServer, type ModelServer } from "../../components/image/reference-server/server";
import { main } from "../../stacks/cli";
import { instantQuery } from "../../stacks/prometheus";
import { ROOT, tempProject } from "../helpers";

const PROMETHEUS = "prometheus";
const RPS = 25;
const WINDOW = "15s";
// 25 ms x 0.8..1.2 keeps every healthy request's p99 well inside the (0.025, 0.05] bucket. A
// base near a bucket edge (20 ms: 16..24 ms plus overhead) makes p99 jump a bucket on noise,
// and the gate's 1.2x latency factor then failed about a third of analyses of two identical
// healthy tracks when tried.
const LATENCY_MS = 25;
const VERSIONS = { blue: "1.0.0", green: "1.1.0" } as const;

interface Verdict {
  verdict: "pass" | "fail" | "inconclusive" | "error";
  reasons: string[];
  checks: { signal: string; candidate?: number; stable?: number; limit?: number; outcome: string }[];
  candidate: string;
  stable: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function onPath(bin: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const file = path.join(dir, bin);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** ~RPS predictions a second to each server, until stopped or `maxMs` has passed. */
function loadGenerator(targets: ModelServer[], maxMs: number) {
  let sent = 0;
  let failed = 0;
  const inFlight = new Map<ModelServer, number>(targets.map((t) => [t, 0]));
  let x = 1;
  const started = Date.now();
  const tick = () => {
    if (Date.now() - started > maxMs) return stop();
    for (const t of targets) {
      // Never pile up: a stalled server gets no more than 50 requests outstanding.
      if (inFlight.get(t)! >= 50) continue;
      inFlight.set(t, inFlight.get(t)! + 1);
      x = (x * 48271) % 2147483647;
      const features = [(x % 1000) / 250 - 2, ((x >> 10) % 1000) / 500, 1];
      sent++;
      fetch(`${t.url}/predict`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ features }), signal: AbortSignal.timeout(5000) })
        .then(
          (r) => {
            if (r.status !== 200) failed++;
            return r.arrayBuffer();
          },
          () => failed++,
        )
        .finally(() => inFlight.set(t, inFlight.get(t)! - 1));
    }
  };
  const timer = setInterval(tick, 1000 / RPS);
  function stop() {
    clearInterval(timer);
  }
  return { stop, stats: () => ({ sent, failed }) };
}

describe("modelship analyze against a real Prometheus (e2e)", function () {
  this.timeout(240_000);

  let dir = "";
  let projectDir = "";
  let promUrl = "";
  let prometheus: ChildProcess | undefined;
  let promExited: Promise<unknown> = Promise.resolve();
  let promLog = "";
  let blue: ModelServer;
  let green: ModelServer;
  let load: ReturnType<typeof loadGenerator> | undefined;
  const detected: Record<string, number> = {};

  async function analyze(): Promise<{ code: number; result: Verdict }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(["analyze", "--stack", "e2e", "--model", "fraud", "--prometheus", promUrl, "--window", WINDOW, "--json"], {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      cwd: projectDir,
    });
    let result: Verdict;
    try {
      result = JSON.parse(out.join("\n")) as Verdict;
    } catch {
      throw new Error(`analyze exited ${code} without JSON; stdout: ${out.join("\n")}; stderr: ${err.join("\n")}`);
    }
    return { code, result };
  }

  /** Polls analyze every 0.5 s until it says `want`; returns the last answer and the seconds from `since`. */
  async function until(want: Verdict["verdict"], since: number, maxMs: number) {
    let last = await analyze();
    for (let i = 0; last.result.verdict !== want && Date.now() - since < maxMs && i < Math.ceil(maxMs / 500) + 1; i++) {
      await sleep(500);
      last = await analyze();
    }
    return { ...last, seconds: (Date.now() - since) / 1000 };
  }

  const explain = (r: { code: number; result: Verdict }) => `exit ${r.code}: ${JSON.stringify(r.result)}\nprometheus log: ${promLog.slice(-2000)}`;

  before(async () => {
    const bin = onPath(PROMETHEUS);
    if (!bin) throw new Error(`the "${PROMETHEUS}" binary is not on PATH: this end-to-end test needs a real Prometheus (Debian: apt-get install prometheus)`);

    dir = fs.mkdtempSync(path.join(os.tmpdir(), "modelship-analyze-e2e-"));
    blue = await startModelServer({ modelName: "fraud", modelVersion: VERSIONS.blue, latencyMs: LATENCY_MS, seed: 11 });
    green = await startModelServer({ modelName: "fraud", modelVersion: VERSIONS.green, latencyMs: LATENCY_MS, seed: 12 });

    projectDir = tempProject("e2e", {
      environment: "staging",
      namespace: "ml",
      router: "gateway-api",
      routers: { "gateway-api": { gateway: { name: "gw", namespace: "gateway-system" } } },
      models: [
        {
          name: "fraud",
          stable: "blue",
          tracks: {
            blue: { version: VERSIONS.blue, image: `registry.example.com/fraud:${VERSIONS.blue}`, modelUri: `s3://m/${VERSIONS.blue}`, weight: 50 },
            green: { version: VERSIONS.green, image: `registry.example.com/fraud:${VERSIONS.green}`, modelUri: `s3://m/${VERSIONS.green}`, weight: 50 },
          },
        },
      ],
    });

    // The labels the ServiceMonitor's relabeling (and the operator's namespace) give real pods.
    const target = (s: ModelServer, track: string) => `  - targets: ["127.0.0.1:${s.port}"]\n    labels: {namespace: ml, model: fraud, track: ${track}}\n`;
    const config = `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n- job_name: modelship\n  static_configs:\n${target(blue, "blue")}${target(green, "green")}`;
    fs.writeFileSync(path.join(dir, "prometheus.yml"), config);

    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    const proc = spawn(
      bin,
      [`--config.file=${path.join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${path.join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--log.level=warn"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    prometheus = proc;
    promExited = new Promise((r) => proc.once("exit", r));
    const log = (d: Buffer) => (promLog = (promLog + d.toString()).slice(-20_000));
    proc.stdout!.on("data", log);
    proc.stderr!.on("data", log);

    const deadline = Date.now() + 30_000;
    for (let ready = false; !ready; await sleep(250)) {
      if (proc.exitCode !== null) throw new Error(`prometheus exited with ${proc.exitCode}:\n${promLog}`);
      if (Date.now() > deadline) throw new Error(`prometheus not ready within 30 s:\n${promLog}`);
      ready = await fetch(`${promUrl}/-/ready`, { signal: AbortSignal.timeout(1000) }).then(
        (r) => r.ok,
        () => false,
      );
    }
    // Both targets scraped at least once, so (a) is about traffic, not about missing targets.
    for (let i = 0; ; i++) {
      const up = await instantQuery(promUrl, 'up{job="modelship"} == 1');
      if (up.length === 2) break;
      if (i >= 40) throw new Error(`targets not up within 10 s:\n${promLog}`);
      await sleep(250);
    }
  });

  after(async () => {
    load?.stop();
    if (prometheus && prometheus.exitCode === null && prometheus.signalCode === null) {
      prometheus.kill("SIGTERM");
      await Promise.race([promExited, sleep(5000)]);
      if (prometheus.exitCode === null && prometheus.signalCode === null) prometheus.kill("SIGKILL");
    }
    await Promise.all([blue?.close(), green?.close()]);
    for (const d of [dir, projectDir]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  it("(a) is inconclusive before any traffic", async () => {
    const r = await analyze();
    assert.strictEqual(r.result.verdict, "inconclusive", explain(r));
    assert.strictEqual(r.code, 2);
    assert.deepStrictEqual([r.result.candidate, r.result.stable], ["green", "blue"]);
    // Just-scraped counters may not have two samples in the window yet: either reason is "no data".
    assert.match(r.result.reasons.join("\n"), /too little traffic|no request series/);
  });

  it("(b) passes a healthy candidate under load", async () => {
    load = loadGenerator([blue, green], 200_000);
    await sleep(20_000);
    const r = await analyze();
    assert.strictEqual(r.result.verdict, "pass", explain(r));
    assert.strictEqual(r.code, 0);
    assert.deepStrictEqual(
      r.result.checks.map((c) => [c.signal, c.outcome]),
      [
        ["requests", "pass"],
        ["error ratio", "pass"],
        ["p99 latency", "pass"],
      ],
    );
    const requests = r.result.checks[0];
    // 25 req/s over 15 s, loosely: the load generator's timer is not exact.
    for (const n of [requests.candidate!, requests.stable!]) assert.ok(n > 0.5 * RPS * 15 && n < 2 * RPS * 15, `requests in the window: ${n}`);
  });

  it("(c) fails a candidate with 5% errors", async () => {
    const onset = Date.now();
    green.setFaults({ errorRate: 0.05 });
    const r = await until("fail", onset, 90_000);
    assert.strictEqual(r.result.verdict, "fail", explain(r));
    assert.strictEqual(r.code, 1);
    assert.strictEqual(r.result.checks.find((c) => c.signal === "error ratio")?.outcome, "fail", explain(r));
    detected.errors5pct = r.seconds;
    console.log(`      analyze: 5% errors detected after ${r.seconds.toFixed(1)} s`);
  });

  it("(d) passes again once healthy, then fails a candidate 3x slower", async () => {
    green.setFaults({ errorRate: 0 });
    const recovered = await until("pass", Date.now(), 60_000);
    assert.strictEqual(recovered.result.verdict, "pass", explain(recovered));
    assert.strictEqual(recovered.code, 0);

    const onset = Date.now();
    green.setFaults({ latencyMs: 3 * LATENCY_MS });
    const r = await until("fail", onset, 90_000);
    assert.strictEqual(r.result.verdict, "fail", explain(r));
    assert.strictEqual(r.code, 1);
    assert.strictEqual(r.result.checks.find((c) => c.signal === "p99 latency")?.outcome, "fail", explain(r));
    assert.strictEqual(r.result.checks.find((c) => c.signal === "error ratio")?.outcome, "pass", explain(r));
    detected.latency3x = r.seconds;
    console.log(`      analyze: 3x latency detected after ${r.seconds.toFixed(1)} s`);

    const file = path.join(ROOT, "out", "bench", "analyze-e2e.json");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const report = {
      measuredAt: new Date().toISOString(),
      window: WINDOW,
      scrapeIntervalSeconds: 1,
      pollSeconds: 0.5,
      requestsPerSecondPerTrack: RPS,
      baseLatencyMs: LATENCY_MS,
      detectionSeconds: { errorRate5pct: detected.errors5pct, latency3x: detected.latency3x },
      load: load?.stats(),
    };
    fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  });

  it("(e) reports an error when Prometheus is gone", async () => {
    load?.stop();
    prometheus!.kill("SIGTERM");
    await Promise.race([promExited, sleep(10_000)]);
    assert.ok(prometheus!.exitCode !== null || prometheus!.signalCode !== null, "prometheus did not stop within 10 s");
    const r = await analyze();
    assert.strictEqual(r.result.verdict, "error", explain(r));
    assert.strictEqual(r.code, 3);
    assert.match(r.result.reasons.join("\n"), /unreachable/);
  });
});
