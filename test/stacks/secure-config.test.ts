// issue 14 §6: a `secure:` value anywhere but modelship:secrets would reach the cluster in plain
// text (Pulumi decrypts config and marks secret only whole top-level keys), so it is rejected
// before any resource is registered; plain values under modelship:secrets are warnings.
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as path from "path";
import { secretPlacement } from "../../stacks/stackfile/config";
import { SECRET_PLACEHOLDER } from "../../stacks/stackfile/file";
import { synthesize } from "../../stacks/render/synth";
import { find, ROOT, tempProject } from "../helpers";

const PLAINTEXT = "hf_plaintext_token_value";
const CIPHERTEXT = "v1:c2VjcmV0LWNpcGhlcnRleHQ=";

const model = (env: Record<string, unknown>) => ({
  name: "sentiment",
  stable: "blue",
  env,
  tracks: {
    blue: { version: "2.0.0", image: "registry.example.com/sentiment:2.0.0", modelUri: "s3://m/2.0.0", weight: 100 },
    green: { version: "2.0.0", image: "registry.example.com/sentiment:2.0.0", modelUri: "s3://m/2.0.0", weight: 0, retired: true },
  },
});

/** A stack file as text, so `secure:` entries are written the way Pulumi writes them. */
const stackFile = (secretsYaml: string[], envYaml: string) =>
  [
    "config:",
    "  modelship:environment: staging",
    "  modelship:namespace: ml-staging",
    ...secretsYaml,
    "  modelship:models:",
    "    - name: sentiment",
    "      stable: blue",
    `      env: ${envYaml}`,
    "      tracks:",
    "        blue: {version: 2.0.0, image: 'registry.example.com/sentiment:2.0.0', modelUri: 's3://m/2.0.0', weight: 100}",
    "        green: {version: 2.0.0, image: 'registry.example.com/sentiment:2.0.0', modelUri: 's3://m/2.0.0', weight: 0, retired: true}",
    "",
  ].join("\n");

interface EngineRun {
  error?: string;
  registered: { type: string; name: string; inputs: any }[];
}

/**
 * Runs the program in a fresh process with config handed over as the Pulumi language host does
 * under `pulumi up`: decrypted values in PULUMI_CONFIG, secret keys in PULUMI_CONFIG_SECRET_KEYS.
 */
function runAsEngine(config: Record<string, unknown>, secretKeys: string[]): EngineRun {
  const flat = Object.fromEntries(Object.entries(config).map(([k, v]) => [`modelship:${k}`, typeof v === "string" ? v : JSON.stringify(v)]));
  const out = execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(__dirname, "engine-child.ts")], {
    cwd: ROOT,
    env: { ...process.env, PULUMI_CONFIG: JSON.stringify(flat), PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(secretKeys), ENGINE_CHILD_STACK: "staging" },
    encoding: "utf8",
  });
  return JSON.parse(out) as EngineRun;
}

/** Every string in `v` outside a value the program marked secret. */
function plainStrings(v: any): string[] {
  if (typeof v === "string") return [v];
  if (Array.isArray(v)) return v.flatMap(plainStrings);
  if (v !== null && typeof v === "object") return "secret" in v && Object.keys(v).length === 1 ? [] : Object.values(v).flatMap(plainStrings);
  return [];
}

describe("secure: config outside modelship:secrets", () => {
  it("names the key path and the fix when synth sees the masked value", () => {
    const { problems, warnings } = secretPlacement(
      { secrets: {}, models: [model({ HF_TOKEN: SECRET_PLACEHOLDER, LOG_LEVEL: "info" })] },
      (k) => k === "modelship:models",
    );
    assert.deepEqual(warnings, []);
    assert.equal(problems.length, 1);
    assert.equal(problems[0].path, "modelship:models[0].env.HF_TOKEN");
    assert.match(problems[0].message, /only kept secret under modelship:secrets/);
    assert.match(problems[0].message, /pulumi config set --secret --path 'secrets\.HF_TOKEN' <value>/);
    assert.match(problems[0].message, /\{secret: HF_TOKEN\}/);
  });

  it("names the top-level key when the value arrives decrypted (pulumi up)", () => {
    const { problems } = secretPlacement({ models: [model({ HF_TOKEN: PLAINTEXT })] }, (k) => k === "modelship:models");
    assert.deepEqual(problems.map((p) => p.path), ["modelship:models"]);
    assert.match(problems[0].message, /^holds a secure: value somewhere inside, which is only kept secret under modelship:secrets; .*\{secret: <name>\}$/);
    assert.ok(!problems[0].message.includes(PLAINTEXT), "the error shows the decrypted value");
  });

  it("synth rejects it from the stack file, with the stack file and key path", async () => {
    const dir = tempProject("staging", stackFile([], `{HF_TOKEN: {secure: '${CIPHERTEXT}'}}`));
    await assert.rejects(synthesize(dir, "staging"), (e: Error) => {
      assert.match(e.message, /^Pulumi\.staging\.yaml: modelship:models\[0\]\.env\.HF_TOKEN: a secure: value is only kept secret under modelship:secrets/m);
      return true;
    });
  });

  it("under the engine's config (decrypted, key marked secret), stops before registering anything", function () {
    this.timeout(120000);
    const run = runAsEngine({ environment: "staging", namespace: "ml-staging", models: [model({ HF_TOKEN: PLAINTEXT })] }, ["modelship:models"]);
    assert.match(run.error ?? "", /Pulumi\.staging\.yaml: modelship:models: holds a secure: value somewhere inside/);
    // Only the stack itself, which the SDK registers before it runs the program.
    assert.deepEqual(run.registered.map((r) => r.type), ["pulumi:pulumi:Stack"]);
    assert.ok(!(run.error ?? "").includes(PLAINTEXT), "the error shows the decrypted value");
  });

  it("under the engine's config, a modelship:secrets value reaches the Deployment only as a secretKeyRef", function () {
    this.timeout(120000);
    const run = runAsEngine(
      { environment: "staging", namespace: "ml-staging", secrets: { hfToken: PLAINTEXT }, models: [model({ HF_TOKEN: { secret: "hfToken" } })] },
      ["modelship:secrets"],
    );
    assert.equal(run.error, undefined);
    const objects = run.registered.filter((r) => r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:index:")).map((r) => r.inputs);
    const deployment = find(objects, "Deployment", "sentiment-blue");
    const env = deployment.spec.template.spec.containers[0].env.find((e: { name: string }) => e.name === "HF_TOKEN");
    assert.deepEqual(env, { name: "HF_TOKEN", valueFrom: { secretKeyRef: { name: "sentiment-secrets", key: "hfToken" } } });
    // The Secret carries the value, marked secret (the engine encrypts it in state).
    const stringData = find(objects, "Secret", "sentiment-secrets").stringData;
    assert.ok(JSON.stringify(stringData).includes(PLAINTEXT));
    assert.deepEqual(plainStrings(stringData), []);
    for (const r of run.registered) assert.ok(!plainStrings(r.inputs).includes(PLAINTEXT), `${r.type} ${r.name} carries the secret in plain text`);
  });
});

describe("plain values under modelship:secrets", () => {
  it("warns for each unencrypted entry synth can tell apart, and for none that is encrypted", async () => {
    const dir = tempProject(
      "staging",
      stackFile(["  modelship:secrets:", "    hfToken:", `      secure: ${CIPHERTEXT}`, "    dbPassword: hunter2"], "{HF_TOKEN: {secret: hfToken}, DB_PASSWORD: {secret: dbPassword}}"),
    );
    const warnings: string[] = [];
    await synthesize(dir, "staging", undefined, (w) => warnings.push(w));
    assert.deepEqual(warnings, [
      "Pulumi.staging.yaml: modelship:secrets.dbPassword: warning: not encrypted: this value sits in the stack file in plain text; set it with: pulumi config set --secret --path 'secrets.dbPassword' <value>",
    ]);
  });

  it("warns for every entry when the key holds no secure: value at all (also under pulumi up)", () => {
    const { problems, warnings } = secretPlacement({ secrets: { a: "x", b: "y" } }, () => false);
    assert.deepEqual(problems, []);
    assert.deepEqual(warnings.map((w) => w.path), ["modelship:secrets.a", "modelship:secrets.b"]);
  });

  it("cannot tell entries apart once decrypted: no warning when the key is secret", () => {
    assert.deepEqual(secretPlacement({ secrets: { a: "x", b: "y" } }, (k) => k === "modelship:secrets").warnings, []);
  });
});
