// Reads a project and its stack files the way the Pulumi CLI hands them to a program:
// namespaced keys, structured values as JSON text, `secure:` values kept secret.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { parseStackRef, stackFileName, StackNameError } from "./config";

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
  const ref = parseStackRef(stack);
  if (ref.project !== undefined && ref.project !== project.name) {
    throw new StackNameError(`stack ${JSON.stringify(stack)} is in project "${ref.project}", but ${path.join(project.dir, "Pulumi.yaml")} is project "${project.name}"`);
  }
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

/**
 * Replaces a file only if it still holds `read`, the text the change was planned from: a
 * compare-and-swap, so two modelship commands (or a command and an editor) racing on one stack
 * file can never silently drop one another's edit; the loser writes nothing and says so. The
 * check and the rename run under the file's lock, so no other modelship command writes between
 * them (an editor does not take the lock; it can only hit the few milliseconds in between).
 */
export function replaceFileIfUnchanged(file: string, read: string, text: string): void {
  withFileLock(file, () => {
    if (readIfPresent(file) !== read) {
      throw new StackFileError(`${path.basename(file)} changed since it was read (another modelship command or an editor?); nothing written — run the command again`);
    }
    writeFileAtomic(file, text);
  });
}

function readIfPresent(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

export interface LockTiming {
  /** How long to wait for a live lock: a locked write takes milliseconds, so this is ample. */
  waitMs: number;
  /** A lock this old whose process is gone is a crash's leftover, and is removed. */
  staleMs: number;
}
export const LOCK_TIMING: LockTiming = { waitMs: 2_000, staleMs: 30_000 };
const LOCK_POLL_MS = 20;

/** The lock file of `file`: next to it, hidden, and not a `Pulumi.<stack>.yaml` name. */
export const lockFileOf = (file: string) => path.join(path.dirname(file), `.${path.basename(file)}.lock`);

/** Blocks the thread: the locked section is synchronous and short, so a busy CLI waits in place. */
const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Who holds a lock and for how long, or undefined when it has just been released. */
function lockHolder(lock: string): { pid: number; ageMs: number } | undefined {
  try {
    const ageMs = Date.now() - fs.statSync(lock).mtimeMs;
    return { pid: Number.parseInt(fs.readFileSync(lock, "utf8"), 10), ageMs };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

/**
 * Runs `fn` holding an exclusive lock file next to `file` (created with O_EXCL, holding our pid),
 * and always releases it. Waits a bounded time for a live holder, then fails with a clear message.
 */
export function withFileLock<T>(file: string, fn: () => T, timing: LockTiming = LOCK_TIMING): T {
  const lock = lockFileOf(file);
  const deadline = Date.now() + timing.waitMs;
  let fd: number;
  for (;;) {
    try {
      fd = fs.openSync(lock, "wx");
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    const holder = lockHolder(lock);
    // A holder that died long ago left the lock behind. Both conditions: a live command keeps its
    // lock however slow it is, and a lock just created (pid not written yet) is never a leftover.
    if (holder && holder.ageMs > timing.staleMs && !processAlive(holder.pid)) {
      fs.rmSync(lock, { force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      const who = holder ? `pid ${Number.isNaN(holder.pid) ? "unknown" : holder.pid}` : "a command that just finished";
      throw new StackFileError(
        `${path.basename(file)} is locked by another modelship command (${who}, lock file ${lock}); nothing written — run the command again once it has finished`,
      );
    }
    if (holder) sleep(LOCK_POLL_MS);
  }
  try {
    try {
      fs.writeSync(fd, String(process.pid));
    } finally {
      fs.closeSync(fd);
    }
    return fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}
