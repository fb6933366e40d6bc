// Issue 16, "Proof": modelship as a user gets it. The tarball `npm pack` makes is installed, with
// no network, into a fresh Pulumi project of its own (every other package linked from this
// checkout's node_modules, except the optional peers @pulumi/aws and @pulumi/docker, which a
// fleet without AWS must not need). Its program imports `modelship`, builds a fleet from its
// stack config, and must: type-check under strict settings with the library's declarations
// checked too (skipLibCheck: false; node10 resolution as `pulumi new typescript` writes it, and
// nodenext, which reads `exports`); compile and run on plain node under the mock runtime; run
// under ts-node exactly as `pulumi up` registers it; and drive the packed `modelship` bin.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { ROOT } from "../helpers";
import { ensureBuild, npm, run } from "./build";

/** Not installed in the consumer: optional peers a fleet without AWS or builds never loads. */
const ABSENT = ["@pulumi/aws", "@pulumi/docker"];

const STACK_CONFIG = {
  "modelship:environment": "development",
  "modelship:namespace": "ml-dev",
  "modelship:router": "gateway-api",
  "modelship:routers": { "gateway-api": { gateway: { name: "ml-gateway", namespace: "gateway-system" } } },
  "modelship:models": [
    {
      name: "churn",
      port: 8080,
      stable: "blue",
      steps: [10, 50, 100],
      tracks: {
        blue: { version: "1.0.0", image: "registry.example.com/ml/churn:1.0.0", modelUri: "s3://models/churn/1.0.0", weight: 100 },
        green: { version: "1.1.0", image: "registry.example.com/ml/churn:1.1.0", modelUri: "s3://models/churn/1.1.0", weight: 0 },
      },
    },
  ],
};

const PROGRAM = `// A user's own Pulumi program on the published API.
import * as pulumi from "@pulumi/pulumi";
import { ModelFleet } from "modelship";
import { fleetConfigFromStack, type FleetConfig } from "modelship/config";

export = async () => {
  const config: FleetConfig = fleetConfigFromStack();
  const fleet = new ModelFleet("consumer", { config });
  const first = fleet.models[0]; // noUncheckedIndexedAccess: possibly undefined
  const summaries = fleet.models.map((m) => m.summary);
  return {
    environment: config.environment,
    namespace: fleet.namespace,
    models: summaries,
    firstModel: first === undefined ? "none" : first.summary.name,
    stack: pulumi.getStack(),
  };
};
`;

// Runs a program under the SDK's mock runtime with the stack's config, as `pulumi up` would
// (minus the engine), and reports what it registered and which modules it loaded. With --ts,
// ts-node is registered exactly as @pulumi/pulumi's own cmd/run/run.js does for `typescript: true`.
const HARNESS = `"use strict";
const fs = require("fs");
const path = require("path");
const [program, mode] = process.argv.slice(2);
if (mode === "--ts") {
  const tsutils = require("@pulumi/pulumi/tsutils");
  const compilerOptions = tsutils.loadTypeScriptCompilerOptions("tsconfig.json");
  const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
  const nodeNext = Number(require(typescriptRequire).version.split(".")[0]) >= 5;
  require(tsnodeRequire).register({
    compiler: typescriptRequire,
    transpileOnly: process.env.PULUMI_NODEJS_TRANSPILE_ONLY ? process.env.PULUMI_NODEJS_TRANSPILE_ONLY === "true" : compilerOptions.noCheck,
    project: "tsconfig.json",
    skipProject: false,
    compilerOptions: { target: "ES2020", module: nodeNext ? "nodenext" : "commonjs", moduleResolution: nodeNext ? "nodenext" : "node", sourceMap: "true", ...compilerOptions },
  });
}
const pulumi = require("@pulumi/pulumi");
const config = JSON.parse(fs.readFileSync("stack-config.json", "utf8"));
pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])), []);
const types = [];
pulumi.runtime
  .setMocks({ newResource: (a) => (types.push(a.type), { id: a.name + "-id", state: a.inputs }), call: (a) => a.inputs }, "consumer", "dev", false)
  .then(async () => {
    const loaded = require(path.resolve(program));
    const outputs = await pulumi.runtime.runInPulumiStack(typeof loaded === "function" ? loaded : () => Promise.resolve(loaded));
    await pulumi.runtime.disconnect();
    const modules = Object.keys(require.cache);
    console.log(JSON.stringify({
      types,
      models: outputs.models.map((m) => m.name),
      firstModel: outputs.firstModel,
      modelshipFrom: require.resolve("modelship"),
      modelshipModules: modules.filter((m) => m.includes(path.join("node_modules", "modelship", "dist"))).length,
      optionalPeersLoaded: modules.filter((m) => /[\\\\/]@pulumi[\\\\/](aws|docker)[\\\\/]/.test(m)),
      tsLoaded: modules.some((m) => m.endsWith(".ts") && !m.endsWith(".d.ts")),
    }));
  })
  .catch((e) => { console.error(e && e.stack ? e.stack : e); process.exit(1); });
`;

describe("npm package: a consumer project (packed tarball, offline)", function () {
  this.timeout(600_000);
  let tmp: string;
  let consumer: string;
  const node = (args: string[], timeout = 180_000, env: NodeJS.ProcessEnv = process.env) => run(process.execPath, args, { cwd: consumer, timeout, env });
  const tsc = (args: string[]) => node([path.join(consumer, "node_modules", "typescript", "bin", "tsc"), ...args], 240_000);

  before(() => {
    ensureBuild();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "modelship-consumer-"));
    const [packed] = JSON.parse(npm(["pack", "--json", "--ignore-scripts", "--pack-destination", tmp], ROOT, 120_000)) as { filename: string }[];
    const tarball = path.join(tmp, packed.filename);
    consumer = path.join(tmp, "consumer");
    const modules = path.join(consumer, "node_modules");
    const target = path.join(modules, "modelship");
    fs.mkdirSync(target, { recursive: true });
    run("tar", ["-xzf", tarball, "-C", target, "--strip-components=1"], { timeout: 60_000 });

    // Every other package from this checkout, linked as an installed dependency would be.
    const source = path.join(ROOT, "node_modules");
    const link = (name: string) => fs.symlinkSync(path.join(source, name), path.join(modules, name), "junction");
    for (const entry of fs.readdirSync(source)) {
      if (entry.startsWith(".") || entry === "modelship") continue;
      if (!entry.startsWith("@")) {
        link(entry);
        continue;
      }
      fs.mkdirSync(path.join(modules, entry));
      for (const scoped of fs.readdirSync(path.join(source, entry))) if (!ABSENT.includes(`${entry}/${scoped}`)) link(`${entry}/${scoped}`);
    }
    // npm's bin link: node_modules/.bin/modelship, executable.
    const installed = JSON.parse(fs.readFileSync(path.join(target, "package.json"), "utf8"));
    fs.mkdirSync(path.join(modules, ".bin"));
    fs.chmodSync(path.join(target, installed.bin.modelship), 0o755);
    fs.symlinkSync(path.join("..", "modelship", installed.bin.modelship), path.join(modules, ".bin", "modelship"));

    const write = (file: string, text: string) => fs.writeFileSync(path.join(consumer, file), text);
    write("package.json", JSON.stringify({ name: "consumer", private: true, main: "index.ts", dependencies: { modelship: `file:../${packed.filename}` } }, null, 2));
    write("Pulumi.yaml", "name: consumer\nruntime:\n  name: nodejs\n  options:\n    typescript: true\nmain: index.ts\n");
    write("Pulumi.dev.yaml", YAML.stringify({ config: STACK_CONFIG }));
    write("stack-config.json", JSON.stringify(STACK_CONFIG));
    // As `pulumi new typescript` writes it, stricter, and checking the libraries' declarations.
    const compilerOptions = {
      strict: true,
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
      skipLibCheck: false,
      // zod's own declarations (which modelship's config types name) default-import their
      // locales: without this flag, checking them fails (TS1259) whatever the program does.
      esModuleInterop: true,
      outDir: "bin",
      target: "es2020",
      module: "commonjs",
      moduleResolution: "node",
      sourceMap: true,
      experimentalDecorators: true,
      noFallthroughCasesInSwitch: true,
      noImplicitReturns: true,
      forceConsistentCasingInFileNames: true,
      types: ["node"],
    };
    write("tsconfig.json", JSON.stringify({ compilerOptions, files: ["index.ts"] }, null, 2));
    write("tsconfig.nodenext.json", JSON.stringify({ extends: "./tsconfig.json", compilerOptions: { module: "nodenext", moduleResolution: "nodenext", noEmit: true } }, null, 2));
    write("index.ts", PROGRAM);
    write("harness.js", HARNESS);
  });

  let failed = false;
  afterEach(function () {
    if (this.currentTest?.state === "failed") failed = true;
  });
  after(() => {
    if (!tmp) return;
    // A failure keeps the project to rerun its steps by hand.
    if (failed || process.env.MODELSHIP_KEEP_CONSUMER) console.error(`consumer project kept in ${consumer}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("installs from the tarball: `modelship` resolves to its compiled dist/, and the optional peers are absent", () => {
    const resolved = node(["-p", "require.resolve('modelship') + '\\n' + require.resolve('modelship/config')"]).trim().split("\n");
    assert.deepEqual(resolved, [path.join(consumer, "node_modules/modelship/dist/components/index.js"), path.join(consumer, "node_modules/modelship/dist/components/config/index.js")]);
    for (const peer of ABSENT) assert.ok(!fs.existsSync(path.join(consumer, "node_modules", peer)), peer);
  });

  it("type-checks with strict, noUncheckedIndexedAccess, exactOptionalPropertyTypes and skipLibCheck: false (node10 and nodenext resolution)", () => {
    tsc(["--noEmit", "-p", "tsconfig.json"]);
    tsc(["-p", "tsconfig.nodenext.json"]);
  });

  it("compiles and runs on plain node under the mock runtime, never loading @pulumi/aws or @pulumi/docker", () => {
    tsc(["-p", "tsconfig.json"]);
    const r = JSON.parse(node(["harness.js", "bin/index.js"]));
    assert.deepEqual(r.models, ["churn"]);
    assert.equal(r.firstModel, "churn");
    assert.equal(r.modelshipFrom, path.join(consumer, "node_modules/modelship/dist/components/index.js"));
    assert.ok(r.modelshipModules > 10, "the program ran modelship's compiled modules");
    assert.equal(r.tsLoaded, false, "plain JavaScript, no TypeScript loader");
    assert.deepEqual(r.optionalPeersLoaded, []);
    for (const type of ["kubernetes:core/v1:Namespace", "kubernetes:apps/v1:Deployment", "kubernetes:core/v1:Service", "modelship:serving:ModelFleet"]) assert.ok(r.types.includes(type), `${type} registered`);
    assert.deepEqual(r.types.filter((t: string) => /^(aws|docker)[:]/.test(t)), []);
  });

  it("runs index.ts under ts-node registered as `pulumi up` registers it (type-checked, the project's tsconfig)", () => {
    const r = JSON.parse(node(["harness.js", "index.ts", "--ts"], 240_000));
    assert.deepEqual(r.models, ["churn"]);
    assert.equal(r.tsLoaded, true);
    assert.deepEqual(r.optionalPeersLoaded, []);
  });

  it("ts-node as `pulumi up` registers it rejects a program that misuses the API (the check is real)", () => {
    fs.writeFileSync(path.join(consumer, "bad.ts"), `import { ModelFleet } from "modelship";\nexport = async () => ({ models: new ModelFleet("x", { config: { namespace: 1 } }).models });\n`);
    const r = spawnSync(process.execPath, ["harness.js", "bad.ts", "--ts"], { cwd: consumer, encoding: "utf8", timeout: 240_000 });
    assert.notEqual(r.status, 0, r.stdout);
    assert.match(r.stderr, /TS\d+/, r.stderr);
  });

  it("runs the packed bin: `modelship synth --stack dev` renders the consumer's own program", () => {
    const bin = path.join(consumer, "node_modules", ".bin", "modelship");
    const out = run(bin, ["synth", "--stack", "dev"], { cwd: consumer, timeout: 180_000 });
    assert.match(out, /Rendered stack dev: \d+ objects in out\/dev/);
    assert.match(out, /churn\s+gateway-api\s+blue\s+stable\s+1\.0\.0\s+100%/);
    const rendered = fs.readdirSync(path.join(consumer, "out", "dev"));
    assert.ok(rendered.some((f) => f.startsWith("deployment-ml-dev-churn")), rendered.join(", "));
  });

  it("runs the packed bin: `modelship promote --stack dev --model churn --dry-run` proposes the first step and writes nothing", () => {
    const file = path.join(consumer, "Pulumi.dev.yaml");
    const before = fs.readFileSync(file, "utf8");
    const out = run(path.join(consumer, "node_modules", ".bin", "modelship"), ["promote", "--stack", "dev", "--model", "churn", "--dry-run"], { cwd: consumer, timeout: 180_000 });
    assert.match(out, /Promote churn 1\.1\.0 on green from 0% to 10%/);
    assert.match(out, /Dry run: Pulumi\.dev\.yaml not written/);
    assert.equal(fs.readFileSync(file, "utf8"), before);
  });
});
