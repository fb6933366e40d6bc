// Reads a project and its stack files the way the Pulumi CLI hands them to a program:
// namespaced keys, structured values as JSON text, `secure:` values kept secret.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { parseStackRef, stackFileName, StackNameError } from "../../components/config/stack-keys";
import { escapeControl } from "../../components/config/validate";
import { SECRET_PLACEHOLDER } from "../render/placeholders";

export { SECRET_PLACEHOLDER };

export class StackFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackFileError";
  }
}

export interface Project {
  dir: string;
  name: string;
  /** The program entry, absolute: Pulumi.yaml `main` (a file or a directory), else the project directory. */
  main: string;
}

/** The directory holding Pulumi.yaml, from `start` upwards. */
export function findProjectDir(start: string): string {
  const from = path.resolve(start);
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(from);
  } catch {
    throw new StackFileError(`${from}: no such directory`);
  }
  if (!st.isDirectory()) throw new StackFileError(`${from}: not a directory (give the directory holding Pulumi.yaml, or one below it)`);
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    if (path.dirname(dir) === dir) throw new StackFileError(`no Pulumi.yaml in ${from} or any parent directory`);
  }
}

/** The runtime's name, whichever form Pulumi.yaml uses: `runtime: nodejs` or `runtime: {name: nodejs, options: ...}`. */
function runtimeName(runtime: unknown): string | undefined {
  if (runtime === undefined || runtime === null) return undefined;
  if (typeof runtime === "string") return runtime;
  if (typeof runtime === "object" && !Array.isArray(runtime) && typeof (runtime as { name?: unknown }).name === "string") return (runtime as { name: string }).name;
  throw new StackFileError(`Pulumi.yaml: runtime: expected a name (nodejs) or {name: nodejs, options: {...}}`);
}

export function readProject(dir: string): Project {
  const file = path.join(dir, "Pulumi.yaml");
  const doc = yamlValue("Pulumi.yaml", parseStackDocument("Pulumi.yaml", readInput("Pulumi.yaml", file))) as { name?: unknown; main?: unknown; runtime?: unknown } | null;
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new StackFileError(`Pulumi.yaml: expected a mapping of project settings`);
  if (typeof doc.name !== "string" || doc.name === "") throw new StackFileError(`Pulumi.yaml: name: required`);
  const runtime = runtimeName(doc.runtime);
  // synth runs the program in this process: only a Node.js program can be (Pulumi's nodejs runtime).
  if (runtime !== undefined && runtime !== "nodejs") throw new StackFileError(`Pulumi.yaml: runtime: ${escapeControl(runtime)}: modelship runs nodejs programs only (TypeScript or JavaScript)`);
  if (doc.main !== undefined && doc.main !== null && (typeof doc.main !== "string" || doc.main === "")) throw new StackFileError(`Pulumi.yaml: main: expected a path`);
  return { dir, name: doc.name, main: path.resolve(dir, (doc.main as string | null | undefined) ?? ".") };
}

/** The first line of an error's message, control characters escaped: a report line of its own. */
const firstLine = (e: unknown) => escapeControl((e instanceof Error ? e.message : String(e)).split("\n")[0].replace(/:$/, ""));

/** A file's text, or one line naming the file and why it cannot be read (EISDIR, EACCES, ...). */
export function readInput(name: string, file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "EISDIR" ? "it is a directory" : code === "EACCES" || code === "EPERM" ? "permission denied" : firstLine(e);
    throw new StackFileError(`${name}: cannot read: ${why}`);
  }
}

/** YAML aliases a file may expand at most (an alias bomb expands a few lines into gigabytes). */
const MAX_ALIAS_COUNT = 100;

/** A parsed document as plain values, or one line naming the file (alias bombs, undefined aliases). */
function yamlValue(name: string, doc: YAML.Document): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    throw new StackFileError(`${name}: ${firstLine(e)}`);
  }
}

/** Limits on a config value, checked before anything else reads it. */
export const INPUT_LIMITS = { depth: 64, stringChars: 65_536 } as const;

/**
 * Rejects what a stack file can hold but no config may: values nested past INPUT_LIMITS.depth,
 * strings past INPUT_LIMITS.stringChars, `.nan`/`.inf` (JSON, and so Pulumi, has no such number)
 * — each naming the file and the key path.
 */
function checkValue(name: string, key: string, root: unknown): void {
  // The path is a stack of segments, turned into text only for the error: a value that passes
  // (every value, nearly always) costs no string.
  const at: (string | number)[] = [];
  const fail = (message: string): never => {
    const segment = (p: string | number) => {
      if (typeof p === "number") return `[${p}]`;
      const k = escapeControl(p);
      return `.${k.length > 80 ? `${k.slice(0, 79)}…` : k}`;
    };
    throw new StackFileError(`${name}: ${key}${at.map(segment).join("")}: ${message}`);
  };
  const visit = (v: unknown, depth: number): void => {
    if (depth > INPUT_LIMITS.depth) fail(`nested more than ${INPUT_LIMITS.depth} deep`);
    if (typeof v === "string" && v.length > INPUT_LIMITS.stringChars) fail(`expected at most ${INPUT_LIMITS.stringChars} characters, got ${v.length}`);
    if (typeof v === "number" && !Number.isFinite(v)) fail(`expected a finite number, got ${Number.isNaN(v) ? ".nan" : v > 0 ? ".inf" : "-.inf"}`);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        at.push(i);
        visit(v[i], depth + 1);
        at.pop();
      }
    } else if (typeof v === "object" && v !== null) {
      for (const k of Object.keys(v)) {
        at.push(k);
        visit((v as Record<string, unknown>)[k], depth + 1);
        at.pop();
      }
    }
  };
  visit(root, 0);
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

/** Whether a `secure:` value sits anywhere in `v`. */
function holdsSecret(v: unknown): boolean {
  if (isSecure(v)) return true;
  if (Array.isArray(v)) return v.some(holdsSecret);
  if (typeof v === "object" && v !== null) {
    for (const k of Object.keys(v)) if (holdsSecret((v as Record<string, unknown>)[k])) return true;
  }
  return false;
}

/** Replaces every `secure:` value with the placeholder; reports whether there was any. A value without one is returned as it is, not copied. */
function maskSecrets(v: unknown): { value: unknown; secret: boolean } {
  return holdsSecret(v) ? { value: masked(v), secret: true } : { value: v, secret: false };
}

/** A copy of `v` with each `secure:` value replaced by the placeholder. */
function masked(v: unknown): unknown {
  if (isSecure(v)) return SECRET_PLACEHOLDER;
  if (Array.isArray(v)) return v.map(masked);
  if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, masked(x)]));
  return v;
}

/** How modelship writes stack files: the way people write them, so an edit changes only its lines. */
export const YAML_FORMAT = { lineWidth: 0, flowCollectionPadding: false } as const;

/**
 * The text of an edited stack document in the original file's style: its byte-order mark, its
 * line endings (CRLF or LF) and its sequence indentation (`key:\n- item` or `key:\n  - item`).
 */
export function stackDocumentText(doc: YAML.Document, original: string): string {
  const bom = original.startsWith("\uFEFF");
  const crlf = /\r\n/.test(original);
  let text = doc.toString({ ...YAML_FORMAT, indentSeq: sequenceIndent(original) !== "indentless" });
  if (text.startsWith("\uFEFF")) text = text.slice(1);
  if (crlf) text = text.replace(/\r?\n/g, "\r\n");
  return bom ? `\uFEFF${text}` : text;
}

/** Whether a file's block sequences under a key sit at the key's indent ("indentless") or deeper; the majority wins. */
export function sequenceIndent(text: string): "indented" | "indentless" {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/).filter((l) => l.trim() !== "" && !/^\s*#/.test(l));
  let indentless = 0;
  let indented = 0;
  for (let i = 0; i + 1 < lines.length; i++) {
    // A key with no value on its line (`key:` or `- key:`), then a sequence item.
    const key = /^(\s*(?:- )*)[^\s#-][^#]*:\s*(?:#.*)?$/.exec(lines[i]);
    const item = /^(\s*)- /.exec(lines[i + 1]);
    if (!key || !item) continue;
    if (item[1].length === key[1].length) indentless++;
    else if (item[1].length > key[1].length) indented++;
  }
  return indentless > indented ? "indentless" : "indented";
}

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
  // Merge keys (`<<: *defaults`), which Pulumi accepts: resolved when read, kept as written on edit.
  const doc = YAML.parseDocument(text, { prettyErrors: true, merge: true });
  if (doc.errors.length > 0) {
    // One line: the parser's first, with its position; a parser stack overflow is deep nesting.
    const e = doc.errors[0];
    const where = e.linePos ? ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}` : "";
    const message = /call stack/i.test(e.message) ? `nested too deeply${where}` : firstLine(e);
    throw new StackFileError(`${name}: ${message}`);
  }
  return doc;
}

export function readStackConfig(project: Project, stack: string): StackConfig {
  const file = stackFilePath(project, stack);
  return stackConfigFromText(project, stackFileName(stack), readInput(stackFileName(stack), file));
}

/** The config a stack file's text hands the program. */
export function stackConfigFromText(project: Project, name: string, text: string): StackConfig {
  return stackConfigFromDocument(project, name, parseStackDocument(name, text));
}

/**
 * The config a parsed (or edited) stack document holds, as Pulumi hands it to the program. A
 * command parses its stack file once and reads both the file's config and, after editing the
 * document, the proposed one from it, never parsing the text it wrote again.
 */
export function stackConfigFromDocument(project: Project, name: string, doc: YAML.Document): StackConfig {
  const body = (yamlValue(name, doc) ?? {}) as { config?: Record<string, unknown> };
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [rawKey, raw] of Object.entries(body.config ?? {})) {
    const key = rawKey.includes(":") ? rawKey : `${project.name}:${rawKey}`;
    // `key:` with no value sets nothing: a key left empty is missing, not the text "null".
    if (raw === null) continue;
    checkValue(name, escapeControl(key), raw);
    const { value, secret } = maskSecrets(raw);
    if (secret) secretKeys.push(key);
    config[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return { config, secretKeys };
}

/** A path with its symbolic links resolved, or the path itself when it does not exist. */
function realFile(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return file;
    throw e;
  }
}

const tempFilePattern = (file: string) => new RegExp(`^\\.${path.basename(file).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.(\\d+)\\.tmp$`);

/** Removes `.<file>.<pid>.tmp` files a killed writer left next to `file` (its pid no longer alive). */
export function removeStaleTempFiles(file: string): void {
  const pattern = tempFilePattern(file);
  for (const name of fs.readdirSync(path.dirname(file))) {
    const pid = Number(pattern.exec(name)?.[1]);
    if (!pid || pid === process.pid || processAlive(pid)) continue;
    fs.rmSync(path.join(path.dirname(file), name), { force: true });
  }
}

/**
 * Replaces a file's content without ever leaving it half-written: a temp file, flushed to disk,
 * then a rename. A symbolic link is written through (its target gets the content, the link stays);
 * the file keeps its mode, and its owner where the process may set it.
 */
export function writeFileAtomic(file: string, text: string): void {
  const target = realFile(file);
  removeStaleTempFiles(target);
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
  let before: fs.Stats | undefined;
  try {
    before = fs.statSync(target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  try {
    // A new file gets the usual mode; an existing one's mode is set before any content is written.
    const fd = fs.openSync(tmp, "w", 0o666);
    try {
      if (before) {
        fs.fchmodSync(fd, before.mode & 0o7777);
        if (before.uid !== process.getuid?.() || before.gid !== process.getgid?.()) {
          try {
            fs.fchownSync(fd, before.uid, before.gid);
          } catch {
            // Best effort: only root (or the owner, for its own groups) may.
          }
        }
      }
      fs.writeFileSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, target);
    syncDirectory(path.dirname(target));
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** Flushes a directory entry (a rename) to disk; best effort, as not every platform can. */
function syncDirectory(dir: string): void {
  try {
    const fd = fs.openSync(dir, "r");
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Windows cannot open a directory; the rename itself is still atomic.
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
  // A symlinked stack file is locked (and written) at its target, whichever path names it.
  withFileLock(realFile(file), () => {
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
