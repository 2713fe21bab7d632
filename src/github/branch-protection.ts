import { Component, Project } from 'projen';
import { pullRequestChecks } from './required-checks';
import { checkBranch } from '../core/checks';
import { describeFile, FileOwner } from '../core/file-catalog';
import { TemplateFile } from '../core/template-file';
import { addValidation, Problem } from '../core/validation';

/** Options for `BranchProtection`. */
export interface BranchProtectionOptions {
  /**
   * The branch to protect: the one that is deployed.
   * @default "main"
   */
  readonly branch?: string;

  /**
   * Approving reviews a pull request needs before it can merge (0 to 10).
   * @default 1
   */
  readonly requiredApprovals?: number;

  /**
   * Status checks to require besides those computed from the project's workflows (e.g. an
   * external CI system's).
   * @default []
   */
  readonly additionalChecks?: string[];
}

/**
 * "Keep main sane": the rules for the default branch as one model, rendered to
 * `docs/BRANCH_PROTECTION.md`. The required status checks are computed at synth from every
 * job of every workflow that runs on pull requests, so they never go stale.
 */
export class BranchProtection extends Component {
  /** The project's branch protection, if it has one. */
  public static of(project: Project): BranchProtection | undefined {
    return project.components.find((c): c is BranchProtection => c instanceof BranchProtection);
  }

  /** The protected branch. */
  public readonly branch: string;
  /** Approving reviews required. */
  public readonly requiredApprovals: number;
  private readonly additionalChecks: string[];

  constructor(project: Project, options: BranchProtectionOptions = {}) {
    super(project);
    this.branch = options.branch ?? 'main';
    this.requiredApprovals = options.requiredApprovals ?? 1;
    this.additionalChecks = [...(options.additionalChecks ?? [])];

    addValidation(project, () => {
      const problems: Problem[] = [];
      if (!Number.isInteger(this.requiredApprovals) || this.requiredApprovals < 0 || this.requiredApprovals > 10) {
        problems.push({ option: 'requiredApprovals', message: `must be an integer from 0 to 10 (GitHub's limit), got ${JSON.stringify(this.requiredApprovals)}; try 1` });
      }
      const branchProblem = checkBranch(this.branch);
      if (branchProblem) problems.push({ option: 'branch', message: branchProblem });
      for (const check of this.additionalChecks) {
        if (typeof check !== 'string' || check.trim() === '') {
          problems.push({ option: 'additionalChecks', message: `must list non-empty check names, got ${JSON.stringify(check)}; remove it` });
        }
      }
      return problems;
    });

    new TemplateFile(project, 'docs/BRANCH_PROTECTION.md', 'docs/BRANCH_PROTECTION.md.hbs', () => ({
      branch: this.branch,
      requiredApprovals: this.requiredApprovals,
      pluralApprovals: this.requiredApprovals !== 1,
      checks: this.requiredChecks,
    }));
    describeFile(project, {
      path: 'docs/BRANCH_PROTECTION.md',
      owner: FileOwner.MANAGED,
      purpose: `How to protect ${this.branch}, with the exact status checks to require (computed from the workflows).`,
      change: 'Set the BranchProtection options (requiredApprovals, additionalChecks) in .projenrc.ts; checks follow the workflows.',
    });
  }

  /**
   * The status checks to require: the computed ones sorted, then the additional ones (a copy). Complete once the project
   * synthesizes: workflows add their jobs in `preSynthesize`.
   */
  public get requiredChecks(): string[] {
    return [...new Set([...pullRequestChecks(this.project), ...this.additionalChecks])];
  }
}
