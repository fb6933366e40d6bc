// Runs the stack's own Pulumi program (Pulumi.yaml `main`) offline under the SDK's mock
// runtime and collects what it registers — the same program `pulumi up` runs.
import * as pulumi from "@pulumi/pulumi";
import type { ModelSummary } from "../components/serving";
import { readProject, readStackConfig, type Project } from "./stackfile";

export interface RegisteredResource {
  type: string;
  name: string;
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

/** How synth marks a value that only a real provider knows. */
export const unknownValue = (what: string) => `[known after apply: ${what}]`;

const isKube = (type: string) => type.startsWith("kubernetes:") && !type.startsWith("kubernetes:index:");

function mockId(args: pulumi.runtime.MockResourceArgs): string {
  if (isKube(args.type)) {
    const m = args.inputs?.metadata ?? {};
    return m.namespace ? `${m.namespace}/${m.name}` : String(m.name);
  }
  return unknownValue(`${args.type} ${args.name} id`);
}

// The Pulumi runtime keeps its state per process: one synth at a time.
let running: Promise<unknown> = Promise.resolve();

/** Synthesizes a stack of the project in `dir`. */
export function synthesize(dir: string, stack: string): Promise<SynthResult> {
  const next = running.then(() => synthesizeNow(dir, stack));
  running = next.catch(() => undefined);
  return next;
}

async function synthesizeNow(dir: string, stack: string): Promise<SynthResult> {
  const project = readProject(dir);
  const { config, secretKeys } = readStackConfig(project, stack);
  const resources: RegisteredResource[] = [];

  pulumi.runtime.setAllConfig(config, secretKeys);
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        resources.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: mockId(args), state: args.inputs };
      },
      call(args) {
        throw new Error(`synth has no offline answer for ${args.token}`);
      },
    },
    project.name,
    stack,
    false,
  );

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require(project.main);
  const program: () => Promise<unknown> = typeof loaded === "function" ? loaded : () => Promise.resolve(loaded);
  const outputs = (await pulumi.runtime.runInPulumiStack(program)) as unknown as StackOutputs;
  // Registrations still in flight when the outputs resolved.
  await pulumi.runtime.disconnect();

  const objects = resources.filter((r) => isKube(r.type)).map((r) => r.inputs as KubeObject);
  return { project, stack, resources, objects, outputs };
}
