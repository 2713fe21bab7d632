import * as fs from 'fs';
import { javascript } from 'projen';
import { CodeQlWorkflow, ContainerImage } from '../../src';
import { optionProblems } from '../../src/core/validation';
import { actionlint, gitopsProject, synth, tempdir, workflowObject } from '../util';

function nodeProject() {
  const project = new javascript.NodeProject({ name: 'svc', defaultReleaseBranch: 'main', outdir: tempdir() });
  new ContainerImage(project);
  return project;
}

const FILE = '.github/workflows/codeql.yml';

describe('CodeQlWorkflow', () => {
  test('snapshot; runs on push, pull requests and weekly', () => {
    const out = synth(gitopsProject());
    expect(out[FILE]).toMatchSnapshot();
    const wf = workflowObject(out, FILE);
    expect(wf.on.push).toEqual({ branches: ['main'] });
    expect(wf.on.pull_request).toEqual({ branches: ['main'] });
    expect(wf.on.schedule[0].cron).toMatch(/^\d+ \d+ \* \* 1$/);
  });

  test('languages follow the runtime, plus actions', () => {
    const wf = workflowObject(synth(gitopsProject()), FILE);
    expect(wf.jobs.analyze.strategy.matrix.include).toEqual([
      { 'language': 'javascript-typescript', 'build-mode': 'none' },
      { 'language': 'actions', 'build-mode': 'none' },
    ]);
  });

  test.each<[string, object[]]>([
    ['python', [{ 'language': 'python', 'build-mode': 'none' }, { 'language': 'actions', 'build-mode': 'none' }]],
    ['go', [{ 'language': 'go', 'build-mode': 'autobuild' }, { 'language': 'actions', 'build-mode': 'none' }]],
  ])('the %s runtime is analyzed with its build mode', (runtime, include) => {
    const wf = workflowObject(synth(gitopsProject({ runtime: runtime as any })), FILE);
    expect(wf.jobs.analyze.strategy.matrix.include).toEqual(include);
    expect(wf.jobs.analyze.steps[1].with['build-mode']).toBe('${{ matrix.build-mode }}');
  });

  test('additional languages are analyzed', () => {
    const project = nodeProject();
    const codeql = new CodeQlWorkflow(project, { additionalLanguages: ['python'] });
    expect(codeql.languages).toEqual(['javascript-typescript', 'python', 'actions']);
    const wf = workflowObject(synth(project), FILE);
    expect(wf.jobs.analyze.strategy.matrix.include.map((e: any) => e.language)).toEqual(['javascript-typescript', 'python', 'actions']);
  });

  test('only the analysis job may write security events', () => {
    const wf = workflowObject(synth(gitopsProject()), FILE);
    expect(wf.permissions).toEqual({ contents: 'read' });
    expect(wf.jobs.analyze.permissions).toEqual({ 'actions': 'read', 'contents': 'read', 'security-events': 'write' });
  });

  test('the schedule is stable for a name and differs between names', () => {
    const cron = (name: string) => workflowObject(synth(gitopsProject({ name })), FILE).on.schedule[0].cron;
    expect(cron('orders')).toBe(cron('orders'));
    expect(cron('orders')).not.toBe(cron('billing'));
  });

  test('passes actionlint', async () => {
    expect(await actionlint(synth(gitopsProject())[FILE], FILE)).toEqual([]);
  });

  test('bad options are reported', () => {
    const project = nodeProject();
    new CodeQlWorkflow(project, { additionalLanguages: ['cobol'], schedule: 'weekly' });
    expect(() => project.synth()).toThrow(/additionalLanguages: must list CodeQL languages .* got 'cobol'/);
    expect(() => project.synth()).toThrow(/schedule: must be a cron expression with 5 fields, got 'weekly'/);
  });
});

describe('CodeQlWorkflow.addLanguage', () => {
  test('a language added after the project is built is analyzed, each language once', () => {
    const project = gitopsProject();
    project.codeql!.addLanguage('python');
    project.codeql!.addLanguage('javascript-typescript');
    expect(project.codeql!.languages).toEqual(['javascript-typescript', 'python', 'actions']);
    const wf = workflowObject(synth(project), FILE);
    expect(wf.jobs.analyze.strategy.matrix.include).toEqual([
      { 'language': 'javascript-typescript', 'build-mode': 'none' },
      { 'language': 'python', 'build-mode': 'none' },
      { 'language': 'actions', 'build-mode': 'none' },
    ]);
  });

  test('the added language is a required check (the rulesets follow the matrix)', () => {
    const project = gitopsProject();
    project.codeql!.addLanguage('go');
    synth(project);
    expect(project.branchProtection.requiredChecks).toContain('CodeQL (go)');
  });

  test.each<[string, string, string]>([
    ['a misspelt language', 'pyton', "got 'pyton'; try 'python'"],
    ['a language CodeQL does not analyze', 'cobol', "got 'cobol'; use one of those, or remove it"],
  ])('%s is reported under addLanguage(language), and no file is written', (_name, language, end) => {
    const dir = tempdir();
    const project = gitopsProject({ outdir: dir });
    project.codeql!.addLanguage(language);
    expect(optionProblems(project)).toEqual([{
      option: `addLanguage('${language}')`,
      message: `must be a CodeQL language (actions, c-cpp, csharp, go, java-kotlin, javascript-typescript, python, ruby, rust, swift), ${end}`,
    }]);
    expect(() => project.synth()).toThrow(/no file was changed/);
    expect(fs.readdirSync(dir)).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the fix is itself valid', () => {
    const project = gitopsProject();
    project.codeql!.addLanguage('python');
    expect(optionProblems(project)).toEqual([]);
  });
});
