import { javascript } from 'projen';
import { parse } from 'yaml';
import { DriftCheckWorkflow } from '../../src';
import { synth, tempdir } from '../util';

const FILE = '.github/workflows/drift.yml';

function nodeProject(): javascript.NodeProject {
  return new javascript.NodeProject({ name: 'svc', defaultReleaseBranch: 'main', outdir: tempdir(), buildWorkflow: false, githubOptions: { pullRequestLint: false } });
}

const runs = (project: javascript.NodeProject) => parse(synth(project)[FILE]).jobs.drift.steps.map((s: any) => s.run).filter(Boolean);

describe('DriftCheckWorkflow order independence', () => {
  test('a typecheck task added after the workflow is still run', () => {
    const project = nodeProject();
    new DriftCheckWorkflow(project);
    project.addTask('typecheck', { exec: 'tsc --noEmit' });
    expect(runs(project)).toContain('npx projen typecheck');
  });

  test('the same file whichever comes first', () => {
    const before = nodeProject();
    before.addTask('typecheck', { exec: 'tsc --noEmit' });
    new DriftCheckWorkflow(before);
    const after = nodeProject();
    new DriftCheckWorkflow(after);
    after.addTask('typecheck', { exec: 'tsc --noEmit' });
    expect(synth(after)[FILE]).toEqual(synth(before)[FILE]);
  });

  test('no typecheck task, no type-check step; the required check is there either way', () => {
    const project = nodeProject();
    new DriftCheckWorkflow(project);
    const job = parse(synth(project)[FILE]).jobs.drift;
    expect(job.steps.map((s: any) => s.run)).not.toContain('npx projen typecheck');
    expect(job.name).toBe('Generated files are up to date');
  });
});
