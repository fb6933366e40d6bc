// What the CLI loads: `--help`, a command's `--help` and `status` answer without the Pulumi SDK,
// the Kubernetes provider, the Grafana SDK or the canary gate (issue 18: those cost seconds per
// call; stacks/cli.ts loads a command's module only when that command runs). Behaviour, not time:
// the module cache of a fresh process that ran the commands from source.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { isPulumiRunError, main, type Io } from "../../stacks/cli";
import { FIXTURE, ROOT } from "../helpers";

/** Modules no quick command may load, by what their paths in the module cache look like. */
const HEAVY = {
  "@pulumi/pulumi": /[\\/]node_modules[\\/]@pulumi[\\/]pulumi[\\/]/,
  "@pulumi/kubernetes": /[\\/]node_modules[\\/]@pulumi[\\/]kubernetes[\\/]/,
  "@grafana/grafana-foundation-sdk": /[\\/]node_modules[\\/]@grafana[\\/]grafana-foundation-sdk[\\/]/,
  "stacks/gate": new RegExp(`^${ROOT.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}[\\\\/]stacks[\\\\/]gate[\\\\/]`),
} satisfies Record<string, RegExp>;

/** A module of each, as our code imports it (the Grafana SDK exports subpaths only). */
const ENTRY: Record<keyof typeof HEAVY, string> = {
  "@pulumi/pulumi": "@pulumi/pulumi",
  "@pulumi/kubernetes": "@pulumi/kubernetes",
  "@grafana/grafana-foundation-sdk": "@grafana/grafana-foundation-sdk/dashboard",
  "stacks/gate": path.join(ROOT, "stacks", "gate"),
};

const RUNS: { name: string; argv: string[] }[] = [
  { name: "--help", argv: ["--help"] },
  { name: "promote --help", argv: ["promote", "--help"] },
  { name: "status", argv: ["status", "--stack", "production", "--project-dir", FIXTURE] },
];

// Runs in the child: each command in turn through main(), then the module cache after each.
const CHILD = `
const cli = require(${JSON.stringify(path.join(ROOT, "stacks", "cli"))});
const runs = ${JSON.stringify(RUNS)};
(async () => {
  const report = [];
  for (const r of runs) {
    const out = [];
    const code = await cli.main(r.argv, { out: (l) => out.push(l), err: (l) => out.push(l), cwd: ${JSON.stringify(FIXTURE)} });
    report.push({ name: r.name, code, output: out.join("\\n"), modules: Object.keys(require.cache) });
  }
  process.stdout.write(JSON.stringify(report));
})().catch((e) => { console.error(e); process.exit(1); });
`;

interface RunReport {
  name: string;
  code: number;
  output: string;
  modules: string[];
}

describe("modelship CLI: what a quick command loads", function () {
  this.timeout(120_000);
  let report: RunReport[];

  before(() => {
    const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", CHILD], { cwd: FIXTURE, encoding: "utf8", maxBuffer: 64 << 20, timeout: 110_000 });
    assert.equal(r.status, 0, r.stderr);
    report = JSON.parse(r.stdout);
  });

  it("the patterns match where those modules really are, so their absence means something", () => {
    for (const [name, pattern] of Object.entries(HEAVY)) assert.match(require.resolve(ENTRY[name as keyof typeof HEAVY], { paths: [ROOT] }), pattern, name);
  });

  for (const { name } of RUNS) {
    it(`${name}: answers, and loads no Pulumi SDK, Kubernetes provider, Grafana SDK or gate`, () => {
      const run = report.find((r) => r.name === name)!;
      assert.equal(run.code, 0, run.output);
      for (const [heavy, pattern] of Object.entries(HEAVY)) {
        const loaded = run.modules.filter((m) => pattern.test(m));
        assert.deepEqual(loaded.slice(0, 3), [], `${name} loaded ${heavy} (${loaded.length} modules)`);
      }
    });
  }

  it("help loads no command module; status loads its own (the cache is read after each run)", () => {
    const commandModules = (r: RunReport) => r.modules.filter((m) => /[\\/]stacks[\\/]commands[\\/](?!help\.|types\.)[^\\/]+$/.test(m)).map((m) => path.basename(m));
    const [help, promoteHelp, status] = report;
    assert.deepEqual(commandModules(help), []);
    assert.deepEqual(commandModules(promoteHelp), []);
    assert.match(promoteHelp.output, /^modelship promote --stack STACK/);
    assert.deepEqual(commandModules(status), ["status.ts"]);
    assert.match(status.output, /next promote:/);
  });
});

describe("modelship CLI: Node's compile cache", () => {
  it("the launcher turns it on before a command loads its modules, where Node has it (>= 22.1)", function () {
    this.timeout(120_000);
    // Node 20 has no module.enableCompileCache: a preload stands in for it and records, at the
    // call, whether zod (which status loads) is loaded yet, so the call is seen to come first.
    const preload = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "modelship-compile-cache-")), "preload.js");
    fs.writeFileSync(
      preload,
      `const calls = [];
require("module").enableCompileCache = (...args) => { calls.push({ args, zodLoaded: Object.keys(require.cache).some((m) => /[\\\\/]node_modules[\\\\/]zod[\\\\/]/.test(m)) }); return { status: 0 }; };
process.on("exit", () => process.stderr.write("COMPILE_CACHE_CALLS " + JSON.stringify(calls) + "\\n"));
`,
    );
    try {
      const launcher = path.join(ROOT, "stacks", "bin", "modelship.js");
      const r = spawnSync(process.execPath, ["-r", preload, launcher, "status", "--stack", "production", "--project-dir", FIXTURE], { cwd: FIXTURE, encoding: "utf8", timeout: 110_000 });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /next promote:/);
      const calls = JSON.parse(/COMPILE_CACHE_CALLS (.*)/.exec(r.stderr)![1]) as { args: unknown[]; zodLoaded: boolean }[];
      // Called once, with no directory (so NODE_COMPILE_CACHE can move it), before zod loaded.
      assert.deepEqual(calls, [{ args: [], zodLoaded: false }]);
    } finally {
      fs.rmSync(path.dirname(preload), { recursive: true, force: true });
    }
  });
});

describe("modelship CLI: zod's locales, loaded only when read", function () {
  this.timeout(120_000);
  const LOCALE = /[\\/]node_modules[\\/]zod[\\/]v4[\\/]locales[\\/]([^\\/]+)$/;
  const node = (args: string[]) => spawnSync(process.execPath, args, { cwd: FIXTURE, encoding: "utf8", timeout: 110_000 });

  it("status through the launcher loads zod without its locales (but English, which zod's messages use)", () => {
    // Reports, at exit, the locale modules in the cache and whether zod itself was loaded.
    const preload = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "modelship-locales-")), "preload.js");
    const zod = /[\\/]zod[\\/]v4[\\/]classic[\\/]schemas\.cjs$/;
    fs.writeFileSync(
      preload,
      `process.on("exit", () => {
  const m = Object.keys(require.cache);
  const locale = new RegExp(${JSON.stringify(LOCALE.source)});
  const zod = new RegExp(${JSON.stringify(zod.source)});
  process.stderr.write("LOADED " + JSON.stringify({ zod: m.some((f) => zod.test(f)), locales: m.filter((f) => locale.test(f)).map((f) => locale.exec(f)[1]) }) + "\\n");
});
`,
    );
    try {
      const r = node(["-r", preload, path.join(ROOT, "stacks", "bin", "modelship.js"), "status", "--stack", "production", "--project-dir", FIXTURE]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /next promote:/);
      const loaded = JSON.parse(/LOADED (.*)/.exec(r.stderr)![1]) as { zod: boolean; locales: string[] };
      assert.equal(loaded.zod, true, "status validates with zod");
      // index.cjs is the stand-in the launcher put in the cache; the real one would bring ~50 more.
      assert.deepEqual(loaded.locales.filter((f) => f !== "en.cjs" && f !== "index.cjs"), []);
    } finally {
      fs.rmSync(path.dirname(preload), { recursive: true, force: true });
    }
  });

  it("a program in the same process still reads every locale, by any route, on first use", () => {
    const child = `
const assert = require("assert");
require(${JSON.stringify(path.join(ROOT, "stacks", "bin", "locales"))}).deferZodLocales();
const z = require("zod");
const cached = () => Object.keys(require.cache).filter((f) => ${LOCALE}.test(f) && !/[\\/](en|index)\\.cjs$/.test(f));
assert.deepEqual(cached(), [], "no locale loaded with zod");
// zod's own messages, as before: English.
assert.match(z.string().safeParse(1).error.issues[0].message, /expected string, received number/);
assert.equal("de" in z.locales, true);
assert.ok(Object.keys(z.locales).includes("fr") && Object.keys(z.locales).includes("en"));
assert.ok(cached().length > 40, "the locales load when read");
z.config(z.locales.de());
assert.match(z.string().safeParse(1).error.issues[0].message, /Ungültige Eingabe/);
const direct = require("zod/v4/locales");
assert.equal(direct.de, z.locales.de);
assert.equal(require("zod/v4/core").locales.es, direct.es);
process.stdout.write("ok");
`;
    const r = node(["-r", "ts-node/register/transpile-only", "-e", child]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "ok");
  });

  it("does nothing when zod's locales are already loaded", () => {
    const child = `
const assert = require("assert");
const z = require("zod");
const real = require("zod/v4/locales");
require(${JSON.stringify(path.join(ROOT, "stacks", "bin", "locales"))}).deferZodLocales();
assert.equal(require("zod/v4/locales"), real);
assert.equal(require("zod").locales.de, real.de);
process.stdout.write("ok");
`;
    const r = node(["-r", "ts-node/register/transpile-only", "-e", child]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "ok");
  });
});

describe("modelship CLI: a failed Pulumi run, recognised without the SDK", () => {
  it("isPulumiRunError agrees with the SDK's RunError.isInstance", () => {
    const samples: unknown[] = [new pulumi.RunError("program failed"), new Error("x"), null, undefined, "text", { __pulumiRunError: true }, { __pulumiRunError: "true" }, { __pulumiRunError: 1 }];
    for (const s of samples) assert.equal(isPulumiRunError(s), pulumi.RunError.isInstance(s), String(JSON.stringify(s)));
    assert.equal(isPulumiRunError(new pulumi.RunError("program failed")), true);
  });

  const run = async (argv: string[], cwd = FIXTURE) => {
    const err: string[] = [];
    const io: Io = { out: () => {}, err: (l) => err.push(l), cwd };
    const code = await main(argv, io);
    return { code, err };
  };

  it("a RunError the program throws is a one-line refusal (exit 1), not an internal error", async function () {
    this.timeout(120_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "modelship-runerror-"));
    try {
      fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: p\nruntime: nodejs\nmain: index.js\n");
      fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config: {}\n");
      const sdk = JSON.stringify(path.join(ROOT, "node_modules", "@pulumi", "pulumi"));
      fs.writeFileSync(path.join(dir, "index.js"), `const pulumi = require(${sdk});\nmodule.exports = async () => { throw new pulumi.RunError("no cluster named prod"); };\n`);
      const r = await run(["synth", "--stack", "dev"], dir);
      assert.equal(r.code, 1, r.err.join("\n"));
      assert.deepEqual(r.err, ["no cluster named prod"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("errors whose classes load only after the throw still end in their exit codes", async () => {
    // StackFileError (stacks/stackfile): a refusal in one line.
    const missing = await run(["status", "--stack", "production", "--project-dir", path.join(FIXTURE, "no-such-dir")]);
    assert.equal(missing.code, 1, missing.err.join("\n"));
    assert.equal(missing.err.length, 1);
    assert.doesNotMatch(missing.err[0], /\n/);
    // StackNameError (components/config/stack-keys): a usage error, with the command's help.
    const badName = await run(["status", "--stack", "a/b/c/d", "--project-dir", FIXTURE]);
    assert.equal(badName.code, 3, badName.err.join("\n"));
    assert.match(badName.err.join("\n"), /modelship status --stack STACK/);
  });
});
