import { javascript, ProjectOptions, typescript } from 'projen';
import { RepoReadme } from './repo-readme';
import { SeededProjenrc } from './seeded-projenrc';
import { ContainerImage, ContainerImageOptions } from '../container/container-image';
import { Runtime } from '../container/runtime';
import { checkProjectName } from '../core/checks';
import { describeFile, FileOwner } from '../core/file-catalog';
import { unknownOptions } from '../core/known-options';
import { BACKUP_DIR, SyncGuard } from '../core/sync';
import { addValidation } from '../core/validation';
import { BranchProtection } from '../github/branch-protection';
import { CodeOwners } from '../github/code-owners';
import { CodeQlWorkflow } from '../github/codeql-workflow';
import { ContainerBuildWorkflow } from '../github/container-build-workflow';
import { DependencyReviewWorkflow } from '../github/dependency-review-workflow';
import { DependencyUpdates } from '../github/dependency-updates';
import { DriftCheckWorkflow } from '../github/drift-check-workflow';
import { RegistryIdentity } from '../github/registry-login';
import { SecurityPolicy } from '../github/security-policy';

/** Options for `GitOpsProject`. */
export interface GitOpsProjectOptions extends ProjectOptions, ContainerImageOptions {
  /**
   * Platforms of the published image, e.g. `["linux/amd64", "linux/arm64"]`.
   * @default ["linux/amd64"]
   */
  readonly platforms?: string[];

  /**
   * Sign pushed images keyless with cosign (Sigstore).
   * @default true
   */
  readonly signImages?: boolean;

  /**
   * Pull requests fail on a fixable image vulnerability of this severity or worse
   * ("CRITICAL", "HIGH", "MEDIUM", "LOW"; "NONE" only reports to code scanning).
   * @default "CRITICAL"
   */
  readonly scanSeverity?: string;

  /**
   * GitHub code scanning: CodeQL, and image scan results uploaded to it (free for public
   * repositories; private ones need GitHub Advanced Security, or these checks fail). Set
   * `false` for a private repository without it: images are still scanned and gated.
   * @default true
   */
  readonly codeScanning?: boolean;

  /**
   * The cloud identities the workflow logs in to Amazon ECR, Google Artifact Registry or Azure
   * Container Registry with, through OIDC (chosen by `registry`).
   * @default - each identity from its repository variable (see `RegistryIdentity`)
   */
  readonly registryIdentity?: RegistryIdentity;

  /**
   * The branch that is deployed: protected, built on pull requests, published on push.
   * @default "main"
   */
  readonly defaultBranch?: string;

  /**
   * Approving reviews a pull request into the default branch needs (0 to 10).
   * @default 1
   * @featured
   */
  readonly requiredApprovals?: number;

  /**
   * Code owners of every file (`@user`, `@org/team` or an email); they also own `.github/`
   * and `.projenrc.ts`, and their review becomes required.
   * @default - no CODEOWNERS file and no code-owner review
   * @featured
   */
  readonly codeOwners?: string[];

  /**
   * Require signed commits on the default branch.
   * @default false
   */
  readonly requireSignedCommits?: boolean;

  /**
   * Also write `.github/settings.yml` for the Settings app with the same rulesets.
   * @default false
   */
  readonly settingsApp?: boolean;

  /**
   * Where vulnerabilities are reported privately (`SECURITY.md`): an email or an https URL.
   * @default - GitHub's private vulnerability reporting
   */
  readonly securityContact?: string;

  /**
   * Dependabot version updates for the dependencies you own: npm (the tooling, projen-gitops
   * included, and Node.js services) and each service's ecosystem (pip, gomod, maven, gradle;
   * docker for a custom Dockerfile), grouped, with a cooldown. Not github-actions: the action
   * pins and default base images come up to date with projen-gitops itself.
   * @default true
   */
  readonly dependabot?: boolean;

  /**
   * The dependency review workflow on pull requests (needs the dependency graph: public
   * repositories, or GitHub Advanced Security).
   * @default - the value of `codeScanning`
   */
  readonly dependencyReview?: boolean;

  /**
   * The drift check on pull requests: fails when the committed files differ from what
   * `.projenrc.ts` produces.
   * @default true
   */
  readonly driftCheck?: boolean;

  /**
   * Generate the README (managed). Set to `false` to write your own.
   * @default true
   */
  readonly readme?: boolean;

  /**
   * Further services, each in a folder of its own (see `addService()`).
   * @default []
   */
  readonly services?: ServiceOptions[];

  /**
   * Managed files to hand over to you: synth stops writing them and they become yours (use it
   * when a generated file needs a change no option or escape hatch can express).
   * @default []
   */
  readonly handOver?: string[];

  /**
   * Runtime dependencies of the service (`package.json` dependencies, installed in the image).
   * @default []
   */
  readonly deps?: string[];

  /**
   * Development dependencies (tooling; never installed in the image).
   * @default []
   */
  readonly devDeps?: string[];
}

/** A further service of a `GitOpsProject`, in a folder of its own. */
export interface ServiceOptions extends ContainerImageOptions {
  /**
   * The service's name (lowercase): its image is `<registry>/<owner>/<repo>/<name>` unless
   * `imageName` says otherwise; its jobs are named after it.
   */
  readonly name: string;
}

/**
 * A GitOps repository for a containerized service: Dockerfile and `.dockerignore`, a container
 * build workflow, CodeQL, branch protection notes and a README, all kept in sync from
 * `.projenrc.ts`. The repository's `package.json` holds only its tooling and the service's
 * runtime dependencies; nothing is published to npm.
 *
 * @pjid gitops
 */
export class GitOpsProject extends javascript.NodeProject {
  /** The service's container image. */
  public readonly image: ContainerImage;
  /** The container build workflow. */
  public readonly containerBuild: ContainerBuildWorkflow;
  /** The CodeQL workflow (unless `codeScanning` is off). */
  public readonly codeql?: CodeQlWorkflow;
  /** The branch protection model (rulesets, notes, `npx projen protect`). */
  public readonly branchProtection: BranchProtection;
  /** Guards managed files against silent overwrites and records what synth wrote. */
  public readonly syncGuard: SyncGuard;

  constructor(options: GitOpsProjectOptions) {
    const branch = options.defaultBranch ?? 'main';
    super({
      ...options,
      ...repositoryDefaults(branch),
      // projen's sample README is superseded by the managed one (or by the user's own).
      readme: { contents: `# ${options.name}\n` },
      deps: options.deps,
      devDeps: [...(options.devDeps ?? []), 'esbuild', 'typescript'],
    });

    addValidation(this, () => {
      const nameProblem = checkProjectName(options.name);
      return [
        ...unknownOptions('projen-gitops.GitOpsProjectOptions', options, 'GitOpsProject'),
        ...(nameProblem ? [{ option: 'name', message: nameProblem }] : []),
      ];
    });

    // .projenrc.ts runs through projen-gitops-rc: esbuild strips the types once and the
    // JavaScript is cached, so a re-synth starts no compiler at all (tsx costs about 0.6 s per
    // synth) and never asks the registry. Nothing type-checks on synth: synth itself reports
    // misspelt options, and the typecheck task (part of `test`, and so of `build`) runs tsc.
    // ProjenrcTs needs a runner; its step (tsx, no dependency added) is replaced right below.
    const projenrc = new typescript.ProjenrcTs(this, { runner: typescript.TypeScriptRunner.tsx() });
    this.defaultTask?.reset(`projen-gitops-rc ${projenrc.filePath}`);
    // The comments projen new writes into it must work when uncommented (after ProjenrcTs writes it).
    new SeededProjenrc(this, projenrc.filePath, options.runtime ?? Runtime.NODE);
    // projen's NodeProject finds node_modules/.bin through `npx -c`, about 0.7 s on every
    // task; the folder is known.
    this.tasks.addEnvironment('PATH', '$(echo "$(pwd)/node_modules/.bin:$PATH")');
    this.addTask('preview', {
      description: 'Print the patch `npx projen` would apply (git apply takes it), writing nothing; `projen-gitops preview --exit-code` exits 1 when something would change',
      exec: 'projen-gitops preview',
    });
    const typecheck = this.addTask('typecheck', {
      description: 'Type-check .projenrc.ts (synth runs it without type-checking)',
      exec: `tsc --noEmit -p ${projenrc.tsconfig.fileName}`,
    });
    this.testTask.spawn(typecheck);
    // Secrets stay out of git (and, through .dockerignore, out of images).
    this.gitignore.exclude('.env', '.env.*');
    this.gitignore.include('.env.example');
    // An application repository: never published to npm by accident.
    this.package.addField('private', true);
    this.package.file.addDeletionOverride('publishConfig');

    this.image = new ContainerImage(this, options);
    this.containerBuild = new ContainerBuildWorkflow(this, {
      branch,
      platforms: options.platforms,
      sign: options.signImages,
      scanSeverity: options.scanSeverity,
      uploadScanResults: options.codeScanning,
      registryIdentity: options.registryIdentity,
    });
    if (options.codeScanning ?? true) {
      this.codeql = new CodeQlWorkflow(this, { branch });
    }
    this.branchProtection = new BranchProtection(this, {
      branch,
      requiredApprovals: options.requiredApprovals,
      requireSignedCommits: options.requireSignedCommits,
      settingsApp: options.settingsApp,
    });
    if (options.codeOwners !== undefined) {
      new CodeOwners(this, { owners: options.codeOwners });
    }
    if (options.dependabot ?? true) {
      new DependencyUpdates(this);
    }
    if (options.dependencyReview ?? options.codeScanning ?? true) {
      new DependencyReviewWorkflow(this, { branch });
    }
    if (options.driftCheck ?? true) {
      new DriftCheckWorkflow(this, { branch });
    }
    new SecurityPolicy(this, { contact: options.securityContact });
    describeFile(this, {
      path: '.github/pull_request_template.md',
      owner: FileOwner.MANAGED,
      purpose: 'The description and checklist every pull request starts with.',
      change: 'In .projenrc.ts: `github.PullRequestTemplate.of(project)?.addLine(...)`.',
    });
    if (options.readme ?? true) {
      new RepoReadme(this, { description: options.description });
    }
    for (const service of options.services ?? []) this.addService(service);
    this.syncGuard = new SyncGuard(this, { handOver: options.handOver });
    // Backups of hand edits overwritten with PROJEN_GITOPS_FORCE: for people, not for git.
    this.gitignore.exclude(`/${BACKUP_DIR}/`);
  }

  /**
   * Adds a service in a folder of its own (`path`, default `services/<name>`): its own
   * Dockerfile, sample and image; pull requests build only the services they change.
   */
  public addService(options: ServiceOptions): ContainerImage {
    const { name, ...image } = options;
    return new ContainerImage(this, {
      registry: this.image.registry,
      ...image,
      serviceName: name,
      path: options.path ?? `services/${name}`,
    });
  }

  /** Synthesizes, then records what was written (edit detection) and reports what changed. */
  public synth(): void {
    super.synth();
    this.syncGuard.recordSynth();
  }
}

/** NodeProject settings for an application repository: no npm library or release machinery. */
function repositoryDefaults(branch: string): Omit<javascript.NodeProjectOptions, 'name' | 'readme'> {
  return {
    defaultReleaseBranch: branch,
    packageManager: javascript.NodePackageManager.NPM,
    projenrcJs: false,
    github: true,
    githubOptions: { mergify: false, pullRequestLint: false },
    // Our `dependabot` option means DependencyUpdates (every ecosystem), not projen's npm-only one.
    dependabot: false,
    buildWorkflow: false,
    release: false,
    depsUpgrade: false,
    pullRequestTemplate: true,
    pullRequestTemplateContents: [
      '## What and why',
      '',
      '<!-- What does this change, and why? Link the issue. -->',
      '',
      '## Checklist',
      '',
      '- [ ] Generated files were regenerated with `npx projen` (never edited by hand)',
      '- [ ] Tests cover the change',
      '- [ ] No secrets, tokens or credentials in the diff',
    ],
    jest: false,
    npmignoreEnabled: false,
    package: false,
    licensed: false,
    entrypoint: '',
  };
}
