import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { ROOT, find, synthShipped } from "./helpers";
import { modelModule, validateObject } from "./kube-schemas";

describe("upstream schema validation", () => {
  it("rejects a broken object, so a pass means something", async () => {
    const d = structuredClone(find((await synthShipped("staging")).objects, "Deployment", "fraud-detector-blue"));
    await validateObject(d);
    d.spec.template.spec.containers[0].ports[0].containerPort = "http";
    await assert.rejects(validateObject(d), /containerPort/);
    const h = structuredClone(find((await synthShipped("staging")).objects, "HorizontalPodAutoscaler", "fraud-detector-blue"));
    delete h.spec.scaleTargetRef;
    await assert.rejects(validateObject(h), /scaleTargetRef/);
  });

  it("maps kinds to their model packages", () => {
    assert.equal(modelModule("v1", "Service"), "kubernetes-models/v1/Service");
    assert.equal(modelModule("apps/v1", "Deployment"), "kubernetes-models/apps/v1/Deployment");
    assert.equal(modelModule("networking.k8s.io/v1", "NetworkPolicy"), "kubernetes-models/networking.k8s.io/v1/NetworkPolicy");
    assert.equal(modelModule("gateway.networking.k8s.io/v1", "HTTPRoute"), "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute");
    assert.equal(modelModule("networking.istio.io/v1", "VirtualService"), "@kubernetes-models/istio/networking.istio.io/v1/VirtualService");
    assert.equal(modelModule("monitoring.coreos.com/v1", "PrometheusRule"), "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule");
  });

  it("has exactly one copy of @kubernetes-models/validate installed (duplicates silently skip validation)", () => {
    const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8"));
    const copies = Object.keys(lock.packages).filter((p) => p.endsWith("node_modules/@kubernetes-models/validate"));
    assert.deepEqual(copies, ["node_modules/@kubernetes-models/validate"]);
  });
});
