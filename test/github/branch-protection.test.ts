import { github } from 'projen';
import { NodeProject } from 'projen/lib/javascript';
import { BranchProtection } from '../../src';
import { gitopsProject, synth, tempdir } from '../util';

const NOTES = 'docs/BRANCH_PROTECTION.md';

/** A NodeProject without projen's own workflows. */
function bareNodeProject() {
  return new NodeProject({
    name: 'svc',
    defaultReleaseBranch: 'main',
    outdir: tempdir(),
    buildWorkflow: false,
    githubOptions: { pullRequestLint: false },
  });
}

/** The bullet list under "Status checks to require". */
function checksInNotes(notes: string): string[] {
  const section = notes.split('## Status checks to require')[1].split('\n## ')[0];
  return [...section.matchAll(/^- `(.+)`$/gm)].map((m) => m[1]);
}

describe('BranchProtection', () => {
  test('notes snapshot', () => {
    expect(synth(gitopsProject())[NOTES]).toMatchSnapshot();
  });

  test('required checks are the pull request jobs of the generated workflows', () => {
    const project = gitopsProject();
    const notes = synth(project)[NOTES];
    expect(project.branchProtection.requiredChecks).toEqual(['Build image', 'CodeQL (actions)', 'CodeQL (javascript-typescript)']);
    expect(checksInNotes(notes)).toEqual(project.branchProtection.requiredChecks);
  });

  test('a job that never runs on pull requests is not required', () => {
    expect(gitopsProject().branchProtection.requiredChecks).not.toContain('Publish image');
  });

  test.each(['Lint', 'Lint all'])('a new pull request workflow and its job name (%s) follow into the notes', (jobName) => {
    const project = gitopsProject();
    const lint = new github.GithubWorkflow(project.github!, 'lint');
    lint.on({ pullRequest: {} });
    lint.addJobs({ eslint: { name: jobName, runsOn: ['ubuntu-24.04'], permissions: {}, steps: [{ run: 'true' }] } });
    const nightly = new github.GithubWorkflow(project.github!, 'nightly');
    nightly.on({ schedule: [{ cron: '0 0 * * *' }] });
    nightly.addJobs({ e2e: { runsOn: ['ubuntu-24.04'], permissions: {}, steps: [{ run: 'true' }] } });
    const checks = checksInNotes(synth(project)[NOTES]);
    expect(checks).toEqual(['Build image', 'CodeQL (actions)', 'CodeQL (javascript-typescript)', jobName]);
  });

  test('matrix jobs are expanded the way GitHub names them', () => {
    const project = bareNodeProject();
    const wf = new github.GithubWorkflow(project.github!, 'test');
    wf.on({ pullRequest: {} });
    wf.addJobs({
      unit: { runsOn: ['ubuntu-24.04'], permissions: {}, strategy: { matrix: { domain: { node: ['20', '22'], os: ['linux'] } } }, steps: [{ run: 'true' }] },
      named: { name: 'Test on ${{ matrix.node }}', runsOn: ['ubuntu-24.04'], permissions: {}, strategy: { matrix: { domain: { node: ['20'] } } }, steps: [{ run: 'true' }] },
    });
    const protection = new BranchProtection(project);
    expect(protection.requiredChecks).toEqual(['Test on 20', 'unit (20, linux)', 'unit (22, linux)']);
  });

  test('additional checks and approvals appear in the notes', () => {
    const project = bareNodeProject();
    new BranchProtection(project, { requiredApprovals: 2, additionalChecks: ['ci/jenkins'] });
    const notes = synth(project)[NOTES];
    expect(notes).toMatch(/\| Required approvals \| 2 \|/);
    expect(checksInNotes(notes)).toEqual(['ci/jenkins']);
  });

  test('requiredApprovals flows from the project options', () => {
    expect(synth(gitopsProject({ requiredApprovals: 3 }))[NOTES]).toMatch(/\| Required approvals \| 3 \|/);
  });

  test.each([[-1], [11], [1.5]])('requiredApprovals %p is rejected', (value) => {
    const project = gitopsProject({ requiredApprovals: value });
    expect(() => project.synth()).toThrow(new RegExp(`requiredApprovals: must be an integer from 0 to 10 \\(GitHub's limit\\), got ${value}; try 1`));
  });

  test('empty additional check names are rejected', () => {
    const project = bareNodeProject();
    new BranchProtection(project, { additionalChecks: [' '] });
    expect(() => project.synth()).toThrow(/additionalChecks: must list non-empty check names, got " "/);
  });
});
