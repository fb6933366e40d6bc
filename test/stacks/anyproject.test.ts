// Issue 16, "The CLI on any project": `modelship` finds the user's Pulumi.yaml (walking up from
// the working directory, or --project-dir), runs *their* program (its `main`: a file, a directory
// with package.json, JavaScript or TypeScript, whichever runtime form) and edits *their* stack
// files. Every failure there is one line with a documented exit code, never exit 70.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { main, type Io } from "../../stacks/cli";
import { EXIT } from "../../stacks/commands/types";
import { synthesize } from "../../stacks/render/synth";
import { canaryConfig } from "../fixtures/canary";
import { find, ROOT } from "../helpers";

const BIN = path.join(ROOT, "stacks", "bin", "modelship.js");
/** The repository's modules as a user's program outside it names them. */
const mod = (p: string) => JSON.stringify(path.join(ROOT, p));

function capture(cwd: string): Io & { stdout: string[]; stderr: string[]; text(): string } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, cwd, out: (l) => stdout.push(l), err: (l) => stderr.push(l), text: () => [...stdout, ...stderr].join("\n") };
}

/** A stack file: one model mid-canary (10% on green, steps 10 > 50 > 100). */
const stackText = (extra: Record<string, unknown> = {}) =>
  YAML.stringify({ config: Object.fromEntries(Object.entries({ ...canaryConfig({ weight: 10, steps: [10, 50, 100] }), ...extra }).map(([k, v]) => [`modelship:${k}`, v])) });

/** A project in its own temporary directory (nowhere near this repository's Pulumi.yaml): path → content. */
function project(files: Record<string, string>): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "modelship-anyproject-")));
  for (const [f, text] of Object.entries({ "Pulumi.dev.yaml": stackText(), ...files })) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), text);
  }
  return dir;
}

/** A TypeScript program of the user's own that builds the fleet with the library's loader of the `modelship:` keys. */
const OWN_PROGRAM_TS = `import { ModelFleet } from ${mod("components/serving")};
import { fleetConfigFromStack } from ${mod("components/config")};

export = async () => {
  const config = fleetConfigFromStack();
  const fleet = new ModelFleet("ml", { config });
  return { environment: config.environment, namespace: fleet.namespace, models: fleet.models.map((m) => m.summary) };
};
`;

/** The same in JavaScript. */
const OWN_PROGRAM_JS = `"use strict";
const { ModelFleet } = require(${mod("components/serving")});
const { fleetConfigFromStack } = require(${mod("components/config")});

module.exports = async () => {
  const config = fleetConfigFromStack();
  const fleet = new ModelFleet("ml", { config });
  return { environment: config.environment, namespace: fleet.namespace, models: fleet.models.map((m) => m.summary) };
};
`;

/** synth, status and `promote --dry-run` from `cwd` (optionally with --project-dir): all succeed, and nothing is written. */
async function rolloutWorks(dir: string, cwd: string, projectDir?: string): Promise<void> {
  const where = projectDir ? ["--project-dir", projectDir] : [];
  const before = fs.readFileSync(path.join(dir, "Pulumi.dev.yaml"), "utf8");

  const synth = capture(cwd);
  assert.equal(await main(["synth", "--stack", "dev", "--json", ...where], synth), EXIT.ok, synth.text());
  const rendered = JSON.parse(synth.stdout.join("\n"));
  assert.equal(rendered.out, path.join(dir, "out", "dev"), "the render goes into the user's project");
  assert.deepEqual(rendered.models.map((m: { name: string }) => m.name), ["fraud"]);
  assert.ok(rendered.files.includes("deployment-ml-fraud-green.yaml"), rendered.files.join(", "));

  const status = capture(cwd);
  assert.equal(await main(["status", "--stack", "dev", "--json", ...where], status), EXIT.ok, status.text());
  const s = JSON.parse(status.stdout.join("\n"));
  assert.equal(s.models[0].phase, "canary");
  assert.deepEqual(s.models[0].next, { action: "promote", track: "green", version: "2", from: 10, to: 50, completes: false });

  const promote = capture(cwd);
  assert.equal(await main(["promote", "--stack", "dev", "--model", "fraud", "--dry-run", "--json", ...where], promote), EXIT.ok, promote.text());
  const report = JSON.parse(promote.stdout.join("\n"));
  assert.equal(report.file, "Pulumi.dev.yaml");
  assert.deepEqual(report.models[0].weights, { before: { blue: 90, green: 10 }, after: { blue: 50, green: 50 } });
  assert.ok(report.touched.changed.length > 0, "rendered before and after with the user's program");
  assert.equal(report.written, false);
  assert.equal(fs.readFileSync(path.join(dir, "Pulumi.dev.yaml"), "utf8"), before, "a dry run writes nothing");
}

describe("the CLI on any project (issue 16)", function () {
  this.timeout(120_000);

  it("finds Pulumi.yaml from a nested working directory and runs the project's own TypeScript program", async () => {
    const dir = project({
      "Pulumi.yaml": "name: ml-platform\nruntime: nodejs\nmain: infra/index.ts\n",
      "infra/index.ts": OWN_PROGRAM_TS,
      "infra/deeper/notes.txt": "",
    });
    await rolloutWorks(dir, path.join(dir, "infra", "deeper"));
  });

  it("runs a `main` directory through its package.json main, with --project-dir from elsewhere", async () => {
    const dir = project({
      "Pulumi.yaml": "name: ml-platform\nruntime: nodejs\nmain: app\n",
      "app/package.json": JSON.stringify({ name: "app", private: true, main: "program.ts" }),
      "app/program.ts": OWN_PROGRAM_TS,
    });
    await rolloutWorks(dir, os.tmpdir(), dir);
  });

  it("runs a JavaScript `main`", async () => {
    const dir = project({ "Pulumi.yaml": "name: ml-platform\nruntime: nodejs\nmain: program.js\n", "program.js": OWN_PROGRAM_JS });
    await rolloutWorks(dir, dir);
  });

  it("takes the object form of runtime, and no main (the project directory's index.ts)", async () => {
    const dir = project({
      "Pulumi.yaml": "name: ml-platform\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n    packagemanager: npm\n",
      "index.ts": `export = require(${mod("stacks/index.ts")});\n`,
    });
    await rolloutWorks(dir, dir);
  });

  it("resolves a model's build context against the user's project, not this repository", async () => {
    const aws = {
      enabled: true,
      region: "eu-west-1",
      oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE",
      oidcProviderUrl: "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE",
      artifactsBucket: "acme-models",
    };
    const config = canaryConfig();
    const model = (config.models as Record<string, any>[])[0];
    delete model.tracks.blue.image;
    for (const c of ["blue", "green"]) model.tracks[c].modelUri = `s3://acme-models/fraud/${model.tracks[c].version}`;
    model.build = { context: "images/fraud" };
    const dir = project({
      "Pulumi.yaml": "name: ml-platform\nruntime: nodejs\nmain: index.ts\n",
      "index.ts": `export = require(${mod("stacks/index.ts")});\n`,
      "images/fraud/Dockerfile": "FROM scratch\n",
      "Pulumi.dev.yaml": YAML.stringify({ config: Object.fromEntries(Object.entries({ ...config, aws }).map(([k, v]) => [`modelship:${k}`, v])) }),
    });
    const r = await synthesize(dir, "dev");
    const image = r.resources.find((x) => x.type === "docker:index/image:Image");
    assert.ok(image, "the track without an image is built");
    // The program registers the paths relative to the directory it runs in (here the repository's stacks/).
    const workDir = path.join(ROOT, "stacks");
    assert.equal(path.resolve(workDir, image.inputs.build.context), path.join(dir, "images", "fraud"));
    assert.equal(path.resolve(workDir, image.inputs.build.dockerfile), path.join(dir, "images", "fraud", "Dockerfile"));
    assert.ok(find(r.objects, "Deployment", "fraud-blue"));
  });

  describe("a failure in a user's project is one line with a documented exit code, never exit 70", () => {
    const cases: [string, Record<string, string>, string[], RegExp][] = [
      [
        "the program throws",
        { "Pulumi.yaml": "name: p\nruntime: nodejs\nmain: index.js\n", "index.js": 'module.exports = async () => { throw new Error("no cluster named prod"); };\n' },
        [],
        /^Pulumi\.yaml: main: index\.js: the program failed: no cluster named prod$/,
      ],
      [
        "the program calls a provider function synth cannot answer offline",
        { "Pulumi.yaml": "name: p\nruntime: nodejs\nmain: index.js\n", "index.js": `const aws = require(${mod("node_modules/@pulumi/aws")});\nmodule.exports = async () => { await aws.getCallerIdentity(); return { models: [] }; };\n` },
        [],
        /^Pulumi\.yaml: main: index\.js: the program calls aws:index\/getCallerIdentity:getCallerIdentity, which synth cannot answer offline/,
      ],
      ["main does not exist", { "Pulumi.yaml": "name: p\nruntime: nodejs\nmain: src/\n" }, [], /^Pulumi\.yaml: main: cannot load src: no such file or directory/],
      ["main does not load", { "Pulumi.yaml": "name: p\nruntime: nodejs\nmain: index.js\n", "index.js": "module.exports = (;\n" }, [], /^Pulumi\.yaml: main: cannot load index\.js: /],
      ["a runtime synth cannot run", { "Pulumi.yaml": "name: p\nruntime: {name: python}\n" }, [], /^Pulumi\.yaml: runtime: python: modelship runs nodejs programs only/],
      ["not a modelship program", { "Pulumi.yaml": "name: p\nruntime: nodejs\nmain: index.js\n", "index.js": "module.exports = async () => ({ url: 'x' });\n" }, [], /^Pulumi\.yaml: main: .*index\.js is not a modelship program/],
      ["--project-dir that does not exist", { "Pulumi.yaml": "name: p\nruntime: nodejs\n" }, ["--project-dir", path.join(os.tmpdir(), "modelship-no-such-dir")], /modelship-no-such-dir: no such directory$/],
      ["--project-dir naming a file", { "Pulumi.yaml": "name: p\nruntime: nodejs\n" }, ["--project-dir", "Pulumi.yaml"], /Pulumi\.yaml: not a directory/],
    ];
    for (const [name, files, extra, message] of cases) {
      it(name, async () => {
        const dir = project(files);
        const io = capture(dir);
        assert.equal(await main(["synth", "--stack", "dev", ...extra], io), EXIT.refused, io.text());
        assert.equal(io.stderr.length, 1, io.text());
        assert.match(io.stderr[0], message);
        assert.doesNotMatch(io.stderr[0], /\n/);
      });
    }

    it("as the installed bin: exit 1 and one line, not an internal error", () => {
      const dir = project({ "Pulumi.yaml": "name: p\nruntime: nodejs\nmain: index.js\n", "index.js": "module.exports = async () => { undefinedFunction(); };\n" });
      const r = spawnSync(process.execPath, [BIN, "synth", "--stack", "dev"], { cwd: dir, encoding: "utf8" });
      assert.equal(r.status, EXIT.refused, r.stderr);
      assert.equal(r.stderr.trim(), "Pulumi.yaml: main: index.js: the program failed: undefinedFunction is not defined");
    });
  });
});
