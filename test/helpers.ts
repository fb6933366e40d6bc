import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { modelshipKeys } from "../stacks/stackfile/config";
import { readProject, readStackConfig } from "../stacks/stackfile/file";
import { synthesize, type KubeObject, type SynthResult } from "../stacks/render/synth";

export const ROOT = path.resolve(__dirname, "..");
/**
 * The tests' project (test/fixtures/project): this repository's program with stack files tests
 * may pin. The shipped Pulumi.staging.yaml and Pulumi.production.yaml at the root are examples
 * a user edits freely; only test/stacks/shipped.test.ts reads them, and pins none of their content.
 */
export const FIXTURE = path.join(ROOT, "test", "fixtures", "project");
/** The fixture project's stacks. */
export const STACKS = ["staging", "production"] as const;

/** The decoded `modelship:` config of a fixture stack file, as the program receives it. */
export function fixtureConfig(stack: string): Record<string, any> {
  return modelshipKeys(readStackConfig(readProject(FIXTURE), stack).config) as Record<string, any>;
}

const cache = new Map<string, Promise<SynthResult>>();
/** Synth of a fixture stack, once per test run. */
export function synthFixture(stack: string): Promise<SynthResult> {
  if (!cache.has(stack)) cache.set(stack, synthesize(FIXTURE, stack));
  return cache.get(stack)!;
}

/**
 * A throwaway project running this repository's program, with one stack file holding the
 * given `modelship:` config (or raw stack-file text).
 */
export function tempProject(stack: string, config: Record<string, unknown> | string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "modelship-test-"));
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), YAML.stringify({ name: "modelship", runtime: "nodejs", main: path.join(ROOT, "stacks", "index.ts") }));
  const body =
    typeof config === "string"
      ? config
      : YAML.stringify({ config: Object.fromEntries(Object.entries(config).map(([k, v]) => [`modelship:${k}`, v])) });
  fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), body);
  return dir;
}

export const clone = <T>(v: T): T => structuredClone(v);

export const byKind = (objects: readonly KubeObject[], kind: string) => objects.filter((o) => o.kind === kind);

export function find(objects: readonly KubeObject[], kind: string, name: string): KubeObject {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name} among ${objects.map((x) => `${x.kind}/${x.metadata.name}`).join(", ")}`);
  return o;
}

/** Whether a selector's labels all appear in the given labels. */
export const selects = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);
