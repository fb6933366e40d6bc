// Runs the stack's own Pulumi program (Pulumi.yaml `main`) offline under the SDK's mock
// runtime and collects what it registers — the same program `pulumi up` runs.
import * as pulumi from "@pulumi/pulumi";
import type { ModelSummary } from "../components/serving";
import { parseStackRef, withConfigWarnings } from "./config";
import { providerCall, providerOutputs, unknownValue } from "./placeholders";
import { readProject, readStackConfig, SECRET_PLACEHOLDER, StackFileError, type Project, type StackConfig } from "./stackfile";
import { escapeControl } from "../components/config/validate";

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

const isKube = (type: string) => type.startsWith("kubernetes:") && !type.startsWith("kubernetes:index:");

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
        if (!answer) throw new Error(`synth has no offline answer for ${args.token}`);
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

  let loaded: unknown;
  try {
    loaded = require(project.main);
  } catch (e) {
    const why = escapeControl((e instanceof Error ? e.message : String(e)).split("\n")[0]);
    throw new StackFileError(`Pulumi.yaml: main: cannot load ${project.main}: ${why}`);
  }
  const program = (typeof loaded === "function" ? loaded : () => Promise.resolve(loaded)) as () => Promise<unknown>;
  const outputs = (await pulumi.runtime.runInPulumiStack(program)) as unknown as StackOutputs;
  // Registrations still in flight when the outputs resolved.
  await pulumi.runtime.disconnect();

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
