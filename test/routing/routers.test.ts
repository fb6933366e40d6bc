import { strict as assert } from "assert";
import { ConfigError, parseFleetConfig } from "../../components/config";
import { ROUTER_DEFINITIONS, ROUTER_NAMES, routeObjectsOf, type RouterName } from "../../components/routing";
import { cookieAlways } from "../../components/routing/istio";
import { LABEL } from "../../components/serving/labels";
import { diffObjects, objectKey, touched } from "../../stacks/objectdiff";
import type { KubeObject, SynthResult } from "../../stacks/synth";
import { synthesize } from "../../stacks/synth";
import { validateObject } from "../kube-schemas";
import { byKind, clone, find, shippedConfig, tempProject } from "../helpers";

const SETTINGS = {
  "gateway-api": { gateway: { name: "ml-gateway", namespace: "gateway-system", sectionName: "https" } },
  istio: { gateways: ["istio-ingress/ml-gateway"] },
  nginx: {},
  alb: { vpcCidrs: ["10.20.0.0/16"], certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb" },
};

/** The production fleet on one router, with the route features that router offers. */
function fleetOn(router: RouterName, edit: (fraud: any) => void = () => undefined): Record<string, any> {
  const c = clone(shippedConfig("production"));
  c.router = router;
  c.routers = clone(SETTINGS);
  const caps = ROUTER_DEFINITIONS[router].capabilities;
  for (const m of c.models) {
    if (caps.features.has("hostnames")) m.route = { hostnames: [`${m.name}.ml.acme.internal`] };
    else delete m.route;
    if (caps.weights === "switch") delete m.steps;
    if (caps.capacity === "replica-ratio") m.idle = "cold";
  }
  const fraud = c.models[0];
  if (caps.features.has("previewHostname")) fraud.route.preview = { hostname: "fraud-detector-preview.ml.acme.internal" };
  if (caps.weights === "switch") setCandidateWeight(fraud, 0);
  edit(fraud);
  return c;
}

function setCandidateWeight(m: any, weight: number) {
  const candidate = m.stable === "blue" ? "green" : "blue";
  m.tracks[candidate].weight = weight;
  m.tracks[m.stable].weight = 100 - weight;
}

const render = (config: Record<string, unknown>) => synthesize(tempProject("production", config), "production");

const key = objectKey;

/** Objects that differ between two renders (added, removed or changed), with the object itself. */
function changed(a: SynthResult, b: SynthResult): KubeObject[] {
  const keys = touched(diffObjects(a.objects, b.objects));
  return keys.map((k) => [...a.objects, ...b.objects].find((o) => objectKey(o) === k)!);
}

const stepsOf = (router: RouterName) => (ROUTER_DEFINITIONS[router].capabilities.weights === "switch" ? [0, 100] : [0, 10, 25, 50, 100]);

describe("routers", () => {
  for (const router of ROUTER_NAMES) {
    describe(router, () => {
      const renders = new Map<number, SynthResult>();
      before(async function () {
        this.timeout(120000);
        for (const w of stepsOf(router)) renders.set(w, await render(fleetOn(router, (f) => setCandidateWeight(f, w))));
      });

      it("renders objects that validate against their upstream schemas", async () => {
        for (const r of renders.values()) for (const o of r.objects) await validateObject(o);
      });

      it("carries the configured weights at every step of the model's steps", () => {
        for (const [w, r] of renders) {
          const observed = ROUTER_DEFINITIONS[router].observedWeights("fraud-detector", routeObjectsOf("fraud-detector", r.objects));
          if (router === "replicas") {
            // Pods decide: each track's capacity is its weight's share.
            assert.equal(observed, undefined);
            const hpa = r.objects.find((o) => o.kind === "HorizontalPodAutoscaler" && o.metadata.name === "fraud-detector-green");
            assert.equal(hpa?.spec.minReplicas ?? 0, Math.ceil((w * 10) / 100), `at ${w}%`);
          } else {
            assert.deepEqual(observed, { blue: 100 - w, green: w }, `at ${w}%`);
          }
        }
      });

      it("changes only routing objects and autoscaler bounds when only weights change, never a pod template", () => {
        const steps = stepsOf(router);
        const ratio = ROUTER_DEFINITIONS[router].capabilities.capacity === "replica-ratio";
        for (let i = 1; i < steps.length; i++) {
          const [a, b] = [renders.get(steps[i - 1])!, renders.get(steps[i])!];
          const diff = changed(a, b);
          assert.ok(diff.length > 0, `${steps[i - 1]}% → ${steps[i]}% changed nothing`);
          for (const o of diff) {
            if (o.kind === "Deployment" && ratio) {
              // The documented exception: under the replicas router a track scales from or to zero.
              const [da, db] = [find(a.objects, "Deployment", o.metadata.name), find(b.objects, "Deployment", o.metadata.name)];
              assert.deepEqual({ ...db.spec, replicas: undefined }, { ...da.spec, replicas: undefined }, `${key(o)} changed beyond its replica count`);
              continue;
            }
            const ok = o.kind === "HorizontalPodAutoscaler" || o.metadata.labels?.[LABEL.component] === "route";
            assert.ok(ok, `${steps[i - 1]}% → ${steps[i]}% changed ${key(o)}`);
          }
          for (const d of byKind(a.objects, "Deployment")) {
            assert.deepEqual(find(b.objects, "Deployment", d.metadata.name).spec.template, d.spec.template, `${key(d)}: pod template changed`);
          }
        }
      });

      it("makes every routing object wait for both tracks' Deployments", () => {
        const r = renders.get(stepsOf(router)[1])!;
        const deployments = r.resources.filter((x) => x.type === "kubernetes:apps/v1:Deployment" && x.name.startsWith("fraud-detector-"));
        const routing = r.resources.filter((x) => x.inputs.metadata?.labels?.[LABEL.component] === "route" && x.inputs.metadata.labels[LABEL.name] === "fraud-detector");
        assert.ok(routing.length > 0);
        for (const res of routing) for (const d of deployments) assert.ok(res.dependencies.includes(d.urn), `${res.type} ${res.name} does not wait for ${d.name}`);
      });
    });
  }

  describe("delivery features", () => {
    it("gateway-api: preview by header and hostname, A/B by header, shadow by RequestMirror", async () => {
      const r = await render(
        fleetOn("gateway-api", (f) => {
          f.route.abTest = { track: "green", header: { name: "x-cohort", value: "beta" } };
          f.route.mirror = { percent: 15 };
        }),
      );
      const route = find(r.objects, "HTTPRoute", "fraud-detector");
      assert.deepEqual(route.spec.parentRefs, [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "ml-gateway", namespace: "gateway-system", sectionName: "https" }]);
      assert.deepEqual(route.spec.hostnames, ["fraud-detector.ml.acme.internal"]);
      const byHeader = (name: string, value: string) => route.spec.rules.find((x: any) => x.matches[0].headers?.some((h: any) => h.name === name && h.value === value));
      assert.deepEqual(byHeader("x-modelship-track", "green").backendRefs, [{ kind: "Service", name: "fraud-detector-green", port: 80 }]);
      assert.deepEqual(byHeader("x-modelship-track", "blue").backendRefs, [{ kind: "Service", name: "fraud-detector-blue", port: 80 }]);
      assert.equal(byHeader("x-cohort", "beta").backendRefs[0].name, "fraud-detector-green");
      const weighted = route.spec.rules.find((x: any) => !x.matches[0].headers);
      assert.deepEqual(weighted.filters, [{ type: "RequestMirror", requestMirror: { backendRef: { kind: "Service", name: "fraud-detector-green", port: 80 }, percent: 15 } }]);
      const preview = find(r.objects, "HTTPRoute", "fraud-detector-preview");
      assert.deepEqual(preview.spec.hostnames, ["fraud-detector-preview.ml.acme.internal"]);
      assert.deepEqual(preview.spec.rules[0].backendRefs, [{ kind: "Service", name: "fraud-detector-green", port: 80 }]);
      for (const o of r.objects) await validateObject(o);
    });

    it("istio: subsets per track, header and cookie A/B, mirror with a percentage, consistent-hash stickiness", async () => {
      const r = await render(
        fleetOn("istio", (f) => {
          f.route.abTest = { track: "green", cookie: { name: "ab_beta" } };
          f.route.mirror = { percent: 5 };
          f.route.stickiness = { header: "x-user-id" };
        }),
      );
      const dr = find(r.objects, "DestinationRule", "fraud-detector");
      assert.equal(dr.spec.host, "fraud-detector.ml-production.svc.cluster.local");
      assert.deepEqual(dr.spec.subsets, [
        { name: "blue", labels: { [LABEL.track]: "blue" } },
        { name: "green", labels: { [LABEL.track]: "green" } },
      ]);
      assert.deepEqual(dr.spec.trafficPolicy.loadBalancer.consistentHash, { httpHeaderName: "x-user-id" });
      const vs = find(r.objects, "VirtualService", "fraud-detector");
      assert.deepEqual(vs.spec.gateways, ["istio-ingress/ml-gateway", "mesh"]);
      assert.deepEqual(vs.spec.hosts, ["fraud-detector", "fraud-detector.ml.acme.internal"]);
      const named = (n: string) => vs.spec.http.find((h: any) => h.name === n);
      assert.deepEqual(named("preview-green").match[0].headers, { "x-modelship-track": { exact: "green" } });
      assert.deepEqual(named("ab-test").match[0].headers, { cookie: { regex: cookieAlways("ab_beta") } });
      assert.match("session=1; ab_beta=always; x=2", new RegExp(cookieAlways("ab_beta")));
      assert.doesNotMatch("ab_beta=never", new RegExp(cookieAlways("ab_beta")));
      assert.equal(named("weighted").mirror.subset, "green");
      assert.deepEqual(named("weighted").mirrorPercentage, { value: 5 });
      assert.equal(find(r.objects, "VirtualService", "fraud-detector-preview").spec.http[0].route[0].destination.subset, "green");
      for (const o of r.objects) await validateObject(o);
    });

    it("nginx: a canary Ingress with the candidate's weight, header and cookie; a preview Ingress", async () => {
      const r = await render(fleetOn("nginx", (f) => (f.route.abTest = { track: "green", cookie: { name: "ab_beta" } })));
      const primary = find(r.objects, "Ingress", "fraud-detector");
      const canary = find(r.objects, "Ingress", "fraud-detector-canary");
      assert.equal(primary.spec.ingressClassName, "nginx");
      assert.equal(primary.spec.rules[0].host, "fraud-detector.ml.acme.internal");
      assert.equal(primary.spec.rules[0].http.paths[0].backend.service.name, "fraud-detector-blue");
      assert.equal(primary.metadata.annotations?.["nginx.ingress.kubernetes.io/canary"], undefined);
      assert.equal(canary.spec.rules[0].host, "fraud-detector.ml.acme.internal");
      assert.equal(canary.spec.rules[0].http.paths[0].backend.service.name, "fraud-detector-green");
      const a = canary.metadata.annotations!;
      assert.equal(a["nginx.ingress.kubernetes.io/canary"], "true");
      assert.equal(a["nginx.ingress.kubernetes.io/canary-weight"], "10");
      assert.equal(a["nginx.ingress.kubernetes.io/canary-by-header"], "x-modelship-track");
      assert.equal(a["nginx.ingress.kubernetes.io/canary-by-header-value"], "green");
      assert.equal(a["nginx.ingress.kubernetes.io/canary-by-cookie"], "ab_beta");
      const preview = find(r.objects, "Ingress", "fraud-detector-preview");
      assert.equal(preview.spec.rules[0].host, "fraud-detector-preview.ml.acme.internal");
      assert.equal(preview.metadata.annotations?.["nginx.ingress.kubernetes.io/canary"], undefined);
      assert.deepEqual(find(r.objects, "NetworkPolicy", "fraud-detector").spec.ingress[0].from[0], { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } });
    });

    it("alb: a weighted forward action over both target groups, header conditions first, internal by default", async () => {
      const r = await render(
        fleetOn("alb", (f) => {
          f.route.abTest = { track: "green", header: { name: "x-cohort", value: "beta" } };
          f.route.stickiness = { durationSeconds: 600 };
        }),
      );
      const ing = find(r.objects, "Ingress", "fraud-detector");
      const a = ing.metadata.annotations!;
      assert.equal(ing.spec.ingressClassName, "alb");
      assert.equal(a["alb.ingress.kubernetes.io/scheme"], "internal");
      assert.equal(a["alb.ingress.kubernetes.io/target-type"], "ip");
      assert.equal(a["alb.ingress.kubernetes.io/healthcheck-path"], "/ready");
      assert.equal(a["alb.ingress.kubernetes.io/certificate-arn"], SETTINGS.alb.certificateArn);
      assert.deepEqual(JSON.parse(a["alb.ingress.kubernetes.io/actions.weighted"]), {
        type: "forward",
        forwardConfig: {
          targetGroups: [
            { serviceName: "fraud-detector-blue", servicePort: "80", weight: 90 },
            { serviceName: "fraud-detector-green", servicePort: "80", weight: 10 },
          ],
          targetGroupStickinessConfig: { enabled: true, durationSeconds: 600 },
        },
      });
      assert.deepEqual(JSON.parse(a["alb.ingress.kubernetes.io/conditions.ab-test"]), [{ field: "http-header", httpHeaderConfig: { httpHeaderName: "x-cohort", values: ["beta"] } }]);
      const hostRule = ing.spec.rules.find((x: any) => x.host === "fraud-detector.ml.acme.internal");
      assert.deepEqual(hostRule.http.paths.map((p: any) => p.backend.service.name), ["preview-blue", "preview-green", "ab-test", "weighted"]);
      assert.ok(hostRule.http.paths.every((p: any) => p.backend.service.port.name === "use-annotation"));
      const previewRule = ing.spec.rules.find((x: any) => x.host === "fraud-detector-preview.ml.acme.internal");
      assert.equal(previewRule.http.paths[0].backend.service.name, "preview");
      assert.deepEqual(find(r.objects, "NetworkPolicy", "fraud-detector").spec.ingress[0].from[0], { ipBlock: { cidr: "10.20.0.0/16" } });
      for (const o of r.objects) await validateObject(o);
    });

    it("service: the preview Service reaches the candidate for smoke tests", async () => {
      const r = await render(fleetOn("service"));
      assert.equal(find(r.objects, "Service", "fraud-detector").spec.selector[LABEL.track], "blue");
      assert.equal(find(r.objects, "Service", "fraud-detector-preview").spec.selector[LABEL.track], "green");
      assert.equal(byKind(r.objects, "Ingress").length + byKind(r.objects, "HTTPRoute").length, 0);
    });
  });

  describe("unsupported combinations", () => {
    const PROD = "Pulumi.production.yaml";
    const cases: { router: RouterName; edit: (c: any) => void; line: string }[] = [
      { router: "nginx", edit: (c) => (c.models[0].route.mirror = { percent: 10 }), line: `${PROD}: modelship:models[0].route.mirror: the "nginx" router (router) cannot mirror traffic; routers that can: gateway-api, istio` },
      { router: "alb", edit: (c) => (c.models[0].route.mirror = { percent: 10 }), line: `${PROD}: modelship:models[0].route.mirror: the "alb" router (router) cannot mirror traffic; routers that can: gateway-api, istio` },
      { router: "service", edit: (c) => setCandidateWeight(c.models[0], 10), line: `${PROD}: modelship:models[0].tracks.green.weight: the "service" router (router) only switches all traffic (0 or 100), got 10; choose a weighted router for canaries` },
      { router: "service", edit: (c) => (c.models[0].route = { hostnames: ["x.example.com"] }), line: `${PROD}: modelship:models[0].route.hostnames: the "service" router (router) cannot serve on hostnames; routers that can: gateway-api, istio, nginx, alb` },
      { router: "replicas", edit: (c) => (c.models[0].route = { preview: { hostname: "p.example.com" } }), line: `${PROD}: modelship:models[0].route.preview.hostname: the "replicas" router (router) cannot give the candidate a preview hostname; routers that can: gateway-api, istio, nginx, alb` },
      { router: "gateway-api", edit: (c) => (c.models[0].route.abTest = { track: "green", cookie: { name: "ab" } }), line: `${PROD}: modelship:models[0].route.abTest.cookie: the "gateway-api" router (router) cannot route an A/B test by cookie; routers that can: istio, nginx` },
      { router: "gateway-api", edit: (c) => (c.models[0].route.stickiness = { header: "x-user" }), line: `${PROD}: modelship:models[0].route.stickiness: the "gateway-api" router (router) cannot keep users on one track (stickiness); routers that can: istio, alb` },
      { router: "nginx", edit: (c) => (c.models[0].route.stickiness = { cookie: "route" }), line: `${PROD}: modelship:models[0].route.stickiness: the "nginx" router (router) cannot keep users on one track (stickiness); routers that can: istio, alb` },
      { router: "nginx", edit: (c) => (c.models[0].route.abTest = { track: "blue", header: { name: "x-cohort", value: "beta" } }), line: `${PROD}: modelship:models[0].route.abTest.track: the "nginx" router (router) cannot send A/B matches to the stable track; routers that can: gateway-api, istio, alb` },
      { router: "alb", edit: (c) => (c.models[0].route.abTest = { track: "green", cookie: { name: "ab" } }), line: `${PROD}: modelship:models[0].route.abTest.cookie: the "alb" router (router) cannot route an A/B test by cookie; routers that can: istio, nginx` },
      { router: "alb", edit: (c) => (c.models[0].route.stickiness = { header: "x-user" }), line: `${PROD}: modelship:models[0].route.stickiness: the "alb" router (router) uses target group stickiness (durationSeconds only); header and cookie do not apply` },
      { router: "istio", edit: (c) => (c.models[0].route.stickiness = { durationSeconds: 60 }), line: `${PROD}: modelship:models[0].route.stickiness: the "istio" router (router) hashes on exactly one of header or cookie` },
      { router: "istio", edit: (c) => (c.routers.istio = {}), line: `${PROD}: modelship:models[0].route.hostnames: the "istio" router (router) serves hostnames through an Istio Gateway; set modelship:routers.istio.gateways` },
      { router: "gateway-api", edit: (c) => delete c.routers["gateway-api"], line: `${PROD}: modelship:routers.gateway-api: required by models[0] (the "gateway-api" router needs gateway.name and gateway.namespace)` },
      { router: "alb", edit: (c) => delete c.routers.alb, line: `${PROD}: modelship:routers.alb: required by models[0] (the "alb" router needs vpcCidrs for its NetworkPolicy)` },
      { router: "istio", edit: (c) => (c.models[0].route.abTest = { track: "green", header: { name: "x-a", value: "1" }, cookie: { name: "ab" } }), line: `${PROD}: modelship:models[0].route.abTest: expected either header or cookie` },
      { router: "gateway-api", edit: (c) => { c.models[1].route.mirror = { percent: 10 }; }, line: `${PROD}: modelship:models[1].route.mirror: the candidate track is retired, so there is nothing to mirror to` },
      { router: "gateway-api", edit: (c) => (c.models[0].route.mirror = { percent: 0 }), line: `${PROD}: modelship:models[0].route.mirror.percent: expected 1..100, got 0` },
    ];
    for (const c of cases) {
      it(`${c.router}: ${c.line.split(": ").slice(1).join(": ")}`, () => {
        const config = fleetOn(c.router);
        c.edit(config);
        try {
          parseFleetConfig(config, PROD);
          assert.fail("accepted");
        } catch (e) {
          assert.ok(e instanceof ConfigError, String(e));
          assert.ok(e.message.split("\n").includes(c.line), `expected\n  ${c.line}\ngot\n  ${e.message.split("\n").join("\n  ")}`);
        }
      });
    }

    it("accepts each router's own features on the same fleet", () => {
      for (const router of ROUTER_NAMES) parseFleetConfig(fleetOn(router), PROD);
    });
  });
});
