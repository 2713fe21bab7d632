/**
 * The scene of the promotion end-to-end tests (promotion, gates, rollback): a repository in git
 * with a bare `origin`, synthesized in-process (what `npx projen` writes, without its install),
 * a cosign TEST DOUBLE on PATH (the real one verifies against Sigstore, unreachable offline:
 * real cosign runs in signing.test.ts), and the fake GitHub API.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { GitOpsProject, GitOpsProjectOptions } from '../../src';
import { FakeGitHub } from '../fake-github';
import { tempdir } from '../util';

/** `git` in `cwd`; its output, or an error with git's message. */
export function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf-8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

/** The repository's .projenrc.ts as a function: synth in `dir` is what `npx projen` does there (no npm install). */
export function synthWith(options: Omit<GitOpsProjectOptions, 'outdir'>): (dir: string) => void {
  return (dir) => {
    const saved = process.env.PROJEN_DISABLE_POST;
    process.env.PROJEN_DISABLE_POST = 'true';
    try {
      new GitOpsProject({ ...options, outdir: dir }).synth();
    } finally {
      if (saved === undefined) delete process.env.PROJEN_DISABLE_POST;
      else process.env.PROJEN_DISABLE_POST = saved;
    }
  };
}

/** What the cosign TEST DOUBLE checks: nothing but `verify` (every digest passes), or keyless identity flags and one refused digest. */
export interface CosignDouble {
  /** The `--certificate-identity` it requires (with GitHub's issuer). */
  readonly identity?: string;
  /** A digest it refuses, as the real one refuses an unsigned image. */
  readonly refuse?: string;
  /** Append every call's arguments to the file `$COSIGN_LOG` names. */
  readonly log?: boolean;
}

function cosignScript(double: CosignDouble): string {
  if (!double.identity) return '#!/bin/sh\n[ "$1" = verify ] || exit 2\necho "Verification for $6 -- The cosign claims were validated"\n';
  return [
    '#!/bin/sh',
    '# Test double for `cosign verify`: checks the identity flags, refuses the "unsigned" digest.',
    ...(double.log ? ['echo "$*" >> "$COSIGN_LOG"'] : []),
    `[ "$1 $2 $3 $4 $5" = "verify --certificate-identity ${double.identity} --certificate-oidc-issuer https://token.actions.githubusercontent.com" ] || { echo "unexpected arguments: $*" >&2; exit 2; }`,
    ...(double.refuse ? [`case "$6" in *@${double.refuse}) echo "Error: no matching signatures" >&2; exit 1 ;; esac`] : []),
    'echo "Verification for $6 -- The cosign claims were validated"',
  ].join('\n');
}

export interface PromotionRepo {
  /** The temporary folder holding everything (removed by `stop`). */
  readonly root: string;
  /** The checkout (`origin` is `<root>/origin.git`), synthesized, nothing committed yet; commits as dev <dev@example.com>. */
  readonly work: string;
  readonly origin: string;
  readonly github: FakeGitHub;
  readonly apiUrl: string;
  /** The environment with the cosign double first on PATH, plus `extra`. */
  env(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** The head of a branch of `origin`. */
  headOf(branch: string): string;
  /** Commits everything in the checkout and pushes it to main; the commit. */
  commitAll(message: string): string;
  /** Merges pull request `number` into main as GitHub would (`flags`: git merge's), pushes, closes it; main's new head. */
  merge(number: number, ...flags: string[]): string;
  stop(): Promise<void>;
}

export async function promotionRepo(prefix: string, synthIn: (dir: string) => void, cosign: CosignDouble = {}): Promise<PromotionRepo> {
  const root = tempdir(prefix);
  const work = path.join(root, 'work');
  const origin = path.join(root, 'origin.git');
  fs.mkdirSync(path.join(root, 'bin'));
  fs.writeFileSync(path.join(root, 'bin', 'cosign'), cosignScript(cosign), { mode: 0o755 });
  git(root, 'init', '--quiet', '--bare', '--initial-branch=main', 'origin.git');
  fs.mkdirSync(work);
  git(work, 'init', '--quiet', '--initial-branch=main');
  git(work, 'config', 'user.name', 'dev');
  git(work, 'config', 'user.email', 'dev@example.com');
  git(work, 'remote', 'add', 'origin', origin);
  synthIn(work);
  const github = new FakeGitHub('acme/orders');
  const apiUrl = await github.start();
  return {
    root,
    work,
    origin,
    github,
    apiUrl,
    env: (extra = {}) => ({ ...process.env, PATH: `${path.join(root, 'bin')}${path.delimiter}${process.env.PATH}`, ...extra }),
    headOf: (branch) => git(root, '--git-dir', origin, 'rev-parse', `refs/heads/${branch}`),
    commitAll: (message) => {
      git(work, 'add', '--all');
      git(work, 'commit', '--quiet', '-m', message);
      git(work, 'push', '--quiet', 'origin', 'HEAD:refs/heads/main');
      return git(work, 'rev-parse', 'HEAD');
    },
    merge: (number, ...flags) => {
      const pull = github.pulls.get(number);
      git(work, 'fetch', '--quiet', 'origin');
      git(work, 'checkout', '--quiet', '-B', 'main', 'origin/main');
      git(work, 'merge', '--quiet', ...flags, `origin/${pull.head.ref}`);
      git(work, 'push', '--quiet', 'origin', 'HEAD:refs/heads/main');
      pull.state = 'closed';
      return git(work, 'rev-parse', 'HEAD');
    },
    stop: async () => {
      await github.stop();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
