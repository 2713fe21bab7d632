/**
 * A template release reaches repositories by pull request, in rings, end to end (issue 21):
 * a real npm registry (verdaccio on 127.0.0.1), real git (a bare origin per repository), the
 * fake GitHub API (request bodies and answers checked against GitHub's REST description).
 *
 * Template 1.0.0 (made with `projen-gitops template`, built with jsii) is published; three
 * repositories are made from it with `projen new --from` (orders in ring canary, billing in
 * the template's ring default, inventory in canary with a hand edit to a managed file);
 * template 1.1.0 raises `requiredApprovals` and renames its option `team` to `owningTeam`
 * (with the migration as data in its package.json). Then the upgrade workflow's own command
 * runs in each repository, and the template's fleet report workflow's command over all three.
 * Needs `npx projen compile && npx projen package:js`, and verdaccio (`bash scripts/install-verdaccio.sh`).
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { ok, Registry, setVersion, startRegistry, verdaccioPresent } from './registry';
import { ROOT, userEnv } from '../../scripts/bootstrap';
import { projenVersion } from '../../src/cli/create';
import { FakeGitHub } from '../fake-github';

const CLI = path.join(ROOT, 'lib', 'cli', 'main.js');
const PROJEN = path.join(ROOT, 'node_modules', 'projen', 'bin', 'projen');
const PKG = '@acme/gitops-template';
const TOPIC = 'acme-gitops-template';
const DAY = 86_400_000;

const describeWithRegistry = verdaccioPresent('the upgrade e2e') ? describe : describe.skip;

/** Seconds each step took, printed at the end. */
const timings: Array<[string, number]> = [];
async function timed<T>(what: string, action: () => T | Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await action();
  } finally {
    timings.push([what, (Date.now() - started) / 1000]);
  }
}

/**
 * A command run without blocking: the fake GitHub API answers from this process, so a command
 * that calls it must not be run with spawnSync.
 */
function runAsync(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: userEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ status: code ?? 1, stdout, stderr }));
  });
}

/** The `run:` and `env:` of the workflow step whose command starts with `command`. */
function workflowStep(file: string, command: string): { run: string; env: Record<string, string> } {
  const workflow = parse(fs.readFileSync(file, 'utf-8'));
  const steps = Object.values<any>(workflow.jobs).flatMap((job) => job.steps);
  const step = steps.find((s) => typeof s.run === 'string' && s.run.startsWith(command));
  if (!step) throw new Error(`${file} has no step running ${command}`);
  return { run: step.run, env: step.env ?? {} };
}

interface Repo {
  readonly name: string;
  readonly dir: string;
  readonly origin: string;
}

describeWithRegistry('a template release reaches every repository by pull request, in rings', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-upgrade-e2e-'));
  const templateDir = path.join(work, 'gitops-template');
  let registry: Registry;
  let fake: FakeGitHub;
  let apiUrl = '';
  const repo = (name: string): Repo => ({ name, dir: path.join(work, name), origin: path.join(work, 'origins', `${name}.git`) });
  const orders = repo('orders');
  const billing = repo('billing');
  const inventory = repo('inventory');
  const env = (extra: NodeJS.ProcessEnv = {}) => registry.env(extra);

  beforeAll(async () => {
    registry = await timed('verdaccio, npm publish projen-gitops', () => startRegistry(work));
    fake = new FakeGitHub('acme/platform');
    apiUrl = await fake.start();
    for (const r of [orders, billing, inventory]) fake.fleet.set(r.name, { name: r.name, topics: [TOPIC], origin: r.origin, private: true });
    // A repository of the organisation not made from the template: not in the report.
    fake.fleet.set('website', { name: 'website', topics: ['docs'] });
  }, 300_000);

  afterAll(async () => {
    registry?.stop();
    await fake?.stop();
    console.log(`Timings (s):\n${timings.map(([what, s]) => `  ${s.toFixed(1).padStart(6)}  ${what}`).join('\n')}`);
    if (process.env.KEEP_E2E) console.log(`kept ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
  });

  /** Builds the template as its release workflow does and publishes it as `version`. */
  async function publishTemplate(version: string) {
    await timed(`npx projen build (template ${version})`, () => ok('npx', ['projen', 'build'], templateDir, env()));
    const built = fs.readdirSync(path.join(templateDir, 'dist', 'js')).find((f) => f.endsWith('.tgz'))!;
    const unpacked = path.join(work, `template-${version}`);
    fs.mkdirSync(unpacked);
    ok('tar', ['-xzf', path.join(templateDir, 'dist', 'js', built), '-C', unpacked, '--strip-components=1'], work);
    // The release workflow bumps the version from the commits; here it is set.
    setVersion(unpacked, version);
    await timed(`npm publish (template ${version})`, () => ok('npm', ['publish', unpacked, '--registry', registry.url], work, env()));
  }

  /** A repository made from the template, pushed to its bare origin. */
  async function bootstrap(r: Repo, args: string[]) {
    fs.mkdirSync(r.dir);
    await timed(`npx projen new --from ${PKG}@1.0.0 (${r.name})`, () => ok(process.execPath, [PROJEN, 'new', '--from', `${PKG}@1.0.0`,
      '--projen-version', projenVersion(), '--repository', `acme/${r.name}`, ...args], r.dir, env()));
    ok('git', ['init', '-q', '--bare', '--initial-branch=main', r.origin], work, env());
    ok('git', ['remote', 'add', 'origin', r.origin], r.dir, env());
    ok('git', ['push', '-q', 'origin', 'main'], r.dir, env());
  }

  /** What the generated upgrade workflow runs, with the environment it sets (the App's token). */
  function runUpgrade(r: Repo, args: string[] = []) {
    const step = workflowStep(path.join(r.dir, '.github', 'workflows', 'upgrade.yml'), 'npx projen-gitops upgrade');
    expect(step.run).toBe('npx projen-gitops upgrade');
    const npmToken = Object.keys(step.env).filter((k) => k !== 'GH_TOKEN' && k !== 'UPGRADE_TOKEN_KIND');
    return runAsync('bash', ['-c', [step.run, ...args].join(' ')], r.dir, env({
      GH_TOKEN: 'good-token',
      UPGRADE_TOKEN_KIND: 'app',
      GITHUB_REPOSITORY: `acme/${r.name}`,
      GITHUB_API_URL: apiUrl,
      ...Object.fromEntries(npmToken.map((k) => [k, registry.token])),
    }));
  }

  /** The drift check of a checkout: synth, then nothing may differ from the commit. */
  function drift(dir: string): 'success' | 'failure' {
    const synth = ok('bash', ['-c', 'npx projen; echo "exit $?"'], dir, env()).stdout;
    const status = ok('git', ['status', '--porcelain'], dir, env()).stdout.trim();
    return /exit 0\s*$/.test(synth) && status === '' ? 'success' : 'failure';
  }

  test('template 1.0.0 is made with projen-gitops template, built with jsii and published', async () => {
    await timed('npx projen-gitops template', () => ok(process.execPath, [CLI, 'template', templateDir,
      '--name', PKG,
      '--npm-registry-url', registry.url,
      '--all-packages-from-registry',
      '--from', `projen-gitops@${registry.gitopsVersion}`], work, env()));
    fs.writeFileSync(path.join(templateDir, 'CHANGELOG.md'), '# Changelog\n\n## 1.0.0\n\n- First release.\n');
    ok('git', ['add', '-A'], templateDir, env());
    ok('git', ['commit', '-qm', 'feat: the company template'], templateDir, env());
    await publishTemplate('1.0.0');
  });

  test('three repositories are made from 1.0.0: orders in ring canary, billing in the default ring, inventory with a hand edit', async () => {
    await bootstrap(orders, ['--team', 'payments', '--ring', 'canary']);
    await bootstrap(billing, ['--team', 'billing']);
    await bootstrap(inventory, ['--team', 'stock', '--ring', 'canary']);
    const facts = (r: Repo) => JSON.parse(fs.readFileSync(path.join(r.dir, '.projen-gitops.json'), 'utf-8'));
    expect(facts(orders)).toMatchObject({ package: PKG, ring: 'canary', waitDays: 0, template: { name: PKG, version: '1.0.0' }, projenGitops: registry.gitopsVersion });
    expect(facts(billing)).toMatchObject({ package: PKG, ring: 'default', waitDays: 5, template: { name: PKG, version: '1.0.0' } });
    expect(fs.readFileSync(path.join(orders.dir, '.projenrc.ts'), 'utf-8')).toMatch(/^ {2}team: "payments",$/m);

    // A hand edit to a managed file, committed: the ruleset's approvals raised in the file itself.
    const ruleset = path.join(inventory.dir, '.github', 'rulesets', 'protect-main.json');
    fs.writeFileSync(ruleset, fs.readFileSync(ruleset, 'utf-8').replace('"required_approving_review_count": 2', '"required_approving_review_count": 4'));
    ok('git', ['commit', '-qam', 'four approvals for inventory'], inventory.dir, env());
    ok('git', ['push', '-q', 'origin', 'main'], inventory.dir, env());

    // The drift check of each default branch, as the fleet report reads it.
    for (const r of [orders, billing, inventory]) {
      const conclusion = await timed(`drift check (${r.name})`, () => drift(r.dir));
      fake.fleet.set(r.name, { ...fake.fleet.get(r.name)!, drift: conclusion });
    }
    expect([orders, billing, inventory].map((r) => fake.fleet.get(r.name)!.drift)).toEqual(['success', 'success', 'failure']);
  });

  test('template 1.1.0 raises requiredApprovals and renames its option team to owningTeam, with the migration as data', async () => {
    const index = path.join(templateDir, 'src', 'index.ts');
    const source = fs.readFileSync(index, 'utf-8');
    expect(source).toMatch(/requiredApprovals: 2,/);
    fs.writeFileSync(index, source
      .replace('requiredApprovals: 2,', 'requiredApprovals: 3,')
      .replace('readonly team?: string;', 'readonly owningTeam?: string;')
      .replace('const { team, ...rest } = options;', 'const { owningTeam: team, ...rest } = options;'));
    const testFile = path.join(templateDir, 'test', 'index.test.ts');
    fs.writeFileSync(testFile, fs.readFileSync(testFile, 'utf-8').replace("team: 'payments'", "owningTeam: 'payments'"));
    // The migration API of a template's author (docs/upgrades.md).
    const rc = path.join(templateDir, '.projenrc.ts');
    fs.writeFileSync(rc, fs.readFileSync(rc, 'utf-8').replace('project.synth();', [
      "project.package.addField('projen-gitops', { migrations: [{ version: '1.1.0', renameOption: { from: 'team', to: 'owningTeam' } }] });",
      'project.synth();',
    ].join('\n')));
    fs.writeFileSync(path.join(templateDir, 'CHANGELOG.md'), '# Changelog\n\n## 1.1.0\n\n- Three approvals on every main branch.\n- The option `team` is now `owningTeam`.\n\n## 1.0.0\n\n- First release.\n');
    ok('git', ['add', '-A'], templateDir, env());
    ok('git', ['commit', '-qm', 'feat!: three approvals; team is owningTeam'], templateDir, env());
    await publishTemplate('1.1.0');
    const view = JSON.parse(ok('npm', ['view', PKG, '--json', 'versions', 'dist-tags'], work, env()).stdout);
    expect(view).toEqual({ 'versions': ['1.0.0', '1.1.0'], 'dist-tags': { latest: '1.1.0' } });
  });

  let ordersBody = '';

  test('the canary repository gets its pull request at once: re-synthesized, every file and reason named, .projenrc.ts migrated', async () => {
    const result = await timed('npx projen-gitops upgrade (orders, canary)', () => runUpgrade(orders));
    expect(`${result.stdout}${result.stderr}`).toMatch(/upgrading @acme\/gitops-template 1\.0\.0 → 1\.1\.0 \(ring canary, waits 0 days\)/);
    expect(result.status).toBe(0);
    const pulls = fake.fleetPulls.get('orders')!;
    expect([...pulls.keys()]).toEqual([1]);
    const pull = pulls.get(1);
    expect(pull).toMatchObject({ title: `Upgrade ${PKG} 1.0.0 → 1.1.0`, head: { ref: 'projen-gitops/upgrade' }, base: { ref: 'main' }, state: 'open' });
    ordersBody = pull.body;
    console.log(`The upgrade pull request of acme/orders:\n${ordersBody}`);
    // What the template changed, and why each file changed.
    expect(ordersBody).toMatch(/default `requiredApprovals`: `2` → `3`/);
    expect(ordersBody).toMatch(/`\.github\/rulesets\/protect-main\.json` \(changed\)/);
    expect(ordersBody).toMatch(/run `GH_TOKEN=\.\.\. npx projen protect`/);
    expect(ordersBody).toMatch(/\*\*The bump of @acme\/gitops-template\*\*\n\n- `package-lock\.json` \(changed\)\n- `package\.json` \(changed\)/);
    expect(ordersBody).toMatch(/- 1\.1\.0: applied: option `team` renamed to `owningTeam` in `\.projenrc\.ts`/);
    expect(ordersBody).toMatch(/- `\.projenrc\.ts` \(changed\): `@acme\/gitops-template@1\.0\.0` → `@acme\/gitops-template@1\.1\.0`; option `team` renamed to `owningTeam` \(migration 1\.1\.0\)\n/);
    expect(ordersBody).toMatch(/### 1\.1\.0\n\n- Three approvals on every main branch\./);
    expect(ordersBody).not.toMatch(/First release/);
    expect(ordersBody).not.toMatch(/workflow token|Synth stopped|needs your edit/);

    // The branch on the origin: migrated, consistent, and its synth is stable.
    ok('git', ['fetch', '-q', 'origin'], orders.dir, env());
    ok('git', ['checkout', '-q', 'origin/projen-gitops/upgrade'], orders.dir, env());
    const rc = fs.readFileSync(path.join(orders.dir, '.projenrc.ts'), 'utf-8');
    expect(rc).toMatch(/^ {2}owningTeam: "payments",$/m);
    expect(rc).not.toMatch(/^ {2}team:/m);
    const manifest = JSON.parse(fs.readFileSync(path.join(orders.dir, 'package.json'), 'utf-8'));
    const lock = JSON.parse(fs.readFileSync(path.join(orders.dir, 'package-lock.json'), 'utf-8'));
    expect(lock.packages[`node_modules/${PKG}`].version).toBe('1.1.0');
    ok('npm', ['ls', PKG], orders.dir, env());
    expect(manifest.devDependencies[PKG]).toMatch(/1\.1\.0/);
    expect(fs.readFileSync(path.join(orders.dir, '.github', 'rulesets', 'protect-main.json'), 'utf-8')).toMatch(/"required_approving_review_count": 3/);
    expect(fs.readFileSync(path.join(orders.dir, '.github', 'CODEOWNERS'), 'utf-8')).toMatch(/^\* @acme\/payments$/m);
    expect(await timed('drift check (orders upgrade branch)', () => drift(orders.dir))).toBe('success');
    ok('git', ['checkout', '-q', 'main'], orders.dir, env());
  });

  test('the later ring waits: billing gets no pull request until its 5 days have passed', async () => {
    const early = await runUpgrade(billing);
    expect(early.status).toBe(0);
    expect(early.stdout).toMatch(/@acme\/gitops-template 1\.1\.0 \(published \d{4}-\d{2}-\d{2}, taken from [^)]+\): younger than ring default's 5 days/);
    expect(early.stdout).toMatch(/1\.0\.0 is the newest release ring default takes/);
    expect(fake.fleetPulls.get('billing')).toBeUndefined();
    expect(ok('git', ['ls-remote', '--heads', billing.origin], work, env()).stdout).not.toMatch(/projen-gitops\/upgrade/);

    const later = new Date(Date.now() + 5 * DAY + 3_600_000).toISOString();
    const result = await timed('npx projen-gitops upgrade --now +5 days (billing, default)', () => runUpgrade(billing, ['--now', later]));
    expect(result.status).toBe(0);
    const pull = fake.fleetPulls.get('billing')!.get(1);
    expect(pull.title).toBe(`Upgrade ${PKG} 1.0.0 → 1.1.0`);
    expect(pull.body).toMatch(/ring `default`: releases are taken 5 days after they are published/);
    expect(pull.body).toMatch(/- 1\.1\.0: applied: option `team` renamed to `owningTeam`/);
    expect(pull.body).toMatch(/default `requiredApprovals`: `2` → `3`/);
  });

  test('a hand edit to a managed file: the pull request still opens, names the file and the ways out, and the job fails', async () => {
    const result = await timed('npx projen-gitops upgrade (inventory, hand edit)', () => runUpgrade(inventory));
    expect(result.status).not.toBe(0);
    expect(result.stdout).toMatch(/synth stopped: hand edits in \.github\/rulesets\/protect-main\.json/);
    const pull = fake.fleetPulls.get('inventory')!.get(1);
    const body: string = pull.body;
    console.log(`The upgrade pull request of acme/inventory:\n${body}`);
    expect(body).toMatch(/\*\*Synth stopped on hand edits\*\*: `\.github\/rulesets\/protect-main\.json` differs from what projen-gitops last wrote/);
    expect(body).toMatch(/its drift check fails/);
    expect(body).toMatch(/add it to `handOver: \[\.\.\.\]`/);
    expect(body).toMatch(/PROJEN_GITOPS_FORCE=1 npx projen/);
    expect(body).toMatch(/<summary>Synth output<\/summary>/);
    // The bump is on the branch, the hand-edited file is as it was.
    const branch = ok('git', ['--git-dir', inventory.origin, 'show', 'projen-gitops/upgrade:.github/rulesets/protect-main.json'], work, env()).stdout;
    expect(branch).toMatch(/"required_approving_review_count": 4/);
    expect(ok('git', ['--git-dir', inventory.origin, 'show', 'projen-gitops/upgrade:package-lock.json'], work, env()).stdout).toMatch(/"version": "1\.1\.0"/);
  });

  test('the fleet report over the three repositories: versions, rings, drift and the open upgrade pull requests', async () => {
    const step = workflowStep(path.join(templateDir, '.github', 'workflows', 'fleet-report.yml'), 'npx projen-gitops fleet');
    expect(step.run).toBe(`npx projen-gitops fleet --org "$ORG" --topic ${TOPIC} --issue "$REPOSITORY" --cache .projen-gitops-fleet-cache.json`);
    const result = await timed('npx projen-gitops fleet', () => runAsync('bash', ['-c', step.run], templateDir, env({
      GH_TOKEN: 'good-token',
      FLEET_ISSUE_TOKEN: 'good-token',
      ORG: 'acme',
      REPOSITORY: 'acme/platform',
      GITHUB_API_URL: apiUrl,
    })));
    expect(result.status).toBe(0);
    expect(fake.responseErrors).toEqual([]);
    const issues = [...fake.issues.values()];
    expect(issues).toHaveLength(1);
    const table: string = issues[0].body;
    console.log(`The fleet report:\n${table}`);
    const rows = (text: string) => text.split('\n').filter((l) => /^\| (?!Repository|---)/.test(l));
    const gitops = registry.gitopsVersion;
    // Every repository's main is on 1.0.0; each has its upgrade pull request open; inventory's drift check fails.
    expect(rows(table)).toEqual([
      `| billing | ${PKG} 1.0.0 | ${gitops} | default | ✅ up to date | #1 (0 d) | dev: 0 d, staging: 0 d, prod: 0 d |`,
      `| inventory | ${PKG} 1.0.0 | ${gitops} | canary | ❌ failure | #1 (0 d) | dev: 0 d, staging: 0 d, prod: 0 d |`,
      `| orders | ${PKG} 1.0.0 | ${gitops} | canary | ✅ up to date | #1 (0 d) | dev: 0 d, staging: 0 d, prod: 0 d |`,
    ]);
    expect(table).toMatch(/^3 repositories with topic `acme-gitops-template`, .* Drift failing: 1; upgrade pull requests open: 3\.$/m);
    expect(table).toMatch(/^Versions: @acme\/gitops-template 1\.0\.0 \(3\)$/m);
    expect(result.stdout).toContain(rows(table)[0]);
    expect(table).not.toMatch(/website/);

    // orders' pull request is merged; the next scheduled report shows it on 1.1.0, updated in
    // place, and the repositories that did not change are answered 304 from the kept ETags.
    ok('git', ['push', '-q', 'origin', 'origin/projen-gitops/upgrade:refs/heads/main'], orders.dir, env());
    Object.assign(fake.fleetPulls.get('orders')!.get(1), { state: 'closed' });
    const before = fake.notModified;
    const again = await timed('npx projen-gitops fleet (again, with the cache)', () => runAsync('bash', ['-c', step.run], templateDir, env({
      GH_TOKEN: 'good-token',
      FLEET_ISSUE_TOKEN: 'good-token',
      ORG: 'acme',
      REPOSITORY: 'acme/platform',
      GITHUB_API_URL: apiUrl,
    })));
    expect(again.status).toBe(0);
    expect([...fake.issues.values()]).toHaveLength(1);
    const updated: string = [...fake.issues.values()][0].body;
    console.log(`The fleet report after orders' upgrade was merged:\n${updated}`);
    expect(rows(updated)).toContain(`| orders | ${PKG} 1.1.0 | ${gitops} | canary | ✅ up to date | — | dev: 0 d, staging: 0 d, prod: 0 d |`);
    expect(updated).toMatch(/^Versions: @acme\/gitops-template 1\.0\.0 \(2\), @acme\/gitops-template 1\.1\.0 \(1\)$/m);
    expect(fake.notModified - before).toBeGreaterThan(0);
    expect(fake.responseErrors).toEqual([]);
  });
});
