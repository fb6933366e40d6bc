// Bad input of every kind (issue 14): through the real CLI, each ends in a documented exit code
// and short lines naming the file (and key path) — never a stack trace, never unbounded output.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { main } from "../../stacks/cli";
import { EXIT } from "../../stacks/commands/types";
import { clone, fixtureConfig, tempProject } from "../helpers";

const FILE = "Pulumi.staging.yaml";

async function synth(dir: string): Promise<{ code: number; err: string[]; out: string[] }> {
  const err: string[] = [];
  const out: string[] = [];
  const code = await main(["synth", "--stack", "staging", "--project-dir", dir, "--out", path.join(dir, "out")], {
    out: (l) => out.push(...l.split("\n")),
    err: (l) => err.push(...l.split("\n")),
    cwd: dir,
  });
  return { code, err, out };
}

/** Runs synth and checks the common contract; returns the error lines. */
async function rejected(dir: string, opts: { code?: number; lines?: number; maxBytes?: number } = {}): Promise<string[]> {
  const { code, err } = await synth(dir);
  const text = err.join("\n");
  assert.equal(code, opts.code ?? EXIT.refused, text.slice(0, 2000));
  assert.ok(!/^\s+at /m.test(text), `a stack trace:\n${text.slice(0, 2000)}`);
  if (opts.lines !== undefined) assert.equal(err.length, opts.lines, text.slice(0, 2000));
  assert.ok(text.length <= (opts.maxBytes ?? 2000), `${text.length} bytes of error output`);
  return err;
}

/** models[0] again under another name (its artifacts moved along, as modelship:aws requires). */
const copyAs = (c: any, name: string) => {
  const m = clone(c.models[0]);
  m.name = name;
  for (const t of Object.values<any>(m.tracks)) t.modelUri = t.modelUri.replace(`/${c.models[0].name}/`, `/${name}/`);
  c.models.push(m);
};

const withConfig = (edit: (c: any) => void) => {
  const c = clone(fixtureConfig("staging"));
  edit(c);
  return tempProject("staging", c);
};

describe("bad input (issue 14)", function () {
  this.timeout(120_000);

  describe("3: object names of two models collide", () => {
    const cases: [string, (c: any) => void, RegExp][] = [
      ["a track name", (c) => copyAs(c, `${c.models[0].name}-blue`), /models\[2\]\.name: .*\w+\/fraud-detector-blue.*models\[0\]/],
      ["<m>-preview", (c) => copyAs(c, `${c.models[0].name}-preview`), /models\[2\]\.name: .*\/fraud-detector-preview/],
      ["<m>-canary", (c) => copyAs(c, `${c.models[0].name}-canary`), /models\[2\]\.name: .*Ingress\/fraud-detector-canary/],
      ["<m>-metrics", (c) => copyAs(c, `${c.models[0].name}-metrics`), /models\[2\]\.name: .*Ingress\/fraud-detector-metrics/],
      ["<m>-route-weights", (c) => copyAs(c, `${c.models[0].name}-route-weights`), /models\[2\]\.name: .*PrometheusRule\/fraud-detector-route-weights/],
      ["modelship-fleet", (c) => {
        for (const t of Object.values<any>(c.models[1].tracks)) t.modelUri = t.modelUri.replace(`/${c.models[1].name}/`, "/modelship-fleet/");
        c.models[1].name = "modelship-fleet";
      }, /models\[1\]\.name: .*ConfigMap\/modelship-fleet-dashboard/],
    ];
    for (const [name, edit, line] of cases) {
      it(name, async () => {
        const err = await rejected(withConfig(edit));
        assert.ok(err.some((l) => l.startsWith(`${FILE}: modelship:models[`) && line.test(l)), err.join("\n"));
      });
    }
  });

  describe("5: values lost on the way in", () => {
    it("an empty modelship:namespace is not a namespace called null", async () => {
      const c = fixtureConfig("staging");
      const dir = tempProject("staging", YAML.stringify({ config: { "modelship:namespace": null, ...Object.fromEntries(Object.entries(c).filter(([k]) => k !== "namespace").map(([k, v]) => [`modelship:${k}`, v])) } }));
      const err = await rejected(dir, { lines: 1 });
      assert.match(err[0], /^Pulumi\.staging\.yaml: modelship:namespace: required/);
    });

    it("a metric named __proto__ is rejected, not dropped", async () => {
      const err = await rejected(withConfig((c) => (c.models[0].tracks.blue.metrics = JSON.parse('{"__proto__": 0.9}'))), { lines: 1 });
      assert.match(err[0], /^Pulumi\.staging\.yaml: modelship:models\[0\]\.tracks\.blue\.metrics\.__proto__: /);
    });

    for (const [yaml, shown] of [[".nan", ".nan"], [".inf", ".inf"], ["-.inf", "-.inf"]]) {
      it(`${yaml} is reported as ${shown}`, async () => {
        const text = YAML.stringify({ config: { ...Object.fromEntries(Object.entries(fixtureConfig("staging")).map(([k, v]) => [`modelship:${k}`, v])) } }).replace(/weight: 100/, `weight: ${yaml}`);
        const err = await rejected(tempProject("staging", text), { lines: 1 });
        assert.match(err[0], new RegExp(`^Pulumi\\.staging\\.yaml: modelship:models\\[0\\]\\.tracks\\.\\w+\\.weight: .*got ${shown.replace(/\./g, "\\.")}$`));
      });
    }
  });

  describe("9: no stack trace, ever", () => {
    const oneLine = (err: string[], re: RegExp) => {
      assert.equal(err.length, 1, err.join("\n"));
      assert.match(err[0], re);
    };

    it("a YAML alias bomb", async () => {
      const lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"];
      for (let i = 1; i < 12; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(", ")}]`);
      const dir = tempProject("staging", `config:\n  modelship:bomb:\n${lines.map((l) => `    ${l}`).join("\n")}\n`);
      oneLine(await rejected(dir), /^Pulumi\.staging\.yaml: .*alias/i);
    });

    it("an undefined alias", async () => {
      oneLine(await rejected(tempProject("staging", "config:\n  modelship:namespace: *nowhere\n")), /^Pulumi\.staging\.yaml: .*nowhere/);
    });

    it("nesting 3,000 deep", async () => {
      const dir = tempProject("staging", `config:\n  modelship:namespace: ${"[".repeat(3000)}${"]".repeat(3000)}\n`);
      oneLine(await rejected(dir), /^Pulumi\.staging\.yaml: nested too deeply at line 2/);
    });

    it("nesting 100 deep (past the limit, within the parser's)", async () => {
      const dir = tempProject("staging", `config:\n  modelship:namespace: ${"[".repeat(100)}${"]".repeat(100)}\n`);
      oneLine(await rejected(dir), /^Pulumi\.staging\.yaml: modelship:namespace(\[0\])+: nested more than 64 deep$/);
    });

    it("a multi-megabyte hostname", async () => {
      const err = await rejected(withConfig((c) => (c.models[0].route = { ...c.models[0].route, hostnames: [`${"a.".repeat(2_500_000)}com`] })));
      oneLine(err, /^Pulumi\.staging\.yaml: modelship:models\[0\]\.route\.hostnames\[0\]: .*characters/);
    });

    it("a stack file that is a directory (EISDIR)", async () => {
      const dir = tempProject("staging", "config: {}\n");
      fs.rmSync(path.join(dir, FILE));
      fs.mkdirSync(path.join(dir, FILE));
      oneLine(await rejected(dir), /^Pulumi\.staging\.yaml: cannot read: .*directory/);
    });

    it("an unreadable stack file (EACCES)", async () => {
      // Root (as CI runs) reads any file whatever its mode, so the denial is injected where the
      // operating system would raise it: the read of that one file.
      const dir = tempProject("staging", "config: {}\n");
      const file = path.join(dir, FILE);
      fs.chmodSync(file, 0o000);
      // The module object itself: the namespace import's bindings are read-only getters onto it.
      const nodeFs = require("fs") as typeof fs;
      const read = nodeFs.readFileSync;
      nodeFs.readFileSync = ((p: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
        if (typeof p === "string" && path.resolve(p) === file) throw Object.assign(new Error(`EACCES: permission denied, open '${p}'`), { code: "EACCES" });
        return (read as (...a: unknown[]) => unknown)(p, ...rest);
      }) as typeof fs.readFileSync;
      try {
        oneLine(await rejected(dir), /^Pulumi\.staging\.yaml: cannot read: permission denied$/);
      } finally {
        nodeFs.readFileSync = read;
      }
    });

    it("a malformed Pulumi.yaml", async () => {
      const dir = tempProject("staging", "config: {}\n");
      fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: [unclosed\n  main: : :\n");
      oneLine(await rejected(dir), /^Pulumi\.yaml: /);
    });

    it("a Pulumi.yaml that is a directory", async () => {
      const dir = tempProject("staging", "config: {}\n");
      fs.rmSync(path.join(dir, "Pulumi.yaml"));
      fs.mkdirSync(path.join(dir, "Pulumi.yaml"));
      oneLine(await rejected(dir), /^Pulumi\.yaml: cannot read: /);
    });

    it("synth of a project whose program is not modelship's", async () => {
      const dir = tempProject("staging", "config: {}\n");
      fs.writeFileSync(path.join(dir, "other.js"), "module.exports = async () => ({ hello: 'world' });\n");
      fs.writeFileSync(path.join(dir, "Pulumi.yaml"), YAML.stringify({ name: "other", runtime: "nodejs", main: "other.js" }));
      oneLine(await rejected(dir), /^Pulumi\.yaml: main: .*not a modelship program/);
    });
  });

  describe("10: bounded, unforgeable reports", () => {
    it("a 5 MB bad value is echoed truncated", async () => {
      const err = await rejected(withConfig((c) => (c.models[0].tracks.blue.version = "!".repeat(5_000_000))), { lines: 1 });
      assert.match(err[0], /^Pulumi\.staging\.yaml: modelship:models\[0\]\.tracks\.blue\.version: /);
    });

    it("a 10,000-element list gives a capped report", async () => {
      const err = await rejected(withConfig((c) => (c.models[0].tolerations = Array.from({ length: 10_000 }, () => ({ operator: "Sometimes" })))), { maxBytes: 4000 });
      assert.ok(err.length <= 12, `${err.length} lines`);
      assert.match(err[err.length - 1], /… and 9,990 more like this/);
    });

    it("a value with a newline cannot forge a line", async () => {
      const err = await rejected(withConfig((c) => (c.models[0].tracks.blue.version = `x\n${FILE}: modelship:models[0]: all good`)), { lines: 1 });
      assert.match(err[0], /\\n/);
    });

    it("a key with a newline cannot forge a line", async () => {
      const err = await rejected(withConfig((c) => (c.models[0][`x\n${FILE}: forged`] = 1)), { lines: 1 });
      assert.match(err[0], /^Pulumi\.staging\.yaml: modelship:models\[0\]\.x\\n/);
    });
  });
});
