// The A/B cohort follows a role (candidate or stable), never a colour: through every state of a
// rollout, on every router that routes A/B tests, it reaches the track that holds that role.
import { strict as assert } from "assert";
import { ConfigError, parseFleetConfig, type Colour, type FleetConfig, type ModelConfig } from "../../components/config";
import { ROUTER_DEFINITIONS, type RouterName } from "../../components/routing";
import type { Manifest } from "../../components/kube";
import { applyCommand, candidateColour, type ModelState, type RolloutCommand } from "../../stacks/rollout/state";
import { modelState } from "../../stacks/stackfile/edit";
import { clone, fixtureConfig } from "../helpers";

const PROD = "Pulumi.production.yaml";
const AB_ROUTERS: RouterName[] = ["gateway-api", "istio", "nginx", "alb"];
const COHORT = { name: "x-cohort", value: "beta" };
const SETTINGS = {
  "gateway-api": { gateway: { name: "ml-gateway", namespace: "gateway-system" } },
  istio: { gateways: ["istio-ingress/ml-gateway"] },
  alb: { vpcCidrs: ["10.20.0.0/16"] },
};
const DIGEST = (n: number) => `123456789012.dkr.ecr.eu-west-1.amazonaws.com/modelship/fraud-detector@sha256:${String(n).repeat(64).slice(0, 64)}`;

/** Production on one router; fraud-detector stable on blue, 1.5.0 just released on green, with an A/B test. */
function config(router: RouterName, abTest: Record<string, unknown>): Record<string, any> {
  const c = clone(fixtureConfig("production"));
  c.router = router;
  c.routers = SETTINGS;
  const fraud = c.models[0];
  fraud.route = { hostnames: ["fraud-detector.ml.acme.internal"], abTest };
  fraud.tracks.blue.weight = 100;
  fraud.tracks.green.weight = 0;
  delete fraud.thresholds;
  return c;
}

/** The state's stack config, validated by the schema `pulumi up` applies. */
function validated(raw: Record<string, any>, m: ModelState): FleetConfig {
  const c = clone(raw);
  Object.assign(c.models[0], { stable: m.stable, tracks: m.tracks });
  return parseFleetConfig(c, PROD);
}

const colourOf = (service: string): Colour => (service.endsWith("-blue") || service === "blue" ? "blue" : "green");

/** Where the rendered routing objects send a request carrying the cohort header; undefined: the weights decide. */
function cohortTarget(router: RouterName, objects: readonly Manifest[]): Colour | undefined {
  switch (router) {
    case "gateway-api": {
      const rule = objects.find((o) => o.kind === "HTTPRoute" && o.metadata.name === "fraud-detector")!.spec.rules.find((r: any) => r.matches?.some((m: any) => m.headers?.some((h: any) => h.name === COHORT.name && h.value === COHORT.value)));
      return rule && colourOf(rule.backendRefs[0].name);
    }
    case "istio": {
      const vs = objects.find((o) => o.kind === "VirtualService" && o.metadata.name === "fraud-detector")!;
      const rule = vs.spec.http.find((h: any) => h.match?.some((m: any) => m.headers?.[COHORT.name]?.exact === COHORT.value));
      return rule && colourOf(rule.route[0].destination.subset);
    }
    case "nginx": {
      const canary = objects.find((o) => o.kind === "Ingress" && o.metadata.name === "fraud-detector-canary")!;
      const a = canary.metadata.annotations!;
      const byCohort = a["nginx.ingress.kubernetes.io/canary-by-header"] === COHORT.name && a["nginx.ingress.kubernetes.io/canary-by-header-value"] === COHORT.value;
      return byCohort ? colourOf(canary.spec.rules[0].http.paths[0].backend.service.name) : undefined;
    }
    case "alb": {
      const ing = objects.find((o) => o.kind === "Ingress" && o.metadata.name === "fraud-detector")!;
      const action = ing.metadata.annotations?.["alb.ingress.kubernetes.io/actions.ab-test"];
      return action === undefined ? undefined : colourOf(JSON.parse(action).forwardConfig.targetGroups[0].serviceName);
    }
    default:
      throw new Error(`no A/B on ${router}`);
  }
}

const render = (router: RouterName, fleet: FleetConfig, model: ModelConfig) => ROUTER_DEFINITIONS[router].objects(model, { namespace: fleet.namespace, settings: fleet.routers });

/** A release through every step to 100%, the next release, a step, its rollback, a release, 100% and its undo. */
const LIFECYCLE: RolloutCommand[] = [
  { kind: "promote" },
  { kind: "promote" },
  { kind: "promote" },
  { kind: "promote" },
  { kind: "release", version: "1.6.0", image: DIGEST(6) },
  { kind: "promote" },
  { kind: "rollback" },
  { kind: "release", version: "1.7.0", image: DIGEST(7) },
  { kind: "promote", to: 100, force: true },
  { kind: "undo" },
];

describe("A/B tests follow a role through a rollout", () => {
  for (const router of AB_ROUTERS) {
    it(`${router}: the cohort reaches the candidate in every state (none while it is rolled back), and stable when asked`, () => {
      const roles: ("candidate" | "stable")[] = ROUTER_DEFINITIONS[router].capabilities.features.has("abAnyTrack") ? ["candidate", "stable"] : ["candidate"];
      for (const role of roles) {
        const raw = config(router, { ...(role === "stable" ? { track: "stable" } : {}), header: COHORT });
        let m = modelState(parseFleetConfig(raw, PROD).models[0]);
        const seen: string[] = [];
        for (const cmd of [undefined, ...LIFECYCLE]) {
          if (cmd) m = applyCommand(m, cmd);
          const fleet = validated(raw, m);
          const target = cohortTarget(router, render(router, fleet, fleet.models[0]));
          const candidate = candidateColour(m);
          const expected = role === "stable" ? m.stable : m.tracks[candidate].rolledBack ? undefined : candidate;
          const where = `${role}, after ${cmd ? JSON.stringify(cmd) : "the release"}: stable ${m.stable}`;
          assert.equal(target, expected, where);
          seen.push(`${target ?? "weights"}`);
        }
        // The cohort changed colour with the roles: both colours took it in turn.
        assert.ok(seen.includes("blue") && seen.includes("green"), `${role}: ${seen.join(", ")}`);
      }
    });
  }

  it("nginx: promoting to 100% is no longer refused with an A/B test, and the cohort moves to the new candidate", () => {
    const raw = config("nginx", { header: COHORT });
    let m = modelState(parseFleetConfig(raw, PROD).models[0]);
    m = applyCommand(m, { kind: "promote", to: 100, force: true });
    const fleet = validated(raw, m);
    assert.equal(fleet.models[0].stable, "green");
    assert.equal(cohortTarget("nginx", render("nginx", fleet, fleet.models[0])), "blue");
  });
});

describe("A/B test validation", () => {
  const rejects = (raw: Record<string, any>, line: string) => {
    try {
      parseFleetConfig(raw, PROD);
    } catch (e) {
      assert.ok(e instanceof ConfigError, String(e));
      assert.ok(e.message.split("\n").includes(line), `expected\n  ${line}\ngot\n  ${e.message.split("\n").join("\n  ")}`);
      return;
    }
    assert.fail("accepted");
  };

  it("names the key and what to write for a colour (colours swap roles at every promotion)", () => {
    for (const colour of ["blue", "green"]) {
      rejects(
        config("istio", { track: colour, header: COHORT }),
        `${PROD}: modelship:models[0].route.abTest.track: expected candidate or stable, got "${colour}": blue and green swap roles at every promotion, so the A/B cohort follows a role; write candidate (the version being rolled out) or stable`,
      );
    }
  });

  it("defaults to the candidate", () => {
    assert.equal(parseFleetConfig(config("istio", { header: COHORT }), PROD).models[0].route.abTest?.track, "candidate");
  });

  it("rejects an A/B test towards a retired candidate, as it rejects mirroring to one", () => {
    for (const router of AB_ROUTERS) {
      const raw = config(router, { header: COHORT });
      raw.models[1].route = { hostnames: ["sentiment.ml.acme.internal"], abTest: { header: COHORT } };
      rejects(raw, `${PROD}: modelship:models[1].route.abTest: the candidate track (blue) is retired, so there is nothing to send the A/B test to; remove route.abTest, or release a version first`);
      raw.models[1].route.abTest = { track: "stable", header: COHORT };
      if (router !== "nginx") parseFleetConfig(raw, PROD);
    }
  });

  it("nginx sends A/B matches to the candidate only", () => {
    rejects(
      config("nginx", { track: "stable", header: COHORT }),
      `${PROD}: modelship:models[0].route.abTest.track: the "nginx" router (router) cannot send A/B matches to the stable track; routers that can: gateway-api, istio, alb`,
    );
  });
});
