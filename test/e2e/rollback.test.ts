/**
 * `projen-gitops promote --rollback` and `--release-hold` run for real: a synthesized repository
 * in git with a bare `origin`, synth re-rendering the manifests (what `npx projen` runs), and the
 * fake GitHub API checking every request body against GitHub's REST description. cosign is a
 * TEST DOUBLE on PATH (the real one needs Sigstore) that accepts every digest: the signature
 * rules are promotion.test.ts's.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { git, PromotionRepo, promotionRepo, synthWith } from './promotion-repo';
import { RepositoryVisibility, Runtime } from '../../src';
import { parseImages, promote, PromoteError, PromoteOptions } from '../../src/cli/promote';
import { rollback, RollbackOptions } from '../../src/cli/rollback';
import { parseImagesText } from '../../src/model/images-file';
import { FakeGitHub } from '../fake-github';
import { helmBinary } from '../helm/tools';
import { tempdir } from '../util';

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const HELD_AT = new Date('2026-12-04T05:00:00Z');

let root: string;
let work: string;
let github: FakeGitHub;
let apiUrl: string;
let repo: PromotionRepo;

const synthIn = synthWith({ name: 'orders', repository: 'acme/orders', visibility: RepositoryVisibility.PUBLIC, runtime: Runtime.NODE, services: [{ name: 'worker', runtime: Runtime.GO }] });

const commitAll = (message: string) => repo.commitAll(message);

/** Merges a pull request as GitHub would (a merge commit on main), and closes it. */
function merge(number: number): void {
  expect(github.pulls.get(number).state).toBe('open');
  repo.merge(number, '--no-ff', '--no-edit');
}

const env = () => repo.env();

async function promoteTo(options: Partial<PromoteOptions> & { to: string }) {
  const lines: string[] = [];
  const result = await promote({ cwd: work, apiUrl, token: github.token, render: synthIn, env: env(), log: (l) => lines.push(l), ...options });
  return { ...result, lines };
}

async function back(options: Partial<RollbackOptions> & Pick<RollbackOptions, 'action' | 'environment'>) {
  const lines: string[] = [];
  const result = await rollback({ cwd: work, apiUrl, token: github.token, render: synthIn, env: env(), log: (l) => lines.push(l), by: 'release-manager', now: HELD_AT, ...options });
  return { ...result, lines };
}

const onMain = (file: string) => git(work, 'show', `origin/main:${file}`);
const onBranch = (branch: string, file: string) => git(work, 'show', `origin/${branch}:${file}`);

beforeAll(async () => {
  // The cosign TEST DOUBLE accepts every digest (refusals are promotion.test.ts's).
  repo = await promotionRepo('gitops-rollback-', synthIn);
  ({ root, work, github, apiUrl } = repo);
  commitAll('initial');
}, 60_000);

afterAll(async () => {
  await repo?.stop();
});

describe('rollback and holds, for real against git, synth and the fake GitHub API', () => {
  let c1: string;
  let c2: string;
  let rollbackPull: number;

  /** A build of `commit` with `orders`'s digest, promoted through every environment and merged. */
  async function release(commit: string, d: string) {
    for (const [from, to] of [[undefined, 'dev'], ['dev', 'staging'], ['staging', 'prod']]) {
      const r = await promoteTo(from ? { from, to: to! } : { to: to!, commit, digests: { orders: d, worker: '' } });
      expect(r.promoted).toEqual(['orders']);
      merge(r.pullRequest!);
    }
  }

  test('two releases reach prod', async () => {
    c1 = git(work, 'rev-parse', 'HEAD');
    await release(c1, digest('a'));
    fs.writeFileSync(path.join(work, 'CHANGE.md'), 'a change\n');
    c2 = commitAll('orders: a change');
    await release(c2, digest('b'));
    expect(parseImages(onMain('deploy/environments/prod/images.yaml')).orders).toEqual({ digest: digest('b'), commit: c2 });
  });

  test('a dirty checkout is refused, naming the files, and left as it was', async () => {
    fs.writeFileSync(path.join(work, 'notes.txt'), 'mid-work\n');
    const status = git(work, 'status', '--porcelain');
    await expect(back({ action: 'rollback', environment: 'prod', reason: 'orders 500s' })).rejects.toThrow(/the checkout has 1 uncommitted or untracked file\(s\) \(notes\.txt\); commit or stash them first/);
    expect(git(work, 'status', '--porcelain')).toBe(status);
    fs.rmSync(path.join(work, 'notes.txt'));
    expect(github.writes.filter((w) => /rollback/.test(JSON.stringify(w.body)))).toEqual([]);
  });

  test('an unknown environment is refused with the ones there are', async () => {
    await expect(back({ action: 'rollback', environment: 'production', reason: 'x' })).rejects.toThrow("--rollback: 'production' is no deployed environment; try one of dev, staging, prod");
    await expect(back({ action: 'release', environment: 'prod' })).rejects.toThrow('--release-hold: prod is not held (deploy/environments/prod/images.yaml on main has no hold:); nothing to lift');
  });

  test('--rollback prod opens the pull request that restores the previous digests, holds prod, and closes the open promotion into prod', async () => {
    // A third build is on its way to prod: its promotion pull request is open.
    fs.writeFileSync(path.join(work, 'CHANGE.md'), 'another change\n');
    const c3 = commitAll('orders: another change');
    for (const [from, to] of [[undefined, 'dev'], ['dev', 'staging']]) merge((await promoteTo(from ? { from, to: to! } : { to: to!, commit: c3, digests: { orders: digest('c') } })).pullRequest!);
    const pending = await promoteTo({ from: 'staging', to: 'prod' });
    expect(github.pulls.get(pending.pullRequest!).state).toBe('open');

    const result = await back({ action: 'rollback', environment: 'prod', reason: 'orders answers 500 since the last promotion' });
    rollbackPull = result.pullRequest;
    expect(result).toMatchObject({ created: true, closedPromotion: pending.pullRequest });
    expect(github.pulls.get(pending.pullRequest!).state).toBe('closed');
    const pull = github.pulls.get(rollbackPull);
    expect(pull).toMatchObject({ title: 'Roll back prod and hold it', head: { ref: 'rollback/prod' }, base: { ref: 'main' } });
    const text = onBranch('rollback/prod', 'deploy/environments/prod/images.yaml');
    const read = parseImagesText(text, ['orders', 'worker']);
    expect(read).toEqual({
      images: { orders: { digest: digest('a'), commit: c1 }, worker: { digest: '' } },
      hold: { reason: 'orders answers 500 since the last promotion', by: 'release-manager', since: '2026-12-04T05:00:00Z' },
    });
    expect(onBranch('rollback/prod', 'deploy/rendered/prod/orders.yaml')).toContain(`image: ghcr.io/acme/orders@${digest('a')}`);
    // Only prod's files change.
    expect(git(work, 'diff', '--name-only', 'origin/main', 'origin/rollback/prod').split('\n').filter((f) => !/^deploy\/(environments\/prod\/images\.yaml|rendered\/prod\/)|^\.projen\/gitops-state\.json$/.test(f))).toEqual([]);
    expect(pull.body).toContain(`| orders | \`${digest('b').slice(0, 19)}...\` (commit \`${c2.slice(0, 12)}\`) | \`${digest('a').slice(0, 19)}...\` (commit \`${c1.slice(0, 12)}\`) |`);
    expect(pull.body).toContain('**Hold**: `orders answers 500 since the last promotion`, by `release-manager`, since 2026-12-04T05:00:00Z.');
    expect(pull.body).toContain(`The open promotion pull request into prod, #${pending.pullRequest}, is closed: it would roll forward again.`);
    console.log(`ROLLBACK PULL REQUEST BODY (#${rollbackPull}):\n${pull.body}`);
  });

  test('helm reads the held images.yaml as a values file (the chart schema allows the hold)', () => {
    const helm = helmBinary();
    if (!helm) {
      if (process.env.CI) throw new Error('helm is missing (scripts/install-helm.sh)');
      return;
    }
    const dir = tempdir('gitops-held-');
    fs.rmSync(dir, { recursive: true, force: true });
    git(work, 'worktree', 'add', '--quiet', '--detach', dir, 'origin/rollback/prod');
    try {
      const r = spawnSync(helm, ['template', 'orders', 'deploy/charts/orders', '--namespace', 'orders-prod', '-f', 'deploy/environments/prod/values/orders.yaml', '-f', 'deploy/environments/prod/images.yaml'], { cwd: dir, encoding: 'utf-8' });
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain(`image: "ghcr.io/acme/orders@${digest('a')}"`);
      // Known-bad: a hold without its reason fails helm's schema check, as it fails synth.
      fs.writeFileSync(path.join(dir, 'bad.yaml'), 'hold: { by: x, since: "2026-12-04T05:00:00Z" }\nimages: {}\n');
      const bad = spawnSync(helm, ['template', 'orders', 'deploy/charts/orders', '-f', 'deploy/environments/prod/values/orders.yaml', '-f', 'bad.yaml'], { cwd: dir, encoding: 'utf-8' });
      expect(bad.status).not.toBe(0);
      expect(bad.stderr).toMatch(/reason/);
    } finally {
      spawnSync('git', ['worktree', 'remove', '--force', dir], { cwd: work });
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('merged, the hold stops the next automatic promotion into prod, with a message naming it', async () => {
    merge(rollbackPull);
    const writes = github.writes.length;
    const result = await promoteTo({ from: 'staging', to: 'prod' });
    expect(result).toMatchObject({ created: false, promoted: [], held: { reason: 'orders answers 500 since the last promotion', by: 'release-manager' } });
    expect(result.pullRequest).toBeUndefined();
    expect(result.lines).toEqual(['::warning title=prod is held::prod is held since 2026-12-04T05:00:00Z by release-manager (orders answers 500 since the last promotion): no promotion into prod until the hold is lifted; run `projen-gitops promote --release-hold prod` and merge its pull request']);
    expect(github.writes.length).toBe(writes);
    expect(git(work, 'ls-remote', '--heads', 'origin', 'refs/heads/promote/prod')).not.toBe('');
    // synth reads the held file as it is (nothing is written back).
    synthIn(work);
    expect(git(work, 'status', '--porcelain')).toBe('');
    // staging is not held: promotion into it goes on.
    expect((await promoteTo({ from: 'dev', to: 'staging' })).held).toBeUndefined();
  });

  test('--release-hold prod opens the pull request that lifts the hold and says what will roll out', async () => {
    const result = await back({ action: 'release', environment: 'prod' });
    const pull = github.pulls.get(result.pullRequest);
    expect(pull.title).toBe('Lift the hold on prod');
    const read = parseImagesText(onBranch('release-hold/prod', 'deploy/environments/prod/images.yaml'), ['orders', 'worker']);
    expect(read).toEqual({ images: { orders: { digest: digest('a'), commit: c1 }, worker: { digest: '' } } });
    expect(pull.body).toContain('Lifts the hold on **prod** (`orders answers 500 since the last promotion`, by `release-manager`, since 2026-12-04T05:00:00Z).');
    expect(pull.body).toContain('The next promotion from **staging** (`projen-gitops promote --from staging --to prod`) moves 1 service: orders.');
    expect(pull.body).toContain(`| orders | \`${digest('a').slice(0, 19)}...\` (commit \`${c1.slice(0, 12)}\`) | \`${digest('c').slice(0, 19)}...\``);
    console.log(`RELEASE PULL REQUEST BODY (#${result.pullRequest}):\n${pull.body}`);
    merge(result.pullRequest);
    // Lifted: the next promotion into prod opens its pull request again.
    const next = await promoteTo({ from: 'staging', to: 'prod' });
    expect(next).toMatchObject({ created: true, promoted: ['orders'] });
    expect(next.held).toBeUndefined();
  });

  test('every request body the commands sent is one GitHub accepts (the fake API checks them against the REST description)', () => {
    expect(github.writes.map((w) => `${w.method} ${w.path}`).filter((w) => /PATCH/.test(w)).length).toBeGreaterThan(0);
    expect(github.responseErrors ?? []).toEqual([]);
  });

  test('a rollback of an environment with one version only has nothing to roll back to', async () => {
    const fresh = tempdir('gitops-rollback-fresh-');
    try {
      git(fresh, 'init', '--quiet', '--bare', '--initial-branch=main', 'origin.git');
      git(fresh, 'clone', '--quiet', path.join(root, 'origin.git'), 'c');
      const clone = path.join(fresh, 'c');
      // No environment file changed in history: cut the history to the initial commit.
      git(clone, 'checkout', '--quiet', '-B', 'main', git(clone, 'rev-list', '--max-parents=0', 'HEAD'));
      git(clone, 'remote', 'set-url', 'origin', path.join(fresh, 'origin.git'));
      git(clone, 'push', '--quiet', 'origin', 'HEAD:refs/heads/main');
      await expect(back({ action: 'rollback', environment: 'prod', reason: 'x', cwd: clone })).rejects.toThrow(PromoteError);
      await expect(back({ action: 'rollback', environment: 'prod', reason: 'x', cwd: clone })).rejects.toThrow(/prod has nothing to roll back to/);
    } finally {
      fs.rmSync(fresh, { recursive: true, force: true });
    }
  });
});
