import { Component, github, Project } from 'projen';
import { annotateWorkflowPins, ACTIONS, installToolsSteps, uses } from './actions';
import { describeFile, FileOwner } from '../core/file-catalog';
import { lazyValue } from '../core/projen-adapter';
import { addValidation } from '../core/validation';
import { Repository } from '../model/repository';

/** Options for `DeliveryMetricsWorkflow`. */
export interface DeliveryMetricsWorkflowOptions {
  /**
   * When it runs (a cron line in UTC, as GitHub reads `on.schedule`).
   * @default "23 6 * * 1" - Mondays at 06:23 UTC
   */
  readonly schedule?: string;

  /**
   * The window the metrics cover, in days.
   * @default 30
   */
  readonly days?: number;
}

/** The workflow's file. */
export const DELIVERY_METRICS_WORKFLOW = '.github/workflows/delivery-metrics.yml';
/** Five cron fields of digits, `*`, `,`, `-` and `/` (what GitHub's scheduler takes; no names, no seconds). */
const CRON = /^([0-9*,/-]+) ([0-9*,/-]+) ([0-9*,/-]+) ([0-9*,/-]+) ([0-9*,/-]+)$/;

/**
 * `.github/workflows/delivery-metrics.yml`: on a schedule (and by hand) runs `projen-gitops
 * metrics` over the repository's history and posts the table to the job summary: deployment
 * frequency, lead time, change failure rate and time to restore per environment. Reads only
 * (contents and pull requests).
 */
export class DeliveryMetricsWorkflow extends Component {
  /** The project's delivery metrics workflow, if it has one. */
  public static of(project: Project): DeliveryMetricsWorkflow | undefined {
    return project.components.find((c): c is DeliveryMetricsWorkflow => c instanceof DeliveryMetricsWorkflow);
  }

  /** The underlying workflow (escape hatch). */
  public readonly workflow?: github.GithubWorkflow;

  constructor(project: Project, options: DeliveryMetricsWorkflowOptions = {}) {
    super(project);
    const schedule = options.schedule ?? '23 6 * * 1';
    const days = options.days ?? 30;
    const gh = github.GitHub.of(project);
    addValidation(project, () => [
      ...(gh ? [] : [{ option: 'github', message: 'DeliveryMetricsWorkflow needs GitHub support in the project, got github: false; set github: true, or deliveryMetrics: false' }]),
      ...(CRON.test(schedule) ? [] : [{ option: 'deliveryMetricsOptions.schedule', message: `must be five cron fields (minute hour day month weekday, digits and * , - /), got ${JSON.stringify(schedule)}; try '23 6 * * 1'` }]),
      ...(Number.isInteger(days) && days >= 1 && days <= 3650 ? [] : [{ option: 'deliveryMetricsOptions.days', message: `must be a whole number of days from 1 to 3650, got ${JSON.stringify(days)}; try 30` }]),
    ]);
    if (!gh) return;
    this.workflow = new github.GithubWorkflow(gh, 'delivery-metrics', { fileName: 'delivery-metrics.yml' });
    this.workflow.on({ schedule: [{ cron: schedule }], workflowDispatch: {} });
    this.workflow.file?.addOverride('permissions', { contents: 'read' });
    // One run at a time: a scheduled run and one by hand post the same table.
    this.workflow.file?.addOverride('concurrency', { 'group': '${{ github.workflow }}', 'cancel-in-progress': false });
    annotateWorkflowPins(this.workflow);
    this.workflow.addJobs({
      metrics: {
        name: 'Delivery metrics',
        runsOn: [lazyValue(() => Repository.factsOf(project).runsOn)],
        timeoutMinutes: 10,
        // Reads the history (contents) and the merged pull requests' labels (hotfixes).
        permissions: { contents: github.workflows.JobPermission.READ, pullRequests: github.workflows.JobPermission.READ },
        steps: [
          // The whole history of the default branch: every images.yaml change is a data point.
          { name: 'Check out', uses: uses(ACTIONS.checkout), with: { 'fetch-depth': 0, 'persist-credentials': false } },
          ...installToolsSteps(project, { cache: false }),
          {
            name: 'Post the delivery metrics to the job summary',
            env: { GH_TOKEN: '${{ github.token }}', DAYS: String(Number.isInteger(days) ? days : 30) },
            run: 'npx projen-gitops metrics --days "$DAYS" >> "$GITHUB_STEP_SUMMARY"',
          },
        ],
      },
    });
    describeFile(project, {
      path: DELIVERY_METRICS_WORKFLOW,
      owner: FileOwner.MANAGED,
      purpose: 'On a schedule and by hand: posts deployment frequency, lead time, change failure rate and time to restore per environment (projen-gitops metrics) to the job summary.',
      change: 'Set deliveryMetrics and deliveryMetricsOptions (schedule, days) in .projenrc.ts.',
    });
  }
}
