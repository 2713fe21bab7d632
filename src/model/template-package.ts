import { GITHUB_OWNER, isPackageName } from './names';
import { foreignGithubRegistry, githubContainerRegistryOf } from './registry';
import { checkGithubUrl, checkMirror, checkNpmRegistryUrl, checkRepositoryUrl, checkSecretName, REPOSITORY_DEFAULTS } from './repository';
import { checkRegistry, show } from '../core/checks';
import { Problem } from '../core/validation';

/*
 * A company template package's names and their grammars: the one home `GitOpsTemplateProject`
 * (which checks its options at synth) and `projen-gitops template` (which checks its flags
 * before it makes anything) both read. Internal.
 */

/** What a template package is made of, by the options of `GitOpsTemplateProject`. */
export interface TemplatePackageSettings {
  readonly name: string;
  readonly templateClassName?: string;
  readonly githubOrg?: string;
  readonly npmRegistryUrl?: string;
  readonly npmTokenSecret?: string;
  readonly imageRegistry?: string;
  readonly baseImageMirror?: string;
  readonly repositoryUrl?: string;
  readonly githubUrl?: string;
}

/** The registry a template publishes to unless told: a placeholder its README says to replace. */
export const DEFAULT_PUBLISH_REGISTRY = 'https://npm.example.com/';
/** The secret the publish and install token is read from unless told. */
export const DEFAULT_TOKEN_SECRET = 'NPM_TOKEN';

const IDENTIFIER = /^[A-Z][A-Za-z0-9]{0,99}$/;

/** `@acme/gitops-template` → `AcmeGitOpsProject`, `@my-org/gitops-template` → `MyOrgGitOpsProject`; `orders-template` → `OrdersTemplateProject`. */
export function templateClassName(name: string): string {
  const [scope, base] = name.startsWith('@') ? name.slice(1).split('/') : [undefined, name];
  const words = (scope ? [...scope.split(/[^A-Za-z0-9]+/), ...base.replace(/gitops|template/g, ' ').split(/[^A-Za-z0-9]+/)] : base.split(/[^A-Za-z0-9]+/)).filter(Boolean);
  const pascal = words.map((w) => w[0].toUpperCase() + w.slice(1)).join('');
  return `${/^[A-Za-z]/.test(pascal) ? pascal : `T${pascal}`}${scope ? 'GitOps' : ''}Project`;
}

/** The names the seeded files use, from the package name unless given. */
export function templateNames(settings: TemplatePackageSettings) {
  const scope = /^@([^/]+)\//.exec(settings.name)?.[1];
  return {
    packageName: settings.name,
    className: settings.templateClassName ?? templateClassName(settings.name),
    org: settings.githubOrg ?? (scope && GITHUB_OWNER.test(scope) ? scope : 'my-org'),
    scope: scope ? `@${scope}` : undefined,
  };
}

/**
 * Every problem of a template package's settings, by option name (`imageRegistry`), each with
 * the value and a fix: the package name, the class and organization names made from it (or
 * given), the registries, the token secret, the mirror and the repository URL.
 */
export function templatePackageProblems(settings: TemplatePackageSettings): Problem[] {
  const problems: Problem[] = [];
  const report = (option: string, message: string | undefined) => message && problems.push({ option, message });
  const nameOk = isPackageName(settings.name);
  if (!nameOk) report('name', `must be an npm package name (lowercase, optionally '@scope/'), got ${show(settings.name)}; try '@my-org/gitops-template'`);
  // The class and organization made from a name that is wrong are that name's problem.
  const names = templateNames({ ...settings, name: nameOk ? settings.name : '@my-org/gitops-template' });
  if (!IDENTIFIER.test(names.className)) {
    report('templateClassName', `must be a PascalCase TypeScript class name (a capital letter, then at most 99 letters and digits), got ${show(names.className)}; try 'AcmeGitOpsProject'`);
  }
  if (!GITHUB_OWNER.test(names.org)) report('githubOrg', `must be a GitHub organization (letters, digits, single '-'), got ${show(names.org)}; try 'my-org'`);
  report('npmRegistryUrl', checkNpmRegistryUrl(settings.npmRegistryUrl ?? DEFAULT_PUBLISH_REGISTRY));
  report('npmTokenSecret', checkSecretName(settings.npmTokenSecret ?? DEFAULT_TOKEN_SECRET));
  // Written into the template's TypeScript source: the registry grammar keeps it a plain host.
  const githubUrl = settings.githubUrl ?? REPOSITORY_DEFAULTS.githubUrl;
  const githubUrlProblem = settings.githubUrl === undefined ? undefined : checkGithubUrl(settings.githubUrl);
  report('githubUrl', githubUrlProblem);
  // The registry is checked against the server only once the server is one.
  const githubUrlOk = githubUrlProblem === undefined;
  if (settings.imageRegistry !== undefined) {
    report('imageRegistry', checkRegistry(settings.imageRegistry) ?? (githubUrlOk ? foreignGithubRegistry(settings.imageRegistry, githubUrl)?.replace(/remove it \(the default/, 'leave it unset (the default') : undefined));
  } else if (githubUrlOk && githubContainerRegistryOf(githubUrl) === undefined) {
    report('imageRegistry', `is needed: the company's GitHub server ${show(githubUrl)} (githubUrl) has no Container registry (GitHub Enterprise Server has one only with subdomain isolation, which needs a host name, not an IP address), got none; set githubUrl to the server's host name, or imageRegistry: 'registry.example.com'`);
  }
  if (settings.baseImageMirror !== undefined) report('baseImageMirror', checkMirror(settings.baseImageMirror));
  if (settings.repositoryUrl !== undefined) report('repositoryUrl', checkRepositoryUrl(settings.repositoryUrl, undefined, githubUrl));
  return problems;
}
