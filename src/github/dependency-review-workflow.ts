import { Component, github, Project } from 'projen';
import { ACTIONS, installToolsSteps, overrideProblems, pullRequestWorkflow, TOOLING_NODE_VERSION, uses } from './actions';
import { checkLicenseId, checkNodeVersion, checkSeverity, show } from '../core/checks';
import { describeFile, FileOwner } from '../core/file-catalog';
import { lazyValue } from '../core/projen-adapter';
import { addValidation } from '../core/validation';
import { Repository } from '../model/repository';

/**
 * A severity of GitHub's advisory database, for `failOnSeverity` (the dependency review fails on
 * this severity or worse). A member equals its plain string (`AdvisorySeverity.HIGH === 'high'`),
 * so `failOnSeverity: 'high'` stays valid.
 */
export enum AdvisorySeverity {
  /** Fail on any known vulnerability (low and above). */
  LOW = 'low',
  /** Fail on a moderate, high or critical vulnerability. */
  MODERATE = 'moderate',
  /** Fail on a high or critical vulnerability. */
  HIGH = 'high',
  /** Fail on a critical vulnerability only. */
  CRITICAL = 'critical',
}

/** Options for `DependencyReviewWorkflow`. */
export interface DependencyReviewWorkflowOptions {
  /**
   * The branch whose pull requests are reviewed, overriding the repository's default branch
   * (`Repository`, read when the workflow is written).
   * @default - the repository's `defaultBranch` ("main")
   */
  readonly branch?: string;

  /**
   * Fail a pull request that adds a dependency with a known vulnerability of this severity
   * or worse: an `AdvisorySeverity` (`LOW`, `MODERATE`, `HIGH` or `CRITICAL`), or its plain
   * string ("high").
   * @default "moderate"
   */
  readonly failOnSeverity?: string;

  /**
   * Fail a pull request that adds a dependency whose license needs one of these: SPDX license
   * identifiers (e.g. "GPL-3.0-only", "AGPL-3.0-or-later"; `X` also matches `X-only`, and
   * `X+` matches `X-or-later`). A package licensed `A OR B` is refused only when both are denied.
   * @default - no license is refused
   */
  readonly denyLicenses?: string[];

  /**
   * The Node.js version that runs `projen-gitops dependency-review`.
   * @default "22"
   */
  readonly nodeVersion?: string;

  /**
   * The runner label, overriding the repository's `runsOn`.
   * @default - the repository's `runsOn` ("ubuntu-24.04")
   */
  readonly runsOn?: string;
}

/**
 * `.github/workflows/dependency-review.yml`: every pull request is checked for added
 * dependencies with known vulnerabilities (and, if configured, denied licenses) before they
 * reach the default branch, by `projen-gitops dependency-review`, which asks GitHub's
 * dependency graph for the diff between the pull request's base and head (the dependency
 * review REST API) and writes a summary to the run. Needs the dependency graph (on by default
 * for public repositories; GitHub Advanced Security or Code Security for private ones).
 */
export class DependencyReviewWorkflow extends Component {
  /** The project's DependencyReviewWorkflow, if it has one. */
  public static of(project: Project): DependencyReviewWorkflow | undefined {
    return project.components.find((c): c is DependencyReviewWorkflow => c instanceof DependencyReviewWorkflow);
  }

  /** The underlying workflow (escape hatch). */
  public readonly workflow?: github.GithubWorkflow;

  constructor(project: Project, options: DependencyReviewWorkflowOptions = {}) {
    super(project);
    const severity = options.failOnSeverity ?? AdvisorySeverity.MODERATE;
    const denyLicenses = options.denyLicenses ?? [];
    const nodeVersion = options.nodeVersion ?? TOOLING_NODE_VERSION;
    const gh = github.GitHub.of(project);
    addValidation(project, () => [
      ...(gh ? [] : [{ option: 'github', message: 'DependencyReviewWorkflow needs GitHub support in the project, got github: false; set github: true' }]),
      ...[checkSeverity(severity, 'AdvisorySeverity')].flatMap((message) => (message ? [{ option: 'failOnSeverity', message }] : [])),
      ...(Array.isArray(denyLicenses)
        ? denyLicenses.flatMap((id, i) => (checkLicenseId(id) ? [{ option: `denyLicenses[${i}]`, message: checkLicenseId(id)! }] : []))
        : [{ option: 'denyLicenses', message: `must be a list of SPDX license identifiers, got ${show(denyLicenses)}; try 'AGPL-3.0-only'` }]),
      ...(checkNodeVersion(nodeVersion) ? [{ option: 'nodeVersion', message: checkNodeVersion(nodeVersion)! }] : []),
      ...overrideProblems(options),
    ]);
    if (!gh) return;

    // Every value below passed its grammar (words of letters, digits, '.' and '-'); the
    // commits come from the event through env:, never ${{ }} inside the script.
    const args = ['--base "$BASE_SHA"', '--head "$HEAD_SHA"', `--fail-on-severity ${severity}`, ...(Array.isArray(denyLicenses) ? denyLicenses : []).map((id) => `--deny-license ${id}`)];
    this.workflow = pullRequestWorkflow(gh, 'dependency-review', () => options.branch ?? Repository.factsOf(project).defaultBranch);
    this.workflow.addJobs({
      review: {
        name: 'Dependency review',
        runsOn: [lazyValue(() => options.runsOn ?? Repository.factsOf(project).runsOn)],
        timeoutMinutes: 15,
        // The compare endpoint needs "Contents: read" (REST docs, dependency review).
        permissions: { contents: github.workflows.JobPermission.READ },
        steps: [
          { name: 'Check out', uses: uses(ACTIONS.checkout), with: { 'persist-credentials': false } },
          ...installToolsSteps(project, { nodeVersion }),
          {
            name: 'Review dependency changes',
            env: {
              GITHUB_TOKEN: '${{ github.token }}',
              BASE_SHA: '${{ github.event.pull_request.base.sha }}',
              HEAD_SHA: '${{ github.event.pull_request.head.sha }}',
            },
            run: `npx projen-gitops dependency-review ${args.join(' ')}`,
          },
        ],
      },
    });
    describeFile(project, {
      path: '.github/workflows/dependency-review.yml',
      owner: FileOwner.MANAGED,
      purpose: `Fails a pull request that adds a dependency with a known ${severity} or worse vulnerability${denyLicenses.length ? ' or a denied license' : ''} (GitHub's dependency review API), with a summary of the changes.`,
      change: 'Set `failOnSeverity` or `denyLicenses` of DependencyReviewWorkflow in .projenrc.ts.',
    });
  }
}
