import { Component, github, Project } from 'projen';
import { ACTIONS, annotateWorkflowPins, installToolsSteps, npmTokenEnv, removeWorkflow, uses } from './actions';
import { APP_OR_WORKFLOW_TOKEN, APP_TOKEN_KIND, appTokenSteps, UPGRADE_APP_SECRET, UPGRADE_APP_VARIABLE } from './app-token';
import { describeFile, FileOwner } from '../core/file-catalog';
import { atSynthStart, lazyValue } from '../core/projen-adapter';
import { Repository } from '../model/repository';
import { Upgrades } from '../model/upgrades';

export { UPGRADE_APP_SECRET, UPGRADE_APP_VARIABLE };

/**
 * `.github/workflows/upgrade.yml`: daily and on dispatch, `projen-gitops upgrade` bumps the
 * template (or projen-gitops) to the newest release of the allowed range that is older than the
 * ring's waiting time, re-synthesizes until nothing changes, and opens or updates one pull
 * request (branch `projen-gitops/upgrade`). With a GitHub App (variable `UPGRADE_APP_CLIENT_ID`,
 * secret `UPGRADE_APP_PRIVATE_KEY`) the pull request's checks run; with the workflow token
 * they do not start, and the body says so. Written only when the project has `Upgrades` (the
 * facts it upgrades by), looked up when the synth starts.
 */
export class UpgradeWorkflow extends Component {
  /** The project's UpgradeWorkflow, if it has one. */
  public static of(project: Project): UpgradeWorkflow | undefined {
    return project.components.find((c): c is UpgradeWorkflow => c instanceof UpgradeWorkflow);
  }

  public readonly workflow?: github.GithubWorkflow;

  constructor(project: Project) {
    super(project);
    const gh = github.GitHub.of(project);
    if (!gh) return;
    const workflow = new github.GithubWorkflow(gh, 'upgrade', { fileName: 'upgrade.yml' });
    this.workflow = workflow;
    // Minutes from the repository's name: a fleet does not ask the registry all at once.
    const minute = [...project.name].reduce((sum, c) => (sum * 31 + c.charCodeAt(0)) % 60, 7);
    workflow.on({ schedule: [{ cron: `${minute} 6 * * 1-5` }], workflowDispatch: {} });
    workflow.file?.addOverride('permissions', { contents: 'read' });
    workflow.file?.addOverride('concurrency', { 'group': '${{ github.workflow }}', 'cancel-in-progress': false });
    annotateWorkflowPins(workflow);
    workflow.addJobs({
      upgrade: {
        name: 'Upgrade projen-gitops files',
        runsOn: [lazyValue(() => Repository.factsOf(project).runsOn)],
        timeoutMinutes: 30,
        // The workflow token pushes the branch and opens the pull request when no App is set.
        permissions: { contents: github.workflows.JobPermission.WRITE, pullRequests: github.workflows.JobPermission.WRITE },
        steps: [
          ...appTokenSteps({
            // The upgrade rewrites generated workflows: pushing them needs `workflows` (the workflow token never has it).
            permissions: { 'contents': 'write', 'pull-requests': 'write', 'workflows': 'write' },
            title: 'No upgrade app',
            consequence: 'the pull request is opened with the workflow token; GitHub runs no workflow on it, and a changed workflow file cannot be pushed.',
          }),
          { name: 'Check out', uses: uses(ACTIONS.checkout), with: { 'persist-credentials': false, 'fetch-depth': 0 } },
          // No cache: this job has write access; a poisoned cache must not reach it.
          ...installToolsSteps(project, { cache: false }),
          {
            name: 'Bump, re-synthesize and open the pull request',
            env: lazyValue(() => ({
              GH_TOKEN: APP_OR_WORKFLOW_TOKEN,
              UPGRADE_TOKEN_KIND: APP_TOKEN_KIND,
              ...npmTokenEnv(project),
            })),
            run: 'npx projen-gitops upgrade',
          },
        ],
      },
    });
    atSynthStart(project, () => {
      const upgrades = Upgrades.of(project);
      if (!upgrades) {
        removeWorkflow(workflow);
        return;
      }
      describeFile(project, {
        path: '.github/workflows/upgrade.yml',
        owner: FileOwner.MANAGED,
        purpose: `Opens the one pull request that upgrades ${upgrades.facts.package} after the ring's waiting time (${upgrades.facts.ring}: ${upgrades.facts.waitDays} days), re-synthesized and explained.`,
        change: 'Set `ring` in .projenrc.ts; the variable UPGRADE_APP_CLIENT_ID and secret UPGRADE_APP_PRIVATE_KEY give it a GitHub App token.',
      });
    });
  }
}
