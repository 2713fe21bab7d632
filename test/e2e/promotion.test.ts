/**
 * `projen-gitops promote` run for real: a synthesized repository in git with a bare `origin`,
 * synth re-rendering the manifests (what `npx projen` runs), and the fake GitHub API checking
 * every request body against GitHub's REST description. cosign is replaced by a TEST DOUBLE
 * on PATH (the real one needs Sigstore's servers and a registry): it checks the arguments it
 * is given and refuses one digest, as the real one refuses an unsigned image.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { git, PromotionRepo, promotionRepo, synthWith } from './promotion-repo';
import { RepositoryVisibility, Runtime } from '../../src';
import { parseImages, promote, PromoteError, PromoteOptions } from '../../src/cli/promote';
import { FakeGitHub } from '../fake-github';

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const UNSIGNED = digest('e');
const IDENTITY = 'https://github.com/acme/orders/.github/workflows/container.yml@refs/heads/main';

let root: string;
let work: string;
let github: FakeGitHub;
let apiUrl: string;
let cosignLog: string;
let repo: PromotionRepo;

// Public, so keyless (the cosign double's flags); the KMS_KEY command lines run against real
// cosign in test/e2e/signing.test.ts.
const synthIn = synthWith({ name: 'orders', repository: 'acme/orders', visibility: RepositoryVisibility.PUBLIC, runtime: Runtime.NODE, services: [{ name: 'worker', runtime: Runtime.GO }] });

const commitAll = (message: string) => repo.commitAll(message);
/** Merges a promotion pull request as GitHub would (fast-forward here), and closes it. */
const merge = (number: number) => repo.merge(number, '--no-edit');

function run(options: Partial<PromoteOptions> & { to: string }) {
  const lines: string[] = [];
  const result = promote({
    cwd: work,
    apiUrl,
    token: github.token,
    render: (dir?: string) => synthIn(dir ?? work),
    env: repo.env({ COSIGN_LOG: cosignLog }),
    log: (line) => lines.push(line),
    ...options,
  });
  return result.then((r) => ({ ...r, lines }));
}

const onBranch = (branch: string, file: string) => git(work, 'show', `origin/${branch}:${file}`);

beforeAll(async () => {
  repo = await promotionRepo('gitops-promote-', synthIn, { identity: IDENTITY, refuse: UNSIGNED, log: true });
  ({ root, work, github, apiUrl } = repo);
  cosignLog = path.join(root, 'cosign.log');
  commitAll('initial');
}, 60_000);

afterAll(async () => {
  await repo?.stop();
});

describe('projen-gitops promote, for real against git, synth and the fake GitHub API', () => {
  let c1: string;
  let c2: string;

  test('a build of main opens the dev pull request: both digests, re-rendered, signatures checked', async () => {
    c1 = git(work, 'rev-parse', 'HEAD');
    const result = await run({ to: 'dev', commit: c1, digests: { orders: digest('a'), worker: digest('b') } });
    expect(result).toMatchObject({ pullRequest: 1, created: true, promoted: ['orders', 'worker'], refused: [] });
    const images = parseImages(onBranch('promote/dev', 'deploy/environments/dev/images.yaml'));
    expect(images).toEqual({ orders: { digest: digest('a'), commit: c1 }, worker: { digest: digest('b'), commit: c1 } });
    expect(onBranch('promote/dev', 'deploy/rendered/dev/orders.yaml')).toContain(`image: ghcr.io/acme/orders@${digest('a')}`);
    expect(onBranch('promote/dev', 'deploy/rendered/dev/worker.yaml')).toContain(`image: ghcr.io/acme/orders/worker@${digest('b')}`);
    // staging is untouched; main is untouched until the pull request is merged.
    expect(parseImages(onBranch('promote/dev', 'deploy/environments/staging/images.yaml')).orders.digest).toBe('');
    expect(parseImages(onBranch('main', 'deploy/environments/dev/images.yaml')).orders.digest).toBe('');
    const pull = github.pulls.get(1);
    expect(pull).toMatchObject({ title: 'Promote orders, worker to dev', head: { ref: 'promote/dev' }, base: { ref: 'main' } });
    expect(pull.body).toContain(`--certificate-identity ${IDENTITY} --certificate-oidc-issuer https://token.actions.githubusercontent.com`);
    expect(pull.body).toContain(`| after | \`${digest('a')}\` | \`${c1.slice(0, 12)}\` |`);
    expect(pull.body).toMatch(/Rendered diff of `deploy\/rendered\/dev\/orders.yaml` \(\d+ fields?\):\n(?:- .*\n)*- `Deployment\/orders-dev\/orders.spec.template.spec.containers.0.image: expected "ghcr.io\/acme\/orders:main", got "ghcr.io\/acme\/orders@sha256:a{64}"`/);
    expect(fs.readFileSync(cosignLog, 'utf-8').trim().split('\n')).toEqual([
      `verify --certificate-identity ${IDENTITY} --certificate-oidc-issuer https://token.actions.githubusercontent.com ghcr.io/acme/orders@${digest('a')}`,
      `verify --certificate-identity ${IDENTITY} --certificate-oidc-issuer https://token.actions.githubusercontent.com ghcr.io/acme/orders/worker@${digest('b')}`,
    ]);
  });

  test('a second build updates the same pull request instead of opening another, keeping what it already moves', async () => {
    fs.writeFileSync(path.join(work, 'services/worker/CHANGE.md'), 'a change to the worker\n');
    c2 = commitAll('worker: a change');
    const result = await run({ to: 'dev', commit: c2, digests: { worker: digest('c') } });
    expect(result).toMatchObject({ pullRequest: 1, created: false, promoted: ['orders', 'worker'] });
    expect(github.pulls.size).toBe(1);
    expect(github.writes.map((w) => `${w.method} ${w.path}`)).toEqual(['POST /repos/acme/orders/pulls', 'PATCH /repos/acme/orders/pulls/1']);
    const images = parseImages(onBranch('promote/dev', 'deploy/environments/dev/images.yaml'));
    expect(images).toEqual({ orders: { digest: digest('a'), commit: c1 }, worker: { digest: digest('c'), commit: c2 } });
    expect(onBranch('promote/dev', 'deploy/rendered/dev/worker.yaml')).toContain(`@${digest('c')}`);
  });

  test('an older build finishing late never moves the pull request back', async () => {
    const result = await run({ to: 'dev', commit: c1, digests: { worker: digest('d') } });
    expect(result.lines.join('\n')).toContain(`worker: ${c1} is older than ${c2}`);
    expect(parseImages(onBranch('promote/dev', 'deploy/environments/dev/images.yaml')).worker.digest).toBe(digest('c'));
  });

  test('an unsigned digest is refused and named; nothing is promoted for it', async () => {
    const before = onBranch('promote/dev', 'deploy/environments/dev/images.yaml');
    const result = await run({ to: 'dev', commit: c2, digests: { orders: UNSIGNED } });
    expect(result.refused).toEqual(['orders']);
    expect(result.lines.join('\n')).toMatch(new RegExp(`::error title=Signature not verified::orders: ghcr.io/acme/orders@${UNSIGNED} has no signature of ${IDENTITY.replace(/[./]/g, '\\$&')}`));
    // The pull request keeps its verified digests: the branch is rebuilt from them, never with the refused one.
    expect(parseImages(onBranch('promote/dev', 'deploy/environments/dev/images.yaml')).orders.digest).toBe(digest('a'));
    expect(onBranch('promote/dev', 'deploy/environments/dev/images.yaml')).toBe(before);
    expect(github.pulls.get(1).body).toContain('**Refused** (no signature of that identity; not promoted): orders.');
  });

  test('merged, dev is promoted to staging and then staging to prod: three reviewed pull requests in all', async () => {
    merge(1);
    const staging = await run({ from: 'dev', to: 'staging' });
    expect(staging).toMatchObject({ pullRequest: 2, created: true, promoted: ['orders', 'worker'] });
    expect(parseImages(onBranch('promote/staging', 'deploy/environments/staging/images.yaml'))).toEqual({ orders: { digest: digest('a'), commit: c1 }, worker: { digest: digest('c'), commit: c2 } });
    expect(onBranch('promote/staging', 'deploy/rendered/staging/worker.yaml')).toContain(`image: ghcr.io/acme/orders/worker@${digest('c')}`);
    expect(github.pulls.get(2).title).toBe('Promote orders, worker to staging');
    expect(github.pulls.get(2).body).toContain('into **staging** from **dev**');

    merge(2);
    const prod = await run({ from: 'staging', to: 'prod' });
    expect(prod).toMatchObject({ pullRequest: 3, created: true });
    merge(3);
    expect(parseImages(git(work, 'show', 'origin/main:deploy/environments/prod/images.yaml')).worker.digest).toBe(digest('c'));
    expect(git(work, 'show', 'origin/main:deploy/rendered/prod/orders.yaml')).toContain(`image: ghcr.io/acme/orders@${digest('a')}`);
    expect(github.writes.filter((w) => w.method === 'POST').map((w) => w.body.head)).toEqual(['promote/dev', 'promote/staging', 'promote/prod']);
    // Nothing changed since: running again opens nothing.
    const again = await run({ from: 'staging', to: 'prod' });
    expect(again.promoted).toEqual([]);
    expect(again.pullRequest).toBeUndefined();
  });

  test('the next build into dev lists the commits between the old and the new build of each service', async () => {
    fs.writeFileSync(path.join(work, 'services/worker/CHANGE.md'), 'another change\n');
    const c3 = commitAll('worker: another change @someone');
    await run({ to: 'dev', commit: c3, digests: { worker: digest('f') } });
    const body = [...github.pulls.values()].find((p) => p.state === 'open' && p.head.ref === 'promote/dev').body;
    expect(body).toContain('Commits between (`services/worker`): ');
    expect(body).toContain(`- \`${c3.slice(0, 7)} worker: another change @someone\``);
  });

  test("the fake API refuses a pull request body GitHub's description does not allow (the check above can fail)", async () => {
    const post = await fetch(`${apiUrl}/repos/acme/orders/pulls`, {
      method: 'POST',
      headers: { 'authorization': `Bearer ${github.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'x', head: 'promote/x', base: 'main', draft: 'yes', reviewer: 'me' }),
    });
    expect(post.status).toBe(422);
    expect(JSON.stringify(await post.json())).toMatch(/must NOT have additional properties 'reviewer'/);
  });

  test('the command line: --help, and a refusal printed with the fix and exit 1', () => {
    const cli = path.join(__dirname, '..', '..', 'lib', 'cli', 'main.js');
    const env = { ...process.env, GH_TOKEN: github.token, GITHUB_API_URL: apiUrl };
    const help = spawnSync(process.execPath, [cli, 'promote', '--help'], { cwd: work, encoding: 'utf-8', env });
    expect([help.status, help.stdout]).toEqual([0, expect.stringContaining('Usage: projen-gitops promote --to ENV (--from ENV | --commit SHA --digest SERVICE=sha256:... ...)')]);
    const refused = spawnSync(process.execPath, [cli, 'promote', '--to', 'staging', '--commit', c1, '--digest', `orders=${digest('a')}`], { cwd: work, encoding: 'utf-8', env });
    expect([refused.status, refused.stderr.trim()]).toEqual([1, "projen-gitops promote: --to: a build goes into the first environment, 'dev', got 'staging'; use --from dev to promote into staging"]);
    const noToken = spawnSync(process.execPath, [cli, 'promote', '--from', 'dev', '--to', 'staging'], { cwd: work, encoding: 'utf-8', env: { ...env, GH_TOKEN: '', GITHUB_TOKEN: '' } });
    expect(noToken.stderr).toMatch(/^projen-gitops promote: no token: set GH_TOKEN/);
  });

  test("a checkout with modified, staged and untracked files: nothing of the user's is committed, pushed, moved or removed", async () => {
    // The user is on a branch of their own, mid-work: a modified tracked file, a staged one, an
    // untracked one and a staged new one (the kind of files `git add --all` picks up).
    git(work, 'checkout', '--quiet', '-B', 'my-work', 'origin/main');
    fs.appendFileSync(path.join(work, 'services/worker/CHANGE.md'), 'staged edit\n');
    git(work, 'add', 'services/worker/CHANGE.md');
    fs.appendFileSync(path.join(work, 'services/worker/CHANGE.md'), 'unstaged edit on top\n');
    fs.writeFileSync(path.join(work, 'notes.txt'), 'untracked notes\n');
    fs.writeFileSync(path.join(work, 'deploy/environments/dev/images.yaml'), 'images: {}\n# my own draft\n');
    fs.writeFileSync(path.join(work, 'staged-new.txt'), 'staged new file\n');
    git(work, 'add', 'staged-new.txt');
    const state = () => ({
      head: git(work, 'rev-parse', 'HEAD'),
      branch: git(work, 'symbolic-ref', '--short', 'HEAD'),
      status: git(work, 'status', '--porcelain=v1', '--untracked-files=all'),
      index: git(work, 'diff', '--cached'),
      worktree: git(work, 'diff'),
      files: Object.fromEntries(['services/worker/CHANGE.md', 'notes.txt', 'staged-new.txt', 'deploy/environments/dev/images.yaml'].map((f) => [f, fs.readFileSync(path.join(work, f), 'utf-8')])),
      worktrees: git(work, 'worktree', 'list', '--porcelain'),
    });
    const before = state();
    const result = await run({ to: 'dev', commit: git(work, 'rev-parse', 'origin/main'), digests: { orders: digest('9') } });
    expect(result.promoted).toContain('orders');
    expect(state()).toEqual(before);
    // The promotion branch holds the promotion only: main plus images.yaml and what synth renders from it.
    git(work, 'fetch', '--quiet', 'origin');
    const changed = git(work, 'diff', '--name-only', 'origin/main', 'origin/promote/dev').split('\n').sort();
    expect(changed).toEqual(expect.arrayContaining(['deploy/environments/dev/images.yaml', 'deploy/rendered/dev/orders.yaml']));
    expect(changed.filter((f) => !/^deploy\/(environments\/dev\/images\.yaml|rendered\/dev\/)|^\.projen\/gitops-state\.json$/.test(f))).toEqual([]);
    expect(onBranch('promote/dev', 'deploy/environments/dev/images.yaml')).not.toContain('my own draft');
    for (const file of ['notes.txt', 'staged-new.txt']) expect(spawnSync('git', ['cat-file', '-e', `origin/promote/dev:${file}`], { cwd: work }).status).not.toBe(0);
    expect(onBranch('promote/dev', 'services/worker/CHANGE.md')).not.toContain('staged edit');
    // The user's work is still theirs: put it away for the tests that follow.
    git(work, 'reset', '--quiet', '--hard');
    git(work, 'clean', '--quiet', '-fd');
    git(work, 'checkout', '--quiet', 'main');
    git(work, 'branch', '--quiet', '-D', 'my-work');
  });

  test('a 403 from the API leaves no pushed branch behind (and an existing branch as it was)', async () => {
    git(work, 'fetch', '--quiet', 'origin');
    const existing = git(work, 'rev-parse', 'origin/promote/dev');
    const remoteBranches = () => git(root, '--git-dir', path.join(root, 'origin.git'), 'for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads/');
    github.failWrites = { status: 403, body: { message: 'Resource not accessible by integration' } };
    try {
      // The open dev pull request cannot be updated: its branch keeps what it had.
      await expect(run({ to: 'dev', commit: git(work, 'rev-parse', 'origin/main'), digests: { orders: digest('8') } })).rejects.toThrow(/answered 403/);
      expect(remoteBranches()).toContain(`refs/heads/promote/dev ${existing}`);
      // A pull request that cannot be opened leaves no branch: staging has none yet.
      for (const pull of github.pulls.values()) if (pull.head.ref === 'promote/staging') pull.state = 'closed';
      git(root, '--git-dir', path.join(root, 'origin.git'), 'update-ref', '-d', 'refs/heads/promote/staging');
      git(root, '--git-dir', path.join(root, 'origin.git'), 'update-ref', 'refs/heads/main', git(work, 'rev-parse', 'origin/promote/dev'));
      const branchesBefore = remoteBranches();
      await expect(run({ from: 'dev', to: 'staging' })).rejects.toThrow(/answered 403/);
      expect(remoteBranches()).toBe(branchesBefore);
      expect(remoteBranches()).not.toContain('refs/heads/promote/staging');
    } finally {
      github.failWrites = undefined;
    }
  });

  test('a promotion that skips an environment, or a build into a later one, is refused with the fix', async () => {
    await expect(run({ from: 'dev', to: 'prod' })).rejects.toThrow(new PromoteError("--from: 'prod' is promoted from 'staging', got 'dev'"));
    await expect(run({ to: 'staging', commit: c1, digests: {} })).rejects.toThrow(/--to: a build goes into the first environment, 'dev', got 'staging'; use --from dev/);
    await expect(run({ to: 'qa' })).rejects.toThrow(/--to: 'qa' is no deployed environment; try one of dev, staging, prod/);
    await expect(run({ to: 'dev', commit: c1, digests: { orders: 'sha256:abc' } })).rejects.toThrow(/orders: the digest must be sha256:<64 hex digits>, got "sha256:abc"/);
  });
});
