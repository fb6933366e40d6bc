// The PSS "restricted" check (test/pss.ts) must be able to fail: each control, broken on a copy
// of a rendered Deployment, is reported.
import { strict as assert } from "assert";
import { synthesize } from "../stacks/render/synth";
import { canaryConfig } from "./fixtures/canary";
import { find, tempProject } from "./helpers";
import { restrictedViolations } from "./pss";

describe("PSS restricted check", function () {
  this.timeout(120_000);
  const breaks: [string, (pod: any) => void, RegExp][] = [
    ["a hostPath volume", (p) => p.volumes.push({ name: "h", hostPath: { path: "/" } }), /volume type hostPath/],
    ["hostNetwork", (p) => (p.hostNetwork = true), /host namespaces/],
    ["a privileged container", (p) => (p.containers[0].securityContext.privileged = true), /privileged/],
    ["privilege escalation", (p) => delete p.containers[0].securityContext.allowPrivilegeEscalation, /allowPrivilegeEscalation/],
    ["root", (p) => ((p.securityContext.runAsNonRoot = false), (p.containers[0].securityContext.runAsNonRoot = false)), /runAsNonRoot/],
    ["capabilities kept", (p) => (p.containers[0].securityContext.capabilities = { drop: [] }), /drop ALL/],
    ["an added capability", (p) => (p.containers[0].securityContext.capabilities.add = ["SYS_ADMIN"]), /adds capability SYS_ADMIN/],
    ["no seccomp", (p) => (delete p.securityContext.seccompProfile, delete p.containers[0].securityContext.seccompProfile), /seccompProfile/],
    ["an unsafe sysctl", (p) => (p.securityContext.sysctls = [{ name: "kernel.msgmax", value: "1" }]), /not a safe sysctl/],
    ["a hostPort", (p) => (p.containers[0].ports[0].hostPort = 80), /hostPort/],
    ["an init container as root", (p) => (p.initContainers = [{ name: "init", securityContext: { runAsNonRoot: false } }]), /initContainers\[init\]/],
  ];
  it("accepts the rendered pod, and reports each control broken", async () => {
    const r = await synthesize(tempProject("staging", canaryConfig()), "staging");
    const d = find(r.objects, "Deployment", "fraud-blue");
    assert.deepEqual(restrictedViolations(d), []);
    for (const [what, breakIt, says] of breaks) {
      const copy = structuredClone(d);
      breakIt(copy.spec.template.spec);
      assert.ok(restrictedViolations(copy).some((v) => says.test(v)), `${what}: ${restrictedViolations(copy).join("; ") || "not reported"}`);
    }
  });
});
