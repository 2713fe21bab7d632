process.env.PROJEN_DISABLE_POST = 'true'; // no npm install in unit tests

import * as fs from 'fs';
import * as path from 'path';
import { GitOpsProject } from '../../src';
import { gitopsProject, readTree, synth } from '../util';

describe('GitOpsProject', () => {
  test('generates the GitOps repository layout', () => {
    const out = synth(gitopsProject());
    expect(Object.keys(out).sort()).toMatchSnapshot();
    for (const file of ['Dockerfile', '.dockerignore', '.github/workflows/container.yml', '.github/workflows/codeql.yml', 'docs/BRANCH_PROTECTION.md', 'README.md', 'src/server.js']) {
      expect(out[file]).toBeDefined();
    }
  });

  test('is an application repository: private, no npm publishing, no library machinery', () => {
    const out = synth(gitopsProject());
    const pkg = out['package.json'];
    expect(pkg.private).toBe(true);
    expect(pkg.publishConfig).toBeUndefined();
    expect(pkg.main).toBeUndefined();
    for (const file of ['.npmignore', 'LICENSE', '.mergify.yml', '.github/workflows/build.yml', '.github/workflows/release.yml', '.github/workflows/upgrade-main.yml', '.projenrc.js']) {
      expect(out[file]).toBeUndefined();
    }
  });

  test('.projenrc.ts runs through projen-gitops-rc (no npx round trip), tsc type-checks it in the tests', () => {
    const out = synth(gitopsProject());
    const tasks = out['.projen/tasks.json'].tasks;
    expect(tasks.default.steps).toEqual([{ exec: 'projen-gitops-rc .projenrc.ts' }]);
    expect(tasks.typecheck.steps).toEqual([{ exec: 'tsc --noEmit -p tsconfig.projen.json' }]);
    expect(tasks.test.steps).toEqual([{ spawn: 'typecheck' }]);
    const devDeps = Object.keys(out['package.json'].devDependencies);
    expect(devDeps).toEqual(expect.arrayContaining(['esbuild', 'typescript', 'projen']));
    expect(devDeps).not.toContain('tsx');
    expect(out['tsconfig.projen.json'].include).toContain('.projenrc.ts');
  });

  test('.env files are ignored by git, the example is not', () => {
    const lines = synth(gitopsProject())['.gitignore'].split('\n');
    expect(lines).toEqual(expect.arrayContaining(['.env', '.env.*', '!.env.example']));
  });

  test('service dependencies go to dependencies, tooling to devDependencies', () => {
    const out = synth(gitopsProject({ deps: ['express@^5'], devDeps: ['eslint@^9'] }));
    expect(out['package.json'].dependencies).toEqual({ express: '^5' });
    expect(out['package.json'].devDependencies.eslint).toBe('^9');
  });

  test('the README lists every generated file with its owner', () => {
    const out = synth(gitopsProject());
    const readme: string = out['README.md'];
    expect(readme).toMatchSnapshot();
    const rows = [...readme.matchAll(/^\| `([^`]+)` \| (managed|seeded|written by automation) \|/gm)].map((m) => [m[1], m[2]]);
    const listed = new Map(rows.map(([file, owner]) => [file, owner]));
    for (const file of Object.keys(out)) {
      expect(listed.has(file)).toBe(true);
    }
    expect(listed.get('Dockerfile')).toBe('managed');
    expect(listed.get('src/server.js')).toBe('seeded');
    expect(listed.get('.projenrc.ts')).toBe('seeded');
  });

  test('readme: false leaves the README to the user', () => {
    const project = gitopsProject({ readme: false });
    fs.writeFileSync(path.join(project.outdir, 'README.md'), '# mine\n');
    expect(synth(project)['README.md']).toBe('# mine\n');
  });

  test('options flow into every file that depends on them', () => {
    const out = synth(gitopsProject({ port: 3000, healthPath: '/ready', imageName: 'acme/orders', defaultBranch: 'trunk', requiredApprovals: 2 }));
    expect(out.Dockerfile).toMatch(/^EXPOSE 3000$/m);
    expect(out['README.md']).toMatch(/`ghcr.io\/acme\/orders`/);
    expect(out['README.md']).toMatch(/`GET \/ready`/);
    expect(out['.github/workflows/container.yml']).toMatch(/images: ghcr.io\/acme\/orders/);
    expect(out['.github/workflows/codeql.yml']).toMatch(/- trunk/);
    expect(out['docs/BRANCH_PROTECTION.md']).toMatch(/# Keeping `trunk` sane/);
    expect(out['docs/BRANCH_PROTECTION.md']).toMatch(/\| Required approvals \| 2 \|/);
  });

  test('synth is deterministic: a second synth writes the same tree', () => {
    const project = gitopsProject();
    project.synth();
    const first = readTree(project.outdir);
    const again = new GitOpsProject({ name: 'orders', outdir: project.outdir });
    again.synth();
    expect(readTree(project.outdir)).toEqual(first);
  });

  test('bad options: every problem at once, and the existing tree is untouched', () => {
    const project = gitopsProject();
    project.synth();
    const before = readTree(project.outdir);
    const bad = new GitOpsProject({ name: 'orders', outdir: project.outdir, port: 0, healthPath: 'healthz', imageName: 'Acme/Orders', requiredApprovals: -1 });
    expect(() => bad.synth()).toThrow(/4 problems in \.projenrc\.ts \(no file was changed\):\n  - port: .*\n  - healthPath: .*\n  - imageName: .*\n  - requiredApprovals: /);
    expect(readTree(project.outdir)).toEqual(before);
  });
});

test('codeScanning: false (a private repository without Advanced Security) drops CodeQL, dependency review and uploads', () => {
  const project = gitopsProject({ codeScanning: false, signImages: false });
  const out = synth(project);
  expect(out['.github/workflows/codeql.yml']).toBeUndefined();
  expect(out['.github/workflows/dependency-review.yml']).toBeUndefined();
  expect(out['.github/workflows/container.yml']).not.toMatch(/upload-sarif|security-events/);
  expect(project.branchProtection.requiredChecks).toEqual(['Build image', 'Generated files are up to date']);
  expect(out['README.md']).not.toMatch(/CodeQL|cosign|Dependency review/);
  expect(out['SECURITY.md']).not.toMatch(/CodeQL|cosign/);
});

test('a name that cannot name a folder, a package and an image is rejected', () => {
  const project = gitopsProject({ name: 'My Service' });
  expect(() => project.synth()).toThrow(/- name: must be lowercase letters, digits, '.', '_' or '-' .* got 'My Service'; try 'my-service'/);
});

describe('misspelt options', () => {
  test('an unknown option is reported with the closest real one', () => {
    const project = gitopsProject({ prot: 3000 } as any);
    expect(() => project.synth()).toThrow(/- prot: is not an option of GitOpsProject; did you mean 'port'\?/);
  });

  test('options inherited from projen (outdir, logging) are known', () => {
    const project = gitopsProject({ logging: {}, commitGenerated: true } as any);
    expect(() => synth(project)).not.toThrow();
  });

  test('a far-off name gets no guess', () => {
    const project = gitopsProject({ zzzzzzzzzz: 1 } as any);
    expect(() => project.synth()).toThrow(/- zzzzzzzzzz: is not an option of GitOpsProject; remove it/);
  });
});

test('a bad default branch is reported once, though several components use it', () => {
  const project = gitopsProject({ defaultBranch: 'a..b' });
  let message = '';
  try {
    project.synth();
  } catch (e) {
    message = (e as Error).message;
  }
  expect(message.match(/must be a git branch name/g)).toHaveLength(1);
});
