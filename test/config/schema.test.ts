import { strict as assert } from "assert";
import { ConfigError, parseFleetConfig } from "../../components/config";
import { clone, fixtureConfig, STACKS } from "../helpers";

const PROD = "Pulumi.production.yaml";
const STAGING = "Pulumi.staging.yaml";

function rejection(stackFile: string, raw: Record<string, any>): string {
  try {
    parseFleetConfig(raw, stackFile);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
    return e.message;
  }
  assert.fail("config was accepted");
}

describe("config schema", () => {
  for (const stack of STACKS) {
    it(`accepts the shipped ${stack} stack file`, () => {
      const fleet = parseFleetConfig(fixtureConfig(stack), `Pulumi.${stack}.yaml`);
      assert.equal(fleet.environment, stack);
      assert.ok(fleet.models.length >= 2);
      for (const m of fleet.models) assert.equal(m.tracks.blue.weight + m.tracks.green.weight, 100);
    });
  }

  it("fills production-sane defaults", () => {
    const raw = fixtureConfig("staging");
    const m = raw.models[0];
    delete m.probes;
    delete m.autoscaling;
    const fleet = parseFleetConfig(raw, STAGING);
    const d = fleet.models[0];
    assert.equal(d.probes.readiness.path, "/ready");
    assert.equal(d.probes.liveness.path, "/health");
    assert.equal(d.probes.startup.path, "/health");
    assert.equal(d.autoscaling.behavior.scaleUp.stabilizationWindowSeconds, 60);
    assert.equal(d.autoscaling.behavior.scaleDown.stabilizationWindowSeconds, 300);
    assert.equal(d.autoscaling.minReplicas, 2);
    assert.equal(d.previewReplicas, 1);
    assert.deepEqual(d.steps, [100], "the service router only switches whole traffic");
  });

  it("defaults canary steps for weighted routers and idle to cold for the replicas router", () => {
    const raw = fixtureConfig("production");
    raw.router = "replicas";
    for (const m of raw.models) delete m.route;
    delete raw.models[0].steps;
    const m = parseFleetConfig(raw, PROD).models[0];
    assert.deepEqual(m.steps, [10, 25, 50, 100]);
    assert.equal(m.idle, "cold");
  });

  // Each case: a change to a shipped config, the stack file, and the exact line expected.
  const cases: { name: string; stack: "staging" | "production"; edit: (c: any) => void; line: string }[] = [
    { name: "weight above 100", stack: "production", edit: (c) => (c.models[1].tracks.green.weight = 140), line: `${PROD}: modelship:models[1].tracks.green.weight: expected 0..100, got 140` },
    { name: "negative weight", stack: "production", edit: (c) => (c.models[0].tracks.blue.weight = -5), line: `${PROD}: modelship:models[0].tracks.blue.weight: expected 0..100, got -5` },
    { name: "fractional weight", stack: "production", edit: (c) => { c.models[0].tracks.blue.weight = 89.5; c.models[0].tracks.green.weight = 10.5; }, line: `${PROD}: modelship:models[0].tracks.blue.weight: expected a whole number, got 89.5` },
    { name: "weights not summing to 100", stack: "production", edit: (c) => (c.models[0].tracks.green.weight = 20), line: `${PROD}: modelship:models[0].tracks: weights must sum to 100, got blue 90 + green 20 = 110` },
    { name: "min above max", stack: "staging", edit: (c) => (c.models[0].autoscaling.minReplicas = 9), line: `${STAGING}: modelship:models[0].autoscaling.minReplicas: must be <= maxReplicas (6), got 9` },
    { name: "cpu limit below request", stack: "staging", edit: (c) => (c.models[0].resources.limits.cpu = "250m"), line: `${STAGING}: modelship:models[0].resources.limits.cpu: must be >= requests.cpu (500m), got 250m` },
    { name: "memory limit below request", stack: "staging", edit: (c) => (c.models[1].resources.limits.memory = "4Gi"), line: `${STAGING}: modelship:models[1].resources.limits.memory: must be >= requests.memory (8Gi), got 4Gi` },
    { name: "bad quantity", stack: "staging", edit: (c) => (c.models[0].resources.requests.memory = "lots"), line: `${STAGING}: modelship:models[0].resources.requests.memory: expected a Kubernetes quantity such as "500m" or "1Gi", got "lots"` },
    { name: "duplicate model names", stack: "staging", edit: (c) => (c.models[1].name = "fraud-detector"), line: `${STAGING}: modelship:models[1].name: duplicate model name "fraud-detector" (also models[0])` },
    { name: "name not DNS-1035", stack: "staging", edit: (c) => (c.models[0].name = "Fraud_Detector"), line: `${STAGING}: modelship:models[0].name: expected a DNS-1035 label (lower-case letters, digits, '-'; starts with a letter), got "Fraud_Detector"` },
    { name: "missing version", stack: "staging", edit: (c) => delete c.models[0].tracks.green.version, line: `${STAGING}: modelship:models[0].tracks.green.version: required` },
    { name: "unknown key (typo)", stack: "staging", edit: (c) => (c.models[0].tracks.blue.wieght = 100), line: `${STAGING}: modelship:models[0].tracks.blue.wieght: unknown key; did you mean modelship:models[0].tracks.blue.weight?` },
    { name: "unknown key far from every known one", stack: "staging", edit: (c) => (c.models[0].replicas = 3), line: `${STAGING}: modelship:models[0].replicas: unknown key` },
    { name: "unknown key in a map of objects", stack: "staging", edit: (c) => (c.models[1].probes.startup.pth = "/health"), line: `${STAGING}: modelship:models[1].probes.startup.pth: unknown key; did you mean modelship:models[1].probes.startup.path?` },
    { name: "unknown stable colour", stack: "staging", edit: (c) => (c.models[0].stable = "red"), line: `${STAGING}: modelship:models[0].stable: expected one of blue, green, got "red"` },
    { name: "tag image in production", stack: "production", edit: (c) => (c.models[1].tracks.green.image = "registry.example.com/sentiment:2.1.0"), line: `${PROD}: modelship:models[1].tracks.green.image: production images must be pinned by digest (repo@sha256:...), got "registry.example.com/sentiment:2.1.0"` },
    { name: "malformed image", stack: "staging", edit: (c) => (c.models[0].tracks.blue.image = "Not An Image"), line: `${STAGING}: modelship:models[0].tracks.blue.image: expected an image reference \`repo:tag\` or \`repo@sha256:<digest>\`, got "Not An Image"` },
    { name: "canary weight on the service router", stack: "staging", edit: (c) => { c.models[0].tracks.blue.weight = 90; c.models[0].tracks.green.weight = 10; c.models[0].tracks.green.retired = false; }, line: `${STAGING}: modelship:models[0].tracks.blue.weight: the "service" router (router) only switches all traffic (0 or 100), got 90; choose a weighted router for canaries` },
    { name: "weight on a retired track", stack: "production", edit: (c) => { c.models[1].tracks.blue.weight = 10; c.models[1].tracks.green.weight = 90; }, line: `${PROD}: modelship:models[1].tracks.blue.weight: a retired track takes no traffic, got weight 10` },
    { name: "retired stable track", stack: "staging", edit: (c) => (c.models[0].stable = "green"), line: `${STAGING}: modelship:models[0].tracks.green.retired: the stable track (green) cannot be retired` },
    { name: "steps not increasing", stack: "production", edit: (c) => (c.models[0].steps = [10, 50, 25, 100]), line: `${PROD}: modelship:models[0].steps[2]: steps must increase, got 25 after 50` },
    { name: "steps not ending at 100", stack: "production", edit: (c) => (c.models[0].steps = [10, 25, 50]), line: `${PROD}: modelship:models[0].steps: the last step must be 100, got 50` },
    { name: "reserved env var", stack: "staging", edit: (c) => (c.models[0].env.MODEL_VERSION = "9.9.9"), line: `${STAGING}: modelship:models[0].env.MODEL_VERSION: MODEL_VERSION is set by modelship from the track config` },
    { name: "env secret not in modelship:secrets", stack: "staging", edit: (c) => (c.models[0].env.API_KEY = { secret: "apiKey" }), line: `${STAGING}: modelship:models[0].env.API_KEY.secret: no secret "apiKey" in modelship:secrets (set it with: pulumi config set --secret --path 'secrets.apiKey')` },
    { name: "port out of range", stack: "staging", edit: (c) => (c.models[0].port = 70000), line: `${STAGING}: modelship:models[0].port: expected 1..65535, got 70000` },
    { name: "warm idle on the replicas router", stack: "production", edit: (c) => { c.router = "replicas"; c.models[1].idle = "warm"; }, line: `${PROD}: modelship:models[1].idle: the "replicas" router (router) sends traffic to every running pod, so a retired track cannot stay warm; use idle: cold` },
    { name: "unknown router", stack: "staging", edit: (c) => (c.router = "traefik"), line: `${STAGING}: modelship:router: expected one of service, replicas, gateway-api, istio, nginx, alb, got "traefik"` },
    { name: "no models", stack: "staging", edit: (c) => (c.models = []), line: `${STAGING}: modelship:models: expected at least one model` },
    { name: "missing environment", stack: "staging", edit: (c) => delete c.environment, line: `${STAGING}: modelship:environment: required` },
    { name: "unknown top-level key", stack: "staging", edit: (c) => (c.namspace = "x"), line: `${STAGING}: modelship:namspace: unknown key; did you mean modelship:namespace?` },
    { name: "network peer with no selector", stack: "staging", edit: (c) => (c.networkPolicy.allowFrom = [{}]), line: `${STAGING}: modelship:networkPolicy.allowFrom[0]: expected namespace, podLabels or both` },
    { name: "per-model router override checked", stack: "production", edit: (c) => { c.models[0].router = "service"; delete c.models[0].route; }, line: `${PROD}: modelship:models[0].tracks.blue.weight: the "service" router (models[0].router) only switches all traffic (0 or 100), got 90; choose a weighted router for canaries` },
  ];

  for (const c of cases) {
    it(`rejects ${c.name}, naming the stack file and key path`, () => {
      const raw = clone(fixtureConfig(c.stack));
      c.edit(raw);
      const lines = rejection(`Pulumi.${c.stack}.yaml`, raw).split("\n");
      assert.ok(lines.includes(c.line), `expected the line\n  ${c.line}\ngot\n  ${lines.join("\n  ")}`);
    });
  }

  it("holds a production stack to the production rules whatever modelship:environment says", () => {
    const raw = clone(fixtureConfig("production"));
    raw.environment = "staging";
    raw.models[1].tracks.green.image = "registry.example.com/sentiment:latest";
    const lines = rejection(PROD, raw).split("\n");
    assert.deepEqual(lines.sort(), [
      `${PROD}: modelship:environment: expected "production": the production stack is production whatever this key says, got "staging"`,
      `${PROD}: modelship:models[1].tracks.green.image: production images must be pinned by digest (repo@sha256:...), got "registry.example.com/sentiment:latest"`,
    ]);
    // A qualified stack's file is the bare name's, and the rule follows the file, not the claim.
    assert.throws(() => parseFleetConfig({ ...clone(fixtureConfig("production")), environment: "development" }, PROD), /modelship:environment: expected "production"/);
    // Other stacks may say what they are; a stack claiming production gets production's rules.
    const staging = clone(fixtureConfig("staging"));
    staging.environment = "production";
    assert.match(rejection(STAGING, staging), /modelship:models\[0\]\.tracks\.green\.image: production images must be pinned by digest/);
    staging.environment = "development";
    assert.equal(parseFleetConfig(staging, STAGING).environment, "development");
  });

  it("reports every problem at once", () => {
    const raw = clone(fixtureConfig("production"));
    raw.models[0].tracks.green.weight = 140;
    raw.models[1].port = 0;
    raw.models[1].tracks.blue.wieght = 0;
    const lines = rejection(PROD, raw).split("\n");
    assert.deepEqual(lines.sort(), [
      `${PROD}: modelship:models[0].tracks.green.weight: expected 0..100, got 140`,
      `${PROD}: modelship:models[0].tracks: weights must sum to 100, got blue 90 + green 140 = 230`,
      `${PROD}: modelship:models[1].port: expected 1..65535, got 0`,
      `${PROD}: modelship:models[1].tracks.blue.wieght: unknown key; did you mean modelship:models[1].tracks.blue.weight?`,
    ]);
  });
});
