import { Component, github, Project } from 'projen';
import { ACTIONS, annotateWorkflowPins, toolInput, uses } from './actions';
import { checkRegistryIdentity, checkRegistryImage, RegistryIdentity, registryLogin } from './registry-login';
import { ContainerImage } from '../container/container-image';
import { checkBranch } from '../core/checks';
import { describeFile, FileOwner } from '../core/file-catalog';
import { unknownOptions } from '../core/known-options';
import { addValidation, Problem } from '../core/validation';

/** Options for `ContainerBuildWorkflow`. */
export interface ContainerBuildWorkflowOptions {
  /**
   * The default branch: pull requests into it are built, pushes to it are published.
   * @default "main"
   */
  readonly branch?: string;

  /**
   * Git tags that publish a release image (semver tags become image tags).
   * @default "v*"
   */
  readonly tagPattern?: string;

  /**
   * The runner label of every job.
   * @default "ubuntu-24.04"
   */
  readonly runsOn?: string;

  /**
   * Platforms of the published image (other architectures through QEMU). Pull requests build
   * and scan the first one.
   * @default ["linux/amd64"]
   */
  readonly platforms?: string[];

  /**
   * Sign each pushed image digest keyless with cosign (Sigstore, through the workflow's
   * OIDC token; no key to keep).
   * @default true
   */
  readonly sign?: boolean;

  /**
   * Trivy scans every built image; results go to code scanning. A pull request fails on a
   * fixable vulnerability of this severity or worse: "CRITICAL", "HIGH", "MEDIUM" or "LOW";
   * "NONE" only reports.
   * @default "CRITICAL"
   */
  readonly scanSeverity?: string;

  /**
   * Upload scan results to GitHub code scanning (free for public repositories; private ones
   * need GitHub Advanced Security). Without it the scan still gates pull requests.
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

const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'];
/** The local tag a pull request's image is loaded under for the scan. */
const SCAN_TAG = 'gitops-scan:pull-request';

/** The names of the workflow's jobs, as GitHub shows them (and branch protection requires them). */
const BUILD_JOB_NAME = 'Build image';
const PUBLISH_JOB_NAME = 'Publish image';
const SCAN_PUBLISHED_JOB_NAME = 'Scan published image';

/**
 * `.github/workflows/container.yml`: builds the project's `ContainerImage` on every pull
 * request without pushing and without credentials, and builds and pushes it on pushes to the
 * default branch and on release tags. Least privilege: the workflow reads, only the publish
 * job may write packages; every action is pinned to a commit SHA.
 */
export class ContainerBuildWorkflow extends Component {
  /** The project's container build workflow, if it has one. */
  public static of(project: Project): ContainerBuildWorkflow | undefined {
    return project.components.find((c): c is ContainerBuildWorkflow => c instanceof ContainerBuildWorkflow);
  }

  /** The underlying workflow (escape hatch: `workflow.file?.addOverride(...)`). */
  public readonly workflow?: github.GithubWorkflow;

  private readonly branch: string;
  private readonly runsOn: string;
  private readonly platforms: string[];
  private readonly sign: boolean;
  private readonly scanSeverity: string;
  private readonly upload: boolean;
  private readonly identity: RegistryIdentity;

  constructor(project: Project, options: ContainerBuildWorkflowOptions = {}) {
    super(project);
    this.branch = options.branch ?? 'main';
    this.runsOn = options.runsOn ?? 'ubuntu-24.04';
    this.platforms = [...(options.platforms ?? ['linux/amd64'])];
    this.sign = options.sign ?? true;
    this.scanSeverity = options.scanSeverity ?? 'CRITICAL';
    this.upload = options.uploadScanResults ?? true;
    this.identity = { ...options.registryIdentity };
    const tagPattern = options.tagPattern ?? 'v*';
    const gh = github.GitHub.of(project);

    addValidation(project, () => {
      const problems: Problem[] = [];
      if (!gh) {
        problems.push({ option: 'github', message: 'ContainerBuildWorkflow needs GitHub support in the project, got github: false; set github: true' });
      }
      if (!ContainerImage.of(project)) {
        problems.push({ option: 'ContainerBuildWorkflow', message: 'needs a ContainerImage in the project, found none; add `new ContainerImage(project, {...})` in .projenrc.ts' });
      }
      const branchProblem = checkBranch(this.branch);
      if (branchProblem) problems.push({ option: 'branch', message: branchProblem });
      if (this.platforms.length === 0 || this.platforms.some((p) => !/^[a-z0-9]+\/[a-z0-9]+(\/[a-z0-9]+)?$/.test(p))) {
        problems.push({ option: 'platforms', message: `must list platforms like 'linux/amd64' or 'linux/arm64', got ${JSON.stringify(this.platforms)}; try ['linux/amd64', 'linux/arm64']` });
      }
      if (![...SEVERITIES, 'NONE'].includes(this.scanSeverity)) {
        problems.push({ option: 'scanSeverity', message: `must be one of ${[...SEVERITIES, 'NONE'].map((v) => `'${v}'`).join(', ')}, got ${JSON.stringify(this.scanSeverity)}; try 'CRITICAL'` });
      }
      if (!tagPattern || /\s/.test(tagPattern)) {
        problems.push({ option: 'tagPattern', message: `must be a git tag glob without spaces, got ${JSON.stringify(tagPattern)}; try 'v*'` });
      }
      // A misspelt identity would silently fall back to its repository variable.
      problems.push(...unknownOptions('projen-gitops.RegistryIdentity', this.identity, 'RegistryIdentity')
        .map((p) => ({ ...p, option: `registryIdentity.${p.option}` })));
      problems.push(...checkRegistryIdentity(this.identity));
      const images = ContainerImage.all(project);
      for (const image of images) problems.push(...checkRegistryImage(image, images.length > 1));
      return problems;
    });
    if (!gh) return;

    this.workflow = new github.GithubWorkflow(gh, 'container', { fileName: 'container.yml' });
    this.workflow.on({
      pullRequest: { branches: [this.branch] },
      push: { branches: [this.branch], tags: [tagPattern] },
    });
    this.workflow.file?.addOverride('permissions', { contents: 'read' });
    // A newer push to a pull request cancels its superseded build. Each pushed commit has a
    // group of its own, so no publish is ever cancelled or dropped from the queue.
    this.workflow.file?.addOverride('concurrency', {
      'group': "${{ github.workflow }}-${{ github.event_name == 'pull_request' && github.event.pull_request.number || github.sha }}",
      'cancel-in-progress': "${{ github.event_name == 'pull_request' }}",
    });
    annotateWorkflowPins(this.workflow);
    describeFile(project, {
      path: '.github/workflows/container.yml',
      owner: FileOwner.MANAGED,
      purpose: `Builds the image on pull requests (no push, no secrets); builds and pushes it on ${this.branch} and on '${tagPattern}' tags.`,
      change: 'Set the ContainerBuildWorkflow and ContainerImage options in .projenrc.ts; escape hatch: `ContainerBuildWorkflow.of(project)!.workflow!.file!.addOverride(...)`.',
    });
  }

  preSynthesize() {
    const all = ContainerImage.all(this.project);
    if (!this.workflow || all.length === 0) return; // reported by validation
    const multi = all.length > 1;
    if (multi) this.workflow.addJobs({ changes: this.changesJob(all) });
    for (const image of all) this.workflow.addJobs(this.imageJobs(image, multi));
  }

  /**
   * Which services a pull request changed: a service's folder, or for the service at the
   * root anything outside the other services' folders; a change to this workflow rebuilds all.
   */
  private changesJob(all: ContainerImage[]): github.workflows.Job {
    const folders = all.filter((i) => i.context !== '.').map((i) => `^${i.context.replace(/\./g, '\\.')}/`);
    const lines = [
      'changed=$(git diff --name-only "$BASE_SHA" "$HEAD_SHA")',
      'printf \'%s\\n\' "$changed"',
      'all=false',
      'if grep -qx \'.github/workflows/container.yml\' <<<"$changed"; then all=true; fi',
    ];
    // One redirect for all services (shellcheck SC2129 flags one per service from three on).
    lines.push('{');
    for (const image of all) {
      const test = image.context !== '.'
        ? `grep -q '^${image.context.replace(/\./g, '\\.')}/' <<<"$changed"`
        : `grep -v ${folders.map((f) => `-e '${f}'`).join(' ')} <<<"$changed" | grep -q .`;
      lines.push(`  if [ "$all" = true ] || ${test}; then echo "${image.serviceName}=true"; else echo "${image.serviceName}=false"; fi`);
    }
    lines.push('} >> "$GITHUB_OUTPUT"');
    return {
      name: 'Changed services',
      if: "github.event_name == 'pull_request'",
      runsOn: [this.runsOn],
      timeoutMinutes: 10,
      permissions: { contents: github.workflows.JobPermission.READ },
      outputs: Object.fromEntries(all.map((i) => [i.serviceName, { stepId: 'diff', outputName: i.serviceName }])),
      steps: [
        { name: 'Check out', uses: uses(ACTIONS.checkout), with: { 'persist-credentials': false, 'fetch-depth': 0 } },
        {
          name: 'List the services this pull request changes',
          id: 'diff',
          env: { BASE_SHA: '${{ github.event.pull_request.base.sha }}', HEAD_SHA: '${{ github.event.pull_request.head.sha }}' },
          run: lines.join('\n'),
        },
      ],
    };
  }

  /** The jobs of one image: build and scan on pull requests, publish and scan on pushes. */
  private imageJobs(image: ContainerImage, multi: boolean): Record<string, github.workflows.Job> {
    const suffix = multi ? `-${image.serviceName}` : '';
    const label = multi ? ` (${image.serviceName})` : '';
    const scanTag = `${SCAN_TAG}${suffix}`;
    const cacheScope = multi ? `,scope=${image.serviceName}` : '';
    const images = image.imageReference ?? '${{ steps.image.outputs.name }}';
    // The publish job pushes and signs, the scan job pulls: both log in the same way.
    const login = registryLogin(image.registry, this.identity);
    const ghcr = login.githubPackages;
    const multiPlatform = this.platforms.length > 1 || this.platforms[0] !== 'linux/amd64';
    return {
      [`build${suffix}`]: {
        name: `${BUILD_JOB_NAME}${label}`,
        // A service the pull request does not touch is skipped, which satisfies its check.
        if: multi ? `github.event_name == 'pull_request' && needs.changes.outputs.${image.serviceName} == 'true'` : "github.event_name == 'pull_request'",
        ...(multi ? { needs: ['changes'] } : {}),
        runsOn: [this.runsOn],
        timeoutMinutes: 30,
        // security-events: to report the scan. A pull request from a fork gets a read-only
        // token and no secrets whatever this says; its report is simply not uploaded.
        permissions: {
          contents: github.workflows.JobPermission.READ,
          ...(this.upload ? { securityEvents: github.workflows.JobPermission.WRITE } : {}),
        },
        steps: [
          ...this.prepareSteps(image, this.platforms[0] !== 'linux/amd64', false, multi),
          {
            name: 'Build (no push)',
            id: 'build',
            uses: uses(ACTIONS.buildPush),
            with: {
              ...this.buildInputs(image),
              'tags': `\${{ steps.meta.outputs.tags }}\n${scanTag}`,
              'platforms': this.platforms[0],
              'push': false,
              'load': true,
              // Pull requests get their own cache scope; they can never write main's. Each
              // service has a scope of its own, so services do not evict each other's layers.
              'cache-from': `type=gha${cacheScope}`,
              'cache-to': `type=gha,mode=max${cacheScope}`,
            },
          },
          ...this.scanSteps(SCAN_TAG, 'github.event.pull_request.head.repo.full_name == github.repository'),
          ...(this.scanSeverity === 'NONE' ? [] : [{
            name: `Fail on fixable ${this.scanSeverity.toLowerCase()}${this.scanSeverity === 'CRITICAL' ? '' : '+'} vulnerabilities`,
            uses: uses(ACTIONS.trivy),
            with: {
              'image-ref': scanTag,
              'format': 'table',
              'severity': SEVERITIES.slice(0, SEVERITIES.indexOf(this.scanSeverity) + 1).join(','),
              'ignore-unfixed': true,
              'exit-code': '1',
              ...toolInput(ACTIONS.trivy),
            },
          }]),
        ],
      },
      [`publish${suffix}`]: {
        name: `${PUBLISH_JOB_NAME}${label}`,
        if: "github.event_name == 'push'",
        runsOn: [this.runsOn],
        timeoutMinutes: 60,
        permissions: {
          contents: github.workflows.JobPermission.READ,
          ...(ghcr ? { packages: github.workflows.JobPermission.WRITE } : {}),
          // The OIDC token is the signing identity (keyless) and the cloud registry login.
          ...(this.sign || login.oidc ? { idToken: github.workflows.JobPermission.WRITE } : {}),
        },
        outputs: {
          digest: { stepId: 'push', outputName: 'digest' },
          ...(image.imageReference ? {} : { image: { stepId: 'image', outputName: 'name' } }),
        },
        steps: [
          ...this.prepareSteps(image, multiPlatform, true, multi),
          {
            // Anyone who may push can push a tag: publish only tags of reviewed commits.
            name: 'Check that a release tag is on the default branch',
            if: "github.ref_type == 'tag'",
            env: { DEFAULT_BRANCH: this.branch },
            run: [
              'if ! git merge-base --is-ancestor "$GITHUB_SHA" "origin/$DEFAULT_BRANCH"; then',
              '  echo "::error title=Tag not on $DEFAULT_BRANCH::$GITHUB_REF_NAME points at a commit that is not on $DEFAULT_BRANCH (not reviewed); it is not published."',
              '  exit 1',
              'fi',
            ].join('\n'),
          },
          ...login.steps,
          {
            name: 'Build and push',
            id: 'push',
            uses: uses(ACTIONS.buildPush),
            with: {
              ...this.buildInputs(image),
              'platforms': this.platforms.join(','),
              'push': true,
              'sbom': true,
              'provenance': 'mode=max',
              // The published image is built without restoring any cache (no cache poisoning);
              // it still fills the cache that pull requests read.
              'cache-to': `type=gha,mode=max${cacheScope}`,
            },
          },
          ...(this.sign ? [
            { name: 'Install cosign', uses: uses(ACTIONS.cosignInstaller), with: toolInput(ACTIONS.cosignInstaller) },
            {
              name: 'Sign the image (keyless)',
              env: { IMAGE: images, DIGEST: '${{ steps.push.outputs.digest }}' },
              run: 'cosign sign --yes "${IMAGE}@${DIGEST}"',
            },
          ] : []),
        ],
      },
      [`scan${suffix}`]: {
        name: `${SCAN_PUBLISHED_JOB_NAME}${label}`,
        if: "github.event_name == 'push'",
        needs: [`publish${suffix}`],
        runsOn: [this.runsOn],
        timeoutMinutes: 30,
        permissions: {
          contents: github.workflows.JobPermission.READ,
          ...(ghcr ? { packages: github.workflows.JobPermission.READ } : {}),
          ...(login.oidc ? { idToken: github.workflows.JobPermission.WRITE } : {}),
          ...(this.upload ? { securityEvents: github.workflows.JobPermission.WRITE } : {}),
        },
        steps: [
          ...login.steps,
          ...this.scanSteps(`${image.imageReference ?? `\${{ needs.publish${suffix}.outputs.image }}`}@\${{ needs.publish${suffix}.outputs.digest }}`),
        ],
      },
    };
  }

  /** Whether pushed images are signed. */
  public get signs(): boolean {
    return this.sign;
  }

  /** The severity that fails a pull request, or NONE. */
  public get failsOn(): string {
    return this.scanSeverity;
  }

  /** Trivy to SARIF, uploaded to code scanning (where `uploadIf` allows). */
  private scanSteps(imageRef: string, uploadIf?: string): github.workflows.JobStep[] {
    if (!this.upload) {
      return [{
        name: 'Scan the image',
        uses: uses(ACTIONS.trivy),
        with: { 'image-ref': imageRef, 'format': 'table', 'ignore-unfixed': true, ...toolInput(ACTIONS.trivy) },
      }];
    }
    return [
      {
        name: 'Scan the image',
        uses: uses(ACTIONS.trivy),
        with: { 'image-ref': imageRef, 'format': 'sarif', 'output': 'trivy.sarif', 'ignore-unfixed': true, ...toolInput(ACTIONS.trivy) },
      },
      {
        name: 'Report to code scanning',
        if: uploadIf ? `always() && ${uploadIf}` : 'always()',
        uses: uses(ACTIONS.uploadSarif),
        with: { sarif_file: 'trivy.sarif', category: 'container-image' },
      },
    ];
  }

  private prepareSteps(image: ContainerImage, qemu: boolean, fullHistory = false, multi = false): github.workflows.JobStep[] {
    const steps: github.workflows.JobStep[] = [
      { name: 'Check out', uses: uses(ACTIONS.checkout), with: { 'persist-credentials': false, ...(fullHistory ? { 'fetch-depth': 0 } : {}) } },
      ...(qemu ? [{ name: 'Set up QEMU (other platforms)', uses: uses(ACTIONS.setupQemu) }] : []),
      { name: 'Set up Docker Buildx', uses: uses(ACTIONS.setupBuildx) },
    ];
    let images = image.imageReference;
    if (!images) {
      // Image names must be lowercase; GitHub owners and repositories may not be.
      // With several services, each but the one at the root gets its name appended.
      const service = multi && image.context !== '.' ? image.serviceName : undefined;
      steps.push({
        name: 'Compute the image name',
        id: 'image',
        env: { REGISTRY: image.registry, ...(service ? { SERVICE: service } : {}) },
        run: service
          ? 'echo "name=${REGISTRY}/${GITHUB_REPOSITORY,,}/${SERVICE}" >> "$GITHUB_OUTPUT"'
          : 'echo "name=${REGISTRY}/${GITHUB_REPOSITORY,,}" >> "$GITHUB_OUTPUT"',
      });
      images = '${{ steps.image.outputs.name }}';
    }
    steps.push({
      name: 'Image tags and labels',
      id: 'meta',
      uses: uses(ACTIONS.metadata),
      with: {
        images,
        tags: [
          'type=ref,event=branch',
          'type=ref,event=pr',
          'type=semver,pattern={{version}}',
          'type=semver,pattern={{major}}.{{minor}}',
          'type=sha',
        ].join('\n'),
      },
    });
    return steps;
  }

  private buildInputs(image: ContainerImage): Record<string, unknown> {
    return {
      'context': image.context,
      'file': image.dockerfilePath,
      'tags': '${{ steps.meta.outputs.tags }}',
      'labels': '${{ steps.meta.outputs.labels }}',
      'build-args': [
        'OCI_SOURCE=${{ github.server_url }}/${{ github.repository }}',
        'OCI_REVISION=${{ github.sha }}',
      ].join('\n'),
    };
  }
}
