// Issue 15, part 2: the pod settings users reach for, rendered as the API server and PSS
// "restricted" accept them, rejected by key path when they would break either.
import { strict as assert } from "assert";
import { synthesize, type KubeObject, type SynthResult } from "../../stacks/render/synth";
import { apiServerProblems } from "../apiserver";
import { canaryConfig, configProblems } from "../fixtures/canary";
import { byKind, find, tempProject } from "../helpers";
import { validateObject } from "../kube-schemas";
import { restrictedViolations } from "../pss";

const FILE = "Pulumi.staging.yaml";

const SETTINGS = {
  command: ["python", "-m", "server"],
  args: ["--model", "$(MODEL_PATH)", "--port", "8080"],
  volumes: [
    { name: "shm", mountPath: "/dev/shm", emptyDir: { medium: "Memory", sizeLimit: "1Gi" } },
    { name: "cache", mountPath: "/cache", emptyDir: { sizeLimit: "10Gi" } },
    { name: "weights", mountPath: "/weights", readOnly: true, persistentVolumeClaim: { claimName: "fraud-weights" } },
    { name: "settings", mountPath: "/etc/fraud", configMap: { name: "fraud-settings", items: [{ key: "settings.json", path: "settings.json" }] } },
    { name: "creds", mountPath: "/var/run/creds", secret: { secretName: "fraud-creds" } },
  ],
  podAnnotations: { "example.com/team": "risk" },
  podLabels: { team: "risk" },
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "node.kubernetes.io/instance-type", operator: "In", values: ["g5.xlarge"] }] }] },
    },
    podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { "app.kubernetes.io/name": "fraud" } } } }] },
  },
  priorityClassName: "ml-serving",
  runtimeClassName: "nvidia",
  imagePullSecrets: ["registry-creds"],
  serviceAccountAnnotations: { "example.com/owner": "risk" },
  resources: { requests: { "ephemeral-storage": "1Gi" }, limits: { "ephemeral-storage": "20Gi" } },
};

function withSettings(extra: Record<string, unknown> = SETTINGS, weight = 10) {
  const c: any = canaryConfig({ weight });
  Object.assign(c.models[0], extra);
  return c;
}

function problems(extra: Record<string, unknown>, fleet: (c: any) => void = () => undefined): string[] {
  const c = withSettings(extra);
  fleet(c);
  return configProblems(c, FILE);
}

const rejects = (extra: Record<string, unknown>, path: string, why: RegExp, fleet?: (c: any) => void) => {
  const p = problems(extra, fleet);
  assert.ok(p.some((l) => l.startsWith(`modelship:${path}: `) && why.test(l)), `expected ${path} ~ ${why}, got:\n${p.join("\n") || "(accepted)"}`);
};

const podOf = (d: KubeObject) => d.spec.template;

describe("pod settings (issue 15)", function () {
  this.timeout(120_000);
  let r: SynthResult;
  before(async () => {
    r = await synthesize(tempProject("staging", withSettings()), "staging");
  });

  it("renders each setting on both tracks' pods", () => {
    for (const colour of ["blue", "green"]) {
      const d = find(r.objects, "Deployment", `fraud-${colour}`);
      const pod = podOf(d);
      const c = pod.spec.containers[0];
      assert.deepEqual(c.command, SETTINGS.command);
      assert.deepEqual(c.args, SETTINGS.args);
      assert.equal(pod.metadata.annotations["example.com/team"], "risk");
      assert.equal(pod.metadata.labels.team, "risk");
      assert.equal(pod.metadata.labels["modelship.io/track"], colour, "the selector labels stay");
      assert.deepEqual(pod.spec.affinity, SETTINGS.affinity);
      assert.equal(pod.spec.priorityClassName, "ml-serving");
      assert.equal(pod.spec.runtimeClassName, "nvidia");
      assert.deepEqual(pod.spec.imagePullSecrets, [{ name: "registry-creds" }]);
      assert.equal(c.resources.requests["ephemeral-storage"], "1Gi");
      assert.equal(c.resources.limits["ephemeral-storage"], "20Gi");
      assert.deepEqual(pod.spec.volumes.map((v: any) => v.name), ["tmp", "shm", "cache", "weights", "settings", "creds"]);
      assert.deepEqual(pod.spec.volumes[1], { name: "shm", emptyDir: { medium: "Memory", sizeLimit: "1Gi" } });
      assert.deepEqual(c.volumeMounts.map((m: any) => m.mountPath), ["/tmp", "/dev/shm", "/cache", "/weights", "/etc/fraud", "/var/run/creds"]);
      assert.equal(c.volumeMounts[3].readOnly, true);
      assert.equal(c.env.find((e: any) => e.name === "MODEL_PATH").value, `s3://m/fraud/${colour === "blue" ? "1" : "2"}`, "the reference server reads the URI itself");
      assert.equal(find(r.objects, "ServiceAccount", `fraud-${colour}`).metadata.annotations?.["example.com/owner"], "risk");
    }
  });

  it("every object passes the upstream schemas, the API server's rules and PSS restricted", async () => {
    for (const o of r.objects) {
      await validateObject(o);
      assert.deepEqual(apiServerProblems(o), []);
      assert.deepEqual(restrictedViolations(o), []);
    }
  });

  it("a copying server gets an init container that copies MODEL_URI into a read-only /models", async () => {
    const c = withSettings({ server: "mlserver" });
    c.modelCopy = { image: `public.ecr.aws/aws-cli/aws-cli@sha256:${"a".repeat(64)}` };
    const copied = await synthesize(tempProject("staging", c), "staging");
    const pod = podOf(find(copied.objects, "Deployment", "fraud-green")).spec;
    assert.equal(pod.enableServiceLinks, false);
    const [init] = pod.initContainers;
    assert.equal(init.image, c.modelCopy.image);
    assert.deepEqual(init.command.slice(0, 4), ["aws", "s3", "cp", "--recursive"]);
    assert.ok(init.command.includes("$(MODEL_URI)") && init.command.at(-1) === "/models");
    const server = pod.containers[0];
    assert.equal(server.env.find((e: any) => e.name === "MODEL_PATH").value, "/models");
    assert.deepEqual(server.volumeMounts.find((m: any) => m.mountPath === "/models"), { name: "model", mountPath: "/models", readOnly: true });
    // $(MODEL_URI) in the init container's command expands only from its own env.
    assert.deepEqual(init.env, [{ name: "MODEL_URI", value: "s3://m/fraud/2" }, { name: "HOME", value: "/tmp" }]);
    for (const o of copied.objects) {
      await validateObject(o);
      assert.deepEqual(apiServerProblems(o), []);
      assert.deepEqual(restrictedViolations(o), []);
    }
  });

  it("a weight change leaves the pod templates alone", async () => {
    const after = await synthesize(tempProject("staging", withSettings(SETTINGS, 50)), "staging");
    for (const d of byKind(r.objects, "Deployment")) assert.deepEqual(podOf(find(after.objects, "Deployment", d.metadata.name)), podOf(d));
  });

  it("rejects what PSS restricted or the API server would, by key path", () => {
    const vol = (v: object) => ({ volumes: [{ name: "v", mountPath: "/v", ...v }] });
    rejects(vol({ hostPath: { path: "/var/lib" } }), "models[0].volumes[0].hostPath", /forbidden by Pod Security Standards "restricted"/);
    rejects(vol({}), "models[0].volumes[0]", /exactly one of emptyDir/);
    rejects(vol({ emptyDir: {}, secret: { secretName: "s" } }), "models[0].volumes[0]", /got emptyDir and secret/);
    rejects(vol({ emptyDir: { medium: "Memory" } }), "models[0].volumes[0].emptyDir.sizeLimit", /required with medium Memory/);
    rejects({ volumes: [{ name: "tmp", mountPath: "/scratch", emptyDir: {} }] }, "models[0].volumes[0].name", /modelship mounts itself/);
    rejects({ volumes: [{ name: "scratch", mountPath: "/tmp", emptyDir: {} }] }, "models[0].volumes[0].mountPath", /already mounted \(by modelship\)/);
    rejects({ volumes: [{ name: "a", mountPath: "/a", emptyDir: {} }, { name: "a", mountPath: "/b", emptyDir: {} }] }, "models[0].volumes[1].name", /duplicate volume name/);
    rejects(vol({ mountPath: "relative", emptyDir: {} }), "models[0].volumes[0].mountPath", /absolute path/);
    rejects({ podLabels: { "modelship.io/track": "blue" } }, "models[0].podLabels.modelship.io/track", /sets modelship\.io\/track itself/);
    rejects({ podLabels: { "app.kubernetes.io/version": "x" } }, "models[0].podLabels.app.kubernetes.io/version", /itself/);
    rejects({ podAnnotations: { "bad key!": "x" } }, "models[0].podAnnotations.bad key!", /annotation key/);
    rejects({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "k", operator: "In" }] }] } } } }, "models[0].affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values", /required/);
    rejects({ affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: {} }] } } }, "models[0].affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey", /required/);
    rejects({ priorityClassName: "High_Priority" }, "models[0].priorityClassName", /PriorityClass name/);
    rejects({ env: { MODEL_PATH: "/x" } }, "models[0].env.MODEL_PATH", /set by modelship/);
    rejects({ volumes: [{ name: "shm", mountPath: "/dev/shm", emptyDir: { medium: "Memory", sizeLimit: "4Gi" } }] }, "models[0].resources.limits.memory", /must exceed the memory-backed volumes \(shm 4Gi\)/);
    const copier = (c: any) => (c.modelCopy = { image: `public.ecr.aws/aws-cli/aws-cli@sha256:${"a".repeat(64)}` });
    rejects({ server: "mlserver" }, "modelCopy", /required by models\[0\] \(server mlserver loads a local copy/);
    rejects({ server: "mlserver", tracks: { blue: { version: "1", image: "r.example.com/m:1", modelUri: "hf://org/m", weight: 90 }, green: { version: "2", image: "r.example.com/m:2", modelUri: "s3://m/fraud/2", weight: 10 } } }, "models[0].tracks.blue.modelUri", /must be at an s3:\/\/ URI/, copier);
    rejects({}, "modelCopy.image", /pinned by digest/, (c) => (c.modelCopy = { image: "amazon/aws-cli:2.17.0" }));
    rejects({ resources: { requests: { "ephemeral-storage": "2Gi" }, limits: { "ephemeral-storage": "1Gi" } } }, "models[0].resources.limits.ephemeral-storage", /must be >= requests/);
  });
});
