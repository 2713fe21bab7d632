/**
 * A company template compiled by the real jsii, used by plain Node: its own option is accepted,
 * a misspelt one is reported against the template, and the checked-in fixture
 * (test/fixtures/acme-template) is what jsii makes of its source. Needs `npx projen compile`
 * first (the template is compiled against this checkout's .jsii and lib/).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'acme-template');

describe('a jsii template extending GitOpsProject', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'acme-jsii-'));
  const pkg = path.join(dir, 'node_modules', '@acme', 'gitops-template');

  beforeAll(() => {
    if (!fs.existsSync(path.join(ROOT, '.jsii')) || !fs.existsSync(path.join(ROOT, 'lib', 'index.js'))) throw new Error('run `npx projen compile` first');
    fs.mkdirSync(path.join(pkg, 'src'), { recursive: true });
    fs.mkdirSync(path.join(pkg, 'node_modules', '@types'), { recursive: true });
    fs.copyFileSync(path.join(FIXTURE, 'package.json'), path.join(pkg, 'package.json'));
    fs.copyFileSync(path.join(FIXTURE, 'src', 'index.ts.txt'), path.join(pkg, 'src', 'index.ts'));
    // The template's peers: this checkout, and its projen and constructs.
    fs.mkdirSync(path.join(dir, 'node_modules', '@types'), { recursive: true });
    fs.symlinkSync(ROOT, path.join(dir, 'node_modules', 'projen-gitops'));
    for (const dep of ['projen', 'constructs', '@types/node']) fs.symlinkSync(path.join(ROOT, 'node_modules', dep), path.join(dir, 'node_modules', dep));
    const jsii = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'jsii', 'bin', 'jsii'), '--silence-warnings=reserved-word'], {
      cwd: pkg, encoding: 'utf-8', env: { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' },
    });
    if (jsii.status !== 0) throw new Error(`jsii failed:\n${jsii.stdout}\n${jsii.stderr}`);
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('the checked-in fixture is what jsii makes of its source', () => {
    const types = (file: string) => {
      const t = JSON.parse(fs.readFileSync(file, 'utf-8')).types;
      return Object.fromEntries(Object.entries(t).map(([fqn, type]: [string, any]) => [fqn, {
        interfaces: type.interfaces,
        properties: type.properties?.map((p: any) => [p.name, p.type, !!p.optional]),
        initializer: type.initializer?.parameters?.map((p: any) => p.type),
      }]));
    };
    expect(types(path.join(pkg, '.jsii'))).toEqual(types(path.join(FIXTURE, '.jsii')));
  });

  test('in plain Node (the template found through require.cache): its option is accepted, a misspelt one reported', () => {
    const script = `
      process.env.PROJEN_DISABLE_POST = 'true';
      const fs = require('fs'), os = require('os'), path = require('path');
      const { AcmeProject } = require(${JSON.stringify(pkg)});
      const out = () => fs.mkdtempSync(path.join(os.tmpdir(), 'acme-out-'));
      const acme = new AcmeProject({ name: 'orders', outdir: out(), team: 'payments' });
      console.log('team=' + acme.team);
      try { new AcmeProject({ name: 'orders', outdir: out(), teem: 'payments', services: [{ name: 'w', runtme: 'go' }] }).synth(); } catch (e) { console.log(e.message); }
    `;
    // From a folder that is not the project, loaded by its path: only the loaded module can lead to its package.
    const env = { ...process.env };
    delete env.NODE_PATH;
    const result = spawnSync(process.execPath, ['-e', script], { cwd: os.tmpdir(), encoding: 'utf-8', env });
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('team=payments');
    expect(result.stdout).toMatch(/2 problems in \.projenrc\.ts \(no file was changed\):\n {2}- teem: is not an option of AcmeProject; did you mean 'team'\?\n {2}- services\[0\]\.runtme: is not an option of ServiceOptions; did you mean 'runtime'\?/);
  });
});
