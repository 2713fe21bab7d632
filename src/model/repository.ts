import { Component, Project } from 'projen';
import { checkBranch, show } from '../core/checks';
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
    // Each part cleaned, and the whole checked again: 'acme/..' gives 'acme/my-repo', never 'acme/'.
    const owner = words.length >= 2 ? clean(words[0]).replace(/[._]+/g, '-').replace(/-{2,}/g, '-').replace(/^-+|-+$/g, '').slice(0, 39).replace(/-+$/, '') : '';
    const name = words.length >= 2 ? clean(words[1]).slice(0, 100) : '';
    const candidate = `${owner || 'my-org'}/${name && name !== '.' && name !== '..' ? name : 'my-repo'}`;
    const parts2 = candidate.split('/');
    const suggestion = OWNER.test(parts2[0]) && NAME.test(parts2[1]) ? candidate : 'my-org/my-repo';
    return `must be a GitHub repository as 'owner/name' (owner: letters, digits, single '-'; name: letters, digits, '.', '_', '-'), got ${show(value)}; try '${suggestion}'`;
  }
  return undefined;
}

/**
 * The repository's facts in one place: `owner/name`, the default branch, the release tag
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
      // Under 'branch', as every component that takes the branch reports it: one message, not several.
      report('branch', checkBranch(this.facts.defaultBranch));
      if (!this.facts.tagPattern || /\s|^refs\//.test(this.facts.tagPattern)) {
        report('tagPattern', `must be a git tag glob without spaces or 'refs/tags/', got ${show(this.facts.tagPattern)}; try 'v*'`);
      }
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(this.facts.runsOn)) {
        report('runsOn', `must be a runner label (letters, digits, '.', '_', '-'), got ${show(this.facts.runsOn)}; try 'ubuntu-24.04'`);
      }
      return problems;
    });
  }
}

/**
 * The image path (after the registry host) derived when a service sets no `imageName`: the
 * container workflow's rule, `<owner>/<repo>` lowercased, with `/<service>` appended for a
 * service in a folder of its own when there are several. The one place it is computed.
 */
export function derivedImagePath(repository: string, service: string | undefined): string {
  return `${repository.toLowerCase()}${service === undefined ? '' : `/${service}`}`;
}
