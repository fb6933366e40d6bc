import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { ROOT, find, synthFixture } from "./helpers";
import { modelModule, schemaVersion, validateObject } from "./kube-schemas";

describe("upstream schema validation", () => {
  it("rejects a broken object, so a pass means something", async () => {
    const d = structuredClone(find((await synthFixture("staging")).objects, "Deployment", "fraud-detector-blue"));
    await validateObject(d);
    d.spec.template.spec.containers[0].ports[0].containerPort = "http";
    await assert.rejects(validateObject(d), /containerPort/);
    const h = structuredClone(find((await synthFixture("staging")).objects, "HorizontalPodAutoscaler", "fraud-detector-blue"));
    delete h.spec.scaleTargetRef;
    await assert.rejects(validateObject(h), /scaleTargetRef/);
  });

  it("maps kinds to their model packages", () => {
    assert.equal(modelModule("v1", "Service"), "kubernetes-models/v1/Service");
    assert.equal(modelModule("apps/v1", "Deployment"), "kubernetes-models/apps/v1/Deployment");
    assert.equal(modelModule("networking.k8s.io/v1", "NetworkPolicy"), "kubernetes-models/networking.k8s.io/v1/NetworkPolicy");
    assert.equal(modelModule("gateway.networking.k8s.io/v1", "HTTPRoute"), "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute");
    assert.equal(modelModule("networking.istio.io/v1alpha3", "VirtualService"), "@kubernetes-models/istio/networking.istio.io/v1alpha3/VirtualService");
    assert.equal(modelModule("monitoring.coreos.com/v1", "PrometheusRule"), "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule");
    assert.equal(modelModule("keda.sh/v1alpha1", "ScaledObject"), "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject");
  });

  it("has exactly one copy of @kubernetes-models/validate installed (duplicates silently skip validation)", () => {
    // The model packages are pinned to the line that supports Node.js 20 and shares validate 3.
    const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8"));
    const copies = Object.keys(lock.packages).filter((p) => p.endsWith("node_modules/@kubernetes-models/validate"));
    assert.deepEqual(copies, ["node_modules/@kubernetes-models/validate"]);
  });

  // Each kind we render must really be checked by its model package.
  for (const [apiVersion, kind] of [
    ["apps/v1", "Deployment"],
    ["v1", "Service"],
    ["gateway.networking.k8s.io/v1", "HTTPRoute"],
    ["networking.istio.io/v1", "VirtualService"],
    ["networking.istio.io/v1", "DestinationRule"],
    ["monitoring.coreos.com/v1", "PrometheusRule"],
    ["monitoring.coreos.com/v1", "ServiceMonitor"],
    ["keda.sh/v1alpha1", "ScaledObject"],
  ]) {
    it(`really validates ${apiVersion} ${kind}: a wrong type in metadata or spec is rejected`, async () => {
      await assert.rejects(validateObject({ apiVersion, kind, metadata: { name: 42 as unknown as string } }), /metadata\/name must be string/);
      await assert.rejects(validateObject({ apiVersion, kind, metadata: { name: "x" }, spec: 7 }), /spec must be object/);
    });
  }

  it("validates Istio v1 objects as the identical v1beta1 objects, and nothing else", () => {
    assert.equal(schemaVersion("networking.istio.io/v1"), "networking.istio.io/v1beta1");
    assert.equal(schemaVersion("security.istio.io/v1"), "security.istio.io/v1beta1");
    assert.equal(schemaVersion("telemetry.istio.io/v1"), "telemetry.istio.io/v1", "Telemetry changed on promotion");
    assert.equal(schemaVersion("gateway.networking.k8s.io/v1"), "gateway.networking.k8s.io/v1");
    assert.equal(modelModule("networking.istio.io/v1", "VirtualService"), "@kubernetes-models/istio/networking.istio.io/v1beta1/VirtualService");
  });
});
