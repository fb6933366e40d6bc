// The shipped stack files (Pulumi.<stack>.yaml at the repository root) are examples a user edits
// freely: tests pin the fixture project's copies (test/fixtures/project), and check here only
// that the shipped ones are valid — they parse, validate and render, and `npm start` names one —
// without pinning a model, a name, a count or a weight (issue 16, "Fixtures apart from examples").
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { parseFleetConfig } from "../../components/config";
import { modelshipKeys } from "../../stacks/stackfile/config";
import { listStacks, readProject, readStackConfig } from "../../stacks/stackfile/file";
import { assertModelshipProgram, synthesize } from "../../stacks/render/synth";
import { ROOT } from "../helpers";

/** The checks every shipped stack passes, whatever models it holds. */
async function validStack(dir: string, stack: string): Promise<void> {
  const { config } = readStackConfig(readProject(dir), stack);
  const fleet = parseFleetConfig(modelshipKeys(config), `Pulumi.${stack}.yaml`);
  assert.ok(fleet.models.length > 0, `Pulumi.${stack}.yaml: no models`);
  const r = await synthesize(dir, stack, undefined, (w) => assert.fail(`Pulumi.${stack}.yaml: ${w}`));
  assertModelshipProgram(r);
  assert.deepEqual(r.outputs.models.map((m) => m.name), fleet.models.map((m) => m.name));
  for (const m of fleet.models) assert.ok(r.objects.some((o) => o.kind === "Deployment" && o.metadata.labels?.["app.kubernetes.io/name"] === m.name) || r.objects.some((o) => o.kind === "Deployment" && o.metadata.name.startsWith(`${m.name}-`)), `${m.name}: no Deployment`);
}

describe("the shipped stack files (examples, not fixtures)", function () {
  this.timeout(120_000);
  const stacks = listStacks(ROOT);

  it("exist", () => assert.ok(stacks.length > 0));

  for (const stack of listStacks(ROOT)) {
    it(`Pulumi.${stack}.yaml parses, validates and renders`, () => validStack(ROOT, stack));
  }

  it("`npm start` renders a shipped stack", () => {
    const start = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts.start as string;
    const stack = /\bsynth\b.*--stack[ =](\S+)/.exec(start)?.[1];
    assert.ok(stack && stacks.includes(stack), `npm start (${start}) renders a stack with a file at the root (${stacks.join(", ")})`);
  });

  it("stay valid with a model added: the checks pin none of their content", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "modelship-shipped-"));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), YAML.stringify({ name: readProject(ROOT).name, runtime: "nodejs", main: path.join(ROOT, "stacks", "index.ts") }));
    const stack = stacks.includes("staging") ? "staging" : stacks[0];
    const doc = YAML.parseDocument(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8"));
    const models = doc.getIn(["config", "modelship:models"]) as YAML.YAMLSeq;
    const bucket = doc.getIn(["config", "modelship:aws", "artifactsBucket"]) as string | undefined;
    const track = (version: string, weight: number) => ({
      version,
      image: `registry.example.com/ml/added-by-a-user:${version}`,
      modelUri: `s3://${bucket ?? "models"}/added-by-a-user/${version}`,
      weight,
    });
    models.add(doc.createNode({ name: "added-by-a-user", stable: "blue", tracks: { blue: track("1.0.0", 100), green: { ...track("0.9.0", 0), retired: true } } }));
    // Build contexts are relative to the project: keep them pointing at this repository.
    for (const m of models.items as YAML.YAMLMap[]) {
      const context = m.getIn(["build", "context"]);
      if (typeof context === "string") m.setIn(["build", "context"], path.resolve(ROOT, context));
    }
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), doc.toString());
    await validStack(dir, stack);
  });

  it("are read by no test but this one (tests pin test/fixtures/project instead)", () => {
    // Ways a test reads the root project's stack files: their paths, the project itself, or a
    // modelship command run there.
    const patterns = [
      /\bROOT\b[^;\n]*["'`]Pulumi\.[^"'`]*\.yaml/,
      /\b(readProject|synthesize|readStackConfig|listStacks|loadStackDocument|findProjectDir)\(ROOT\b/,
      /["']--project-dir["'],\s*ROOT\b/,
      /\bcapture\(ROOT\)|\bcwd\s*=\s*ROOT\b/,
    ];
    /** Runs modelship (in process or as the bin) with ROOT as its working directory. */
    const runsThere = (text: string) => /\bcwd:\s*ROOT\b/.test(text) && /\bmain\(\[|modelship\.js/.test(text);
    const allowed = new Set(["test/stacks/shipped.test.ts", "test/helpers.ts"]);
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith(".ts")) {
          const rel = path.relative(ROOT, p).split(path.sep).join("/");
          if (allowed.has(rel)) continue;
          const text = fs.readFileSync(p, "utf8");
          const lines = text.split("\n").flatMap((l, i) => (patterns.some((re) => re.test(l)) ? [`${rel}:${i + 1}: ${l.trim()}`] : []));
          offenders.push(...lines);
          if (runsThere(text)) offenders.push(`${rel}: runs modelship with cwd ROOT`);
        }
      }
    };
    walk(path.join(ROOT, "test"));
    assert.deepEqual(offenders, []);
  });
});
