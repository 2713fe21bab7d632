/**
 * `projen-gitops upgrade` against real git (a bare origin), the fake GitHub API (request bodies
 * checked against GitHub's REST description) and the real projen-gitops synth: the "template"
 * is a TemplateDefaults object chosen by the version installed in node_modules, as a template
 * package's class would pass it. npm itself is replaced by two functions (view and install);
 * test/e2e covers the real registry.
 */
process.env.PROJEN_DISABLE_POST = 'true'; // no npm install in unit tests

import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { GitOpsProject, TemplateDefaults } from '../../src';
import { applyMigrations, bumpSpec, changedDefaults, chooseVersion, handEditedFiles, NpmView, pinChanges, releaseNotes, upgrade, UpgradeError, upgradeOptions, UpgradeOptions } from '../../src/cli/upgrade';
import { FakeGitHub } from '../fake-github';
import { tempdir } from '../util';

const PKG = '@acme/gitops-template';
const DAY = 86_400_000;
const NOW = new Date('2026-12-03T12:00:00Z');

/** What each template release sets: 1.1.0 raises the approvals (a ruleset change) and the scan severity. */
const RELEASES: Record<string, TemplateDefaults> = {
  '1.0.0': { template: PKG, version: '1.0.0', ring: 'early', requiredApprovals: 1 },
  '1.1.0': { template: PKG, version: '1.1.0', ring: 'early', requiredApprovals: 2, options: { scanSeverity: 'HIGH' } },
  '1.2.0': { template: PKG, version: '1.2.0', ring: 'early', requiredApprovals: 3 },
};

const CHANGELOG = [
  '# Changelog',
  '',
  '## [1.2.0] - 2026-12-03',
  '- Three approvals.',
  '',
  '## [1.1.0] - 2026-11-30',
  '- Two approvals by default: rulesets change, run `npx projen protect`.',
  '- Images fail on HIGH vulnerabilities.',
  '',
  '## [1.0.0] - 2026-11-01',
  '- First release.',
  '',
].join('\n');

const VIEW: NpmView = {
  'versions': ['1.0.0', '1.1.0', '1.2.0', '2.0.0'],
  'time': {
    '1.0.0': new Date(NOW.getTime() - 30 * DAY).toISOString(),
    '1.1.0': new Date(NOW.getTime() - 3 * DAY).toISOString(),
    '1.2.0': new Date(NOW.getTime() - 1 * DAY).toISOString(),
    '2.0.0': new Date(NOW.getTime() - 20 * DAY).toISOString(),
  },
  'dist-tags': { latest: '2.0.0' },
};

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf-8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } });
}

function installed(dir: string): string {
  return JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', PKG, 'package.json'), 'utf-8')).version;
}

/** What `npm install` leaves: the package in node_modules with its CHANGELOG. */
function install(dir: string, version: string) {
  const root = path.join(dir, 'node_modules', PKG);
  fs.mkdirSync(root, { recursive: true });
  // 1.1.0 renamed its option `approvals` to `requiredApprovals`: the migration ships as data.
  fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ 'name': PKG, version, 'projen-gitops': { migrations: [{ version: '1.1.0', renameOption: { from: 'approvals', to: 'requiredApprovals' } }] } }));
  fs.writeFileSync(path.join(root, 'CHANGELOG.md'), CHANGELOG);
  fs.writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify({ name: 'orders', lockfileVersion: 3, packages: { [`node_modules/${PKG}`]: { version } } }, undefined, 2));
}

/** The real synth of the repository, with the defaults of the template version installed. */
function synthIn(dir: string) {
  return () => {
    try {
      new GitOpsProject({ name: 'orders', outdir: dir, repository: 'acme/orders', devDeps: [`${PKG}@^1.0.0`], templateDefaults: RELEASES[installed(dir)] }).synth();
      return { status: 0, output: '' };
    } catch (error) {
      return { status: 1, output: (error as Error).message };
    }
  };
}

/** A repository made from template 1.0.0, pushed to a bare origin. */
function bootstrap(): { dir: string; origin: string } {
  const root = tempdir('upgrade-');
  const origin = path.join(root, 'origin.git');
  const dir = path.join(root, 'orders');
  fs.mkdirSync(dir);
  git(root, 'init', '--quiet', '--bare', '--initial-branch=main', origin);
  git(dir, 'init', '--quiet', '--initial-branch=main');
  install(dir, '1.0.0');
  expect(synthIn(dir)()).toEqual({ status: 0, output: '' });
  // The repository's own .projenrc.ts, with the option 1.1.0 renames.
  fs.writeFileSync(path.join(dir, '.projenrc.ts'), 'import { AcmeProject } from "@acme/gitops-template";\nconst project = new AcmeProject({\n  name: "orders",\n  approvals: 2,\n});\nproject.synth();\n');
  git(dir, 'add', '--all');
  git(dir, 'commit', '--quiet', '-m', 'bootstrap from template 1.0.0');
  git(dir, 'remote', 'add', 'origin', origin);
  git(dir, 'push', '--quiet', 'origin', 'main');
  return { dir, origin };
}

describe('projen-gitops upgrade', () => {
  let fake: FakeGitHub;
  let apiUrl: string;
  beforeEach(async () => {
    fake = new FakeGitHub('acme/orders');
    apiUrl = await fake.start();
  });
  afterEach(() => fake.stop());

  const options = (dir: string, more: Partial<UpgradeOptions> = {}): UpgradeOptions => ({
    cwd: dir,
    apiUrl,
    token: 'good-token',
    tokenKind: 'app',
    repository: 'acme/orders',
    now: NOW,
    view: () => VIEW,
    install: (_pkg, version) => install(dir, version),
    synth: synthIn(dir),
    ...more,
  });

  test('opens one pull request: the newest release old enough for the ring, re-synthesized, every file with its reason', async () => {
    const { dir, origin } = bootstrap();
    const log: string[] = [];
    const result = await upgrade(options(dir, { log: (l) => log.push(l) }));
    expect(result).toMatchObject({ exitCode: 0, from: '1.0.0', to: '1.1.0', pullRequest: 1 });
    // 1.2.0 is a day old; ring early waits 2 days. 2.0.0 is outside ^1.0.0.
    expect(log.join('\n')).toMatch(/1\.2\.0 \(published 2026-12-02, taken from 2026-12-04 12:00 UTC\): younger than ring early's 2 days/);
    expect(log.join('\n')).toMatch(/synth stable after 2 rounds/);
    expect(fake.writes.map((w) => `${w.method} ${w.path}`)).toEqual(['POST /repos/acme/orders/pulls']);
    const pull = fake.pulls.get(1);
    expect(pull.title).toBe(`Upgrade ${PKG} 1.0.0 → 1.1.0`);
    expect(pull.head.ref).toBe('projen-gitops/upgrade');
    const body: string = pull.body;
    expect(body).toMatch(/ring `early`: releases are taken 2 days after/);
    expect(body).toMatch(/\*\*managed: The ruleset for main[^*]*\*\*\n\n- `\.github\/rulesets\/protect-main\.json` \(changed\)/);
    expect(body).toMatch(/\*\*The bump of @acme\/gitops-template\*\*\n\n- `package-lock\.json` \(changed\)/);
    expect(body).toMatch(/run `GH_TOKEN=\.\.\. npx projen protect`/);
    expect(body).toMatch(/`\.github\/workflows\/container\.yml` \(changed\)/);
    expect(body).toMatch(/`\.projen-gitops\.json` \(changed\)/);
    expect(body).toMatch(/### \[1\.1\.0\] - 2026-11-30\n- Two approvals/);
    expect(body).toMatch(/## Migrations\n\n- 1\.1\.0: applied: option `approvals` renamed to `requiredApprovals` in `\.projenrc\.ts`/);
    expect(body).toMatch(/`\.projenrc\.ts` \(changed\)/);
    // The defaults the release changed, from .projen-gitops.json before and after.
    expect(body).toMatch(/## What the template changed\n\n[^\n]*\n\n- default option `scanSeverity` added: `"HIGH"`\n- default `requiredApprovals`: `1` → `2`\n/);
    expect(body).not.toMatch(/1\.2\.0\] - /);
    expect(body).not.toMatch(/workflow token/);
    // The branch on the origin holds the re-synthesized files; main is untouched and checked out again.
    const files = git(origin, 'diff', '--name-only', 'main', 'projen-gitops/upgrade').split('\n').filter(Boolean);
    expect(files).toEqual(expect.arrayContaining(['.projen-gitops.json', '.github/workflows/container.yml', 'README.md']));
    expect(files.some((f) => f.startsWith('.github/rulesets/'))).toBe(true);
    expect(git(dir, 'rev-parse', '--abbrev-ref', 'HEAD').trim()).toBe('main');
    expect(JSON.parse(git(origin, 'show', 'projen-gitops/upgrade:.projen-gitops.json')).template).toEqual({ name: PKG, version: '1.1.0' });
    expect(git(origin, 'show', 'projen-gitops/upgrade:.projenrc.ts')).toMatch(/^  requiredApprovals: 2,$/m);
    // The body, for reading (quoted in the closing note).
    fs.writeFileSync(path.join(os.tmpdir(), 'projen-gitops-upgrade-body.md'), body);

    // A second run a week later updates the same pull request to 1.2.0 (no second one).
    install(dir, '1.0.0');
    const again = await upgrade(options(dir, { now: new Date(NOW.getTime() + 7 * DAY) }));
    expect(again).toMatchObject({ exitCode: 0, to: '1.2.0', pullRequest: 1 });
    expect(fake.writes.map((w) => `${w.method} ${w.path}`)).toEqual(['POST /repos/acme/orders/pulls', 'PATCH /repos/acme/orders/pulls/1']);
  }, 120_000);

  test('with the workflow token, the body says checks will not start', async () => {
    const { dir } = bootstrap();
    const result = await upgrade(options(dir, { tokenKind: 'workflow' }));
    expect(result.body).toMatch(/Opened with the workflow token: GitHub starts no checks/);
    expect(result.body).toMatch(/Workflow files changed: the workflow token cannot push them/);
  }, 120_000);

  test('a hand edit blocks the synth: the pull request still opens, names the file and how to resolve it, and the job fails', async () => {
    const { dir } = bootstrap();
    const file = '.github/workflows/container.yml';
    fs.appendFileSync(path.join(dir, file), '# a hand edit\n');
    git(dir, 'commit', '--quiet', '-am', 'hand edit');
    const result = await upgrade(options(dir));
    expect(result.exitCode).toBe(1);
    expect(result.pullRequest).toBe(1);
    const body: string = fake.pulls.get(1).body;
    expect(body).toMatch(/\*\*Synth stopped on hand edits\*\*: `\.github\/workflows\/container\.yml` differs from what projen-gitops last wrote/);
    expect(body).toMatch(/handOver: \[\.\.\.\]/);
    expect(body).toMatch(/drop it: `PROJEN_GITOPS_FORCE=1 npx projen` \(a backup is kept in `\.gitops-backups\/`\)/);
    expect(body).toMatch(/<summary>Synth output<\/summary>[\s\S]*# a hand edit/);
    expect(body).toMatch(/The bump of @acme\/gitops-template/);
    fs.writeFileSync(path.join(os.tmpdir(), 'projen-gitops-upgrade-blocked-body.md'), body);
  }, 120_000);

  test('a refused push with the workflow token says the App is needed for workflow files', async () => {
    const { dir } = bootstrap();
    git(dir, 'remote', 'set-url', 'origin', path.join(dir, 'no-such-origin.git'));
    await expect(upgrade(options(dir, { tokenKind: 'workflow' }))).rejects.toThrow(/git push of projen-gitops\/upgrade failed: .*workflow token may never push: set up the GitHub App/);
    expect(fake.writes).toEqual([]);
    expect(git(dir, 'rev-parse', '--abbrev-ref', 'HEAD').trim()).toBe('main');
  }, 120_000);

  test('a checkout with uncommitted or untracked work is refused before anything happens (nothing committed, pushed or removed)', async () => {
    const { dir, origin } = bootstrap();
    fs.appendFileSync(path.join(dir, 'README.md'), 'my notes\n');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine\n');
    const head = git(dir, 'rev-parse', 'HEAD');
    await expect(upgrade(options(dir))).rejects.toThrow(/the checkout has 2 uncommitted or untracked file\(s\) \(README\.md, notes\.txt\); commit or stash them first/);
    expect(fs.readFileSync(path.join(dir, 'README.md'), 'utf-8')).toMatch(/my notes\n$/);
    expect(fs.readFileSync(path.join(dir, 'notes.txt'), 'utf-8')).toBe('mine\n');
    expect(git(dir, 'rev-parse', 'HEAD')).toBe(head);
    expect(git(dir, 'rev-parse', '--abbrev-ref', 'HEAD').trim()).toBe('main');
    expect(git(origin, 'branch', '--list', 'projen-gitops/upgrade').trim()).toBe('');
    expect(fake.writes).toEqual([]);
  }, 120_000);

  test('nothing to do when no release is old enough (a paused rollout: latest moved back)', async () => {
    const { dir } = bootstrap();
    const paused = { ...VIEW, 'dist-tags': { latest: '1.0.0' } };
    const result = await upgrade(options(dir, { view: () => paused, now: new Date(NOW.getTime() + 30 * DAY) }));
    expect(result).toEqual({ exitCode: 0, from: '1.0.0' });
    expect(fake.writes).toEqual([]);
  }, 60_000);
});

describe('upgrade helpers', () => {
  test('chooseVersion: range, ring waiting time, latest dist-tag', () => {
    expect(chooseVersion(VIEW, '^1.0.0', '1.0.0', 0, NOW).version).toBe('1.2.0');
    expect(chooseVersion(VIEW, '^1.0.0', '1.0.0', 2, NOW).version).toBe('1.1.0');
    expect(chooseVersion(VIEW, '^1.0.0', '1.0.0', 5, NOW).version).toBeUndefined();
    expect(chooseVersion({ ...VIEW, 'dist-tags': { latest: '1.1.0' } }, '^1.0.0', '1.0.0', 0, NOW).version).toBe('1.1.0');
    expect(chooseVersion(VIEW, '*', '1.0.0', 10, NOW).version).toBe('2.0.0');
  });

  test('releaseNotes: the sections after the installed version up to the new one', () => {
    expect(releaseNotes(CHANGELOG, '1.0.0', '1.1.0')).toMatch(/^## \[1\.1\.0\][\s\S]*HIGH vulnerabilities\.$/);
    expect(releaseNotes(CHANGELOG, '1.1.0', '1.1.0')).toBeUndefined();
  });

  test('applyMigrations: a rename where the key occurs once; the exact edit named where it is ambiguous', () => {
    const dir = tempdir('migrate-');
    const rename = [{ version: '1.1.0', renameOption: { from: 'approvals', to: 'requiredApprovals' } }, { version: '2.0.0', renameOption: { from: 'teem', to: 'team' } }];
    fs.writeFileSync(path.join(dir, '.projenrc.ts'), 'new P({ "approvals": 2, approvalsNote: "x", teem: "a" });\n');
    expect(applyMigrations(dir, rename, '1.0.0', '1.1.0')).toEqual([{ version: '1.1.0', applied: true, message: 'option `approvals` renamed to `requiredApprovals` in `.projenrc.ts`' }]);
    expect(fs.readFileSync(path.join(dir, '.projenrc.ts'), 'utf-8')).toBe('new P({ "requiredApprovals": 2, approvalsNote: "x", teem: "a" });\n');
    fs.writeFileSync(path.join(dir, '.projenrc.ts'), 'new P({ teem: "a", services: [{ teem: "b" }] });\n');
    expect(applyMigrations(dir, rename, '1.1.0', '2.0.0')).toEqual([{ version: '2.0.0', applied: false, message: 'rename the option `teem` to `team` in `.projenrc.ts` (2 places look like it; none was changed)' }]);
    expect(fs.readFileSync(path.join(dir, '.projenrc.ts'), 'utf-8')).toMatch(/teem: "a"/);
  });

  test('pinChanges: action pins and base images', () => {
    const diff = [
      '-      - uses: actions/checkout@aaaa # v6.0.0',
      '+      - uses: actions/checkout@bbbb # v7.0.1',
      '-FROM docker.io/library/node:22.1-slim AS build',
      '+FROM docker.io/library/node:22.2-slim AS build',
    ].join('\n');
    expect(pinChanges(diff)).toEqual(['action `actions/checkout` v6.0.0 → v7.0.1', 'base image `docker.io/library/node:22.1-slim` → `docker.io/library/node:22.2-slim`']);
  });

  test('pinChanges: a preset Dockerfile\'s images are read from their build args (tag and digest), never from a FROM of args', () => {
    const [a, b] = ['a'.repeat(64), 'b'.repeat(64)];
    // The digest moved into an arg of its own (FROM lines change too): the reference is the same.
    expect(pinChanges([
      '-ARG BASE_IMAGE="docker.io/library/node:22-slim@sha256:' + a + '"',
      '+ARG BASE_IMAGE="docker.io/library/node:22-slim"',
      '+ARG BASE_IMAGE_SHA256="' + a + '"',
      ' ',
      '-FROM ${BASE_IMAGE} AS deps',
      '+FROM ${BASE_IMAGE}@sha256:${BASE_IMAGE_SHA256} AS deps',
    ].join('\n'))).toEqual([]);
    // A new digest for an unchanged tag (the tag's line is context), and a new build image tag.
    expect(pinChanges([
      ' ARG BUILD_IMAGE="docker.io/library/golang:1.26"',
      '-ARG BUILD_IMAGE_SHA256="' + a + '"',
      '+ARG BUILD_IMAGE_SHA256="' + b + '"',
      '-ARG BASE_IMAGE="gcr.io/distroless/static:1"',
      '+ARG BASE_IMAGE="gcr.io/distroless/static:2"',
    ].join('\n'))).toEqual([
      'build image `docker.io/library/golang:1.26@sha256:' + a + '` → `docker.io/library/golang:1.26@sha256:' + b + '`',
      'base image `gcr.io/distroless/static:1` → `gcr.io/distroless/static:2`',
    ]);
  });

  test('changedDefaults: changed, added and removed defaults; equal ones left out', () => {
    expect(changedDefaults({ 'requiredApprovals': 2, 'ring': 'default', 'options.scanSeverity': 'HIGH', 'codeOwners': ['@a'] }, { requiredApprovals: 3, ring: 'default', codeOwners: ['@a'], runsOn: 'x' })).toEqual([
      '- default option `scanSeverity` removed (was `"HIGH"`)',
      '- default `requiredApprovals`: `2` → `3`',
      '- default `runsOn` added: `"x"`',
    ]);
    // A repository written before the defaults were recorded: nothing to compare.
    expect(changedDefaults(undefined, { requiredApprovals: 3 })).toEqual([]);
  });

  test('bumpSpec: the version in .projenrc.ts moves, keeping its kind; a hand-written range is kept', () => {
    const dir = tempdir('spec-');
    const rc = path.join(dir, '.projenrc.ts');
    const write = (dep: string) => fs.writeFileSync(rc, `new AcmeProject({\n  devDeps: ["${dep}"],\n});\n`);
    write(`${PKG}@1.0.0`);
    expect(bumpSpec(dir, PKG, '1.1.0')).toEqual({ from: `${PKG}@1.0.0`, to: `${PKG}@1.1.0`, exact: true });
    expect(fs.readFileSync(rc, 'utf-8')).toBe(`new AcmeProject({\n  devDeps: ["${PKG}@1.1.0"],\n});\n`);
    write(`${PKG}@~1.0.2`);
    expect(bumpSpec(dir, PKG, '1.0.5')).toEqual({ from: `${PKG}@~1.0.2`, to: `${PKG}@~1.0.5`, exact: false });
    write(`${PKG}@>=1 <3`);
    expect(bumpSpec(dir, PKG, '2.0.0')).toEqual({ from: `${PKG}@>=1 <3`, to: `${PKG}@>=1 <3`, exact: false });
    // Another package whose name ends like it is not touched; no version written: nothing to move.
    write(`x${PKG.slice(1)}@1.0.0`);
    expect(bumpSpec(dir, PKG, '1.1.0')).toBeUndefined();
    write(PKG);
    expect(bumpSpec(dir, PKG, '1.1.0')).toBeUndefined();
    expect(fs.readFileSync(rc, 'utf-8')).toContain(`"${PKG}"`);
  });

  test('upgradeOptions: --now takes an ISO 8601 time only', () => {
    const env = { GH_TOKEN: 't', GITHUB_REPOSITORY: 'acme/orders' };
    expect(upgradeOptions(['--now', '2026-12-10T06:00Z'], env)?.now?.toISOString()).toBe('2026-12-10T06:00:00.000Z');
    expect(upgradeOptions(['--now', '2026-12-10'], env)?.now?.toISOString()).toBe('2026-12-10T00:00:00.000Z');
    expect(upgradeOptions([], env)?.now).toBeUndefined();
    for (const bad of ['1', 'May 5', '2026-13-45', undefined]) {
      expect(() => upgradeOptions(['--now', ...(bad === undefined ? [] : [bad])], env)).toThrow(UpgradeError);
    }
    expect(() => upgradeOptions(['--now', 'tomorrow'], env)).toThrow('--now must be an ISO 8601 time, got "tomorrow"; try --now 2026-12-10T06:00Z');
  });

  test('handEditedFiles reads the sync guard\'s message', () => {
    const text = 'projen-gitops: 2 managed files were edited by hand; synth stopped before writing anything:\n\n  README.md\n    --- generated\n\n  Dockerfile\n    +x\n\nWays forward (pick one per file):\n  1. Make';
    expect(handEditedFiles(text)).toEqual(['README.md', 'Dockerfile']);
  });
});
