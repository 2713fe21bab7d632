import { parse } from 'yaml';
import { GitOpsProjectOptions } from '../../src';
import { gitopsProject, synth } from '../util';

/**
 * Security policies that zizmor and OpenSSF Scorecard check upstream (neither runs offline
 * here), asserted on every generated workflow for a few option sets.
 */
const OPTION_SETS: Partial<GitOpsProjectOptions>[] = [
  {},
  { registry: 'registry.example.com', imageName: 'acme/orders' },
  { imageName: 'acme/orders', defaultBranch: 'trunk' },
];

const workflows = OPTION_SETS.flatMap((options) => {
  const out = synth(gitopsProject(options));
  return Object.keys(out)
    .filter((file) => file.startsWith('.github/workflows/'))
    .map((file) => [`${file} ${JSON.stringify(options)}`, parse(out[file])] as [string, any]);
});

describe.each(workflows)('%s', (_name, workflow) => {
  const jobs = Object.entries<any>(workflow.jobs);
  const steps = jobs.flatMap(([, job]) => job.steps as any[]);

  test('zizmor template-injection: no expression expands inside a run: script', () => {
    for (const step of steps.filter((s) => s.run)) {
      expect(step.run).not.toMatch(/\$\{\{/);
    }
  });

  test('Scorecard Token-Permissions: read-only at the top, explicit per job', () => {
    expect(workflow.permissions).toEqual({ contents: 'read' });
    for (const [, job] of jobs) {
      expect(job.permissions).toBeDefined();
    }
  });

  test('zizmor artipacked: checkout never persists the token', () => {
    for (const step of steps.filter((s) => String(s.uses).startsWith('actions/checkout@'))) {
      expect(step.with['persist-credentials']).toBe(false);
    }
  });

  test('zizmor dangerous-triggers: no pull_request_target or workflow_run', () => {
    expect(Object.keys(workflow.on)).not.toContain('pull_request_target');
    expect(Object.keys(workflow.on)).not.toContain('workflow_run');
  });

  test('jobs that run on pull requests get no write scope except security events', () => {
    // A workflow only scheduled or dispatched (upgrade.yml) runs no pull request's code.
    if (!('pull_request' in workflow.on) && !('pull_request_target' in workflow.on)) return;
    for (const [, job] of jobs) {
      if (job.if && !/pull_request/.test(job.if)) continue; // never runs on pull requests
      const writes = Object.entries<string>(job.permissions).filter(([, v]) => v === 'write').map(([k]) => k);
      expect(writes.filter((scope) => scope !== 'security-events')).toEqual([]);
    }
  });

  test('every job has a timeout', () => {
    for (const [, job] of jobs) {
      expect(job['timeout-minutes']).toBeGreaterThan(0);
    }
  });
});
