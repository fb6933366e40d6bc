// docs/runbooks.md is where every alert's runbook_url lands: a section per alert the rules can
// render, headed so that GitHub's anchor is the alert name in lower case, and commands that the
// real CLI accepts as written.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PRESETS } from "../../components/monitoring/presets";
import { PRESET_NAMES } from "../../components/monitoring/presets/names";
import { main } from "../../stacks/cli";
import { ROOT } from "../helpers";
import { groupsFor } from "../monitoring/scenarios";

const RUNBOOKS = fs.readFileSync(path.join(ROOT, "docs", "runbooks.md"), "utf8");

/**
 * The alerts of issue 17 by name (the lead's list): rendered only under conditions the scenarios
 * below may not all meet, so they are named here as well as collected from the rules.
 */
const ISSUE_17_ALERTS = [
  "ModelErrorRatioHigh",
  "ModelErrorRatioCritical",
  "ModelTrackErrorRatioDivergence",
  "ModelLatencyP99High",
  "ModelLatencyP50High",
  "ModelTrackLatencyDivergence",
  "ModelAvailabilityBudgetBurn",
  "ModelLatencyBudgetBurn",
  "ModelNotLoaded",
  "ModelStale",
  "ModelFeatureDrift",
  "ModelPredictionShift",
  "ModelCPUSaturation",
  "ModelMemorySaturation",
  "ModelGPUMemoryHigh",
  "ModelTrackNotScraped",
  "ModelScrapeFailing",
  "ModelTrackNoTraffic",
  "ModelTrackWithoutPods",
  "ModelSignalAbsent",
];

const CUSTOM = {
  requests: [{ metric: "fraud_requests_total" }],
  errors: [{ metric: "fraud_requests_total", matchers: 'code=~"5.."', labels: ["code"] }],
  latency: { histogram: "fraud_latency_ms", unit: "milliseconds", buckets: [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000] },
  loaded: { metric: "fraud_model_loaded" },
  lastLoad: { metric: "fraud_model_loaded_at" },
};

/** Every alert name the rules render, over every preset, with a GPU and a staleness limit (which switch alerts on). */
function renderedAlerts(): Set<string> {
  const names = new Set<string>();
  for (const preset of PRESET_NAMES) {
    for (const gpu of [0, 1]) {
      // ModelStale needs a preset whose server exposes its last load time.
      const stale = preset === "custom" || PRESETS[preset as Exclude<typeof preset, "custom">].lastLoad ? { stalenessHours: 24 } : {};
      // A preset's histogram has its own buckets: the SLO threshold is one of them (the top one).
      const top = preset === "custom" ? undefined : PRESETS[preset].latency;
      const slo = top?.buckets ? { slo: { latency: { thresholdMs: top.buckets[top.buckets.length - 2] * top.toSeconds * 1000 } } } : {};
      // … and the median threshold no lower than its first bucket (vLLM's is 0.3 s).
      const p50 = top?.buckets ? { latencyP50Seconds: Math.max(0.1, top.buckets[0] * top.toSeconds) } : {};
      const monitoring = { preset, alerts: { ...stale, ...p50 }, ...slo, ...(preset === "custom" ? { custom: CUSTOM } : {}) };
      for (const g of groupsFor({ monitoring, resources: { gpu } })) for (const r of g.rules) if ("alert" in r) names.add(r.alert);
    }
  }
  return names;
}

/**
 * GitHub's heading anchor: lower case, punctuation other than `-` and `_` dropped, each space a
 * hyphen (GitHub Docs, "Basic writing and formatting syntax", section links).
 */
const githubAnchor = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");

const headings = [...RUNBOOKS.matchAll(/^#{1,6} (.+)$/gm)].map((m) => m[1].trim());

/** `modelship …` command lines: in sh blocks, and inline code spans on one line. */
function commandLines(text: string): string[] {
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1].split("\n"));
  const inline = [...text.replace(/```[\s\S]*?```/g, "").matchAll(/`(modelship [^`\n]+)`/g)].map((m) => m[1]);
  return [...blocks.map((l) => l.trim()).filter((l) => l.startsWith("modelship ")), ...inline];
}

/** A line's words as the shell passes them, the runbook's variables set (it only quotes "$VAR"). */
function argv(line: string): string[] {
  const vars: Record<string, string> = { STACK: "production", MODEL: "fraud-detector", TRACK: "green", NS: "ml", VERSION: "1.5.0" };
  const words = line.replace(/\s+#.*$/, "").trim().split(/\s+/);
  return words.map((w) => w.replace(/^"(.*)"$/, "$1").replace(/\$(\w+)/g, (_, v: string) => vars[v] ?? assert.fail(`runbook uses $${v}, which it never sets`)));
}

describe("docs/runbooks.md", () => {
  it("has a section for every alert the rules render, and for every alert of issue 17", () => {
    const rendered = renderedAlerts();
    assert.ok(rendered.size >= 15, `rendered ${[...rendered].join(", ")}`);
    const wanted = [...new Set([...rendered, ...ISSUE_17_ALERTS])].sort();
    assert.deepEqual(
      wanted.filter((a) => !headings.includes(a)),
      [],
      "alerts without a runbook section",
    );
  });

  it("heads each alert's section so that GitHub's anchor is the runbook_url fragment, once", () => {
    const anchors = headings.map(githubAnchor);
    for (const alert of ISSUE_17_ALERTS) {
      // GitHub suffixes a repeated anchor (-1, -2): only a unique one is reachable as written.
      assert.equal(anchors.filter((a) => a === alert.toLowerCase()).length, 1, alert);
    }
    // The rule: punctuation goes, spaces become hyphens (so a heading "Model Stale!" would not match).
    assert.equal(githubAnchor("Model Stale!"), "model-stale");
    assert.equal(githubAnchor("Reading latency values"), "reading-latency-values");
  });

  /**
   * The CLI parses its arguments before it looks for the project: with a directory that does not
   * exist, every line that parses ends in "no such directory", and nothing runs.
   */
  async function parses(line: string): Promise<{ ok: boolean; why: string }> {
    const [bin, ...args] = argv(line);
    const err: string[] = [];
    const code = await main([...args, "--project-dir", path.join(ROOT, "test", "docs", "no-such-project")], { out: () => undefined, err: (l) => err.push(l), cwd: os.tmpdir() });
    return { ok: bin === "modelship" && /no such directory/.test(err.join("\n")), why: `exit ${code}: ${err.join("\n").split("\n")[0]}` };
  }

  it("checks command lines with the CLI's own parser: a misspelt option, a missing value or a made-up command fails", async () => {
    assert.equal((await parses('modelship rollback --stack "$STACK" --model "$MODEL" --dry-run')).ok, true);
    for (const bad of ['modelship rollback --stak "$STACK"', 'modelship analyze --stack "$STACK" --model', 'modelship revert --stack "$STACK"', 'modelship status --stack "$STACK" --model "$MODEL" extra']) {
      assert.equal((await parses(bad)).ok, false, bad);
    }
  });

  it("only gives modelship command lines the CLI parses: real commands, known options, values where needed", async () => {
    const lines = commandLines(RUNBOOKS);
    assert.ok(lines.length >= 20, `found ${lines.length} command lines`);
    const commands = new Set(lines.map((l) => argv(l)[1]));
    for (const c of ["status", "rollback", "undo", "analyze", "advance", "release", "synth", "promote"]) assert.ok(commands.has(c), `no ${c} example`);
    const failures = [];
    for (const line of lines) {
      const r = await parses(line);
      if (!r.ok) failures.push(`${line}\n  -> ${r.why}`);
    }
    assert.deepEqual(failures, []);
  });

  it("resolves every link the README makes into it", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const anchors = new Set(headings.map(githubAnchor));
    const links = [...readme.matchAll(/\]\(docs\/runbooks\.md#([^)]+)\)/g)].map((m) => m[1]);
    assert.ok(links.length >= 20, `README links ${links.length} runbook sections`);
    assert.deepEqual(
      links.filter((l) => !anchors.has(l)),
      [],
    );
  });

  it("is shipped in the npm package next to the version its default link names", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    assert.ok(pkg.files.includes("docs/runbooks.md"), "package.json files lists docs/runbooks.md");
  });
});
