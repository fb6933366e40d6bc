// Where alerts' `runbook_url` points (pure: the environment and the package's own metadata are
// arguments; monitoringContext reads them once, at the edge of the program).
//
// Every alert links to `<base>#<alertname lower-case>`: GitHub (and GitLab) give a heading an
// anchor by lower-casing it and dropping punctuation, so `## ModelNotLoaded` is `#modelnotloaded`
// (GitHub Docs, "Basic writing and formatting syntax", section links:
// https://docs.github.com/en/get-started/writing-on-github/getting-started-with-writing-and-formatting-on-github/basic-writing-and-formatting-syntax#section-links).

/** The runbooks, one section per alert, relative to the repository's root. */
export const RUNBOOKS_PATH = "docs/runbooks.md";

/** The environment as the program sees it (process.env). */
export type Env = Readonly<Record<string, string | undefined>>;

/** What modelship's own package.json says about where it comes from. */
export interface PackageSource {
  version: string;
  /** `repository` as npm accepts it: a string shorthand or `{type, url, directory?}`. */
  repository?: string | { type?: string; url?: string; directory?: string };
}

type Forge = "github" | "gitlab";

/** A file of a repository as its forge shows it on the web. */
function blobUrl(repoUrl: string, forge: Forge, ref: string, file: string): string {
  // GitLab's file pages live under `/-/blob/<ref>/<path>` (gitlab-org/gitlab#232924 shows the
  // form), GitHub's under `/blob/<ref>/<path>`. A branch may contain `/`; each segment is escaped.
  const escapedRef = ref.split("/").map(encodeURIComponent).join("/");
  return `${repoUrl.replace(/\/+$/, "")}${forge === "gitlab" ? "/-" : ""}/blob/${escapedRef}/${file}`;
}

const nonEmpty = (v: string | undefined): string | undefined => (v && v.trim() ? v.trim() : undefined);

/**
 * The project's runbooks when CI says which repository it builds. The ref is the *branch*, not
 * the commit: a commit-pinned link would change every PrometheusRule on every deploy, so a
 * rollback (a commit of the stack file) would touch the monitoring objects too, and every pull
 * request's preview would show a diff of them; the branch keeps the link stable and points at
 * the runbooks as they are now, fixes included. A pull request renders its target branch's link,
 * the one the deploy after the merge renders.
 */
function ciRunbooks(env: Env): string | undefined {
  // GitHub Actions' default variables: GITHUB_ACTIONS is always "true" in a workflow;
  // GITHUB_SERVER_URL ("https://github.com"), GITHUB_REPOSITORY ("owner/repo"), GITHUB_REF_NAME
  // (the branch or tag; "<pr>/merge" for pull requests) and GITHUB_BASE_REF (a pull request's
  // target branch, set only for pull_request and pull_request_target events)
  // (https://docs.github.com/en/actions/reference/variables-reference#default-environment-variables).
  if (env.GITHUB_ACTIONS === "true") {
    const server = nonEmpty(env.GITHUB_SERVER_URL);
    const repo = nonEmpty(env.GITHUB_REPOSITORY);
    const ref = nonEmpty(env.GITHUB_BASE_REF) ?? nonEmpty(env.GITHUB_REF_NAME);
    if (server && repo && ref) return blobUrl(`${server}/${repo}`, "github", ref, RUNBOOKS_PATH);
  }
  // GitLab CI's predefined variables: GITLAB_CI is "true" in every job; CI_PROJECT_URL is the
  // project's HTTP(S) address, CI_COMMIT_REF_NAME the branch or tag built, and
  // CI_MERGE_REQUEST_TARGET_BRANCH_NAME a merge request pipeline's target branch
  // (https://docs.gitlab.com/ci/variables/predefined_variables/).
  if (env.GITLAB_CI === "true") {
    const project = nonEmpty(env.CI_PROJECT_URL);
    const ref = nonEmpty(env.CI_MERGE_REQUEST_TARGET_BRANCH_NAME) ?? nonEmpty(env.CI_COMMIT_REF_NAME);
    if (project && ref) return blobUrl(project, "gitlab", ref, RUNBOOKS_PATH);
  }
  // Pulumi Deployments sets PULUMI_CI_SYSTEM, PULUMI_CI_BUILD_*, PULUMI_CI_ORGANIZATION/PROJECT/
  // STACK and GITHUB_TOKEN, but neither the repository's URL nor the commit
  // (https://www.pulumi.com/docs/deployments/concepts/settings/environment-variables/): it falls
  // through to the package's own runbooks, like a run on a laptop.
  return undefined;
}

/**
 * A repository as npm's `repository` field writes it, as the web address of the repository
 * (https://docs.npmjs.com/cli/v10/configuring-npm/package-json#repository): `git+https://…`,
 * `https://…`, `git://…`, `git+ssh://git@host/…`, `git@host:owner/repo`, `github:owner/repo`,
 * `gitlab:owner/repo` or the bare `owner/repo` GitHub shorthand; a trailing `.git` dropped.
 */
export function repositoryWebUrl(spec: string): { url: string; forge: Forge } | undefined {
  const s = spec.trim();
  const short = /^(?:(github|gitlab):)?([\w.-]+\/[\w.-]+?)(?:\.git)?$/.exec(s);
  if (short) {
    const forge = (short[1] as Forge | undefined) ?? "github";
    return { url: `https://${forge}.com/${short[2]}`, forge };
  }
  // scp-like `git@host:path`, or a URL; an http(s) port is the web server's and stays, an ssh one does not.
  const scp = /^[\w.-]+@([\w.-]+):(?!\/)(.+?)(?:\.git)?\/?$/.exec(s);
  const url = /^(?:git\+)?(https?|git|ssh|git\+ssh):\/\/(?:[^@/]+@)?([^/:]+)(:\d+)?\/(.+?)(?:\.git)?\/?$/.exec(s);
  const web = url && /^https?$/.test(url[1]);
  const [host, port, path] = scp ? [scp[1], "", scp[2]] : url ? [url[2], web ? (url[3] ?? "") : "", url[4]] : [];
  if (!host || !path) return undefined;
  const name = host.toLowerCase();
  const scheme = web && url[1] === "http" ? "http" : "https";
  return { url: `${scheme}://${name}${port}/${path}`, forge: /(^|\.)gitlab\./.test(name) ? "gitlab" : "github" };
}

/** The runbooks of this very modelship version, in the repository package.json names. */
function packageRunbooks(pkg: PackageSource): string | undefined {
  const repo = typeof pkg.repository === "string" ? { url: pkg.repository } : pkg.repository;
  const web = repo?.url ? repositoryWebUrl(repo.url) : undefined;
  if (!web) return undefined;
  // A package published from a subdirectory of its repository names it in `directory`.
  const dir = repo?.directory ? `${repo.directory.replace(/^\/+|\/+$/g, "")}/` : "";
  return blobUrl(web.url, web.forge, `v${pkg.version}`, `${dir}${RUNBOOKS_PATH}`);
}

/**
 * The base of every alert's runbook link: `monitoring.runbookBaseUrl` when set; else the
 * project's own docs/runbooks.md when CI says which repository it builds (GitHub Actions,
 * GitLab CI); else the runbooks of the installed modelship version (`…/blob/v<version>/…` of
 * the repository its package.json names). Undefined only when none of these is known.
 *
 * The CI-derived link differs from what a laptop renders: a local `pulumi preview` then shows
 * a diff of every PrometheusRule's annotations. Setting runbookBaseUrl avoids that.
 */
export function runbookBaseUrl(settings: { runbookBaseUrl?: string }, env: Env, pkg: PackageSource): string | undefined {
  return settings.runbookBaseUrl ?? ciRunbooks(env) ?? packageRunbooks(pkg);
}
