// Issue 16: modelship as a source-based plugin package. The schema other languages' SDKs are
// generated from is built here offline, the way the Node.js plugin host builds it
// (ComponentProvider over components/provider), and the components are constructed the way the
// host constructs them for a Python, Go or YAML program: plain JSON-like inputs, under mocks.
import { spawnSync } from "child_process";
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import { parse as parseYaml } from "yaml";
import { ModelFleet, ModelServing } from "../../components/provider";

const ROOT = path.join(__dirname, "..", "..");
const PLUGIN_DIR = path.join(ROOT, "components", "provider");

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, any>;
}

const registered: Registered[] = [];

/** The resolved value of an output (mocks run with preview off, so every value is known). */
const valueOf = <T>(o: unknown): Promise<T> => new Promise((resolve) => (o as pulumi.Output<T>).apply((v) => resolve(v)));

/** Lets registrations queued on later turns of the event loop reach the mock monitor. */
async function settle() {
  for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
}

/** Waits (at most 10 s) for a registration: route objects wait on their Deployments. */
async function registration(type: string, name: string): Promise<Registered> {
  for (let i = 0; i < 200; i++) {
    const found = registered.find((r) => r.type === type && r.name === name);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${type} ${name} was never registered; got ${registered.map((r) => `${r.type} ${r.name}`).join(", ")}`);
}

/** What a Python or YAML program sends: JSON only, nothing typed or parsed. */
const plainFleet = () =>
  JSON.parse(
    JSON.stringify({
      environment: "staging",
      namespace: "ml-staging",
      router: "service",
      models: [
        {
          name: "iris",
          port: 8080,
          stable: "blue",
          tracks: {
            blue: { version: "1.0.0", image: "registry.example.com/ml/iris:1.0.0", modelUri: "s3://acme-models/iris/1.0.0", weight: 100 },
            green: { version: "1.1.0", image: "registry.example.com/ml/iris:1.1.0", modelUri: "s3://acme-models/iris/1.1.0", weight: 0 },
          },
        },
      ],
    }),
  );

const provider = () => new ComponentProvider({ dirname: PLUGIN_DIR, name: "modelship", components: [ModelFleet, ModelServing] });

/** One provider for the whole file: it analyzes the source once and caches the schema. */
let plugin: ComponentProvider;
let schema: any;

describe("plugin package (issue 16)", function () {
  before(async function () {
    await pulumi.runtime.setMocks(
      {
        newResource(args) {
          registered.push({ type: args.type, name: args.name, inputs: args.inputs });
          return { id: `${args.name}-id`, state: args.inputs };
        },
        call() {
          return {};
        },
      },
      "consumer",
      "dev",
      false,
    );
    // The analyzer compiles the wrappers and everything they import: tens of seconds.
    plugin = provider();
    schema = JSON.parse(await plugin.getSchema());
  });

  beforeEach(() => {
    registered.length = 0;
  });

  describe("manifest and entry", () => {
    it("PulumiPlugin.yaml declares the nodejs runtime and points at components/provider", () => {
      const manifest = parseYaml(fs.readFileSync(path.join(ROOT, "PulumiPlugin.yaml"), "utf8"));
      assert.deepStrictEqual(manifest, { runtime: "nodejs", main: "components/provider" });
    });

    it("the plugin folder's package.json names the package and its entry, at the repository's version", () => {
      const pkg = JSON.parse(fs.readFileSync(path.join(PLUGIN_DIR, "package.json"), "utf8"));
      const root = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
      assert.strictEqual(pkg.name, "modelship");
      assert.strictEqual(pkg.main, "index.ts");
      assert.ok(fs.existsSync(path.join(PLUGIN_DIR, pkg.main)));
      assert.ok(fs.existsSync(path.join(PLUGIN_DIR, "tsconfig.json")), "the analyzer reads <plugin dir>/tsconfig.json");
      assert.strictEqual(pkg.version, root.version, "components/provider/package.json version follows the repository's");
    });

    it("the entry exports exactly the two wrappers, as the host discovers them", () => {
      const { getPulumiComponents } = require("@pulumi/pulumi/provider/experimental/provider");
      const found = getPulumiComponents(require(PLUGIN_DIR));
      assert.deepStrictEqual(found, [ModelFleet, ModelServing]);
    });
  });

  describe("schema", () => {
    it("names the package and version", () => {
      assert.strictEqual(schema.name, "modelship");
      assert.strictEqual(schema.version, "0.1.0");
      assert.deepStrictEqual(schema.dependencies, []);
    });

    it("has exactly the two components, in the index module", () => {
      assert.deepStrictEqual(Object.keys(schema.resources).sort(), ["modelship:index:ModelFleet", "modelship:index:ModelServing"]);
      for (const r of Object.values<any>(schema.resources)) assert.strictEqual(r.isComponent, true);
    });

    it("ModelFleet takes `config`, a plain object of any values, and reports namespace and models", () => {
      const fleet = schema.resources["modelship:index:ModelFleet"];
      assert.deepStrictEqual(Object.keys(fleet.inputProperties), ["config"]);
      const { description, ...config } = fleet.inputProperties.config;
      assert.ok(description.includes("modelship:"));
      assert.deepStrictEqual(config, { type: "object", additionalProperties: { $ref: "pulumi.json#/Any" }, plain: true });
      assert.deepStrictEqual(fleet.requiredInputs, ["config"]);
      assert.strictEqual(fleet.properties.namespace.type, "string");
      assert.deepStrictEqual(fleet.properties.models.items, { $ref: "#/types/modelship:index:ModelStatus" });
      assert.deepStrictEqual([...fleet.required].sort(), ["models", "namespace"]);
    });

    it("ModelServing takes namespace, model and an optional fleet, and reports namespace, live and summary", () => {
      const serving = schema.resources["modelship:index:ModelServing"];
      const inputs = serving.inputProperties;
      assert.deepStrictEqual(Object.keys(inputs).sort(), ["fleet", "model", "namespace"]);
      assert.strictEqual(inputs.namespace.type, "string");
      for (const k of ["model", "fleet"]) assert.deepStrictEqual(inputs[k].additionalProperties, { $ref: "pulumi.json#/Any" });
      assert.deepStrictEqual([...serving.requiredInputs].sort(), ["model", "namespace"]);
      assert.deepStrictEqual(Object.keys(serving.properties).sort(), ["live", "namespace", "summary"]);
      assert.deepStrictEqual(serving.properties.summary.$ref, "#/types/modelship:index:ModelStatus");
    });

    it("declares the output types", () => {
      const status = schema.types["modelship:index:ModelStatus"];
      assert.deepStrictEqual(Object.keys(status.properties).sort(), ["live", "name", "preview", "router", "stable", "steps", "tracks"]);
      assert.deepStrictEqual(status.properties.tracks.additionalProperties, { $ref: "#/types/modelship:index:TrackStatus" });
      const track = schema.types["modelship:index:TrackStatus"];
      assert.deepStrictEqual(Object.keys(track.properties).sort(), ["image", "maxReplicas", "minReplicas", "service", "version", "weight"]);
    });
  });

  describe("construct, as another language calls it", () => {
    it("ModelFleet registers the namespace, both tracks' Deployments and Services, and the route", async () => {
      const result = await plugin.construct("models", "modelship:index:ModelFleet", { config: plainFleet() }, {});
      assert.deepStrictEqual(Object.keys(result.state).sort(), ["models", "namespace"]);
      assert.strictEqual(await valueOf(result.state.namespace), "ml-staging");
      const models = await valueOf<any[]>(result.state.models);
      assert.strictEqual(models.length, 1);
      assert.strictEqual(models[0].name, "iris");
      assert.strictEqual(models[0].live, "svc/iris");
      assert.deepStrictEqual(Object.keys(models[0].tracks).sort(), ["blue", "green"]);
      assert.strictEqual(models[0].tracks.blue.service, "iris-blue");
      await settle();

      const of = (type: string) => registered.filter((r) => r.type === type).map((r) => r.name).sort();
      assert.deepStrictEqual(of("modelship:index:ModelFleet"), ["models"]);
      // The real component, as the wrapper's child.
      assert.deepStrictEqual(of("modelship:serving:ModelFleet"), ["models"]);
      assert.deepStrictEqual(of("modelship:serving:ModelServing"), ["iris"]);
      assert.deepStrictEqual(of("kubernetes:core/v1:Namespace"), ["ml-staging"]);
      assert.deepStrictEqual(of("kubernetes:apps/v1:Deployment"), ["iris-blue", "iris-green"]);
      for (const name of ["iris-blue", "iris-green"]) assert.ok(of("kubernetes:core/v1:Service").includes(name), `Service ${name}`);
      assert.deepStrictEqual(of("modelship:routing:ModelRoute"), ["iris-route"]);
      // The route of the service router: the live Service selects the track at weight 100.
      const live = await registration("kubernetes:core/v1:Service", "iris");
      assert.strictEqual(live.inputs.spec.selector["modelship.io/track"], "blue");
      const deployment = registered.find((r) => r.type === "kubernetes:apps/v1:Deployment" && r.name === "iris-blue")!;
      assert.strictEqual(deployment.inputs.metadata.namespace, "ml-staging");
      assert.strictEqual(deployment.inputs.spec.template.spec.containers[0].image, "registry.example.com/ml/iris:1.0.0");
    });

    it("ModelServing registers one model's tracks and route in an existing namespace", async () => {
      const fleet = plainFleet();
      const result = await plugin.construct("iris", "modelship:index:ModelServing", { namespace: "ml-staging", model: fleet.models[0], fleet: { environment: "staging" } }, {});
      assert.strictEqual(await valueOf(result.state.live), "svc/iris");
      const summary = await valueOf<any>(result.state.summary);
      assert.strictEqual(summary.stable, "blue");
      await settle();
      const types = registered.map((r) => r.type);
      assert.ok(!types.includes("kubernetes:core/v1:Namespace"), "ModelServing creates no namespace");
      assert.deepStrictEqual(registered.filter((r) => r.type === "kubernetes:apps/v1:Deployment").map((r) => r.name).sort(), ["iris-blue", "iris-green"]);
      assert.ok(types.includes("modelship:routing:ModelRoute"));
    });

    it("a bad input is an InputPropertiesError naming the argument path, and registers nothing", async () => {
      const fleet = plainFleet();
      fleet.models[0].port = "http";
      fleet.models[0].tracks.green.weight = 150;
      await assert.rejects(plugin.construct("models", "modelship:index:ModelFleet", { config: fleet }, {}), (e: any) => {
        assert.ok(pulumi.InputPropertiesError.isInstance(e), String(e));
        const paths = e.errors.map((x: any) => x.propertyPath);
        assert.ok(paths.includes("config.models[0].port"), paths.join(", "));
        assert.ok(paths.some((p: string) => p.startsWith("config.models[0].tracks.green.weight")), paths.join(", "));
        assert.match(e.message, /config\.models\[0\]\.port: expected a number/);
        return true;
      });
      await settle();
      assert.deepStrictEqual(registered, []);
    });

    it("ModelServing's errors name namespace, model and fleet", async () => {
      const model = { ...plainFleet().models[0], port: "http" };
      await assert.rejects(plugin.construct("iris", "modelship:index:ModelServing", { namespace: "ml-staging", model }, {}), (e: any) => {
        const paths = e.errors.map((x: any) => x.propertyPath).sort();
        assert.deepStrictEqual(paths, ["fleet.environment", "model.port"]);
        return true;
      });
      await assert.rejects(plugin.construct("iris", "modelship:index:ModelServing", { model: plainFleet().models[0], fleet: { environment: "staging" } }, {}), (e: any) => {
        assert.deepStrictEqual(e.errors, [{ propertyPath: "namespace", reason: "required" }]);
        return true;
      });
    });

    it("unknown keys are refused with a suggestion, as in stack files", async () => {
      const fleet = plainFleet();
      fleet.models[0].prot = 8080;
      await assert.rejects(plugin.construct("models", "modelship:index:ModelFleet", { config: fleet }, {}), (e: any) => {
        const error = e.errors.find((x: any) => x.propertyPath === "config.models[0].prot");
        assert.ok(error, JSON.stringify(e.errors));
        assert.match(error.reason, /unknown key/);
        return true;
      });
    });

    it("an output or secret inside config is refused by path, since the schema cannot see it", async () => {
      const fleet = plainFleet();
      fleet.namespace = pulumi.secret("ml-staging");
      await assert.rejects(plugin.construct("models", "modelship:index:ModelFleet", { config: fleet }, {}), (e: any) => {
        assert.deepStrictEqual(e.errors.map((x: any) => x.propertyPath), ["config.namespace"]);
        return true;
      });
      await assert.rejects(plugin.construct("models", "modelship:index:ModelFleet", { config: pulumi.output(plainFleet()) }, {}), (e: any) => {
        assert.deepStrictEqual(e.errors.map((x: any) => x.propertyPath), ["config"]);
        return true;
      });
    });

    it("a config that is not an object is refused by name", async () => {
      await assert.rejects(plugin.construct("models", "modelship:index:ModelFleet", { config: [] }, {}), (e: any) => {
        assert.deepStrictEqual(e.errors, [{ propertyPath: "config", reason: "expected an object, got array" }]);
        return true;
      });
      await assert.rejects(plugin.construct("models", "modelship:index:ModelFleet", {}, {}), (e: any) => {
        assert.deepStrictEqual(e.errors, [{ propertyPath: "config", reason: "required" }]);
        return true;
      });
    });
  });

  describe("README example (Use from Python/Go/YAML)", () => {
    /** The YAML programs of the READMEs that use this package's resources. */
    function yamlExamples(): { file: string; program: any }[] {
      const files = [path.join(ROOT, "README.md"), path.join(PLUGIN_DIR, "README.md")].filter((f) => fs.existsSync(f));
      return files.flatMap((file) =>
        [...fs.readFileSync(file, "utf8").matchAll(/```yaml\n([\s\S]*?)```/g)]
          .map((m) => parseYaml(m[1]))
          .filter((p) => p && typeof p === "object" && Object.values<any>(p.resources ?? {}).some((r) => String(r?.type).startsWith("modelship:")))
          .map((program) => ({ file, program })),
      );
    }

    it("there is one, and it uses ModelFleet", () => {
      const examples = yamlExamples();
      assert.ok(examples.length >= 1);
      assert.ok(examples.some(({ program }) => Object.values<any>(program.resources).some((r) => r.type === "modelship:index:ModelFleet")));
    });

    it("its resource types and property names are the schema's", () => {
      for (const { file, program } of yamlExamples()) {
        for (const [name, r] of Object.entries<any>(program.resources)) {
          if (!String(r.type).startsWith("modelship:")) continue;
          const resource = schema.resources[r.type];
          assert.ok(resource, `${file}: resources.${name}.type ${r.type} is not in the schema`);
          for (const k of Object.keys(r.properties ?? {})) assert.ok(k in resource.inputProperties, `${file}: resources.${name}.properties.${k}`);
          for (const k of resource.requiredInputs ?? []) assert.ok(k in (r.properties ?? {}), `${file}: resources.${name} lacks ${k}`);
        }
        for (const [k, v] of Object.entries<any>(program.outputs ?? {})) {
          const m = /^\$\{(\w+)\.(\w+)\}$/.exec(v);
          if (!m || !program.resources[m[1]]) continue;
          const resource = schema.resources[program.resources[m[1]].type];
          if (resource) assert.ok(m[2] in resource.properties, `${file}: outputs.${k} reads ${m[2]}, not an output of ${program.resources[m[1]].type}`);
        }
        assert.strictEqual(program.runtime, "yaml");
        assert.ok(program.packages?.modelship, `${file}: packages.modelship`);
      }
    });

    it("the Python example parses, passes the schema's inputs to ModelFleet, and its config constructs", async () => {
      const block = /```python\n([\s\S]*?)```/.exec(fs.readFileSync(path.join(ROOT, "README.md"), "utf8"));
      assert.ok(block, "README.md has a python example");
      // Python's own parser reads the example; the ModelFleet call's keywords come back as JSON.
      const script = [
        "import ast, json, sys",
        "tree = ast.parse(sys.stdin.read())",
        "calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, 'attr', '') == 'ModelFleet']",
        "print(json.dumps([{k.arg: ast.literal_eval(k.value) for k in c.keywords} for c in calls]))",
      ].join("\n");
      const run = spawnSync("python3", ["-c", script], { input: block[1], encoding: "utf8", timeout: 30_000 });
      assert.equal(run.status, 0, `python3 could not read the example: ${run.error ?? run.stderr}`);
      const calls: Record<string, unknown>[] = JSON.parse(run.stdout);
      assert.equal(calls.length, 1);
      const resource = schema.resources["modelship:index:ModelFleet"];
      for (const k of Object.keys(calls[0])) assert.ok(k in resource.inputProperties, `python: ModelFleet(${k}=...) is not an input`);
      const result = await plugin.construct("models", "modelship:index:ModelFleet", calls[0], {});
      assert.ok((await valueOf<any[]>(result.state.models)).length > 0);
    });

    it("its config is a valid fleet: constructing it succeeds", async () => {
      for (const { program } of yamlExamples()) {
        for (const [name, r] of Object.entries<any>(program.resources)) {
          if (r.type !== "modelship:index:ModelFleet") continue;
          const result = await plugin.construct(name, r.type, JSON.parse(JSON.stringify(r.properties)), {});
          const models = await valueOf<any[]>(result.state.models);
          assert.ok(models.length > 0);
        }
      }
    });
  });
});
