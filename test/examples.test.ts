// Issue 15, part 5: every example stack (examples/, one per model server) renders through synth
// into objects that the upstream schemas (kubernetes-models, KEDA), the API server's rules and
// PSS "restricted" accept, rules promtool accepts, and a promote whose blast radius is the route
// and the candidate's autoscaler. The examples are the users' to copy; tests only read them.
import { strict as assert } from "assert";
import * as path from "path";
import * as YAML from "yaml";
import { SERVER_NAMES } from "../components/serving/runtimes";
import { diffObjects, objectKey, touched } from "../stacks/render/objectdiff";
import { applyCommand, edits } from "../stacks/rollout/state";
import { applyEdits, fleetOfText, modelState } from "../stacks/stackfile/edit";
import { listStacks, readInput, readProject, stackFilePath } from "../stacks/stackfile/file";
import { synthesize, type SynthResult } from "../stacks/render/synth";
import { apiServerProblems } from "./apiserver";
import { ROOT, byKind } from "./helpers";
import { validateObject } from "./kube-schemas";
import { checkRules } from "./monitoring/promtool";
import { restrictedViolations } from "./pss";

const EXAMPLES = path.join(ROOT, "examples");
const project = readProject(EXAMPLES);
const stacks = listStacks(EXAMPLES);

describe("examples (issue 15)", function () {
  this.timeout(300_000);

  it("has one stack per model server, each using it", () => {
    assert.deepEqual([...stacks].sort(), SERVER_NAMES.filter((s) => s !== "modelship").sort());
    for (const s of stacks) {
      const { fleet } = fleetOfText(project, `Pulumi.${s}.yaml`, readInput(`Pulumi.${s}.yaml`, stackFilePath(project, s)));
      assert.ok(fleet.models.every((m) => m.server === s), s);
    }
  });

  for (const stack of stacks) {
    describe(stack, () => {
      let r: SynthResult;
      before(async () => {
        r = await synthesize(EXAMPLES, stack);
      });

      it("renders objects the upstream schemas, the API server and PSS restricted accept", async () => {
        assert.ok(byKind(r.objects, "Deployment").length === 2);
        for (const o of r.objects) {
          await validateObject(o);
          assert.deepEqual(apiServerProblems(o), [], objectKey(o));
          assert.deepEqual(restrictedViolations(o), [], objectKey(o));
        }
      });

      it("renders rules promtool accepts", () => {
        checkRules(byKind(r.objects, "PrometheusRule").flatMap((o) => o.spec.groups));
      });

      it("a promote touches only the route and the candidate's autoscaler", async () => {
        const name = `Pulumi.${stack}.yaml`;
        const text = readInput(name, stackFilePath(project, stack));
        const current = fleetOfText(project, name, text);
        const before = modelState(current.fleet.models[0]);
        const candidate = before.stable === "blue" ? "green" : "blue";
        const after = applyCommand(before, { kind: "promote" });
        const next = applyEdits({ project, stack, file: "", name, text, doc: YAML.parseDocument(text) }, 0, edits(before, after));
        const [a, b] = [await synthesize(EXAMPLES, stack, current.config), await synthesize(EXAMPLES, stack, fleetOfText(project, name, next).config)];
        const model = current.fleet.models[0].name;
        const changed = touched(diffObjects(a.objects, b.objects));
        const allowed = new Set([
          ...a.objects.filter((o) => o.metadata.labels?.["app.kubernetes.io/component"] === "route").map(objectKey),
          ...["HorizontalPodAutoscaler", "ScaledObject"].map((k) => `${k} ml-examples/${model}-${candidate}`),
        ]);
        assert.ok(changed.length > 0, "the promote changed nothing");
        assert.deepEqual(changed.filter((k) => !allowed.has(k)), [], `touched: ${changed.join(", ")}`);
      });
    });
  }
});
