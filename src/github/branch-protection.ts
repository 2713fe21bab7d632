import { Component, JsonFile, Project, YamlFile } from 'projen';
import { overrideProblems } from './actions';
import { CodeOwners } from './code-owners';
import { pullRequestChecks } from './required-checks';
import { branchRuleset, RulesetBody, tagRuleset } from './rulesets';
import { checkApprovals, checkText, show } from '../core/checks';
import { describeFile, FileOwner } from '../core/file-catalog';
import { atSynthStart, createAtSynthStart, lazyValue } from '../core/projen-adapter';
import { TemplateFile } from '../core/template-file';
import { addValidation, Problem } from '../core/validation';
import { DeployEngine, deployEngineName } from '../model/deploy-engine';
import { Environments } from '../model/environments';
import { gatesContext, hasGates } from '../model/gates';
import { PROMOTION_FACTS } from '../model/promotion';
import { Repository, REPOSITORY_DEFAULTS } from '../model/repository';
import { OPTION_DEFAULTS } from '../model/template-defaults';

/** The GitHub App id of GitHub Actions on github.com: only its check runs satisfy a required check. */
const GITHUB_ACTIONS_APP_ID = 15368;

/** Options for `BranchProtection`. */
export interface BranchProtectionOptions {
  /**
   * The branch to protect, overriding the repository's default branch (`Repository`, read when
   * the synth starts).
   * @default - the repository's `defaultBranch` ("main")
   */
  readonly branch?: string;

  /**
   * Approving reviews a pull request needs before it can merge (0 to 10).
   * @default 1
   */
  readonly requiredApprovals?: number;

  /**
   * Require a review from a code owner for the files they own (`.github/CODEOWNERS`).
   * @default - true when the project has code owners (`CodeOwners` with at least one owner)
   */
  readonly requireCodeOwnerReview?: boolean;

  /**
   * Dismiss approvals when new commits are pushed.
   * @default true
   */
  readonly dismissStaleReviews?: boolean;

  /**
   * The most recent push must be approved by someone other than its author.
   * @default true
   */
  readonly requireLastPushApproval?: boolean;

  /**
   * All review conversations must be resolved before merging.
   * @default true
   */
  readonly requireConversationResolution?: boolean;

  /**
   * Forbid merge commits (squash or rebase only).
   * @default true
   */
  readonly requireLinearHistory?: boolean;

  /**
   * Require signed commits.
   * @default false
   */
  readonly requireSignedCommits?: boolean;

  /**
   * Status checks to require besides those computed from the project's workflows (e.g. an
   * external CI system's): each one line of at most 255 printable characters without `<`,
   * `>`, `` ` `` or `$`.
   * @default []
   */
  readonly additionalChecks?: string[];

  /**
   * The GitHub App whose check runs satisfy the required checks. 15368 is GitHub Actions on
   * github.com, so nobody can fake a passing check through the statuses API. Set 0 to accept
   * any source (e.g. on GitHub Enterprise Server, where the id differs).
   * @default 15368
   */
  readonly checksAppId?: number;

  /**
   * Protect release tags too: they cannot be moved or deleted once pushed.
   * @default true
   */
  readonly protectTags?: boolean;

  /**
   * The release tag pattern (fnmatch, without `refs/tags/`), overriding the repository's
   * `tagPattern`.
   * @default - the repository's `tagPattern` ("v*")
   */
  readonly tagPattern?: string;

  /**
   * Also write `.github/settings.yml` for the Settings app (repository-settings/app), which
   * syncs the same rulesets.
   * @default false
   */
  readonly settingsApp?: boolean;

  /**
   * The GitHub REST API base URL used by `npx projen protect` (GitHub Enterprise:
   * `https://HOST/api/v3`).
   * @default - the API of the project's `githubUrl` when it is not github.com, else $GITHUB_API_URL, else https://api.github.com
   */
  readonly apiUrl?: string;
}

/**
 * "Keep main sane": the rules for the default branch and the release tags as one model,
 * rendered to rulesets GitHub imports (`.github/rulesets/*.json`), to the notes for people
 * (`docs/BRANCH_PROTECTION.md`), optionally to `.github/settings.yml`, and applied by
 * `npx projen protect`. The required status checks are computed at synth from every job of
 * every workflow that runs on pull requests, so they never go stale. The branch, the tag
 * pattern and the repository are read when the synth starts (the branch names a file), so
 * `Repository` may be added before or after this component.
 */
export class BranchProtection extends Component {
  /** The project's branch protection, if it has one. */
  public static of(project: Project): BranchProtection | undefined {
    return project.components.find((c): c is BranchProtection => c instanceof BranchProtection);
  }

  /** Approving reviews required. */
  public readonly requiredApprovals: number;

  private readonly options: BranchProtectionOptions;
  private readonly additionalChecks: string[];
  /** Where each additional check was written (`additionalChecks[0]`, `addRequiredCheck('e2e')`), for messages. */
  private readonly checkPaths: string[];
  private readonly checksAppId: number;

  constructor(project: Project, options: BranchProtectionOptions = {}) {
    super(project);
    this.options = options;
    this.requiredApprovals = options.requiredApprovals ?? OPTION_DEFAULTS.requiredApprovals;
    this.additionalChecks = [...(options.additionalChecks ?? [])];
    this.checkPaths = this.additionalChecks.map((_, i) => `additionalChecks[${i}]`);
    this.checksAppId = options.checksAppId ?? GITHUB_ACTIONS_APP_ID;

    addValidation(project, () => this.validate());

    // Named after the branch, which may come from a Repository added later.
    createAtSynthStart(project, () => {
      new JsonFile(project, this.branchFile, { obj: () => this.branchRuleset(), marker: false, newline: true });
      describeFile(project, {
        path: this.branchFile,
        owner: FileOwner.MANAGED,
        purpose: `The ruleset for ${this.branch}, as GitHub's ruleset import and REST API take it.`,
        change: 'Set the BranchProtection options in .projenrc.ts; apply with `npx projen protect`.',
      });
    });
    if (options.protectTags ?? true) {
      const tagFile = '.github/rulesets/protect-release-tags.json';
      new JsonFile(project, tagFile, { obj: () => this.tagRuleset(), marker: false, newline: true });
      atSynthStart(project, () => describeFile(project, {
        path: tagFile,
        owner: FileOwner.MANAGED,
        purpose: `The ruleset that keeps release tags ('${this.tagPattern}') from being moved or deleted.`,
        change: 'Set `protectTags` or `tagPattern` in .projenrc.ts; apply with `npx projen protect`.',
      }));
    }
    if (options.settingsApp) {
      new YamlFile(project, '.github/settings.yml', { obj: () => ({ rulesets: this.rulesets }) });
      describeFile(project, {
        path: '.github/settings.yml',
        owner: FileOwner.MANAGED,
        purpose: 'The same rulesets for the Settings app (repository-settings/app).',
        change: 'Set the BranchProtection options in .projenrc.ts.',
      });
    }

    new TemplateFile(project, 'docs/BRANCH_PROTECTION.md', 'docs/BRANCH_PROTECTION.md.hbs', () => this.notesContext());
    atSynthStart(project, () => describeFile(project, {
      path: 'docs/BRANCH_PROTECTION.md',
      owner: FileOwner.MANAGED,
      purpose: `How ${this.branch} is protected and why, with the exact status checks required (computed from the workflows).`,
      change: 'Set the BranchProtection options (requiredApprovals, additionalChecks, ...) in .projenrc.ts.',
    }));

    // `githubUrl` names the server, `apiUrl` its API (their grammars keep them shell-safe).
    const apiUrlArgument = () => {
      const facts = Repository.factsOf(project);
      const api = options.apiUrl ?? (facts.githubUrl === REPOSITORY_DEFAULTS.githubUrl ? undefined : facts.githubApiUrl);
      return api ? ` --api-url ${api}` : '';
    };
    project.addTask('protect', {
      description: 'Create or update the rulesets in .github/rulesets/ on GitHub (GH_TOKEN or GITHUB_TOKEN; --dry-run prints the requests)',
      // The `repository` option names the repository (its grammar keeps it shell-safe); a
      // `--repo` given to the task comes later and wins.
      exec: lazyValue(() => {
        const repository = Repository.factsOf(project).repository;
        return `projen-gitops protect --dir .github/rulesets${apiUrlArgument()}${repository !== undefined ? ` --repo ${repository}` : ''}`;
      }),
      receiveArgs: true,
    });
  }

  /**
   * Requires a status check besides those computed from the project's workflows: a job of a
   * workflow projen does not write (one kept by hand in `.github/workflows/`), or another CI
   * system's (which needs `checksAppId: 0`, the checks of GitHub Actions alone satisfy the
   * default). It is listed, after the computed checks, in the branch ruleset, the Settings app's
   * file and `docs/BRANCH_PROTECTION.md`; a check already required is listed once. The name as
   * GitHub shows it (a matrix job as `test (20)`): one line of at most 255 printable
   * characters, without `<`, `>`, `` ` `` or `$`.
   *
   * @example project.branchProtection.addRequiredCheck('e2e');
   */
  public addRequiredCheck(check: string): void {
    this.additionalChecks.push(check);
    this.checkPaths.push(`addRequiredCheck(${show(check)})`);
  }

  /** The protected branch: the `branch` option, else the repository's default branch. */
  public get branch(): string {
    return this.options.branch ?? Repository.factsOf(this.project).defaultBranch;
  }

  /** The release tag pattern, or `undefined` when tags are not protected. */
  public get tagPattern(): string | undefined {
    return this.options.protectTags ?? true ? this.options.tagPattern ?? Repository.factsOf(this.project).tagPattern : undefined;
  }

  /** The branch ruleset's file, named after the branch. */
  private get branchFile(): string {
    return `.github/rulesets/protect-${String(this.branch).replace(/[^A-Za-z0-9._-]+/g, '-')}.json`;
  }

  /**
   * The status checks to require: the computed ones sorted, then the additional ones (a copy).
   * Complete once the project synthesizes: workflows add their jobs in `preSynthesize`.
   */
  public get requiredChecks(): string[] {
    // The gates' commit status of each environment that has gates (set by the promotion, or
    // as passed by the verification job when a pull request does not change its digests).
    const gates = this.project.tryFindFile(PROMOTION_FACTS)
      ? (Environments.of(this.project)?.deployed ?? []).filter((e) => hasGates(e.gates)).map((e) => gatesContext(e.name))
      : [];
    return [...new Set([...pullRequestChecks(this.project), ...gates, ...this.additionalChecks])];
  }

  /** Whether a code owner must review (explicit, or because the project has code owners). */
  public get requireCodeOwnerReview(): boolean {
    return this.options.requireCodeOwnerReview ?? (CodeOwners.of(this.project)?.owners.length ?? 0) > 0;
  }

  /** The ruleset bodies, branch first (copies). */
  public get rulesets(): any[] {
    return this.tagPattern === undefined ? [this.branchRuleset()] : [this.branchRuleset(), this.tagRuleset()];
  }

  private branchRuleset(): RulesetBody {
    return branchRuleset({
      name: `Protect ${this.branch}`,
      branch: this.branch,
      requiredApprovals: this.requiredApprovals,
      requireCodeOwnerReview: this.requireCodeOwnerReview,
      dismissStaleReviews: this.options.dismissStaleReviews ?? true,
      requireLastPushApproval: this.options.requireLastPushApproval ?? true,
      requireConversationResolution: this.options.requireConversationResolution ?? true,
      requireLinearHistory: this.options.requireLinearHistory ?? true,
      requireSignedCommits: this.options.requireSignedCommits ?? false,
      checks: this.requiredChecks,
      checksAppId: this.checksAppId || undefined,
    });
  }

  private tagRuleset(): RulesetBody {
    return tagRuleset('Protect release tags', this.tagPattern ?? Repository.factsOf(this.project).tagPattern);
  }

  private notesContext() {
    const branchFile = this.branchFile;
    const pr = this.branchRuleset().rules.find((r) => r.type === 'pull_request')?.parameters ?? {};
    return {
      branch: this.branch,
      branchFile,
      requiredApprovals: this.requiredApprovals,
      codeOwnerReview: pr.require_code_owner_review,
      dismissStale: pr.dismiss_stale_reviews_on_push,
      lastPush: pr.require_last_push_approval,
      conversations: pr.required_review_thread_resolution,
      linearHistory: this.options.requireLinearHistory ?? true,
      signedCommits: this.options.requireSignedCommits ?? false,
      checks: this.requiredChecks,
      checksFromActions: this.checksAppId === GITHUB_ACTIONS_APP_ID,
      tagPattern: this.tagPattern,
      settingsApp: this.options.settingsApp ?? false,
      environments: this.project.tryFindFile(PROMOTION_FACTS) ? this.approvalNotes() : [],
    };
  }

  /** Who approves the promotion pull requests into each environment, and how it syncs. */
  private approvalNotes(): Array<{ name: string; approvers: string; sync: string }> {
    const owners = CodeOwners.of(this.project)?.owners ?? [];
    const engine = Environments.of(this.project)?.engine ?? DeployEngine.ARGO_CD;
    const bySync = `by ${deployEngineName(engine)} on merge`;
    const byHand = engine === DeployEngine.FLUX ? 'by a person (`flux resume`) after the merge' : 'by a person in Argo CD after the merge';
    return (Environments.of(this.project)?.deployed ?? []).map((env) => ({
      name: env.name,
      approvers: env.approvers.length > 0 ? `${env.approvers.join(', ')} (its approvers), and ${owners.join(', ')} for the sync record`
        : owners.length > 0 ? `${owners.join(', ')} (the code owners)` : `any reviewer (${this.requiredApprovals} approval${this.requiredApprovals === 1 ? '' : 's'}; set codeOwners and approvers to name who)`,
      sync: `${env.autoSync ? bySync : byHand}${env.autoMerge ? '; the pull request merges itself once checks pass (autoMerge)' : ''}`,
    }));
  }

  private validate(): Problem[] {
    const problems: Problem[] = [];
    const approvalsProblem = checkApprovals(this.requiredApprovals);
    if (approvalsProblem) problems.push({ option: 'requiredApprovals', message: approvalsProblem });
    const protectsTags = this.options.protectTags ?? true;
    problems.push(...overrideProblems({ branch: this.options.branch, tagPattern: protectsTags ? this.options.tagPattern : undefined }));
    this.additionalChecks.forEach((check, i) => {
      const added = !this.checkPaths[i].startsWith('additionalChecks');
      if (typeof check !== 'string' || check.trim() === '') {
        problems.push({ option: added ? this.checkPaths[i] : 'additionalChecks', message: `must ${added ? 'name a check' : 'list non-empty check names'}, got ${JSON.stringify(check)}; remove it` });
      } else {
        // Check names are listed in docs/BRANCH_PROTECTION.md: one line each.
        const problem = checkText(check, 255);
        if (problem) problems.push({ option: this.checkPaths[i], message: problem });
      }
    });
    if (!Number.isInteger(this.checksAppId) || this.checksAppId < 0) {
      problems.push({ option: 'checksAppId', message: `must be a GitHub App id (a positive integer) or 0 for any source, got ${show(this.checksAppId)}; try 15368 (GitHub Actions)` });
    }
    // It goes into the `protect` task's shell line unquoted: a host (with a port) and a path of
    // URL characters that no shell reads as syntax.
    if (this.options.apiUrl !== undefined && !/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[A-Za-z0-9._~\/-]*)?$/.test(this.options.apiUrl)) {
      problems.push({ option: 'apiUrl', message: `must be an http(s) URL, got ${JSON.stringify(this.options.apiUrl)}; try 'https://github.example.com/api/v3'` });
    }
    return problems;
  }
}
