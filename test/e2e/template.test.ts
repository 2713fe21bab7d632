/**
 * A company template, start to end, against a real npm registry (verdaccio on 127.0.0.1, with
 * htpasswd auth: installing our packages needs a token): this build of projen-gitops is
 * published to it; `projen-gitops template` starts `@acme/gitops-template`, which is built with
 * jsii and published; repositories are bootstrapped from it with `projen new --from` and with
 * the wizard; the company defaults are in effect and shown; a fresh clone installs with the
 * token from the environment and not without it. Needs `npx projen compile && npx projen
 * package:js`, and verdaccio (`bash scripts/install-verdaccio.sh`).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { ok, Registry, startRegistry, verdaccioPresent } from './registry';
import { ROOT, run } from '../../scripts/bootstrap';
import { projenVersion } from '../../src/cli/create';

const CLI = path.join(ROOT, 'lib', 'cli', 'main.js');
const PROJEN = path.join(ROOT, 'node_modules', 'projen', 'bin', 'projen');

const describeWithRegistry = verdaccioPresent('the company template e2e') ? describe : describe.skip;

/** Seconds each step took, printed at the end (the commands a platform team runs). */
const timings: Array<[string, number]> = [];
function timed<T>(what: string, action: () => T): T {
  const started = Date.now();
  try {
    return action();
  } finally {
    timings.push([what, (Date.now() - started) / 1000]);
  }
}

describeWithRegistry('a company template published to a private npm registry', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-template-e2e-'));
  let version = '';
  let registry = '';
  let token = '';
  let npm: Registry | undefined;
  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => npm!.env(extra);
  const templateDir = path.join(work, 'gitops-template');
  let templateVersion = '';

  beforeAll(async () => {
    npm = await startRegistry(work);
    ({ url: registry, token, gitopsVersion: version } = npm);
    expect(token).toBeTruthy();
  }, 300_000);

  afterAll(() => {
    npm?.stop();
    console.log(`Timings (s):\n${timings.map(([what, s]) => `  ${s.toFixed(1).padStart(6)}  ${what}`).join('\n')}`);
    if (process.env.KEEP_E2E) console.log(`kept ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
  });

  test('the registry refuses our packages without a token', () => {
    const anonymous = path.join(work, 'anonymous-npmrc');
    fs.writeFileSync(anonymous, `registry=${registry}\n`);
    const result = run('npm', ['view', `projen-gitops@${version}`, 'version'], work, { NPM_CONFIG_USERCONFIG: anonymous, npm_config_userconfig: anonymous });
    expect(result.status).not.toBe(0);
    expect(`${result.stdout}${result.stderr}`).toMatch(/E401|E403|unauthorized|authenticat/i);
  });

  test('one command starts the template package; it builds with jsii and is published', () => {
    const created = timed('npx projen-gitops template gitops-template --name @acme/gitops-template ...', () => ok(process.execPath, [CLI, 'template', templateDir,
      '--name', '@acme/gitops-template',
      '--npm-registry-url', registry,
      '--all-packages-from-registry',
      '--image-registry', 'registry.acme.example',
      '--base-image-mirror', 'mirror.acme.example/hub',
      '--from', `projen-gitops@${version}`], work, env()));
    expect(created.stdout).toMatch(/Done: /);
    const pkg = JSON.parse(fs.readFileSync(path.join(templateDir, 'package.json'), 'utf-8'));
    expect(pkg.peerDependencies['projen-gitops']).toBe(`^${version}`);
    expect(fs.readFileSync(path.join(templateDir, '.github/workflows/release.yml'), 'utf-8')).toMatch(/NPM_TOKEN: \$\{\{ secrets\.NPM_TOKEN \}\}/);

    // What a platform engineer edits: the company's environments and runners.
    const index = path.join(templateDir, 'src', 'index.ts');
    fs.writeFileSync(index, fs.readFileSync(index, 'utf-8')
      .replace("environments: [{ name: 'dev' }, { name: 'staging' }, { name: 'prod' }]", "environments: [{ name: 'qa' }, { name: 'live' }]")
      .replace("runsOn: 'ubuntu-24.04'", "runsOn: 'acme-runners'"));
    expect(fs.readFileSync(index, 'utf-8')).toMatch(/name: 'qa'/);
    expect(fs.readFileSync(index, 'utf-8')).toMatch(/runsOn: 'acme-runners'/);
    timed('npx projen build (template: jsii, its tests, package)', () => ok('npx', ['projen', 'build'], templateDir, env()));
    const built = fs.readdirSync(path.join(templateDir, 'dist', 'js')).find((f) => f.endsWith('.tgz'))!;
    templateVersion = JSON.parse(fs.readFileSync(path.join(templateDir, 'package.json'), 'utf-8')).version;
    timed('npm publish dist/js/*.tgz (template)', () => ok('npm', ['publish', path.join('dist', 'js', built), '--registry', registry], templateDir, env()));
  }, 1_800_000);

  /** The company defaults, as a repository made from the template shows them. */
  function expectCompanyDefaults(dir: string, owners: string) {
    const rc = fs.readFileSync(path.join(dir, '.projenrc.ts'), 'utf-8');
    expect(rc).toMatch(/^import \{ AcmeGitOpsProject \} from "@acme\/gitops-template";$/m);
    // Each default in the comments, as the template sets it (not ours), written as TypeScript.
    const shown = (line: string) => expect(rc).toContain(`\n  // ${line},  /* default of @acme/gitops-template */\n`);
    shown('requiredApprovals: 2');
    shown('registry: "registry.acme.example"');
    shown('baseImageMirror: "mirror.acme.example/hub"');
    shown(`npmRegistry: { url: "${registry}", tokenSecret: "NPM_TOKEN" }`);
    shown('codeOwners: ["@acme/platform"]');
    shown('environments: [{ name: "qa" }, { name: "live" }]');
    shown('runsOn: "acme-runners"');
    shown('scanSeverity: "HIGH"');
    expect(rc).not.toMatch(/requiredApprovals: 1\b/);
    expect(rc).not.toMatch(/runsOn: "ubuntu/);
    // ... and in effect: every job on the company's runners, the company's scan severity.
    for (const workflow of ['container.yml', 'drift.yml', 'upgrade.yml']) {
      const jobs = Object.entries<any>(parse(fs.readFileSync(path.join(dir, '.github', 'workflows', workflow), 'utf-8')).jobs);
      expect(jobs.length).toBeGreaterThan(0);
      for (const [id, job] of jobs) expect([workflow, id, job['runs-on']]).toEqual([workflow, id, 'acme-runners']);
    }
    expect(fs.readFileSync(path.join(dir, '.github', 'workflows', 'container.yml'), 'utf-8')).toMatch(/severity: CRITICAL,HIGH$/m);
    const rulesets = fs.readdirSync(path.join(dir, '.github', 'rulesets')).map((f) => fs.readFileSync(path.join(dir, '.github', 'rulesets', f), 'utf-8')).join();
    expect(rulesets).toMatch(/"required_approving_review_count": 2/);
    expect(fs.readFileSync(path.join(dir, '.github', 'CODEOWNERS'), 'utf-8')).toMatch(new RegExp(`^\\* ${owners.replace('/', '\\/')}$`, 'm'));
    expect(fs.readdirSync(path.join(dir, 'deploy', 'environments')).sort()).toEqual(['live', 'qa']);
    expect(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf-8')).toMatch(/mirror\.acme\.example\/hub\/docker\.io\/library\/node:22-trixie-slim/);
    expect(fs.readFileSync(path.join(dir, '.github', 'workflows', 'container.yml'), 'utf-8')).toMatch(/registry\.acme\.example/);
    expect(fs.readFileSync(path.join(dir, '.npmrc'), 'utf-8')).toMatch(new RegExp(`^registry=${registry}$`, 'm'));
    expect(fs.readFileSync(path.join(dir, '.npmrc'), 'utf-8')).not.toContain(token);
    const drift = parse(fs.readFileSync(path.join(dir, '.github', 'workflows', 'drift.yml'), 'utf-8'));
    expect(drift.jobs.drift.steps.find((s: any) => /npm ci/.test(s.run ?? '')).env).toEqual({ NODE_AUTH_TOKEN: '${{ secrets.NPM_TOKEN }}' });
    expect(parse(fs.readFileSync(path.join(dir, '.github', 'dependabot.yml'), 'utf-8')).registries['npm-private'].url).toBe(registry);
    expect(fs.readFileSync(path.join(dir, 'README.md'), 'utf-8')).toMatch(new RegExp(`company template \`@acme/gitops-template\` ${templateVersion.replace(/\./g, '\\.')}`));
    // Nothing in the repository holds the token.
    expect(spawnSync('git', ['grep', '-l', token], { cwd: dir, encoding: 'utf-8' }).stdout).toBe('');
  }

  test('projen new --from the template: every company default in effect and shown; the team option taken', () => {
    const dir = path.join(work, 'orders');
    fs.mkdirSync(dir);
    timed('npx projen new --from @acme/gitops-template --repository acme/orders --team payments', () => ok(process.execPath, [PROJEN, 'new', '--from', `@acme/gitops-template@${templateVersion}`,
      '--projen-version', projenVersion(), '--repository', 'acme/orders', '--team', 'payments'], dir, env()));
    expectCompanyDefaults(dir, '@acme/payments');

    // Every option left commented (the template's defaults among them) works once uncommented,
    // in a template's repository too: enums are written as members and imported.
    const rcPath = path.join(dir, '.projenrc.ts');
    const commented = /^(\s*)\/\/ (\w+: .*,)\s+\/\*.*\*\/$/gm;
    const rc = fs.readFileSync(rcPath, 'utf-8');
    expect(rc.match(commented)?.length).toBeGreaterThanOrEqual(10);
    fs.writeFileSync(rcPath, rc.replace(commented, '$1$2'));
    expect(fs.readFileSync(rcPath, 'utf-8')).toMatch(/^ {2}runtime: Runtime\.NODE,/m);
    timed('npx projen (re-synth, every commented option uncommented)', () => ok('npx', ['projen'], dir, env()));
    ok('npx', ['projen', 'typecheck'], dir, env());
    ok('git', ['commit', '-qam', 'uncommented'], dir, env());
    expectFreshCloneInstalls(dir, 'orders');
  });

  /** A fresh clone installs from the registry with the token from the environment, and not without. */
  function expectFreshCloneInstalls(dir: string, name: string) {
    const clone = path.join(work, `${name}-clone`);
    ok('git', ['clone', '-q', dir, clone], work, env());
    const bare = path.join(work, 'no-token-npmrc');
    fs.writeFileSync(bare, '');
    const fresh = (cache: string, extra: NodeJS.ProcessEnv) => ({ NPM_CONFIG_USERCONFIG: bare, npm_config_userconfig: bare, npm_config_cache: path.join(work, `${name}-${cache}`), NODE_AUTH_TOKEN: '', ...extra });
    const refused = run('npm', ['ci', '--no-audit', '--no-fund'], clone, fresh('cache-a', {}));
    expect(refused.status).not.toBe(0);
    expect(`${refused.stdout}${refused.stderr}`).toMatch(/E401|E403|E404|unauthorized|authenticat/i);
    timed(`npm ci in a fresh clone of ${name} (token in NODE_AUTH_TOKEN, empty npm cache)`, () => ok('npm', ['ci', '--no-audit', '--no-fund'], clone, fresh('cache-b', { NODE_AUTH_TOKEN: token })));
    expect(fs.existsSync(path.join(clone, 'node_modules', '@acme', 'gitops-template', '.jsii'))).toBe(true);
  }

  test('projen new --from the template without --team: the template\'s own code owners take effect', () => {
    const dir = path.join(work, 'ledger');
    fs.mkdirSync(dir);
    timed('npx projen new --from @acme/gitops-template --repository acme/ledger (no --team)', () => ok(process.execPath, [PROJEN, 'new', '--from', `@acme/gitops-template@${templateVersion}`,
      '--projen-version', projenVersion(), '--repository', 'acme/ledger'], dir, env()));
    expect(fs.readFileSync(path.join(dir, '.projenrc.ts'), 'utf-8')).not.toMatch(/^ {2}(team|codeOwners): /m);
    expectCompanyDefaults(dir, '@acme/platform');
    expect(fs.readFileSync(path.join(dir, '.github', 'CODEOWNERS'), 'utf-8')).not.toMatch(/@acme\/(payments|billing)/);
  });

  test('the wizard with --from the template: asks nothing with --yes, writes no default of ours, adds services', () => {
    const dir = path.join(work, 'billing');
    const result = timed('npx projen-gitops new billing --yes --from @acme/gitops-template --services worker:python', () => ok(process.execPath, [CLI, 'new', dir, '--yes',
      '--from', `@acme/gitops-template@${templateVersion}`, '--repository', 'acme/billing', '--services', 'worker:python', '--team', 'billing'], work, env()));
    expect(result.stdout).toMatch(/✓ added worker \(python\) in services\//);
    const rc = fs.readFileSync(path.join(dir, '.projenrc.ts'), 'utf-8');
    // Only what was answered is written: the template's defaults stay defaults.
    expect(rc).not.toMatch(/^ {2}(requiredApprovals|port|healthPath|registry|codeOwners): /m);
    expect(rc).toMatch(/^ {2}services: \[\{ name: "worker", runtime: Runtime\.PYTHON \}\],$/m);
    expect(rc).toMatch(/^ {2}team: "billing",$/m);
    expectCompanyDefaults(dir, '@acme/billing');
    // A naive default cannot give the Python service a Node.js base: the mirror applies per runtime.
    const worker = fs.readFileSync(path.join(dir, 'services', 'worker', 'Dockerfile'), 'utf-8');
    expect(worker).toMatch(/mirror\.acme\.example\/hub\/docker\.io\/library\/python:3\.12-slim-trixie/);
    expect(worker).not.toMatch(/library\/node/);
    expectFreshCloneInstalls(dir, 'billing');
  });

  // Needs the nested option checks of the `options` branch (src/core/known-options.ts).
  test('a misspelt nested option fails synth, naming it', () => {
    const dir = path.join(work, 'billing');
    const rcPath = path.join(dir, '.projenrc.ts');
    fs.writeFileSync(rcPath, fs.readFileSync(rcPath, 'utf-8').replace('{ name: "worker", runtime: Runtime.PYTHON }', '{ name: "worker", runtme: Runtime.PYTHON }'));
    const result = run('npx', ['projen'], dir, env());
    expect(result.status).not.toBe(0);
    expect(`${result.stdout}${result.stderr}`).toMatch(/services\[0\]\.runtme/);
    expect(spawnSync('git', ['status', '--porcelain'], { cwd: dir, encoding: 'utf-8' }).stdout.trim()).toBe('M .projenrc.ts');
  });
});
