import { Component, github, Project } from 'projen';
import { ACTIONS, pullRequestAndPushWorkflow, uses, installToolsSteps } from './actions';
import { describeFile, FileOwner } from '../core/file-catalog';
import { atSynthStart, lazyValue } from '../core/projen-adapter';
import { Iac, InfraCode, InfraRoot, infraCodeOf } from '../model/infra-code';
import { INFRA_DIR } from '../model/layout';
import { registryOf } from '../model/registry';
import { Repository } from '../model/repository';
import { mainServiceOf } from '../model/service';

/** Status check names of the pull request jobs. */
export const INFRA_FORMAT_JOB_NAME = 'Infra format';
export const INFRA_PLAN_JOB_NAME = 'Infra plan';
const WORKFLOW_FILE = '.github/workflows/infra.yml';

/**
 * Whether a pull request changes infra/ (or this workflow): the plan jobs are skipped
 * otherwise, and a skipped job reports success, so they can be required checks without
 * blocking pull requests that never touch infra/ (a `paths:` filter would leave them pending).
 */
export const INFRA_CHANGES_SCRIPT = [
  'if git diff --quiet "$BASE_SHA" "$HEAD_SHA" -- infra/ .github/workflows/infra.yml; then',
  '  echo "infra=false" >> "$GITHUB_OUTPUT"',
  'else',
  '  echo "infra=true" >> "$GITHUB_OUTPUT"',
  'fi',
].join('\n');

/**
 * `.github/workflows/infra.yml`: on pull requests that change `infra/`, `fmt -check` and, per
 * root, init, validate and a plan with the read-only identity, posted as one pull request
 * comment per root that is updated in place (`projen-gitops plan-comment`), the plan file kept
 * as an artifact. On the default branch, apply per root in order (shared, then the
 * environments), each in its GitHub environment, from a plan of the merged commit, one at a
 * time per root and never cancelled. Daily, a drift plan (`-detailed-exitcode`) that opens or
 * updates one issue per root. Cloud logins are OIDC; the setup action's wrapper is off.
 */
export class InfraWorkflow extends Component {
  /** The project's InfraWorkflow, if it has one. */
  public static of(project: Project): InfraWorkflow | undefined {
    return project.components.find((c): c is InfraWorkflow => c instanceof InfraWorkflow);
  }

  /** The underlying workflow (escape hatch). */
  public readonly workflow?: github.GithubWorkflow;

  constructor(project: Project) {
    super(project);
    const gh = github.GitHub.of(project);
    if (!gh) return;
    // The repository's default branch, read when the workflow is written.
    const branches = lazyValue(() => [Repository.factsOf(project).defaultBranch]);
    // Apply and drift runs are serialized per root by their jobs' own groups.
    this.workflow = pullRequestAndPushWorkflow(gh, 'infra', {
      pullRequest: { branches },
      push: { branches, paths: [`${INFRA_DIR}/**`, WORKFLOW_FILE] },
      schedule: [{ cron: '23 5 * * *' }],
    });
    atSynthStart(project, () => describeFile(project, {
      path: WORKFLOW_FILE,
      owner: FileOwner.MANAGED,
      purpose: `Plans infra/ on pull requests (one comment per root), applies it on ${Repository.factsOf(project).defaultBranch} in order, checks for drift daily.`,
      change: 'Follows the infra options and environments in .projenrc.ts.',
    }));
  }

  preSynthesize() {
    const infra = infraCodeOf(this.project);
    if (!this.workflow || !infra) return;
    const runsOn = [Repository.factsOf(this.project).runsOn];
    const roots = infra.roots;
    const jobs: Record<string, github.workflows.Job> = {
      changes: {
        name: 'Infra changes',
        if: "github.event_name == 'pull_request'",
        runsOn,
        timeoutMinutes: 5,
        permissions: { contents: github.workflows.JobPermission.READ },
        outputs: { infra: { stepId: 'diff', outputName: 'infra' } },
        steps: [
          { name: 'Check out', uses: uses(ACTIONS.checkout), with: { 'persist-credentials': false, 'fetch-depth': 0 } },
          {
            name: 'Does this pull request change infra/?',
            id: 'diff',
            env: { BASE_SHA: '${{ github.event.pull_request.base.sha }}', HEAD_SHA: '${{ github.event.pull_request.head.sha }}' },
            run: INFRA_CHANGES_SCRIPT,
          },
        ],
      },
      fmt: {
        name: INFRA_FORMAT_JOB_NAME,
        needs: ['changes'],
        if: "github.event_name == 'pull_request' && needs.changes.outputs.infra == 'true'",
        runsOn,
        timeoutMinutes: 5,
        permissions: { contents: github.workflows.JobPermission.READ },
        steps: [
          { name: 'Check out', uses: uses(ACTIONS.checkout), with: { 'persist-credentials': false } },
          this.setupStep(infra),
          { name: 'Check the format', run: `${this.command(infra)} fmt -check -recursive -diff ${INFRA_DIR}` },
        ],
      },
    };
    for (const root of roots) jobs[`plan-${root.name}`] = this.planJob(infra, root, runsOn);
    roots.forEach((root, i) => {
      jobs[`apply-${root.name}`] = this.applyJob(infra, root, runsOn, i === 0 ? undefined : `apply-${roots[i - 1].name}`);
    });
    for (const root of roots) jobs[`drift-${root.name}`] = this.driftJob(infra, root, runsOn);
    this.workflow.addJobs(jobs);
  }

  private command(infra: InfraCode): string {
    return infra.tool === Iac.OPENTOFU ? 'tofu' : 'terraform';
  }

  private setupStep(infra: InfraCode): github.workflows.JobStep {
    // The wrapper rewrites stdout (and breaks `show -json`, `output -json`): always off.
    return infra.tool === Iac.OPENTOFU
      ? { name: `Install OpenTofu ${infra.version}`, uses: uses(ACTIONS.setupOpentofu), with: { tofu_version: infra.version, tofu_wrapper: false } }
      : { name: `Install Terraform ${infra.version}`, uses: uses(ACTIONS.setupTerraform), with: { terraform_version: infra.version, terraform_wrapper: false } };
  }

  /** The OIDC login of a job with the plan (read-only) or apply identity. */
  private loginSteps(kind: 'plan' | 'apply'): github.workflows.JobStep[] {
    const image = mainServiceOf(this.project);
    const registry = image ? registryOf(image.registry) : undefined;
    const upper = kind.toUpperCase();
    if (registry?.kind === 'ecr') {
      return [{
        name: `Assume the infra ${kind} role (OIDC)`,
        uses: uses(ACTIONS.awsCredentials),
        with: { 'role-to-assume': `\${{ vars.INFRA_${upper}_ROLE_ARN }}`, 'aws-region': registry.region },
      }];
    }
    return [{
      name: `Authenticate to Google Cloud as the infra ${kind} identity (OIDC)`,
      uses: uses(ACTIONS.gcpAuth),
      with: {
        workload_identity_provider: '${{ vars.GCP_INFRA_WORKLOAD_IDENTITY_PROVIDER }}',
        service_account: `\${{ vars.GCP_INFRA_${upper}_SERVICE_ACCOUNT }}`,
      },
    }];
  }

  private prepare(infra: InfraCode, kind: 'plan' | 'apply'): github.workflows.JobStep[] {
    return [
      { name: 'Check out', uses: uses(ACTIONS.checkout), with: { 'persist-credentials': false } },
      this.setupStep(infra),
      ...this.loginSteps(kind),
      { name: 'Init', run: `${this.command(infra)} -chdir="$ROOT_DIR" init -input=false` },
    ];
  }

  /** Runs the plan, keeping its text and exit code (the comment is posted either way). */
  private planScript(infra: InfraCode, flags: string): string {
    return [
      'set +e',
      `${this.command(infra)} -chdir="$ROOT_DIR" plan -input=false -no-color ${flags} > "$RUNNER_TEMP/plan.txt" 2>&1`,
      'status=$?',
      'cat "$RUNNER_TEMP/plan.txt"',
      'echo "status=$status" >> "$GITHUB_OUTPUT"',
    ].join('\n');
  }

  private commentSteps(root: InfraRoot, target: string): github.workflows.JobStep[] {
    return [
      ...installToolsSteps(this.project),
      {
        name: target === 'pr' ? 'Post the plan on the pull request' : 'Open or update the drift issue',
        env: {
          GH_TOKEN: '${{ github.token }}',
          PLAN_STATUS: '${{ steps.plan.outputs.status }}',
          ...(target === 'pr' ? { PR_NUMBER: '${{ github.event.pull_request.number }}' } : {}),
        },
        // The root is a DNS label or 'shared' (checked): safe as a word.
        run: `npx projen-gitops plan-comment --root ${root.name} --plan "$RUNNER_TEMP/plan.txt" --status "$PLAN_STATUS" ${target === 'pr' ? '--pr "$PR_NUMBER"' : '--drift'}`,
      },
    ];
  }

  private planJob(infra: InfraCode, root: InfraRoot, runsOn: string[]): github.workflows.Job {
    return {
      name: `${INFRA_PLAN_JOB_NAME} (${root.name})`,
      needs: ['changes'],
      if: "github.event_name == 'pull_request' && needs.changes.outputs.infra == 'true'",
      runsOn,
      timeoutMinutes: 30,
      permissions: {
        contents: github.workflows.JobPermission.READ,
        idToken: github.workflows.JobPermission.WRITE,
        pullRequests: github.workflows.JobPermission.WRITE,
      },
      env: { ROOT_DIR: root.dir },
      steps: [
        ...this.prepare(infra, 'plan'),
        { name: 'Validate', run: `${this.command(infra)} -chdir="$ROOT_DIR" validate -no-color` },
        // -lock=false: the read-only identity cannot write the lock file, and a plan changes nothing.
        { name: 'Plan', id: 'plan', run: this.planScript(infra, '-lock=false -out=tfplan') },
        {
          name: 'Keep the plan file',
          if: "steps.plan.outputs.status == '0'",
          uses: uses(ACTIONS.uploadArtifact),
          // A plan file can hold sensitive values: kept briefly, readable by those who can read the run.
          with: { 'name': `plan-${root.name}`, 'path': `${root.dir}/tfplan`, 'retention-days': 7, 'if-no-files-found': 'error' },
        },
        ...this.commentSteps(root, 'pr'),
        { name: 'Fail when the plan failed', env: { PLAN_STATUS: '${{ steps.plan.outputs.status }}' }, run: 'exit "$PLAN_STATUS"' },
      ],
    };
  }

  private applyJob(infra: InfraCode, root: InfraRoot, runsOn: string[], after: string | undefined): github.workflows.Job {
    return {
      name: `Infra apply (${root.name})`,
      if: "github.event_name == 'push'",
      ...(after ? { needs: [after] } : {}),
      runsOn,
      timeoutMinutes: 60,
      // Required reviewers and the allowed branch are set on the GitHub environment.
      environment: root.githubEnvironment,
      // One apply per root at a time, queued, never cancelled mid-way.
      concurrency: { 'group': `infra-apply-${root.name}`, 'cancel-in-progress': false },
      permissions: { contents: github.workflows.JobPermission.READ, idToken: github.workflows.JobPermission.WRITE },
      env: { ROOT_DIR: root.dir },
      steps: [
        ...this.prepare(infra, 'apply'),
        // A plan of the merged commit (this run's), applied as planned.
        { name: 'Plan the merged commit', run: `${this.command(infra)} -chdir="$ROOT_DIR" plan -input=false -no-color -out=tfplan` },
        { name: 'Apply', run: `${this.command(infra)} -chdir="$ROOT_DIR" apply -input=false -no-color tfplan` },
      ],
    };
  }

  private driftJob(infra: InfraCode, root: InfraRoot, runsOn: string[]): github.workflows.Job {
    return {
      name: `Infra drift (${root.name})`,
      if: "github.event_name == 'schedule'",
      runsOn,
      timeoutMinutes: 30,
      permissions: {
        contents: github.workflows.JobPermission.READ,
        idToken: github.workflows.JobPermission.WRITE,
        issues: github.workflows.JobPermission.WRITE,
      },
      env: { ROOT_DIR: root.dir },
      steps: [
        ...this.prepare(infra, 'plan'),
        // 0: no changes, 2: drift (an issue), 1: the plan failed (the job fails).
        { name: 'Plan', id: 'plan', run: this.planScript(infra, '-lock=false -detailed-exitcode') },
        ...this.commentSteps(root, 'drift'),
        { name: 'Fail when the plan failed', if: "steps.plan.outputs.status == '1'", run: 'exit 1' },
      ],
    };
  }
}
