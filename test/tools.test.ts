import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { findTool, installHint, toolVersion } from './tools';
import { tempdir } from './util';
import { ACTIONS, CRANE } from '../src/github/actions';

const ROOT = path.join(__dirname, '..');
const TOOLS = JSON.parse(fs.readFileSync(path.join(ROOT, 'scripts', 'tools.json'), 'utf-8'));

/** jest over the fixture test whose tool is missing (an empty tool cache), as a user would run it. */
function runFixture(env: Record<string, string>) {
  const jest = path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
  const { CI: _ci, ...rest } = process.env;
  return spawnSync(process.execPath, [jest, '--coverage=false', '--ci', '--testMatch', '<rootDir>/test/fixtures/needs-tool.fixture.ts', '--testPathIgnorePatterns', '/node_modules/'], {
    cwd: ROOT, encoding: 'utf-8', env: { ...rest, PROJEN_GITOPS_TOOLS_CACHE: tempdir('gitops-no-tools-'), ...env },
  });
}

describe('a missing tool', () => {
  test('skips the tests that need it, warns, and counts them at the end', () => {
    const result = runFixture({});
    const output = result.stdout + result.stderr;
    expect(result.status).toBe(0);
    expect(output).toMatch(/SKIPPED: test "a test that needs zizmor": zizmor is not installed \(bash scripts\/install-tools\.sh/);
    expect(output).toMatch(/SKIPPED: tests in "a block that needs zizmor"/);
    // describeUnless: the caller's reason, counted under the tool it names.
    expect(output).toMatch(/SKIPPED: tests in "a block that needs a built tool": \/cache\/kube-scheduler not built \(bash scripts\/build-kube-apiserver\.sh\); under CI=true this fails/);
    expect(output).toMatch(/Tests: +4 skipped, 2 passed, 6 total/);
    expect(output).toMatch(/Tools missing: 4 tests skipped \(kube-scheduler: 1 skipped; zizmor: 3 skipped, 1 ran without its checks\)/);
  });

  test('fails them under CI=true', () => {
    const result = runFixture({ CI: 'true' });
    const output = result.stdout + result.stderr;
    expect(result.status).toBe(1);
    expect(output).toMatch(/zizmor not installed, and CI=true: a missing tool fails under CI/);
    expect(output).toMatch(/kube-scheduler is missing, and CI=true: a missing tool fails under CI \(\/cache\/kube-scheduler not built/);
    expect(output).toMatch(/Tests: +4 failed, 1 passed, 5 total/);
  });
});

describe('the tool table', () => {
  test('every tool in scripts/tools.json has a row in docs/testing.md with its version', () => {
    const doc = fs.readFileSync(path.join(ROOT, 'docs', 'testing.md'), 'utf-8');
    for (const name of [...Object.keys(TOOLS.pypi), ...Object.keys(TOOLS.go), ...Object.keys(TOOLS.built)]) {
      expect(doc).toMatch(new RegExp(`^\\| ${name} \\| ${toolVersion(name)!.replace(/\./g, '\\.')} \\|`, 'm'));
    }
    for (const pkg of Object.values<string>(TOOLS.debian)) expect(doc).toContain(pkg);
  });

  test('the cosign the tests build is the one the generated workflows install', () => {
    expect(`v${toolVersion('cosign')}`).toBe(ACTIONS.cosignInstaller.tool.version);
    expect(installHint('cosign')).toMatch(/^bash scripts\/build-sigstore\.sh \(cosign /);
    // ...and the crane the pin-base-images workflow installs.
    expect(`v${toolVersion('crane')}`).toBe(CRANE.version);
  });

  test('an unknown tool is a mistake in the test, not a skip', () => {
    expect(() => findTool('not-a-tool')).toThrow(/not-a-tool is not in scripts\/tools.json/);
    expect(installHint('shellcheck')).toMatch(/apt-get install shellcheck/);
  });
});
