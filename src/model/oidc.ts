/**
 * The subject (`sub`) claims of GitHub Actions OIDC tokens, the one place they are computed:
 * the cloud trust policies (infra/) are written from the same refs the workflows trigger on,
 * so the two cannot disagree (the most common reason OIDC logins fail).
 *
 * GitHub's rules (docs.github.com, "About security hardening with OpenID Connect", example
 * subject claims): a job that names an `environment` gets `repo:<owner>/<repo>:environment:<name>`
 * whatever its ref; otherwise a `pull_request` run gets `repo:<owner>/<repo>:pull_request`, and
 * any other event `repo:<owner>/<repo>:ref:<full ref>` (`refs/heads/main`, `refs/tags/v1.2.3`).
 */

import { githubServerOf, GitHubServerKind } from './repository';

/** The issuer of github.com's GitHub Actions OIDC tokens (`actionsOidcIssuerOf` gives every server's). */
export const ACTIONS_OIDC_ISSUER = 'https://token.actions.githubusercontent.com';

/**
 * The issuer (`iss`) of the GitHub Actions OIDC tokens of the server `githubUrl` names: the
 * cloud trust policies trust it, and signing certificates name it. The one place it is computed.
 *
 * - github.com: `https://token.actions.githubusercontent.com` (docs.github.com, "OpenID Connect
 *   reference", the `iss` claim; github/docs content/actions/reference/security/oidc.md).
 * - GitHub Enterprise Cloud with data residency: `https://token.actions.<SUBDOMAIN>.ghe.com`
 *   (github/docs content/admin/data-residency/feature-overview-for-github-enterprise-cloud-with-data-residency.md,
 *   "URL differences": "The OIDC token is issued from https://token.actions.SUBDOMAIN.ghe.com";
 *   cli/cli pkg/cmd/attestation/verification/extensions.go, `GitHubTenantOIDCIssuer`).
 * - GitHub Enterprise Server: `https://HOSTNAME/_services/token` (the same OIDC reference in its
 *   `ghes` version: "The issuer of the OIDC token: https://HOSTNAME/_services/token").
 *
 * An enterprise on github.com with a custom issuer (`include_enterprise_slug`,
 * `https://token.actions.githubusercontent.com/<enterprise>`) is not modelled: its tokens still
 * carry the default issuer unless an enterprise owner turns that on.
 */
export function actionsOidcIssuerOf(githubUrl: string): string {
  const server = githubServerOf(githubUrl);
  switch (server.kind) {
    case GitHubServerKind.GITHUB_COM: return ACTIONS_OIDC_ISSUER;
    case GitHubServerKind.DATA_RESIDENCY: return `https://token.actions.${server.host}`;
    default: return `${server.url}/_services/token`;
  }
}

/**
 * The subject (SAN URI) of the signing certificate of a run of `workflowPath` on `branch`:
 * `<server>/<job_workflow_ref>`, i.e. `<server>/<owner>/<name>/<workflow path>@refs/heads/<branch>`.
 * Fulcio builds it from the token's `job_workflow_ref` claim and the server URL
 * (sigstore/fulcio config/identity/config.yaml, `subject-alternative-name-template:
 * "{{ .url }}/{{ .job_workflow_ref }}"` with `url: "https://github.com"`; the same in
 * pkg/identity/github/principal.go). GitHub's own Sigstore instance on a data-residency server
 * names `https://<sub>.ghe.com/...` (cli/cli pkg/cmd/attestation/verify/policy.go,
 * `expandToGitHubURL`). The admission policies, promotion and the docs read it here.
 */
export function signerIdentityOf(githubUrl: string, repository: string, workflowPath: string, branch: string): string {
  return `${githubServerOf(githubUrl).url}/${repository}/${workflowPath}@refs/heads/${branch}`;
}

/**
 * The prefix of an issuer's claims in AWS IAM condition keys (`<prefix>:sub`, `<prefix>:aud`):
 * the provider's URL without `https://`, path included (as EKS's `oidc.eks.<region>.amazonaws.com/id/<id>:sub`).
 */
export function oidcConditionPrefix(issuer: string): string {
  return issuer.replace(/^https?:\/\//, '');
}

/** What a job's runs are triggered by, for its OIDC subjects. */
export interface OidcRefs {
  /**
   * Branches whose pushes (or schedules) run the job.
   * @default - none
   */
  readonly branches?: string[];
  /**
   * Tag filter patterns (GitHub's glob) whose pushes run the job.
   * @default - none
   */
  readonly tags?: string[];
  /**
   * The job runs on pull requests (and names no environment).
   * @default false
   */
  readonly pullRequest?: boolean;
  /**
   * GitHub environments the job runs in: then only the environment form is sent.
   * @default - none (the ref forms are sent)
   */
  readonly environments?: string[];
}

/**
 * The subjects a job's tokens carry, as patterns where `*` stands for any text (IAM's
 * `StringLike`, Entra's flexible credentials). A tag glob becomes its literal prefix and `*`;
 * IAM's `*` also matches `/`, so `v*` admits slightly more tags than GitHub's filter would
 * trigger on, never fewer.
 */
export function oidcSubjects(repository: string, refs: OidcRefs): string[] {
  const repo = `repo:${repository}`;
  if (refs.environments && refs.environments.length > 0) return refs.environments.map((e) => `${repo}:environment:${e}`);
  return [
    ...(refs.branches ?? []).map((b) => `${repo}:ref:refs/heads/${b}`),
    ...(refs.tags ?? []).map((t) => `${repo}:ref:refs/tags/${globPrefix(t)}*`),
    ...(refs.pullRequest ? [`${repo}:pull_request`] : []),
  ];
}

/** The subject GitHub sends for one run: the form the trust must admit. */
export function subjectOf(repository: string, run: { event: string; ref: string; environment?: string }): string {
  if (run.environment) return `repo:${repository}:environment:${run.environment}`;
  if (run.event === 'pull_request') return `repo:${repository}:pull_request`;
  return `repo:${repository}:ref:${run.ref}`;
}

/** Whether `value` matches a pattern where `*` is any text (IAM `StringLike`). */
export function matchesPattern(pattern: string, value: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return regex.test(value);
}

/** The literal text of a GitHub filter glob before its first special character. */
function globPrefix(glob: string): string {
  const special = glob.search(/[*?+[\]!]/);
  return special < 0 ? glob : glob.slice(0, special);
}

/**
 * A CEL condition (Google Workload Identity Federation `attribute_condition`) that admits the
 * same runs as `oidcSubjects`: the token's `sub` equals one subject, or starts with the text
 * before a pattern's trailing `*`.
 */
export function celCondition(repository: string, refs: OidcRefs): string {
  const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return oidcSubjects(repository, refs)
    .map((subject) => subject.endsWith('*') ? `assertion.sub.startsWith(${quote(subject.slice(0, -1))})` : `assertion.sub == ${quote(subject)}`)
    .join(' || ');
}
