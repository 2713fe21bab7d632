import { Component, github, Project } from 'projen';
import { ACTIONS, annotateWorkflowPins, installToolsSteps, uses } from './actions';
import { show } from '../core/checks';
import { transformRendered } from '../core/projen-adapter';
import { addValidation } from '../core/validation';
import { GITHUB_TOPIC } from '../model/names';
import { FLEET_CACHE_FILE } from '../model/upgrades';

/** The repository variable with the client id of the GitHub App that reads the organisation. */
export const FLEET_APP_VARIABLE = 'FLEET_APP_CLIENT_ID';
/** The secret with its private key. */
export const FLEET_APP_SECRET = 'FLEET_APP_PRIVATE_KEY';

/** Options for `FleetReportWorkflow`. */
export interface FleetReportWorkflowOptions {
  /** The topic the repositories made from the template carry. */
  readonly topic: string;
  /**
   * The runner label.
   * @default "ubuntu-24.04"
   */
  readonly runsOn?: string;
}


/**
 * `.github/workflows/fleet-report.yml` in a template repository: every weekday (and on
 * dispatch) `projen-gitops fleet` lists the organisation's repositories with the template's
 * topic and keeps the report in one issue of this repository. Reading other repositories needs
 * a GitHub App installed on the organisation (variable `FLEET_APP_CLIENT_ID`, secret
 * `FLEET_APP_PRIVATE_KEY`) with read access to metadata, contents, checks and pull requests;
 * the issue is written with the job's own token (`issues: write` on this repository only).
 */
export class FleetReportWorkflow extends Component {
  /** The project's FleetReportWorkflow, if it has one. */
  public static of(project: Project): FleetReportWorkflow | undefined {
    return project.components.find((c): c is FleetReportWorkflow => c instanceof FleetReportWorkflow);
  }

  public readonly workflow?: github.GithubWorkflow;

  constructor(project: Project, options: FleetReportWorkflowOptions) {
    super(project);
    const gh = github.GitHub.of(project);
    if (!gh) return;
    addValidation(project, () => (GITHUB_TOPIC.test(options.topic) ? [] : [{
      option: 'fleetTopic',
      message: `must be a GitHub topic (a lowercase letter or digit, then lowercase letters, digits and '-', at most 50), got ${show(options.topic)}; try 'acme-gitops-template'`,
    }]));
    const workflow = new github.GithubWorkflow(gh, 'fleet-report', { fileName: 'fleet-report.yml' });
    this.workflow = workflow;
    workflow.on({ schedule: [{ cron: '17 7 * * 1-5' }], workflowDispatch: {} });
    workflow.file?.addOverride('permissions', { contents: 'read' });
    workflow.file?.addOverride('concurrency', { 'group': '${{ github.workflow }}', 'cancel-in-progress': false });
    annotateWorkflowPins(workflow);
    // The report reads every repository of the organisation: a token for the whole installation
    // is the point, read-only (zizmor's github-app audit asks for a list of repositories).
    if (workflow.file) {
      transformRendered(workflow.file, 'fleet-owner-token', (yaml) => yaml.replace(/^(\s+owner: \$\{\{ github\.repository_owner \}\})$/m, '$1 # zizmor: ignore[github-app] read-only, every repository is the point'));
    }
    workflow.addJobs({
      report: {
        name: 'Fleet report',
        runsOn: [options.runsOn ?? 'ubuntu-24.04'],
        timeoutMinutes: 30,
        // The report issue is written with this job's own token; the App's reads only.
        permissions: { contents: github.workflows.JobPermission.READ, issues: github.workflows.JobPermission.WRITE },
        steps: [
          {
            name: 'GitHub App token (reads the organisation\'s repositories)',
            id: 'app-token',
            uses: uses(ACTIONS.createAppToken),
            with: {
              'client-id': `\${{ vars.${FLEET_APP_VARIABLE} }}`,
              'private-key': `\${{ secrets.${FLEET_APP_SECRET} }}`,
              'owner': '${{ github.repository_owner }}',
              'permission-contents': 'read',
              'permission-checks': 'read',
              'permission-pull-requests': 'read',
              'permission-metadata': 'read',
            },
          },
          { name: 'Check out', uses: uses(ACTIONS.checkout), with: { 'persist-credentials': false } },
          ...installToolsSteps(project, { cache: false }),
          {
            // The ETags of the last run: GitHub answers an unchanged repository 304, which costs
            // no rate limit. Each run saves a new entry; the newest is restored by its prefix.
            name: 'The ETags of the last report (304 answers cost no rate limit)',
            uses: uses(ACTIONS.cache),
            with: {
              'path': FLEET_CACHE_FILE,
              'key': 'fleet-report-etags-${{ github.run_id }}-${{ github.run_attempt }}',
              'restore-keys': 'fleet-report-etags-',
            },
          },
          {
            name: 'Write the fleet report',
            env: {
              GH_TOKEN: '${{ steps.app-token.outputs.token }}',
              FLEET_ISSUE_TOKEN: '${{ github.token }}',
              ORG: '${{ github.repository_owner }}',
              REPOSITORY: '${{ github.repository }}',
            },
            // The topic is checked above (letters, digits, '-'): nothing a shell reads specially.
            run: `npx projen-gitops fleet --org "$ORG" --topic ${options.topic} --issue "$REPOSITORY" --cache ${FLEET_CACHE_FILE}`,
          },
        ],
      },
    });
  }
}
