import * as fs from 'fs';
import * as path from 'path';
import { cdk, javascript, SampleFile } from 'projen';
import { renderTemplate } from '../core/templates';
import { addValidation } from '../core/validation';
import { FleetReportWorkflow } from '../github/fleet-report-workflow';
import { githubContainerRegistryOf } from '../model/registry';
import { REPOSITORY_DEFAULTS } from '../model/repository';
import { DEFAULT_PUBLISH_REGISTRY, DEFAULT_TOKEN_SECRET, templateNames, templatePackageProblems } from '../model/template-package';

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
   * @default - GitHub's Container registry of `githubUrl`'s server: `ghcr.io` on github.com, `containers.<sub>.ghe.com` on ghe.com, `containers.<host>` on GitHub Enterprise Server
   */
  readonly imageRegistry?: string;

  /**
   * The company's GitHub server (GitHub Enterprise Cloud with data residency,
   * `https://<sub>.ghe.com`, or GitHub Enterprise Server), a default of the template: written
   * into its `DEFAULTS` (`options.githubUrl`), so every repository made from it signs, trusts
   * OIDC tokens, pushes images and calls the API there (see `githubUrl` of `GitOpsProjectOptions`).
   * @default - github.com, not written
   */
  readonly githubUrl?: string;

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
    const registryUrl = options.npmRegistryUrl ?? DEFAULT_PUBLISH_REGISTRY;
    const tokenSecret = options.npmTokenSecret ?? DEFAULT_TOKEN_SECRET;
    const gitops = options.gitopsVersion ?? `^${ownVersion()}`;
    const names = templateNames(options);
    const context = {
      ...names,
      pjid: 'gitops',
      // Unset, GitHub's Container registry of the company's server (none on a server without one: the check asks for it).
      registry: options.imageRegistry ?? githubContainerRegistryOf(options.githubUrl ?? REPOSITORY_DEFAULTS.githubUrl),
      githubUrl: options.githubUrl,
      baseImageMirror: options.baseImageMirror,
      npmRegistry: { url: registryUrl, scope: options.npmRegistryScoped === false ? undefined : names.scope, tokenSecret },
      requiredApprovals: options.requiredApprovals ?? 2,
      codeOwner: `@${names.org}/platform`,
      codeOwnerPattern: `@${names.org}\\/platform`,
      publishRegistry: registryUrl,
      publishTokenSecret: tokenSecret,
      fleetReport: options.fleetReport ?? true,
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
    new SampleFile(this, `${this.srcdir}/index.ts`, { contents: renderTemplate('template-package/index.ts.hbs', context) });
    if (context.fleetReport) {
      new FleetReportWorkflow(this, { topic: options.fleetTopic ?? options.name.replace(/^@/, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 50) });
    }
    new SampleFile(this, `${this.testdir}/index.test.ts`, { contents: renderTemplate('template-package/index.test.ts.hbs', context) });

    // The same grammars `projen-gitops template` checks its flags with, before it makes anything.
    addValidation(this, () => templatePackageProblems(options));
  }
}
