// The floor of a one-model promote, in a fresh process from compiled JavaScript (transpiled to
// out/bench/ by test/bench/compiled.ts; modelship only from dist/): what any implementation has to
// do at the least.
//   promote-floor <stack file> <copy to write> <model index> <one-model project dir>
// 1. parse the stack file as a YAML document (so an edit keeps comments and formatting),
// 2. edit the model's nodes a promote edits (the two weights and the candidate's peak weight),
// 3. validate the `modelship:` keys (parseFleetConfig, the schema `pulumi up` applies),
// 4. write the file (to the copy: the benchmark's stack file stays as it is),
// 5. render just the changed model: synth of a project whose stack file holds only that model,
//    after the change (the fleet-level keys as they are).
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

const DIST = path.join(__dirname, "..", "..", "dist");
const NAMESPACE = "modelship:";

async function main() {
  const [stackFile, copy, index, oneModelDir] = process.argv.slice(2);
  const { parseFleetConfig } = require(path.join(DIST, "components", "config", "validate.js")) as typeof import("../../components/config/validate");
  const { synthesize } = require(path.join(DIST, "stacks", "render", "synth.js")) as typeof import("../../stacks/render/synth");

  const doc = YAML.parseDocument(fs.readFileSync(stackFile, "utf8"));
  const tracks = ["config", `${NAMESPACE}models`, Number(index), "tracks"];
  const from = doc.getIn([...tracks, "green", "weight"]) as number;
  const to = Number(process.env.MODELSHIP_BENCH_PROMOTE_TO ?? 25);
  if (typeof from !== "number" || from >= to) throw new Error(`model ${index}: green at ${from}, not below ${to}`);
  doc.setIn([...tracks, "green", "weight"], to);
  doc.setIn([...tracks, "green", "peakWeight"], to);
  doc.setIn([...tracks, "blue", "weight"], 100 - to);
  const config = (doc.toJS() as { config: Record<string, unknown> }).config;
  parseFleetConfig(Object.fromEntries(Object.entries(config).flatMap(([k, v]) => (k.startsWith(NAMESPACE) ? [[k.slice(NAMESPACE.length), v]] : []))), path.basename(stackFile));
  fs.writeFileSync(copy, doc.toString({ lineWidth: 0, flowCollectionPadding: false }));

  const r = await synthesize(oneModelDir, "bench");
  console.log(JSON.stringify({ objects: r.objects.length }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
