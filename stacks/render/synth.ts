// Runs the stack's own Pulumi program (Pulumi.yaml `main`) offline under the SDK's mock
// runtime and collects what it registers — the same program `pulumi up` runs.
import * as fs from "fs";
import * as path from "path";
import { pathToFileURL } from "url";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../../components/config";
import type { ModelSummary } from "../../components/serving";
import { parseStackRef, withConfigWarnings } from "../stackfile/config";
import { providerCall, providerOutputs, unknownValue } from "./placeholders";
import { readProject, readStackConfig, SECRET_PLACEHOLDER, StackFileError, type Project, type StackConfig } from "../stackfile/file";
import { escapeControl } from "../../components/config/validate";

export interface RegisteredResource {
  urn: string;
  type: string;
  name: string;
  parent: string;
  /** URNs this resource waits for (explicit dependsOn and input dependencies). */
  dependencies: string[];
  inputs: Record<string, any>;
}

/** A Kubernetes object as the program registered it (the provider's input). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: any;
}

export interface StackOutputs {
  environment: string;
  namespace: string;
  models: ModelSummary[];
}

export interface SynthResult {
  project: Project;
  stack: string;
  resources: RegisteredResource[];
  objects: KubeObject[];
  outputs: StackOutputs;
}

export { unknownValue };

/** A Kubernetes object's resource type (not the provider, `kubernetes:index:`). */
export const isKube = (type: string) => type.startsWith("kubernetes:") && !type.startsWith("kubernetes:index:");

function mockId(args: pulumi.runtime.MockResourceArgs): string {
  if (isKube(args.type)) {
    const m = args.inputs?.metadata ?? {};
    return m.namespace ? `${m.namespace}/${m.name}` : String(m.name);
  }
  return unknownValue(`${args.type} ${args.name} id`);
}

const isSecretValue = (v: any) => v !== null && typeof v === "object" && v[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig;

/** Every value the program marked secret keeps its shape, but each of its texts becomes the placeholder. */
function hideSecrets(v: any, inSecret = false): any {
  if (isSecretValue(v)) return hideSecrets(v.value, true);
  if (Array.isArray(v)) return v.map((x) => hideSecrets(x, inSecret));
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, hideSecrets(x, inSecret)]));
  return inSecret && v !== undefined ? SECRET_PLACEHOLDER : v;
}

/** The first provider function the running program called that synth cannot answer offline. */
const offline: { gap?: string } = {};

/** The project directory as the engine hands it to the program (the SDK keeps it in its global store). */
function setRootDirectory(dir: string | undefined): string | undefined {
  const store = (globalThis as { globalStore?: { settings?: { options?: { rootDirectory?: string } } } }).globalStore;
  const options = store?.settings?.options;
  if (!options) return undefined;
  const previous = options.rootDirectory;
  options.rootDirectory = dir;
  return previous;
}

/** Where modelship's own code lives (source or compiled): an error thrown there is modelship's defect. */
// This file is stacks/render/synth.{ts,js}: stacks/ (the CLI), components/ and policies/ are modelship's.
const OWN_DIRS = [path.resolve(__dirname, ".."), path.resolve(__dirname, "..", "..", "components"), path.resolve(__dirname, "..", "..", "policies")];
const within = (file: string, dir: string) => {
  const rel = path.relative(dir, file);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
};

/**
 * Whose code threw: the first stack frame outside node_modules and Node's internals. modelship's
 * own files mean a defect of modelship (exit 70, as before); anything else is the user's program,
 * whose failure is user input (one line, exit 1).
 */
function thrownByModelship(e: unknown): boolean {
  const stack = e instanceof Error && typeof e.stack === "string" ? e.stack : "";
  for (const line of stack.split("\n").slice(1)) {
    const m = /\(?((?:file:\/\/)?\/[^():]+|[A-Za-z]:\\[^():]+):\d+:\d+\)?\s*$/.exec(line.trim());
    if (!m) continue;
    const file = m[1].startsWith("file://") ? new URL(m[1]).pathname : m[1];
    if (OWN_DIRS.some((d) => within(file, d))) return true;
    if (/[\\/]node_modules[\\/]/.test(file)) continue;
    return false;
  }
  return false;
}

const firstLine = (e: unknown) => escapeControl((e instanceof Error ? e.message : String(e)).split("\n")[0]);

/**
 * The error a failed program run is reported as. Config errors and Pulumi's own RunErrors (say,
 * a missing required config key) pass as they are; a provider function synth cannot answer and
 * an error the user's program threw become one line naming the program (exit 1); an error thrown
 * by modelship's own code stays what it is, a defect.
 */
function programFailure(project: Project, e: unknown, gap: string | undefined): unknown {
  if (e instanceof ConfigError || e instanceof StackFileError || pulumi.RunError.isInstance(e)) return e;
  const main = path.relative(project.dir, project.main) || ".";
  if (gap) {
    return new StackFileError(`Pulumi.yaml: main: ${main}: the program calls ${gap}, which synth cannot answer offline (it never contacts a provider); render it with \`pulumi preview\``);
  }
  if (thrownByModelship(e)) return e;
  return new StackFileError(`Pulumi.yaml: main: ${main}: the program failed: ${firstLine(e) || "(no message)"}${process.env.MODELSHIP_DEBUG && e instanceof Error && e.stack ? `\n${e.stack}` : ""}`);
}

/** The file a directory `main` runs, as Pulumi's nodejs host finds it: package.json `exports` or `main`, else index.*. */
function entryOf(dir: string, stopAt: string): string {
  // The nearest package.json at or above the directory, inside the project.
  for (let d = dir; ; d = path.dirname(d)) {
    const manifest = path.join(d, "package.json");
    if (fs.existsSync(manifest)) {
      let pkg: { exports?: unknown; main?: unknown };
      try {
        pkg = JSON.parse(fs.readFileSync(manifest, "utf8"));
      } catch (e) {
        throw new StackFileError(`${path.relative(stopAt, manifest) || manifest}: ${firstLine(e)}`);
      }
      const exp = pkg.exports;
      const dot = typeof exp === "object" && exp !== null && !Array.isArray(exp) ? (exp as Record<string, unknown>)["."] : exp;
      const entry =
        typeof dot === "string"
          ? dot
          : typeof dot === "object" && dot !== null
            ? ((dot as Record<string, unknown>).default ?? (dot as Record<string, unknown>).require ?? (dot as Record<string, unknown>).import)
            : pkg.main;
      if (typeof entry === "string" && entry !== "") return path.resolve(d, entry);
      break;
    }
    if (within(stopAt, d) || path.dirname(d) === d) break;
  }
  return dir + path.sep;
}

const dynamicImport = new Function("u", "return import(u)") as (u: string) => Promise<Record<string, unknown>>;

/** The program's export as Pulumi runs it: a function it calls, or the outputs themselves. */
async function loadProgram(project: Project): Promise<() => Promise<unknown>> {
  let loaded: unknown;
  const main = path.relative(project.dir, project.main) || ".";
  const cannot = (why: string) => new StackFileError(`Pulumi.yaml: main: cannot load ${main}: ${why}`);
  let entry = project.main;
  try {
    if (fs.statSync(project.main).isDirectory()) entry = entryOf(project.main, project.dir);
  } catch (e) {
    if (e instanceof StackFileError) throw e;
    throw cannot(`no such file or directory (${project.main})`);
  }
  // A program that cannot even load is a bad `main` (a missing file, a syntax error, no ts-node
  // for TypeScript), whoever's code reports it.
  try {
    loaded = require(entry);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "ERR_REQUIRE_ESM" && code !== "ERR_REQUIRE_ASYNC_MODULE") throw cannot(firstLine(e));
    try {
      loaded = await dynamicImport(pathToFileURL(require.resolve(entry)).href);
    } catch (e2) {
      throw cannot(firstLine(e2));
    }
  }
  // An ES module: its default export, as Pulumi uses it (named exports are the outputs otherwise).
  if (typeof loaded === "object" && loaded !== null && (loaded as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] === "Module") {
    const ns = loaded as Record<string, unknown>;
    if (Object.getOwnPropertyDescriptor(ns, "default") !== undefined) {
      if (Object.keys(ns).filter((k) => k !== "module.exports" && k !== "__esModule").length !== 1) throw cannot("an ES module entry point has either a default export or named exports, not both");
      loaded = ns.default;
    }
  }
  return (typeof loaded === "function" ? loaded : () => Promise.resolve(loaded)) as () => Promise<unknown>;
}

// The Pulumi runtime keeps its state per process: one synth at a time.
let running: Promise<unknown> = Promise.resolve();

/**
 * Synthesizes a stack of the project in `dir`, from its stack file or from the given config
 * (e.g. a proposed edit that is not written yet). The program's config warnings go to
 * `onWarning` when given (else to `pulumi.log.warn`, as under `pulumi up`).
 */
export function synthesize(dir: string, stack: string, stackConfig?: StackConfig, onWarning?: (message: string) => void): Promise<SynthResult> {
  const run = () => synthesizeNow(dir, stack, stackConfig);
  const next = running.then(() => (onWarning ? withConfigWarnings(onWarning, run) : run()));
  running = next.catch(() => undefined);
  return next;
}

async function synthesizeNow(dir: string, stack: string, stackConfig?: StackConfig): Promise<SynthResult> {
  const project = readProject(dir);
  const { config, secretKeys } = stackConfig ?? readStackConfig(project, stack);
  // The program sees the bare stack name, as under `pulumi up --stack org/project/stack`.
  stack = parseStackRef(stack).name;
  const resources: RegisteredResource[] = [];

  pulumi.runtime.setAllConfig(config, secretKeys);
  // The mock API reports inputs but not the graph; the monitor's request carries parent and
  // dependencies, and the mock hands the request to newResource synchronously.
  let request: { urn: string; parent: string; dependencies: string[] } | undefined;
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        resources.push({ type: args.type, name: args.name, urn: "", parent: "", dependencies: [], ...request, inputs: hideSecrets(args.inputs) });
        return { id: mockId(args), state: { ...args.inputs, ...providerOutputs(args.type, args.name, args.inputs) } };
      },
      call(args) {
        const answer = providerCall(args.token);
        if (!answer) {
          // The SDK reports a failed call as a bare "Error": remember which call it was.
          offline.gap ??= args.token;
          throw new Error(`synth has no offline answer for ${args.token}`);
        }
        return answer;
      },
    },
    project.name,
    stack,
    false,
  );
  const monitor = pulumi.runtime.getMonitor() as any;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: unknown) => {
    const parent: string = req.getParent();
    request = { urn: monitor.newUrn(parent, req.getType(), req.getName()), parent, dependencies: req.getDependenciesList() };
    try {
      return register(req, callback);
    } finally {
      request = undefined;
    }
  };

  // The engine tells the program its project directory (PULUMI_NODEJS_ROOT_DIRECTORY, read by
  // pulumi.runtime.getRootDirectory); the mock runtime does not, so synth sets it as the engine would.
  const previousRoot = setRootDirectory(project.dir);

  const program = await loadProgram(project);
  let outputs: StackOutputs;
  try {
    outputs = (await pulumi.runtime.runInPulumiStack(program)) as unknown as StackOutputs;
    // Registrations still in flight when the outputs resolved.
    await pulumi.runtime.disconnect();
  } catch (e) {
    throw programFailure(project, e, offline.gap);
  } finally {
    offline.gap = undefined;
    setRootDirectory(previousRoot);
  }
  const objects = resources.filter((r) => isKube(r.type)).map((r) => r.inputs as KubeObject);
  return { project, stack, resources, objects, outputs };
}

/**
 * The `synth` command renders modelship's program only: another program (the Deployments
 * settings project, say) renders through synthesize() too, but has no models to report.
 */
export function assertModelshipProgram(result: SynthResult): void {
  const outputs = result.outputs as unknown;
  if (typeof outputs !== "object" || outputs === null || !Array.isArray((outputs as Partial<StackOutputs>).models)) {
    throw new StackFileError(`Pulumi.yaml: main: ${result.project.main} is not a modelship program (its stack outputs have no models); synth renders modelship's program only`);
  }
}
