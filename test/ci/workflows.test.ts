import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { deploymentSettings, PATHS } from "../../stacks/deployments/settings";
import { synthesize } from "../../stacks/synth";
import { ROOT } from "../helpers";
import { workflowParser } from "./workflow-parser";

const DIR = path.join(ROOT, ".github", "workflows");
const FILES = ["pr.yml", "deploy.yml", "promote.yml"];
const read = (f: string) => fs.readFileSync(path.join(DIR, f), "utf8");
const doc = (f: string) => YAML.parse(read(f));
type Step = { uses?: string; run?: string; if?: string; id?: string; name?: string; with?: Record<string, unknown>; env?: Record<string, string> };
const steps = (f: string, job: string): Step[] => doc(f).jobs[job].steps;

describe("CI/CD workflows", function () {
  this.timeout(60_000);

  for (const f of FILES) {
    it(`${f} parses and validates with GitHub's workflow parser, without errors`, async () => {
      const { parseWorkflow, NoOperationTraceWriter, convertWorkflowTemplate } = await workflowParser();
      const parsed = parseWorkflow({ name: f, content: read(f) }, new NoOperationTraceWriter());
      assert.deepEqual(parsed.context.errors.getErrors().map((e: { message: string }) => e.message), []);
      assert.ok(parsed.value, "no workflow template");
      const template = await convertWorkflowTemplate(parsed.context, parsed.value!);
      assert.deepEqual((template.errors ?? []).map((e: { Message: string }) => e.Message), []);
      assert.ok(template.jobs.length > 0);
    });

    it(`${f} pins every action to a version and only references secrets`, () => {
      const text = read(f);
      for (const job of Object.values<any>(doc(f).jobs)) {
        for (const s of job.steps as Step[]) if (s.uses) assert.match(s.uses, /^[\w.-]+\/[\w./-]+@(v\d+\.\d+\.\d+|[0-9a-f]{40})$/, `${f}: ${s.uses} is not pinned`);
      }
      // Secrets appear only as ${{ secrets.X }} expressions, and never straight inside a shell script.
      assert.doesNotMatch(text, /(password|token|secret)\s*[:=]\s*["']?[A-Za-z0-9+/]{16,}/i);
      for (const job of Object.values<any>(doc(f).jobs)) for (const s of job.steps as Step[]) if (s.run) assert.doesNotMatch(s.run, /secrets\./, `${f}: a run script expands a secret inline`);
    });

    it(`${f} grants minimal permissions`, () => {
      const w = doc(f);
      assert.deepEqual(w.permissions, { contents: "read" }, "workflow default");
      for (const [name, job] of Object.entries<any>(w.jobs)) {
        for (const [scope, level] of Object.entries(job.permissions ?? {})) {
          assert.ok(["contents", "id-token", "pull-requests"].includes(scope) && ["read", "write"].includes(String(level)), `${f}/${name}: ${scope}: ${level}`);
        }
      }
    });
  }

  it("the parser rejects a broken workflow, so a clean parse means something", async () => {
    const { parseWorkflow, NoOperationTraceWriter } = await workflowParser();
    const broken = read("deploy.yml").replace("runs-on: ubuntu-24.04", "runs-onn: ubuntu-24.04");
    assert.ok(parseWorkflow({ name: "broken.yml", content: broken }, new NoOperationTraceWriter()).context.errors.getErrors().length > 0);
  });

  it("pr.yml tests, then previews both stacks with the policy pack and its per-stack config, commenting on the PR", () => {
    const pr = doc("pr.yml");
    assert.ok(pr.on.pull_request);
    assert.ok(steps("pr.yml", "test").some((s) => s.run === "npm ci") && steps("pr.yml", "test").some((s) => s.run === "npm test"));
    assert.deepEqual(pr.jobs.preview.strategy.matrix.stack, ["staging", "production"]);
    const preview = steps("pr.yml", "preview").find((s) => s.uses?.startsWith("pulumi/actions@"))!;
    assert.equal(preview.with!.command, "preview");
    assert.equal(preview.with!["comment-on-pr"], true);
    assert.equal(preview.with!.policyPacks, "policies");
    assert.equal(preview.with!.policyPackConfigs, "policies/${{ matrix.stack }}.json");
    assert.equal(preview.env!.PULUMI_ACCESS_TOKEN, "${{ secrets.PULUMI_ACCESS_TOKEN }}");
  });

  it("deploy.yml updates staging on push to main, through Deployments or the action", () => {
    const d = doc("deploy.yml");
    assert.deepEqual(d.on.push.branches, ["main"]);
    assert.equal(d.jobs.staging.environment, "staging");
    const up = steps("deploy.yml", "staging").find((s) => s.uses?.startsWith("pulumi/actions@"))!;
    assert.equal(up.with!.command, "up");
    assert.equal(up.if, "vars.PULUMI_DEPLOYMENTS != 'true'");
  });

  it("promote.yml: production environment, analyze before promote, rollback on fail, hold on inconclusive, commit, update, notify", () => {
    const p = doc("promote.yml");
    assert.deepEqual(p.on.workflow_dispatch.inputs.action.options, ["release", "promote", "rollback", "retire"]);
    assert.equal(p.jobs.change.environment, "production");
    const s = steps("promote.yml", "change");
    const at = (pred: (x: Step) => boolean) => s.findIndex(pred);
    const analyze = at((x) => !!x.run?.includes("modelship.js analyze"));
    const edit = at((x) => !!x.run?.includes('modelship.js "$COMMAND"'));
    const commit = at((x) => !!x.run?.includes("git commit"));
    const up = at((x) => !!x.uses?.startsWith("pulumi/actions@"));
    const notify = at((x) => x.name === "Notify");
    assert.ok(analyze >= 0 && analyze < edit && edit < commit && commit < up && up < notify, "analyze, edit, commit, update, notify, in that order");
    assert.equal(s[analyze].if, "inputs.action == 'promote'");
    const decide = s[at((x) => x.id === "decide")].run!;
    assert.match(decide, /"\$ACTION" = promote \] && \[ "\$VERDICT" = fail \]; then echo "command=rollback"/);
    assert.match(decide, /"\$VERDICT" = inconclusive \]; then echo "command=hold"/);
    for (const i of [edit, commit, up]) assert.equal(s[i].if, "steps.decide.outputs.command != 'hold'");
    assert.equal(s[notify].env!.WEBHOOK_URL, "${{ secrets.NOTIFY_WEBHOOK_URL }}");
    assert.equal(s[up].with!.policyPackConfigs, "policies/production.json");
  });
});

describe("Pulumi Deployments settings as code", function () {
  this.timeout(60_000);

  it("renders one DeploymentSettings per stack with the intended fields, under the mock runtime", async () => {
    const dir = path.join(ROOT, "stacks", "deployments");
    const r = await synthesize(dir, "ci");
    const settings = r.resources.filter((x) => x.type === "pulumiservice:index:DeploymentSettings");
    assert.deepEqual(settings.map((x) => x.inputs.stack), ["staging", "production", "review"]);
    const byStack = Object.fromEntries(settings.map((x) => [x.inputs.stack, x.inputs]));
    for (const [stack, s] of Object.entries<any>(byStack)) {
      assert.equal(s.organization, "acme");
      assert.equal(s.project, "modelship");
      assert.deepEqual(s.sourceContext.git, { repoUrl: "https://github.com/acme/modelship.git", branch: "refs/heads/main", repoDir: "." });
      assert.deepEqual(s.github.paths, PATHS);
      assert.deepEqual(s.operationContext.preRunCommands, ["npm ci"]);
      assert.equal(s.operationContext.oidc.aws.roleARN, "arn:aws:iam::123456789012:role/pulumi-deployments-modelship");
      assert.equal(s.github.deployCommits, stack === "staging", `${stack}: push-to-deploy`);
      assert.equal(s.github.previewPullRequests, stack !== "review");
      assert.equal(s.github.pullRequestTemplate, stack === "review");
    }
    assert.deepEqual(deploymentSettings({ organization: "o", project: "p", repository: "o/r", branch: "b", awsRoleArn: "arn" }, "production").github.deployCommits, false);
  });
});
