import * as fs from 'fs';
import * as path from 'path';
import { runTemplate, TEMPLATE_USAGE } from '../../src/cli/template';
import { templateClassName, templatePackageProblems } from '../../src/model/template-package';
import { tempdir } from '../util';

const io = () => {
  const lines: string[] = [];
  return { lines, io: { log: (l: string) => lines.push(l), error: (l: string) => lines.push(l) } };
};
const neverInstalls = () => {
  throw new Error('must not be asked for a spec');
};

describe('projen-gitops template', () => {
  test('--help says what it makes and every flag', () => {
    const { lines, io: out } = io();
    expect(runTemplate(['--help'], out, neverInstalls)).toBe(0);
    expect(lines.join('\n')).toBe(TEMPLATE_USAGE);
    for (const flag of ['--name', '--npm-registry-url', '--npm-token-secret', '--image-registry', '--base-image-mirror', '--all-packages-from-registry', '--from']) expect(TEMPLATE_USAGE).toContain(flag);
  });

  test('every bad flag is reported at once, with a valid fix, before anything is made', () => {
    const dir = path.join(tempdir(), 'tpl');
    expect(() => runTemplate([dir, '--name', 'Acme Template', '--npm-registry-url', 'http://npm.acme.example', '--npm-token-secret', 'npm-token', '--base-image-mirror', 'https://mirror.acme.example/'], io().io, neverInstalls))
      .toThrow(/--name must be an npm package name.*try '@my-org\/gitops-template'\n--npm-registry-url must be an https URL.*try 'https:\/\/npm\.acme\.example\/'\n--npm-token-secret must be a GitHub secret name.*try 'NPM_TOKEN'\n--base-image-mirror must be a registry host.*try 'mirror\.acme\.example'/);
    expect(fs.existsSync(dir)).toBe(false);
  });

  test('every flag is checked with the grammar GitOpsTemplateProject uses, before anything is made (a bad --image-registry failed after npm install)', () => {
    const dir = path.join(tempdir(), 'tpl');
    const asked = jest.fn(neverInstalls);
    expect(() => runTemplate([dir, '--name', '@acme/gitops-template', '--image-registry', 'https://registry.acme.example/', '--repository-url', 'https://user:pw@github.com/acme/gitops-template.git'], io().io, asked))
      .toThrow(/^--image-registry must be a registry host.*got 'https:\/\/registry\.acme\.example\/'; try 'registry\.acme\.example'\n--repository-url must be a git URL.*got "https:\/\/user:pw@github\.com\/acme\/gitops-template\.git"; try 'https:\/\/github\.com\/acme\/gitops-template\.git'$/);
    expect(asked).not.toHaveBeenCalled();
    expect(fs.existsSync(dir)).toBe(false);
    expect(fs.readdirSync(path.dirname(dir))).toEqual([]);
  });

  test('--from must name projen-gitops; a name too long for a class name is refused with a shorter one', () => {
    const dir = path.join(tempdir(), 'tpl');
    expect(() => runTemplate([dir, '--name', `@acme/${'x'.repeat(120)}`, '--from', 'left-pad@1.3.0'], io().io, neverInstalls))
      .toThrow(/^--name "@acme\/x+" makes templateClassName that must be a PascalCase TypeScript class name.*; try a shorter --name, e\.g\. '@my-org\/gitops-template'\n--from must name projen-gitops.*got "left-pad@1\.3\.0"; try 'projen-gitops@latest'$/);
    expect(fs.existsSync(dir)).toBe(false);
  });

  test('a scope with a \'-\' makes a class name (it made My-orgGitOpsProject, which jsii refuses)', () => {
    expect(templateClassName('@my-org/gitops-template')).toBe('MyOrgGitOpsProject');
    expect(templatePackageProblems({ name: '@my-org/gitops-template' })).toEqual([]);
  });

  test('each fix passes: the flags as suggested are accepted (the check stops only at the folder)', () => {
    const dir = tempdir();
    fs.writeFileSync(path.join(dir, 'x'), '');
    expect(() => runTemplate([dir, '--name', '@acme/gitops-template', '--image-registry', 'registry.acme.example', '--repository-url', 'https://github.com/acme/gitops-template.git', '--from', 'projen-gitops@latest'], io().io, neverInstalls))
      .toThrow(/exists and is not empty/);
  });

  test('a folder that is not empty is refused', () => {
    const dir = tempdir();
    fs.writeFileSync(path.join(dir, 'x'), '');
    expect(() => runTemplate([dir, '--name', '@acme/gitops-template'], io().io, neverInstalls)).toThrow(/exists and is not empty/);
  });

  test('an unknown flag is refused', () => {
    expect(() => runTemplate(['--nme', 'x'], io().io, neverInstalls)).toThrow(/unknown option '--nme'/);
  });
});
