// Issue 14, item 4: the schema knows the limits the API server (and IAM) enforce on what is
// rendered, so a config it accepts never fails at `pulumi up`.
import { strict as assert } from "assert";
import fc from "fast-check";
import { parseFleetConfig } from "../../components/config";
import { CUSTOM_PRESET_BYTES_MAX, MAX_MODELS, MODEL_CONFIG_BYTES_MAX } from "../../components/config/schema";
import { DATA_BYTES_MAX, isCidr, OBJECT_BYTES_MAX } from "../../components/config/kube-limits";
import { iamRoleName } from "../../components/aws/plan";
import { fleetMonitoringObjects, modelMonitoringObjects, monitoringContext } from "../../components/monitoring/manifests";
import { canaryConfig, configProblems } from "../fixtures/canary";

const FILE = "Pulumi.staging.yaml";

/** The canary fixture with one edit; returns the problems, or [] when accepted. */
function problems(edit: (c: any, m: any) => void): string[] {
  const c: any = canaryConfig();
  edit(c, c.models[0]);
  return configProblems(c, FILE);
}

function rejects(edit: (c: any, m: any) => void, path: string, why: RegExp) {
  const p = problems(edit);
  assert.ok(
    p.some((l) => l.startsWith(path.endsWith(".") ? `modelship:${path}` : `modelship:${path}: `) && why.test(l)),
    `expected a problem at ${path} matching ${why}, got:\n${p.join("\n") || "(accepted)"}`,
  );
}

const accepts = (edit: (c: any, m: any) => void) => assert.deepEqual(problems(edit), []);

const label = (n: number, c = "a") => c.repeat(n);

describe("config limits the API server enforces (issue 14)", () => {
  it("gpuResource is an extended resource, never a standard one it would overwrite", () => {
    for (const r of ["memory", "cpu", "ephemeral-storage", "hugepages-2Mi"]) rejects((_, m) => (m.resources = { gpu: 1, gpuResource: r }), "models[0].resources.gpuResource", /standard resource/);
    rejects((_, m) => (m.resources = { gpu: 1, gpuResource: "kubernetes.io/gpu" }), "models[0].resources.gpuResource", /kubernetes\.io domain/);
    rejects((_, m) => (m.resources = { gpu: 1, gpuResource: "requests.example.com/gpu" }), "models[0].resources.gpuResource", /quota prefix/);
    rejects((_, m) => (m.resources = { gpu: 1, gpuResource: "Example.com/gpu" }), "models[0].resources.gpuResource", /prefix before '\/'/);
    for (const r of ["nvidia.com/gpu", "amd.com/gpu", "gpu.intel.com/i915"]) accepts((_, m) => (m.resources = { gpu: 1, gpuResource: r }));
  });

  it("tolerations follow the API server's rules", () => {
    const tol = (t: object) => (_: any, m: any) => (m.tolerations = [t]);
    rejects(tol({ key: "gpu", operator: "Exists", value: "yes" }), "models[0].tolerations[0].value", /no value with operator Exists/);
    rejects(tol({ operator: "Equal", value: "x" }), "models[0].tolerations[0].operator", /Exists when key is empty/);
    rejects(tol({ key: "", operator: "Equal" }), "models[0].tolerations[0].operator", /Exists when key is empty/);
    rejects(tol({ key: "gpu", effect: "NoSchedule", tolerationSeconds: 30 }), "models[0].tolerations[0].tolerationSeconds", /only applies to effect NoExecute/);
    rejects(tol({ key: "bad key!", operator: "Exists" }), "models[0].tolerations[0].key", /taint key/);
    rejects(tol({ key: "gpu", value: "x".repeat(64) }), "models[0].tolerations[0].value", /63|label value/);
    accepts(tol({ operator: "Exists" }));
    accepts(tol({ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }));
    accepts(tol({ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 }));
  });

  it("secret names are Secret data keys", () => {
    for (const k of [".", ".."]) rejects((c) => (c.secrets = { [k]: "v" }), `secrets.${k}`, /cannot be a key/);
    rejects((c) => (c.secrets = { "..data": "v" }), "secrets...data", /cannot start with "\.\."/);
    rejects((_, m) => (m.env = { X: { secretKeyRef: { name: "s", key: "..x" } } }), "models[0].env.X.secretKeyRef.key", /cannot start with/);
    rejects((c) => (c.secrets = { ["k".repeat(254)]: "v" }), "secrets.", /1\.\.253 characters/);
    rejects((c) => (c.secrets = { "a/b": "v" }), "secrets.a/b", /letters, digits/);
    accepts((c) => (c.secrets = { ["k".repeat(253)]: "v", "db.password": "v", "-x_": "v" }));
    rejects((_, m) => (m.env = { X: { secretKeyRef: { name: "s", key: ".." } } }), "models[0].env.X.secretKeyRef.key", /cannot be a key/);
  });

  it("a Gateway listener (sectionName) is a lower-case DNS subdomain", () => {
    const section = (s: string) => (c: any) => (c.routers["gateway-api"].gateway.sectionName = s);
    rejects(section("HTTPS"), "routers.gateway-api.gateway.sectionName", /listener name/);
    rejects(section("a_b"), "routers.gateway-api.gateway.sectionName", /listener name/);
    accepts(section("https"));
    accepts(section("web.internal-1"));
  });

  it("label keys: a name of at most 63 characters after an optional DNS-subdomain prefix of at most 253", () => {
    const sel = (k: string) => (_: any, m: any) => (m.nodeSelector = { [k]: "v" });
    rejects(sel(label(64)), "models[0].nodeSelector.", /1\.\.63 characters, got 64/);
    rejects(sel(`example.com/${label(64)}`), "models[0].nodeSelector.", /after '\/' must be 1\.\.63/);
    rejects(sel(`${label(63)}.${label(63)}.${label(63)}.${label(62)}/k`), "models[0].nodeSelector.", /prefix before '\/'/);
    rejects(sel("Example.com/k"), "models[0].nodeSelector.Example.com/k", /prefix before '\/'/);
    accepts(sel(label(63)));
    accepts(sel(`${label(63)}.${label(63)}.${label(63)}.${label(61)}/${label(63)}`));
    rejects((c) => (c.networkPolicy = { allowFrom: [{ podLabels: { [label(64)]: "x" } }] }), "networkPolicy.allowFrom[0].podLabels.", /63/);
  });

  it("CIDRs parse as the API server parses them", () => {
    for (const bad of ["999.999.999.999/99", "10.0.0.0/33", "10.0.0/8", "010.0.0.0/8", "::1/129", "10.0.0.0/-1", "10.0.0.0/", "fe80::1%eth0/64", "1.2.3.4/08"]) assert.equal(isCidr(bad), false, bad);
    for (const good of ["10.0.0.0/16", "0.0.0.0/0", "192.168.1.7/32", "::/0", "2001:db8::/32", "fd00::1/128"]) assert.equal(isCidr(good), true, good);
    const alb = (cidr: string) => (c: any) => (c.routers.alb = { vpcCidrs: [cidr] });
    rejects(alb("999.999.999.999/99"), "routers.alb.vpcCidrs[0]", /CIDR/);
    accepts(alb("10.0.0.0/16"));
  });

  it("hostnames: at most 253 characters, each label at most 63", () => {
    const host = (h: string) => (_: any, m: any) => (m.route = { hostnames: [h] });
    const long = `${[label(63), label(63), label(63)].join(".")}.${label(57)}.com`;
    assert.equal(long.length, 253);
    accepts(host(long));
    rejects(host(`a${long}`), "models[0].route.hostnames[0]", /at most 253 characters, got 254/);
    rejects(host(`${label(64)}.example.com`), "models[0].route.hostnames[0]", /at most 63 characters each/);
    rejects((_, m) => (m.route = { preview: { hostname: `a${long}` } }), "models[0].route.preview.hostname", /253/);
  });

  it("hostnames: at most 16 (an HTTPRoute's limit, whatever the router today)", () => {
    const hosts = (n: number) => (_: any, m: any) => (m.route = { hostnames: Array.from({ length: n }, (_, i) => `h${i}.example.com`) });
    accepts(hosts(16));
    rejects(hosts(17), "models[0].route.hostnames", /at most 16 hostnames/);
  });

  it("header names: at most 256 characters (Gateway API HTTPHeaderName)", () => {
    accepts((_, m) => (m.route = { preview: { header: "x".repeat(256) } }));
    rejects((_, m) => (m.route = { preview: { header: "x".repeat(257) } }), "models[0].route.preview.header", /at most 256 characters, got 257/);
  });

  it("Istio gateways are namespace/name of DNS labels", () => {
    const gw = (g: string) => (c: any) => (c.routers.istio = { gateways: [g] });
    rejects(gw(`${label(64)}/gw`), "routers.istio.gateways[0]", /namespace\/name/);
    rejects(gw("-ns/gw"), "routers.istio.gateways[0]", /namespace\/name/);
    accepts(gw("istio-system/public"));
  });

  it("size budgets keep every object inside the API server's limits", () => {
    rejects((_, m) => (m.env = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`V${i}`, "x".repeat(2000)]))), "models[0]", /at most 64 KiB of config for one model/);
    accepts((_, m) => (m.env = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`V${i}`, "x".repeat(2000)]))));
    rejects((c) => (c.secrets = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`s${i}`, "x".repeat(300_000)]))), "secrets", /at most 1024 KiB/);
    const custom = (n: number) => ({ preset: "custom", custom: { requests: [0, 1, 2].map((i) => ({ metric: `requests_${i}_total`, matchers: `a="${"x".repeat(n / 3)}"`, labels: ["a"] })) } });
    rejects((_, m) => (m.monitoring = custom(CUSTOM_PRESET_BYTES_MAX + 30)), "models[0].monitoring.custom", /at most 4 KiB/);
    rejects(
      (c, m) => (c.models = Array.from({ length: MAX_MODELS + 1 }, (_, i) => ({ ...structuredClone(m), name: `m${i}` }))),
      "models",
      new RegExp(`at most ${MAX_MODELS} models`),
    );
    // Many models each within their own budget: no object repeats another model's selectors, so
    // the stack has no budget for their presets together (measured in the next test).
    accepts((c, m) => (c.models = Array.from({ length: 20 }, (_, i) => ({ ...structuredClone(m), name: `m${i}`, monitoring: custom(3840) }))));
  });

  it("a stack at every budget renders objects inside the limits (measured)", () => {
    // The largest config the budgets admit: the most models, the longest names, every model with a
    // custom preset at its budget, a model at its own budget; the objects the fleet and one such
    // model render are measured.
    const c: any = canaryConfig();
    const m0 = c.models[0];
    const name = (i: number) => `m${i}`.padEnd(45, "x");
    const sel = (i: number) => `l${i}="${"x".repeat(180)}"`;
    const metric = (i: number) => `m${i}_`.padEnd(150, "y");
    const custom = {
      preset: "custom",
      custom: {
        requests: [0, 1, 2].map((i) => ({ metric: metric(i), matchers: sel(i), labels: [`l${i}`] })),
        errors: [3, 4].map((i) => ({ metric: metric(i), matchers: sel(i), labels: [`l${i}`] })),
        latency: { histogram: metric(5), matchers: sel(5), labels: ["l5"], buckets: [0.1, 0.25, 0.5, 1, 2.5, 5] },
        loaded: { metric: metric(6), matchers: sel(6), labels: ["l6"] },
        predictions: { histogram: metric(7), matchers: sel(7), labels: ["l7"] },
        drift: { metric: metric(8) },
        lastLoad: { metric: metric(9) },
      },
    };
    const customBytes = JSON.stringify(custom.custom).length;
    assert.ok(customBytes <= CUSTOM_PRESET_BYTES_MAX && customBytes > CUSTOM_PRESET_BYTES_MAX * 0.8, String(customBytes));
    c.namespace = label(63, "n");
    c.models = Array.from({ length: MAX_MODELS }, (_, i) => ({ ...structuredClone(m0), name: name(i), monitoring: custom }));
    c.models[0].env = Object.fromEntries(Array.from({ length: 28 }, (_, i) => [`V${i}`, "x".repeat(2000)]));
    const fleet = parseFleetConfig(c, FILE);
    assert.ok(JSON.stringify(fleet.models[0]).length > MODEL_CONFIG_BYTES_MAX * 0.85);
    const ctx = monitoringContext(fleet, "production-with-a-long-stack-name");
    const objects = [...fleetMonitoringObjects(fleet.models, ctx), ...modelMonitoringObjects(fleet.models[0], ctx)];
    for (const o of objects) {
      const bytes = JSON.stringify(o).length;
      assert.ok(bytes < OBJECT_BYTES_MAX, `${o.kind} ${o.metadata.name}: ${bytes} bytes`);
      if (o.kind === "ConfigMap") assert.ok(bytes < DATA_BYTES_MAX, `${o.kind} ${o.metadata.name}: ${bytes} bytes of data`);
    }
    // Why the stack has no budget for its presets together: the fleet's objects are the same size
    // whether one model or every model repeats those selectors.
    const oneCustom = parseFleetConfig({ ...c, models: c.models.map((m: any, i: number) => (i === 0 ? m : { ...m, monitoring: { preset: "custom", custom: { ...custom.custom, requests: [{ metric: "r_total" }] } } })) }, FILE);
    const fleetBytes = (f: typeof fleet) => fleetMonitoringObjects(f.models, monitoringContext(f, "production-with-a-long-stack-name")).map((o) => JSON.stringify(o).length);
    assert.deepEqual(fleetBytes(fleet), fleetBytes(oneCustom));
  });
});

describe("IAM role names (issue 14)", () => {
  it("are kept as they were when they fit 64 characters", () => {
    assert.equal(iamRoleName("ml-staging", "fraud-detector", "blue"), "modelship-ml-staging-fraud-detector-blue");
  });

  it("fit 64 characters, keep the colour, and never collide (property)", () => {
    const dnsLabel = (max: number) => fc.stringMatching(/^[a-z]([-a-z0-9]*[a-z0-9])?$/).filter((s) => s.length <= max);
    fc.assert(
      fc.property(dnsLabel(63), dnsLabel(45), dnsLabel(45), (ns, a, b) => {
        const names = [iamRoleName(ns, a, "blue"), iamRoleName(ns, a, "green"), iamRoleName(ns, b, "blue"), iamRoleName(ns, b, "green")];
        for (const n of names) {
          assert.ok(n.length <= 64, n);
          assert.match(n, /^[\w+=,.@-]+$/); // IAM's RoleName pattern
        }
        assert.ok(names[0].endsWith("-blue") && names[1].endsWith("-green"));
        assert.equal(new Set(names).size, a === b ? 2 : 4, names.join(" "));
      }),
      { seed: 14, numRuns: 500 },
    );
    // The pair the old truncation made one role.
    const ns = label(40, "n");
    const model = label(30, "m");
    assert.notEqual(iamRoleName(ns, model, "blue"), iamRoleName(ns, model, "green"));
  });
});
