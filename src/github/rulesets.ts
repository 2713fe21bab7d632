/**
 * Ruleset bodies in the form GitHub's REST API (`POST /repos/{owner}/{repo}/rulesets`) and the
 * ruleset import accept, built from the branch protection model (internal).
 */

/** A status check required by a ruleset. */
export interface RulesetStatusCheck {
  readonly context: string;
  readonly integration_id?: number;
}

/** One rule of a ruleset. */
export interface RulesetRule {
  readonly type: string;
  readonly parameters?: Record<string, unknown>;
}

/** A repository ruleset request body. */
export interface RulesetBody {
  readonly name: string;
  readonly target: 'branch' | 'tag';
  readonly enforcement: 'active' | 'evaluate' | 'disabled';
  readonly bypass_actors: unknown[];
  readonly conditions: { readonly ref_name: { readonly include: string[]; readonly exclude: string[] } };
  readonly rules: RulesetRule[];
}

/** The facts a branch ruleset is made of. */
export interface BranchRulesetModel {
  readonly name: string;
  readonly branch: string;
  readonly requiredApprovals: number;
  readonly requireCodeOwnerReview: boolean;
  readonly dismissStaleReviews: boolean;
  readonly requireLastPushApproval: boolean;
  readonly requireConversationResolution: boolean;
  readonly requireLinearHistory: boolean;
  readonly requireSignedCommits: boolean;
  readonly checks: string[];
  readonly checksAppId?: number;
}

export function branchRuleset(model: BranchRulesetModel): RulesetBody {
  const rules: RulesetRule[] = [
    { type: 'deletion' },
    { type: 'non_fast_forward' },
  ];
  if (model.requireLinearHistory) rules.push({ type: 'required_linear_history' });
  if (model.requireSignedCommits) rules.push({ type: 'required_signatures' });
  rules.push({
    type: 'pull_request',
    parameters: {
      required_approving_review_count: model.requiredApprovals,
      dismiss_stale_reviews_on_push: model.dismissStaleReviews,
      require_code_owner_review: model.requireCodeOwnerReview,
      require_last_push_approval: model.requireLastPushApproval,
      required_review_thread_resolution: model.requireConversationResolution,
      // A merge commit would break linear history.
      allowed_merge_methods: model.requireLinearHistory ? ['squash', 'rebase'] : ['merge', 'squash', 'rebase'],
    },
  });
  if (model.checks.length > 0) {
    rules.push({
      type: 'required_status_checks',
      parameters: {
        strict_required_status_checks_policy: true,
        do_not_enforce_on_create: false,
        required_status_checks: model.checks.map((context) => (model.checksAppId ? { context, integration_id: model.checksAppId } : { context })),
      },
    });
  }
  return {
    name: model.name,
    target: 'branch',
    enforcement: 'active',
    bypass_actors: [],
    conditions: { ref_name: { include: [`refs/heads/${model.branch}`], exclude: [] } },
    rules,
  };
}

/** Release tags: nobody moves or deletes them once pushed. */
export function tagRuleset(name: string, tagPattern: string): RulesetBody {
  return {
    name,
    target: 'tag',
    enforcement: 'active',
    bypass_actors: [],
    conditions: { ref_name: { include: [`refs/tags/${tagPattern}`], exclude: [] } },
    rules: [
      { type: 'deletion' },
      { type: 'non_fast_forward' },
      { type: 'update', parameters: { update_allows_fetch_and_merge: false } },
    ],
  };
}
