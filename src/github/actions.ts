import { github, Project } from 'projen';
import { annotatePermissions } from './permission-comments';
import { checkBranch, checkRunnerLabel, checkTagPattern } from '../core/checks';
import { lazyValue, transformRendered } from '../core/projen-adapter';
import { Problem } from '../core/validation';
import { Repository, TOOLING_INSTALL, TOOLING_NODE_VERSION } from '../model/repository';

export { TOOLING_NODE_VERSION };

/** Options for `installToolsSteps`. */
export interface InstallToolsOptions {
  /** The Node.js version (default `TOOLING_NODE_VERSION`). */
  readonly nodeVersion?: string;
  /** False where a poisoned npm cache could reach a later step with write access. */
  readonly cache?: boolean;
}

/**
 * The steps that set up Node.js and install the repository's tooling (`npm ci`): the one
 * place every generated workflow takes them from. With a private npm registry
 * (`npmRegistry`), `npm ci` gets the token in `NODE_AUTH_TOKEN` from the secret through
 * `env:` (the `.npmrc` reads it; nothing echoes it, and the step is the only one that sees it).
 * The registry is read when the workflow is written: a component may call this in its
 * constructor, before the `Repository` is added.
 */
export function installToolsSteps(project: Project, options: InstallToolsOptions = {}): github.workflows.JobStep[] {
  return [
    {
      name: 'Set up Node.js',
      uses: uses(ACTIONS.setupNode),
      with: { 'node-version': options.nodeVersion ?? TOOLING_NODE_VERSION, ...(options.cache === false ? { 'package-manager-cache': false } : {}) },
    },
    {
      name: 'Install the tools',
      env: lazyValue(() => npmTokenEnv(project)),
      run: TOOLING_INSTALL,
    },
  ];
}

/**
 * The environment that hands `npm ci` the private registry's token (`NODE_AUTH_TOKEN` from its
 * secret), or `undefined` without a private registry. Read when called.
 */
export function npmTokenEnv(project: Project): Record<string, string> | undefined {
  const npm = Repository.factsOf(project).npmRegistry;
  return npm && { [npm.tokenVariable]: `\${{ secrets.${npm.tokenSecret} }}` };
}

/** The repository facts a component's own options may override. */
export interface RepositoryOverrides {
  readonly branch?: string;
  readonly tagPattern?: string;
  readonly runsOn?: string;
}

/**
 * The problems of the repository facts a component overrides (`branch`, `tagPattern`, `runsOn`),
 * each checked only where given: the repository's own are checked once, by `Repository`.
 */
export function overrideProblems(options: RepositoryOverrides): Problem[] {
  const checks: Array<[keyof RepositoryOverrides, (value: string) => string | undefined]> = [['branch', checkBranch], ['tagPattern', checkTagPattern], ['runsOn', checkRunnerLabel]];
  return checks.flatMap(([option, check]) => {
    const message = options[option] === undefined ? undefined : check(options[option]!);
    return message === undefined ? [] : [{ option, message }];
  });
}

/** A GitHub Action pinned to the full commit SHA of a release. */
export interface PinnedAction {
  /** `owner/repo` or `owner/repo/path`. */
  readonly action: string;
  /** The release tag the SHA belongs to. */
  readonly version: string;
  /** The release's commit, 40 lowercase hex characters. */
  readonly sha: string;
  /** The Actions runtime the release's `action.yml` declares (`runs.using`). */
  readonly runtime: string;
  /** A tool the action installs, pinned through one of its inputs instead of the action's default. */
  readonly tool?: PinnedTool;
}

/** A tool version an action installs, set through one of its inputs. */
export interface PinnedTool {
  /** The action's input that selects the version. */
  readonly input: string;
  /** The tool's release tag. */
  readonly version: string;
  /** The tool's GitHub repository, where its releases are published (Renovate reads them). */
  readonly repository: string;
}

/**
 * Every action the generated workflows use, pinned to the commit of its release tag, looked
 * up in each action's repository with `git rev-parse '<tag>^{commit}'`, with the runtime its
 * `action.yml` declares at that tag (`git show <tag>:action.yml`, `runs.using`). This is the
 * one place to upgrade (docs/release.md); Renovate's custom managers over this table
 * (renovate.json) propose upgrades here, Dependabot's `github-actions` updates keep generated
 * repos fresh. Tags can be moved (trivy-action's were, in March 2026): only a SHA pins.
 * The entries are one line each, `key: { action, version, sha, ... }`, for those managers.
 */
export const ACTIONS = {
  checkout: { action: 'actions/checkout', version: 'v7.0.1', sha: '3d3c42e5aac5ba805825da76410c181273ba90b1', runtime: 'node24' },
  setupBuildx: { action: 'docker/setup-buildx-action', version: 'v4.3.0', sha: '37fe631027851001ddb9b187196cc803df7f5f0e', runtime: 'node24' },
  login: { action: 'docker/login-action', version: 'v4.1.0', sha: '4907a6ddec9925e35a0a9e82d7399ccc52663121', runtime: 'node24' },
  awsCredentials: { action: 'aws-actions/configure-aws-credentials', version: 'v6.2.3', sha: 'e6de054238d6b7531b4efff3b6587d9aade6a06c', runtime: 'node24' },
  ecrLogin: { action: 'aws-actions/amazon-ecr-login', version: 'v2.1.7', sha: '03f1aad4c6c7ffd436567f42f9384779290529bd', runtime: 'node24' },
  gcpAuth: { action: 'google-github-actions/auth', version: 'v3.0.0', sha: '7c6bc770dae815cd3e89ee6cdf493a5fab2cc093', runtime: 'node24' },
  // Lowercase as in Azure's docs; actionlint's action metadata knows only this spelling.
  azureLogin: { action: 'azure/login', version: 'v3.0.1', sha: 'f5d393ae46f8fde4be8b75f32e3fc50e654ad0ca', runtime: 'node24' },
  metadata: { action: 'docker/metadata-action', version: 'v6.2.0', sha: 'dc802804100637a589fabce1cb79ff13a1411302', runtime: 'node24' },
  buildPush: { action: 'docker/build-push-action', version: 'v7.3.0', sha: '53b7df96c91f9c12dcc8a07bcb9ccacbed38856a', runtime: 'node24' },
  codeqlInit: { action: 'github/codeql-action/init', version: 'v4.36.2', sha: '8aad20d150bbac5944a9f9d289da16a4b0d87c1e', runtime: 'node24' },
  setupNode: { action: 'actions/setup-node', version: 'v7.0.0', sha: '820762786026740c76f36085b0efc47a31fe5020', runtime: 'node24' },
  setupQemu: { action: 'docker/setup-qemu-action', version: 'v4.2.0', sha: '96fe6ef7f33517b61c61be40b68a1882f3264fb8', runtime: 'node24' },
  cosignInstaller: { action: 'sigstore/cosign-installer', version: 'v4.1.2', sha: '6f9f17788090df1f26f669e9d70d6ae9567deba6', runtime: 'composite', tool: { input: 'cosign-release', version: 'v3.1.2', repository: 'sigstore/cosign' } },
  // GitHub artifact attestations: SLSA provenance without a predicate, an SBOM attestation with sbom-path
  // (attest-build-provenance and attest-sbom are composite wrappers of it, attest-sbom deprecated).
  attest: { action: 'actions/attest', version: 'v4.2.2', sha: '1e69f48acb82d1966a394da916b4c1698aa569d6', runtime: 'node24' },
  trivy: { action: 'aquasecurity/trivy-action', version: 'v0.36.0', sha: 'ed142fd0673e97e23eac54620cfb913e5ce36c25', runtime: 'composite', tool: { input: 'version', version: 'v0.74.0', repository: 'aquasecurity/trivy' } },
  uploadSarif: { action: 'github/codeql-action/upload-sarif', version: 'v4.36.2', sha: '8aad20d150bbac5944a9f9d289da16a4b0d87c1e', runtime: 'node24' },
  codeqlAnalyze: { action: 'github/codeql-action/analyze', version: 'v4.36.2', sha: '8aad20d150bbac5944a9f9d289da16a4b0d87c1e', runtime: 'node24' },
  createAppToken: { action: 'actions/create-github-app-token', version: 'v3.1.1', sha: '1b10c78c7865c340bc4f6099eb2f838309f1e8c3', runtime: 'node24' },
  // infra/: the tool installers (their output wrapper is switched off where used) and the plan artifact.
  setupTerraform: { action: 'hashicorp/setup-terraform', version: 'v4.0.1', sha: 'dfe3c3f87815947d99a8997f908cb6525fc44e9e', runtime: 'node24' },
  setupOpentofu: { action: 'opentofu/setup-opentofu', version: 'v2.0.2', sha: 'a1320f892987e89d278cc92dc5adc984fb93aca4', runtime: 'node24' },
  uploadArtifact: { action: 'actions/upload-artifact', version: 'v7.0.0', sha: 'bbbca2ddaa5d8feaa63e36b76fdaad77386f024f', runtime: 'node24' },
  // The fleet report's ETag cache between scheduled runs (read-only jobs only: no job with write access restores a cache).
  cache: { action: 'actions/cache', version: 'v5.0.5', sha: '27d5ce7f107fe9357f9df03efb73ab90386fccae', runtime: 'node24' },
} satisfies Record<string, PinnedAction>;

/** An action a composite action runs (a `uses:` of its steps), at the commit it names. */
export interface NestedAction {
  /** `owner/repo[/path]@<40-hex commit>`, as the composite's `action.yml` writes it. */
  readonly uses: string;
  /** The tag of that commit (the composite's version comment, checked against the repository). */
  readonly version: string;
  /** Its `runs.using` at that commit. */
  readonly runtime: string;
}

/**
 * What each composite action of the table runs, read from its `action.yml` at the pinned commit
 * (`git show <sha>:action.yml`), and so on down for the composites among those: a deprecated
 * runtime two levels down fails the build as surely as one in the table. Keyed by
 * `owner/repo[/path]@sha`, so an upgrade of a composite (a new SHA) has no entry until its
 * `uses:` are read again (docs/release.md; scripts/verify-pins.ts checks them).
 */
export const COMPOSITE_USES: Record<string, NestedAction[]> = {
  // sigstore/cosign-installer v4.1.2: shell steps only.
  'sigstore/cosign-installer@6f9f17788090df1f26f669e9d70d6ae9567deba6': [],
  // aquasecurity/trivy-action v0.36.0 (action.yaml)
  'aquasecurity/trivy-action@ed142fd0673e97e23eac54620cfb913e5ce36c25': [
    { uses: 'aquasecurity/setup-trivy@3fb12ec12f41e471780db15c232d5dd185dcb514', version: 'v0.2.6', runtime: 'composite' },
    { uses: 'actions/cache@27d5ce7f107fe9357f9df03efb73ab90386fccae', version: 'v5.0.5', runtime: 'node24' },
  ],
  // aquasecurity/setup-trivy v0.2.6 (action.yaml), which trivy-action runs
  'aquasecurity/setup-trivy@3fb12ec12f41e471780db15c232d5dd185dcb514': [
    { uses: 'actions/cache/restore@9255dc7a253b0ccc959486e2bca901246202afeb', version: 'v5.0.1', runtime: 'node24' },
    { uses: 'actions/checkout@8e8c483db84b4bee98b60c0593521ed34d9990e8', version: 'v6.0.1', runtime: 'node24' },
    { uses: 'actions/cache/save@9255dc7a253b0ccc959486e2bca901246202afeb', version: 'v5.0.1', runtime: 'node24' },
  ],
};

/**
 * crane (go-containerregistry), which the pin-base-images workflow installs with `go install`
 * at this version (Go's checksum database verifies the module); the tests build the same
 * version (scripts/tools.json, a test keeps them equal).
 */
export const CRANE = { module: 'github.com/google/go-containerregistry/cmd/crane', version: 'v0.22.1' } as const;

/** The `with:` input that pins the tool a pinned action installs (empty when it installs none). */
export function toolInput(pinned: PinnedAction): Record<string, string> {
  return pinned.tool ? { [pinned.tool.input]: pinned.tool.version } : {};
}

/** The `uses:` value of a pinned action. */
export function uses(pinned: PinnedAction): string {
  return `${pinned.action}@${pinned.sha}`;
}

const VERSION_BY_USES = new Map(Object.values(ACTIONS).map((a) => [uses(a), a.version]));

/**
 * Adds the `# vX.Y.Z` comment after every pinned `uses:` line (Dependabot reads it), and the
 * reason of each permission (`annotatePermissions`).
 */
export function annotatePins(yaml: string): string {
  return annotatePermissions(yaml).replace(/^(\s*(?:-\s+)?uses:\s*)(\S+)[ \t]*$/gm, (line, prefix: string, ref: string) => {
    const version = VERSION_BY_USES.get(ref);
    return version ? `${prefix}${ref} # ${version}` : line;
  });
}

/**
 * Makes a workflow's YAML carry the version comments. projen renders workflows from an
 * object model, which has no place for comments, so the rendered text is post-processed.
 */
export function annotateWorkflowPins(workflow: github.GithubWorkflow) {
  if (workflow.file) transformRendered(workflow.file, 'pin-comments', annotatePins);
}

/**
 * Takes a workflow out of its project again (one made in a constructor, before the facts that
 * decide whether it is wanted were known): its file is not written, and leaves no `.gitignore`
 * or `.gitattributes` line behind.
 */
export function removeWorkflow(workflow: github.GithubWorkflow) {
  const project = workflow.project;
  const file = workflow.file;
  if (file) {
    project.tryRemoveFile(file.path);
    project.gitignore.removePatterns(`!/${file.path}`);
    project.gitattributes.removeAttributes(`/${file.path}`);
  }
  workflow.node.scope?.node.tryRemoveChild(workflow.node.id);
}

/**
 * A workflow that runs on pull requests and pushes (`triggers`) with a read-only token: a newer
 * push to a pull request cancels the run it supersedes; each pushed commit has a group of its
 * own, so no push run is ever cancelled (jobs that must not overlap add groups of their own).
 */
export function pullRequestAndPushWorkflow(gh: github.GitHub, name: string, triggers: github.workflows.Triggers): github.GithubWorkflow {
  const workflow = new github.GithubWorkflow(gh, name, { fileName: `${name}.yml` });
  workflow.on(triggers);
  workflow.file?.addOverride('permissions', { contents: 'read' });
  workflow.file?.addOverride('concurrency', {
    'group': "${{ github.workflow }}-${{ github.event_name == 'pull_request' && github.event.pull_request.number || github.sha }}",
    'cancel-in-progress': "${{ github.event_name == 'pull_request' }}",
  });
  annotateWorkflowPins(workflow);
  return workflow;
}

/**
 * A workflow that runs on pull requests into `branch` (read when the workflow is written) with a
 * read-only token, where a newer push to the pull request cancels the run it supersedes; its
 * version comments included.
 */
export function pullRequestWorkflow(gh: github.GitHub, name: string, branch: () => string): github.GithubWorkflow {
  const workflow = new github.GithubWorkflow(gh, name, { fileName: `${name}.yml` });
  workflow.on({ pullRequest: { branches: lazyValue(() => [branch()]) } });
  workflow.file?.addOverride('permissions', { contents: 'read' });
  workflow.file?.addOverride('concurrency', {
    'group': '${{ github.workflow }}-${{ github.event.pull_request.number }}',
    'cancel-in-progress': true,
  });
  annotateWorkflowPins(workflow);
  return workflow;
}
