import * as fs from 'fs';
import * as path from 'path';
import { cdk, javascript, SampleFile } from 'projen';
import { checkRegistry, show } from '../core/checks';
import { renderTemplate } from '../core/templates';
import { addValidation, Problem } from '../core/validation';
import { FleetReportWorkflow } from '../github/fleet-report-workflow';
import { GITHUB_OWNER } from '../model/names';
import { checkMirror, checkNpmRegistryUrl, checkSecretName } from '../model/repository';
import { OPTION_DEFAULTS } from '../model/template-defaults';

/** Options for `GitOpsTemplateProject`. */
export interface GitOpsTemplateProjectOptions extends cdk.JsiiProjectOptions {
  /**
   * The template's project class, a PascalCase TypeScript name.
   * @default - from the package name: `@acme/gitops-template` gives `AcmeGitOpsProject`
   */
  readonly templateClassName?: string;

  /**
   * The GitHub organization of the company: the team option's code owners (`@<org>/<team>`)
   * and the sample code owners.
   * @default - the package scope without `@` (`acme` for `@acme/gitops-template`), else "my-org"
   */
  readonly githubOrg?: string;

  /**
   * The registry host the company's images are pushed to (a default of the template).
   * @default "ghcr.io"
   */
  readonly imageRegistry?: string;

  /**
   * The company's base-image mirror (a default of the template, see `baseImageMirror` of
   * `GitOpsProjectOptions`).
   * @default - none
   */
  readonly baseImageMirror?: string;

  /**
   * Repositories install only the template's scope (`@acme/...`) from the internal registry
   * (`npmRegistryUrl`), everything else from registry.npmjs.org; `false` installs every package
   * from it (a registry that proxies npmjs, or a package without a scope).
   * @default - true when the package name has a scope
   */
  readonly npmRegistryScoped?: boolean;

  /**
   * Approving reviews the template requires by default (0 to 10).
   * @default 2
   */
  readonly requiredApprovals?: number;

  /**
   * The projen-gitops versions the template works with (its peer dependency range).
   * @default - `^` and the version of this projen-gitops
   */
  readonly gitopsVersion?: string;

  /**
   * The scheduled fleet report (`.github/workflows/fleet-report.yml`): `projen-gitops fleet`
   * keeps a table of every repository with `fleetTopic` in one issue of this repository.
   * @default true
   */
  readonly fleetReport?: boolean;

  /**
   * The GitHub topic the repositories made from the template carry (what the fleet report
   * lists): lowercase letters, digits and '-'.
   * @default - the package name in lowercase with '-' for other characters (`acme-gitops-template`)
   */
  readonly fleetTopic?: string;
}

/** This package's version (compiled code lives in `lib/project/`). */
function ownVersion(): string {
  try {
    return JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf-8')).version;
  } catch {
    return '0.0.0';
  }
}

/** `@acme/gitops-template` → `AcmeGitOpsProject`; `orders-template` → `OrdersTemplateProject`. */
function className(name: string): string {
  const [scope, base] = name.startsWith('@') ? name.slice(1).split('/') : [undefined, name];
  const words = (scope ? [scope, ...base.replace(/gitops|template/g, ' ').split(/[^A-Za-z0-9]+/)] : base.split(/[^A-Za-z0-9]+/)).filter(Boolean);
  const pascal = words.map((w) => w[0].toUpperCase() + w.slice(1)).join('');
  return `${/^[A-Za-z]/.test(pascal) ? pascal : `T${pascal}`}${scope ? 'GitOps' : ''}Project`;
}

/** The names the seeded files use, from the package name unless given. */
function templateNames(packageName: string, classOption: string | undefined, orgOption: string | undefined) {
  const scope = /^@([^/]+)\//.exec(packageName)?.[1];
  return {
    packageName,
    className: classOption ?? className(packageName),
    org: orgOption ?? (scope && GITHUB_OWNER.test(scope) ? scope : 'my-org'),
    scope: scope ? `@${scope}` : undefined,
  };
}

const IDENTIFIER = /^[A-Z][A-Za-z0-9]{0,99}$/;

/**
 * A platform team's company template: a jsii package whose project class extends
 * `GitOpsProject` with the company's defaults (`TemplateDefaults`) and its own options,
 * with a test, a README (adding options and defaults, publishing, rolling out) and a release
 * workflow that publishes to the internal npm registry (`npmRegistryUrl`, token in the secret
 * `npmTokenSecret`). Service teams then run `npx projen new --from <this package>`.
 * `npx projen-gitops template <dir> --name @acme/gitops-template` starts one.
 */
export class GitOpsTemplateProject extends cdk.JsiiProject {
  /** The template's project class. */
  public readonly templateClassName: string;

  constructor(options: GitOpsTemplateProjectOptions) {
    const registryUrl = options.npmRegistryUrl ?? 'https://npm.example.com/';
    const tokenSecret = options.npmTokenSecret ?? 'NPM_TOKEN';
    const gitops = options.gitopsVersion ?? `^${ownVersion()}`;
    const names = templateNames(options.name, options.templateClassName, options.githubOrg);
    const context = {
      ...names,
      pjid: 'gitops',
      registry: options.imageRegistry ?? OPTION_DEFAULTS.registry,
      baseImageMirror: options.baseImageMirror,
      npmRegistry: { url: registryUrl, scope: options.npmRegistryScoped === false ? undefined : names.scope, tokenSecret },
      requiredApprovals: options.requiredApprovals ?? 2,
      codeOwner: `@${names.org}/platform`,
      codeOwnerPattern: `@${names.org}\\/platform`,
      publishRegistry: registryUrl,
      publishTokenSecret: tokenSecret,
    };
    super({
      jsiiVersion: '~6.0.0',
      packageManager: javascript.NodePackageManager.NPM,
      projenrcTs: true,
      sampleCode: false,
      release: true,
      releaseToNpm: true,
      ...options,
      readme: options.readme ?? { contents: renderTemplate('template-package/README.md.hbs', context) },
      npmRegistryUrl: registryUrl,
      npmTokenSecret: tokenSecret,
      // The template is a projen module: projen and constructs come from the repository
      // using it, and its constructs range covers projen's own (or jsii-pacmak refuses it).
      peerDeps: [`projen-gitops@${gitops}`, 'projen@^0.103.25', 'constructs@^10.5.0', ...(options.peerDeps ?? [])],
      keywords: ['projen', 'gitops', 'projen-gitops-template', ...(options.keywords ?? [])],
    });
    this.templateClassName = names.className;
    const org = names.org;
    new SampleFile(this, `${this.srcdir}/index.ts`, { contents: renderTemplate('template-package/index.ts.hbs', context) });
    if (options.fleetReport ?? true) {
      new FleetReportWorkflow(this, { topic: options.fleetTopic ?? options.name.replace(/^@/, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 50) });
    }
    new SampleFile(this, `${this.testdir}/index.test.ts`, { contents: renderTemplate('template-package/index.test.ts.hbs', context) });

    addValidation(this, () => {
      const problems: Problem[] = [];
      if (!IDENTIFIER.test(this.templateClassName)) {
        problems.push({ option: 'templateClassName', message: `must be a PascalCase TypeScript class name (a capital letter, then letters and digits), got ${show(this.templateClassName)}; try 'AcmeGitOpsProject'` });
      }
      if (!GITHUB_OWNER.test(org)) problems.push({ option: 'githubOrg', message: `must be a GitHub organization (letters, digits, single '-'), got ${show(org)}; try 'my-org'` });
      const url = checkNpmRegistryUrl(registryUrl);
      if (url) problems.push({ option: 'npmRegistryUrl', message: url });
      const secret = checkSecretName(tokenSecret);
      if (secret) problems.push({ option: 'npmTokenSecret', message: secret });
      const mirror = options.baseImageMirror !== undefined ? checkMirror(options.baseImageMirror) : undefined;
      if (mirror) problems.push({ option: 'baseImageMirror', message: mirror });
      // Written into the template's TypeScript source: the registry grammar keeps it a plain host.
      const registry = options.imageRegistry !== undefined ? checkRegistry(options.imageRegistry) : undefined;
      if (registry) problems.push({ option: 'imageRegistry', message: registry });
      return problems;
    });
  }
}
