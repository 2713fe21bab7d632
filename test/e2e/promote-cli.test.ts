/**
 * The real `projen-gitops promote` command in a repository made with `projen new --from` the
 * packed module, as the promotion job runs it after `npm ci`: `npx projen` re-renders in the
 * command's own temporary worktree (with the checkout's node_modules), a local bare `origin`,
 * the fake GitHub API, and a cosign TEST DOUBLE on PATH (the real one needs Sigstore). The
 * user's checkout, dirty on purpose, must come out exactly as it went in.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { bootstrap, packedModuleSpec, run, userEnv } from '../../scripts/bootstrap';
import { parseImages } from '../../src/cli/promote';
import { FakeGitHub } from '../fake-github';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('projen-gitops promote, the installed command in a bootstrapped repository', () => {
  let root: string;
  let dir: string;
  let github: FakeGitHub;
  let apiUrl: string;
  const git = (cwd: string, ...args: string[]) => {
    const r = run('git', args, cwd);
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-promote-cli-'));
    dir = path.join(root, 'orders');
    const result = await bootstrap(dir, packedModuleSpec(), ['--repository', 'acme/orders']);
    if (result.status !== 0) throw new Error(`projen new failed:\n${result.output}`);
    git(root, 'init', '--quiet', '--bare', '--initial-branch=main', 'origin.git');
    git(dir, 'remote', 'add', 'origin', path.join(root, 'origin.git'));
    git(dir, 'push', '--quiet', 'origin', 'HEAD:refs/heads/main');
    fs.mkdirSync(path.join(root, 'bin'));
    // TEST DOUBLE for `cosign verify`: accepts every digest (the signature rules are tested in promotion.test.ts).
    fs.writeFileSync(path.join(root, 'bin', 'cosign'), '#!/bin/sh\n[ "$1" = verify ] || exit 2\necho "Verification for $6 -- The cosign claims were validated"\n', { mode: 0o755 });
    // TEST DOUBLE for `gh attestation verify`, the default mode of a private repository (the same rules).
    fs.writeFileSync(path.join(root, 'bin', 'gh'), '#!/bin/sh\n[ "$1" = attestation ] && [ "$2" = verify ] || exit 2\necho "Loaded 1 attestation from GitHub API"\n', { mode: 0o755 });
    github = new FakeGitHub('acme/orders');
    apiUrl = await github.start();
  }, 600_000);

  afterAll(async () => {
    await github?.stop();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  /** The command, run without blocking (the fake API answers from this process). */
  type Result = { status: number | null; stdout: string; stderr: string };
  const runAsync = (command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) => new Promise<Result>((resolve) => {
    const child = spawn(command, args, { cwd, env: userEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });

  test('opens the pull request with manifests rendered by npx projen, and the dirty checkout is left exactly as it was', async () => {
    const commit = git(dir, 'rev-parse', 'HEAD');
    // Mid-work: a staged edit, an unstaged one, an untracked file.
    fs.appendFileSync(path.join(dir, 'src/server.js'), '// staged edit\n');
    git(dir, 'add', 'src/server.js');
    fs.appendFileSync(path.join(dir, 'src/server.js'), '// unstaged edit\n');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'untracked\n');
    const state = () => [git(dir, 'rev-parse', 'HEAD'), git(dir, 'symbolic-ref', 'HEAD'), git(dir, 'status', '--porcelain=v1', '--untracked-files=all'),
      git(dir, 'diff', '--cached'), git(dir, 'diff'), fs.readFileSync(path.join(dir, 'notes.txt'), 'utf-8'), git(dir, 'worktree', 'list')];
    const before = state();
    const started = Date.now();
    const result = await runAsync(path.join(dir, 'node_modules', '.bin', 'projen-gitops'), ['promote', '--to', 'dev', '--commit', commit, '--digest', `orders=${DIGEST}`], dir, {
      PATH: `${path.join(root, 'bin')}${path.delimiter}${process.env.PATH}`, GH_TOKEN: github.token, GITHUB_API_URL: apiUrl, GITHUB_OUTPUT: path.join(root, 'output'),
    });
    expect([result.status, result.stderr.split('\n').filter((l) => /^projen-gitops [a-z-]+: |Error/.test(l))]).toEqual([0, []]);
    console.log(`promote with npx projen in its worktree: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(state()).toEqual(before);
    expect(fs.readFileSync(path.join(root, 'output'), 'utf-8')).toBe('pull-request=1\n');
    git(dir, 'fetch', '--quiet', 'origin');
    expect(parseImages(git(dir, 'show', 'origin/promote/dev:deploy/environments/dev/images.yaml'))).toEqual({ orders: { digest: DIGEST, commit } });
    expect(git(dir, 'show', 'origin/promote/dev:deploy/rendered/dev/orders.yaml')).toContain(`image: ghcr.io/acme/orders@${DIGEST}`);
    // Only the promotion's files: no node_modules link, nothing of the user's.
    const changed = git(dir, 'diff', '--name-only', 'origin/main', 'origin/promote/dev').split('\n');
    expect(changed.filter((f) => !/^deploy\/(environments\/dev\/images\.yaml|rendered\/dev\/)|^\.projen\/gitops-state\.json$/.test(f))).toEqual([]);
    expect(github.pulls.get(1)).toMatchObject({ title: 'Promote orders to dev', head: { ref: 'promote/dev' } });
    // No scratch worktree is left registered or on disk.
    expect(git(dir, 'worktree', 'list').split('\n')).toHaveLength(1);
    expect(fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('projen-gitops-promote-') && fs.existsSync(path.join(os.tmpdir(), f, 'tree')))).toEqual([]);
  });

  test('promote --rollback, the installed command: refuses the dirty checkout untouched; clean, it opens the rollback pull request rendered by npx projen', async () => {
    const env = { PATH: `${path.join(root, 'bin')}${path.delimiter}${process.env.PATH}`, GH_TOKEN: github.token, GITHUB_API_URL: apiUrl, GITHUB_ACTOR: 'release-manager' };
    const bin = path.join(dir, 'node_modules', '.bin', 'projen-gitops');
    const status = git(dir, 'status', '--porcelain=v1', '--untracked-files=all');
    const refused = await runAsync(bin, ['promote', '--rollback', 'dev', '--reason', 'orders answers 500'], dir, env);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^projen-gitops promote: the checkout has 2 uncommitted or untracked file\(s\) \(src\/server.js, notes.txt\); commit or stash them first/m);
    expect(git(dir, 'status', '--porcelain=v1', '--untracked-files=all')).toBe(status);
    // Clean, with the promotion merged into main: dev has a previous version to go back to.
    git(dir, 'stash', '--include-untracked', '--quiet');
    git(dir, 'push', '--quiet', 'origin', 'origin/promote/dev:refs/heads/main');
    const opened = await runAsync(bin, ['promote', '--rollback', 'dev', '--reason', 'orders answers 500'], dir, env);
    expect([opened.status, opened.stdout]).toEqual([0, expect.stringContaining('opened pull request #2: Roll back dev and hold it')]);
    git(dir, 'fetch', '--quiet', 'origin');
    const held = git(dir, 'show', 'origin/rollback/dev:deploy/environments/dev/images.yaml');
    expect(held).toMatch(/^hold:\n {2}reason: orders answers 500\n {2}by: release-manager\n {2}since: "?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"?$/m);
    expect(parseImages(held).orders.digest).toBe('');
    expect(git(dir, 'show', 'origin/rollback/dev:deploy/rendered/dev/orders.yaml')).toContain('image: ghcr.io/acme/orders:main');
    git(dir, 'stash', 'pop', '--quiet');
  });
});
