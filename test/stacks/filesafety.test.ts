// File safety (issue 14): what `synth --out` may replace, and how stack-file edits are written.
// Every case runs on a scratch copy in a temp directory, never on the repository's own files.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { main, type Io } from "../../stacks/cli";
import { EXIT, UsageError } from "../../stacks/commands/types";
import { checkRenderTarget, RENDER_MARKER, writeObjects } from "../../stacks/render/files";
import { parseStackDocument, replaceFileIfUnchanged, stackDocumentText, YAML_FORMAT } from "../../stacks/stackfile/file";
import { FIXTURE, ROOT, fixtureConfig, tempProject } from "../helpers";

function capture(cwd: string): Io & { stdout: string[]; stderr: string[]; text(): string } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, cwd, out: (l) => stdout.push(l), err: (l) => stderr.push(l), text: () => [...stdout, ...stderr].join("\n") };
}

/** Every file under `dir` with its content (directories as "<dir>"), to show nothing changed. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const rel = path.relative(dir, p);
      if (e.isDirectory()) {
        out[rel] = "<dir>";
        walk(p);
      } else out[rel] = e.isSymbolicLink() ? `-> ${fs.readlinkSync(p)}` : fs.readFileSync(p, "utf8");
    }
  };
  walk(dir);
  return out;
}

/**
 * A scratch project nested two levels down in its own temp directory (so `--out ..` names a
 * scratch directory), with a .git and its program in stacks/ like this repository.
 */
function scratchProject(): { top: string; dir: string } {
  const top = fs.mkdtempSync(path.join(os.tmpdir(), "modelship-safety-"));
  const dir = path.join(top, "work", "project");
  fs.mkdirSync(path.join(dir, ".git"), { recursive: true });
  fs.writeFileSync(path.join(dir, ".git", "HEAD"), "ref: refs/heads/main\n");
  fs.mkdirSync(path.join(dir, "stacks"));
  fs.writeFileSync(path.join(dir, "stacks", "index.ts"), `export * from ${JSON.stringify(path.join(ROOT, "stacks", "index"))};\n`);
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: modelship\nruntime: nodejs\nmain: stacks/index.ts\n");
  fs.writeFileSync(path.join(dir, "Pulumi.staging.yaml"), YAML.stringify({ config: Object.fromEntries(Object.entries(fixtureConfig("staging")).map(([k, v]) => [`modelship:${k}`, v])) }));
  fs.writeFileSync(path.join(dir, "notes.txt"), "my notes\n");
  return { top, dir };
}

describe("synth --out: never replaces what is not a render", function () {
  this.timeout(120_000);

  const refused: [string, (dir: string) => string, RegExp][] = [
    ["the project directory (.)", () => ".", /it is the project directory/],
    ["an ancestor of the project (..)", () => "..", /it contains the project directory/],
    ["a stack file", () => "Pulumi.staging.yaml", /it is one of the project's own files/],
    ["Pulumi.yaml", () => "Pulumi.yaml", /it is one of the project's own files/],
    ["the program's directory (stacks)", () => "stacks", /it contains the project's own .*stacks\/index\.ts/],
    [".git", () => ".git", /it is one of the project's own files .*\.git/],
    ["an existing regular file", () => "notes.txt", /it is an existing file, not a directory/],
    ["a symbolic link", (dir) => (fs.mkdirSync(path.join(dir, "elsewhere")), fs.symlinkSync("elsewhere", path.join(dir, "link")), "link"), /it is a symbolic link/],
    ["a non-empty directory that is not a render", (dir) => (fs.mkdirSync(path.join(dir, "docs")), fs.writeFileSync(path.join(dir, "docs", "a.md"), "# a\n"), "docs"), /it is a non-empty directory that is not a previous render .*pass --force/],
  ];
  for (const [what, out, why] of refused) {
    it(`refuses ${what}, exit 3, saying why and touching nothing`, async () => {
      const { top, dir } = scratchProject();
      const arg = out(dir);
      const before = snapshot(top);
      const io = capture(dir);
      assert.equal(await main(["synth", "--stack", "staging", "--out", arg], io), EXIT.usage, io.text());
      assert.match(io.stderr.join("\n"), new RegExp(`refusing to write the render to .*: ${why.source}`));
      assert.deepEqual(snapshot(top), before, "something changed on disk");
    });
  }

  it("--force does not override the project's own files, an existing file, a source tree or .git", async () => {
    const { top, dir } = scratchProject();
    fs.mkdirSync(path.join(dir, "components", "serving"), { recursive: true });
    fs.writeFileSync(path.join(dir, "components", "serving", "model.ts"), "export {};\n");
    fs.mkdirSync(path.join(dir, "node_modules", "x"), { recursive: true });
    const before = snapshot(top);
    const why: Record<string, RegExp> = {
      components: /it holds the subdirectory serving\/, so it is no render/,
      ".git/objects": /it is inside the project's \.git/,
      ".git/new/render": /it is inside the project's \.git/,
      "node_modules/x": /it is inside the project's node_modules/,
    };
    for (const out of [".", "..", "stacks", "Pulumi.staging.yaml", "notes.txt", ...Object.keys(why)]) {
      const io = capture(dir);
      assert.equal(await main(["synth", "--stack", "staging", "--out", out, "--force"], io), EXIT.usage, `${out}: ${io.text()}`);
      if (why[out]) assert.match(io.text(), why[out]);
    }
    assert.deepEqual(snapshot(top), before);
  });

  it("refuses the filesystem root (checked without ever rendering)", () => {
    const { dir } = scratchProject();
    for (const force of [false, true]) {
      assert.throws(
        () => checkRenderTarget(path.parse(dir).root, { projectDir: dir, projectFiles: [], force }),
        (e: Error) => e instanceof UsageError && /it is the filesystem root/.test(e.message),
      );
    }
  });

  it("--force replaces a non-empty directory that is not a render, and marks the render", async () => {
    const dir = tempProject("staging", fixtureConfig("staging"));
    fs.mkdirSync(path.join(dir, "docs"));
    fs.writeFileSync(path.join(dir, "docs", "a.md"), "# a\n");
    const io = capture(dir);
    assert.equal(await main(["synth", "--stack", "staging", "--out", "docs", "--force"], io), 0, io.text());
    const files = fs.readdirSync(path.join(dir, "docs"));
    assert.ok(!files.includes("a.md"));
    assert.ok(files.includes(RENDER_MARKER));
    assert.ok(files.includes("namespace-_cluster-ml-staging.yaml"));
  });

  it("replaces a previous render (and an empty directory) without --force, leaving no temp sibling", async () => {
    const dir = tempProject("staging", fixtureConfig("staging"));
    fs.mkdirSync(path.join(dir, "empty"));
    assert.equal(await main(["synth", "--stack", "staging", "--out", "empty"], capture(dir)), 0);
    fs.writeFileSync(path.join(dir, "empty", "stale.yaml"), "stale");
    const io = capture(dir);
    assert.equal(await main(["synth", "--stack", "staging", "--out", "empty"], io), 0, io.text());
    assert.ok(!fs.existsSync(path.join(dir, "empty", "stale.yaml")));
    assert.ok(fs.existsSync(path.join(dir, "empty", RENDER_MARKER)));
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith(".empty")), [], "temp sibling left behind");
  });

  it("a failed render leaves the previous one as it was", () => {
    const top = fs.mkdtempSync(path.join(os.tmpdir(), "modelship-safety-"));
    const out = path.join(top, "render");
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, RENDER_MARKER), "");
    fs.writeFileSync(path.join(out, "kept.yaml"), "kept");
    const o = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", namespace: "n" } };
    assert.throws(() => writeObjects(out, [o, o] as any), /two objects would both be written/);
    assert.deepEqual(fs.readdirSync(top), ["render"]);
    assert.deepEqual(fs.readdirSync(out).sort(), [RENDER_MARKER, "kept.yaml"]);
  });
});

/** A scratch copy of the fixture project with its production stack file transformed. */
function projectWith(transform: (text: string) => string): { dir: string; file: string; before: string } {
  const dir = tempProject("production", "config: {}\n");
  const file = path.join(dir, "Pulumi.production.yaml");
  const before = transform(fs.readFileSync(path.join(FIXTURE, "Pulumi.production.yaml"), "utf8"));
  fs.writeFileSync(file, before);
  return { dir, file, before };
}

/** The production file after `promote fraud-detector` (10% → 25%): only the two weights change. */
const promoted = (text: string) => text.replace(/( +)weight: 90(\r?\n)/, "$1weight: 75$2").replace(/( +)weight: 10(\r?\n)/, "$1weight: 25$2");

async function promote(dir: string): Promise<void> {
  const io = capture(dir);
  assert.equal(await main(["promote", "--stack", "production", "--model", "fraud-detector"], io), 0, io.text());
}

/** A pid no process has: one that has just exited. */
const deadPid = () => spawnSync(process.execPath, ["-e", ""]).pid!;

describe("stack-file edits: what the file keeps", function () {
  this.timeout(120_000);

  it("(a) writes through a symlinked stack file to its target, keeping the link", () => {
    const top = fs.mkdtempSync(path.join(os.tmpdir(), "modelship-safety-"));
    fs.mkdirSync(path.join(top, "shared"));
    const target = path.join(top, "shared", "production.yaml");
    fs.writeFileSync(target, "config: {w: 10}\n");
    const link = path.join(top, "Pulumi.production.yaml");
    fs.symlinkSync(path.join("shared", "production.yaml"), link);
    replaceFileIfUnchanged(link, "config: {w: 10}\n", "config: {w: 25}\n");
    assert.ok(fs.lstatSync(link).isSymbolicLink(), "the link was replaced by a plain file");
    assert.equal(fs.readFileSync(target, "utf8"), "config: {w: 25}\n");
    assert.deepEqual(fs.readdirSync(path.join(top, "shared")), ["production.yaml"], "temp or lock file left behind");
  });

  it("(b) keeps the file's mode (0600 stays 0600, 0640 stays 0640)", () => {
    const top = fs.mkdtempSync(path.join(os.tmpdir(), "modelship-safety-"));
    const file = path.join(top, "Pulumi.production.yaml");
    for (const mode of [0o600, 0o640]) {
      fs.writeFileSync(file, "config: {}\n");
      fs.chmodSync(file, mode);
      replaceFileIfUnchanged(file, "config: {}\n", "config: {a: 1}\n");
      assert.equal(fs.statSync(file).mode & 0o777, mode);
      assert.equal(fs.statSync(file).uid, process.getuid!());
    }
  });

  it("(c) keeps a UTF-8 byte-order mark", async () => {
    const { dir, file, before } = projectWith((t) => `\uFEFF${t}`);
    await promote(dir);
    assert.equal(fs.readFileSync(file, "utf8"), promoted(before));
  });

  it("(c) keeps CRLF line endings", async () => {
    const { dir, file, before } = projectWith((t) => t.replace(/\n/g, "\r\n"));
    await promote(dir);
    const after = fs.readFileSync(file, "utf8");
    assert.equal(after, promoted(before));
    assert.ok(!/[^\r]\n/.test(after), "a bare LF crept in");
  });

  it("(c) keeps indentless sequences indentless", async () => {
    const { dir, file, before } = projectWith((t) => parseStackDocument("x", t).toString({ ...YAML_FORMAT, indentSeq: false }));
    assert.match(before, /\n {2}modelship:models:\n {2}# Mid-canary[^\n]*\n {2}- name: fraud-detector\n/);
    await promote(dir);
    assert.equal(fs.readFileSync(file, "utf8"), promoted(before));
  });

  it("(c) keeps indented sequences indented, and each style on a small document", () => {
    for (const text of ["a:\n- 1\n- 2\nb: 1\n", "a:\n  - 1\n  - 2\nb: 1\n"]) {
      const doc = parseStackDocument("x", text);
      doc.set("b", 2);
      assert.equal(stackDocumentText(doc, text), text.replace("b: 1", "b: 2"));
    }
  });

  it("(d) flushes the temp file to disk before the rename", () => {
    const top = fs.mkdtempSync(path.join(os.tmpdir(), "modelship-safety-"));
    const file = path.join(top, "Pulumi.production.yaml");
    fs.writeFileSync(file, "config: {}\n");
    const calls: string[] = [];
    // The fs module itself (the namespace import has read-only bindings to it).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const real = require("fs") as typeof fs;
    const { fsyncSync, renameSync } = real;
    real.fsyncSync = (fd: number) => (calls.push("fsync"), fsyncSync(fd));
    real.renameSync = (a: fs.PathLike, b: fs.PathLike) => (calls.push("rename"), renameSync(a, b));
    try {
      replaceFileIfUnchanged(file, "config: {}\n", "config: {a: 1}\n");
    } finally {
      real.fsyncSync = fsyncSync;
      real.renameSync = renameSync;
    }
    assert.equal(calls[0], "fsync", `calls: ${calls.join(", ")}`);
    assert.ok(calls.indexOf("rename") > 0, `calls: ${calls.join(", ")}`);
    assert.equal(fs.readFileSync(file, "utf8"), "config: {a: 1}\n");
  });

  it("(e) removes temp files a killed writer left behind, but not a live writer's", () => {
    const top = fs.mkdtempSync(path.join(os.tmpdir(), "modelship-safety-"));
    const file = path.join(top, "Pulumi.production.yaml");
    fs.writeFileSync(file, "config: {}\n");
    const stale = `.Pulumi.production.yaml.${deadPid()}.tmp`;
    const live = `.Pulumi.production.yaml.${process.ppid}.tmp`;
    const other = `.Pulumi.staging.yaml.${deadPid()}.tmp`;
    for (const f of [stale, live, other]) fs.writeFileSync(path.join(top, f), "half-written");
    replaceFileIfUnchanged(file, "config: {}\n", "config: {a: 1}\n");
    assert.deepEqual(fs.readdirSync(top).sort(), [other, live, "Pulumi.production.yaml"].sort());
  });

  it("(f) accepts merge keys, and an edit keeps the anchor and alias text", async () => {
    const { dir, file, before } = projectWith((t) =>
      t
        .replace("      autoscaling:\n        minReplicas: 10", "      autoscaling: &scaling\n        minReplicas: 10")
        .replace("      autoscaling:\n        minReplicas: 2", "      autoscaling:\n        <<: *scaling\n        minReplicas: 2"),
    );
    assert.ok(before.includes("<<: *scaling") && before.includes("&scaling"));
    await promote(dir);
    assert.equal(fs.readFileSync(file, "utf8"), promoted(before));
    // Pulumi's reading: the merge applies (sentiment inherits memoryUtilization).
    const io = capture(dir);
    assert.equal(await main(["status", "--stack", "production", "--json"], io), 0, io.text());
  });
});
