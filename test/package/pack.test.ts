// Issue 16, "Package": what `npm pack` publishes. The compiled library and CLI (dist/) and the
// npm metadata, nothing else: no tests, example stacks, benchmarks, policy pack or sources. Every
// module a packed file requires is shipped, a Node built-in, or a declared (peer) dependency, and
// the optional peers (@pulumi/aws, @pulumi/docker) are never required when the package loads.
import { strict as assert } from "assert";
import { builtinModules } from "module";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../helpers";
import { buildSources, ensureBuild, packList, pkg, type PackedFile } from "./build";

const EXACT = /^\d+\.\d+\.\d+$/;
const packageOf = (spec: string) => spec.split("/").slice(0, spec.startsWith("@") ? 2 : 1).join("/");

describe("npm package (npm pack)", function () {
  this.timeout(600_000);
  let packed: PackedFile[];
  let names: Set<string>;

  before(() => {
    ensureBuild();
    packed = packList().files;
    names = new Set(packed.map((f) => f.path));
  });

  it("is publishable: not private, licensed, with a repository, a files whitelist and pinned own dependencies", () => {
    assert.equal(pkg.private, undefined);
    assert.equal(pkg.license, "Apache-2.0");
    assert.ok(pkg.repository?.url, "repository.url");
    // dist/, and the runbooks alerts link to by default (docs/runbooks.md, for the installed version).
    assert.ok(Array.isArray(pkg.files) && pkg.files.every((f: string) => f.startsWith("dist/") || f === "docs/runbooks.md"), "files lists dist/ and the runbooks only");
    for (const deps of ["dependencies", "devDependencies"]) {
      for (const [name, version] of Object.entries<string>(pkg[deps] ?? {})) assert.match(version, EXACT, `${deps}.${name} is pinned`);
    }
  });

  it("declares the Pulumi SDKs as peers (pinned for the repo's own tests), AWS and Docker as optional ones", () => {
    for (const peer of ["@pulumi/pulumi", "@pulumi/kubernetes", "@pulumi/aws", "@pulumi/docker"]) {
      assert.ok(pkg.peerDependencies?.[peer], `peerDependencies.${peer}`);
      assert.equal(pkg.dependencies?.[peer], undefined, `${peer} is a peer, not a dependency`);
      assert.match(pkg.devDependencies?.[peer] ?? "", EXACT, `devDependencies.${peer}`);
    }
    assert.equal(pkg.peerDependenciesMeta?.["@pulumi/aws"]?.optional, true);
    assert.equal(pkg.peerDependenciesMeta?.["@pulumi/docker"]?.optional, true);
    assert.equal(pkg.peerDependenciesMeta?.["@pulumi/pulumi"]?.optional, undefined);
    assert.equal(pkg.peerDependenciesMeta?.["@pulumi/kubernetes"]?.optional, undefined);
  });

  it("holds only package.json, the README and compiled JavaScript with its declarations", () => {
    const stray = packed
      .map((f) => f.path)
      .filter((p) => !["package.json", "README.md", "LICENSE", "docs/runbooks.md"].includes(p))
      .filter((p) => !/^dist\/(components|stacks|policies)\/.+(\.js|\.d\.ts)$/.test(p));
    assert.deepEqual(stray, []);
  });

  it("holds no tests, example stacks, benchmarks, fixtures, policy-pack entry or sources", () => {
    const banned = [
      /(^|\/)test\//,
      /\.(test|spec)\.(js|d\.ts)$/,
      /(^|\/)bench/i,
      /(^|\/)examples?\//,
      /fixtures?\//,
      /(^|\/)Pulumi(\.[^/]+)?\.yaml$/,
      /PulumiPolicy\.yaml$/,
      /^dist\/policies\/index\./,
      /^dist\/policies\/.*\.json$/,
      /reference-server\//,
      /stacks\/deployments\//,
      /\.map$/,
      /(?<!\.d)\.ts$/,
      /^(components|stacks|policies|out)\//,
      /^docs\/(?!runbooks\.md$)/,
    ];
    assert.deepEqual(
      packed.map((f) => f.path).filter((p) => banned.some((b) => b.test(p))),
      [],
    );
  });

  it("holds exactly what the build compiles: every library and CLI module, with its declaration", () => {
    const expected = buildSources().flatMap((s) => [`dist/${s}.js`, `dist/${s}.d.ts`]);
    assert.deepEqual(expected.filter((f) => !names.has(f)), [], "built but not packed");
    const extra = [...names].filter((p) => /^dist\/(components|stacks)\//.test(p) && !expected.includes(p));
    assert.deepEqual(extra, [], "packed without a source (a stale dist/?)");
    // The policy modules the CLI imports (stacks/rollout/policy.ts): each one a source of policies/.
    for (const p of [...names].filter((n) => n.startsWith("dist/policies/"))) {
      assert.ok(fs.existsSync(path.join(ROOT, p.replace(/^dist\//, "").replace(/(\.d\.ts|\.js)$/, ".ts"))), p);
    }
  });

  it("has every entry point package.json names: main, types, exports and the bin", () => {
    const targets = [pkg.main, pkg.types, ...Object.values<string>(pkg.bin)];
    for (const entry of Object.values<string | Record<string, string>>(pkg.exports)) targets.push(...(typeof entry === "string" ? [entry] : Object.values(entry)));
    for (const t of targets) assert.ok(names.has(path.posix.normalize(t)), `${t} is packed`);
    assert.ok(names.has("dist/components/index.js") && names.has("dist/components/index.d.ts"), "the public API entry");
    assert.equal(pkg.exports["."].default, "./dist/components/index.js");
    assert.equal(pkg.exports["."].types, "./dist/components/index.d.ts");
    const bin = fs.readFileSync(path.join(ROOT, pkg.bin.modelship), "utf8");
    assert.match(bin, /^#!\/usr\/bin\/env node\n/, "the bin starts with a node shebang");
    assert.doesNotMatch(bin, /require\("ts-node/, "the bin runs compiled JavaScript (ts-node only for a TypeScript program, on demand)");
  });

  it("requires only shipped files, Node built-ins and declared dependencies; @pulumi/aws and @pulumi/docker never at load time", () => {
    const declared = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]);
    const optional = new Set(Object.keys(pkg.peerDependenciesMeta ?? {}).filter((p) => pkg.peerDependenciesMeta[p].optional));
    const problems: string[] = [];
    for (const file of [...names].filter((n) => n.endsWith(".js"))) {
      const text = fs.readFileSync(path.join(ROOT, file), "utf8");
      for (const [, spec] of text.matchAll(/\brequire\("([^"]+)"\)/g)) {
        if (spec.startsWith(".")) {
          const base = path.posix.join(path.posix.dirname(file), spec);
          if (![`${base}.js`, `${base}/index.js`, base].some((c) => names.has(c))) problems.push(`${file}: require("${spec}") is not packed`);
        } else if (spec.startsWith("node:") || builtinModules.includes(spec)) {
          continue;
        } else if (!declared.has(packageOf(spec))) {
          problems.push(`${file}: require("${spec}") is no dependency or peer`);
        } else if (optional.has(packageOf(spec))) {
          problems.push(`${file}: require("${spec}") loads an optional peer with the module; load it on use (components/peer.ts requirePeer, components/aws: awsSdk, awsProvider)`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  it("has declarations that name only declared packages, and the optional ones only in the loader no entry point reaches", () => {
    const declared = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]);
    const problems: string[] = [];
    for (const file of [...names].filter((n) => n.endsWith(".d.ts") && !n.startsWith("dist/policies/"))) {
      const text = fs.readFileSync(path.join(ROOT, file), "utf8");
      for (const [, spec] of text.matchAll(/(?:from |import\()"([^".][^"]*)"/g)) {
        if (spec.startsWith("node:") || builtinModules.includes(spec)) continue;
        if (!declared.has(packageOf(spec))) problems.push(`${file}: "${spec}" is no dependency or peer`);
        else if (/^@pulumi\/(aws|docker)$/.test(packageOf(spec)) && file !== "dist/components/aws/sdk.d.ts") problems.push(`${file}: names the optional "${spec}"`);
      }
    }
    assert.deepEqual(problems, []);
  });
});
