process.env.PROJEN_DISABLE_POST = 'true'; // no npm install in unit tests

import { parse } from 'yaml';
import { DELIVERY_METRICS_WORKFLOW } from '../../src/github/delivery-metrics-workflow';
import { actionlint, gitopsProject, synth } from '../util';

const deployed = { repository: 'acme/orders', environments: [{ name: 'dev' }, { name: 'prod' }] };

describe('DeliveryMetricsWorkflow (deliveryMetrics: true)', () => {
  test('GIVEN deliveryMetrics WHEN synthesized THEN a scheduled, read-only workflow posts `projen-gitops metrics` to the job summary', async () => {
    const out = synth(gitopsProject({ ...deployed, deliveryMetrics: true }));
    const source = out[DELIVERY_METRICS_WORKFLOW];
    const workflow = parse(source);
    expect(workflow.on).toEqual({ schedule: [{ cron: '23 6 * * 1' }], workflow_dispatch: {} });
    expect(workflow.permissions).toEqual({ contents: 'read' });
    const job = workflow.jobs.metrics;
    expect(job.permissions).toEqual({ 'contents': 'read', 'pull-requests': 'read' });
    expect(job.steps.at(-1)).toMatchObject({ name: 'Post the delivery metrics to the job summary', env: { GH_TOKEN: '${{ github.token }}', DAYS: '30' }, run: 'npx projen-gitops metrics --days "$DAYS" >> "$GITHUB_STEP_SUMMARY"' });
    // Every action pinned by a full commit SHA (from the pin table), with its version as a comment.
    for (const step of job.steps.filter((s: any) => s.uses)) expect(step.uses).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
    expect(source).toMatch(/uses: actions\/checkout@[0-9a-f]{40} # v/);
    expect(await actionlint(source, DELIVERY_METRICS_WORKFLOW)).toEqual([]);
  });

  test('off by default; schedule and days are options', () => {
    expect(synth(gitopsProject(deployed))[DELIVERY_METRICS_WORKFLOW]).toBeUndefined();
    const workflow = parse(synth(gitopsProject({ ...deployed, deliveryMetrics: true, deliveryMetricsOptions: { schedule: '0 7 * * 1-5', days: 90 } }))[DELIVERY_METRICS_WORKFLOW]);
    expect(workflow.on.schedule).toEqual([{ cron: '0 7 * * 1-5' }]);
    expect(workflow.jobs.metrics.steps.at(-1).env.DAYS).toBe('90');
  });

  test('a bad schedule, a bad window and no promotion are each reported with the option and a fix', () => {
    expect(() => synth(gitopsProject({ ...deployed, deliveryMetrics: true, deliveryMetricsOptions: { schedule: 'every monday' } })))
      .toThrow(/deliveryMetricsOptions\.schedule: must be five cron fields .*got "every monday"; try '23 6 \* \* 1'/);
    expect(() => synth(gitopsProject({ ...deployed, deliveryMetrics: true, deliveryMetricsOptions: { days: 0 } })))
      .toThrow(/deliveryMetricsOptions\.days: must be a whole number of days from 1 to 3650, got 0; try 30/);
    expect(() => synth(gitopsProject({ ...deployed, deliveryMetrics: true, promotion: false })))
      .toThrow(/deliveryMetrics: is true, but the metrics read deploy\/promotion.json.*set promotion: true/);
  });
});
