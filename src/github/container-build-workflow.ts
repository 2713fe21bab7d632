import { github, Project } from 'projen';
import { overrideProblems, pullRequestAndPushWorkflow } from './actions';
import { changedServicesJob } from './container-build-changes';
import { publishJob } from './container-build-publish';
import { publishedScanJob } from './container-build-published-scan';
import { pullRequestBuildJob } from './container-build-pull-request';
import { BuildSettings, imageJobs, ScanSeverity, SEVERITIES } from './container-build-steps';
import { checkRegistryIdentity, unusedIdentities } from './registry-login';
import { describeFile, FileOwner } from '../core/file-catalog';
import { optionsProblems } from '../core/known-options';
import { atSynthStart, lazyValue } from '../core/projen-adapter';
import { addValidation, Problem } from '../core/validation';
import { ImagePublisher } from '../model/image-publisher';
import { CONTAINER_WORKFLOW } from '../model/layout';
import { OidcRefs } from '../model/oidc';
import { checkRegistryImage, RegistryIdentity } from '../model/registry';
import { Repository } from '../model/repository';
import { servicesOf, mainServiceOf } from '../model/service';
import { signingFacts } from '../model/signing';

/** Options for `ContainerBuildWorkflow`. */
export interface ContainerBuildWorkflowOptions {
  /**
   * The branch whose pull requests are built and whose pushes are published, overriding the
   * repository's default branch (`Repository`, read when the workflow is written).
   * @default - the repository's `defaultBranch` ("main")
   */
  readonly branch?: string;

  /**
   * Git tags that publish a release image (semver tags become image tags), overriding the
   * repository's `tagPattern`.
   * @default - the repository's `tagPattern` ("v*")
   */
  readonly tagPattern?: string;

  /**
   * The runner label of every job, overriding the repository's `runsOn`.
   * @default - the repository's `runsOn` ("ubuntu-24.04")
   */
  readonly runsOn?: string;

  /**
   * Platforms of the published image (other architectures through QEMU). Pull requests build
   * and scan the first one; the published image is scanned on each, reported under a code
   * scanning category per platform when there are several.
   * @default ["linux/amd64"]
   */
  readonly platforms?: string[];

  /**
   * Sign each pushed image digest, the way the project's `Signing` says (keyless, GitHub
   * artifact attestations or a KMS key; docs/signing.md).
   * @default true
   */
  readonly sign?: boolean;

  /**
   * Trivy scans every built image; results go to code scanning. A pull request fails on a
   * fixable vulnerability of this severity or worse: a `ScanSeverity` (`CRITICAL`, `HIGH`,
   * `MEDIUM` or `LOW`; `NONE` only reports), or its plain string ("HIGH").
   * @default "CRITICAL"
   */
  readonly scanSeverity?: string;

  /**
   * Upload scan results to GitHub code scanning (free for public repositories; private ones
   * need GitHub Advanced Security), under a category per image and platform:
   * `container-image`, plus `/<service>` with several services and `/<os>/<arch>` with several
   * platforms. Without it the scan still gates pull requests.
   * @default true
   */
  readonly uploadScanResults?: boolean;

  /**
   * The cloud identities of OIDC logins to Amazon ECR, Google Artifact Registry and Azure
   * Container Registry (chosen by the image's `registry` host); each defaults to a repository
   * variable. GHCR uses the workflow's token, Docker Hub the variable `DOCKERHUB_USERNAME` and
   * the secret `DOCKERHUB_TOKEN`, any other registry the secrets `REGISTRY_USERNAME` and
   * `REGISTRY_PASSWORD`.
   * @default - each identity from its repository variable (see `RegistryIdentity`)
   */
  readonly registryIdentity?: RegistryIdentity;
}

/**
 * `.github/workflows/container.yml`: builds the project's `ContainerImage` on every pull
 * request without pushing and without credentials, and builds and pushes it on pushes to the
 * default branch and on release tags. Least privilege: the workflow reads, only the publish
 * job may write packages; every action is pinned to a commit SHA. Each job is built in a
 * module of its own (`container-build-changes.ts`, `-pull-request.ts`, `-publish.ts`,
 * `-published-scan.ts`); this component holds the options and wires them in `preSynthesize`.
 * The repository's facts (default branch, tag pattern, runner) are read when the workflow is
 * written, so `Repository` may be added before or after this component.
 */
export class ContainerBuildWorkflow extends ImagePublisher {
  /** The project's container build workflow, if it has one. */
  public static of(project: Project): ContainerBuildWorkflow | undefined {
    return project.components.find((c): c is ContainerBuildWorkflow => c instanceof ContainerBuildWorkflow);
  }

  /** The underlying workflow (escape hatch: `workflow.file?.addOverride(...)`). */
  public readonly workflow?: github.GithubWorkflow;

  /**
   * The options were walked already, as part of the project's own (`registryIdentity`): the
   * workflow does not report their unknown keys and wrong types a second time.
   * @internal
   */
  public _optionsWalked = false;

  private readonly settings: Omit<BuildSettings, 'signing' | 'branch' | 'runsOn' | 'githubUrl'>;
  private readonly options: ContainerBuildWorkflowOptions;

  constructor(project: Project, options: ContainerBuildWorkflowOptions = {}) {
    super(project);
    this.options = options;
    const settings: Omit<BuildSettings, 'signing' | 'branch' | 'runsOn' | 'githubUrl'> = {
      platforms: [...(options.platforms ?? ['linux/amd64'])],
      sign: options.sign ?? true,
      scanSeverity: options.scanSeverity ?? ScanSeverity.CRITICAL,
      upload: options.uploadScanResults ?? true,
      identity: { ...options.registryIdentity },
    };
    this.settings = settings;
    const { platforms, scanSeverity, identity } = settings;
    const gh = github.GitHub.of(project);

    addValidation(project, () => {
      const problems: Problem[] = [];
      if (!gh) {
        problems.push({ option: 'github', message: 'ContainerBuildWorkflow needs GitHub support in the project, got github: false; set github: true' });
      }
      if (!mainServiceOf(project)) {
        problems.push({ option: 'ContainerBuildWorkflow', message: 'needs a ContainerImage in the project, found none; add `new ContainerImage(project, {...})` in .projenrc.ts' });
      }
      problems.push(...overrideProblems(options));
      if (platforms.length === 0 || platforms.some((p) => !/^[a-z0-9]+\/[a-z0-9]+(\/[a-z0-9]+)?$/.test(p))) {
        problems.push({ option: 'platforms', message: `must list platforms like 'linux/amd64' or 'linux/arm64', got ${JSON.stringify(platforms)}; try ['linux/amd64', 'linux/arm64']` });
      }
      if (![...SEVERITIES, 'NONE'].includes(scanSeverity)) {
        problems.push({ option: 'scanSeverity', message: `must be one of ${[...SEVERITIES, 'NONE'].map((v) => `'${v}'`).join(', ')} (ScanSeverity), got ${JSON.stringify(scanSeverity)}; try ScanSeverity.CRITICAL` });
      }
      // A misspelt identity would silently fall back to its repository variable.
      if (!this._optionsWalked) problems.push(...optionsProblems('projen-gitops.RegistryIdentity', identity, 'RegistryIdentity', 'registryIdentity'));
      problems.push(...checkRegistryIdentity(identity));
      const images = servicesOf(project);
      for (const image of images) problems.push(...checkRegistryImage(image, images.length > 1));
      problems.push(...unusedIdentities(identity, images.map((image) => image.registry)));
      return problems;
    });
    if (!gh) return;

    // Publish jobs queue per ref (their own concurrency groups).
    this.workflow = pullRequestAndPushWorkflow(gh, CONTAINER_WORKFLOW.name, {
      pullRequest: { branches: lazyValue(() => [this.branch]) },
      // The publish job's triggers: the cloud trust policies (infra/) admit exactly these (publishRefs).
      push: { branches: lazyValue(() => this.publishRefs.branches), tags: lazyValue(() => this.publishRefs.tags) },
    });
    atSynthStart(project, () => describeFile(project, {
      path: CONTAINER_WORKFLOW.path,
      owner: FileOwner.MANAGED,
      purpose: `Builds the image on pull requests (no push, no secrets); builds and pushes it on ${this.branch} and on '${this.tagPattern}' tags.`,
      change: 'Set the ContainerBuildWorkflow and ContainerImage options in .projenrc.ts; escape hatch: `ContainerBuildWorkflow.of(project)!.workflow!.file!.addOverride(...)`.',
    }));
  }

  /** The branch that is built and published: the `branch` option, else the repository's default branch. */
  private get branch(): string {
    return this.options.branch ?? Repository.factsOf(this.project).defaultBranch;
  }

  /** The tags that publish a release: the `tagPattern` option, else the repository's. */
  private get tagPattern(): string {
    return this.options.tagPattern ?? Repository.factsOf(this.project).tagPattern;
  }

  preSynthesize() {
    const all = servicesOf(this.project);
    if (!this.workflow || all.length === 0) return; // reported by validation
    const multi = all.length > 1;
    // The repository's and the signing facts are read now: the model's components may be added after this one.
    const settings: BuildSettings = {
      ...this.settings,
      branch: this.branch,
      runsOn: this.options.runsOn ?? Repository.factsOf(this.project).runsOn,
      signing: signingFacts(this.project),
      githubUrl: Repository.factsOf(this.project).githubUrl,
    };
    if (multi) this.workflow.addJobs({ changes: changedServicesJob(all, settings) });
    for (const image of all) {
      const jobs = imageJobs(image, multi);
      this.workflow.addJobs({
        [`build${jobs.suffix}`]: pullRequestBuildJob(jobs, settings),
        [`publish${jobs.suffix}`]: publishJob(jobs, settings),
        [`scan${jobs.suffix}`]: publishedScanJob(jobs, settings),
      });
    }
  }

  /**
   * The runs whose publish job pushes images: pushes to the default branch and release tags
   * (the job names no environment). The workflow triggers on them, and the OIDC trust of the
   * registry identity is computed from them (`oidcSubjects`).
   */
  public get publishRefs(): OidcRefs {
    return { branches: [this.branch], tags: [this.tagPattern] };
  }

  /** The cloud identities of the OIDC logins (registry and KMS). */
  public get registryIdentity(): RegistryIdentity {
    return this.settings.identity;
  }

  /** Whether pushed images are signed. */
  public get signs(): boolean {
    return this.settings.sign;
  }

  /** The severity that fails a pull request, or NONE. */
  public get failsOn(): string {
    return this.settings.scanSeverity;
  }
}
