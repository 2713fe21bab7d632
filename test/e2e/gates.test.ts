/**
 * Promotion gates end to end: `projen-gitops promote` for real against local git, synth, and
 * the fake GitHub API (every request body, and every answer it gives, checked against GitHub's
 * REST description). The deployment records are written the way Argo CD notifications write
 * them (POST deployments and deployment statuses, `model/deployment-record.ts`); the clock is
 * injected with `now` (the CLI's `--now`), the commit times with GIT_COMMITTER_DATE. cosign is
 * a TEST DOUBLE on PATH (the real one needs Sigstore): it checks the identity flags and refuses
 * one digest, as the real one refuses an unsigned image.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { git, PromotionRepo, promotionRepo, synthWith } from './promotion-repo';
import { RepositoryVisibility, Runtime } from '../../src';
import { promote, PromoteOptions } from '../../src/cli/promote';
import { verifyImages } from '../../src/cli/verify-images';
import { FakeGitHub } from '../fake-github';

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const UNSIGNED = digest('e');
const IDENTITY = 'https://github.com/acme/orders/.github/workflows/container.yml@refs/heads/main';

let root: string;
let work: string;
let github: FakeGitHub;
let apiUrl: string;
let repo: PromotionRepo;


const synthIn = synthWith({
  name: 'orders',
  repository: 'acme/orders',
  visibility: RepositoryVisibility.PUBLIC,
  runtime: Runtime.NODE,
  codeOwners: ['@acme/devs'],
  environments: [
    { name: 'dev' },
    { name: 'staging', gates: { soak: '24h', requireHealthy: true } },
    {
      name: 'prod',
      approvers: ['@acme/release'],
      gates: { approvals: 1, windows: { timeZone: 'Europe/Berlin', deny: [{ name: 'year-end freeze', start: '0 0 20 12 *', duration: '14d' }] } },
    },
  ],
});

/** Merges a promotion pull request as GitHub would (fast-forward here), and closes it. */
const merge = (number: number) => repo.merge(number, '--ff-only');

/** promote at the clock `now`; its commits are dated `now` too. */
function run(now: string, options: Partial<PromoteOptions> & { to: string }) {
  const lines: string[] = [];
  return promote({
    cwd: work,
    apiUrl,
    token: github.token,
    render: synthIn,
    now: Date.parse(now),
    env: repo.env({ GIT_COMMITTER_DATE: now, GIT_AUTHOR_DATE: now }),
    log: (line) => lines.push(line),
    ...options,
  }).then((r) => ({ ...r, lines }));
}

/** What Argo CD notifications write for an environment (the contract's shape), at `at`. */
async function report(environment: string, sha: string, states: Array<[string, string]>): Promise<number> {
  const call = async (route: string, body: object) => {
    const r = await fetch(`${apiUrl}/repos/acme/orders${route}`, { method: 'POST', headers: { 'authorization': `Bearer ${github.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const answer = await r.json();
    if (r.status !== 201) throw new Error(`${route}: ${r.status} ${JSON.stringify(answer)}`);
    return answer;
  };
  github.time = new Date(states[0][1]);
  const deployment = await call('/deployments', { ref: sha, environment, auto_merge: false, required_contexts: [], description: `Argo CD synced ${environment}` });
  for (const [state, at] of states) {
    github.time = new Date(at);
    await call(`/deployments/${deployment.id}/statuses`, { state, environment, description: `orders-${environment}: ${state}` });
  }
  return deployment.id;
}

async function addStatus(id: number, state: string, at: string) {
  github.time = new Date(at);
  const r = await fetch(`${apiUrl}/repos/acme/orders/deployments/${id}/statuses`, { method: 'POST', headers: { 'authorization': `Bearer ${github.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ state, description: `orders-dev: ${state}` }) });
  expect(r.status).toBe(201);
}

const statusOf = (sha: string, context: string) => github.commitStatuses.filter((s) => s.sha === sha && s.context === context).pop();
const headOf = (branch: string) => repo.headOf(branch);

beforeAll(async () => {
  repo = await promotionRepo('gitops-gates-', synthIn, { identity: IDENTITY, refuse: UNSIGNED });
  ({ root, work, github, apiUrl } = repo);
  const commitAt = (message: string, at: string) => {
    git(work, 'add', '--all');
    const r = spawnSync('git', ['commit', '--quiet', '-m', message], { cwd: work, env: { ...process.env, GIT_COMMITTER_DATE: at, GIT_AUTHOR_DATE: at } });
    if (r.status !== 0) throw new Error(String(r.stderr));
    return git(work, 'rev-parse', 'HEAD');
  };
  const c0 = commitAt('initial', '2026-11-30T09:00:00Z');
  // Every environment runs the first release (as promotions would have left it), then the code moves on.
  for (const env of ['dev', 'staging', 'prod']) {
    fs.writeFileSync(path.join(work, `deploy/environments/${env}/images.yaml`), `images:\n  orders:\n    digest: ${digest('1')} # commit ${c0}\n`);
  }
  synthIn(work);
  commitAt('Promote orders (the first release)', '2026-11-30T09:10:00Z');
  fs.appendFileSync(path.join(work, 'src/server.js'), '// answers /healthz faster\n');
  commitAt('orders: answer /healthz without a database round trip', '2026-11-30T15:00:00Z');
  git(work, 'push', '--quiet', 'origin', 'HEAD:refs/heads/main');
}, 60_000);

afterAll(async () => {
  await repo?.stop();
});

describe('promotion gates, for real against git, synth and the fake GitHub API', () => {
  let devRecord: number;
  let stagingHead: string;
  let prodBody = '';

  test('dev has no gates: its pull request opens with no gate table and no status', async () => {
    const c1 = git(work, 'rev-parse', 'HEAD');
    const result = await run('2026-12-01T10:00:00Z', { to: 'dev', commit: c1, digests: { orders: digest('a') } });
    expect(result).toMatchObject({ pullRequest: 1, created: true, promoted: ['orders'], gates: undefined });
    expect(github.pulls.get(1).body).not.toContain('### Gates');
    expect(github.commitStatuses).toEqual([]);
    const merged = merge(1);
    devRecord = await report('dev', merged, [['in_progress', '2026-12-01T10:05:00Z'], ['success', '2026-12-01T10:10:00Z']]);
  });

  test('a soak that holds: staging opens with the soak waiting, the health met, and a pending required check', async () => {
    const result = await run('2026-12-01T12:00:00Z', { from: 'dev', to: 'staging' });
    expect(result).toMatchObject({ pullRequest: 2, created: true, promoted: ['orders'] });
    stagingHead = headOf('promote/staging');
    expect(result.gates).toEqual([
      { gate: 'soak', state: 'waiting', detail: "ran 1h 50m of 1d in dev, since dev's first healthy report (2026-12-01 10:10 UTC); 22h 10m to go", next: Date.parse('2026-12-02T10:10:00Z') },
      { gate: 'health', state: 'met', detail: `dev reported success at 2026-12-01 10:10 UTC for \`${git(work, 'rev-parse', 'origin/main').slice(0, 12)}\` (synced and healthy)` },
    ]);
    expect(statusOf(stagingHead, 'Promotion gates (staging)')).toEqual({ sha: stagingHead, state: 'pending', context: 'Promotion gates (staging)', description: 'waiting: soak (see the gate table)' });
    const body = github.pulls.get(2).body;
    expect(body).toContain('| soak | waiting | ran 1h 50m of 1d in dev');
    expect(body).toContain('| next: 2026-12-02 10:15 UTC |');
    expect(body).toContain('next at about 2026-12-02 10:15 UTC');
    expect(github.responseErrors).toEqual([]);
  });

  test('an unhealthy report resets the soak; the re-evaluation pushes nothing (approvals of the head stay)', async () => {
    await addStatus(devRecord, 'failure', '2026-12-01T20:00:00Z');
    const failing = await run('2026-12-01T20:30:00Z', { to: 'staging', from: 'dev', recheck: true });
    expect(failing.gates?.map((g) => [g.gate, g.state])).toEqual([['soak', 'waiting'], ['health', 'failed']]);
    expect(statusOf(stagingHead, 'Promotion gates (staging)')).toMatchObject({ state: 'failure', description: 'failed: health; waiting: soak' });
    expect(failing.gates![0].detail).toBe('dev reported failure at 2026-12-01 20:00 UTC; the soak starts again at its next healthy report');
    await addStatus(devRecord, 'success', '2026-12-01T21:00:00Z');
    // 24h after the first healthy report, but only 14h after the one that followed the failure.
    const reset = await run('2026-12-02T11:00:00Z', { to: 'staging', from: 'dev', recheck: true });
    expect(reset.gates![0]).toMatchObject({ gate: 'soak', state: 'waiting', next: Date.parse('2026-12-02T21:00:00Z') });
    expect(reset.gates![0].detail).toContain('after it reported failure at 2026-12-01 20:00 UTC');
    expect(headOf('promote/staging')).toBe(stagingHead);
    expect(github.writes.filter((w) => w.method === 'PATCH').map((w) => w.path)).toEqual(['/repos/acme/orders/pulls/2', '/repos/acme/orders/pulls/2']);
  });

  test('the soak passes once it ran long enough since the healthy report: the required check succeeds', async () => {
    const passed = await run('2026-12-02T21:15:00Z', { to: 'staging', from: 'dev', recheck: true });
    expect(passed.gates?.map((g) => g.state)).toEqual(['met', 'met']);
    expect(statusOf(stagingHead, 'Promotion gates (staging)')).toMatchObject({ state: 'success', description: 'all 2 gates met' });
    expect(github.pulls.get(2).body).toContain('### Gates (staging): all met');
    merge(2);
  });

  test('a freeze blocks prod: the deny window waits until it ends, approvals wait for a review of the head', async () => {
    const result = await run('2026-12-24T09:00:00Z', { from: 'staging', to: 'prod', evidenceFile: path.join(root, 'evidence', 'prod.md') });
    expect(result).toMatchObject({ pullRequest: 3, created: true });
    expect(result.gates).toEqual([
      { gate: 'window', state: 'waiting', detail: "inside deny window 'year-end freeze' (Europe/Berlin) until 2027-01-02 23:00 UTC; a pull request labelled `hotfix` passes it", next: Date.parse('2027-01-02T23:00:00Z') },
      { gate: 'approvals', state: 'waiting', detail: '0 of 1 approval of the head commit' },
    ]);
    expect(statusOf(headOf('promote/prod'), 'Promotion gates (prod)')).toMatchObject({ state: 'pending', description: 'waiting: window, approvals (see the gate table)' });
    // The full evidence is written for the workflow to upload; the body points to it.
    expect(fs.readFileSync(path.join(root, 'evidence', 'prod.md'), 'utf-8')).toContain('| window | waiting |');
    expect(github.pulls.get(3).body).toContain('artifact `promotion-evidence`');
  });

  test('the hotfix label passes the freeze and is recorded; an approval of the head meets the last gate', async () => {
    const head = headOf('promote/prod');
    github.pulls.get(3).labels.push({ name: 'hotfix' });
    // An approval of an older commit does not count; one of the head does.
    github.reviews.set(3, [{ login: 'ann', state: 'APPROVED', commitId: 'f'.repeat(40) }, { login: 'bob', state: 'APPROVED', commitId: head }]);
    const result = await run('2026-12-24T09:20:00Z', { from: 'staging', to: 'prod', recheck: true });
    expect(result.gates?.map((g) => [g.gate, g.state])).toEqual([['window', 'met'], ['approvals', 'met']]);
    expect(result.gates![1].detail).toBe('1 of 1 approval by @bob');
    expect(statusOf(head, 'Promotion gates (prod)')).toMatchObject({ state: 'success' });
    prodBody = github.pulls.get(3).body;
    expect(prodBody).toContain('**Hotfix**: this promotion passed a deny window with the `hotfix` label (evaluated at 2026-12-24 09:20 UTC).');
    expect(prodBody).toContain("| window | met | HOTFIX: deny window 'year-end freeze' (Europe/Berlin) is open until 2027-01-02 23:00 UTC; passed by the `hotfix` label | 2026-12-24 09:20 UTC |");
    expect(prodBody).toContain(`Signature: verified for \`${IDENTITY}\``);
    expect(prodBody).toContain('Vulnerabilities (before / after): not available');
    expect(headOf('promote/prod')).toBe(head);
    // The body the lead quotes.
    const reports = path.join(__dirname, '..', '..', 'test-reports');
    fs.mkdirSync(reports, { recursive: true });
    fs.writeFileSync(path.join(reports, 'gates-prod-pull-request.md'), prodBody);
    expect(github.responseErrors).toEqual([]);
  });

  test('a hand-made pull request that pins an unsigned digest fails the verification check; the base names the signer', async () => {
    merge(3);
    const base = git(work, 'rev-parse', 'HEAD');
    git(work, 'checkout', '--quiet', '-b', 'by-hand');
    const file = path.join(work, 'deploy/environments/prod/images.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf-8').replace(digest('a'), UNSIGNED));
    // The pull request also tries to name another signer: the base's promotion.json is the one read.
    const facts = path.join(work, 'deploy/promotion.json');
    fs.writeFileSync(facts, fs.readFileSync(facts, 'utf-8').replace(IDENTITY, 'https://github.com/evil/fork/.github/workflows/x.yml@refs/heads/main'));
    git(work, 'commit', '--quiet', '-am', 'pin by hand');
    const head = git(work, 'rev-parse', 'HEAD');
    const env = repo.env({ GH_TOKEN: github.token, GITHUB_API_URL: apiUrl });
    const lines: string[] = [];
    const result = await verifyImages({ base, head, gatesStatus: true, cwd: work, env, log: (l) => lines.push(l) });
    expect(result).toEqual({ verified: [], failed: [`prod/orders@${UNSIGNED}`], untouched: ['dev', 'staging'], rolledBack: [] });
    expect(lines.join('\n')).toContain(`::error title=Signature not verified::prod/orders: ghcr.io/acme/orders@${UNSIGNED} has no signature of ${IDENTITY}`);
    // The gates pass for staging (its digests do not change), never for prod.
    expect(statusOf(head, 'Promotion gates (staging)')).toMatchObject({ state: 'success' });
    expect(statusOf(head, 'Promotion gates (prod)')).toBeUndefined();
    // The command: exit 1.
    const cli = spawnSync(process.execPath, [path.join(__dirname, '..', '..', 'lib', 'cli', 'main.js'), 'verify-images', '--base', base, '--head', head], { cwd: work, env, encoding: 'utf-8' });
    expect(cli.status).toBe(1);
    // A signed digest pinned by hand passes.
    fs.writeFileSync(file, fs.readFileSync(file, 'utf-8').replace(UNSIGNED, digest('7')));
    git(work, 'commit', '--quiet', '-am', 'pin a signed one');
    const ok = await verifyImages({ base, cwd: work, env, log: () => undefined });
    expect(ok).toMatchObject({ verified: [`prod/orders@${digest('7')}`], failed: [] });
    git(work, 'checkout', '--quiet', 'main');
  });

  test('a rollback pull request (a hold, and digests prod ran before) passes the gates; a hold with a digest prod never ran does not', async () => {
    const base = git(work, 'rev-parse', 'HEAD');
    const file = path.join(work, 'deploy/environments/prod/images.yaml');
    const hold = 'hold:\n  reason: orders answers 500\n  by: release-manager\n  since: 2026-12-24T10:00:00Z\n';
    const env = repo.env({ GH_TOKEN: github.token, GITHUB_API_URL: apiUrl });
    const attempt = async (branch: string, to: string) => {
      git(work, 'checkout', '--quiet', '-b', branch, base);
      const text = fs.readFileSync(file, 'utf-8');
      const at = text.indexOf('images:');
      fs.writeFileSync(file, text.slice(0, at) + hold + text.slice(at).replace(digest('a'), to));
      git(work, 'commit', '--quiet', '-am', branch);
      const head = git(work, 'rev-parse', 'HEAD');
      const result = await verifyImages({ base, head, gatesStatus: true, cwd: work, env, log: () => undefined });
      git(work, 'checkout', '--quiet', 'main');
      return { result, head };
    };
    // What `promote --rollback prod` writes: the digest prod ran before the last promotion, and a hold.
    const back = await attempt('rollback/prod', digest('1'));
    expect(back.result).toMatchObject({ verified: [`prod/orders@${digest('1')}`], failed: [], rolledBack: ['prod'] });
    expect(statusOf(back.head, 'Promotion gates (prod)')).toMatchObject({ state: 'success', description: 'a rollback: prod is held and gets digests it ran before' });
    // A hold does not wave a new digest past the gates.
    const forward = await attempt('not-a-rollback', digest('7'));
    expect(forward.result).toMatchObject({ verified: [`prod/orders@${digest('7')}`], failed: [], rolledBack: [] });
    expect(statusOf(forward.head, 'Promotion gates (prod)')).toBeUndefined();
  });

  test("the fake API refuses a deployment status GitHub's description does not allow (the checks above can fail)", async () => {
    const r = await fetch(`${apiUrl}/repos/acme/orders/deployments/${devRecord}/statuses`, { method: 'POST', headers: { 'authorization': `Bearer ${github.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ state: 'healthy' }) });
    expect(r.status).toBe(422);
    expect(JSON.stringify(await r.json())).toMatch(/must be equal to one of the allowed values/);
    const s = await fetch(`${apiUrl}/repos/acme/orders/statuses/${'a'.repeat(40)}`, { method: 'POST', headers: { 'authorization': `Bearer ${github.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ state: 'waiting', context: 'x' }) });
    expect(s.status).toBe(422);
  });

  test('--now and --recheck on the command line: a bad time is refused with the fix', () => {
    const cli = path.join(__dirname, '..', '..', 'lib', 'cli', 'main.js');
    const env = { ...process.env, GH_TOKEN: github.token, GITHUB_API_URL: apiUrl };
    const bad = spawnSync(process.execPath, [cli, 'promote', '--recheck', '--from', 'staging', '--to', 'prod', '--now', '24.12.2026'], { cwd: work, encoding: 'utf-8', env });
    expect([bad.status, bad.stderr.trim()]).toEqual([1, 'projen-gitops promote: --now must be an ISO 8601 time with its zone, got "24.12.2026"; try --now 2026-12-24T09:00:00Z']);
    const both = spawnSync(process.execPath, [cli, 'promote', '--recheck', '--to', 'dev', '--commit', 'a'.repeat(40)], { cwd: work, encoding: 'utf-8', env });
    expect(both.stderr.trim()).toBe('projen-gitops promote: --recheck re-evaluates the open pull request and brings in nothing new; leave out --commit and --digest');
  });
});
