/**
 * The generated renovate.json (self-hosted Renovate as the fleet engine), checked by Renovate
 * itself: its validator (--strict), and a dry run (`--platform=local --dry-run=extract`) over
 * the generated repository that must extract the template dependency under the ring's rule.
 */
process.env.PROJEN_DISABLE_POST = 'true'; // no npm install in unit tests

import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { GitOpsProject, GitOpsProjectOptions, TemplateDefaults } from '../../src';
import { synth, tempdir } from '../util';

const ROOT = path.join(__dirname, '..', '..');
const VERSION = /RENOVATE_VERSION=(\S+)/.exec(fs.readFileSync(path.join(ROOT, 'scripts/install-renovate.sh'), 'utf8'))![1];
const BIN = path.join(os.homedir(), '.cache', 'projen-gitops-tools', `renovate-${VERSION}`, 'node_modules', '.bin');
const installed = fs.existsSync(path.join(BIN, 'renovate'));
if (!installed) {
  const message = `renovate ${VERSION} not installed: generated renovate.json checks skipped (bash scripts/install-renovate.sh)`;
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(message);
}
const env = {
  ...process.env,
  NODE_OPTIONS: Number(process.versions.node.split('.')[0]) < 24 ? `--require ${path.join(__dirname, '..', 'renovate-node20.js')}` : '',
  LOG_LEVEL: 'warn',
};

const ACME: TemplateDefaults = { template: '@acme/gitops-template', version: '1.0.0', ring: 'early' };
class AcmeProject extends GitOpsProject {
  constructor(options: GitOpsProjectOptions) {
    super({ ...options, templateDefaults: ACME });
  }
}

/** A repository made from the template, with Renovate on, written to disk and committed. */
function repository(options: Partial<GitOpsProjectOptions> = {}): string {
  const dir = tempdir('renovate-repo-');
  new AcmeProject({ name: 'orders', outdir: dir, renovate: true, devDeps: ['@acme/gitops-template@^1.0.0'], ...options }).synth();
  execFileSync('git', ['init', '-q'], { cwd: dir });
  execFileSync('git', ['add', '.'], { cwd: dir });
  return dir;
}

describe('renovate.json (self-hosted Renovate)', () => {
  test('the ring is the release-age rule; synth runs after the bump; only the template and projen-gitops', () => {
    const out = synth(new AcmeProject({ name: 'orders', outdir: tempdir(), renovate: true }));
    const config = out['renovate.json'];
    expect(config.packageRules[0]).toEqual({ matchPackageNames: ['*'], enabled: false });
    expect(config.packageRules[1]).toMatchObject({
      matchPackageNames: ['@acme/gitops-template', 'projen-gitops'],
      enabled: true,
      minimumReleaseAge: '2 days',
      postUpgradeTasks: { commands: ['npm ci --no-audit --no-fund', 'npx projen', 'npx projen'], executionMode: 'branch' },
    });
    expect(synth(new AcmeProject({ name: 'orders', outdir: tempdir(), renovate: true, ring: 'canary' }))['renovate.json'].packageRules[1].minimumReleaseAge).toBeUndefined();
    expect(synth(new AcmeProject({ name: 'orders', outdir: tempdir() }))['renovate.json']).toBeUndefined();
  });

  (installed ? test : test.skip)('Renovate\'s validator accepts it (strict) and rejects a known-bad copy', () => {
    const dir = repository({ ring: 'late' });
    const ok = spawnSync(path.join(BIN, 'renovate-config-validator'), ['--strict', 'renovate.json'], { cwd: dir, env, encoding: 'utf8' });
    expect(ok.stdout + ok.stderr).not.toMatch(/ERROR/);
    expect(ok.status).toBe(0);
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'renovate.json'), 'utf8'));
    // A misspelt option (Renovate's validator names it).
    config.enabledManager = config.enabledManagers;
    delete config.enabledManagers;
    fs.writeFileSync(path.join(dir, 'renovate.json'), JSON.stringify(config));
    const bad = spawnSync(path.join(BIN, 'renovate-config-validator'), ['--strict', 'renovate.json'], { cwd: dir, env, encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    expect(bad.stdout + bad.stderr).toMatch(/Invalid configuration option: enabledManager/);
  }, 120_000);

  (installed ? test : test.skip)('a dry run extracts the template dependency from package.json', () => {
    const dir = repository();
    fs.writeFileSync(path.join(dir, 'global.json'), '{}');
    const report = path.join(dir, 'report.json');
    const run = spawnSync(path.join(BIN, 'renovate'), ['--platform=local', '--dry-run=extract', '--report-type=file', `--report-path=${report}`],
      { cwd: dir, env: { ...env, RENOVATE_CONFIG_FILE: path.join(dir, 'global.json') }, encoding: 'utf8' });
    expect(fs.existsSync(report) ? '' : `${run.stdout}\n${run.stderr}`).toBe('');
    const repos = JSON.parse(fs.readFileSync(report, 'utf8')).repositories;
    const deps = Object.values(repos).flatMap((r: any) => Object.values(r.packageFiles).flat()
      .flatMap((f: any) => f.deps.map((d: any) => ({ ...d, packageFile: f.packageFile }))));
    const template = deps.find((d: any) => d.depName === '@acme/gitops-template');
    expect(template).toMatchObject({ depName: '@acme/gitops-template', currentValue: '^1.0.0', datasource: 'npm', depType: 'devDependencies', packageFile: 'package.json' });
  }, 180_000);
});
