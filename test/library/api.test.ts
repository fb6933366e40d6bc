// The public API: components built from the package's entry with stack-file-shaped args render
// what the program renders, and bad args fail before anything registers, named by argument path.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, fleetConfigFromStack, ModelFleet, ModelServing, parseFleetConfig, type ModelInput } from "../../components";
import { synthesize, type KubeObject } from "../../stacks/render/synth";
import { canaryConfig } from "../fixtures/canary";
import { ROOT, tempProject } from "../helpers";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, any>;
}

const STACK = "test";
const isKube = (type: string) => type.startsWith("kubernetes:") && !type.startsWith("kubernetes:index:");

/**
 * Runs `program` under the SDK's mocks, with `config` as the stack's config, and collects every
 * registration (but the stack's own) into `sink`.
 */
async function render(program: () => void, config: Record<string, string> = {}, sink: Registered[] = []): Promise<Registered[]> {
  pulumi.runtime.setAllConfig(config, []);
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        if (args.type !== "pulumi:pulumi:Stack") sink.push({ type: args.type, name: args.name, inputs: args.inputs });
        const m = args.inputs?.metadata ?? {};
        return { id: isKube(args.type) ? `${m.namespace ?? ""}/${m.name}` : `${args.name}-id`, state: args.inputs };
      },
      call: () => ({}),
    },
    "modelship",
    STACK,
    false,
  );
  try {
    await pulumi.runtime.runInPulumiStack(async () => {
      program();
      return {};
    });
  } finally {
    await pulumi.runtime.disconnect();
  }
  return sink;
}

const objectsOf = (rs: readonly Registered[]) => rs.filter((r) => isKube(r.type)).map((r) => r.inputs as KubeObject);
const byKey = (objects: readonly KubeObject[]) => new Map(objects.map((o) => [`${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`, o]));
const kinds = (objects: readonly KubeObject[]) => [...new Set(objects.map((o) => o.kind))].sort();

/** The canary fixture's one model and its fleet keys, as a stack file writes them. */
function canaryArgs() {
  const { models, ...fleet } = canaryConfig() as { models: ModelInput[] } & Record<string, any>;
  return { model: models[0], fleet: fleet as any };
}

/** Expects `program` to throw a ConfigError whose report has `line`, with nothing registered. */
async function rejects(program: () => void, line: string): Promise<void> {
  const registered: Registered[] = [];
  await assert.rejects(render(program, {}, registered), (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    assert.ok(e.message.split("\n").includes(line), `expected the line\n  ${line}\nin\n${e.message}`);
    return true;
  });
  assert.deepEqual(registered.map((r) => `${r.type} ${r.name}`), []);
}

describe("the public API (components/index.ts)", () => {
  let program: KubeObject[];
  before(async () => {
    program = (await synthesize(tempProject(STACK, canaryConfig()), STACK)).objects;
  });

  it("ModelServing with a stack-file model and fleet keys renders the program's objects for that model", async () => {
    const { model, fleet } = canaryArgs();
    const objects = objectsOf(await render(() => new ModelServing("fraud", { model, fleet })));
    assert.deepEqual(kinds(objects), ["ConfigMap", "Deployment", "HTTPRoute", "HorizontalPodAutoscaler", "NetworkPolicy", "PodDisruptionBudget", "PrometheusRule", "Service", "ServiceAccount", "ServiceMonitor"]);
    const expected = byKey(program);
    for (const [key, o] of byKey(objects)) assert.deepEqual(o, expected.get(key), `${key} differs from the program's`);
    // What the program renders besides: the namespace and the fleet's own monitoring.
    const extra = [...expected.keys()].filter((k) => !byKey(objects).has(k));
    assert.ok(extra.includes("Namespace//ml"), extra.join(", "));
    assert.ok(extra.every((k) => k === "Namespace//ml" || k.startsWith("ConfigMap/")), extra.join(", "));
  });

  it("ModelFleet with the modelship: keys as a stack file writes them renders what the program renders", async () => {
    const objects = objectsOf(await render(() => new ModelFleet("modelship", { config: canaryConfig() as any })));
    assert.deepEqual(byKey(objects), byKey(program));
  });

  it("reads weights from stack config through fleetConfigFromStack, as the program and the CLI do", async () => {
    const config = Object.fromEntries(Object.entries(canaryConfig()).map(([k, v]) => [`modelship:${k}`, typeof v === "string" ? v : JSON.stringify(v)]));
    const objects = objectsOf(
      await render(() => {
        const fleet = fleetConfigFromStack();
        for (const model of fleet.models) new ModelServing(model.name, { model, fleet });
      }, config),
    );
    const expected = byKey(program);
    for (const [key, o] of byKey(objects)) assert.deepEqual(o, expected.get(key), `${key} differs from the program's`);
  });

  it("takes a resolved model (a copy, so parsed again) to the same objects: parsing is idempotent", async () => {
    const parsed = parseFleetConfig(canaryConfig(), `Pulumi.${STACK}.yaml`);
    const { models, ...fleet } = structuredClone(parsed);
    const objects = objectsOf(await render(() => new ModelServing("fraud", { model: models[0], fleet })));
    const expected = byKey(program);
    for (const [key, o] of byKey(objects)) assert.deepEqual(o, expected.get(key), `${key} differs from the program's`);
  });

  it("throws naming args.… paths, before any resource registers", async () => {
    const { model, fleet } = canaryArgs();
    const heavy = structuredClone(model) as any;
    heavy.tracks.green.weight = 120;
    await rejects(() => new ModelServing("chat", { model: heavy, fleet }), 'ModelServing "chat": args.model.tracks.green.weight: expected 0..100, got 120');
    await rejects(() => new ModelServing("chat", { model, fleet: { ...fleet, routerz: "istio" } }), 'ModelServing "chat": args.fleet.routerz: unknown key; did you mean args.fleet.router?');
    // A cross-field rule, through the one-model fleet: the gateway-api router needs its gateway.
    await rejects(
      () => new ModelServing("chat", { model, fleet: { ...fleet, routers: {} } }),
      'ModelServing "chat": args.fleet.routers.gateway-api: required by args.model (the "gateway-api" router needs gateway.name and gateway.namespace)',
    );
    const config = structuredClone(canaryConfig()) as any;
    config.models[0].tracks.green.weight = 120;
    await rejects(() => new ModelFleet("fleet", { config }), 'ModelFleet "fleet": args.config.models[0].tracks.green.weight: expected 0..100, got 120');
  });

  it("takes the namespace once: a plain namespace alone names it, and one that differs from fleet.namespace is an error", async () => {
    const { model, fleet } = canaryArgs();
    const { namespace: _, ...withoutNamespace } = fleet;
    const objects = objectsOf(await render(() => new ModelServing("fraud", { model, fleet: withoutNamespace, namespace: "ml" })));
    assert.ok(objects.length > 0 && objects.every((o) => o.metadata.namespace === "ml"));
    await rejects(() => new ModelServing("fraud", { model, fleet, namespace: "other" }), 'ModelServing "fraud": args.namespace: expected the namespace args.fleet.namespace names ("ml"), got "other": give the namespace once');
    await rejects(() => new ModelServing("fraud", { model, fleet: withoutNamespace }), 'ModelServing "fraud": args.fleet.namespace: required');
  });

  it("takes a namespace output whose value is fleet.namespace", async () => {
    const { model, fleet } = canaryArgs();
    const rs = await render(() => {
      const ns = new k8s.core.v1.Namespace("ml", { metadata: { name: "ml" } });
      new ModelServing("fraud", { model, fleet, namespace: ns.metadata.name });
    });
    const objects = objectsOf(rs);
    assert.ok(objects.length > 1 && objects.every((o) => o.kind === "Namespace" || o.metadata.namespace === "ml"));
    // A mismatched output fails its apply (and so the update); the mock runtime never settles a
    // failed registration, so only the plain-string mismatch is tested above.
  });

  it("README: the example under \"Use from your own program\" type-checks against the package", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const start = readme.indexOf("\n## Use from your own program\n");
    assert.ok(start >= 0, "README has no \"## Use from your own program\" section");
    const end = readme.indexOf("\n## ", start + 1);
    const block = /```ts\n([\s\S]*?)\n```/.exec(readme.slice(start, end < 0 ? undefined : end));
    assert.ok(block, "no ```ts block in the section");
    assert.match(block[1], /from "modelship"/);
    // The package's entry is components/index.ts ("main"/"types" point at its build).
    const source = block[1].replace(/from "modelship"/g, 'from "../../components"');
    const file = path.join(ROOT, "test", "library", "readme-example.ts");
    const parsed = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, "tsconfig.json"), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(ts.flattenDiagnosticMessageText(d.messageText, "\n")) });
    assert.ok(parsed);
    const host = ts.createCompilerHost(parsed.options);
    const read = host.readFile.bind(host);
    const exists = host.fileExists.bind(host);
    const getSource = host.getSourceFile.bind(host);
    host.readFile = (f) => (path.resolve(f) === file ? source : read(f));
    host.fileExists = (f) => path.resolve(f) === file || exists(f);
    host.getSourceFile = (f, lang, ...rest) => (path.resolve(f) === file ? ts.createSourceFile(f, source, lang) : getSource(f, lang, ...rest));
    const tsProgram = ts.createProgram([file], { ...parsed.options, noEmit: true }, host);
    const diagnostics = ts.getPreEmitDiagnostics(tsProgram).filter((d) => d.file === undefined || path.resolve(d.file.fileName) === file);
    assert.deepEqual(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")), []);
  });
});
