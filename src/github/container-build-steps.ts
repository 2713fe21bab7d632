import { github } from 'projen';
import { ACTIONS, toolInput, uses } from './actions';
import { RegistryIdentity } from '../model/registry';
import { NPMRC_BUILD_SECRET, Repository } from '../model/repository';
import { runtimeFacts } from '../model/runtime-facts';
import { imagePathService, Service } from '../model/service';
import { SigningFacts } from '../model/signing';

/** What every job of the container workflow reads from `ContainerBuildWorkflow`'s options. */
export interface BuildSettings {
  readonly branch: string;
  readonly runsOn: string;
  /** The published platforms; pull requests build and scan the first. */
  readonly platforms: string[];
  readonly sign: boolean;
  /** How images are signed (read from the model when the jobs are written). */
  readonly signing: SigningFacts;
  readonly scanSeverity: string;
  readonly upload: boolean;
  readonly identity: RegistryIdentity;
  /** The repository's server (`githubUrl`): GitHub's Container registry there takes the job's token. */
  readonly githubUrl: string;
}

/** One image's place in the workflow: its job id suffix and its label in job names. */
export interface ImageJobs {
  readonly image: Service;
  /** Whether the project has several images (jobs are then named after their service). */
  readonly multi: boolean;
  /** `-<service>` with several images, else empty. */
  readonly suffix: string;
  /** ` (<service>)` with several images, else empty. */
  readonly label: string;
}

export function imageJobs(image: Service, multi: boolean): ImageJobs {
  return { image, multi, suffix: multi ? `-${image.serviceName}` : '', label: multi ? ` (${image.serviceName})` : '' };
}

/**
 * The severity a pull request's image scan fails on (`scanSeverity`), or `NONE`: Trivy's
 * severity names. A member equals its plain string (`ScanSeverity.HIGH === 'HIGH'`), so
 * `scanSeverity: 'HIGH'` stays valid.
 */
export enum ScanSeverity {
  /** Fail on a fixable critical vulnerability. */
  CRITICAL = 'CRITICAL',
  /** Fail on a fixable high or critical vulnerability. */
  HIGH = 'HIGH',
  /** Fail on a fixable medium, high or critical vulnerability. */
  MEDIUM = 'MEDIUM',
  /** Fail on any fixable vulnerability (low and above). */
  LOW = 'LOW',
  /** Fail on none: the scan only reports (to code scanning, when uploaded). */
  NONE = 'NONE',
}

/** Trivy's severities, worst first. */
export const SEVERITIES: string[] = [ScanSeverity.CRITICAL, ScanSeverity.HIGH, ScanSeverity.MEDIUM, ScanSeverity.LOW];

/**
 * Option text as a literal in a place GitHub evaluates expressions in (`env:`, `with:`,
 * `concurrency:`): `${{` becomes an expression that yields it, so a value never expands a
 * context. Values reach scripts through `env:` only, never as script text.
 */
export function literal(value: string): string {
  return value.replace(/\$\{\{/g, "${{ '${{' }}");
}

/**
 * The code scanning category of an image's Trivy results on one platform. A category per
 * image (and per platform when there are several): code scanning keeps one analysis per
 * category, so images sharing one replace each other's results. A pull request reports under
 * the category of the same image and platform on the default branch, so the two compare.
 */
export function sarifCategory(jobs: ImageJobs, settings: BuildSettings, platform: string): string {
  const parts = ['container-image'];
  if (jobs.multi) parts.push(literal(jobs.image.serviceName));
  if (settings.platforms.length > 1) parts.push(platform);
  return parts.join('/');
}

export interface ScanOptions {
  /** The condition to upload under (besides `always()`). */
  readonly uploadIf?: string;
  /** The scan step's environment (Trivy's settings without an input). */
  readonly env?: Record<string, string>;
}

/** Trivy to SARIF, uploaded to code scanning (where `uploadIf` allows). */
export function scanSteps(settings: BuildSettings, imageRef: string, category: string, options: ScanOptions = {}): github.workflows.JobStep[] {
  const env = options.env ? { env: options.env } : {};
  if (!settings.upload) {
    return [{
      name: 'Scan the image',
      uses: uses(ACTIONS.trivy),
      ...env,
      with: { 'image-ref': imageRef, 'format': 'table', 'ignore-unfixed': true, ...toolInput(ACTIONS.trivy) },
    }];
  }
  return [
    {
      name: 'Scan the image',
      uses: uses(ACTIONS.trivy),
      ...env,
      with: { 'image-ref': imageRef, 'format': 'sarif', 'output': 'trivy.sarif', 'ignore-unfixed': true, ...toolInput(ACTIONS.trivy) },
    },
    {
      name: 'Report to code scanning',
      if: options.uploadIf ? `always() && ${options.uploadIf}` : 'always()',
      uses: uses(ACTIONS.uploadSarif),
      with: { sarif_file: 'trivy.sarif', category },
    },
  ];
}

/** The image's repository as the metadata action takes it: configured, or computed by the `image` step. */
export function imageNames(image: Service): string {
  return image.imageReference ? literal(image.imageReference) : '${{ steps.image.outputs.name }}';
}

export interface PrepareOptions {
  /** Set up QEMU (a platform other than the runner's). */
  readonly qemu: boolean;
  /** Check out the whole history (and every branch). */
  readonly fullHistory?: boolean;
  /** Steps that decide the tags, run just before the metadata step. */
  readonly beforeTags?: github.workflows.JobStep[];
  /** An expression that must hold for the branch tag to be set. */
  readonly branchTagIf?: string;
}

/** Check out, Buildx (and QEMU for other platforms), the image name and its tags and labels. */
export function prepareSteps(jobs: ImageJobs, options: PrepareOptions): github.workflows.JobStep[] {
  const { image } = jobs;
  const steps: github.workflows.JobStep[] = [
    { name: 'Check out', uses: uses(ACTIONS.checkout), with: { 'persist-credentials': false, ...(options.fullHistory ? { 'fetch-depth': 0 } : {}) } },
    ...(options.qemu ? [{ name: 'Set up QEMU (other platforms)', uses: uses(ACTIONS.setupQemu) }] : []),
    { name: 'Set up Docker Buildx', uses: uses(ACTIONS.setupBuildx) },
  ];
  if (!image.imageReference) {
    // Image names must be lowercase; GitHub owners and repositories may not be. Which
    // services get their name appended is the model's rule (`imagePathService`).
    const service = imagePathService(image);
    steps.push({
      name: 'Compute the image name',
      id: 'image',
      env: { REGISTRY: literal(image.registry), ...(service ? { SERVICE: literal(service) } : {}) },
      run: service
        ? 'echo "name=${REGISTRY}/${GITHUB_REPOSITORY,,}/${SERVICE}" >> "$GITHUB_OUTPUT"'
        : 'echo "name=${REGISTRY}/${GITHUB_REPOSITORY,,}" >> "$GITHUB_OUTPUT"',
    });
  }
  steps.push(...options.beforeTags ?? []);
  steps.push({
    name: 'Image tags and labels',
    id: 'meta',
    uses: uses(ACTIONS.metadata),
    with: {
      images: imageNames(image),
      tags: [
        options.branchTagIf ? `type=ref,event=branch,enable=\${{ ${options.branchTagIf} }}` : 'type=ref,event=branch',
        'type=ref,event=pr',
        'type=semver,pattern={{version}}',
        'type=semver,pattern={{major}}.{{minor}}',
        'type=sha',
      ].join('\n'),
    },
  });
  return steps;
}

/** The inputs of docker/build-push-action common to pull request and publish builds. */
export function buildInputs(image: Service): Record<string, unknown> {
  return {
    'context': literal(image.context),
    'file': literal(image.dockerfilePath),
    'tags': '${{ steps.meta.outputs.tags }}',
    'labels': '${{ steps.meta.outputs.labels }}',
    'build-args': [
      'OCI_SOURCE=${{ github.server_url }}/${{ github.repository }}',
      'OCI_REVISION=${{ github.sha }}',
    ].join('\n'),
    ...npmBuildSecrets(image)?.with,
  };
}

/**
 * With a private npm registry, what a Node.js image build needs to install from it: the
 * repository's `.npmrc` (no token in it) as the BuildKit secret `npmrc`, and the token as the
 * secret named like its variable, read from the step's environment, which takes it from the
 * registry's token secret. The Dockerfile mounts both for its install step only: the token
 * reaches no layer, no build argument and no log. `undefined` without one.
 */
export function npmBuildSecrets(image: Service): { with: Record<string, string>; env: Record<string, string> } | undefined {
  const npm = Repository.factsOf(image.project).npmRegistry;
  if (!npm || !runtimeFacts(image.runtime)?.npmBuildSecrets) return undefined;
  return {
    with: { 'secret-files': `${NPMRC_BUILD_SECRET}=.npmrc`, 'secret-envs': `${npm.tokenVariable}=${npm.tokenVariable}` },
    env: { [npm.tokenVariable]: `\${{ secrets.${npm.tokenSecret} }}` },
  };
}

/** BuildKit's GitHub cache, a scope per service so services do not evict each other's layers. */
export function cacheScope(jobs: ImageJobs): string {
  return jobs.multi ? `,scope=${literal(jobs.image.serviceName)}` : '';
}
