import { Component, github, Project } from 'projen';
import { ACTIONS, pullRequestWorkflow, uses } from './actions';
import { show } from '../core/checks';
import { describeFile, FileOwner } from '../core/file-catalog';
import { addValidation } from '../core/validation';
import { Repository } from '../model/repository';

/** Options for `DependencyReviewWorkflow`. */
export interface DependencyReviewWorkflowOptions {
  /**
   * The default branch: pull requests into it are reviewed.
   * @default - the repository's `defaultBranch` ("main")
   */
  readonly branch?: string;

  /**
   * Fail a pull request that adds a dependency with a known vulnerability of this severity
   * or worse: "low", "moderate", "high" or "critical".
   * @default "moderate"
   */
  readonly failOnSeverity?: string;

  /**
   * The runner label.
   * @default - the repository's `runsOn` ("ubuntu-24.04")
   */
  readonly runsOn?: string;
}

const SEVERITIES = ['low', 'moderate', 'high', 'critical'];

/**
 * `.github/workflows/dependency-review.yml`: every pull request is checked for dependencies
 * with known vulnerabilities before they reach the default branch. Needs the dependency graph
 * (on by default for public repositories; GitHub Advanced Security for private ones).
 */
export class DependencyReviewWorkflow extends Component {
  /** The underlying workflow (escape hatch). */
  public readonly workflow?: github.GithubWorkflow;

  constructor(project: Project, options: DependencyReviewWorkflowOptions = {}) {
    super(project);
    const severity = options.failOnSeverity ?? 'moderate';
    const gh = github.GitHub.of(project);
    addValidation(project, () => [
      ...(gh ? [] : [{ option: 'github', message: 'DependencyReviewWorkflow needs GitHub support in the project, got github: false; set github: true' }]),
      ...(SEVERITIES.includes(severity) ? [] : [{ option: 'failOnSeverity', message: `must be one of ${SEVERITIES.map((s) => `'${s}'`).join(', ')}, got ${show(severity)}; try 'moderate'` }]),
    ]);
    if (!gh) return;

    this.workflow = pullRequestWorkflow(gh, 'dependency-review', options.branch ?? Repository.factsOf(project).defaultBranch);
    this.workflow.addJobs({
      review: {
        name: 'Dependency review',
        runsOn: [options.runsOn ?? Repository.factsOf(project).runsOn],
        timeoutMinutes: 15,
        permissions: { contents: github.workflows.JobPermission.READ },
        steps: [
          { name: 'Check out', uses: uses(ACTIONS.checkout), with: { 'persist-credentials': false } },
          { name: 'Review dependency changes', uses: uses(ACTIONS.dependencyReview), with: { 'fail-on-severity': severity } },
        ],
      },
    });
    describeFile(project, {
      path: '.github/workflows/dependency-review.yml',
      owner: FileOwner.MANAGED,
      purpose: `Fails a pull request that adds a dependency with a known ${severity} or worse vulnerability.`,
      change: 'Set `failOnSeverity` of DependencyReviewWorkflow in .projenrc.ts.',
    });
  }
}
