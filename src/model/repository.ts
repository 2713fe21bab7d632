import { Component, Project } from 'projen';
import { checkBranch } from '../core/checks';
import { addValidation, Problem } from '../core/validation';

/** The defaults of the repository facts: the one place each is written. */
export const REPOSITORY_DEFAULTS = { defaultBranch: 'main', tagPattern: 'v*', runsOn: 'ubuntu-24.04' } as const;

// GitHub: owners are 1-39 letters, digits or single hyphens (no hyphen at either end);
// repository names are letters, digits, '.', '_' and '-' (not '.' or '..').
const OWNER = /^[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}$/;
const NAME = /^[A-Za-z0-9._-]{1,100}$/;

/** Options for `Repository`. */
export interface RepositoryOptions {
  /**
   * The GitHub repository as `owner/name` (e.g. `acme/orders`): with it the image reference
   * is known at synth time, so Helm values and rendered manifests can name the image.
   * @default - unknown until a workflow runs (the deployment part needs it or `imageName`)
   */
  readonly repository?: string;

  /**
   * The URL the repository is cloned from by Argo CD (the Applications' `repoURL` and the
   * AppProject's only `sourceRepos` entry): `https://host/path.git` (GitHub Enterprise Server,
   * a mirror), `git@host:owner/name.git` or `ssh://git@host[:port]/path.git` (SSH, with the
   * key in an Argo CD repository Secret), or `git://host[:port]/path.git` (read-only and
   * unauthenticated: tests and local mirrors). No credentials in the URL.
   * @default - `https://github.com/<repository>.git`
   */
  readonly repositoryUrl?: string;

  /**
   * The branch that is deployed: protected, built on pull requests, published on push.
   * @default "main"
   */
  readonly defaultBranch?: string;

  /**
   * Git tags that publish a release image and are protected from moves and deletion.
   * @default "v*"
   */
  readonly tagPattern?: string;

  /**
   * The runner label of every generated job.
   * @default "ubuntu-24.04"
   */
  readonly runsOn?: string;
}

/** The facts every component reads about the repository (defaults filled in). */
export interface RepositoryFacts {
  /**
   * `owner/name`, or `undefined` when not configured.
   * @default - not configured
   */
  readonly repository?: string;
  /**
   * The GitHub owner (user or organization), if known.
   * @default - not configured
   */
  readonly owner?: string;
  /**
   * The GitHub repository's name, if known.
   * @default - not configured
   */
  readonly name?: string;
  /**
   * The URL Argo CD clones the repository from: `repositoryUrl`, or
   * `https://github.com/<owner>/<name>.git`; `undefined` when neither is configured.
   * @default - not configured
   */
  readonly url?: string;
  /** The deployed branch. */
  readonly defaultBranch: string;
  /** The release tag pattern. */
  readonly tagPattern: string;
  /** The runner label. */
  readonly runsOn: string;
}

/** The GitHub `owner/name` grammar: `undefined` when fine, else the problem with a fix. */
export function checkRepository(value: string): string | undefined {
  const parts = typeof value === 'string' ? value.split('/') : [];
  if (parts.length !== 2 || !OWNER.test(parts[0]) || !NAME.test(parts[1]) || parts[1] === '.' || parts[1] === '..') {
    const words = String(value ?? '').replace(/^https?:\/\/github\.com\//, '').replace(/\.git$/, '').split('/').filter(Boolean);
    const clean = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '');
    const suggestion = words.length >= 2 ? `${clean(words[0]).replace(/[._]/g, '-')}/${clean(words[1])}` : 'my-org/my-repo';
    return `must be a GitHub repository as 'owner/name' (owner: letters, digits, single '-'; name: letters, digits, '.', '_', '-'), got ${JSON.stringify(value)}; try '${suggestion}'`;
  }
  return undefined;
}

// A host name (DNS labels joined by '.', which covers IPv4 addresses), an optional port, and a
// path of segments of unreserved URL characters, none starting with '.' (so no '.' or '..'
// segment) and none empty. No userinfo but an SSH user, no query, no fragment, no spaces.
const HOST = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*';
const PORT = '(?::(?:[1-9][0-9]{0,4}))?';
const SEGMENT = '[A-Za-z0-9_~-][A-Za-z0-9._~-]*';
const PATH = `${SEGMENT}(?:/${SEGMENT})*`;
const USER = '[A-Za-z0-9._-]+';
/** The repository URL forms Argo CD clones from (scheme URLs and scp-like SSH), without credentials. */
const REPOSITORY_URL = new RegExp([
  `^https://${HOST}${PORT}/${PATH}$`,
  `^ssh://(?:${USER}@)?${HOST}${PORT}/${PATH}$`,
  `^git://${HOST}${PORT}/${PATH}$`,
  `^${USER}@${HOST}:${SEGMENT}(?:/${SEGMENT})*$`,
].join('|'));

/**
 * `repositoryUrl`: an `https://`, `ssh://` or `git://` URL, or scp-like `user@host:path` (the
 * forms git and Argo CD clone from); no credentials, no query or fragment, no `.` or `..`
 * segment, a port from 1 to 65535. `undefined` when fine,
 * else the problem with a fix (the GitHub URL of `repository` when it is known).
 */
export function checkRepositoryUrl(value: string, repository?: string): string | undefined {
  if (validRepositoryUrl(value)) return undefined;
  const text = typeof value === 'string' ? value : '';
  // What was probably meant: credentials, query and fragment dropped; http and a bare host/path made https.
  let fix = text.trim().replace(/[?#].*$/, '')
    .replace(/^(https?|ssh|git):\/\/[^@/]*@/, (_m, scheme: string) => (scheme === 'ssh' ? 'ssh://git@' : `${scheme}://`))
    .replace(/^http:\/\//, 'https://');
  if (/^[A-Za-z0-9.-]+\.[A-Za-z]{2,}\/[^:]+$/.test(fix)) fix = `https://${fix}`;
  if (!validRepositoryUrl(fix)) fix = repository !== undefined && checkRepository(repository) === undefined ? `https://github.com/${repository}.git` : 'https://github.com/my-org/my-repo.git';
  return `must be a git URL Argo CD can clone, without credentials: 'https://host/owner/name.git', 'git@host:owner/name.git', 'ssh://git@host[:port]/owner/name.git' or 'git://host[:port]/name.git', got ${JSON.stringify(value)}; try '${fix}'`;
}

function validRepositoryUrl(value: string): boolean {
  if (typeof value !== 'string' || value.length > 2048 || !REPOSITORY_URL.test(value)) return false;
  const port = /^[a-z]+:\/\/[^/]*:(\d+)\//.exec(value)?.[1];
  return port === undefined || Number(port) <= 65535;
}

/**
 * The repository's facts in one place: `owner/name`, the URL it is cloned from, the default branch, the release tag
 * pattern and the runner label. Workflows, rulesets and the deployment read them with
 * `Repository.factsOf(project)` instead of keeping defaults of their own.
 */
export class Repository extends Component {
  /** The project's repository facts component, if it has one. */
  public static of(project: Project): Repository | undefined {
    return project.components.find((c): c is Repository => c instanceof Repository);
  }

  /** The project's repository facts, the defaults where it has no `Repository`. */
  public static factsOf(project: Project): RepositoryFacts {
    return Repository.of(project)?.facts ?? { ...REPOSITORY_DEFAULTS };
  }

  /** The facts, defaults filled in. */
  public readonly facts: RepositoryFacts;

  constructor(project: Project, options: RepositoryOptions = {}) {
    super(project);
    const [owner, name] = options.repository?.split('/') ?? [];
    this.facts = {
      repository: options.repository,
      url: options.repositoryUrl ?? (options.repository === undefined ? undefined : `https://github.com/${options.repository}.git`),
      owner: options.repository === undefined ? undefined : owner,
      name: options.repository === undefined ? undefined : name,
      defaultBranch: options.defaultBranch ?? REPOSITORY_DEFAULTS.defaultBranch,
      tagPattern: options.tagPattern ?? REPOSITORY_DEFAULTS.tagPattern,
      runsOn: options.runsOn ?? REPOSITORY_DEFAULTS.runsOn,
    };
    addValidation(project, () => {
      const problems: Problem[] = [];
      const report = (option: string, message: string | undefined) => message && problems.push({ option, message });
      if (options.repository !== undefined) report('repository', checkRepository(options.repository));
      if (options.repositoryUrl !== undefined) report('repositoryUrl', checkRepositoryUrl(options.repositoryUrl, options.repository));
      // Under 'branch', as every component that takes the branch reports it: one message, not several.
      report('branch', checkBranch(this.facts.defaultBranch));
      if (!this.facts.tagPattern || /\s|^refs\//.test(this.facts.tagPattern)) {
        report('tagPattern', `must be a git tag glob without spaces or 'refs/tags/', got ${JSON.stringify(this.facts.tagPattern)}; try 'v*'`);
      }
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(this.facts.runsOn)) {
        report('runsOn', `must be a runner label (letters, digits, '.', '_', '-'), got ${JSON.stringify(this.facts.runsOn)}; try 'ubuntu-24.04'`);
      }
      return problems;
    });
  }
}
