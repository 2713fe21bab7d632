import { Component, FileBase, javascript, ProjectOptions, typescript } from 'projen';
import { RepoReadme } from './repo-readme';
import { SeededProjenrc } from './seeded-projenrc';
import { ineffectiveSwitches } from './switches';
import { ArgoCd, ArgoCdOptions } from '../argocd/argo-cd';
import { ImagePolicies } from '../argocd/image-policy';
import { ContainerImage, ContainerImageOptions } from '../container/container-image';
import { checkDependency, checkProjectName, checkServicePath, show } from '../core/checks';
import { NEW_OPTIONS_VARIABLE } from '../core/creation';
import { describeFile, FileOwner } from '../core/file-catalog';
import { optionsProblems, projectOptionsProblems } from '../core/known-options';
import { indexedComponents, indexedFindFile, indexIgnorePatterns, withFastYaml, withReadonlyFromMode } from '../core/projen-adapter';
import { BACKUP_DIR, releaseSyncLock, SyncGuard } from '../core/sync';
import { addValidation, OptionsError } from '../core/validation';
import { FluxSync, FluxSyncOptions, fluxPoliciesFile, fluxServicesFile } from '../flux/flux-sync';
import { BranchProtection } from '../github/branch-protection';
import { CodeOwners } from '../github/code-owners';
import { CodeQlWorkflow } from '../github/codeql-workflow';
import { ContainerBuildWorkflow } from '../github/container-build-workflow';
import { DeliveryMetricsWorkflow, DeliveryMetricsWorkflowOptions } from '../github/delivery-metrics-workflow';
import { DependencyReviewWorkflow } from '../github/dependency-review-workflow';
import { DependencyUpdates } from '../github/dependency-updates';
import { DeployCheckWorkflow } from '../github/deploy-check-workflow';
import { DriftCheckWorkflow } from '../github/drift-check-workflow';
import { InfraWorkflow } from '../github/infra-workflow';
import { PinBasesWorkflow } from '../github/pin-bases-workflow';
import { Promotion } from '../github/promotion';
import { RenovateConfig } from '../github/renovate-config';
import { SecurityPolicy } from '../github/security-policy';
import { UpgradeWorkflow } from '../github/upgrade-workflow';
import { HelmChart } from '../helm/helm-chart';
import { Infrastructure } from '../infra/infrastructure';
import { BaseImageLock } from '../model/base-images';
import { DeployEngine } from '../model/deploy-engine';
import { EnvironmentOptions, Environments } from '../model/environments';
import { Iac } from '../model/infra-code';
import { RegistryIdentity } from '../model/registry';
import { NpmRegistry, Repository, REPOSITORY_DEFAULTS } from '../model/repository';
import { Runtime } from '../model/runtime';
import { ServiceDeploymentOptions } from '../model/service';
import { RepositoryVisibility, Signing, SigningOptions } from '../model/signing';
import { Template, TemplateDefaults, templateOptionsProblems, withTemplateDefaults } from '../model/template-defaults';
import { Upgrades } from '../model/upgrades';

/** Options for `GitOpsProject`. */
export interface GitOpsProjectOptions extends ProjectOptions, ContainerImageOptions {
  /**
   * Platforms of the published image, e.g. `["linux/amd64", "linux/arm64"]`: each
   * `os/arch[/variant]` in lowercase letters and digits.
   * @default ["linux/amd64"]
   */
  readonly platforms?: string[];

  /**
   * Sign pushed images (and attest their provenance), the way `signing` says.
   * @default true
   */
  readonly signImages?: boolean;

  /**
   * How images are signed and their provenance attested: keyless to Sigstore's public log,
   * GitHub artifact attestations, or a KMS key (docs/signing.md). Promotion and the admission
   * policies verify with the same mode.
   * @default - from `visibility`: keyless for a public repository, GitHub artifact attestations otherwise; from `githubUrl` on GitHub Enterprise: attestations on ghe.com, a KMS key (`signing.key`) on GitHub Enterprise Server
   */
  readonly signing?: SigningOptions;

  /**
   * Admission policies under `deploy/policies/<env>/`: each environment's cluster (Sigstore
   * policy-controller) admits this repository's images only when signed by its container
   * workflow on the default branch; the deploy engine (Argo CD or Flux) applies them before
   * the services.
   * @default - true when the deployment part is written, `repository` is set and images are signed
   */
  readonly admissionPolicies?: boolean;

  /**
   * The repository's visibility on GitHub. A private or internal repository never writes its
   * name to a public log (keyless signing) unless `signing.allowPublicLog` says so.
   * @default RepositoryVisibility.PRIVATE
   */
  readonly visibility?: RepositoryVisibility;

  /**
   * Pull requests fail on a fixable image vulnerability of this severity or worse: a
   * `ScanSeverity` (`CRITICAL`, `HIGH`, `MEDIUM` or `LOW`, while `NONE` only reports to code
   * scanning), or its plain string ("HIGH").
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
   * The branch that is deployed: protected, built on pull requests, published on push. A
   * branch name git accepts (`git check-ref-format --branch`) made of ASCII letters, digits,
   * `.`, `_`, `/` and `-` only: no expression (`${{`), quote, space, shell or filter pattern
   * character can reach a workflow.
   * @default "main"
   */
  readonly defaultBranch?: string;

  /**
   * The GitHub repository as `owner/name` (e.g. `acme/orders`): names the images at synth
   * time, so the Helm charts and rendered manifests can refer to them. Without it (and
   * without `environments`) no deployment part is written.
   * @default - unknown; no deployment part
   * @featured
   */
  readonly repository?: string;

  /**
   * The npm registry this repository's tooling installs from (a company template published
   * to an internal registry): `.npmrc`, every workflow that runs `npm ci` (the token from the
   * secret, through `env:`) and Dependabot (`registries:`) use it.
   * @default - registry.npmjs.org, no token
   */
  readonly npmRegistry?: NpmRegistry;

  /**
   * A registry prefix in front of every default base and build image, for a pull-through
   * mirror: `mirror.acme.internal/hub` turns `docker.io/library/python:3.12-slim-trixie` into
   * `mirror.acme.internal/hub/docker.io/library/python:3.12-slim-trixie`, and so for every
   * runtime. A host (with a `.` or a port) and optional lowercase path parts. `baseImage` and
   * `buildImage`, when set, are taken as written.
   * @default - images pulled from their own registries
   */
  readonly baseImageMirror?: string;

  /**
   * The URL Argo CD clones the repository from (the Applications' `repoURL` and the
   * AppProject's `sourceRepos`): GitHub Enterprise Server or a mirror
   * (`https://git.example.com/acme/orders.git`), SSH (`git@github.com:acme/orders.git`,
   * `ssh://git@host:2222/acme/orders.git`; the key goes in an Argo CD repository Secret), or
   * `git://host/name.git` (read-only, unauthenticated: tests, local mirrors). No credentials
   * in the URL.
   * @default - `<githubUrl>/<repository>.git`
   */
  readonly repositoryUrl?: string;

  /**
   * The GitHub server the repository lives on, for GitHub Enterprise Server
   * (`https://github.acme.com`, REST API at `/api/v3`) or GitHub Enterprise Cloud with data
   * residency (`https://acme.ghe.com`, REST API at `https://api.acme.ghe.com`): the default
   * `repositoryUrl` and the GitHub API Argo CD writes the deployment records to follow it, and
   * so do the OIDC issuer the cloud trust and the signatures name and the signing modes that
   * work (ghe.com: no keyless; GitHub Enterprise Server: a KMS key only; docs/signing.md).
   * The server's root as an `https` URL (`http` only for 127.0.0.1 or localhost), no path.
   * @default "https://github.com"
   */
  readonly githubUrl?: string;

  /**
   * A company template's defaults, set by the template's project class (not in
   * `.projenrc.ts`): `super({ ...options, templateDefaults: DEFAULTS })`. Options written in
   * `.projenrc.ts` win over them; the seeded `.projenrc.ts` and the README show them. An
   * option of its own rather than a second constructor argument: projen's `new` only knows
   * project types whose constructor takes one options struct.
   * @default - no company template
   */
  readonly templateDefaults?: TemplateDefaults;

  /**
   * Git tags that publish a release image and are protected.
   * @default "v*"
   */
  readonly tagPattern?: string;

  /**
   * The runner label of every generated job.
   * @default "ubuntu-24.04"
   */
  readonly runsOn?: string;

  /**
   * The environments the services are deployed to, in promotion order; `deploy: false`
   * turns one off. Each gets values under `deploy/environments/<name>/` and rendered
   * manifests under `deploy/rendered/<name>/`.
   * @default - dev, staging and prod
   */
  readonly environments?: EnvironmentOptions[];

  /**
   * Argo CD objects under `deploy/argocd/`: an AppProject and one Application per service
   * and environment (needs `repository`, their source).
   * @default - true when the deployment part is written and `repository` is set
   */
  readonly argocd?: boolean;

  /**
   * The GitOps engine that deploys the rendered manifests: Argo CD (`deploy/argocd/`), or Flux
   * (`deploy/flux/`: a GitRepository and a Kustomization per environment, docs/flux.md). With
   * Flux no Argo CD object is written, `environments[].autoSync: false` suspends the
   * environment's Kustomizations, and what needs Argo CD's deployment records is refused: the
   * `soak` and `requireHealthy` gates, `argocd` and `argocdOptions`.
   * @default DeployEngine.ARGO_CD
   */
  readonly deployEngine?: DeployEngine;

  /**
   * How the Flux objects look (with `deployEngine: DeployEngine.FLUX`): their namespace, the
   * fetch and reconcile intervals, the git credentials Secret, cascading delete.
   * @default - namespace flux-system, fetched every minute, applied every 10 minutes, no cascading delete
   */
  readonly fluxOptions?: FluxSyncOptions;

  /**
   * Promotion by pull request: after the default branch publishes signed images, a job opens
   * the pull request setting the first environment's digests, and the `promote` workflow
   * opens the one to the next environment (needs `repository` and `signImages`).
   * @default - true when the deployment part is written, `repository` is set and images are signed
   */
  readonly promotion?: boolean;

  /**
   * How the Argo CD objects look: their source (rendered manifests or chart), namespace,
   * cascading delete.
   * @default - rendered manifests, namespace argocd, no cascading delete
   */
  readonly argocdOptions?: ArgoCdOptions;

  /**
   * How the service at the root runs in Kubernetes (replicas, resources, host, ...).
   * @default - 2 replicas, 100m CPU and 128Mi requested, 256Mi memory limit, not exposed
   */
  readonly deployment?: ServiceDeploymentOptions;

  /**
   * Terraform or OpenTofu for the cloud resources the pipeline needs, under `infra/`: the
   * registry (Amazon ECR or Google Artifact Registry, from `registry`), the GitHub OIDC trust
   * of the publish job and a namespace per environment, planned on pull requests and applied
   * from the default branch (`.github/workflows/infra.yml`, docs/infra.md). Needs `repository`.
   * @default - no infra/
   */
  readonly iac?: Iac;

  /**
   * The bucket of the infra state (S3 or GCS), created by hand before the first apply.
   * @default - `<account or project>-<name>-tfstate`
   */
  readonly infraStateBucket?: string;

  /**
   * Code owners of `infra/` (cloud identities and state): their review is required for infra
   * changes. Needs `codeOwners`.
   * @default - the owners of every file
   */
  readonly infraOwners?: string[];

  /**
   * Approving reviews a pull request into the default branch needs (0 to 10).
   * @default 1
   * @featured
   */
  readonly requiredApprovals?: number;

  /**
   * Code owners of every file (`@user` or `@org/team` in GitHub's login and team slug
   * characters, or an email address); they also own `.github/` and `.projenrc.ts`, and their
   * review becomes required.
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
   * Where vulnerabilities are reported privately (`SECURITY.md`): an email address or an https
   * URL (a host, then RFC 3986 path characters; no spaces, quotes or `<>`).
   * @default - GitHub's private vulnerability reporting on github.com; on another `githubUrl` (where GitHub has no such form) the repository's administrators
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
   * A scheduled workflow (`.github/workflows/delivery-metrics.yml`) that posts the delivery
   * metrics of `projen-gitops metrics` to its job summary: deployment frequency, lead time,
   * change failure rate and time to restore per environment, from the repository's history.
   * Needs promotion (it reads `deploy/promotion.json`).
   * @default false
   */
  readonly deliveryMetrics?: boolean;

  /**
   * The delivery metrics workflow's schedule and window (with `deliveryMetrics`).
   * @default - Mondays at 06:23 UTC, over 30 days
   */
  readonly deliveryMetricsOptions?: DeliveryMetricsWorkflowOptions;

  /**
   * The upgrade ring this repository belongs to (one of the template's `ringWaitDays`; by
   * default canary, early, default, late): a template release reaches it after the ring's
   * waiting time. Recorded in `.projen-gitops.json`.
   * @default - the template's `ring`, else "default"
   */
  readonly ring?: string;

  /**
   * The upgrade workflow (`.github/workflows/upgrade.yml`): opens the pull request that bumps
   * the template (or projen-gitops) and re-synthesizes, after the ring's waiting time. Off
   * with `renovate: true`, where Renovate opens that pull request (both would open two).
   * @default - true, false with `renovate: true`
   */
  readonly upgradeWorkflow?: boolean;

  /**
   * `renovate.json` for self-hosted Renovate: bumps the template (or projen-gitops) after the
   * ring's waiting days (`minimumReleaseAge`) and re-synthesizes as a post-upgrade task (the
   * global config must allow `npm ci --no-audit --no-fund` and `npx projen`).
   * @default false
   */
  readonly renovate?: boolean;

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
   * Runtime dependencies of the service (`package.json` dependencies, installed in the image):
   * npm package names (lowercase, optionally `@scope/`) with an optional `@` and version range.
   * @default []
   */
  readonly deps?: string[];

  /**
   * Development dependencies (tooling; never installed in the image), written like `deps`.
   * @default []
   */
  readonly devDeps?: string[];
}

/** A further service of a `GitOpsProject`, in a folder of its own. */
export interface ServiceOptions extends ContainerImageOptions {
  /**
   * The service's name: its image is `<registry>/<owner>/<repo>/<name>` unless `imageName`
   * says otherwise; its jobs are named after it. What a GitHub Actions job id and a DNS label
   * (RFC 1123) both accept: `^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$` (`api-v2`, not `api.v2`).
   */
  readonly name: string;

  /**
   * How this service runs in Kubernetes (replicas, resources, host, ...).
   * @default - as the root service's defaults
   */
  readonly deployment?: ServiceDeploymentOptions;
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
  /** The environments, in promotion order. */
  public readonly environments: Environments;
  /** Guards managed files against silent overwrites and records what synth wrote. */
  public readonly syncGuard: SyncGuard;

  /** The company template the project was made from, if any. */
  public readonly template?: Template;

  private readonly deploys: boolean;

  constructor(options: GitOpsProjectOptions) {
    const templateDefaults = options.templateDefaults;
    const created = creationOptions(options);
    // The options as written in .projenrc.ts (and given at creation): a misspelt one is
    // reported there; the template's own defaults are checked by `Template`, under `templateDefaults`.
    const written: GitOpsProjectOptions = { ...options, ...created };
    // Every option at every depth, against the options of the class that was constructed (a
    // template's own options included): unknown keys and wrong types, read from the jsii manifests.
    const shapeProblems = projectOptionsProblems(new.target, GitOpsProject, 'projen-gitops.GitOpsProjectOptions', written);
    options = withTemplateDefaults(written, templateDefaults);
    // The template's defaults of the wrong type (`Template` reports them when the synth starts) are
    // also what a component may trip over while it is built.
    const crashed = (error: unknown) => {
      const shapes = [...shapeProblems, ...templateOptionsProblems(templateDefaults)];
      return shapes.length > 0 && !(error instanceof OptionsError) ? new OptionsError(shapes) : error;
    };
    try {
      super({
        ...options,
        ...repositoryDefaults(options.defaultBranch),
        // projen's sample README is superseded by the managed one (or by the user's own).
        readme: { contents: `# ${options.name}\n` },
        // A list of the wrong type is reported by the option check, not spread into letters here.
        deps: Array.isArray(options.deps) ? options.deps : undefined,
        devDeps: [...(Array.isArray(options.devDeps) ? options.devDeps : []), 'esbuild', 'typescript'],
      });
    } catch (error) {
      throw crashed(error);
    }
    // Every file adds a line to .gitignore: keep projen's duplicate check from scanning them all.
    indexIgnorePatterns(this.gitignore);
    addValidation(this, () => shapeProblems);
    if (templateDefaults !== undefined) this.template = new Template(this, templateDefaults);
    try {
      addValidation(this, () => {
        const nameProblem = checkProjectName(options.name);
        const dependencyProblems = (['deps', 'devDeps'] as const).flatMap((option) => (options[option] ?? [])
          .map((dep, i) => ({ option: `${option}[${i}]`, message: checkDependency(dep) }))
          .filter((p): p is { option: string; message: string } => p.message !== undefined));
        return [
          ...(nameProblem ? [{ option: 'name', message: nameProblem }] : []),
          ...dependencyProblems,
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
      new SeededProjenrc(this, projenrc.filePath, options.runtime ?? Runtime.NODE, templateDefaults, created);
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

      const repository = new Repository(this, {
        repository: options.repository,
        repositoryUrl: options.repositoryUrl,
        githubUrl: options.githubUrl,
        defaultBranch: options.defaultBranch,
        tagPattern: options.tagPattern,
        runsOn: options.runsOn,
        npmRegistry: options.npmRegistry,
        baseImageMirror: options.baseImageMirror,
      });
      const npm = repository.facts.npmRegistry;
      if (npm) {
        // The token is read from the environment when npm runs: never written to a file.
        this.npmrc.addRegistry(npm.url, npm.scope);
        this.npmrc.addConfig(npm.authKey, `\${${npm.tokenVariable}}`);
      }
      new Signing(this, { ...options.signing, visibility: options.visibility ?? options.signing?.visibility });
      // Its options and registryIdentity below are walked with the project's, not again by the component.
      this.environments = new Environments(this, { environments: options.environments, deployEngine: options.deployEngine });
      this.environments._optionsWalked = true;
      // An explicit switch whose part is off (argocd: true without repository) is an error, not silence.
      addValidation(this, () => ineffectiveSwitches(options, this.environments.all, this.environments._added()));
      // Deployed once asked for (repository known, or environments given) and some environment is on.
      this.deploys = (options.repository !== undefined || options.environments !== undefined) && this.environments.deployed.length > 0;
      const { deployment, ...imageOptions } = options;
      const flux = options.deployEngine === DeployEngine.FLUX;
      this.image = new ContainerImage(this, imageOptions);
      // Base and build images pinned by digest through a lock the pin-base-images workflow keeps fresh.
      new BaseImageLock(this);
      new PinBasesWorkflow(this);
      if (this.deploys) {
        // Its options are walked with the project's (`deployment`), not again by the chart.
        new HelmChart(this, { ...deployment, image: this.image })._optionsWalked = true;
        new DeployCheckWorkflow(this);
        if (!flux && (options.argocd ?? options.repository !== undefined)) new ArgoCd(this, options.argocdOptions);
        if (options.promotion ?? (options.repository !== undefined && options.signImages !== false)) new Promotion(this);
        if (options.deliveryMetrics) {
          if (Promotion.of(this)) new DeliveryMetricsWorkflow(this, options.deliveryMetricsOptions);
          else addValidation(this, () => [{ option: 'deliveryMetrics', message: 'is true, but the metrics read deploy/promotion.json, which promotion writes, and promotion is off; set promotion: true (with repository), or deliveryMetrics: false' }]);
        }
        // Each cluster admits only signed images: needs the images' names and the signer (repository).
        if (options.repository !== undefined && options.signImages !== false && (options.admissionPolicies ?? true)) new ImagePolicies(this);
        // After the policies: its Kustomizations find them in deploy/policies/<env>/ (and again before synth).
        if (flux && options.repository !== undefined) new FluxSync(this, options.fluxOptions);
      }
      // The default branch, tag pattern and runner are the Repository's: every component reads them there.
      this.containerBuild = new ContainerBuildWorkflow(this, {
        platforms: options.platforms,
        sign: options.signImages,
        scanSeverity: options.scanSeverity,
        uploadScanResults: options.codeScanning,
        registryIdentity: options.registryIdentity,
      });
      this.containerBuild._optionsWalked = true;
      if (options.iac !== undefined) {
        new Infrastructure(this, { tool: options.iac, stateBucket: options.infraStateBucket });
        new InfraWorkflow(this);
      }
      if (options.codeScanning ?? true) {
        this.codeql = new CodeQlWorkflow(this);
      }
      this.branchProtection = new BranchProtection(this, {
        requiredApprovals: options.requiredApprovals,
        requireSignedCommits: options.requireSignedCommits,
        settingsApp: options.settingsApp,
      });
      const codeOwners = options.codeOwners !== undefined ? new CodeOwners(this, { owners: options.codeOwners }) : undefined;
      if (codeOwners && options.iac !== undefined && options.infraOwners !== undefined) codeOwners.addRule('/infra/', options.infraOwners, 'infraOwners');
      if (!codeOwners && options.infraOwners !== undefined) {
        addValidation(this, () => [{ option: 'infraOwners', message: `needs codeOwners (CODEOWNERS is written only with it), got infraOwners ${show(options.infraOwners)} alone; set codeOwners: ${show(options.infraOwners)}` }]);
      }
      // Each environment's approvers own its folders: a promotion into it needs their review.
      // Read when CODEOWNERS is written (an environment may be added later), in this place among the rules.
      codeOwners?._addRules(() => this.environments.deployed.filter((e) => e.approvers.length > 0).flatMap((env) => {
        // The engine's file of the environment too: it says whether (and where) the environment syncs.
        const engine = FluxSync.of(this) ? [`/${fluxServicesFile(env.name)}`, ...(ImagePolicies.of(this) ? [`/${fluxPoliciesFile(env.name)}`] : [])] : [`/deploy/argocd/${env.name}.yaml`];
        const option = `${this.environments._optionPath(env.order)}.approvers`;
        return [`/deploy/environments/${env.name}/`, `/deploy/rendered/${env.name}/`, ...engine, `/deploy/policies/${env.name}/`].map((pattern) => ({ pattern, owners: env.approvers, option }));
      }));
      addValidation(this, () => (codeOwners ? [] : this.environments.deployed.filter((e) => e.approvers.length > 0).map((e) => ({
        option: `${this.environments._optionPath(e.order)}.approvers`,
        message: 'need code owners to be required reviewers, got no codeOwners; set codeOwners: [\'@my-org/my-team\'] too (the rulesets then require code-owner review)',
      }))));
      // Before Dependabot: it leaves the upgraded package to the upgrade workflow.
      new Upgrades(this, { ring: options.ring });
      if (options.upgradeWorkflow ?? options.renovate !== true) new UpgradeWorkflow(this);
      if (options.renovate === true) new RenovateConfig(this);
      if (options.dependabot ?? true) {
        new DependencyUpdates(this);
      }
      if (options.dependencyReview ?? options.codeScanning ?? true) {
        new DependencyReviewWorkflow(this);
      }
      if (options.driftCheck ?? true) {
        new DriftCheckWorkflow(this);
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
      // Their shape is checked with the other options, above (`services[0].runtme`).
      (options.services ?? []).forEach((service, i) => this.addServiceAt(service, `services[${i}]`));
      this.syncGuard = new SyncGuard(this, { handOver: options.handOver });
      // Backups of hand edits overwritten with PROJEN_GITOPS_FORCE: for people, not for git.
      this.gitignore.exclude(`/${BACKUP_DIR}/`);
    } catch (error) {
      // projen or a component tripped over a wrong type or a missing (misspelt) option: that is the problem to show.
      throw crashed(error);
    }
  }

  /**
   * Adds a service in a folder of its own (`path`, default `services/<name>`): its own
   * Dockerfile, sample and image; pull requests build only the services they change.
   */
  public addService(options: ServiceOptions): ContainerImage {
    // Not among the constructor's options: checked here, at every depth, like them
    // (`addService('worker').runtme` would otherwise build a Node.js service in silence).
    const at = typeof options === 'object' && options !== null ? `addService(${show(options.name)})` : 'addService()';
    const shapeProblems = optionsProblems('projen-gitops.ServiceOptions', options, 'ServiceOptions', at);
    if (shapeProblems.some((p) => p.option === at)) throw new OptionsError(shapeProblems);
    addValidation(this, () => shapeProblems);
    try {
      return this.addServiceAt(options, at);
    } catch (error) {
      // A component tripped over a wrong type or a misspelt option: that is the problem to show.
      throw shapeProblems.length > 0 && !(error instanceof OptionsError) ? new OptionsError(shapeProblems) : error;
    }
  }

  /**
   * Adds an environment after the last one, in promotion order: the same as writing it at the
   * end of `environments` (after dev, staging and prod when that option is unset), and read by
   * every output when it is written (values, rendered manifests, Argo CD or Flux objects,
   * promotion, infrastructure, rulesets, README). Shortcut for
   * `project.environments.addEnvironment()`.
   *
   * The project must deploy something (`repository`, or `environments`, with an environment
   * that is deployed): otherwise it is reported under `addEnvironment('<name>')`.
   *
   * @example project.addEnvironment({ name: 'qa', gates: { soak: '1h' } });
   */
  public addEnvironment(environment: EnvironmentOptions): void {
    this.environments.addEnvironment(environment);
  }

  /** Adds a service whose problems are reported under `at` (`services[1]`, `addService('worker')`). */
  private addServiceAt(options: ServiceOptions, at: string): ContainerImage {
    const { name, deployment, ...image } = options;
    const service = new ContainerImage(this, {
      registry: this.image.registry,
      ...image,
      serviceName: name,
      // A name that is not a folder name is reported as the name; no file lands in a strange place.
      path: options.path ?? (checkServicePath(`services/${name}`) ? 'services/invalid-name' : `services/${name}`),
    });
    service._optionPath = at;
    if (options.registry === undefined) service._inherited.push('registry');
    // The chart reports its options under the service's path (`services[1].deployment`), read when it validates.
    // A name another service has is reported by the service (\`must be unique\`): its chart would be the other's.
    const taken = HelmChart.all(this).some((chart) => chart.image.serviceName === service.serviceName);
    if (this.deploys && !taken) new HelmChart(this, { ...deployment, image: service })._optionsWalked = true;
    return service;
  }

  /**
   * Returns all the components within this project, from an index of the construct tree.
   *
   * The same list as projen's, which walks the whole tree on every call (and projen asks once
   * per file); the index is kept current as constructs are added or removed.
   */
  public get components(): Component[] {
    return indexedComponents(this);
  }

  /**
   * Finds a file at the specified relative path within this project and all its subprojects,
   * from an index of the construct tree instead of a walk over it.
   *
   * @param filePath The file path. If this path is relative, it will be resolved from the root
   * of _this_ project.
   */
  public tryFindFile(filePath: string): FileBase | undefined {
    return indexedFindFile(this, filePath);
  }

  /** Synthesizes, then records what was written (edit detection) and reports what changed. */
  public synth(): void {
    try {
      withReadonlyFromMode(() => withFastYaml(() => super.synth()));
      this.syncGuard.recordSynth();
    } finally {
      releaseSyncLock(this);
    }
  }
}

/**
 * Options `projen new` has no switch for (`services`, `environments`: lists of structs), given
 * by the wizard as JSON in `PROJEN_GITOPS_NEW_OPTIONS` while it runs `projen new`: taken only
 * when the project is being created, and written into the new `.projenrc.ts` as options.
 */
function creationOptions(options: GitOpsProjectOptions): Pick<GitOpsProjectOptions, 'services' | 'environments'> {
  const json = process.env[NEW_OPTIONS_VARIABLE];
  if (json === undefined || (options as { __new__?: unknown }).__new__ === undefined) return {};
  const parsed = JSON.parse(json) as Pick<GitOpsProjectOptions, 'services' | 'environments'>;
  return {
    ...(parsed.services !== undefined ? { services: parsed.services } : {}),
    ...(parsed.environments !== undefined ? { environments: parsed.environments } : {}),
  };
}

/** NodeProject settings for an application repository: no npm library or release machinery. */
function repositoryDefaults(branch: string | undefined): Omit<javascript.NodeProjectOptions, 'name' | 'readme'> {
  return {
    // Repository's own default when unset; checked there.
    defaultReleaseBranch: branch ?? REPOSITORY_DEFAULTS.defaultBranch,
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
