import * as fs from 'fs';
import * as path from 'path';
import { signalExitCode } from '../../src/cli/create';
import { cli } from '../../src/cli/main';
import { runTemplate, TemplateError, TEMPLATE_USAGE } from '../../src/cli/template';
import { templateClassName, templatePackageProblems } from '../../src/model/template-package';
import { readTree, tempdir } from '../util';

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
    for (const flag of ['--name', '--github-url', '--npm-registry-url', '--npm-token-secret', '--image-registry', '--base-image-mirror', '--all-packages-from-registry', '--from']) expect(TEMPLATE_USAGE).toContain(flag);
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

  /**
   * The steps after the folder is made, with `npm` and `git` replaced on the PATH: a fake npm
   * installs a fake projen-gitops whose synth writes a few files (as the real one does), and
   * the step named by `fail` fails (git: the last step) or is ended by a signal.
   */
  type Fail = 'npm' | 'synth' | 'git' | 'npm-signal' | 'npm-sigterm';
  function withFakeTools(fail: Fail, run: () => void) {
    const restore = fakeTools(fail);
    try {
      run();
    } finally {
      restore();
    }
  }
  async function withFakeToolsAsync(fail: Fail, run: () => Promise<void>) {
    const restore = fakeTools(fail);
    try {
      await run();
    } finally {
      restore();
    }
  }
  /** Puts the fake tools on the PATH; returns what takes them away. */
  function fakeTools(fail: Fail): () => void {
    const bin = tempdir('gitops-fake-bin-');
    const synth = "require('fs').mkdirSync('src', { recursive: true }); require('fs').writeFileSync('src/index.ts', '// made'); require('fs').writeFileSync('README.md', '# made');";
    fs.writeFileSync(path.join(bin, 'npm'), [
      '#!/bin/sh',
      'mkdir -p node_modules/projen-gitops/lib/cli && echo "{}" > package-lock.json',
      `echo "${synth.replace(/"/g, '\\"')}${fail === 'synth' ? ' process.exit(3);' : ''}" > node_modules/projen-gitops/lib/cli/projenrc.js`,
      fail === 'npm' ? 'echo "npm ERR! 404 projen-gitops" >&2; exit 1' : fail === 'npm-signal' ? 'kill -INT $$' : fail === 'npm-sigterm' ? 'kill -TERM $$' : 'exit 0',
    ].join('\n'), { mode: 0o755 });
    fs.writeFileSync(path.join(bin, 'git'), `#!/bin/sh\n${fail === 'git' ? 'echo "fatal: cannot commit" >&2; exit 128' : 'exit 0'}\n`, { mode: 0o755 });
    const before = process.env.PATH;
    process.env.PATH = `${bin}${path.delimiter}${before}`;
    return () => {
      process.env.PATH = before;
      fs.rmSync(bin, { recursive: true, force: true });
    };
  }
  const spec = () => 'projen-gitops@file:/nowhere/projen-gitops.tgz';

  test.each([
    ['npm install', 'npm', /^installed projen and projen-gitops failed \(exit 1\); nothing was left behind in /],
    ['the first synth', 'synth', /^synthesized the template package and installed its tools failed \(exit 3\); nothing was left behind in /],
    ['git, the last step', 'git', /^made the first commit failed \(exit 128\); nothing was left behind in /],
    ['a step ended by a signal (Ctrl-C)', 'npm-signal', /^interrupted \(SIGINT\) before it installed projen and projen-gitops; nothing was left behind in /],
    ['a step ended by SIGTERM', 'npm-sigterm', /^interrupted \(SIGTERM\) before it installed projen and projen-gitops; nothing was left behind in /],
  ] as const)('a failure at %s takes back the folder and the parents it made, nothing else', (_step, fail, message) => {
    const root = tempdir();
    fs.writeFileSync(path.join(root, 'keep.txt'), 'mine');
    const dir = path.join(root, 'new-parent', 'tpl');
    const { lines, io: out } = io();
    withFakeTools(fail, () => expect(() => runTemplate([dir, '--name', '@acme/gitops-template'], out, spec)).toThrow(message));
    expect(readTree(root)).toEqual({ 'keep.txt': 'mine' });
    // The git step is the last: the synth before it had passed.
    if (fail === 'git') expect(lines).toContainEqual(expect.stringMatching(/^ {2}✓ synthesized the template package and installed its tools \(\d+ s\)$/));
  });

  test.each([
    ['Ctrl-C (SIGINT)', 'npm-signal', 130, 'SIGINT'],
    ['SIGTERM', 'npm-sigterm', 143, 'SIGTERM'],
    ['a step that failed', 'npm', 2, undefined],
  ] as const)('the exit code after %s is what a shell expects (128 + the signal), after the cleanup', async (_label, fail, code, signal) => {
    const root = tempdir();
    const dir = path.join(root, 'tpl');
    let thrown: unknown;
    withFakeTools(fail, () => {
      try {
        runTemplate([dir, '--name', '@acme/gitops-template'], io().io, spec);
      } catch (error) {
        thrown = error;
      }
    });
    expect(thrown).toBeInstanceOf(TemplateError);
    expect((thrown as TemplateError).exitCode).toBe(code);
    if (signal) expect(signalExitCode(signal)).toBe(code);
    // The command line's exit code, with the one line it prints; the folder is gone.
    const lines: string[] = [];
    await withFakeToolsAsync(fail, async () => {
      expect(await cli(['template', dir, '--name', '@acme/gitops-template', '--from', 'projen-gitops@file:/nowhere/projen-gitops.tgz'], (l) => lines.push(l))).toBe(code);
    });
    expect(lines).toEqual([expect.stringMatching(/^projen-gitops template: (interrupted|installed projen).*nothing was left behind in /)]);
    expect(readTree(root)).toEqual({});
  });

  test.each([
    ['github.com (no flag)', [], '"https://github.com/acme/gitops-template.git"', undefined],
    ['ghe.com', ['--github-url', 'https://acme.ghe.com/'], '"https://acme.ghe.com/acme/gitops-template.git"', 'https://acme.ghe.com/'],
    ['GitHub Enterprise Server', ['--github-url', 'https://GitHub.Acme.com'], '"https://github.acme.com/acme/gitops-template.git"', 'https://GitHub.Acme.com'],
  ])('--github-url, %s: the template\'s repositoryUrl is on that server, and the server is one of its defaults', (_label, flags, repositoryUrl, githubUrl) => {
    const dir = path.join(tempdir(), 'tpl');
    withFakeTools('none' as any, () => expect(runTemplate([dir, '--name', '@acme/gitops-template', ...flags], io().io, spec)).toBe(0));
    const rc = fs.readFileSync(path.join(dir, '.projenrc.ts'), 'utf-8');
    expect(rc).toContain(`  repositoryUrl: ${repositoryUrl},\n`);
    if (githubUrl) expect(rc).toContain(`  githubUrl: "${githubUrl}",\n`);
    else expect(rc).not.toContain('githubUrl');
  });

  test('a bad --github-url is refused with a fix, before anything is made; so is an --image-registry of another GitHub server', () => {
    const dir = path.join(tempdir(), 'tpl');
    expect(() => runTemplate([dir, '--name', '@acme/gitops-template', '--github-url', 'https://api.acme.ghe.com/api/v3'], io().io, neverInstalls))
      .toThrow(/^--github-url must be the URL of a GitHub server's root.*; try 'https:\/\/acme\.ghe\.com'$/);
    expect(() => runTemplate([dir, '--name', '@acme/gitops-template', '--github-url', 'https://acme.ghe.com', '--image-registry', 'ghcr.io'], io().io, neverInstalls))
      .toThrow(/^--image-registry is the Container registry of https:\/\/github\.com, but the repository is on https:\/\/acme\.ghe\.com .*leave it unset \(the default is 'containers\.acme\.ghe\.com'/);
    expect(fs.existsSync(dir)).toBe(false);
  });

  test('a failure in an empty folder that was there empties it again and keeps the folder', () => {
    const dir = tempdir();
    withFakeTools('git', () => expect(() => runTemplate([dir, '--name', '@acme/gitops-template'], io().io, spec)).toThrow(/nothing was left behind/));
    expect(fs.existsSync(dir)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('the fake tools make the template when no step fails (the failures above are the steps\')', () => {
    const dir = path.join(tempdir(), 'tpl');
    withFakeTools('none' as any, () => expect(runTemplate([dir, '--name', '@acme/gitops-template'], io().io, spec)).toBe(0));
    expect(Object.keys(readTree(dir)).sort()).toEqual(['.projenrc.ts', 'README.md', 'node_modules/projen-gitops/lib/cli/projenrc.js', 'package-lock.json', 'package.json', 'src/index.ts']);
  });

  test('a folder with content is refused and left exactly as it was; a file is not a folder', () => {
    const dir = tempdir();
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(path.join(dir, 'src', 'work.ts'), 'uncommitted work');
    withFakeTools('git', () => expect(() => runTemplate([dir, '--name', '@acme/gitops-template'], io().io, spec)).toThrow(/exists and is not empty; choose another folder$/));
    expect(readTree(dir)).toEqual({ 'src/work.ts': 'uncommitted work' });
    const file = path.join(dir, 'src', 'work.ts');
    expect(() => runTemplate([file, '--name', '@acme/gitops-template'], io().io, spec)).toThrow(/exists and is not a folder; choose another folder$/);
    expect(fs.readFileSync(file, 'utf-8')).toBe('uncommitted work');
  });
});
