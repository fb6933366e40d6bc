import { strict as assert } from "assert";
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as os from "os";
import { spawnSync } from "child_process";
import * as path from "path";
import * as YAML from "yaml";
import { deploymentSettings, PATHS, readDeploymentsConfig } from "../../stacks/deployments/settings";
import { readProject, readStackConfig } from "../../stacks/stackfile/file";
import { synthesize } from "../../stacks/render/synth";
import { FIXTURE, ROOT } from "../helpers";
import { CLI_PATH, git, removeSandboxes, runStep, runStepAsync, sandbox, stepEnv, type Fake, type Step } from "./steps";
import { workflowParser } from "./workflow-parser";

const DIR = path.join(ROOT, ".github", "workflows");
const FILES = ["pr.yml", "deploy.yml", "promote.yml", "advance.yml", "rollback.yml"];
const read = (f: string) => fs.readFileSync(path.join(DIR, f), "utf8");
const doc = (f: string) => YAML.parse(read(f));
const steps = (f: string, job: string): Step[] => doc(f).jobs[job].steps;
const stepById = (f: string, job: string, id: string): Step => {
  const s = steps(f, job).find((x) => x.id === id);
  assert.ok(s, `${f}/${job} has no step ${id}`);
  return s;
};
const allSteps = () => FILES.flatMap((f) => Object.entries<any>(doc(f).jobs).flatMap(([job, j]) => (j.steps as Step[]).map((s) => ({ f, job, s }))));

describe("CI/CD workflows", function () {
  this.timeout(60_000);

  it("the workflow directory holds exactly the workflows tested here", () => {
    assert.deepEqual(fs.readdirSync(DIR).sort(), [...FILES].sort());
  });

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
    // The concurrency `queue` mode is checked too: only single and max exist.
    const badQueue = read("advance.yml").replace("queue: max", "queue: many");
    assert.ok(parseWorkflow({ name: "bad-queue.yml", content: badQueue }, new NoOperationTraceWriter()).context.errors.getErrors().length > 0);
  });

  it("every action is used at one pinned version across all workflows", () => {
    const versions = new Map<string, Set<string>>();
    for (const { s } of allSteps()) {
      if (!s.uses) continue;
      const [name, version] = s.uses.split("@");
      versions.set(name, (versions.get(name) ?? new Set()).add(version));
    }
    for (const [name, v] of versions) assert.equal(v.size, 1, `${name} at ${[...v].join(", ")}`);
  });

  it("every step that runs modelship runs the compiled CLI, built by an earlier `npm ci` of its job", () => {
    // The ts-node launcher (stacks/bin/modelship.js) transpiles the sources on every call; the
    // build is what package.json `bin` ships and what `npm ci` makes through `prepare`.
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    assert.equal(pkg.bin.modelship, CLI_PATH);
    assert.equal(pkg.scripts.prepare, "npm run build");
    let calls = 0;
    for (const f of FILES) {
      for (const [job, j] of Object.entries<any>(doc(f).jobs)) {
        const jobSteps = j.steps as Step[];
        jobSteps.forEach((s, i) => {
          const clis = [...(s.run ?? "").matchAll(/\bnode\s+(\S*modelship\S*)/g)].map((m) => m[1]);
          for (const cli of clis) {
            calls++;
            assert.equal(cli, CLI_PATH, `${f}/${job}/${s.name ?? s.id}: runs ${cli}`);
            // --ignore-scripts would skip `prepare`, and with it the build.
            assert.ok(jobSteps.slice(0, i).some((x) => x.run?.trim() === "npm ci"), `${f}/${job}/${s.name ?? s.id}: no \`npm ci\` before it builds ${CLI_PATH}`);
          }
        });
      }
    }
    assert.ok(calls >= 5, `only ${calls} CLI calls found: the pattern no longer matches the workflows`);
  });

  it("no run script interpolates the event payload, an input or other untrusted context: only env reaches the shell", () => {
    for (const { f, job, s } of allSteps()) {
      if (!s.run) continue;
      assert.doesNotMatch(s.run, /\$\{\{[^}]*github\.event\.client_payload/, `${f}/${job}/${s.name}: client_payload inside run`);
      assert.doesNotMatch(s.run, /\$\{\{[^}]*(github\.event\.|inputs\.|github\.head_ref|steps\.[\w-]+\.outputs)/, `${f}/${job}/${s.name}: untrusted expression inside run`);
    }
    // The dispatch payload reaches rollback.yml once, as JSON in an environment variable.
    const payloadRefs = read("rollback.yml").match(/github\.event\.client_payload[\w.]*/g) ?? [];
    assert.ok(payloadRefs.length > 0);
    assert.equal(stepById("rollback.yml", "rollback", "payload").env!.PAYLOAD, "${{ toJSON(github.event.client_payload) }}");
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

  it("deploy.yml updates staging on push to main, through Deployments (waiting for the outcome) or the action", () => {
    const d = doc("deploy.yml");
    assert.deepEqual(d.on.push.branches, ["main"]);
    // The paths Pulumi Cloud's own triggers use (stacks/deployments): only these deserve a deployment.
    assert.deepEqual(d.on.push.paths, PATHS);
    assert.equal(d.jobs.staging.environment, "staging");
    const s = steps("deploy.yml", "staging");
    const deployment = stepById("deploy.yml", "staging", "deployment");
    assert.equal(deployment.if, "vars.PULUMI_DEPLOYMENTS == 'true'");
    assert.equal(deployment.shell, "bash");
    assert.deepEqual(deployment.env, {
      PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}",
      PULUMI_ORG: "${{ vars.PULUMI_ORG }}",
      PROJECT: YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")).name,
      STACK: "staging",
      TIMEOUT_MINUTES: "40",
      POLL_SECONDS: "15",
    });
    assert.ok(Number(deployment.env!.TIMEOUT_MINUTES) < d.jobs.staging["timeout-minutes"], "the step gives up before the job is killed");
    // Every other step is the action path, never run alongside Deployments.
    for (const x of s.filter((x) => x.id !== "deployment")) assert.equal(x.if, "vars.PULUMI_DEPLOYMENTS != 'true'", x.name ?? x.uses ?? x.run);
    const up = s.find((x) => x.uses?.startsWith("pulumi/actions@"))!;
    assert.equal(up.with!.command, "up");
  });

  it("no step stands in for a deployment by only saying it happens: both Deployments paths run the same waiting script", () => {
    for (const { f, job, s } of allSteps()) {
      // Steps that run because Deployments is on (not those that run because it is off: `!(...)`).
      if (!/(^|&& )vars\.PULUMI_DEPLOYMENTS == 'true'$/.test(s.if ?? "")) continue;
      assert.equal(s.run, stepById("deploy.yml", "staging", "deployment").run, `${f}/${job}/${s.name}`);
    }
    const rollback = stepById("rollback.yml", "rollback", "deployment");
    assert.equal(rollback.if, "steps.rollback.outputs.written == 'true' && steps.payload.outputs.stack == 'staging' && vars.PULUMI_DEPLOYMENTS == 'true'");
    assert.equal(rollback.env!.STACK, "staging");
    assert.ok(Number(rollback.env!.TIMEOUT_MINUTES) < doc("rollback.yml").jobs.rollback["timeout-minutes"], "the step gives up before the job is killed");
  });

  it("promote.yml: approval in its own job, then analyze before promote, decide, edit, commit, update, notify", () => {
    const p = doc("promote.yml");
    assert.deepEqual(p.on.workflow_dispatch.inputs.action.options, ["release", "promote", "rollback", "undo", "retire"]);
    // The approval waits without holding the production lock; the change runs inside it.
    assert.equal(p.jobs.approve.environment, "production");
    assert.equal(p.jobs.approve.concurrency, undefined);
    assert.equal(p.concurrency, undefined);
    assert.equal(p.jobs.change.needs, "approve");
    assert.equal(p.jobs.change.environment, "production-automation");
    const s = steps("promote.yml", "change");
    const at = (pred: (x: Step) => boolean) => s.findIndex(pred);
    const analyze = at((x) => !!x.run?.includes("modelship.js analyze"));
    const decide = at((x) => x.id === "decide");
    const edit = at((x) => !!x.run?.includes('modelship.js "$COMMAND"'));
    const commit = at((x) => !!x.run?.includes("git commit"));
    const up = at((x) => !!x.uses?.startsWith("pulumi/actions@"));
    const notify = at((x) => x.name === "Notify");
    assert.ok(analyze >= 0 && analyze < decide && decide < edit && edit < commit && commit < up && up < notify, "analyze, decide, edit, commit, update, notify, in that order");
    assert.equal(s[analyze].if, "inputs.action == 'promote'");
    assert.equal(s[edit].if, "steps.decide.outputs.command != 'hold'");
    for (const i of [commit, up]) assert.equal(s[i].if, "steps.edit.outputs.written == 'true'");
    assert.equal(s[notify].if, "always()");
    assert.equal(s[notify].env!.WEBHOOK_URL, "${{ secrets.NOTIFY_WEBHOOK_URL }}");
    assert.equal(s[up].with!.policyPackConfigs, "policies/production.json");
  });
});

describe("Scheduled advance and alert-driven rollback", function () {
  this.timeout(60_000);

  /** Evaluates a workflow expression with GitHub's own evaluator, for a given dispatch payload. */
  async function evaluate(template: string, payload: Record<string, string>): Promise<string> {
    const { Lexer, Parser, Evaluator, data } = await import("@actions/expressions");
    const inner = /^(.*)\$\{\{(.*)\}\}(.*)$/s.exec(template);
    if (!inner) return template;
    const expr = new Parser(new Lexer(inner[2]).lex().tokens, ["github"], []).parse();
    const clientPayload = new data.Dictionary();
    for (const [k, v] of Object.entries(payload)) clientPayload.add(k, new data.StringData(v));
    const event = new data.Dictionary();
    event.add("client_payload", clientPayload);
    const github = new data.Dictionary();
    github.add("event", event);
    const context = new data.Dictionary();
    context.add("github", github);
    return inner[1] + new Evaluator(expr, context).evaluate().coerceString() + inner[3];
  }

  it("advance.yml runs every five minutes and by hand, one run at a time per stack, queued, never cancelled", () => {
    const a = doc("advance.yml");
    assert.deepEqual(a.on.schedule, [{ cron: "*/5 * * * *" }]);
    assert.ok("workflow_dispatch" in a.on);
    assert.deepEqual(a.concurrency, { group: "advance-production", "cancel-in-progress": false, queue: "max" });
    const job = a.jobs.advance;
    assert.deepEqual(job.permissions, { contents: "write", "id-token": "write" });
    assert.ok(job["timeout-minutes"] > 0 && job["timeout-minutes"] <= 30);
    assert.equal(job.environment, "production-automation");
    assert.deepEqual(job.env, { STACK: "production", STACK_FILE: "Pulumi.production.yaml", BRANCH: "main" });
  });

  it("rollback.yml answers the modelship-rollback dispatch in advance.yml's group for the same stack", async () => {
    const r = doc("rollback.yml");
    assert.deepEqual(r.on, { repository_dispatch: { types: ["modelship-rollback"] } });
    assert.equal(r.concurrency["cancel-in-progress"], false);
    assert.equal(r.concurrency.queue, "max");
    const advanceGroup = doc("advance.yml").concurrency.group;
    // Whatever the payload claims, the group is one of the two stacks' groups; the job then
    // refuses anything but exactly "production" or "staging".
    for (const [payload, group, environment] of [
      [{}, advanceGroup, "production-automation"],
      [{ stack: "production" }, advanceGroup, "production-automation"],
      [{ stack: "evil" }, advanceGroup, "production-automation"],
      [{ stack: "staging" }, "advance-staging", "staging"],
    ] as const) {
      assert.equal(await evaluate(r.concurrency.group, payload), group, JSON.stringify(payload));
      assert.equal(await evaluate(r.jobs.rollback.environment, payload), environment, JSON.stringify(payload));
    }
    assert.deepEqual(r.jobs.rollback.permissions, { contents: "write", "id-token": "write" });
    assert.ok(r.jobs.rollback["timeout-minutes"] > 0 && r.jobs.rollback["timeout-minutes"] <= 30);
  });

  it("promote.yml's change job takes the same group, queued the same way", () => {
    const a = doc("advance.yml");
    assert.deepEqual(doc("promote.yml").jobs.change.concurrency, a.concurrency);
  });

  it("advance.yml: decide, then only if the stack file was written commit, credentials, kubeconfig, pulumi up with the policy pack as promote.yml does; notify on change or failure", () => {
    const s = steps("advance.yml", "advance");
    const at = (pred: (x: Step) => boolean) => s.findIndex(pred);
    const checkout = at((x) => !!x.uses?.startsWith("actions/checkout@"));
    const decide = at((x) => x.id === "advance");
    const commit = at((x) => !!x.run?.includes("git commit"));
    const aws = at((x) => !!x.uses?.startsWith("aws-actions/configure-aws-credentials@"));
    const kube = at((x) => !!x.run?.includes("aws eks update-kubeconfig"));
    const up = at((x) => !!x.uses?.startsWith("pulumi/actions@"));
    const notify = at((x) => x.name === "Notify");
    assert.ok(checkout >= 0 && checkout < decide && decide < commit && commit < aws && aws < kube && kube < up && up < notify);
    assert.deepEqual(s[checkout].with, { ref: "main" });
    assert.match(s[decide].run!, /modelship\.js advance --stack "\$STACK" --all --json --prometheus "\$PROMETHEUS_URL"/);
    assert.equal(s[decide].env!.PROMETHEUS_URL, "${{ secrets.PRODUCTION_PROMETHEUS_URL }}");
    for (const i of [commit, aws, kube, up]) assert.equal(s[i].if, "steps.advance.outputs.written == 'true'");
    assert.equal(s[notify].if, "failure() || cancelled() || steps.advance.outputs.written == 'true'");
    // The update is promote.yml's, to the letter, but for its message.
    const promoteUp = steps("promote.yml", "change").find((x) => x.uses?.startsWith("pulumi/actions@"))!;
    const { message: _a, ...upWith } = s[up].with!;
    const { message: _b, ...promoteWith } = promoteUp.with!;
    assert.deepEqual(upWith, promoteWith);
    assert.deepEqual(s[up].env, promoteUp.env);
    assert.deepEqual(s[aws].with, steps("promote.yml", "change").find((x) => x.uses?.startsWith("aws-actions/"))!.with);
  });

  it("rollback.yml: validate the payload first, then roll back, commit, update (staging through Deployments when enabled), notify always", () => {
    const s = steps("rollback.yml", "rollback");
    assert.equal(s[0].id, "payload", "the payload is checked before anything else runs");
    const at = (pred: (x: Step) => boolean) => s.findIndex(pred);
    const roll = at((x) => x.id === "rollback");
    const commit = at((x) => !!x.run?.includes("git commit"));
    const up = at((x) => !!x.uses?.startsWith("pulumi/actions@"));
    const notify = at((x) => x.name === "Notify");
    assert.ok(roll > 0 && roll < commit && commit < up && up < notify);
    assert.equal(s[commit].if, "steps.rollback.outputs.written == 'true'");
    assert.equal(s[up].if, "steps.rollback.outputs.written == 'true' && !(steps.payload.outputs.stack == 'staging' && vars.PULUMI_DEPLOYMENTS == 'true')");
    assert.equal(s[up].with!["stack-name"], "${{ vars.PULUMI_ORG }}/${{ steps.payload.outputs.stack }}");
    assert.equal(s[up].with!.policyPacks, "policies");
    assert.equal(s[up].with!.policyPackConfigs, "policies/${{ steps.payload.outputs.stack }}.json");
    assert.equal(s[notify].if, "always()");
    for (const k of ["MODEL", "STACK", "STACK_FILE"]) assert.equal(s[roll].env![k], `\${{ steps.payload.outputs.${k.toLowerCase()} }}`);
  });

  it("the commit-and-push step is the same text in all three workflows, and never forces", () => {
    const texts = [
      steps("advance.yml", "advance").find((x) => x.run?.includes("git commit"))!.run,
      steps("rollback.yml", "rollback").find((x) => x.run?.includes("git commit"))!.run,
      steps("promote.yml", "change").find((x) => x.run?.includes("git commit"))!.run,
    ];
    assert.equal(texts[1], texts[0]);
    assert.equal(texts[2], texts[0]);
    assert.doesNotMatch(texts[0]!, /--force|push -f|\+HEAD|\+refs/);
  });

  it("every script that branches on an exit code is bash with a whitelist and a failing default, and is executed below", () => {
    const executed = new Set(["advance.yml/advance/advance", "promote.yml/change/analyze", "rollback.yml/rollback/rollback"]);
    const found = new Set<string>();
    for (const { f, job, s } of allSteps()) {
      if (!s.run?.includes("$?")) continue;
      found.add(`${f}/${job}/${s.id}`);
      assert.equal(s.shell, "bash", `${f}/${s.id}: shell: bash gives -eo pipefail`);
      assert.doesNotMatch(s.run, /\$\{\{/, `${f}/${s.id}: the test runs this script verbatim, so it must not need expressions`);
      // Each captured code is met, before anything else runs, by a whitelist whose default fails:
      // 0|1|2 for advance and analyze, 0 alone for status and rollback.
      const segments = s.run.split("code=$?").slice(1);
      assert.ok(segments.length > 0);
      for (const seg of segments) {
        const check = /^\n\s*set -e\n\s*echo "[^"\n]*\$code"\n(?:\s*#.*\n)*\s*case "\$code" in\n\s*0 \| 1 \| 2\) ;;\n\s*\*\)\n[\s\S]*?exit 1\n\s*;;\n\s*esac\n/;
        const zeroOnly = /^\n\s*set -e\n(?:\s*#.*\n)*\s*(?:case "\$code" in\n\s*0\) ;;\n\s*\*\)\n[\s\S]*?exit 1\n\s*;;\n\s*esac\n|if \[ "\$code" -ne 0 \]; then\n[\s\S]*?exit 1\n\s*fi\n)/;
        assert.ok(check.test(seg) || zeroOnly.test(seg), `${f}/${s.id}: the code is not checked at once:\n${seg.slice(0, 400)}`);
      }
    }
    assert.deepEqual([...found].sort(), [...executed].sort());
  });
});

describe("Workflow scripts, executed: no verdict, no action", function () {
  this.timeout(120_000);
  after(removeSandboxes);

  const PROM = "http://prometheus.test:9090";
  const ADVANCE = doc("advance.yml").jobs.advance;
  const advanceStep = stepById("advance.yml", "advance", "advance");

  const entry = (model: string, action: string, from: number | null, to: number | null, verdict: string | null, reasons: string[] = []) => ({ model, action, from, to, verdict, reasons });
  const report = (written: boolean, models: object[]) => ({ stack: "production", written, file: "Pulumi.production.yaml", models });
  const promoted = report(true, [entry("fraud-detector", "promote", 10, 25, "pass", ["error ratio 0.10% vs 0.12%", "p99 41 ms vs 40 ms"]), entry("churn", "none", null, null, null)]);
  const rolledBack = report(true, [entry("fraud-detector", "rollback", 10, 0, "fail", ["error ratio 2.1% vs 0.1%"]), entry("ranker", "hold", 25, 25, "inconclusive", ["120 of 300 requests"])]);
  const held = report(false, [entry("fraud-detector", "hold", 10, 10, "inconclusive", ["too few requests on green"])]);
  const nothing = report(false, [entry("churn", "none", null, null, null)]);
  const STACK_FILE = "Pulumi.production.yaml";

  function advance(fake: Fake, prometheus = PROM) {
    const box = sandbox();
    const r = runStep(advanceStep, box.repo, { ...box.env, ...stepEnv(ADVANCE, advanceStep, { PROMETHEUS_URL: prometheus }), FAKE: JSON.stringify(fake) });
    return { box, r, out: box.output() };
  }

  for (const [name, code, json, written] of [
    ["0, promoted", 0, promoted, true],
    ["1, rolled back (and one held)", 1, rolledBack, true],
    ["2, held", 2, held, false],
    ["0, nothing to do", 0, nothing, false],
    ["1, a stalled step rolled back (rollout.onStall: rollback)", 1, report(true, [entry("fraud-detector", "rollback", 25, 0, "inconclusive", ["stalled: no verdict for 2h"])]), true],
  ] as const) {
    it(`advance proceeds on exit ${name}: written=${written}`, () => {
      const { box, r, out } = advance({ advance: { code, stdout: json, write: written ? STACK_FILE : undefined } });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.deepEqual(out, { written: String(written) });
      assert.deepEqual(box.calls(), [["advance", "--stack", "production", "--all", "--json", "--prometheus", PROM]]);
      assert.match(box.summary(), /\| model \| action \| from % \| to % \| verdict \| reasons \|/);
      for (const m of json.models as { model: string; action: string }[]) assert.match(box.summary(), new RegExp(`\\| ${m.model} \\| ${m.action} \\|`));
      assert.equal(box.tempFile("commit-message.txt") !== undefined, written);
      assert.ok(box.tempFile("notify.txt"));
    });
  }

  it("advance's commit message lists each model's action, verdict and reasons", () => {
    const { box } = advance({ advance: { code: 1, stdout: rolledBack, write: STACK_FILE } });
    const message = box.tempFile("commit-message.txt")!;
    assert.equal(message.split("\n")[0], "modelship advance production: rollback fraud-detector 10% -> 0%");
    assert.match(message, /^fraud-detector: rollback 10% -> 0% \(fail\)\n {2}- error ratio 2\.1% vs 0\.1%$/m);
    assert.match(message, /^ranker: hold \(inconclusive\)\n {2}- 120 of 300 requests$/m);
    assert.match(message, /https:\/\/github\.com\/acme\/modelship\/actions\/runs\/4242/);
  });

  const failing: [string, Fake, string?][] = [
    ["exit 3 (error), even with a report", { advance: { code: 3, stdout: held } }],
    ["exit 3 after writing the file", { advance: { code: 3, stdout: promoted, write: STACK_FILE } }],
    ["exit 70 (a crash), no output", { advance: { code: 70, stdout: "" } }],
    ["exit 70 with a report", { advance: { code: 70, stdout: promoted, write: STACK_FILE } }],
    ["exit 130 (a signal)", { advance: { code: 130 } }],
    ["exit 0 and no output", { advance: { code: 0, stdout: "" } }],
    ["exit 0 and output that is not JSON", { advance: { code: 0, stdout: "promoted fraud-detector" } }],
    ["exit 1 and truncated JSON", { advance: { code: 1, stdout: JSON.stringify(rolledBack).slice(0, 40), write: STACK_FILE } }],
    ["exit 0 and a JSON array", { advance: { code: 0, stdout: "[]" } }],
    ["a report for another stack", { advance: { code: 2, stdout: { ...held, stack: "staging" } } }],
    ["a report naming another file", { advance: { code: 2, stdout: { ...held, file: "Pulumi.staging.yaml" } } }],
    ["no 'written'", { advance: { code: 2, stdout: { ...held, written: "no" } } }],
    ["a model name that is not a DNS label", { advance: { code: 2, stdout: report(false, [entry("Fraud Detector", "hold", 10, 10, "inconclusive")]) } }],
    ["an unknown action", { advance: { code: 0, stdout: report(true, [entry("fraud-detector", "advance", 10, 25, "pass")]), write: STACK_FILE } }],
    ["reasons that are not strings", { advance: { code: 2, stdout: report(false, [{ ...entry("fraud-detector", "hold", 10, 10, "inconclusive"), reasons: "few" }]) } }],
    ["a weight over 100", { advance: { code: 0, stdout: report(true, [entry("fraud-detector", "promote", 50, 150, "pass")]), write: STACK_FILE } }],
    ["a promote without a pass verdict", { advance: { code: 0, stdout: report(true, [entry("fraud-detector", "promote", 10, 25, "inconclusive")]), write: STACK_FILE } }],
    ["a promote with verdict error", { advance: { code: 0, stdout: report(true, [entry("fraud-detector", "promote", 10, 25, "error")]), write: STACK_FILE } }],
    ["a rollback without a verdict", { advance: { code: 1, stdout: report(true, [entry("fraud-detector", "rollback", 10, 0, null)]), write: STACK_FILE } }],
    ["a rollback with verdict pass", { advance: { code: 1, stdout: report(true, [entry("fraud-detector", "rollback", 10, 0, "pass")]), write: STACK_FILE } }],
    ["a rollback with verdict error", { advance: { code: 1, stdout: report(true, [entry("fraud-detector", "rollback", 10, 0, "error")]), write: STACK_FILE } }],
    ["exit 1 without a rollback in the report", { advance: { code: 1, stdout: promoted, write: STACK_FILE } }],
    ["exit 0 with a hold in the report", { advance: { code: 0, stdout: held } }],
    ["exit 2 without a hold in the report", { advance: { code: 2, stdout: nothing } }],
    ["written=true with only holds", { advance: { code: 2, stdout: { ...held, written: true }, write: STACK_FILE } }],
    ["written=true but the file unchanged", { advance: { code: 0, stdout: promoted } }],
    ["written=false but the file changed", { advance: { code: 2, stdout: held, write: STACK_FILE } }],
    ["another file written too", { advance: { code: 0, stdout: promoted, write: STACK_FILE, other: "Pulumi.staging.yaml.bak" } }],
    ["no Prometheus URL", { advance: { code: 0, stdout: nothing } }, ""],
  ];
  for (const [name, fake, prometheus] of failing) {
    it(`advance fails the job and writes no outputs on ${name}`, () => {
      const { box, r, out } = advance(fake, prometheus ?? PROM);
      assert.notEqual(r.status, 0, r.stdout + r.stderr);
      assert.deepEqual(out, {}, "no 'written' output, so no commit and no update");
      assert.match(r.stdout, /::error::.*(no verdict, no action)/);
      assert.match(box.summary(), /no verdict, no action/);
      assert.equal(box.tempFile("commit-message.txt"), undefined);
      if (prometheus === "") assert.deepEqual(box.calls(), [], "advance never ran");
    });
  }

  it("advance treats reasons as text: nothing in them runs, and none starts a line or a workflow command", () => {
    const evil = ["$(touch pwned) `touch pwned2`; touch pwned3", "two\nlines ::error::injected", '"; exit 0; "'];
    const json = report(true, [entry("fraud-detector", "rollback", 10, 0, "fail", evil)]);
    const { box, r, out } = advance({ advance: { code: 1, stdout: json, write: STACK_FILE } });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.deepEqual(out, { written: "true" });
    for (const f of ["pwned", "pwned2", "pwned3"]) {
      assert.ok(!fs.existsSync(path.join(box.repo, f)) && !fs.existsSync(path.join(box.dir, f)), `${f} was created`);
    }
    const message = box.tempFile("commit-message.txt")!;
    assert.ok(message.includes("$(touch pwned) `touch pwned2`; touch pwned3"));
    assert.ok(message.includes("two lines ::error::injected"));
    assert.doesNotMatch(message + box.tempFile("notify.txt") + box.summary(), /^\s*::/m);
  });

  describe("promote.yml's analysis gate", () => {
    const CHANGE = doc("promote.yml").jobs.change;
    const analyzeStep = stepById("promote.yml", "change", "analyze");
    const decideStep = stepById("promote.yml", "change", "decide");
    const editStep = stepById("promote.yml", "change", "edit");
    const inputs = { MODEL: "fraud-detector", ACTION: "promote", VERSION: "", IMAGE: "" };

    function analyze(fake: Fake) {
      const box = sandbox();
      const r = runStep(analyzeStep, box.repo, { ...box.env, ...stepEnv(CHANGE, analyzeStep, { ...inputs, PROMETHEUS_URL: PROM }), FAKE: JSON.stringify(fake) });
      return { box, r, out: box.output() };
    }
    function decide(action: string, verdict: string) {
      const box = sandbox();
      const r = runStep(decideStep, box.repo, { ...box.env, ...stepEnv(CHANGE, decideStep, { ...inputs, ACTION: action, VERDICT: verdict }) });
      return { r, out: box.output() };
    }

    for (const [code, verdict] of [[0, "pass"], [1, "fail"], [2, "inconclusive"]] as const) {
      it(`analyze exit ${code} with verdict ${verdict}: the verdict goes on`, () => {
        const { box, r, out } = analyze({ analyze: { code, stdout: { verdict, reasons: ["error ratio 0.1% vs 0.1%", "p99 ok"] } } });
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.deepEqual(out, { verdict, reasons: "error ratio 0.1% vs 0.1%; p99 ok" });
        assert.deepEqual(box.calls(), [["analyze", "--stack", "production", "--model", "fraud-detector", "--prometheus", PROM, "--json"]]);
      });
    }

    for (const [name, fake] of [
      ["exit 3 (error)", { analyze: { code: 3, stdout: { verdict: "error", reasons: ["prometheus unreachable"] } } }],
      ["exit 70 (a crash)", { analyze: { code: 70, stdout: "" } }],
      ["exit 0 without JSON", { analyze: { code: 0, stdout: "pass" } }],
      ["exit 0 with no output", { analyze: { code: 0, stdout: "" } }],
      ["exit 0 but verdict fail", { analyze: { code: 0, stdout: { verdict: "fail", reasons: [] } } }],
      ["exit 1 but verdict pass", { analyze: { code: 1, stdout: { verdict: "pass", reasons: [] } } }],
      ["exit 2 without reasons", { analyze: { code: 2, stdout: { verdict: "inconclusive" } } }],
    ] as [string, Fake][]) {
      it(`analyze ${name}: the step fails, no verdict comes out`, () => {
        const { r, out } = analyze(fake);
        assert.notEqual(r.status, 0, r.stdout + r.stderr);
        assert.deepEqual(out, {});
        assert.match(r.stdout, /::error::.*no verdict, no action/);
      });
    }

    for (const [action, verdict, command] of [
      ["promote", "pass", "promote"],
      ["promote", "fail", "rollback"],
      ["promote", "inconclusive", "hold"],
      ["release", "", "release"],
      ["rollback", "", "rollback"],
      ["undo", "", "undo"],
      ["retire", "", "retire"],
    ]) {
      it(`decide: ${action}${verdict ? ` with ${verdict}` : ""} runs ${command}`, () => {
        const { r, out } = decide(action, verdict);
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.deepEqual(out, { command });
      });
    }
    for (const verdict of ["", "error", "PASS", "pass; rm -rf /"]) {
      it(`decide: a promote with verdict ${JSON.stringify(verdict)} fails, nothing is decided`, () => {
        const { r, out } = decide("promote", verdict);
        assert.notEqual(r.status, 0);
        assert.deepEqual(out, {});
      });
    }

    it("edit: a change to the stack file alone is committed; a no-op is not; a refusal or a stray file fails", () => {
      const edit = (fake: Fake, command: string) => {
        const box = sandbox();
        const values = { ...inputs, COMMAND: command, VERDICT: command === "rollback" ? "fail" : "pass", REASONS: "error ratio 2% vs 0.1%" };
        const r = runStep(editStep, box.repo, { ...box.env, ...stepEnv(CHANGE, editStep, values), FAKE: JSON.stringify(fake) });
        return { box, r, out: box.output() };
      };
      let e = edit({ rollback: { code: 0, write: STACK_FILE } }, "rollback");
      assert.equal(e.r.status, 0, e.r.stdout + e.r.stderr);
      assert.deepEqual(e.out, { written: "true" });
      assert.equal(e.box.tempFile("commit-message.txt")!.split("\n")[0], "modelship: rollback fraud-detector in production (analysis fail: error ratio 2% vs 0.1%)");
      e = edit({ rollback: { code: 0 } }, "rollback");
      assert.equal(e.r.status, 0);
      assert.deepEqual(e.out, { written: "false" });
      e = edit({ promote: { code: 1 } }, "promote");
      assert.notEqual(e.r.status, 0);
      assert.deepEqual(e.out, {});
      e = edit({ promote: { code: 0, write: STACK_FILE, other: "stray.txt" } }, "promote");
      assert.notEqual(e.r.status, 0);
      assert.deepEqual(e.out, {});
    });
  });

  describe("rollback.yml", () => {
    const JOB = doc("rollback.yml").jobs.rollback;
    const payloadStep = stepById("rollback.yml", "rollback", "payload");
    const rollbackStep = stepById("rollback.yml", "rollback", "rollback");

    function validate(payload: unknown, ref = "refs/heads/main") {
      const box = sandbox();
      const text = typeof payload === "string" ? payload : JSON.stringify(payload);
      const r = runStep(payloadStep, box.repo, { ...box.env, GITHUB_REF: ref, ...stepEnv(JOB, payloadStep, { PAYLOAD: text }) });
      return { r, out: box.output() };
    }

    for (const [payload, expected] of [
      [{ model: "fraud-detector" }, { model: "fraud-detector", stack: "production", stack_file: "Pulumi.production.yaml", track: "", alert: "" }],
      [{ model: "fraud-detector", stack: "staging", track: "green", alert: "ModelTrackErrorRatioDivergence" }, { model: "fraud-detector", stack: "staging", stack_file: "Pulumi.staging.yaml", track: "green", alert: "ModelTrackErrorRatioDivergence" }],
      [{ model: "a" }, { model: "a", stack: "production", stack_file: "Pulumi.production.yaml", track: "", alert: "" }],
      [{ model: `m${"x".repeat(62)}` }, { model: `m${"x".repeat(62)}`, stack: "production", stack_file: "Pulumi.production.yaml", track: "", alert: "" }],
    ] as const) {
      it(`accepts ${JSON.stringify(payload).slice(0, 80)}`, () => {
        const { r, out } = validate(payload);
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.deepEqual(out, expected);
      });
    }

    for (const payload of [
      null,
      "null",
      "not json",
      [],
      {},
      { model: "" },
      { model: 5 },
      { model: ["fraud-detector"] },
      { model: "Fraud-detector" },
      { model: "fraud_detector" },
      { model: "1fraud" },
      { model: "fraud-" },
      { model: "-fraud" },
      { model: `m${"x".repeat(63)}` },
      { model: "fraud-detector\n" },
      { model: "fraud-detector; rm -rf /" },
      { model: "$(id)" },
      { model: "fraud-detector", stack: "prod" },
      { model: "fraud-detector", stack: "Production" },
      { model: "fraud-detector", stack: "review" },
      { model: "fraud-detector", stack: ["production"] },
      { model: "fraud-detector", track: "red" },
      { model: "fraud-detector", alert: "x\ny" },
      { model: "fraud-detector", ref: "refs/heads/evil" },
    ]) {
      it(`rejects client_payload ${JSON.stringify(payload)}`, () => {
        const { r, out } = validate(payload === null ? "null" : payload);
        assert.notEqual(r.status, 0, r.stdout + r.stderr);
        assert.deepEqual(out, {});
        assert.match(r.stdout, /::error::/);
      });
    }

    it("runs from main only", () => {
      const { r, out } = validate({ model: "fraud-detector" }, "refs/heads/feature");
      assert.notEqual(r.status, 0);
      assert.deepEqual(out, {});
    });

    const status = (stable: string) => ({ code: 0, stdout: { stack: "production", models: [{ name: "fraud-detector", stable, candidate: stable === "blue" ? "green" : "blue" }] } });
    function roll(fake: Fake, values: Partial<Record<"TRACK" | "ALERT" | "STACK", string>> = {}) {
      const box = sandbox();
      const stack = values.STACK ?? "production";
      const env = stepEnv(JOB, rollbackStep, { MODEL: "fraud-detector", STACK: stack, STACK_FILE: `Pulumi.${stack}.yaml`, TRACK: values.TRACK ?? "", ALERT: values.ALERT ?? "" });
      const r = runStep(rollbackStep, box.repo, { ...box.env, ...env, FAKE: JSON.stringify(fake) });
      return { box, r, out: box.output() };
    }

    it("the real `modelship status --json` gives what the step reads: one model, its name and stable track", () => {
      const r = spawnSync(process.execPath, [path.join(ROOT, "stacks", "bin", "modelship.js"), "status", "--stack", "production", "--model", "fraud-detector", "--json"], { cwd: FIXTURE, encoding: "utf8", timeout: 60_000 });
      assert.equal(r.status, 0, r.stderr);
      const s = JSON.parse(r.stdout);
      assert.equal(s.models.length, 1);
      assert.equal(s.models[0].name, "fraud-detector");
      assert.ok(["blue", "green"].includes(s.models[0].stable));
    });

    it("rolls back the candidate the alert names and commits the stack file", () => {
      const { box, r, out } = roll({ status: status("blue"), rollback: { code: 0, write: STACK_FILE } }, { TRACK: "green", ALERT: "ModelTrackErrorRatioDivergence" });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.deepEqual(out, { written: "true" });
      assert.deepEqual(box.calls(), [
        ["status", "--stack", "production", "--model", "fraud-detector", "--json"],
        ["rollback", "--stack", "production", "--model", "fraud-detector"],
      ]);
      assert.equal(box.tempFile("commit-message.txt")!.split("\n")[0], "modelship rollback fraud-detector in production (alert ModelTrackErrorRatioDivergence on green)");
    });

    it("a second rollback (already on stable) succeeds with nothing to commit", () => {
      const { r, out } = roll({ status: status("blue"), rollback: { code: 0 } });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.deepEqual(out, { written: "false" });
    });

    it("does not roll back when the alert is on the stable track", () => {
      const { box, r, out } = roll({ status: status("blue"), rollback: { code: 0, write: STACK_FILE } }, { TRACK: "blue" });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.deepEqual(out, { written: "false" });
      assert.deepEqual(box.calls().map((c) => c[0]), ["status"]);
      assert.match(box.tempFile("notify.txt")!, /stable track/);
    });

    it("works on staging's stack file", () => {
      const { r, out } = roll({ status: status("green"), rollback: { code: 0, write: "Pulumi.staging.yaml" } }, { STACK: "staging" });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.deepEqual(out, { written: "true" });
    });

    for (const [name, fake] of [
      ["rollback refused (exit 1, e.g. after a completed promotion)", { status: status("blue"), rollback: { code: 1 } }],
      ["rollback exit 2", { status: status("blue"), rollback: { code: 2 } }],
      ["rollback crash (exit 70) after writing", { status: status("blue"), rollback: { code: 70, write: STACK_FILE } }],
      ["a rollback that writes another file", { status: status("blue"), rollback: { code: 0, write: STACK_FILE, other: "x.txt" } }],
      ["status fails (unknown model)", { status: { code: 1 }, rollback: { code: 0, write: STACK_FILE } }],
      ["status prints no JSON", { status: { code: 0, stdout: "fraud-detector: blue" }, rollback: { code: 0, write: STACK_FILE } }],
      ["status describes another model", { status: { code: 0, stdout: { models: [{ name: "churn", stable: "blue" }] } }, rollback: { code: 0, write: STACK_FILE } }],
    ] as [string, Fake][]) {
      it(`fails with nothing to commit when ${name}`, () => {
        const { r, out } = roll(fake, { TRACK: "green" });
        assert.notEqual(r.status, 0, r.stdout + r.stderr);
        assert.deepEqual(out, {});
      });
    }
  });

  describe("commit and push, against a real remote", () => {
    const pushStep = steps("advance.yml", "advance").find((x) => x.run?.includes("git commit"))!;

    /** An origin with main, a shallow clone of it as actions/checkout makes, and the stack file edited. */
    function setup(hook?: string) {
      const box = sandbox();
      const origin = path.join(box.dir, "origin.git");
      git(box.dir, "clone", "--quiet", "--bare", box.repo, origin);
      if (hook) {
        fs.writeFileSync(path.join(origin, "hooks", "pre-receive"), hook, { mode: 0o755 });
      }
      const work = path.join(box.dir, "work");
      git(box.dir, "clone", "--quiet", "--depth", "1", "--branch", "main", `file://${origin}`, work);
      fs.appendFileSync(path.join(work, STACK_FILE), "# promoted\n");
      fs.writeFileSync(path.join(box.temp, "commit-message.txt"), "modelship advance production: promote fraud-detector 10% -> 25%\n\nfraud-detector: promote (pass)\n");
      const upstream = (file: string, text: string) => {
        fs.appendFileSync(path.join(box.repo, file), text);
        git(box.repo, "commit", "--quiet", "-am", `upstream: ${file}`);
        git(box.repo, "push", "--quiet", origin, "HEAD:refs/heads/main");
      };
      const run = () => runStep(pushStep, work, { ...box.env, ...stepEnv(ADVANCE, pushStep, {}) });
      const log = () => git(origin, "log", "--format=%s", "main").split("\n");
      return { box, origin, work, upstream, run, log };
    }

    it("pushes one commit holding the stack file alone", () => {
      const t = setup();
      const r = t.run();
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.deepEqual(t.log(), ["modelship advance production: promote fraud-detector 10% -> 25%", "initial"]);
      assert.equal(git(t.origin, "show", "--name-only", "--format=", "main"), STACK_FILE);
    });

    it("rebases onto a main that moved elsewhere, then pushes", () => {
      const t = setup();
      t.upstream("Pulumi.staging.yaml", "# someone else\n");
      const r = t.run();
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.deepEqual(t.log(), ["modelship advance production: promote fraud-detector 10% -> 25%", "upstream: Pulumi.staging.yaml", "initial"]);
    });

    it("fails, pushing nothing, when main changed the stack file meanwhile", () => {
      const t = setup();
      t.upstream(STACK_FILE, "# a release by hand\n");
      const r = t.run();
      assert.notEqual(r.status, 0);
      assert.match(r.stdout, /::error::Pulumi\.production\.yaml changed on main since this run read it/);
      assert.deepEqual(t.log(), [`upstream: ${STACK_FILE}`, "initial"]);
    });

    it("gives up after three rejected pushes, and never forces", () => {
      const t = setup(`#!/bin/sh\necho attempt >> "${"$"}GIT_DIR/attempts"\nwhile read old new ref; do echo "$old $new $ref" >> "${"$"}GIT_DIR/updates"; done\nexit 1\n`);
      const r = t.run();
      assert.notEqual(r.status, 0);
      assert.match(r.stdout, /rejected the push 3 times/);
      assert.equal(fs.readFileSync(path.join(t.origin, "attempts"), "utf8").trim().split("\n").length, 3);
      assert.deepEqual(t.log(), ["initial"]);
    });

    it("refuses to commit anything but the stack file", () => {
      const t = setup();
      fs.writeFileSync(path.join(t.work, "stray.txt"), "x");
      git(t.work, "add", "stray.txt");
      const r = t.run();
      assert.notEqual(r.status, 0);
      assert.deepEqual(t.log(), ["initial"]);
    });
  });
});

describe("docs/alertmanager.md: what it sets up reaches rollback.yml and passes its checks", function () {
  this.timeout(60_000);
  after(removeSandboxes);

  const text = fs.readFileSync(path.join(ROOT, "docs", "alertmanager.md"), "utf8");
  const blocks = (lang: string) => [...text.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)\\n```", "g"))].map((m) => m[1]);
  const JOB = doc("rollback.yml").jobs.rollback;
  const payloadStep = stepById("rollback.yml", "rollback", "payload");
  /** Runs rollback.yml's own validation on a client_payload. */
  function validate(clientPayload: unknown) {
    const box = sandbox();
    const r = runStep(payloadStep, box.repo, { ...box.env, ...stepEnv(JOB, payloadStep, { PAYLOAD: JSON.stringify(clientPayload) }) });
    return { status: r.status, out: box.output(), log: r.stdout };
  }
  const labels = { alertname: "ModelTrackErrorRatioDivergence", model: "fraud-detector", track: "green", namespace: "ml-production", severity: "warning" };

  it("option A: the webhook payload renders the body GitHub expects, and rollback.yml accepts its client_payload", () => {
    const config = YAML.parse(blocks("yaml").find((b) => b.includes("payload:"))!);
    const webhook = config.receivers.find((r: any) => r.webhook_configs).webhook_configs[0];
    assert.match(webhook.url, /^https:\/\/api\.github\.com\/repos\/[\w.-]+\/[\w.-]+\/dispatches$/);
    assert.equal(webhook.send_resolved, false);
    assert.equal(webhook.max_alerts, 1);
    assert.ok(webhook.http_config.authorization.credentials_file);
    assert.deepEqual(Object.keys(webhook.payload).sort(), ["client_payload", "event_type"]);
    assert.equal(webhook.payload.event_type, "modelship-rollback");
    assert.deepEqual(doc("rollback.yml").on.repository_dispatch.types, [webhook.payload.event_type]);
    // Only `{{ .CommonLabels.<name> | toJson }}` is used, so rendering it is a plain substitution.
    const template: string = webhook.payload.client_payload;
    const rendered = template.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_, expr: string) => {
      const m = /^\.CommonLabels\.(\w+) \| toJson$/.exec(expr);
      assert.ok(m, `unexpected template expression ${expr}`);
      return JSON.stringify((labels as Record<string, string>)[m[1]] ?? "");
    });
    const clientPayload = JSON.parse(rendered);
    assert.deepEqual(clientPayload, { model: "fraud-detector", track: "green", alert: "ModelTrackErrorRatioDivergence", stack: "production" });
    const v = validate(clientPayload);
    assert.equal(v.status, 0, v.log);
    assert.deepEqual(v.out, { model: "fraud-detector", stack: "production", stack_file: "Pulumi.production.yaml", track: "green", alert: "ModelTrackErrorRatioDivergence" });
    // A group without a common model label renders "" and is refused.
    assert.notEqual(validate({ ...clientPayload, model: "" }).status, 0);
    // The route groups per model and track and matches the stack's namespace.
    const route = config.route.routes.find((r: any) => r.receiver === "modelship-rollback-production");
    assert.deepEqual(route.group_by, ["namespace", "model", "track"]);
    assert.ok(route.matchers.includes('namespace = "ml-production"'));
  });

  it("option B: the relay sends one dispatch per firing model and track, GitHub's way, and asks Alertmanager to retry when GitHub fails", async () => {
    const { createServer } = await import("http");
    const { spawn } = await import("child_process");
    const relaySource = blocks("js").find((b) => b.startsWith("// modelship-alert-relay"));
    assert.ok(relaySource, "the relay is in the doc");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "modelship-relay-"));
    fs.writeFileSync(path.join(dir, "relay.mjs"), relaySource);
    fs.writeFileSync(path.join(dir, "github-token"), "ghs_test\n");
    fs.writeFileSync(path.join(dir, "relay-token"), "am-secret\n");

    const received: { url: string; headers: Record<string, unknown>; body: any }[] = [];
    let githubStatus = 204;
    const github = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        received.push({ url: req.url!, headers: req.headers, body: JSON.parse(body) });
        res.writeHead(githubStatus).end();
      });
    });
    await new Promise<void>((ok) => github.listen(0, "127.0.0.1", ok));
    const githubPort = (github.address() as { port: number }).port;
    const free = createServer();
    await new Promise<void>((ok) => free.listen(0, "127.0.0.1", ok));
    const relayPort = (free.address() as { port: number }).port;
    await new Promise((ok) => free.close(ok));

    const relay = spawn(process.execPath, [path.join(dir, "relay.mjs")], {
      env: {
        PATH: process.env.PATH,
        GITHUB_REPOSITORY: "acme/modelship",
        MODELSHIP_STACK: "production",
        GITHUB_TOKEN_FILE: path.join(dir, "github-token"),
        RELAY_TOKEN_FILE: path.join(dir, "relay-token"),
        GITHUB_API_URL: `http://127.0.0.1:${githubPort}`,
        PORT: String(relayPort),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let relayLog = "";
    relay.stdout!.on("data", (c) => (relayLog += c));
    relay.stderr!.on("data", (c) => (relayLog += c));
    const post = async (body: unknown, auth = "Bearer am-secret") => {
      for (let i = 0; ; i++) {
        try {
          const r = await fetch(`http://127.0.0.1:${relayPort}/`, { method: "POST", headers: { authorization: auth, "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });
          return r.status;
        } catch (e) {
          if (i > 50) throw new Error(`relay not answering: ${relayLog}`);
          await new Promise((ok) => setTimeout(ok, 100));
        }
      }
    };
    const alert = (status: string, l: Record<string, string>) => ({ status, labels: l, annotations: {}, startsAt: "2026-01-01T00:00:00Z", endsAt: "0001-01-01T00:00:00Z", generatorURL: "", fingerprint: "x" });
    const webhook = (alerts: object[]) => ({ version: "4", groupKey: "{}", truncatedAlerts: 0, status: "firing", receiver: "modelship-rollback-production", groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: "", alerts });
    try {
      // Two alerts on one model and track make one dispatch; a resolved one and a bad label none.
      const status = await post(
        webhook([
          alert("firing", labels),
          alert("firing", { ...labels, alertname: "ModelErrorRatioCritical" }),
          alert("resolved", { ...labels, model: "ranker" }),
          alert("firing", { ...labels, model: "Bad Name" }),
        ]),
      );
      assert.equal(status, 200, relayLog);
      assert.equal(received.length, 1);
      const [d] = received;
      assert.equal(d.url, "/repos/acme/modelship/dispatches");
      assert.equal(d.headers.authorization, "Bearer ghs_test");
      assert.equal(d.headers.accept, "application/vnd.github+json");
      assert.equal(d.headers["x-github-api-version"], "2022-11-28");
      assert.ok(d.headers["user-agent"]);
      assert.equal(d.body.event_type, "modelship-rollback");
      assert.deepEqual(d.body.client_payload, { model: "fraud-detector", stack: "production", track: "green", alert: "ModelErrorRatioCritical" });
      const v = validate(d.body.client_payload);
      assert.equal(v.status, 0, v.log);

      assert.equal(await post(webhook([alert("firing", labels)]), "Bearer wrong"), 401);
      assert.equal(await post("not json"), 400);
      assert.equal(await post({ version: "3", alerts: [] }), 400);
      githubStatus = 500;
      assert.equal(await post(webhook([alert("firing", labels)])), 502, "Alertmanager retries a 5xx");
      assert.equal(received.length, 2, "rejected requests dispatch nothing; the failed dispatch was tried once");
    } finally {
      relay.kill();
      await new Promise((ok) => github.close(ok));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("The Pulumi Deployments step, executed against a fake Pulumi Cloud", function () {
  this.timeout(60_000);
  after(removeSandboxes);

  const TOKEN = "pul-0123456789abcdef0123456789abcdef";
  const CONSOLE = "https://app.pulumi.com/acme/modelship/staging/deployments/7";
  interface Seen {
    method: string;
    url: string;
    auth?: string;
    accept?: string;
    body: string;
  }

  /**
   * Pulumi Cloud's deployments API as far as the step uses it (Pulumi Cloud REST API, Deployments:
   * Create Deployment answers {id, consoleUrl, version}; Get Deployment answers {status}, one of
   * not-started, accepted, running, failed, succeeded, skipped). `statuses` are the answers to
   * successive GETs (a number is an HTTP error status); the last one repeats.
   */
  async function run(statuses: (string | number)[], opts: { create?: number; env?: Record<string, string>; down?: boolean } = {}) {
    const step = stepById("deploy.yml", "staging", "deployment");
    const seen: Seen[] = [];
    let polls = 0;
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, accept: req.headers.accept, body });
        const send = (code: number, value: unknown) => {
          res.writeHead(code, { "content-type": "application/json" });
          res.end(JSON.stringify(value));
        };
        if (req.method === "POST") return opts.create ? send(opts.create, { code: opts.create, message: "forbidden" }) : send(202, { id: "dep-1", consoleUrl: CONSOLE, version: 7 });
        const answer = statuses[Math.min(polls++, statuses.length - 1)];
        if (typeof answer === "number") return send(answer, { code: answer, message: "unavailable" });
        send(200, { id: "dep-1", status: answer, version: 7 });
      });
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    const port = (server.address() as AddressInfo).port;
    const close = () => new Promise((ok) => (server.listening ? server.close(ok) : ok(undefined)));
    try {
      if (opts.down) await close();
      const box = sandbox();
      const env = {
        ...box.env,
        ...stepEnv({}, step, { PULUMI_ACCESS_TOKEN: TOKEN, PULUMI_ORG: "acme" }),
        PULUMI_BACKEND_URL: `http://127.0.0.1:${port}/`,
        POLL_SECONDS: "0.02",
        TIMEOUT_MINUTES: "0.02",
        ...opts.env,
      };
      const r = await runStepAsync(step, box.repo, env);
      return { ...r, seen, summary: box.summary() };
    } finally {
      await close();
    }
  }
  const BASE = "/api/stacks/acme/modelship/staging/deployments";

  it("starts an update with the stack's settings, follows it to success, and passes", async () => {
    const r = await run(["not-started", "accepted", "running", "running", "succeeded"]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.deepEqual(r.seen[0], { method: "POST", url: BASE, auth: `token ${TOKEN}`, accept: "application/vnd.pulumi+8", body: JSON.stringify({ operation: "update", inheritSettings: true }) });
    assert.deepEqual(new Set(r.seen.slice(1).map((x) => `${x.method} ${x.url} ${x.auth}`)), new Set([`GET ${BASE}/dep-1 token ${TOKEN}`]));
    assert.equal(r.seen.length, 6);
    assert.match(r.stdout, /deployment 7 \(https:\/\/app\.pulumi\.com\/acme\/modelship\/staging\/deployments\/7\): succeeded/);
    assert.match(r.summary, /staging updated/);
    assert.ok(!(r.stdout + r.stderr + r.summary).includes(TOKEN), "the token is never printed");
  });

  for (const status of ["failed", "skipped", "cancelled-by-someone"]) {
    it(`fails the job when the deployment ends ${status}`, async () => {
      const r = await run(["running", status]);
      assert.equal(r.status, 1);
      assert.match(r.stdout, new RegExp(`::error::deployment 7 \\(${CONSOLE.replace(/[./]/g, "\\$&")}\\) ended ${status}`));
      assert.match(r.summary, /staging not updated/);
    });
  }

  it("fails the job, polling no further, when Pulumi Cloud refuses to start the deployment", async () => {
    const r = await run(["succeeded"], { create: 403 });
    assert.equal(r.status, 1);
    assert.match(r.stdout, /::error::starting the deployment failed: POST .* answered 403/);
    assert.deepEqual(r.seen.map((x) => x.method), ["POST"]);
  });

  it("fails the job when the deployment has not finished in time, saying it goes on in Pulumi Cloud", async () => {
    const r = await run(["running"]);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /::error::deployment 7 .* is still running after 0\.02 minutes; it goes on in Pulumi Cloud/);
  });

  it("rides out a few failed polls, but not five in a row", async () => {
    const passes = await run([502, 503, "running", 429, "succeeded"]);
    assert.equal(passes.status, 0, passes.stdout);
    const fails = await run(["running", 502], { env: { TIMEOUT_MINUTES: "1" } });
    assert.equal(fails.status, 1);
    assert.match(fails.stdout, /::error::Pulumi Cloud did not answer 5 times in a row \(last: 502\); deployment 7 .* was running/);
    assert.equal(fails.seen.filter((x) => x.method === "GET").length, 6);
  });

  it("fails at once on a poll that is refused, and when Pulumi Cloud cannot be reached", async () => {
    const refused = await run([404]);
    assert.equal(refused.status, 1);
    assert.match(refused.stdout, /::error::reading deployment 7 .* failed: GET answered 404/);
    const down = await run(["succeeded"], { down: true });
    assert.equal(down.status, 1);
    assert.match(down.stdout, /::error::starting the deployment failed: POST .* answered ECONNREFUSED/);
  });

  it("starts nothing without a token, or with an organization that is no Pulumi name", async () => {
    for (const env of [{ PULUMI_ACCESS_TOKEN: "" }, { PULUMI_ORG: "acme/../other" }] as Record<string, string>[]) {
      const r = await run(["succeeded"], { env });
      assert.equal(r.status, 1, JSON.stringify(env));
      assert.deepEqual(r.seen, [], JSON.stringify(env));
    }
  });
});

describe("Pulumi Deployments settings as code", function () {
  this.timeout(60_000);
  const dir = path.join(ROOT, "stacks", "deployments");
  const project = () => readProject(dir);

  // The inputs as @pulumi/pulumiservice 1.3.0's provider reads them (provider/pkg/resources/
  // deployment_settings.go toOperationContext: operationContext.{environmentVariables,
  // preRunCommands, options.skipInstallDependencies, oidc.aws.{roleARN, sessionName, duration}}).
  it("renders one DeploymentSettings per stack that fetches its cluster's kubeconfig with the OIDC role, under the mock runtime", async () => {
    const r = await synthesize(dir, "ci");
    const settings = r.resources.filter((x) => x.type === "pulumiservice:index:DeploymentSettings");
    assert.deepEqual(settings.map((x) => x.inputs.stack), ["staging", "production", "review"]);
    const cluster: Record<string, string> = { staging: "ml-staging", production: "ml-production", review: "ml-staging" };
    for (const s of settings.map((x) => x.inputs)) {
      assert.equal(s.organization, "acme");
      assert.equal(s.project, "modelship");
      assert.deepEqual(s.sourceContext.git, { repoUrl: "https://github.com/acme/modelship.git", branch: "refs/heads/main", repoDir: "." });
      assert.deepEqual(s.github.paths, PATHS);
      assert.deepEqual(s.operationContext, {
        oidc: { aws: { roleARN: "arn:aws:iam::123456789012:role/pulumi-deployments-modelship", sessionName: `pulumi-deployments-${s.stack}`, duration: "1h0m0s" } },
        preRunCommands: ["npm ci", `aws eks update-kubeconfig --region eu-west-1 --name ${cluster[s.stack]} --kubeconfig /tmp/modelship-kubeconfig`],
        environmentVariables: { KUBECONFIG: "/tmp/modelship-kubeconfig", AWS_REGION: "eu-west-1" },
        options: { skipInstallDependencies: true },
      });
      // Deployments are started by deploy.yml and rollback.yml, which wait for them; never by a push alone.
      assert.equal(s.github.deployCommits, false, `${s.stack}: no push-to-deploy`);
      assert.equal(s.github.previewPullRequests, s.stack !== "review");
      assert.equal(s.github.pullRequestTemplate, s.stack === "review");
    }
  });

  it("the kubeconfig command is the one the workflows run, for the same cluster and file KUBECONFIG names", () => {
    const c = readDeploymentsConfig((k) => readStackConfig(project(), "ci").config[`modelship-deployments:${k}`]);
    const s = deploymentSettings(c, "production").operationContext;
    const [, kube] = s.preRunCommands;
    assert.match(kube, /^aws eks update-kubeconfig /);
    assert.equal(kube.split(" --kubeconfig ")[1], s.environmentVariables.KUBECONFIG);
    assert.ok(path.isAbsolute(s.environmentVariables.KUBECONFIG), "each pre-run command runs in its own shell: no relative or $-paths");
    const wf = steps("deploy.yml", "staging").find((x) => x.run?.includes("aws eks update-kubeconfig"))!.run!;
    assert.match(wf, /^aws eks update-kubeconfig --name "\$\{\{ vars\.EKS_CLUSTER_STAGING \}\}" --kubeconfig /);
  });

  const without = (edit: (config: Record<string, string>) => void) => {
    const stackConfig = readStackConfig(project(), "ci");
    edit(stackConfig.config);
    return synthesize(dir, "ci", stackConfig);
  };
  for (const [name, edit, message] of [
    ["the role", (c: Record<string, string>) => delete c["modelship-deployments:awsRoleArn"], "modelship-deployments:awsRoleArn: required: the ARN of the IAM role deployments assume through OIDC"],
    ["the region", (c: Record<string, string>) => delete c["modelship-deployments:awsRegion"], "modelship-deployments:awsRegion: required: the AWS region of the EKS clusters"],
    ["the clusters", (c: Record<string, string>) => delete c["modelship-deployments:clusters"], "modelship-deployments:clusters: required: the EKS cluster of each stack"],
    ["production's cluster", (c: Record<string, string>) => (c["modelship-deployments:clusters"] = JSON.stringify({ staging: "a", review: "a" })), "modelship-deployments:clusters.production: required: the EKS cluster the production stack deploys to"],
    ["a cluster name a shell would read as more than a name", (c: Record<string, string>) => (c["modelship-deployments:clusters"] = JSON.stringify({ staging: "a; rm -rf /", production: "b", review: "a" })), 'modelship-deployments:clusters.staging: expected an EKS cluster name (letters, digits, - and _), got "a; rm -rf /"'],
    ["a role that is no role ARN", (c: Record<string, string>) => (c["modelship-deployments:awsRoleArn"] = "pulumi-deployments"), 'modelship-deployments:awsRoleArn: expected the ARN of the IAM role'],
  ] as const) {
    it(`stops before registering anything without ${name}, naming the key`, async () => {
      await assert.rejects(without(edit), (e: Error) => e.message.includes(message));
    });
  }

  it("reports every missing key at once", () => {
    assert.throws(
      () => readDeploymentsConfig(() => undefined),
      (e: Error) =>
        ["organization", "repository", "awsRoleArn", "awsRegion", "clusters"].every((k) => e.message.includes(`modelship-deployments:${k}: required`)) &&
        !e.message.includes("modelship-deployments:project") && !e.message.includes("modelship-deployments:branch"),
    );
  });
});
