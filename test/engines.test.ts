// The Node.js versions package.json states (`engines.node`, also in the README) must be true of
// everything `npm ci` installs: for each locked package that declares `engines.node`, every
// version the project admits must be one that package admits too. Otherwise `npm ci` warns
// EBADENGINE on a Node the project claims to support, and the package may not work there.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "./helpers";

// semver is installed with @pulumi/pulumi (npm's own range semantics); it ships no types.
const semver: {
  validRange(range: string): string | null;
  subset(sub: string, dom: string): boolean;
  satisfies(version: string, range: string): boolean;
  intersects(a: string, b: string): boolean;
} = require("semver");

const read = (f: string) => JSON.parse(fs.readFileSync(path.join(ROOT, f), "utf8"));

describe("Node.js engines", () => {
  const stated: string = read("package.json").engines?.node;
  const lock = read("package-lock.json");

  it("package.json states a valid range, which the lock file records and this test run satisfies", () => {
    assert.ok(stated && semver.validRange(stated), `package.json engines.node: ${stated}`);
    assert.deepEqual(lock.packages[""].engines, { node: stated }, "package-lock.json was written from this package.json");
    assert.ok(semver.satisfies(process.versions.node, stated), `the tests run on Node ${process.versions.node}, outside ${stated}`);
  });

  it("every installed package supports every Node.js version package.json admits", () => {
    const unmet: string[] = [];
    let checked = 0;
    for (const [where, p] of Object.entries<any>(lock.packages)) {
      // npm reads engines.node from an object only (npm-install-checks); other forms are ignored.
      const wanted = p.engines && typeof p.engines === "object" && !Array.isArray(p.engines) ? p.engines.node : undefined;
      if (!where || typeof wanted !== "string") continue;
      checked++;
      if (!semver.validRange(wanted) || !semver.subset(stated, wanted)) unmet.push(`${where.replace(/^.*node_modules\//, "")}@${p.version} needs node ${wanted}${p.dev ? " (dev)" : ""}`);
    }
    assert.ok(checked > 10, "the lock file lists packages with engines");
    assert.deepEqual(unmet, [], `package.json says node ${stated}`);
  });

  it("the check catches a package that needs a newer Node than stated", () => {
    assert.equal(semver.subset(stated, ">=22"), false);
    assert.equal(semver.subset(">=20.19", "^20.17.0 || >=22.9.0"), false, "Node 21 and 22.0–22.8 are outside");
  });
});
