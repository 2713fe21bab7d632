import { Component, github, Project } from 'projen';
import { ACTIONS, annotateWorkflowPins, uses } from './actions';
import { ContainerImage } from '../container/container-image';
import { checkBranch } from '../core/checks';
import { describeFile, FileOwner } from '../core/file-catalog';
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
}

/** The names of the workflow's jobs, as GitHub shows them (and branch protection requires them). */
const BUILD_JOB_NAME = 'Build image';
const PUBLISH_JOB_NAME = 'Publish image';

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

  constructor(project: Project, options: ContainerBuildWorkflowOptions = {}) {
    super(project);
    this.branch = options.branch ?? 'main';
    this.runsOn = options.runsOn ?? 'ubuntu-24.04';
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
      if (!tagPattern || /\s/.test(tagPattern)) {
        problems.push({ option: 'tagPattern', message: `must be a git tag glob without spaces, got ${JSON.stringify(tagPattern)}; try 'v*'` });
      }
      return problems;
    });
    if (!gh) return;

    this.workflow = new github.GithubWorkflow(gh, 'container', { fileName: 'container.yml' });
    this.workflow.on({
      pullRequest: { branches: [this.branch] },
      push: { branches: [this.branch], tags: [tagPattern] },
    });
    this.workflow.file?.addOverride('permissions', { contents: 'read' });
    // One run per PR or ref; a newer push to a PR cancels its superseded build, publishing never is.
    this.workflow.file?.addOverride('concurrency', {
      'group': '${{ github.workflow }}-${{ github.event.pull_request.number || github.ref }}',
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
    const image = ContainerImage.of(this.project);
    if (!this.workflow || !image) return; // reported by validation
    const ghcr = image.registry === 'ghcr.io';
    this.workflow.addJobs({
      build: {
        name: BUILD_JOB_NAME,
        if: "github.event_name == 'pull_request'",
        runsOn: [this.runsOn],
        timeoutMinutes: 30,
        permissions: { contents: github.workflows.JobPermission.READ },
        steps: [
          ...this.prepareSteps(image),
          {
            name: 'Build (no push)',
            uses: uses(ACTIONS.buildPush),
            with: {
              ...this.buildInputs(image),
              'push': false,
              // Pull requests get their own cache scope; they can never write main's.
              'cache-from': 'type=gha',
              'cache-to': 'type=gha,mode=max',
            },
          },
        ],
      },
      publish: {
        name: PUBLISH_JOB_NAME,
        if: "github.event_name == 'push'",
        runsOn: [this.runsOn],
        timeoutMinutes: 30,
        permissions: {
          contents: github.workflows.JobPermission.READ,
          ...(ghcr ? { packages: github.workflows.JobPermission.WRITE } : {}),
        },
        steps: [
          ...this.prepareSteps(image),
          {
            name: 'Log in to the registry',
            uses: uses(ACTIONS.login),
            with: ghcr
              ? { registry: image.registry, username: '${{ github.actor }}', password: '${{ secrets.GITHUB_TOKEN }}' }
              : { registry: image.registry, username: '${{ secrets.REGISTRY_USERNAME }}', password: '${{ secrets.REGISTRY_PASSWORD }}' },
          },
          {
            name: 'Build and push',
            uses: uses(ACTIONS.buildPush),
            with: {
              ...this.buildInputs(image),
              'push': true,
              // The published image is built without restoring any cache (no cache poisoning);
              // it still fills the cache that pull requests read.
              'cache-to': 'type=gha,mode=max',
            },
          },
        ],
      },
    });
  }

  private prepareSteps(image: ContainerImage): github.workflows.JobStep[] {
    const steps: github.workflows.JobStep[] = [
      { name: 'Check out', uses: uses(ACTIONS.checkout), with: { 'persist-credentials': false } },
      { name: 'Set up Docker Buildx', uses: uses(ACTIONS.setupBuildx) },
    ];
    let images = image.imageReference;
    if (!images) {
      // Image names must be lowercase; GitHub owners and repositories may not be.
      steps.push({
        name: 'Compute the image name',
        id: 'image',
        env: { REGISTRY: image.registry },
        run: 'echo "name=${REGISTRY}/${GITHUB_REPOSITORY,,}" >> "$GITHUB_OUTPUT"',
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
