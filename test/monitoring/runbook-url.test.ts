// Where alerts' runbook_url points when monitoring.runbookBaseUrl is not set: the repository CI
// builds, else the runbooks of the installed modelship version — read from the environment and
// package.json once, where the monitoring context is built.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { monitoringContext, modelMonitoringObjects } from "../../components/monitoring/manifests";
import { modelshipPackage } from "../../components/monitoring/modelship-package";
import { repositoryWebUrl, runbookBaseUrl, RUNBOOKS_PATH, type PackageSource } from "../../components/monitoring/runbooks";
import { ROOT } from "../helpers";
import { fleet } from "./scenarios";

const PKG: PackageSource = { version: "2.3.4", repository: { type: "git", url: "git+https://github.com/example-org/modelship.git" } };
const PACKAGE_RUNBOOKS = "https://github.com/example-org/modelship/blob/v2.3.4/docs/runbooks.md";

/** What GitHub Actions sets for a push to main, and for a pull request into it. */
const GITHUB_PUSH = { GITHUB_ACTIONS: "true", GITHUB_SERVER_URL: "https://github.com", GITHUB_REPOSITORY: "team/ml-platform", GITHUB_REF_NAME: "main", GITHUB_SHA: "0123456789abcdef0123456789abcdef01234567" };
const GITHUB_PR = { ...GITHUB_PUSH, GITHUB_REF_NAME: "42/merge", GITHUB_BASE_REF: "main", GITHUB_HEAD_REF: "fix-latency" };
const GITLAB_PUSH = { GITLAB_CI: "true", CI_PROJECT_URL: "https://gitlab.example.com/ml/platform", CI_COMMIT_REF_NAME: "main", CI_COMMIT_SHA: "89abcdef0123456789abcdef0123456789abcdef" };
/** Pulumi Deployments' own variables: none names the repository. */
const PULUMI_DEPLOYMENTS = { PULUMI_CI_SYSTEM: "Pulumi Deployments", PULUMI_CI_BUILD_ID: "d-1", PULUMI_CI_ORGANIZATION: "team", PULUMI_CI_PROJECT: "ml", PULUMI_CI_STACK: "production", GITHUB_TOKEN: "ghs_x" };

describe("runbook links (runbookBaseUrl)", () => {
  it("takes monitoring.runbookBaseUrl when set, wherever it runs", () => {
    const explicit = "https://wiki.example.com/ml/runbooks";
    for (const env of [{}, GITHUB_PUSH, GITLAB_PUSH, PULUMI_DEPLOYMENTS]) assert.equal(runbookBaseUrl({ runbookBaseUrl: explicit }, env, PKG), explicit);
  });

  it("on GitHub Actions, links the repository's runbooks on the branch (not the commit), a pull request its target branch", () => {
    const onMain = "https://github.com/team/ml-platform/blob/main/docs/runbooks.md";
    assert.equal(runbookBaseUrl({}, GITHUB_PUSH, PKG), onMain);
    // The preview of a pull request renders exactly what its merge deploys: no diff of the rules.
    assert.equal(runbookBaseUrl({}, GITHUB_PR, PKG), onMain);
    // GitHub Enterprise Server: its own host; a branch with a slash keeps it, other characters are escaped.
    const ghes = { ...GITHUB_PUSH, GITHUB_SERVER_URL: "https://git.corp.example", GITHUB_REF_NAME: "release/2026#1" };
    assert.equal(runbookBaseUrl({}, ghes, PKG), "https://git.corp.example/team/ml-platform/blob/release/2026%231/docs/runbooks.md");
  });

  it("on GitLab CI, links the project's runbooks under /-/blob/ on the branch, a merge request its target branch", () => {
    assert.equal(runbookBaseUrl({}, GITLAB_PUSH, PKG), "https://gitlab.example.com/ml/platform/-/blob/main/docs/runbooks.md");
    const mr = { ...GITLAB_PUSH, CI_COMMIT_REF_NAME: "feature-x", CI_MERGE_REQUEST_TARGET_BRANCH_NAME: "main" };
    assert.equal(runbookBaseUrl({}, mr, PKG), "https://gitlab.example.com/ml/platform/-/blob/main/docs/runbooks.md");
  });

  it("outside CI (a laptop, Pulumi Deployments, half a CI environment) links the installed version's runbooks", () => {
    assert.equal(runbookBaseUrl({}, {}, PKG), PACKAGE_RUNBOOKS);
    assert.equal(runbookBaseUrl({}, PULUMI_DEPLOYMENTS, PKG), PACKAGE_RUNBOOKS);
    // GitHub's variables without GITHUB_ACTIONS (copied into a shell) do not count, nor do incomplete ones.
    const { GITHUB_ACTIONS: _, ...copied } = GITHUB_PUSH;
    assert.equal(runbookBaseUrl({}, copied, PKG), PACKAGE_RUNBOOKS);
    assert.equal(runbookBaseUrl({}, { ...GITHUB_PUSH, GITHUB_REPOSITORY: "" }, PKG), PACKAGE_RUNBOOKS);
    assert.equal(runbookBaseUrl({}, { GITLAB_CI: "true", CI_COMMIT_REF_NAME: "main" }, PKG), PACKAGE_RUNBOOKS);
  });

  it("reads npm's repository forms, a subdirectory and a GitLab host; nothing usable is undefined", () => {
    const web = (spec: string) => repositoryWebUrl(spec)?.url;
    assert.equal(web("git+https://github.com/o/r.git"), "https://github.com/o/r");
    assert.equal(web("https://github.com/o/r"), "https://github.com/o/r");
    assert.equal(web("git+ssh://git@github.com/o/r.git"), "https://github.com/o/r");
    assert.equal(web("git@github.com:o/r.git"), "https://github.com/o/r");
    assert.equal(web("git://github.com/o/r.git"), "https://github.com/o/r");
    assert.equal(web("github:o/r"), "https://github.com/o/r");
    assert.equal(web("o/r"), "https://github.com/o/r");
    assert.equal(web("http://git.internal:8080/o/r.git"), "http://git.internal:8080/o/r");
    assert.equal(web("ssh://git@git.internal:2222/o/r.git"), "https://git.internal/o/r");
    assert.deepEqual(repositoryWebUrl("gitlab:g/p"), { url: "https://gitlab.com/g/p", forge: "gitlab" });
    assert.equal(repositoryWebUrl("not a repository"), undefined);
    assert.equal(
      runbookBaseUrl({}, {}, { version: "1.0.0", repository: { url: "git+https://gitlab.example.com/g/mono.git", directory: "packages/modelship" } }),
      "https://gitlab.example.com/g/mono/-/blob/v1.0.0/packages/modelship/docs/runbooks.md",
    );
    assert.equal(runbookBaseUrl({}, {}, { version: "1.0.0" }), undefined);
  });

  it("by default, names modelship's own package.json repository and version, read at run time", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    assert.deepEqual(modelshipPackage(), { version: pkg.version, repository: pkg.repository });
    const expected = `${repositoryWebUrl(pkg.repository.url)!.url}/blob/v${pkg.version}/${RUNBOOKS_PATH}`;
    assert.equal(runbookBaseUrl({}, {}, modelshipPackage()), expected);
    // The file the link names exists in this checkout (the tag v<version> holds the same path).
    assert.ok(fs.existsSync(path.join(ROOT, RUNBOOKS_PATH)));
    // Found from below the package root (the compiled module sits in dist/components/monitoring),
    // and never some other package's package.json.
    assert.equal(modelshipPackage(path.join(ROOT, "dist", "components", "monitoring")).version, pkg.version);
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), "not-modelship-"));
    try {
      fs.writeFileSync(path.join(elsewhere, "package.json"), JSON.stringify({ name: "other", version: "9.9.9" }));
      assert.throws(() => modelshipPackage(elsewhere), /no package.json named "modelship"/);
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it("monitoringContext resolves it once from the environment it is given, and every alert links there", () => {
    const f = fleet();
    assert.equal(f.monitoring.runbookBaseUrl, undefined, "no placeholder default in the schema");
    const ci = monitoringContext(f, "staging", GITHUB_PUSH, PKG);
    assert.equal(ci.settings.runbookBaseUrl, "https://github.com/team/ml-platform/blob/main/docs/runbooks.md");
    assert.equal(monitoringContext(f, "staging", {}, PKG).settings.runbookBaseUrl, PACKAGE_RUNBOOKS);
    const rule = modelMonitoringObjects(f.models[0], ci).find((o) => o.kind === "PrometheusRule")!;
    const alerts = (rule.spec as { groups: { rules: { alert?: string; annotations?: Record<string, string> }[] }[] }).groups.flatMap((g) => g.rules).filter((r) => r.alert);
    assert.ok(alerts.length > 10);
    for (const a of alerts) assert.equal(a.annotations!.runbook_url, `https://github.com/team/ml-platform/blob/main/docs/runbooks.md#${a.alert!.toLowerCase()}`);
    // Set explicitly, the stack file's value is kept as it is.
    const explicit = { ...f, monitoring: { ...f.monitoring, runbookBaseUrl: "https://wiki.example.com/rb" } };
    assert.equal(monitoringContext(explicit, "staging", GITHUB_PUSH, PKG).settings.runbookBaseUrl, "https://wiki.example.com/rb");
  });
});
