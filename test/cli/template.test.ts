import * as fs from 'fs';
import * as path from 'path';
import { runTemplate, TEMPLATE_USAGE } from '../../src/cli/template';
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

  test('a folder that is not empty is refused', () => {
    const dir = tempdir();
    fs.writeFileSync(path.join(dir, 'x'), '');
    expect(() => runTemplate([dir, '--name', '@acme/gitops-template'], io().io, neverInstalls)).toThrow(/exists and is not empty/);
  });

  test('an unknown flag is refused', () => {
    expect(() => runTemplate(['--nme', 'x'], io().io, neverInstalls)).toThrow(/unknown option '--nme'/);
  });
});
