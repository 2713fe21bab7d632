import { Component, Project } from 'projen';
import { isRepository } from './names';
import { checkBranch, checkRunnerLabel, checkTagPattern, show } from '../core/checks';
import { componentOfType, indexComponent } from '../core/component-index';
import { addValidation, Problem } from '../core/validation';

/** The defaults of the repository facts: the one place each is written. */
export const REPOSITORY_DEFAULTS = {
  defaultBranch: 'main',
  tagPattern: 'v*',
  runsOn: 'ubuntu-24.04',
  githubUrl: 'https://github.com',
  githubApiUrl: 'https://api.github.com',
} as const;

/** The Node.js version the generated workflows run the repository's tooling with. */
export const TOOLING_NODE_VERSION = '22';
/** How a workflow installs the repository's tooling (projen, projen-gitops) from the lock file. */
export const TOOLING_INSTALL = 'npm ci --no-audit --no-fund';


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
   * @default - `<githubUrl>/<repository>.git`
   */
  readonly repositoryUrl?: string;

  /**
   * The GitHub server the repository lives on: `https://github.com`, a GitHub Enterprise Server
   * (`https://github.acme.com`, its REST API at `/api/v3`) or GitHub Enterprise Cloud with data
   * residency (`https://acme.ghe.com`, its REST API at `https://api.acme.ghe.com`). An `https`
   * URL of the server's root (`http` only for 127.0.0.1 or localhost), no path, credentials,
   * query or fragment. The default `repositoryUrl` and the GitHub API Argo CD's deployment
   * records are written to follow it, and so are the GitHub Actions OIDC issuer the cloud trust
   * and the signatures name and the signing modes that work there (docs/signing.md).
   * @default "https://github.com"
   */
  readonly githubUrl?: string;

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

  /**
   * The npm registry the repository's tooling installs from (a company template, private packages).
   * @default - registry.npmjs.org, no token
   */
  readonly npmRegistry?: NpmRegistry;

  /**
   * A registry prefix in front of every default base and build image.
   * @default - images pulled from their own registries
   */
  readonly baseImageMirror?: string;
}

/**
 * A private npm registry: `.npmrc`, every workflow that runs `npm ci` and Dependabot use it.
 * The token is never written anywhere: `.npmrc` reads it from the `NODE_AUTH_TOKEN`
 * environment variable, which workflows set from the secret `tokenSecret`.
 */
export interface NpmRegistry {
  /**
   * The registry's URL: `https://` (or `http://` for 127.0.0.1 and localhost only), a host, an
   * optional port and path, no credentials, query or fragment; e.g.
   * `https://npm.acme.internal/repository/npm/`.
   */
  readonly url: string;

  /**
   * The package scope served by the registry (e.g. `@acme`); other packages still come from
   * registry.npmjs.org.
   * @default - every package comes from this registry
   */
  readonly scope?: string;

  /**
   * The name of the GitHub Actions secret (and Dependabot secret) holding the registry token:
   * uppercase letters, digits and `_`, not starting with a digit or `GITHUB_`.
   * @default "NPM_TOKEN"
   */
  readonly tokenSecret?: string;
}

/** The npm registry facts, defaults filled in. */
export interface NpmRegistryFacts {
  /** The registry URL, with a trailing `/`. */
  readonly url: string;
  /**
   * The scope, if the registry serves one.
   * @default - every package
   */
  readonly scope?: string;
  /** The secret holding the token. */
  readonly tokenSecret: string;
  /** The environment variable `.npmrc` reads the token from. */
  readonly tokenVariable: string;
  /** The `.npmrc` key of the token (`//host/path/:_authToken`). */
  readonly authKey: string;
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
   * `<githubUrl>/<owner>/<name>.git`; `undefined` when neither is configured.
   * @default - not configured
   */
  readonly url?: string;
  /** The GitHub server's URL, without a trailing `/` (`https://github.com` by default). */
  readonly githubUrl: string;
  /**
   * The server's REST API root, without a trailing `/`: `https://api.github.com`,
   * `https://<host>/api/v3` for GitHub Enterprise Server, `https://api.<sub>.ghe.com` for
   * GitHub Enterprise Cloud with data residency (what GitHub Actions calls `GITHUB_API_URL`).
   */
  readonly githubApiUrl: string;
  /** The deployed branch. */
  readonly defaultBranch: string;
  /** The release tag pattern. */
  readonly tagPattern: string;
  /** The runner label. */
  readonly runsOn: string;
  /**
   * The private npm registry, if any.
   * @default - registry.npmjs.org
   */
  readonly npmRegistry?: NpmRegistryFacts;
  /**
   * The registry prefix of default base and build images, if any.
   * @default - none
   */
  readonly baseImageMirror?: string;
}

const NPM_URL = /^(https:\/\/[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|http:\/\/(?:127\.0\.0\.1|localhost))(?::(\d{1,5}))?(\/[A-Za-z0-9._~%!$&'()*+,;=:@/-]*)?$/;
const NPM_SCOPE = /^@[a-z0-9-~][a-z0-9-._~]{0,213}$/;
const SECRET = /^[A-Z_][A-Z0-9_]{0,99}$/;
// A registry host (DNS name or IPv4, optional port), then optional lowercase path components.
const MIRROR = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(?::(\d{1,5}))?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

/** The token variable `.npmrc` reads (setup-node's convention). */
export const NPM_TOKEN_VARIABLE = 'NODE_AUTH_TOKEN';

/**
 * The BuildKit secret a Node.js image build reads the repository's `.npmrc` (registry and token
 * key, no token) from; the token is the secret named like its variable (`NODE_AUTH_TOKEN`). The
 * Dockerfile mounts both for its install step only and the build workflow passes them: the token
 * reaches no layer, no build argument and no log.
 */
export const NPMRC_BUILD_SECRET = 'npmrc';

/** `npmRegistry.url`: an https URL (http on loopback only) without credentials, query or fragment. */
export function checkNpmRegistryUrl(value: string): string | undefined {
  const match = typeof value === 'string' ? NPM_URL.exec(value) : null;
  if (!match || (match[2] !== undefined && (Number(match[2]) < 1 || Number(match[2]) > 65535)) || /\/\/|%(?![0-9A-Fa-f]{2})/.test((match[3] ?? '').slice(1))) {
    const host = String(value ?? '').replace(/^[a-z]+:\/\//i, '').replace(/^[^@/]*@/, '').split(/[/?#\s]/)[0].replace(/[^A-Za-z0-9.:-]/g, '');
    const fix = host && NPM_URL.test(`https://${host}/`) ? `https://${host}/` : 'https://npm.example.com/';
    return `must be an https URL of an npm registry (http only for 127.0.0.1 or localhost; no user, password, query or fragment), got ${JSON.stringify(value)}; try '${fix}'`;
  }
  return undefined;
}

/** `npmRegistry.scope`: an npm scope, `@` and a lowercase name. */
export function checkNpmScope(value: string): string | undefined {
  if (typeof value !== 'string' || !NPM_SCOPE.test(value)) {
    const fix = `@${String(value ?? '').toLowerCase().replace(/^@+/, '').replace(/\/.*$/, '').replace(/[^a-z0-9-._~]/g, '-').replace(/^[._]+/, '')}`;
    return `must be an npm scope ('@' and lowercase letters, digits, '-', '.', '_', '~'), got ${JSON.stringify(value)}; try '${NPM_SCOPE.test(fix) ? fix : '@my-org'}'`;
  }
  return undefined;
}

/** `npmRegistry.tokenSecret`: a GitHub secret name (uppercase letters, digits, `_`; not `GITHUB_`). */
export function checkSecretName(value: string): string | undefined {
  if (typeof value !== 'string' || !SECRET.test(value) || value.startsWith('GITHUB_')) {
    const fix = String(value ?? '').toUpperCase().replace(/[^A-Z0-9_]+/g, '_').replace(/^(?:GITHUB_)+|^[0-9]+/, '');
    return `must be a GitHub secret name (uppercase letters, digits and '_', not starting with a digit or 'GITHUB_'), got ${JSON.stringify(value)}; try '${fix && SECRET.test(fix) ? fix : 'NPM_TOKEN'}'`;
  }
  return undefined;
}

/** `baseImageMirror`: a registry host with an optional port and lowercase path components. */
export function checkMirror(value: string): string | undefined {
  const match = typeof value === 'string' ? MIRROR.exec(value) : null;
  if (!match || (match[1] !== undefined && (Number(match[1]) < 1 || Number(match[1]) > 65535)) || !/[.:]|^localhost(?:\/|$)/.test(value.split('/')[0])) {
    const fix = String(value ?? '').replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '').toLowerCase().replace(/[^a-z0-9.:/_-]/g, '');
    return `must be a registry host with a '.' or a port (a DNS name or IPv4 address), then optional lowercase path parts (no scheme, no trailing '/'), got ${JSON.stringify(value)}; try '${fix && fix !== value && MIRROR.test(fix) && /[.:]/.test(fix.split('/')[0]) ? fix : 'mirror.example.com/hub'}'`;
  }
  return undefined;
}

/**
 * A default image through the mirror: the mirror prefix, then the image's full reference
 * (`docker.io/library/node:22` through `mirror.acme.internal/hub` is
 * `mirror.acme.internal/hub/docker.io/library/node:22`), so images of every upstream registry
 * stay apart.
 */
export function mirrored(image: string, mirror: string | undefined): string {
  return mirror === undefined || image === '' ? image : `${mirror}/${image}`;
}

function npmRegistryFacts(registry: NpmRegistry | undefined): NpmRegistryFacts | undefined {
  if (registry === undefined) return undefined;
  const url = typeof registry.url === 'string' && !registry.url.endsWith('/') ? `${registry.url}/` : registry.url;
  return {
    url,
    scope: registry.scope,
    tokenSecret: registry.tokenSecret ?? 'NPM_TOKEN',
    tokenVariable: NPM_TOKEN_VARIABLE,
    authKey: `${String(url).replace(/^https?:/, '')}:_authToken`,
  };
}

// https (http on loopback only), a host name or IPv4 address, an optional port, at most a trailing '/'.
const GITHUB_URL = /^(?:https:\/\/([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)|http:\/\/(127\.0\.0\.1|localhost))(?::([1-9][0-9]{0,4}))?\/?$/;

/**
 * `githubUrl`: the root of a GitHub server, `https://host[:port]` (`http` for 127.0.0.1 or
 * localhost only); no path, credentials, query or fragment, not an API host (`api.github.com`). `undefined` when fine, else the
 * problem with a fix (the server of an API URL or a repository URL written instead).
 */
export function checkGithubUrl(value: string): string | undefined {
  if (validGithubUrl(value)) return undefined;
  // What was probably meant: the server of an API or repository URL, without credentials or path.
  const host = String(value ?? '').trim().replace(/^[a-z]+:\/\//i, '').replace(/^[^@/]*@/, '').split(/[/?#\s]/)[0].toLowerCase();
  const server = host.replace(/^api\.(?=github\.com(:|$)|[^.]+\.ghe\.com(:|$))/, '');
  const candidate = `${/^(127\.0\.0\.1|localhost)(:|$)/.test(server) ? 'http' : 'https'}://${server}`;
  const fix = server && validGithubUrl(candidate) ? candidate : 'https://github.example.com';
  return `must be the URL of a GitHub server's root, 'https://host[:port]' (http only for 127.0.0.1 or localhost; no path such as /api/v3, no user, password, query or fragment), got ${JSON.stringify(value)}; try '${fix}'`;
}

function validGithubUrl(value: unknown): boolean {
  const match = typeof value === 'string' ? GITHUB_URL.exec(value) : null;
  // The API hosts of github.com and of data-residency servers are not the server.
  const apiHost = /^api\.(github\.com|[^.]+\.ghe\.com)$/i.test(match?.[1] ?? '');
  return !!match && !apiHost && (match[3] === undefined || Number(match[3]) <= 65535);
}

/**
 * The REST API root of a GitHub server (GitHub Actions' `GITHUB_API_URL`): `api.github.com`
 * for github.com, `api.<sub>.ghe.com` for GitHub Enterprise Cloud with data residency, and
 * `<server>/api/v3` for GitHub Enterprise Server (and a test server on loopback).
 */
export function githubApiUrlOf(githubUrl: string): string {
  const server = githubServerOf(githubUrl);
  if (server.kind === GitHubServerKind.GITHUB_COM) return REPOSITORY_DEFAULTS.githubApiUrl;
  if (server.kind === GitHubServerKind.DATA_RESIDENCY) return `https://api.${server.host}`;
  return `${githubUrl.replace(/\/+$/, '')}/api/v3`;
}

/** The kinds of GitHub server a repository can live on (internal: what differs between them). */
export enum GitHubServerKind {
  /** github.com (GitHub Free/Pro/Team and GitHub Enterprise Cloud). */
  GITHUB_COM = 'github.com',
  /** GitHub Enterprise Cloud with data residency, `<subdomain>.ghe.com`. */
  DATA_RESIDENCY = 'ghe.com',
  /** GitHub Enterprise Server on a host of its own (or a test server on loopback). */
  SERVER = 'server',
}

/** A GitHub server: its kind, its host (lowercase, with the port if any) and its canonical root URL. */
export interface GitHubServer {
  readonly kind: GitHubServerKind;
  readonly host: string;
  /** `https://github.com`, `https://<sub>.ghe.com`, or the server's root as configured (host lowercased). */
  readonly url: string;
}

/**
 * The kind of GitHub server `githubUrl` names: github.com, a `<sub>.ghe.com` data-residency
 * server, or any other host (GitHub Enterprise Server). Host names compare case-insensitively.
 */
export function githubServerOf(githubUrl: string): GitHubServer {
  const match = /^(https?):\/\/([^/]+)/.exec(githubUrl.replace(/\/+$/, ''));
  const scheme = match?.[1] ?? 'https';
  const host = (match?.[2] ?? 'github.com').toLowerCase();
  if (host === 'github.com' && scheme === 'https') return { kind: GitHubServerKind.GITHUB_COM, host, url: REPOSITORY_DEFAULTS.githubUrl };
  if (/^[^.:]+\.ghe\.com$/.test(host) && scheme === 'https') return { kind: GitHubServerKind.DATA_RESIDENCY, host, url: `https://${host}` };
  return { kind: GitHubServerKind.SERVER, host, url: `${scheme}://${host}` };
}

/** The GitHub `owner/name` grammar: `undefined` when fine, else the problem with a fix. */
export function checkRepository(value: string): string | undefined {
  if (!isRepository(value)) {
    const words = String(value ?? '').replace(/^https?:\/\/github\.com\//, '').replace(/\.git$/, '').split('/').filter(Boolean);
    const clean = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '');
    // Each part cleaned, and the whole checked again: 'acme/..' gives 'acme/my-repo', never 'acme/'.
    const owner = words.length >= 2 ? clean(words[0]).replace(/[._]+/g, '-').replace(/-{2,}/g, '-').replace(/^-+|-+$/g, '').slice(0, 39).replace(/-+$/, '') : '';
    const name = words.length >= 2 ? clean(words[1]).slice(0, 100) : '';
    const candidate = `${owner || 'my-org'}/${name && name !== '.' && name !== '..' ? name : 'my-repo'}`;
    const suggestion = isRepository(candidate) ? candidate : 'my-org/my-repo';
    return `must be a GitHub repository as 'owner/name' (owner: letters, digits, single '-'; name: letters, digits, '.', '_', '-'), got ${show(value)}; try '${suggestion}'`;
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
export function checkRepositoryUrl(value: string, repository?: string, githubUrl: string = REPOSITORY_DEFAULTS.githubUrl): string | undefined {
  if (validRepositoryUrl(value)) return undefined;
  const text = typeof value === 'string' ? value : '';
  // What was probably meant: credentials, query and fragment dropped; http and a bare host/path made https.
  let fix = text.trim().replace(/[?#].*$/, '')
    .replace(/^(https?|ssh|git):\/\/[^@/]*@/, (_m, scheme: string) => (scheme === 'ssh' ? 'ssh://git@' : `${scheme}://`))
    .replace(/^http:\/\//, 'https://');
  if (/^[A-Za-z0-9.-]+\.[A-Za-z]{2,}\/[^:]+$/.test(fix)) fix = `https://${fix}`;
  // The fix names the repository's own server when that is a valid https root (not a loopback test server).
  const server = validGithubUrl(githubUrl) && githubUrl.startsWith('https://') ? githubUrl.replace(/\/+$/, '') : REPOSITORY_DEFAULTS.githubUrl;
  if (!validRepositoryUrl(fix)) fix = repository !== undefined && checkRepository(repository) === undefined ? `${server}/${repository}.git` : `${server}/my-org/my-repo.git`;
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
 * `Repository.factsOf(project)` instead of keeping defaults of their own, and read them late (in
 * `preSynthesize`, when the synth starts, or as lazy values), so this component may be added
 * before or after them.
 */
export class Repository extends Component {
  /** The project's repository facts component, if it has one. */
  public static of(project: Project): Repository | undefined {
    return componentOfType(project, Repository);
  }

  /** The project's repository facts, the defaults where it has no `Repository`. */
  public static factsOf(project: Project): RepositoryFacts {
    return Repository.of(project)?.facts ?? { ...REPOSITORY_DEFAULTS };
  }

  /** The facts, defaults filled in. */
  public readonly facts: RepositoryFacts;

  constructor(project: Project, options: RepositoryOptions = {}) {
    super(project);
    indexComponent(this, Repository);
    const [owner, name] = options.repository?.split('/') ?? [];
    const githubUrl = typeof options.githubUrl === 'string' ? options.githubUrl.replace(/\/+$/, '') : REPOSITORY_DEFAULTS.githubUrl;
    this.facts = {
      repository: options.repository,
      url: options.repositoryUrl ?? (options.repository === undefined ? undefined : `${githubUrl}/${options.repository}.git`),
      githubUrl,
      githubApiUrl: githubApiUrlOf(githubUrl),
      owner: options.repository === undefined ? undefined : owner,
      name: options.repository === undefined ? undefined : name,
      defaultBranch: options.defaultBranch ?? REPOSITORY_DEFAULTS.defaultBranch,
      tagPattern: options.tagPattern ?? REPOSITORY_DEFAULTS.tagPattern,
      runsOn: options.runsOn ?? REPOSITORY_DEFAULTS.runsOn,
      npmRegistry: npmRegistryFacts(options.npmRegistry),
      baseImageMirror: options.baseImageMirror,
    };
    addValidation(project, () => {
      const problems: Problem[] = [];
      const report = (option: string, message: string | undefined) => message && problems.push({ option, message });
      if (options.repository !== undefined) report('repository', checkRepository(options.repository));
      if (options.repositoryUrl !== undefined) report('repositoryUrl', checkRepositoryUrl(options.repositoryUrl, options.repository, githubUrl));
      if (options.githubUrl !== undefined) report('githubUrl', checkGithubUrl(options.githubUrl));
      // Checked here once for every component that reads them (a component checks only its own overrides).
      report('defaultBranch', checkBranch(this.facts.defaultBranch));
      report('tagPattern', checkTagPattern(this.facts.tagPattern));
      report('runsOn', checkRunnerLabel(this.facts.runsOn));
      const npm = options.npmRegistry;
      if (npm !== undefined) {
        if (typeof npm !== 'object' || npm === null) {
          report('npmRegistry', `must be { url, scope?, tokenSecret? }, got ${JSON.stringify(npm)}; try { url: 'https://npm.example.com/' }`);
        } else {
          report('npmRegistry.url', checkNpmRegistryUrl(npm.url));
          if (npm.scope !== undefined) report('npmRegistry.scope', checkNpmScope(npm.scope));
          if (npm.tokenSecret !== undefined) report('npmRegistry.tokenSecret', checkSecretName(npm.tokenSecret));
        }
      }
      if (options.baseImageMirror !== undefined) report('baseImageMirror', checkMirror(options.baseImageMirror));
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
