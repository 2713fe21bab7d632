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

/** The issuer of GitHub Actions OIDC tokens: the cloud trust policies trust it, keyless signatures are issued for it. */
export const ACTIONS_OIDC_ISSUER = 'https://token.actions.githubusercontent.com';
/** The issuer's host, the prefix of its claims in AWS IAM conditions (`<host>:sub`). */
export const ACTIONS_OIDC_HOST = ACTIONS_OIDC_ISSUER.replace(/^https:\/\//, '');

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
