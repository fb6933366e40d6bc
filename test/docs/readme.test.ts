import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { fleetSchema } from "../../components/config/schema";
import { ROOT } from "../helpers";
import { documentedForm, schemaKeyPaths } from "./schema-keys";

const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");

function section(title: string): string {
  const start = readme.indexOf(`\n## ${title}\n`);
  assert.ok(start >= 0, `README has no "## ${title}" section`);
  const end = readme.indexOf("\n## ", start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

describe("README", () => {
  it("documents every config key of the schema, and no key the schema lacks", () => {
    const documented = new Set([...section("Config reference").matchAll(/`(modelship:[^`\s]+)`/g)].map((m) => m[1]));
    const schema = documentedForm(schemaKeyPaths(fleetSchema));
    assert.ok(schema.length > 50, "the schema walk found the keys");
    assert.deepEqual(schema.filter((k) => !documented.has(k)), [], "keys missing from the README's config reference");
    assert.deepEqual([...documented].filter((k) => !schema.includes(k)), [], "README documents keys the schema does not have");
  });

  it("gives the two commands, and .ci/run runs exactly the test command", () => {
    const blocks = [...section("The two commands").matchAll(/```sh\n([^`]+?)\n```/g)].map((m) => m[1].trim());
    assert.deepEqual(blocks, ["npm ci && npm start", "npm ci && npm test"]);
    const ci = fs.readFileSync(path.join(ROOT, ".ci", "run"), "utf8");
    assert.ok(ci.split("\n").includes(blocks[1]), ".ci/run does not run the README's test command");
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    assert.match(pkg.scripts.start, /modelship\.js synth --stack staging$/);
  });
});
