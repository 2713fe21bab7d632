/**
 * `projen-gitops metrics` over a scripted git history with known commit times, and a hotfix
 * pull request served by the fake GitHub API (a `pull-request-simple` that GitHub's REST
 * description accepts). The expected figures are worked out by hand below.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { metrics, metricsMarkdown, MetricsError, parseMetricsArgs, duration } from '../../src/cli/metrics';
import { FakeGitHub } from '../fake-github';
import { errorsOf, exampleSchema, responseValidator } from '../github-api';
import { tempdir } from '../util';

const digest = (c: string) => `sha256:${c.repeat(64)}`;
/** Hours after T0 = 2026-11-01T00:00:00Z. */
const T0 = Date.parse('2026-11-01T00:00:00Z') / 1000;
const NOW = new Date('2026-11-11T00:00:00Z'); // --days 10: the window is (T0, NOW]

let dir: string;
let github: FakeGitHub;
let apiUrl: string;
const commits: Record<string, string> = {};

function git(env: NodeJS.ProcessEnv, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd: dir, encoding: 'utf-8', env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

/** Commits `files` at `hours` after T0 (author and committer time), named `name`. */
function commitAt(name: string, hours: number, files: Record<string, string>): string {
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  const date = `@${T0 + Math.round(hours * 3600)} +0000`;
  const env = { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date };
  git(env, 'add', '--all');
  git(env, '-c', 'user.name=dev', '-c', 'user.email=dev@example.com', 'commit', '--quiet', '-m', name);
  commits[name] = git({}, 'rev-parse', 'HEAD');
  return commits[name];
}

const images = (d: string, build?: string, hold?: string) => `${hold ? `hold:\n  reason: "${hold}"\n  by: "release-manager"\n  since: "2026-11-02T05:00:00Z"\n` : ''}images:\n  orders:\n    digest: "${d}"${build ? ` # commit ${commits[build]}` : ''}\n`;
const staging = 'deploy/environments/staging/images.yaml';
const prod = 'deploy/environments/prod/images.yaml';

beforeAll(async () => {
  dir = tempdir('gitops-metrics-');
  git({}, 'init', '--quiet', '--initial-branch=main');
  fs.mkdirSync(path.join(dir, 'deploy'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'deploy/promotion.json'), JSON.stringify({
    repository: 'acme/orders',
    defaultBranch: 'main',
    environments: ['staging', 'prod'],
    services: [{ name: 'orders', image: 'ghcr.io/acme/orders', path: '.' }],
    certificateIdentity: 'https://github.com/acme/orders/.github/workflows/container.yml@refs/heads/main',
    certificateOidcIssuer: 'https://token.actions.githubusercontent.com',
  }));
  // Before the window (T0 - 5 days): staging ran z. Counted in no figure.
  commitAt('old', -120, { [staging]: images(digest('f')) });
  commitAt('B1', 0, { 'src.txt': '1' });
  commitAt('staging a', 1, { [staging]: images(digest('a'), 'B1') });
  commitAt('prod a', 3, { [prod]: images(digest('a'), 'B1') });
  commitAt('B2', 24, { 'src.txt': '2' });
  commitAt('staging b', 26, { [staging]: images(digest('b'), 'B2') });
  commitAt('prod b', 28, { [prod]: images(digest('b'), 'B2') });
  commitAt('prod rollback', 29, { [prod]: images(digest('a'), 'B1', 'orders answers 500') });
  commitAt('prod release', 48, { [prod]: images(digest('a'), 'B1') });
  commitAt('B3', 72, { 'src.txt': '3' });
  commitAt('staging c', 72.5, { [staging]: images(digest('c'), 'B3') });
  commitAt('prod c', 78, { [prod]: images(digest('c'), 'B3') });
  commitAt('B4', 96, { 'src.txt': '4' });
  commitAt('staging d (hotfix)', 97, { [staging]: images(digest('d'), 'B4') });
  github = new FakeGitHub('acme/orders');
  apiUrl = await github.start();
  // The hotfix's merged pull request, as GitHub lists it (checked against the description below).
  github.pulls.set(7, exampleSchema('pull-request-simple', {
    number: 7,
    state: 'closed',
    title: 'Promote orders to staging',
    merged_at: '2026-11-05T01:00:00Z',
    updated_at: '2026-11-05T01:00:00Z',
    merge_commit_sha: commits['staging d (hotfix)'],
    labels: [exampleSchema('label', { name: 'hotfix', description: 'Passes a deny window' })],
    head: exampleSchema('pull-request-simple').head,
    base: { ...exampleSchema('pull-request-simple').base, ref: 'main' },
  }));
  github.pulls.get(7).head = { ...github.pulls.get(7).head, ref: 'promote/staging' };
}, 60_000);

afterAll(async () => {
  await github?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('projen-gitops metrics', () => {
  test('the served pull request is one GitHub\'s description accepts (so the hotfix data is real-shaped)', () => {
    const validate = responseValidator('/repos/{owner}/{repo}/pulls', 'get', '200');
    expect([validate([github.pulls.get(7)]), errorsOf(validate)]).toEqual([true, []]);
  });

  /*
   * By hand (hours after T0; the window is the 10 days after T0):
   * staging: a@1 (B1@0, lead 1h), b@26 (B2@24, 2h), c@72.5 (B3@72, 30m), d@97 (B4@96, 1h, the hotfix).
   *   4 deployments, 4/10*7 = 2.8 a week; lead times 30m 1h 1h 2h: median 1h (3600 s).
   *   With the pull requests: c is followed by the hotfix d: 1 failure of 4 changes = 25%,
   *   restored 97 - 72.5 = 24.5h = 88200 s. Without them: 0 of 4, no time to restore.
   * prod: a@3 (lead 3h), b@28 (4h), rollback@29 (to a, held), release@48 (no digest change: no
   *   deployment), c@78 (6h). 4 deployments (the rollback is one): 2.8 a week; lead times of the
   *   3 changes 3h 4h 6h: median 4h (14400 s); b is followed by the rollback: 1 failure of 3
   *   changes = 33.33%, restored 29 - 28 = 1h (3600 s).
   */
  test('with the pull requests: every figure as worked out by hand', async () => {
    const report = await metrics({ cwd: dir, days: 10, now: NOW, apiUrl, token: github.token });
    expect(report).toEqual({
      repository: 'acme/orders',
      branch: 'HEAD',
      since: '2026-11-01T00:00:00Z',
      until: '2026-11-11T00:00:00Z',
      days: 10,
      pullRequestsRead: true,
      environments: [
        { environment: 'staging', deployments: 4, perWeek: 2.8, leadTime: { seconds: 3600, count: 4 }, rollbacks: 0, hotfixes: 1, changes: 4, failures: 1, changeFailureRate: 0.25, timeToRestore: { seconds: 88200, count: 1 } },
        { environment: 'prod', deployments: 4, perWeek: 2.8, leadTime: { seconds: 14400, count: 3 }, rollbacks: 1, hotfixes: 0, changes: 3, failures: 1, changeFailureRate: 0.3333, timeToRestore: { seconds: 3600, count: 1 } },
      ],
    });
    const text = metricsMarkdown(report);
    console.log(`METRICS OUTPUT:\n${text}\nJSON:\n${JSON.stringify(report, null, 2)}`);
    expect(text).toContain('| staging | 4 | 2.8 | 1h 0m (4) | 25% (1 of 4); 0 rollbacks, 1 hotfix | 24h 30m (1) |');
    expect(text).toContain('| prod | 4 | 2.8 | 4h 0m (3) | 33% (1 of 3); 1 rollback, 0 hotfixes | 1h 0m (1) |');
  });

  test('from git alone: rollbacks count, hotfixes are not read (and it says so)', async () => {
    const report = await metrics({ cwd: dir, days: 10, now: NOW });
    expect(report.environments[0]).toMatchObject({ environment: 'staging', failures: 0, changeFailureRate: 0, hotfixes: undefined, timeToRestore: { count: 0 } });
    expect(report.environments[1]).toMatchObject({ environment: 'prod', failures: 1, rollbacks: 1 });
    expect(metricsMarkdown(report)).toContain('Hotfixes are not counted: no token to read the pull requests (set GH_TOKEN).');
  });

  test('a shorter window counts only what falls in it', async () => {
    // The last 7 days (from T0 + 3 days): staging c@72.5, d@97; prod c@78.
    const report = await metrics({ cwd: dir, days: 7, now: NOW });
    expect(report.environments.map((e) => [e.environment, e.deployments, e.leadTime.seconds])).toEqual([['staging', 2, 2700], ['prod', 1, 21600]]);
  });

  test('bad arguments: each names the option, the value and a fix', () => {
    expect(() => parseMetricsArgs(['--days', '0'], {})).toThrow('--days must be a whole number of days from 1 to 3650, got "0"; try --days 30');
    expect(() => parseMetricsArgs(['--days', '1e3'], {})).toThrow(MetricsError);
    expect(() => parseMetricsArgs(['--weeks', '2'], {})).toThrow("unknown option '--weeks' (see --help)");
    expect(() => parseMetricsArgs(['prod'], {})).toThrow('unexpected argument "prod" (see --help)');
    expect(() => parseMetricsArgs([], { GH_TOKEN: 't', GITHUB_API_URL: 'ftp://x' })).toThrow(/GITHUB_API_URL must be/);
    expect(parseMetricsArgs(['--json'], {})).toEqual({ days: 30, json: true, token: undefined, apiUrl: undefined });
  });

  test('a checkout without deploy/promotion.json is refused with the fix', async () => {
    const empty = tempdir('gitops-metrics-empty-');
    try {
      spawnSync('git', ['init', '--quiet'], { cwd: empty });
      await expect(metrics({ cwd: empty, days: 30 })).rejects.toThrow(/cannot read deploy\/promotion.json .*run `npx projen` with promotion on first/);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  test('durations read as people say them', () => {
    expect([duration(undefined), duration(30), duration(2700), duration(5400), duration(88200), duration(3 * 86400 + 7200)]).toEqual(['-', '30s', '45m', '1h 30m', '24h 30m', '3d 2h']);
  });
});
