import { strict as assert } from "assert";
import { ConfigError, parseFleetConfig } from "../../components/config";
import { ROUTER_DEFINITIONS, ROUTER_NAMES, routeObjectsOf, type RouterName } from "../../components/routing";
import { cookieAlways } from "../../components/routing/istio";
import { LABEL } from "../../components/serving/labels";
import { diffObjects, objectKey, touched } from "../../stacks/render/objectdiff";
import type { KubeObject, SynthResult } from "../../stacks/render/synth";
import { synthesize } from "../../stacks/render/synth";
import { validateObject } from "../kube-schemas";
import { byKind, clone, find, selects, fixtureConfig, tempProject } from "../helpers";
import { abort, walk } from "../stacks/blast";
import { routeRequest, taking, type Outcome, type Request } from "./evaluate";

const SETTINGS = {
  "gateway-api": { gateway: { name: "ml-gateway", namespace: "gateway-system", sectionName: "https" } },
  istio: { gateways: ["istio-ingress/ml-gateway"] },
  nginx: {},
  alb: { vpcCidrs: ["10.20.0.0/16"], certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb" },
};

/** The production fleet on one router, with the route features that router offers. */
function fleetOn(router: RouterName, edit: (fraud: any) => void = () => undefined): Record<string, any> {
  const c = clone(fixtureConfig("production"));
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
          f.route.abTest = { track: "candidate", header: { name: "x-cohort", value: "beta" } };
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
      const weighted = route.spec.rules.find((x: any) => x.backendRefs?.length && !x.matches[0].headers);
      assert.deepEqual(weighted.filters, [{ type: "RequestMirror", requestMirror: { backendRef: { kind: "Service", name: "fraud-detector-green", port: 80 }, percent: 15 } }]);
      const preview = find(r.objects, "HTTPRoute", "fraud-detector-preview");
      assert.deepEqual(preview.spec.hostnames, ["fraud-detector-preview.ml.acme.internal"]);
      assert.deepEqual(preview.spec.rules.at(-1).backendRefs, [{ kind: "Service", name: "fraud-detector-green", port: 80 }]);
      for (const o of r.objects) await validateObject(o);
    });

    it("istio: subsets per track, header and cookie A/B, mirror with a percentage, no in-subset hashing", async () => {
      const r = await render(
        fleetOn("istio", (f) => {
          f.route.abTest = { track: "candidate", cookie: { name: "ab_beta" } };
          f.route.mirror = { percent: 5 };
          f.route.stickiness = { cookie: "fd-track" };
        }),
      );
      const dr = find(r.objects, "DestinationRule", "fraud-detector");
      assert.equal(dr.spec.host, "fraud-detector.ml-production.svc.cluster.local");
      assert.deepEqual(dr.spec.subsets, [
        { name: "blue", labels: { [LABEL.track]: "blue" } },
        { name: "green", labels: { [LABEL.track]: "green" } },
      ]);
      // A consistent hash picks a pod *within* the subset the weighted route already chose
      // (istio/istio#9764): it never kept a user on one track, so it is not rendered.
      assert.equal(dr.spec.trafficPolicy, undefined);
      const vs = find(r.objects, "VirtualService", "fraud-detector");
      assert.deepEqual(vs.spec.gateways, ["istio-ingress/ml-gateway", "mesh"]);
      assert.deepEqual(vs.spec.hosts, ["fraud-detector", "fraud-detector.ml.acme.internal"]);
      const named = (n: string) => vs.spec.http.find((h: any) => h.name === n);
      assert.deepEqual(named("preview-green").match[0].headers, { "x-modelship-track": { exact: "green" } });
      assert.deepEqual(named("ab-test").match[0].headers, { cookie: { regex: cookieAlways("ab_beta") } });
      assert.match("session=1; ab_beta=always; x=2", new RegExp(cookieAlways("ab_beta")));
      assert.doesNotMatch("ab_beta=never", new RegExp(cookieAlways("ab_beta")));
      assert.doesNotMatch("xab_beta=always", new RegExp(cookieAlways("ab_beta")));
      assert.equal(named("weighted").mirror.subset, "green");
      assert.deepEqual(named("weighted").mirrorPercentage, { value: 5 });
      // Requests pinned to a track are live traffic too: they are mirrored like the weighted ones.
      for (const c of ["blue", "green"]) assert.deepEqual(named(`track-${c}`).mirrorPercentage, { value: 5 });
      assert.equal(find(r.objects, "VirtualService", "fraud-detector-preview").spec.http.at(-1).route[0].destination.subset, "green");
      for (const o of r.objects) await validateObject(o);
    });

    it("nginx: a canary Ingress with the candidate's weight, header and cookie; a preview Ingress", async () => {
      const r = await render(fleetOn("nginx", (f) => (f.route.abTest = { track: "candidate", cookie: { name: "ab_beta" } })));
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
          f.route.abTest = { track: "candidate", header: { name: "x-cohort", value: "beta" } };
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
      assert.deepEqual(hostRule.http.paths.map((p: any) => p.backend.service.name), ["metrics-private", "preview-blue", "preview-green", "ab-test", "weighted"]);
      assert.ok(hostRule.http.paths.every((p: any) => p.backend.service.port.name === "use-annotation"));
      const previewRule = ing.spec.rules.find((x: any) => x.host === "fraud-detector-preview.ml.acme.internal");
      assert.equal(previewRule.http.paths.at(-1).backend.service.name, "preview");
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
      { router: "gateway-api", edit: (c) => (c.models[0].route.abTest = { track: "candidate", cookie: { name: "ab" } }), line: `${PROD}: modelship:models[0].route.abTest.cookie: the "gateway-api" router (router) cannot route an A/B test by cookie; routers that can: istio, nginx` },
      // A header hash picks a pod within the track the weights chose (istio/istio#9764): no router can keep a user on a track by it.
      { router: "istio", edit: (c) => (c.models[0].route.stickiness = { header: "x-user" }), line: `${PROD}: modelship:models[0].route.stickiness.header: unknown key` },
      { router: "nginx", edit: (c) => (c.models[0].route.stickiness = { cookie: "route" }), line: `${PROD}: modelship:models[0].route.stickiness: the "nginx" router (router) cannot keep users on one track (stickiness); routers that can: gateway-api, istio, alb` },
      { router: "istio", edit: (c) => (c.models[0].route.stickiness = { cookie: "__Host-track" }), line: `${PROD}: modelship:models[0].route.stickiness.cookie: expected a cookie name (an RFC 6265 token of letters, digits, '_', '.', '-', starting with a letter or digit, so no __Host- or __Secure- prefix), got "__Host-track"` },
      { router: "istio", edit: (c) => (c.models[0].route.stickiness = { cookie: "a b" }), line: `${PROD}: modelship:models[0].route.stickiness.cookie: expected a cookie name (an RFC 6265 token of letters, digits, '_', '.', '-', starting with a letter or digit, so no __Host- or __Secure- prefix), got "a b"` },
      {
        router: "istio",
        edit: (c) => Object.assign(c.models[0].route, { stickiness: { cookie: "ab" }, abTest: { track: "candidate", cookie: { name: "ab" } } }),
        line: `${PROD}: modelship:models[0].route.stickiness.cookie: the track cookie would overwrite the A/B cookie "ab"; choose another name`,
      },
      {
        router: "gateway-api",
        edit: (c) => (c.models[0].route.path = "/metrics"),
        line: `${PROD}: modelship:models[0].route.path: the server publishes metrics on its serving port at /metrics, which the route keeps private, so a route under /metrics would serve nothing; choose another path or give metrics their own port (monitoring.scrape.port)`,
      },
      { router: "nginx", edit: (c) => (c.models[0].route.abTest = { track: "stable", header: { name: "x-cohort", value: "beta" } }), line: `${PROD}: modelship:models[0].route.abTest.track: the "nginx" router (router) cannot send A/B matches to the stable track; routers that can: gateway-api, istio, alb` },
      { router: "alb", edit: (c) => (c.models[0].route.abTest = { track: "candidate", cookie: { name: "ab" } }), line: `${PROD}: modelship:models[0].route.abTest.cookie: the "alb" router (router) cannot route an A/B test by cookie; routers that can: istio, nginx` },
      { router: "alb", edit: (c) => (c.models[0].route.stickiness = { cookie: "fd-track" }), line: `${PROD}: modelship:models[0].route.stickiness.cookie: the "alb" router (router) keeps users on a track with the load balancer's own cookie (AWSALBTG); only durationSeconds applies` },
      { router: "istio", edit: (c) => (c.routers.istio = {}), line: `${PROD}: modelship:models[0].route.hostnames: the "istio" router (router) serves hostnames through an Istio Gateway; set modelship:routers.istio.gateways` },
      { router: "gateway-api", edit: (c) => delete c.routers["gateway-api"], line: `${PROD}: modelship:routers.gateway-api: required by models[0] (the "gateway-api" router needs gateway.name and gateway.namespace)` },
      { router: "alb", edit: (c) => delete c.routers.alb, line: `${PROD}: modelship:routers.alb: required by models[0] (the "alb" router needs vpcCidrs for its NetworkPolicy)` },
      { router: "istio", edit: (c) => (c.models[0].route.abTest = { track: "candidate", header: { name: "x-a", value: "1" }, cookie: { name: "ab" } }), line: `${PROD}: modelship:models[0].route.abTest: expected either header or cookie` },
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

  /** The routers that publish a route of their own (the others are in-cluster Services). */
  const PUBLIC: readonly RouterName[] = ["gateway-api", "istio", "nginx", "alb"];
  const LIVE_HOST = "fraud-detector.ml.acme.internal";
  const PREVIEW_HOST = "fraud-detector-preview.ml.acme.internal";
  const routeOf = (r: SynthResult) => routeObjectsOf("fraud-detector", r.objects);
  const answered = (o: Outcome) => o.kind === "answered" && o.status >= 400 && o.status < 600;

  describe("metrics stay off the public route", () => {
    for (const router of PUBLIC) {
      it(`${router}: the routing layer answers /metrics itself on every host, header and cookie, forwards the API, and Prometheus still scrapes the pods`, async () => {
        const r = await render(fleetOn(router, (f) => (f.route.abTest = { track: "candidate", header: { name: "x-cohort", value: "beta" } })));
        const objects = routeOf(r);
        const hosts = [LIVE_HOST, PREVIEW_HOST, ...(router === "istio" ? ["fraud-detector"] : [])];
        const headerSets: Record<string, string>[] = [{}, { "x-modelship-track": "green" }, { "x-modelship-track": "blue" }, { "x-cohort": "beta" }, { cookie: "ab_beta=always" }];
        for (const host of hosts) {
          for (const path of ["/metrics", "/metrics/", "/metrics/anything"]) {
            for (const headers of headerSets) {
              const o = routeRequest(router, objects, { host, path, headers });
              assert.ok(answered(o), `${router}: ${host}${path} ${JSON.stringify(headers)} → ${JSON.stringify(o)}`);
            }
          }
          // Not more than the metrics path: the API and look-alike paths still reach the pods.
          for (const path of ["/predict", "/metricsfoo", "/"]) {
            const o = routeRequest(router, objects, { host, path });
            assert.equal(o.kind, "forwarded", `${router}: ${host}${path} → ${JSON.stringify(o)}`);
          }
        }
        // Prometheus scrapes each pod through its track Service's `http` port, which no route fronts.
        const monitor = find(r.objects, "ServiceMonitor", "fraud-detector");
        assert.deepEqual(
          monitor.spec.endpoints.map((e: any) => [e.port, e.path]),
          [["http", "/metrics"]],
        );
        const scraped = byKind(r.objects, "Service").filter((s) => selects(monitor.spec.selector.matchLabels, s.metadata.labels));
        assert.deepEqual(scraped.map((s) => s.metadata.name).sort(), ["fraud-detector-blue", "fraud-detector-green"]);
        for (const s of scraped) assert.ok(s.spec.ports.some((p: any) => p.name === "http"), `${s.metadata.name} has no http port`);
        const policy = find(r.objects, "NetworkPolicy", "fraud-detector");
        assert.ok(policy.spec.ingress.some((rule: any) => rule.ports.some((p: any) => p.port === 8080) && rule.from.some((f: any) => f.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] === "monitoring")));
        for (const o of r.objects) await validateObject(o);
      });

      it(`${router}: renders no metrics rule where the route cannot reach the metrics path`, async () => {
        // A route under /v1 never forwards /metrics, and a server with its own metrics port has none on the serving port.
        const under = await render(fleetOn(router, (f) => (f.route.path = "/v1")));
        const own = await render(fleetOn(router, (f) => (f.monitoring = { scrape: { port: 9090 } })));
        const plain = await render(fleetOn(router));
        for (const [r, label] of [[under, "path /v1"], [own, "metrics port 9090"]] as const) {
          const o = routeRequest(router, routeOf(r), { host: LIVE_HOST, path: "/metrics" });
          assert.ok(!answered(o), `${label}: ${JSON.stringify(o)}`);
        }
        // No routing object names the metrics path there; the plain route does. Istio's preview
        // VirtualService forwards every path whatever route.path is, so it keeps its metrics rule.
        assert.ok(JSON.stringify(routeOf(plain)).includes('"/metrics"'));
        const previewForwardsAll = router === "istio";
        const unpublished = routeOf(under).filter((o) => !(previewForwardsAll && o.metadata.name === "fraud-detector-preview"));
        for (const objects of [unpublished, routeOf(own)]) assert.ok(!JSON.stringify(objects).includes('"/metrics'), JSON.stringify(objects));
        if (previewForwardsAll) assert.ok(answered(routeRequest(router, routeOf(under), { host: PREVIEW_HOST, path: "/metrics" })));
        assert.equal(routeRequest(router, routeOf(under), { host: LIVE_HOST, path: "/v1/predict" }).kind, "forwarded");
      });
    }
  });

  describe("track affinity (stickiness)", () => {
    const COOKIE = "fd-track";
    const SET = (value: string) => `${COOKIE}=${value}; Path=/; Max-Age=600; HttpOnly; SameSite=Lax`;
    // RFC 6265 §4.1.1: cookie-name is a token, cookie-value is cookie-octets.
    const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
    const OCTETS = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/;
    const sticky = (f: any) => {
      f.route.stickiness = { cookie: COOKIE, durationSeconds: 600 };
      f.route.abTest = { track: "candidate", header: { name: "x-cohort", value: "beta" } };
    };
    const req = (headers: Record<string, string> = {}): Request => ({ host: LIVE_HOST, path: "/predict", headers });

    for (const router of ["istio", "gateway-api"] as const) {
      it(`${router}: the first weighted response sets a track cookie, later requests stay on that track; preview and A/B still win`, async () => {
        const r = await render(fleetOn(router, sticky));
        const objects = routeOf(r);
        const first = routeRequest(router, objects, req());
        assert.deepEqual(first, {
          kind: "forwarded",
          to: [
            { colour: "blue", weight: 90, setCookie: SET("blue.1.4.0") },
            { colour: "green", weight: 10, setCookie: SET("green.1.5.0") },
          ],
        });
        for (const d of (first as any).to) {
          const [pair] = d.setCookie.split("; ");
          const [name, value] = pair.split("=");
          assert.match(name, TOKEN);
          assert.match(value, OCTETS);
        }
        const pinned = (cookie: string) => routeRequest(router, objects, req({ cookie }));
        assert.deepEqual(pinned("session=1; fd-track=green.1.5.0"), { kind: "forwarded", to: [{ colour: "green", weight: 100 }] });
        assert.deepEqual(pinned("fd-track=blue.1.4.0; x=2"), { kind: "forwarded", to: [{ colour: "blue", weight: 100 }] });
        assert.deepEqual(pinned("fd-track=blue.1.4.0"), { kind: "forwarded", to: [{ colour: "blue", weight: 100 }] });
        // Another version on the same colour, a look-alike name or value: split by weight again.
        for (const other of ["fd-track=green.1.4.9", "fd-track=green.1.5.0x", "xfd-track=green.1.5.0", "fd-track=green-1-5-0"]) {
          assert.equal(taking(pinned(other)).length, 2, other);
        }
        // The preview header and the A/B cohort come before the track cookie.
        assert.deepEqual(routeRequest(router, objects, req({ cookie: "fd-track=green.1.5.0", "x-modelship-track": "blue" })), { kind: "forwarded", to: [{ colour: "blue", weight: 100 }] });
        assert.deepEqual(routeRequest(router, objects, req({ cookie: "fd-track=blue.1.4.0", "x-cohort": "beta" })), { kind: "forwarded", to: [{ colour: "green", weight: 100 }] });
        assert.ok(answered(routeRequest(router, objects, { host: LIVE_HOST, path: "/metrics", headers: { cookie: "fd-track=green.1.5.0" } })));
        if (router === "gateway-api") {
          // HTTPHeaderMatch.value's experimental-channel pattern, which the model package does not enforce.
          const values = find(r.objects, "HTTPRoute", "fraud-detector").spec.rules.flatMap((x: any) => (x.matches ?? []).flatMap((m: any) => (m.headers ?? []).map((h: any) => h.value)));
          for (const v of values) assert.match(v, /^[!-~]+([\t ]?[!-~]+)*$/);
        }
        for (const o of r.objects) await validateObject(o);
      });

      it(`${router}: a track at weight 0 keeps no one — a rollback moves its pinned users, a promotion keeps the cookie with the track`, async () => {
        const rolledBack = await render(
          fleetOn(router, (f) => {
            sticky(f);
            f.tracks.green = { ...f.tracks.green, weight: 0, rolledBack: true, peakWeight: 10 };
            f.tracks.blue.weight = 100;
          }),
        );
        const back = routeRequest(router, routeOf(rolledBack), req({ cookie: "fd-track=green.1.5.0" }));
        assert.deepEqual(taking(back), [{ colour: "blue", weight: 100, setCookie: SET("blue.1.4.0") }]);

        // Promotion completed: green 1.5.0 is stable at 100; blue keeps its pods until retired.
        const promoted = await render(
          fleetOn(router, (f) => {
            sticky(f);
            f.stable = "green";
            f.tracks.green.weight = 100;
            f.tracks.blue.weight = 0;
            f.route.abTest = undefined;
          }),
        );
        const objects = routeOf(promoted);
        assert.deepEqual(routeRequest(router, objects, req({ cookie: "fd-track=green.1.5.0" })), { kind: "forwarded", to: [{ colour: "green", weight: 100 }] });
        assert.deepEqual(taking(routeRequest(router, objects, req({ cookie: "fd-track=blue.1.4.0" }))), [{ colour: "green", weight: 100, setCookie: SET("green.1.5.0") }]);
      });
    }

    const WEIGHT_RECORD = "PrometheusRule ml-production/fraud-detector-route-weights";
    for (const router of ["istio", "gateway-api", "alb"] as const) {
      it(`${router}: with stickiness, a release touches no routing object and a rollback exactly one`, async function () {
        this.timeout(300_000);
        const steps = await walk(router, abort(router), (c) => {
          c.models[0].route = { ...c.models[0].route, stickiness: router === "alb" ? { durationSeconds: 600 } : { cookie: COOKIE, durationSeconds: 600 } };
        });
        const route = (k: string) => /^(HTTPRoute|VirtualService|DestinationRule|Ingress|Service) ml-production\/fraud-detector(-preview)?$/.test(k);
        const release = steps.find((s) => s.command === "release")!;
        assert.deepEqual(release.touched.filter(route), [], `release touched ${release.touched}`);
        const rollback = steps.find((s) => s.command === "rollback")!;
        // The routing object, and the route's weight record (monitoring.recordWeights, on by default).
        const routing = rollback.touched.filter((k) => k !== WEIGHT_RECORD);
        assert.equal(routing.length, 1, `rollback touched ${rollback.touched}`);
        assert.ok(route(routing[0]));
        if (router !== "alb") {
          const o = routeRequest(router, routeObjectsOf("fraud-detector", rollback.after.objects), { host: "fraud-detector.ml.acme.internal", path: "/predict", headers: { cookie: `${COOKIE}=green.1.6.0` } });
          assert.deepEqual(taking(o).map((d) => d.colour), ["blue"]);
        }
      });
    }

    it("alb: target group stickiness inside the weighted forward action", async () => {
      const r = await render(fleetOn("alb", (f) => (f.route.stickiness = { durationSeconds: 600 })));
      const action = JSON.parse(find(r.objects, "Ingress", "fraud-detector").metadata.annotations!["alb.ingress.kubernetes.io/actions.weighted"]);
      // The controller's ForwardActionConfig JSON key (pkg/ingress/config_types.go).
      assert.deepEqual(action.forwardConfig.targetGroupStickinessConfig, { enabled: true, durationSeconds: 600 });
    });
  });
});
