// A real Prometheus on 127.0.0.1 with a temp data dir, scraping given targets every second.
// Shared by the end-to-end tests of the gate; everything it starts it stops.
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { instantQuery } from "../../stacks/gate/prometheus";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

export interface Target {
  port: number;
  labels: Record<string, string>;
}

export interface RunningPrometheus {
  url: string;
  log(): string;
  stop(): Promise<void>;
  exited(): boolean;
}

/** Starts Prometheus and waits until every target has been scraped once; fails loudly without the binary. */
export async function startPrometheus(targets: readonly Target[]): Promise<RunningPrometheus> {
  const bin = onPath("prometheus");
  if (!bin) throw new Error(`the "prometheus" binary is not on PATH: this end-to-end test needs a real Prometheus (Debian: apt-get install prometheus; .ci/run installs it)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "modelship-prometheus-"));
  const staticConfigs = targets.map((t) => `  - targets: ["127.0.0.1:${t.port}"]\n    labels: ${JSON.stringify(t.labels)}\n`).join("");
  fs.writeFileSync(path.join(dir, "prometheus.yml"), `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n- job_name: modelship\n  static_configs:\n${staticConfigs}`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc: ChildProcess = spawn(
    bin,
    [`--config.file=${path.join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${path.join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--log.level=warn"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let log = "";
  const append = (d: Buffer) => (log = (log + d.toString()).slice(-20_000));
  proc.stdout!.on("data", append);
  proc.stderr!.on("data", append);
  const exit = new Promise((r) => proc.once("exit", r));
  const exited = () => proc.exitCode !== null || proc.signalCode !== null;
  const stop = async () => {
    if (!exited()) {
      proc.kill("SIGTERM");
      await Promise.race([exit, sleep(10_000)]);
      if (!exited()) proc.kill("SIGKILL");
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 30_000;
    for (let ready = false; !ready; await sleep(250)) {
      if (exited()) throw new Error(`prometheus exited with ${proc.exitCode}:\n${log}`);
      if (Date.now() > deadline) throw new Error(`prometheus not ready within 30 s:\n${log}`);
      ready = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) }).then(
        (r) => r.ok,
        () => false,
      );
    }
    for (let i = 0; ; i++) {
      if ((await instantQuery(url, 'up{job="modelship"} == 1')).length === targets.length) break;
      if (i >= 60) throw new Error(`targets not all up within 15 s:\n${log}`);
      await sleep(250);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, log: () => log, stop, exited };
}
