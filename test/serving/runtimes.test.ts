// Issue 15: `server:` presets. Each preset parses into a complete model config, the stack file's
// own values win over it, and the container it renders can run under PSS "restricted": ports a
// non-root process may bind, and arguments that only expand variables the container has.
import { strict as assert } from "assert";
import { parseFleetConfig, type ModelConfig } from "../../components/config";
import { PRESET_NAMES } from "../../components/monitoring/presets/names";
import { deploymentSpec } from "../../components/serving/manifests";
import { PRESETS as METRIC_PRESETS } from "../../components/monitoring/presets";
import { MODEL_DIR, RUNTIMES, SERVER_NAMES, type ServerName } from "../../components/serving/runtimes";
import { canaryConfig } from "../fixtures/canary";

const FILE = "Pulumi.test.yaml";
const COPY_IMAGE = "public.ecr.aws/aws-cli/aws-cli@sha256:" + "a".repeat(64);
const PRESETS = SERVER_NAMES.filter((s): s is Exclude<ServerName, "modelship"> => s !== "modelship");

/** A one-model fleet running `server`, with `extra` keys on the model (the stack file's own). */
function fleet(server: ServerName, extra: Record<string, unknown> = {}) {
  const c: any = canaryConfig();
  Object.assign(c.models[0], { server, ...extra });
  if (RUNTIMES[server].delivery === "copy") c.modelCopy = { image: COPY_IMAGE };
  return c;
}

const parsed = (server: ServerName, extra: Record<string, unknown> = {}): ModelConfig => parseFleetConfig(fleet(server, extra), FILE).models[0];

type Defaults = {
  port: number;
  command?: string[];
  args?: string[];
  env: Record<string, string>;
  volumes: { name: string; mountPath: string; emptyDir?: { medium?: string; sizeLimit?: string } }[];
  probes: Record<"startup" | "readiness" | "liveness", Record<string, unknown>>;
  monitoring?: { preset?: string; alerts?: Record<string, number>; slo?: { latency?: { thresholdMs?: number } } };
  autoscaling?: { metric: string; target: number };
};
const defaults = (s: ServerName) => RUNTIMES[s].defaults as unknown as Defaults;

/** The in-flight gauges of a server's metrics preset: one source, the metrics contract's. */
const inFlightOf = (s: ServerName): string[] => {
  const preset = defaults(s).monitoring?.preset ?? "modelship";
  return preset === "custom" ? [] : (METRIC_PRESETS[preset as keyof typeof METRIC_PRESETS]?.inFlight?.metrics ?? []);
};

describe("server presets (issue 15)", () => {
  for (const server of PRESETS) {
    describe(server, () => {
      const d = defaults(server);

      it("parses as a one-model fleet, with modelCopy when the model is copied", () => {
        const m = parsed(server);
        assert.equal(m.server, server);
        if (RUNTIMES[server].delivery === "copy") {
          const c = fleet(server);
          delete c.modelCopy;
          assert.throws(() => parseFleetConfig(c, FILE), /modelCopy/);
        }
      });

      it("fills the model with the preset's values", () => {
        const m = parsed(server);
        assert.equal(m.port, d.port);
        assert.deepEqual(m.command, d.command);
        assert.deepEqual(m.args, d.args);
        for (const [k, v] of Object.entries(d.env)) assert.equal(m.env[k], v, `env ${k}`);
        for (const v of d.volumes) assert.deepEqual(m.volumes.find((w) => w.name === v.name), v, `volume ${v.name}`);
        for (const p of ["startup", "readiness", "liveness"] as const) {
          for (const [k, v] of Object.entries(d.probes[p])) assert.equal((m.probes[p] as Record<string, unknown>)[k], v, `probes.${p}.${k}`);
        }
        if (d.monitoring?.preset) assert.equal(m.monitoring.preset, d.monitoring.preset);
        for (const [k, v] of Object.entries(d.monitoring?.alerts ?? {})) assert.equal((m.monitoring.alerts as Record<string, number>)[k], v, `alerts.${k}`);
        if (d.monitoring?.slo?.latency?.thresholdMs) assert.equal(m.monitoring.slo.latency.thresholdMs, d.monitoring.slo.latency.thresholdMs);
        if (d.autoscaling) {
          assert.equal(m.autoscaling.metric, d.autoscaling.metric);
          assert.equal(m.autoscaling.target, d.autoscaling.target);
        }
      });

      it("lets the stack file's values win: port, a probe path, an env var, a volume of the same name", () => {
        const [volume] = d.volumes;
        const m = parsed(server, {
          port: 9090,
          probes: { readiness: { path: "/custom-ready" } },
          env: { HOME: "/home/custom" },
          volumes: [{ name: volume.name, mountPath: "/custom", emptyDir: { sizeLimit: "3Gi" } }],
        });
        assert.equal(m.port, 9090);
        assert.equal(m.probes.readiness.path, "/custom-ready");
        // The rest of the probe and of the env still come from the preset.
        assert.equal(m.probes.startup.path, d.probes.startup.path);
        assert.equal(m.env.HOME, "/home/custom");
        for (const [k, v] of Object.entries(d.env)) if (k !== "HOME") assert.equal(m.env[k], v, `env ${k}`);
        const same = m.volumes.filter((v) => v.name === volume.name);
        assert.deepEqual(same, [{ name: volume.name, mountPath: "/custom", emptyDir: { sizeLimit: "3Gi" } }]);
        for (const v of d.volumes.slice(1)) assert.ok(m.volumes.some((w) => w.name === v.name), `preset volume ${v.name} kept`);
      });

      it("listens on unprivileged ports (the container runs non-root with every capability dropped)", () => {
        assert.ok(d.port >= 1024, `port ${d.port}`);
        const words = [...(d.command ?? []), ...(d.args ?? [])];
        words.forEach((w, i) => {
          const flag = /^--(?:http-|grpc-|metrics-)?port(?:=(\d+))?$/.exec(w);
          if (!flag) return;
          const port = Number(flag[1] ?? words[i + 1]);
          assert.ok(Number.isInteger(port) && port >= 1024, `${w} ${words[i + 1] ?? ""}`);
        });
        for (const [k, v] of Object.entries(d.env)) if (/_PORT$/.test(k)) assert.ok(Number(v) >= 1024, `${k}=${v}`);
      });

      it("sets its serving port flag to the model's port", () => {
        const words = [...(d.command ?? []), ...(d.args ?? []), ...Object.entries(d.env).map(([k, v]) => `${k}=${v}`)];
        const given = words.some((w, i) => ((w === "--port" || w === "--http-port") && words[i + 1] === String(d.port)) || w === `--http-port=${d.port}` || w === `MLSERVER_HTTP_PORT=${d.port}`);
        // TorchServe takes its addresses from config.properties only (see torchserve.ts).
        assert.ok(given || server === "torchserve", `no flag sets port ${d.port}`);
      });

      it("expands only variables the container has, and loads $(MODEL_PATH)", () => {
        const m = parsed(server);
        const spec = deploymentSpec(m, "blue", { role: "stable", minReplicas: 1, maxReplicas: 2, sizedFor: 90 }, "registry.example.com/img:1", { modelCopyImage: COPY_IMAGE });
        const c = spec.template.spec.containers[0] as { command?: string[]; args?: string[]; env: { name: string; value?: string }[] };
        const has = new Set(c.env.map((e) => e.name));
        const words = [...(c.command ?? []), ...(c.args ?? [])];
        assert.ok(words.some((w) => w.includes("$(MODEL_PATH)")), `${words.join(" ")} does not load $(MODEL_PATH)`);
        for (const w of words) for (const [, name] of w.matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) assert.ok(has.has(name), `${w}: the container has no ${name}`);
        const path = c.env.find((e) => e.name === "MODEL_PATH")?.value;
        assert.equal(path, RUNTIMES[server].delivery === "copy" ? MODEL_DIR : m.tracks.blue.modelUri);
      });

      it("mounts its caches and HOME on writable volumes, and /dev/shm for GPU servers", () => {
        const mounts = d.volumes.map((v) => v.mountPath);
        assert.ok(d.volumes.every((v) => v.emptyDir?.sizeLimit), "every emptyDir has a sizeLimit");
        for (const k of ["HOME", "HF_HOME", "XDG_CACHE_HOME", "BENTOML_HOME", "VLLM_CACHE_ROOT", "LOG_LOCATION", "MLSERVER_METRICS_DIR"]) {
          const v = d.env[k];
          if (v !== undefined) assert.ok(v === "/tmp" || v.startsWith("/tmp/") || mounts.some((p) => v === p || v.startsWith(p + "/")), `${k}=${v} is not on a volume`);
        }
        assert.ok(d.env.HOME, "HOME is set");
        if (["vllm", "tgi", "triton"].includes(server)) {
          const shm = d.volumes.find((v) => v.mountPath === "/dev/shm");
          assert.equal(shm?.emptyDir?.medium, "Memory");
        }
      });

      it("names a known metrics preset and an in-flight signal it exports", () => {
        const preset = d.monitoring?.preset;
        if (preset !== undefined) assert.ok((PRESET_NAMES as readonly string[]).includes(preset), preset);
        if (d.autoscaling?.metric === "inFlight") assert.ok(inFlightOf(server).length > 0, "inFlight autoscaling needs in-flight metric names");
        for (const n of inFlightOf(server)) assert.match(n, /^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
      });
    });
  }

  it("Triton reads the S3 model repository itself: no model copy", () => {
    assert.equal(RUNTIMES.triton.delivery, "server");
    const m = parsed("triton");
    const spec = deploymentSpec(m, "blue", { role: "stable", minReplicas: 1, maxReplicas: 2, sizedFor: 90 }, "img:1", {});
    assert.equal(spec.template.spec.initContainers?.length ?? 0, 0, "no model copy");
  });
});
