import { strict as assert } from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { lockFileOf, replaceFileIfUnchanged, StackFileError, withFileLock } from "../../stacks/stackfile/file";

const scratch = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "modelship-lock-"));
  const file = path.join(dir, "Pulumi.production.yaml");
  fs.writeFileSync(file, "config: {}\n");
  return { dir, file, lock: lockFileOf(file) };
};

/** A pid no process has: one that has just exited. */
const deadPid = () => spawnSync(process.execPath, ["-e", ""]).pid!;

const FAST = { waitMs: 300, staleMs: 30_000 };

describe("stack file writes: compare-and-swap under a lock file", () => {
  it("replaces the file when it still holds what was read, through a temp file, and leaves no lock behind", () => {
    const { dir, file } = scratch();
    replaceFileIfUnchanged(file, "config: {}\n", "config: {a: 1}\n");
    assert.equal(fs.readFileSync(file, "utf8"), "config: {a: 1}\n");
    assert.deepEqual(fs.readdirSync(dir), ["Pulumi.production.yaml"]);
  });

  it("writes nothing when the file changed (or vanished) since it was read", () => {
    const { dir, file } = scratch();
    fs.writeFileSync(file, "config: {theirs: 1}\n");
    assert.throws(
      () => replaceFileIfUnchanged(file, "config: {}\n", "config: {mine: 1}\n"),
      (e: Error) => e instanceof StackFileError && e.message === "Pulumi.production.yaml changed since it was read (another modelship command or an editor?); nothing written — run the command again",
    );
    assert.equal(fs.readFileSync(file, "utf8"), "config: {theirs: 1}\n");
    fs.rmSync(file);
    assert.throws(() => replaceFileIfUnchanged(file, "config: {}\n", "x"), /changed since it was read/);
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it("holds the lock (with its pid) only while it runs, and releases it when the work throws", () => {
    const { file, lock } = scratch();
    assert.equal(
      withFileLock(file, () => fs.readFileSync(lock, "utf8")),
      String(process.pid),
    );
    assert.ok(!fs.existsSync(lock));
    assert.throws(() => withFileLock(file, () => { throw new Error("boom"); }), /boom/);
    assert.ok(!fs.existsSync(lock));
  });

  it("waits, bounded, for a live holder, then fails saying who holds it and leaves its lock alone", () => {
    const { file, lock } = scratch();
    fs.writeFileSync(lock, String(process.pid));
    const started = Date.now();
    assert.throws(
      () => withFileLock(file, () => assert.fail("ran without the lock"), FAST),
      (e: Error) => e instanceof StackFileError && new RegExp(`^Pulumi\\.production\\.yaml is locked by another modelship command \\(pid ${process.pid}, lock file .+\\); nothing written`).test(e.message),
    );
    const waited = Date.now() - started;
    assert.ok(waited >= FAST.waitMs && waited < FAST.waitMs + 1_000, `waited ${waited} ms`);
    assert.equal(fs.readFileSync(lock, "utf8"), String(process.pid));
    // Old but alive is not stale: a slow command keeps its lock.
    const old = new Date(Date.now() - 120_000);
    fs.utimesSync(lock, old, old);
    assert.throws(() => withFileLock(file, () => 0, FAST), /is locked by another modelship command/);
  });

  it("takes over a lock left by a dead process once it is older than the stale age, not before", () => {
    const { file, lock } = scratch();
    fs.writeFileSync(lock, String(deadPid()));
    assert.throws(() => withFileLock(file, () => 0, FAST), /is locked by another modelship command/);
    const old = new Date(Date.now() - 31_000);
    fs.utimesSync(lock, old, old);
    assert.equal(withFileLock(file, () => "ran", FAST), "ran");
    assert.ok(!fs.existsSync(lock));
  });

  it("gets the lock as soon as another process releases it", async function () {
    this.timeout(20_000);
    const { file, lock } = scratch();
    // Another process takes the lock, holds it 500 ms, releases it.
    const holder = spawn(process.execPath, ["-e", `const fs=require("fs");fs.writeFileSync(${JSON.stringify(lock)},String(process.pid),{flag:"wx"});setTimeout(()=>fs.rmSync(${JSON.stringify(lock)}),500)`]);
    const exited = new Promise((resolve) => holder.on("close", resolve));
    for (const deadline = Date.now() + 10_000; !fs.existsSync(lock); ) {
      assert.ok(Date.now() < deadline, "the holder never took the lock");
      await new Promise((r) => setTimeout(r, 10));
    }
    const started = Date.now();
    assert.equal(withFileLock(file, () => "ran", { waitMs: 5_000, staleMs: 30_000 }), "ran");
    assert.ok(Date.now() - started < 5_000);
    await exited;
  });
});
