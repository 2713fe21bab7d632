/**
 * Which events a job's full `if:` can run on, over GitHub's expression grammar: the required
 * checks list only the jobs that can run on pull requests (issue 22: a push-only job with a
 * compound `if:` was required, so no pull request could ever merge).
 */
import { github } from 'projen';
import { workflowTriggers } from '../../src/core/projen-adapter';
import { canRunOn } from '../../src/github/expressions';
import { gitopsProject, synth } from '../util';

describe('canRunOn', () => {
  test.each([
    ["github.event_name == 'push'", false],
    ["${{ github.event_name == 'push' }}", false],
    ["github.event_name != 'pull_request'", false],
    ["github.event_name == 'push' && github.ref_type == 'branch' && !cancelled() && !contains(needs.*.result, 'failure')", false],
    ["(github.event_name == 'push' || github.event_name == 'schedule') && success()", false],
    ["github.event_name == 'PULL_REQUEST'", true], // strings compare ignoring case
    ["github['event_name'] == 'pull_request'", true],
    ["contains(fromJSON('[\"push\", \"schedule\"]'), github.event_name)", true], // fromJSON unknown: may run
    ["github.event_name == 'pull_request' || github.event_name == 'push'", true],
    ['github.event.pull_request.head.repo.full_name == github.repository', true],
    ["!cancelled() && github.event_name != 'push'", true],
    ['always()', true],
    ["startsWith(github.event_name, 'pull')", true],
    ["startsWith(github.event_name, 'push')", false],
    ['false', false],
    ["github.event_name == 'push' || false", false],
    ["github.actor != 'bot' && github.event_name == 'workflow_dispatch'", false],
    ["'it''s' == 'IT''S' && github.event_name == 'pull_request'", true],
    ["1 == '1' && github.event_name == 'pull_request'", true], // numbers and strings compare as numbers
  ])('%s on pull_request: %s', (condition, runs) => {
    expect(canRunOn(condition, 'pull_request')).toBe(runs);
  });

  test('a push-only condition runs on push; an empty one on everything', () => {
    expect(canRunOn("github.event_name == 'push' && !cancelled()", 'push')).toBe(true);
    expect(canRunOn(undefined, 'pull_request')).toBe(true);
  });

  test('known-bad: text outside the grammar is undefined, not a guess', () => {
    for (const bad of ["github.event_name === 'push'", "github.event_name == 'push", 'nosuchfunction(1)', 'a &&', "github.event_name == 'push')"]) {
      expect({ bad, result: canRunOn(bad, 'pull_request') }).toEqual({ bad, result: undefined });
    }
  });
});

describe('required checks from what each job can run on', () => {
  const project = gitopsProject({ repository: 'acme/orders', services: [{ name: 'worker' }] });
  synth(project);

  test('the promotion job (push only, compound if:) is not required; the pull request jobs are', () => {
    const checks = project.branchProtection.requiredChecks;
    expect(checks.filter((c) => /promotion pull request/i.test(c))).toEqual([]);
    expect(checks.filter((c) => /^Publish/.test(c))).toEqual([]);
    expect(checks).toEqual(expect.arrayContaining(['Build image (orders)', 'Build image (worker)', 'Changed services']));
  });

  test('every if: of every generated workflow that runs on pull requests is in the grammar (none falls back to "may run")', () => {
    const workflows = github.GitHub.of(project)!.workflows;
    let seen = 0;
    for (const workflow of workflows) {
      const triggers = workflowTriggers(workflow);
      if (triggers.pullRequest === undefined) continue;
      for (const [id, job] of Object.entries(workflow.jobs)) {
        if (!job.if) continue;
        seen++;
        expect({ workflow: workflow.name, id, condition: job.if, result: canRunOn(job.if, 'pull_request') }).toEqual({ workflow: workflow.name, id, condition: job.if, result: expect.any(Boolean) });
      }
    }
    expect(seen).toBeGreaterThan(0);
  });

});
