// Reads a project and its stack files the way the Pulumi CLI hands them to a program:
// namespaced keys, structured values as JSON text, `secure:` values kept secret.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { stackFileName } from "./config";

/** What synth shows for a `secure:` config value or any value the program marks secret: synth never decrypts. */
export const SECRET_PLACEHOLDER = "[secret: never decrypted or shown by synth]";

export class StackFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackFileError";
  }
}

export interface Project {
  dir: string;
  name: string;
  /** The program entry, absolute. */
  main: string;
}

/** The directory holding Pulumi.yaml, from `start` upwards. */
export function findProjectDir(start: string): string {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    if (path.dirname(dir) === dir) throw new StackFileError(`no Pulumi.yaml in ${path.resolve(start)} or any parent directory`);
  }
}

export function readProject(dir: string): Project {
  const file = path.join(dir, "Pulumi.yaml");
  const doc = YAML.parse(fs.readFileSync(file, "utf8")) as { name?: string; main?: string } | null;
  if (!doc?.name) throw new StackFileError(`Pulumi.yaml: name: required`);
  return { dir, name: doc.name, main: path.resolve(dir, doc.main ?? ".") };
}

/** The stacks that have a stack file in the project directory. */
export function listStacks(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

export interface StackConfig {
  /** `namespace:key` → the text Pulumi would pass to the program. */
  config: Record<string, string>;
  /** Keys holding a `secure:` value anywhere inside. */
  secretKeys: string[];
}

const isSecure = (v: unknown): v is { secure: string } =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { secure?: unknown }).secure === "string";

/** Replaces every `secure:` value with the placeholder; reports whether there was any. */
function maskSecrets(v: unknown): { value: unknown; secret: boolean } {
  if (isSecure(v)) return { value: SECRET_PLACEHOLDER, secret: true };
  if (Array.isArray(v)) {
    const items = v.map(maskSecrets);
    return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
  }
  if (typeof v === "object" && v !== null) {
    const entries = Object.entries(v).map(([k, x]) => [k, maskSecrets(x)] as const);
    return { value: Object.fromEntries(entries.map(([k, x]) => [k, x.value])), secret: entries.some(([, x]) => x.secret) };
  }
  return { value: v, secret: false };
}

/** How modelship writes stack files: the way people write them, so an edit changes only its lines. */
export const YAML_FORMAT = { lineWidth: 0, flowCollectionPadding: false } as const;

/** The path of a stack's file, or a clear error naming the stacks that do exist. */
export function stackFilePath(project: Project, stack: string): string {
  const name = stackFileName(stack);
  const file = path.join(project.dir, name);
  if (!fs.existsSync(file)) {
    const known = listStacks(project.dir);
    throw new StackFileError(`${name}: no such stack file in ${project.dir} (stacks: ${known.join(", ") || "none"})`);
  }
  return file;
}

/** A stack file as a YAML document whose edits keep comments, key order and formatting. */
export function parseStackDocument(name: string, text: string): YAML.Document {
  const doc = YAML.parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) throw new StackFileError(`${name}: ${doc.errors[0].message}`);
  return doc;
}

export function readStackConfig(project: Project, stack: string): StackConfig {
  const file = stackFilePath(project, stack);
  return stackConfigFromText(project, stackFileName(stack), fs.readFileSync(file, "utf8"));
}

/** The config a stack file's text hands the program. */
export function stackConfigFromText(project: Project, name: string, text: string): StackConfig {
  const body = (parseStackDocument(name, text).toJS() ?? {}) as { config?: Record<string, unknown> };
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [rawKey, raw] of Object.entries(body.config ?? {})) {
    const key = rawKey.includes(":") ? rawKey : `${project.name}:${rawKey}`;
    const { value, secret } = maskSecrets(raw);
    if (secret) secretKeys.push(key);
    config[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return { config, secretKeys };
}

/** Replaces a file's content without ever leaving it half-written: a temp file, then a rename. */
export function writeFileAtomic(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}
