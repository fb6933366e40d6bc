// Plays the Pulumi engine's part against the real modelship-serving policy pack: launches it the
// way the CLI does (`pulumi preview --policy-pack policies --policy-pack-config <file>`), speaks
// the Analyzer gRPC protocol through the stubs shipped with @pulumi/pulumi, and hands back what
// the pack reports. Mirrors, from the Pulumi CLI's Go sources:
//   - sdk/go/common/resource/plugin/analyzer_plugin.go  NewPolicyAnalyzer (launch, Handshake,
//     ConfigureStack), Analyze / AnalyzeStack (request shapes), Configure, constructEnv;
//   - pkg/resource/analyzer/config.go  parsePolicyPackConfig and ReconcilePolicyPackConfig
//     (how a --policy-pack-config file becomes the map sent to Configure, `all` included).
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as pb from "@pulumi/pulumi/proto/analyzer_pb";
import { unknownValue, type RegisteredResource } from "../../stacks/render/synth";
import { ROOT } from "../helpers";

export const PACK_DIR = path.join(ROOT, "policies");
export type ConfigFile = "staging.json" | "production.json";
export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";

/** A policy violation as the engine receives it. */
export interface Diagnostic {
  policyName: string;
  /** The policy's description, a newline, then the violation's own text. */
  message: string;
  enforcementLevel: EnforcementLevel;
  /** The resource it is about (Analyze: always; AnalyzeStack: when the policy named one). */
  urn?: string;
  policyPackName: string;
}

export interface PackPolicy {
  name: string;
  kind: "resource" | "stack" | "unknown";
  /** The level the policy declares (before any config). */
  enforcementLevel: EnforcementLevel;
  configSchema?: { properties: Record<string, Record<string, unknown>>; required: string[] };
}

export interface PackInfo {
  name: string;
  version: string;
  supportsConfig: boolean;
  policies: PackPolicy[];
  initialConfig: Record<string, PolicyConfig>;
}

export interface PolicyConfig {
  enforcementLevel?: EnforcementLevel;
  properties?: Record<string, unknown>;
}

/** What the engine knows of a resource; synth's RegisteredResource fits. */
export type AnalyzedResource = Pick<RegisteredResource, "urn" | "type" | "name" | "inputs"> &
  Partial<Pick<RegisteredResource, "parent" | "dependencies">> & { propertyDependencies?: Record<string, string[]> };

const START_TIMEOUT_MS = 120_000;
const RPC_DEADLINE_MS = 60_000;
const EXIT_TIMEOUT_MS = 10_000;

const LEVEL_NAMES: Record<pb.EnforcementLevel, EnforcementLevel> = {
  [pb.EnforcementLevel.ADVISORY]: "advisory",
  [pb.EnforcementLevel.MANDATORY]: "mandatory",
  [pb.EnforcementLevel.DISABLED]: "disabled",
  [pb.EnforcementLevel.REMEDIATE]: "remediate",
};
const LEVEL_VALUES = Object.fromEntries(Object.entries(LEVEL_NAMES).map(([k, v]) => [v, Number(k)])) as Record<EnforcementLevel, pb.EnforcementLevel>;
const isLevel = (v: unknown): v is EnforcementLevel => typeof v === "string" && v in LEVEL_VALUES;

/** The engine's marshalling of a value not known during preview (plugin.UnknownStringValue). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/** How synth writes such a value (`[known after apply: what]`); a string built from one is unknown as a whole. */
const SYNTH_UNKNOWN = unknownValue("").replace(/\]$/, "");

/**
 * JSON-like values as the engine's property marshalling produces them during a preview: no
 * undefined, no internal `__` keys, and synth's known-after-apply placeholders sent as unknowns.
 */
function plain(v: unknown): unknown {
  if (typeof v === "string" && v.includes(SYNTH_UNKNOWN)) return UNKNOWN;
  if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : plain(x)));
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).filter(([k, x]) => x !== undefined && !k.startsWith("__")).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}
const toStruct = (v: Record<string, unknown> | undefined) => Struct.fromJavaScript((plain(v ?? {}) ?? {}) as Record<string, any>);

/** The package.json `version` of a directory, if it has one (PolicyPack reads it from the cwd). */
function packageVersion(dir: string): string | undefined {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { version?: unknown };
    return typeof pkg.version === "string" && pkg.version !== "" ? pkg.version : undefined;
  } catch {
    return undefined;
  }
}

export interface StartOptions {
  /** The stack the preview is for: the CLI then passes its project/stack in the environment and calls ConfigureStack. */
  stack?: string;
  project?: string;
  timeoutMs?: number;
}

export class PolicyPackProcess {
  private closed = false;
  private info?: PackInfo;

  constructor(
    readonly child: ChildProcess,
    readonly client: AnalyzerClient,
    readonly port: number,
    /** The directory the pack ran in: the pack directory itself, or the shim (see `shimReason`). */
    readonly cwd: string,
    /** Why the pack could not run from its own directory, if it could not. */
    readonly shimReason: string | undefined,
    private readonly stderrText: () => string,
  ) {}

  get pid(): number | undefined {
    return this.child.pid;
  }

  stderr(): string {
    return this.stderrText();
  }

  /** One unary RPC with a deadline; errors carry the pack's stderr. */
  rpc<Req, Res>(
    method: (req: Req, md: grpc.Metadata, opts: Partial<grpc.CallOptions>, cb: (err: grpc.ServiceError | null, res: Res) => void) => grpc.ClientUnaryCall,
    req: Req,
    what: string,
  ): Promise<Res> {
    return new Promise((resolve, reject) => {
      method.call(this.client, req, new grpc.Metadata(), { deadline: Date.now() + RPC_DEADLINE_MS }, (err, res) => {
        if (err) {
          const e = new Error(`${what}: ${err.message}\n--- policy pack stderr ---\n${this.stderr().slice(-4000)}`) as Error & { code?: grpc.status };
          e.code = err.code;
          reject(e);
        } else resolve(res);
      });
    });
  }

  /** GetAnalyzerInfo: the pack's name, version and policies with their declared levels and schemas. */
  async getAnalyzerInfo(): Promise<PackInfo> {
    const res = await this.rpc(this.client.getAnalyzerInfo, new Empty(), "GetAnalyzerInfo");
    const kinds: Record<number, PackPolicy["kind"]> = { [pb.PolicyType.POLICY_TYPE_RESOURCE]: "resource", [pb.PolicyType.POLICY_TYPE_STACK]: "stack" };
    const initialConfig: Record<string, PolicyConfig> = {};
    res.getInitialconfigMap().forEach((v, k) => {
      initialConfig[k] = { enforcementLevel: LEVEL_NAMES[v.getEnforcementlevel()], properties: v.getProperties()?.toJavaScript() };
    });
    this.info = {
      name: res.getName(),
      version: res.getVersion(),
      supportsConfig: res.getSupportsconfig(),
      policies: res.getPoliciesList().map((p) => {
        const schema = p.getConfigschema();
        return {
          name: p.getName(),
          kind: kinds[p.getPolicyType()] ?? "unknown",
          enforcementLevel: LEVEL_NAMES[p.getEnforcementlevel()],
          ...(schema ? { configSchema: { properties: (schema.getProperties()?.toJavaScript() ?? {}) as Record<string, Record<string, unknown>>, required: schema.getRequiredList() } } : {}),
        };
      }),
      initialConfig,
    };
    return this.info;
  }

  /** ConfigureStack, as the CLI sends it right after the pack starts when it runs for a stack. */
  async configureStack(stack: string, project = "modelship", dryRun = true): Promise<void> {
    const req = new pb.AnalyzerStackConfigureRequest().setStack(stack).setProject(project).setOrganization("organization").setDryRun(dryRun);
    await this.rpc(this.client.configureStack, req, "ConfigureStack");
  }

  /**
   * Reads a --policy-pack-config file from the pack directory and sends Configure as the CLI does:
   * every policy starts at its declared level with its schema defaults; `all` sets every policy's
   * level; a string is a policy's level; an object's `enforcementLevel` is its level and its other
   * keys are its config properties. The result is validated against the policies' schemas and
   * sent whole (the CLI sends the `all` entry too). Returns the map that was sent.
   */
  async configure(file: ConfigFile): Promise<Record<string, PolicyConfig>> {
    const info = this.info ?? (await this.getAnalyzerInfo());
    const given = parsePolicyPackConfig(fs.readFileSync(path.join(PACK_DIR, file), "utf8"), file);
    const config = reconcilePolicyPackConfig(info, given);
    const req = new pb.ConfigureAnalyzerRequest();
    const map = req.getPolicyconfigMap();
    for (const [name, c] of Object.entries(config)) {
      if (!c.enforcementLevel) throw new Error(`${file}: invalid enforcement level "" for ${name}`);
      map.set(name, new pb.PolicyConfig().setEnforcementlevel(LEVEL_VALUES[c.enforcementLevel]).setProperties(toStruct(c.properties)));
    }
    await this.rpc(this.client.configure, req, `Configure(${file})`);
    return config;
  }

  /** AnalyzeStack over all the resources, as the engine sends it at the end of a preview. */
  async analyzeStack(resources: readonly AnalyzedResource[]): Promise<Diagnostic[]> {
    const req = new pb.AnalyzeStackRequest().setResourcesList(resources.map(analyzerResource));
    const res = await this.rpc(this.client.analyzeStack, req, "AnalyzeStack");
    return diagnosticsOf(res);
  }

  /** Analyze one resource, as the engine does for each registration; diagnostics carry the resource's URN. */
  async analyze(resource: AnalyzedResource): Promise<Diagnostic[]> {
    const req = new pb.AnalyzeRequest()
      .setUrn(resource.urn)
      .setType(resource.type)
      .setName(resource.name)
      .setProperties(toStruct(resource.inputs))
      .setOptions(resourceOptions(resource));
    const res = await this.rpc(this.client.analyze, req, `Analyze(${resource.urn})`);
    return diagnosticsOf(res, resource.urn);
  }

  /** Analyze on every resource, then AnalyzeStack: everything a preview reports. */
  async analyzeAll(resources: readonly AnalyzedResource[]): Promise<Diagnostic[]> {
    const each = await Promise.all(resources.map((r) => this.analyze(r)));
    return [...each.flat(), ...(await this.analyzeStack(resources))];
  }

  /** Closes the channel and ends the pack (SIGTERM, then SIGKILL after a bounded wait). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.client.close();
    await stopChild(this.child);
    if (this.shimReason) fs.rmSync(this.cwd, { recursive: true, force: true });
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const inTime = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), EXIT_TIMEOUT_MS).unref())]);
  if (!inTime) {
    child.kill("SIGKILL");
    await Promise.race([exited, new Promise<void>((r) => setTimeout(r, EXIT_TIMEOUT_MS).unref())]);
  }
}

function resourceOptions(r: AnalyzedResource): pb.AnalyzerResourceOptions {
  // The engine always sends options (the policy SDK refuses requests without them), with custom
  // timeouts present and zero when none were set.
  return new pb.AnalyzerResourceOptions()
    .setProtect(false)
    .setParent(r.parent ?? "")
    .setCustomtimeouts(new pb.AnalyzerResourceOptions.CustomTimeouts().setCreate(0).setUpdate(0).setDelete(0));
}

function analyzerResource(r: AnalyzedResource): pb.AnalyzerResource {
  const res = new pb.AnalyzerResource()
    .setUrn(r.urn)
    .setType(r.type)
    .setName(r.name)
    .setProperties(toStruct(r.inputs))
    .setOptions(resourceOptions(r))
    .setParent(r.parent ?? "")
    .setDependenciesList([...(r.dependencies ?? [])]);
  const deps = res.getPropertydependenciesMap();
  for (const [key, urns] of Object.entries(r.propertyDependencies ?? {})) {
    if (urns.length) deps.set(key, new pb.AnalyzerPropertyDependencies().setUrnsList(urns));
  }
  return res;
}

function diagnosticsOf(res: pb.AnalyzeResponse, urn?: string): Diagnostic[] {
  return res.getDiagnosticsList().map((d) => {
    const u = d.getUrn() || urn;
    return {
      policyName: d.getPolicyname(),
      message: d.getMessage(),
      enforcementLevel: LEVEL_NAMES[d.getEnforcementlevel()],
      ...(u ? { urn: u } : {}),
      policyPackName: d.getPolicypackname(),
    };
  });
}

/** A --policy-pack-config file, parsed as the CLI parses it. */
export function parsePolicyPackConfig(text: string, file = "config"): Record<string, PolicyConfig> {
  if (text.trim() === "") return {};
  const raw = JSON.parse(text) as Record<string, unknown>;
  const out: Record<string, PolicyConfig> = {};
  for (const [key, value] of Object.entries(raw)) {
    let enforcementLevel: EnforcementLevel | undefined;
    let properties: Record<string, unknown> | undefined;
    if (typeof value === "string") {
      if (!isLevel(value)) throw new Error(`${file}: parsing enforcement level for "${key}": "${value}" is not a valid enforcement level`);
      enforcementLevel = value;
    } else if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      const { enforcementLevel: el, ...rest } = value as Record<string, unknown>;
      if (el !== undefined) {
        if (!isLevel(el)) throw new Error(`${file}: parsing enforcement level for "${key}": ${JSON.stringify(el)} is not a valid enforcement level`);
        enforcementLevel = el;
      }
      if (Object.keys(rest).length) properties = rest;
    } else {
      throw new Error(`${file}: parsing "${key}": ${JSON.stringify(value)} is not a valid value; must be a string or object`);
    }
    if (enforcementLevel === undefined && properties === undefined) continue;
    out[key] = { ...(enforcementLevel ? { enforcementLevel } : {}), ...(properties ? { properties } : {}) };
  }
  return out;
}

function applyConfig(result: Record<string, PolicyConfig>, toApply: Record<string, PolicyConfig>) {
  const all = toApply.all?.enforcementLevel;
  if (all) for (const k of Object.keys(result)) result[k] = { ...result[k], enforcementLevel: all };
  for (const [name, given] of Object.entries(toApply)) {
    const current = result[name] ?? {};
    const properties = given.properties && Object.keys(given.properties).length ? { ...(current.properties ?? {}), ...given.properties } : current.properties;
    result[name] = { enforcementLevel: given.enforcementLevel ?? current.enforcementLevel, ...(properties ? { properties } : {}) };
  }
}

/** The CLI's ReconcilePolicyPackConfig: defaults, then the pack's initial config, then the file; then schema validation. */
export function reconcilePolicyPackConfig(info: PackInfo, given: Record<string, PolicyConfig>): Record<string, PolicyConfig> {
  const result: Record<string, PolicyConfig> = {};
  for (const p of info.policies) {
    const defaults = Object.entries(p.configSchema?.properties ?? {}).filter(([, s]) => "default" in s);
    result[p.name] = { enforcementLevel: p.enforcementLevel, ...(defaults.length ? { properties: Object.fromEntries(defaults.map(([k, s]) => [k, s.default])) } : {}) };
  }
  applyConfig(result, info.initialConfig);
  applyConfig(result, given);
  const errors = info.policies.flatMap((p) => (p.configSchema ? validateConfig(p.configSchema, result[p.name]?.properties ?? {}).map((e) => `${p.name}: ${e}`) : []));
  if (errors.length) throw new Error(`policy pack configuration is invalid: ${errors.join(", ")}`);
  return result;
}

/** The part of JSON Schema the pack's config schemas use (the CLI validates with gojsonschema). */
function validateConfig(schema: NonNullable<PackPolicy["configSchema"]>, props: Record<string, unknown>): string[] {
  const errors = schema.required.filter((k) => !(k in props)).map((k) => `${k} is required`);
  for (const [key, value] of Object.entries(props)) {
    const s = schema.properties[key];
    if (!s) continue;
    const types = ([] as unknown[]).concat(s.type ?? []);
    const typeOf = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v === "number" && Number.isInteger(v) ? "integer" : typeof v);
    const t = typeOf(value);
    if (types.length && !types.some((x) => x === t || (x === "number" && t === "integer"))) errors.push(`${key}: Invalid type. Expected: ${types.join(", ")}, given: ${t}`);
    if (typeof value === "number" && typeof s.minimum === "number" && value < s.minimum) errors.push(`${key}: Must be greater than or equal to ${s.minimum}`);
    if (typeof value === "number" && typeof s.maximum === "number" && value > s.maximum) errors.push(`${key}: Must be less than or equal to ${s.maximum}`);
    if (Array.isArray(s.enum) && !s.enum.includes(value)) errors.push(`${key}: must be one of ${JSON.stringify(s.enum)}`);
  }
  return errors;
}

/**
 * Starts the pack as `pulumi preview --policy-pack policies` does. The CLI (NewPolicyAnalyzer,
 * legacy path for nodejs) runs the `pulumi-analyzer-policy` script with the pack directory as its
 * working directory and arguments `<engine-address> .`; the script resolves
 * `@pulumi/pulumi/cmd/run-policy-pack` from there and runs it with node. The launcher registers
 * ts-node (type checking on; no tsconfig.json in the pack directory, so its own compiler
 * defaults) and requires ".", i.e. policies/index.ts. The first line on stdout is the port of the
 * Analyzer server. The CLI then calls Handshake (the Node policy SDK does not implement it, which
 * the CLI accepts) and, when running for a stack, ConfigureStack.
 *
 * Environment: the CLI passes its own environment plus, for a stack, PULUMI_NODEJS_PROJECT /
 * _STACK / _DRY_RUN / _ORGANIZATION and their PULUMI_* twins (constructEnv), and PULUMI_CONFIG
 * (the decrypted stack config; left out here: it holds secrets, and no policy reads it). TS_NODE_*
 * variables are removed so the launcher's ts-node behaves the same whatever the test runner was
 * started with (a developer's shell running the CLI has none of them).
 *
 * @pulumi/policy's PolicyPack constructor reads the pack's version from `<cwd>/package.json` and
 * throws without one, so a pack directory without a package.json does not start under the CLI.
 * When policies/ has none, the pack runs from a throwaway directory holding only a package.json
 * whose `main` is policies/index.ts (and a copy of PulumiPolicy.yaml); `shimReason` says so, and
 * the integration test reports it as the defect it is.
 */
export async function startPolicyPack(opts: StartOptions = {}): Promise<PolicyPackProcess> {
  const launcher = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [PACK_DIR] });
  let cwd = PACK_DIR;
  let shimReason: string | undefined;
  if (!packageVersion(PACK_DIR)) {
    shimReason = `${path.relative(ROOT, PACK_DIR)}/package.json with a "version" is missing: @pulumi/policy's PolicyPack reads <cwd>/package.json and the pack fails to start under the CLI`;
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), "modelship-policy-pack-"));
    fs.writeFileSync(path.join(cwd, "package.json"), JSON.stringify({ name: "modelship-serving", version: "0.0.0-test", private: true, main: path.join(PACK_DIR, "index.ts") }, null, 2));
    fs.copyFileSync(path.join(PACK_DIR, "PulumiPolicy.yaml"), path.join(cwd, "PulumiPolicy.yaml"));
  }

  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("TS_NODE_")));
  if (opts.stack) {
    const project = opts.project ?? "modelship";
    for (const prefix of ["PULUMI_NODEJS_", "PULUMI_"]) {
      Object.assign(env, { [`${prefix}ORGANIZATION`]: "organization", [`${prefix}PROJECT`]: project, [`${prefix}STACK`]: opts.stack, [`${prefix}DRY_RUN`]: "true" });
    }
  }

  const child = spawn(process.execPath, [launcher, "127.0.0.1:0", "."], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const fail = async (why: string): Promise<never> => {
    await stopChild(child);
    if (shimReason) fs.rmSync(cwd, { recursive: true, force: true });
    throw new Error(`policy pack (${launcher} 127.0.0.1:0 . in ${cwd}) ${why}\n--- stdout ---\n${stdout.slice(-2000)}\n--- stderr ---\n${stderr.slice(-6000)}`);
  };

  const timeoutMs = opts.timeoutMs ?? START_TIMEOUT_MS;
  const port = await new Promise<number | string>((resolve) => {
    const timer = setTimeout(() => resolve(`printed no port within ${timeoutMs} ms`), timeoutMs);
    const check = () => {
      const line = stdout.split("\n");
      if (line.length < 2) return;
      clearTimeout(timer);
      const n = Number(line[0].trim());
      resolve(Number.isInteger(n) && n > 0 ? n : `printed "${line[0]}" where the port was expected`);
    };
    child.stdout!.on("data", check);
    child.once("error", (e) => (clearTimeout(timer), resolve(`failed to spawn: ${e.message}`)));
    child.once("exit", (code, signal) => (clearTimeout(timer), resolve(`exited (code ${code}, signal ${signal}) before printing its port`)));
  });
  if (typeof port === "string") return fail(port);

  const client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { "grpc.max_receive_message_length": 400 * 1024 * 1024 });
  const pack = new PolicyPackProcess(child, client, port, cwd, shimReason, () => stderr);
  try {
    const hs = new pb.AnalyzerHandshakeRequest().setEngineAddress("127.0.0.1:0").setRootDirectory(PACK_DIR).setProgramDirectory(PACK_DIR);
    await pack.rpc(client.handshake, hs, "Handshake").catch((e: Error & { code?: grpc.status }) => {
      if (e.code !== grpc.status.UNIMPLEMENTED) throw e;
    });
    if (opts.stack) await pack.configureStack(opts.stack, opts.project);
  } catch (e) {
    await pack.close();
    throw e;
  }
  return pack;
}
