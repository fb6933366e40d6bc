import { strict as assert } from "assert";
import { ROUTER_DEFINITIONS, routeObjectsOf, type RouterName } from "../../components/routing";
import { LABEL } from "../../components/serving/labels";
import { SECRET_PLACEHOLDER } from "../../stacks/stackfile/file";
import { synthesize, type KubeObject, type SynthResult } from "../../stacks/render/synth";
import { validateObject } from "../kube-schemas";
import { byKind, clone, find, selects, fixtureConfig, STACKS, synthFixture, tempProject } from "../helpers";

const countByKind = (objects: readonly KubeObject[]) =>
  objects.reduce<Record<string, number>>((acc, o) => ({ ...acc, [o.kind]: (acc[o.kind] ?? 0) + 1 }), {});

const podTemplate = (d: KubeObject) => d.spec.template;
const container = (d: KubeObject) => d.spec.template.spec.containers[0];

describe("the program under the mock runtime", () => {
  it("registers the expected objects for the staging stack", async () => {
    const { objects } = await synthFixture("staging");
    assert.deepEqual(countByKind(objects), {
      Namespace: 1,
      ServiceAccount: 4,
      Deployment: 4,
      // fraud-detector's retired green is warm, so every track has pods and an autoscaler.
      HorizontalPodAutoscaler: 4,
      PodDisruptionBudget: 4,
      // one per track, plus `<model>` and `<model>-preview` for fraud-detector's service router
      Service: 6,
      // sentiment overrides the router: gateway-api
      HTTPRoute: 1,
      NetworkPolicy: 2,
      // monitoring: a ServiceMonitor, rules and a dashboard per model, the fleet overview, and
      // each route's weight record (monitoring.recordWeights, on by default)
      ServiceMonitor: 2,
      PrometheusRule: 4,
      ConfigMap: 3,
    });
  });

  it("registers the expected objects for the production stack", async () => {
    const { objects } = await synthFixture("production");
    assert.deepEqual(countByKind(objects), {
      Namespace: 1,
      ServiceAccount: 4,
      Deployment: 4,
      // sentiment's retired blue is idle: cold, so it has no pods and no autoscaler.
      HorizontalPodAutoscaler: 3,
      PodDisruptionBudget: 4,
      // one per track; traffic enters through the Gateway
      Service: 4,
      // fraud-detector has a preview hostname: a second route
      HTTPRoute: 3,
      NetworkPolicy: 2,
      ServiceMonitor: 2,
      PrometheusRule: 4,
      ConfigMap: 3,
    });
  });

  for (const stack of STACKS) {
    describe(`${stack} stack`, () => {
      let r: SynthResult;
      before(async () => {
        r = await synthFixture(stack);
      });

      it("validates every object against its upstream Kubernetes schema", async () => {
        for (const o of r.objects) await validateObject(o);
      });

      it("points every Service at pods that exist, and track Services at exactly their track", () => {
        const deployments = byKind(r.objects, "Deployment");
        for (const svc of byKind(r.objects, "Service")) {
          const matched = deployments.filter((d) => selects(svc.spec.selector, podTemplate(d).metadata.labels));
          assert.ok(matched.length > 0, `Service ${svc.metadata.name} selects no pods`);
          const own = deployments.find((d) => d.metadata.name === svc.metadata.name);
          if (own) assert.deepEqual(matched.map((d) => d.metadata.name), [own.metadata.name]);
        }
      });

      it("keeps version and weight out of names and Deployment selectors", () => {
        for (const d of byKind(r.objects, "Deployment")) {
          assert.deepEqual(Object.keys(d.spec.selector.matchLabels).sort(), [LABEL.name, LABEL.track].sort());
          assert.ok(selects(d.spec.selector.matchLabels, podTemplate(d).metadata.labels));
          const version = podTemplate(d).metadata.labels[LABEL.version];
          assert.ok(version, "pods carry their version label");
          for (const o of r.objects) assert.ok(!o.metadata.name.includes(version), `${o.kind} ${o.metadata.name} names a version`);
        }
        for (const res of r.resources) assert.ok(!/\d+\.\d+/.test(res.name), `logical name ${res.name} carries a version`);
      });

      it("has each autoscaler target its own Deployment, which then has no replicas field", () => {
        const hpas = byKind(r.objects, "HorizontalPodAutoscaler");
        for (const h of hpas) {
          assert.equal(h.spec.scaleTargetRef.kind, "Deployment");
          assert.equal(h.spec.scaleTargetRef.name, h.metadata.name);
          const d = find(r.objects, "Deployment", h.spec.scaleTargetRef.name);
          assert.equal(d.metadata.namespace, h.metadata.namespace);
          assert.ok(!("replicas" in d.spec) || d.spec.replicas === undefined, `${d.metadata.name} sets replicas while an HPA owns it`);
          assert.ok(h.spec.minReplicas >= 1 && h.spec.minReplicas <= h.spec.maxReplicas);
          assert.equal(h.spec.behavior.scaleUp.stabilizationWindowSeconds, 60);
          assert.equal(h.spec.behavior.scaleDown.stabilizationWindowSeconds, 300);
        }
        for (const d of byKind(r.objects, "Deployment")) {
          if (!hpas.some((h) => h.metadata.name === d.metadata.name)) assert.equal(d.spec.replicas, 0, `${d.metadata.name} has neither an HPA nor replicas: 0`);
        }
      });

      it("gives each track a disruption budget selecting only its pods", () => {
        const deployments = byKind(r.objects, "Deployment");
        for (const p of byKind(r.objects, "PodDisruptionBudget")) {
          const matched = deployments.filter((d) => selects(p.spec.selector.matchLabels, podTemplate(d).metadata.labels));
          assert.deepEqual(matched.map((d) => d.metadata.name), [p.metadata.name]);
        }
        assert.equal(byKind(r.objects, "PodDisruptionBudget").length, deployments.length);
      });

      it("runs every pod under Pod Security Standards restricted, with probes, resources and a drain pause", () => {
        const ns = byKind(r.objects, "Namespace")[0];
        assert.equal(ns.metadata.labels?.["pod-security.kubernetes.io/enforce"], "restricted");
        for (const d of byKind(r.objects, "Deployment")) {
          const pod = podTemplate(d).spec;
          assert.equal(pod.automountServiceAccountToken, false);
          assert.equal(pod.securityContext.runAsNonRoot, true);
          assert.equal(pod.securityContext.seccompProfile.type, "RuntimeDefault");
          assert.equal(pod.serviceAccountName, d.metadata.name);
          for (const c of pod.containers) {
            assert.equal(c.securityContext.allowPrivilegeEscalation, false);
            assert.equal(c.securityContext.readOnlyRootFilesystem, true);
            assert.equal(c.securityContext.runAsNonRoot, true);
            assert.deepEqual(c.securityContext.capabilities.drop, ["ALL"]);
            assert.equal(c.securityContext.seccompProfile.type, "RuntimeDefault");
            assert.ok(!c.securityContext.capabilities.add);
            for (const p of ["startupProbe", "readinessProbe", "livenessProbe"]) assert.ok(c[p]?.httpGet?.path, `${d.metadata.name} lacks ${p}`);
            for (const k of ["cpu", "memory"]) {
              assert.ok(c.resources.requests[k], `${d.metadata.name} has no ${k} request`);
              assert.ok(c.resources.limits[k], `${d.metadata.name} has no ${k} limit`);
            }
            assert.ok(c.lifecycle.preStop.sleep.seconds < pod.terminationGracePeriodSeconds);
            assert.ok(c.volumeMounts.some((v: { mountPath: string }) => v.mountPath === "/tmp"));
            const env = Object.fromEntries(c.env.map((e: { name: string; value?: string }) => [e.name, e.value]));
            assert.equal(env.MODEL_VERSION, podTemplate(d).metadata.labels[LABEL.version]);
            assert.ok(env.MODEL_NAME && env.MODEL_URI);
          }
          assert.ok(pod.topologySpreadConstraints.some((t: { topologyKey: string }) => t.topologyKey === "kubernetes.io/hostname"));
          assert.ok(pod.topologySpreadConstraints.some((t: { topologyKey: string }) => t.topologyKey === "topology.kubernetes.io/zone"));
        }
        for (const sa of byKind(r.objects, "ServiceAccount")) assert.equal(sa.automountServiceAccountToken, false);
      });

      it("admits the routing layer and callers on the model port, and Prometheus on the metrics port only", () => {
        const config = fixtureConfig(stack);
        const namespacesOf = (rule: any) => rule.from.map((p: any) => p.namespaceSelector?.matchLabels["kubernetes.io/metadata.name"]);
        for (const m of config.models) {
          const np = find(r.objects, "NetworkPolicy", m.name);
          assert.deepEqual(np.spec.policyTypes, ["Ingress"]);
          assert.deepEqual(np.spec.podSelector.matchLabels, { [LABEL.name]: m.name });
          const [callers, prometheus] = np.spec.ingress;
          const gateway = (m.router ?? config.router) === "gateway-api" ? [config.routers["gateway-api"].gateway.namespace] : [];
          assert.deepEqual(namespacesOf(callers), [...gateway, ...config.networkPolicy.allowFrom.map((p: any) => p.namespace)]);
          assert.deepEqual(callers.ports, [{ protocol: "TCP", port: 8080 }]);
          assert.deepEqual(namespacesOf(prometheus), ["monitoring"]);
          assert.deepEqual(prometheus.ports, [{ protocol: "TCP", port: 8080 }]);
        }
      });

      it("routes as configured, and every routing object waits for the Deployments it sends traffic to", () => {
        const config = fixtureConfig(stack);
        for (const m of config.models) {
          const router = ROUTER_DEFINITIONS[(m.router ?? config.router) as RouterName];
          const routeObjects = routeObjectsOf(m.name, r.objects);
          assert.ok(routeObjects.length > 0, `${m.name} has no routing objects`);
          assert.deepEqual(router.observedWeights(m.name, routeObjects), { blue: m.tracks.blue.weight, green: m.tracks.green.weight });
          const deployments = r.resources.filter((x) => x.type === "kubernetes:apps/v1:Deployment" && x.name.startsWith(`${m.name}-`));
          assert.equal(deployments.length, 2);
          const routeResources = r.resources.filter((x) => x.inputs.metadata?.labels?.[LABEL.component] === "route" && x.inputs.metadata.labels[LABEL.name] === m.name);
          assert.equal(routeResources.length, routeObjects.length);
          for (const res of routeResources) {
            for (const d of deployments) assert.ok(res.dependencies.includes(d.urn), `${res.name} does not wait for ${d.name}`);
          }
        }
      });

      it("reports models, tracks, weights and capacity as stack outputs", () => {
        const config = fixtureConfig(stack);
        assert.equal(r.outputs.environment, stack);
        assert.deepEqual(r.outputs.models.map((m) => m.name), config.models.map((m: any) => m.name));
        for (const [i, m] of r.outputs.models.entries()) {
          for (const c of ["blue", "green"] as const) {
            assert.equal(m.tracks[c].weight, config.models[i].tracks[c].weight);
            assert.equal(m.tracks[c].version, config.models[i].tracks[c].version);
          }
        }
      });
    });
  }

  it("puts a GPU model's accelerator, node selector and tolerations on its pods", async () => {
    const { objects } = await synthFixture("staging");
    const d = find(objects, "Deployment", "sentiment-blue");
    assert.equal(container(d).resources.limits["nvidia.com/gpu"], "1");
    assert.equal(container(d).resources.requests["nvidia.com/gpu"], "1");
    assert.deepEqual(podTemplate(d).spec.nodeSelector, { "node.kubernetes.io/instance-type": "g5.xlarge" });
    assert.equal(podTemplate(d).spec.tolerations[0].key, "nvidia.com/gpu");
    assert.equal(container(find(objects, "Deployment", "fraud-detector-blue")).resources.limits["nvidia.com/gpu"], undefined);
  });

  it("changes no pod template when only weights change", async () => {
    const config = clone(fixtureConfig("production"));
    const before = await synthesize(tempProject("production", config), "production");
    config.models[0].tracks.blue.weight = 75;
    config.models[0].tracks.green.weight = 25;
    const after = await synthesize(tempProject("production", config), "production");
    for (const d of byKind(before.objects, "Deployment")) {
      assert.deepEqual(podTemplate(find(after.objects, "Deployment", d.metadata.name)), podTemplate(d));
    }
  });

  it("keeps secret config out of plain text: a Secret holds it and the pod refers to it", async () => {
    const dir = tempProject(
      "staging",
      [
        "config:",
        "  modelship:environment: staging",
        "  modelship:namespace: ml-staging",
        "  modelship:secrets:",
        "    hfToken:",
        "      secure: v1:c2VjcmV0LWNpcGhlcnRleHQ=",
        "  modelship:models:",
        "    - name: sentiment",
        "      stable: blue",
        "      env: {HF_TOKEN: {secret: hfToken}}",
        "      tracks:",
        "        blue: {version: 2.0.0, image: 'registry.example.com/sentiment:2.0.0', modelUri: 's3://m/2.0.0', weight: 100}",
        "        green: {version: 2.0.0, image: 'registry.example.com/sentiment:2.0.0', modelUri: 's3://m/2.0.0', weight: 0, retired: true}",
        "",
      ].join("\n"),
    );
    const { objects } = await synthesize(dir, "staging");
    const secret = find(objects, "Secret", "sentiment-secrets");
    assert.deepEqual(secret.stringData, { hfToken: SECRET_PLACEHOLDER });
    const env = container(find(objects, "Deployment", "sentiment-blue")).env.find((e: { name: string }) => e.name === "HF_TOKEN");
    assert.deepEqual(env, { name: "HF_TOKEN", valueFrom: { secretKeyRef: { name: "sentiment-secrets", key: "hfToken" } } });
    assert.ok(!JSON.stringify(objects).includes("c2VjcmV0LWNpcGhlcnRleHQ"), "ciphertext leaked into an object");
  });

  it("uses an existing namespace when told not to create one", async () => {
    const config = clone(fixtureConfig("staging"));
    config.createNamespace = false;
    const { objects } = await synthesize(tempProject("staging", config), "staging");
    assert.equal(byKind(objects, "Namespace").length, 0);
    assert.ok(objects.every((o) => o.metadata.namespace === "ml-staging"));
  });

  it("stops before registering anything when the config is bad", async () => {
    const config = clone(fixtureConfig("production"));
    config.models[1].tracks.green.weight = 140;
    await assert.rejects(synthesize(tempProject("production", config), "production"), (e: Error) => {
      assert.match(e.message, /^Pulumi\.production\.yaml: modelship:models\[1\]\.tracks\.green\.weight: expected 0\.\.100, got 140$/m);
      return true;
    });
  });
});
