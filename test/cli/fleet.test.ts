/**
 * `projen-gitops fleet` over 500 repositories of the fake GitHub API (every answer checked
 * against GitHub's REST description), with rate-limited answers: the number of requests is
 * asserted, a second run answers from the ETag cache, and the report is one issue updated in place.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fleet, fleetOptions, FleetError, requestBudget } from '../../src/cli/fleet';
import { FakeGitHub } from '../fake-github';
import { tempdir } from '../util';

const NOW = new Date('2026-12-03T12:00:00Z');
const DAY = 86_400_000;
const ago = (days: number) => new Date(NOW.getTime() - days * DAY).toISOString();
const RINGS = ['canary', 'early', 'default', 'late'];

/** 500 repositories: 480 made from the template (topic), 20 others; a few without metadata. */
function organisation(fake: FakeGitHub) {
  for (let i = 0; i < 500; i++) {
    const name = `svc-${String(i).padStart(3, '0')}`;
    const ours = i < 480;
    fake.fleet.set(name, {
      name,
      topics: ours ? ['acme-gitops', 'service'] : ['library'],
      ...(ours && i % 97 !== 5 ? {
        metadata: {
          package: '@acme/gitops-template',
          ring: RINGS[i % 4],
          waitDays: [0, 2, 5, 10][i % 4],
          template: { name: '@acme/gitops-template', version: i % 4 === 0 ? '1.1.0' : '1.0.0' },
          projenGitops: i % 4 === 0 ? '1.8.0' : '1.7.2',
          environments: ['dev', 'prod'],
        },
      } : {}),
      drift: i % 50 === 7 ? 'failure' : i % 50 === 8 ? 'in_progress' : 'success',
      ...(i % 4 === 1 ? { upgradePull: { number: 40 + i, createdAt: ago(i % 9) } } : {}),
      imagesCommits: { dev: ago(1 + (i % 3)), ...(i % 5 ? { prod: ago(10 + (i % 7)) } : {}) },
      properties: { template: ours ? 'acme-gitops' : 'none' },
      private: i % 3 === 0,
    });
  }
}

describe('projen-gitops fleet', () => {
  let fake: FakeGitHub;
  let apiUrl: string;
  beforeEach(async () => {
    fake = new FakeGitHub('acme/platform');
    apiUrl = await fake.start();
    organisation(fake);
  });
  afterEach(() => fake.stop());

  test('500 repositories, two rate-limited answers: every repository reported within the budget, then from the cache', async () => {
    const cacheFile = path.join(tempdir('fleet-'), 'cache.json');
    // A secondary rate limit (retry-after) early, a primary one (x-ratelimit-reset) later.
    fake.rateLimits.set(40, { status: 403, headers: { 'retry-after': '3', 'x-ratelimit-remaining': '4200' } });
    fake.rateLimits.set(900, { status: 429, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(NOW.getTime() / 1000) + 20) } });
    const waits: number[] = [];
    const log: string[] = [];
    const report = await fleet({ org: 'acme', topic: 'acme-gitops', issueRepository: 'acme/platform', apiUrl, token: 'good-token', cacheFile, now: NOW, clock: () => NOW.getTime(), sleep: async (ms) => { waits.push(ms); }, log: (l) => log.push(l) });

    expect(fake.responseErrors).toEqual([]);
    expect(report.repositories).toHaveLength(480);
    // 5 pages of 100, then per repository: metadata, drift check, upgrade pull request and one
    // commit per environment (2; none for the 5 without metadata), the issue list and its creation, and the 2 retries.
    const withMeta = report.repositories.filter((r) => !r.note).length;
    expect(withMeta).toBe(475);
    // ... and one look at the platform repository's visibility.
    const expected = 5 + 1 + 480 * 3 + withMeta * 2 + 2 + 2;
    expect(report.requests).toBe(expected);
    expect(fake.requests).toHaveLength(expected);
    expect(report.budget).toBe(requestBudget(480, 6, 3)); // 5 listing pages and the visibility look-up
    expect(report.requests).toBeLessThanOrEqual(report.budget + 2);
    expect(report.requests).toBeLessThan(5000);
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBe(3000);
    // Until the reset (20 s after the fixed clock's now) and a second more: no wall clock in it.
    expect(waits[1]).toBeGreaterThan(1000);
    expect(waits[1]).toBeLessThanOrEqual(21_000);
    expect(log[0]).toMatch(/^480 repositories; request budget at most 2888 /);
    expect(log.join('\n')).toMatch(/rate limited \(403\); waiting 3 s/);

    const svc1 = report.repositories.find((r) => r.repository === 'acme/svc-001')!;
    expect(svc1).toEqual({
      repository: 'acme/svc-001',
      template: '@acme/gitops-template',
      templateVersion: '1.0.0',
      projenGitops: '1.7.2',
      ring: 'early',
      drift: 'success',
      upgradePullRequest: { number: 41, ageDays: 1, url: 'https://github.com/acme/svc-001/pull/41' },
      deployedAgeDays: { dev: 2, prod: 11 },
    });
    expect(report.repositories.find((r) => r.repository === 'acme/svc-005')).toMatchObject({ note: 'no .projen-gitops.json on main', drift: 'success' });
    expect(report.repositories.find((r) => r.repository === 'acme/svc-007')!.drift).toBe('failure');
    expect(report.repositories.find((r) => r.repository === 'acme/svc-008')!.drift).toBe('pending');
    expect(report.repositories.find((r) => r.repository === 'acme/svc-010')!.deployedAgeDays).toEqual({ dev: 2, prod: null });

    // One issue, created with the label; its body is what GitHub accepts (checked by the fake).
    expect(fake.writes.map((w) => `${w.method} ${w.path}`)).toEqual(['POST /repos/acme/platform/issues']);
    const issue = fake.issues.get(report.issue!);
    expect(issue.labels).toEqual([{ name: 'projen-gitops-fleet' }]);
    expect(issue.body.length).toBeLessThanOrEqual(65_536);
    expect(issue.body).toMatch(/^<!-- projen-gitops fleet report -->\n# Fleet report: acme\n\n480 repositories with topic `acme-gitops`/);
    expect(issue.body).toMatch(/Drift failing: 10; upgrade pull requests open: 120\./);
    expect(issue.body).toMatch(/Versions: @acme\/gitops-template 1\.0\.0 \(\d+\), @acme\/gitops-template 1\.1\.0 \(\d+\)/);
    expect(issue.body).toMatch(/^\| svc-001 \| @acme\/gitops-template 1\.0\.0 \| 1\.7\.2 \| early \| ✅ up to date \| #41 \(1 d\) \| dev: 2 d, prod: 11 d \|$/m);
    expect(issue.body).toMatch(/^\| svc-007 \| .* \| ❌ failure \|/m);
    fs.writeFileSync(path.join(os.tmpdir(), 'projen-gitops-fleet-report.md'), issue.body);

    // The next run: every listed answer is unchanged, so 304 from the cache; the issue is updated in place.
    fake.requests.length = 0;
    const again = await fleet({ org: 'acme', topic: 'acme-gitops', issueRepository: 'acme/platform', apiUrl, token: 'good-token', cacheFile, now: NOW, sleep: async () => undefined });
    // All but the retries, the issue list and write, and the 5 metadata 404s (no ETag to send).
    expect(again.requests).toBe(expected - 2);
    // (and the visibility look-up, which this fake answers without an ETag)
    expect(again.notModified).toBe(expected - 4 - 5 - 1);
    expect(fake.notModified).toBe(expected - 4 - 5 - 1);
    expect(again.issue).toBe(report.issue);
    expect(fake.writes.map((w) => `${w.method} ${w.path}`)).toEqual([`PATCH /repos/acme/platform/issues/${report.issue}`]);
    expect(again.repositories).toEqual(report.repositories);
  }, 120_000);

  test('a public platform repository never gets a report that names private repositories', async () => {
    fake.repoPrivate = false;
    await expect(fleet({ org: 'acme', topic: 'acme-gitops', issueRepository: 'acme/platform', apiUrl, token: 'good-token', now: NOW, sleep: async () => undefined }))
      .rejects.toThrow(/acme\/platform is public and the report would name 160 private or internal repositories in its issue/);
    expect(fake.writes).toEqual([]);
    expect(fake.responseErrors).toEqual([]);
  }, 120_000);

  test('by custom property, JSON only (no issue)', async () => {
    const report = await fleet({ org: 'acme', property: { name: 'template', value: 'acme-gitops' }, apiUrl, token: 'good-token', now: NOW, sleep: async () => undefined });
    expect(report.repositories).toHaveLength(480);
    expect(fake.responseErrors).toEqual([]);
    expect(fake.writes).toEqual([]);
    expect(report.requests).toBe(5 + 5 + 480 * 3 + 475 * 2);
  }, 120_000);

  test('a rate limit longer than --max-wait stops with what to do', async () => {
    fake.rateLimits.set(2, { status: 403, headers: { 'retry-after': '600' } });
    await expect(fleet({ org: 'acme', topic: 'acme-gitops', apiUrl, token: 'good-token', maxWaitSeconds: 60, sleep: async () => undefined }))
      .rejects.toThrow(/rate limited .*\(403\); GitHub asks to wait 600 s, more than --max-wait 60 s.*run it again later/);
  });

  test('options: clear errors naming the option, the value and a valid fix', () => {
    const env = { GH_TOKEN: 't' };
    expect(() => fleetOptions(['--org', 'acme'], env)).toThrow(/--topic or --property .*; try --topic gitops-template/);
    expect(() => fleetOptions(['--org', 'ac me', '--topic', 'x'], env)).toThrow(/--org must be an organisation login, got "ac me"; try --org acme/);
    expect(() => fleetOptions(['--org', 'acme', '--topic', 'Bad Topic'], env)).toThrow(/--topic must be a GitHub topic .* got "Bad Topic"; try --topic acme-gitops/);
    expect(() => fleetOptions(['--org', 'acme', '--topic', 'x', '--issue', 'nope'], env)).toThrow(FleetError);
    expect(fleetOptions(['--org', 'acme', '--topic', 'x', '--json'], env)).toMatchObject({ org: 'acme', topic: 'x', json: true, cacheFile: '.projen-gitops-fleet-cache.json' });
  });
});
