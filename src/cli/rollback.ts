/**
 * `projen-gitops promote --rollback ENV --reason TEXT` and `--release-hold ENV`: the pull
 * request that restores an environment's previous digests (from the git history of its
 * `images.yaml`) and holds it, and the one that lifts the hold, saying what will roll out.
 * While an environment is held, `promote` opens no pull request into it (src/cli/holds.ts).
 */
import { spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { apiUrlOf, parseCommandLine, single } from './args';
import { githubApi, openPullRequests, pushAndOpenPullRequest } from './github-client';
import { PromoteError, PromotionFacts, readFacts, renderWithTools, writeImages } from './promote';
import { checkHoldText, Hold, holdTime } from '../model/hold';
import { IMAGES_FILE_LIMIT, ImagesEntry, parseImagesText } from '../model/images-file';
import { imagesFile } from '../model/layout';
import { PROMOTION_BRANCH_PREFIX } from '../model/promotion';
import { checkRepository } from '../model/repository';

export const ROLLBACK_BRANCH_PREFIX = 'rollback/';
export const RELEASE_BRANCH_PREFIX = 'release-hold/';
/** The marker in a rollback pull request's body (what `metrics` also recognises). */
export const ROLLBACK_MARKER = '<!-- projen-gitops rollback -->';
export const RELEASE_MARKER = '<!-- projen-gitops release-hold -->';

export interface RollbackOptions {
  /** Roll back and hold `env`, or lift its hold. */
  readonly action: 'rollback' | 'release';
  /** The environment. */
  readonly environment: string;
  /** Why (a rollback needs one). */
  readonly reason?: string;
  /** Who: GITHUB_ACTOR, else the checkout's git user.name (read when undefined). */
  readonly by?: string;
  /** The hold's time (tests pass one). */
  readonly now?: Date;
  readonly cwd: string;
  /** Re-renders the manifests in a checkout of the pull request's branch, `dir`. */
  readonly render: (dir: string) => void;
  readonly apiUrl: string;
  readonly token: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (line: string) => void;
}

export interface RollbackResult {
  readonly pullRequest: number;
  readonly created: boolean;
  /** The digests the pull request sets. */
  readonly images: Record<string, ImagesEntry>;
  /** The commit whose images.yaml was restored (rollback). */
  readonly restoredFrom?: string;
  /** The promotion pull request into the environment that was closed (rollback). */
  readonly closedPromotion?: number;
  readonly body: string;
}

/** Options of `promote --rollback` / `--release-hold`, or `undefined` when argv has neither flag (a promotion). */
export function parseRollbackArgs(argv: string[], env: NodeJS.ProcessEnv): Omit<RollbackOptions, 'cwd' | 'render'> | undefined {
  if (!argv.some((a) => /^--(rollback|release-hold)(=|$)/.test(a))) return undefined;
  const fail = (message: string) => new PromoteError(message);
  const { values, positionals } = parseCommandLine(argv, {
    'rollback': { type: 'string', multiple: true },
    'release-hold': { type: 'string', multiple: true },
    'reason': { type: 'string', multiple: true },
  }, fail);
  if (positionals.length > 0) throw fail(`unexpected argument ${JSON.stringify(positionals[0])} (see --help)`);
  const held = single(values, 'rollback', fail);
  const release = single(values, 'release-hold', fail);
  const reason = single(values, 'reason', fail);
  if (held !== undefined && release !== undefined) throw fail('--rollback ENV holds an environment and --release-hold ENV lifts a hold: give one of them');
  if (held !== undefined && reason === undefined) throw fail(`--rollback needs --reason: say why ${held} is rolled back and held (the hold records it); try --rollback ${held} --reason 'orders answers 500 since the last promotion'`);
  if (release !== undefined && reason !== undefined) throw fail('--reason goes with --rollback (a hold records why); --release-hold takes none');
  if (reason !== undefined) {
    const problem = checkHoldText('reason', reason);
    if (problem) throw fail(`--reason ${problem}`);
  }
  const token = env.GH_TOKEN || env.GITHUB_TOKEN;
  if (!token) throw fail('no token: set GH_TOKEN (for example `GH_TOKEN=$(gh auth token)`) to one with "Contents: write" and "Pull requests: write"');
  return {
    action: held !== undefined ? 'rollback' : 'release',
    environment: (held ?? release)!,
    reason,
    by: env.GITHUB_ACTOR || undefined,
    token,
    apiUrl: apiUrlOf(env, fail),
  };
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv | undefined, mayFail = false): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, env: env ?? process.env, encoding: 'utf-8', maxBuffer: 64 * 1024 * 1024 });
  if (!mayFail && result.status !== 0) {
    throw new PromoteError(`${command} ${args[0] === '-c' ? args.find((a) => !a.startsWith('-') && !a.includes('=')) : args[0]} failed: ${(result.stderr || result.error?.message || '').trim()}`);
  }
  return result;
}

interface Version { commit: string; images: Record<string, ImagesEntry>; hold?: Hold }

/** Rolls an environment back and holds it, or lifts its hold: one pull request either way. */
export async function rollback(options: RollbackOptions): Promise<RollbackResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const git = (...args: string[]) => run('git', args, options.cwd, options.env).stdout;
  const top = run('git', ['rev-parse', '--show-toplevel'], options.cwd, options.env, true).stdout.trim() || options.cwd;
  // Nothing is built in the checkout, but a rollback is a release manager's act: it starts from
  // a clean checkout so no half-done local change is mistaken for what is held.
  const dirty = git('status', '--porcelain', '--untracked-files=all').split('\n').filter(Boolean);
  if (dirty.length > 0) {
    throw new PromoteError(`the checkout has ${dirty.length} uncommitted or untracked file(s) (${dirty.slice(0, 3).map((l) => l.slice(3)).join(', ')}${dirty.length > 3 ? ', ...' : ''}); commit or stash them first (--${options.action === 'rollback' ? 'rollback' : 'release-hold'} never touches uncommitted work)`);
  }
  const facts: PromotionFacts = readFacts(top);
  const badRepository = checkRepository(facts.repository);
  if (badRepository) throw new PromoteError(`deploy/promotion.json: repository ${badRepository}; set repository in .projenrc.ts and run \`npx projen\``);
  const envs = facts.environments;
  const flag = options.action === 'rollback' ? '--rollback' : '--release-hold';
  if (!envs.includes(options.environment)) throw new PromoteError(`${flag}: '${options.environment}' is no deployed environment; try one of ${envs.join(', ')}`);
  const by = options.by ?? run('git', ['config', 'user.name'], options.cwd, options.env, true).stdout.trim();
  const byProblem = checkHoldText('by', by);
  if (options.action === 'rollback' && byProblem) throw new PromoteError(`who holds ${options.environment}: GITHUB_ACTOR or git's user.name ${byProblem.replace(/; try .*/, '')}; set one (git config user.name 'octocat')`);

  const base = facts.defaultBranch;
  const auth = /^https:/.test(git('remote', 'get-url', 'origin').trim()) ? ['-c', `http.extraheader=AUTHORIZATION: basic ${Buffer.from(`x-access-token:${options.token}`).toString('base64')}`] : [];
  git(...auth, 'fetch', '--quiet', 'origin', base);
  const file = imagesFile(options.environment);
  const services = facts.services.map((s) => s.name);
  const versionAt = (commit: string, at = file): Version | undefined => {
    const size = run('git', ['cat-file', '-s', `${commit}:${at}`], options.cwd, options.env, true);
    if (size.status !== 0) return undefined;
    if (!(Number(size.stdout.trim()) <= IMAGES_FILE_LIMIT)) throw new PromoteError(`${at} at ${commit.slice(0, 12)} is larger than the ${IMAGES_FILE_LIMIT} bytes an images.yaml may have`);
    const read = parseImagesText(git('show', `${commit}:${at}`));
    if (read.problem !== undefined) throw new PromoteError(`${at} at ${commit.slice(0, 12)} ${read.problem.replace('<file>', at)}`);
    return { commit, images: read.images, hold: read.hold };
  };
  const head = git('rev-parse', `origin/${base}`).trim();
  const current = versionAt(head) ?? { commit: head, images: {} };
  const digestsOf = (v: Version) => services.map((s) => `${s}=${v.images[s]?.digest ?? ''}`).join(',');

  let target: Version;
  let restoredFrom: string | undefined;
  let hold: Hold | undefined;
  if (options.action === 'rollback') {
    // The environment's history on the default branch, newest first: the first version with
    // other digests than now is what it ran before.
    const commits = git('log', '--first-parent', '--format=%H', `origin/${base}`, '--', file).split('\n').filter(Boolean);
    let previous: Version | undefined;
    for (const commit of commits) {
      const parent = run('git', ['rev-parse', '--verify', '--quiet', `${commit}^`], options.cwd, options.env, true).stdout.trim();
      const version = parent ? versionAt(parent) : undefined;
      if (version && digestsOf(version) !== digestsOf(current)) {
        previous = version;
        break;
      }
    }
    if (!previous) throw new PromoteError(`${options.environment} has nothing to roll back to: ${file} on ${base} has had these digests since it was first written; to hold it as it is, roll back after the next promotion, or revert by hand`);
    restoredFrom = previous.commit;
    hold = { reason: options.reason ?? '', by, since: holdTime(options.now ?? new Date()) };
    target = { commit: previous.commit, images: Object.fromEntries(services.map((s) => [s, previous!.images[s] ?? { digest: '' }])) };
  } else {
    if (!current.hold) throw new PromoteError(`--release-hold: ${options.environment} is not held (${file} on ${base} has no hold:); nothing to lift`);
    target = { commit: head, images: Object.fromEntries(services.map((s) => [s, current.images[s] ?? { digest: '' }])) };
  }

  const api = githubApi(options.apiUrl, options.token, (message) => new PromoteError(message),
    'the token needs "Contents: write" and "Pull requests: write" on the repository');
  const fail = (message: string) => new PromoteError(message);
  const openOn = (branch: string) => openPullRequests(api, facts.repository, branch, base, fail);
  const openPromotion = (await openOn(`${PROMOTION_BRANCH_PREFIX}${options.environment}`))[0]?.number as number | undefined;

  const short = (c?: string) => (c ? `\`${c.slice(0, 12)}\`` : '?');
  const table = (before: Record<string, ImagesEntry>, after: Record<string, ImagesEntry>, beforeName: string, afterName: string) => [
    `| service | ${beforeName} | ${afterName} |`,
    '|---|---|---|',
    ...services.map((s) => {
      const cell = (e?: ImagesEntry) => (e?.digest ? `\`${e.digest.slice(0, 19)}...\` (commit ${short(e.commit)})` : '(none: the fallback tag)');
      const changed = (before[s]?.digest ?? '') !== (after[s]?.digest ?? '');
      return `| ${s}${changed ? '' : ' (unchanged)'} | ${cell(before[s])} | ${cell(after[s])} |`;
    }),
  ];
  let title: string;
  let body: string;
  const env = options.environment;
  if (options.action === 'rollback') {
    title = `Roll back ${env} and hold it`;
    body = [
      `Rolls **${env}** back to the digests it ran before ${short(restoredFrom)} changed them (the images.yaml of ${short(restoredFrom)}'s parent), and **holds** it.`,
      '',
      ...table(current.images, target.images, 'now', 'after this rollback'),
      '',
      `**Hold**: \`${hold!.reason}\`, by \`${hold!.by}\`, since ${hold!.since}. While \`${file}\` holds it, \`projen-gitops promote\` opens no pull request into ${env}.`,
      ...(openPromotion !== undefined ? ['', `The open promotion pull request into ${env}, #${openPromotion}, is closed: it would roll forward again.`] : []),
      '',
      `To lift the hold: \`projen-gitops promote --release-hold ${env}\` opens the pull request that says what will roll out.`,
      '',
      ROLLBACK_MARKER,
    ].join('\n');
  } else {
    const index = envs.indexOf(env);
    const from = index > 0 ? envs[index - 1] : undefined;
    const fromVersion = from ? versionAt(head, imagesFile(from)) ?? { commit: head, images: {} } : undefined;
    const moving = from && fromVersion ? services.filter((s) => (fromVersion.images[s]?.digest ?? '') !== (current.images[s]?.digest ?? '') && fromVersion.images[s]?.digest) : [];
    title = `Lift the hold on ${env}`;
    body = [
      `Lifts the hold on **${env}** (\`${current.hold!.reason}\`, by \`${current.hold!.by}\`, since ${current.hold!.since}). The digests ${env} runs do not change in this pull request.`,
      '',
      '**What will roll out** once this is merged and automatic promotion into it resumes:',
      '',
      ...(from
        ? moving.length === 0
          ? [`Nothing yet: ${from} runs the same digests as ${env}. The next promotion from ${from} brings what ${from} runs then.`]
          : [`The next promotion from **${from}** (\`projen-gitops promote --from ${from} --to ${env}\`) moves ${moving.length} service${moving.length === 1 ? '' : 's'}: ${moving.join(', ')}.`, '', ...table(current.images, fromVersion!.images, `${env} now (held)`, `${from} now (rolls out next)`)]
        : [`The next build of ${base}: its digests are promoted into ${env}, the first environment, by the container workflow.`, '', ...table(current.images, current.images, `${env} now (held)`, `${env} after this pull request`)]),
      '',
      RELEASE_MARKER,
    ].join('\n');
  }

  const branch = `${options.action === 'rollback' ? ROLLBACK_BRANCH_PREFIX : RELEASE_BRANCH_PREFIX}${env}`;
  const remoteBranch = /^([0-9a-f]{40,64})\t/.exec(git(...auth, 'ls-remote', '--heads', 'origin', `refs/heads/${branch}`))?.[1];
  // The branch is built in a temporary worktree of the default branch.
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'projen-gitops-rollback-'));
  const dir = path.join(scratch, 'tree');
  let commit: string;
  try {
    git('-c', 'core.hooksPath=/dev/null', 'worktree', 'add', '--quiet', '--detach', dir, head);
    const inTree = (...args: string[]) => run('git', args, dir, options.env).stdout;
    writeImages(path.join(dir, file), env, target.images, hold);
    renderWithTools(top, dir, options.render);
    inTree('add', '--all');
    inTree('-c', 'user.name=projen-gitops promotion', '-c', 'user.email=projen-gitops@users.noreply.github.com', 'commit', '--quiet', '--no-verify', '-m', title);
    commit = inTree('rev-parse', 'HEAD').trim();
  } finally {
    run('git', ['worktree', 'remove', '--force', dir], options.cwd, options.env, true);
    fs.rmSync(scratch, { recursive: true, force: true });
  }

  const open = await openOn(branch);
  const push = (lease: string, refspec: string, mayFail = false) => run('git', [...auth, 'push', '--quiet', `--force-with-lease=refs/heads/${branch}:${lease}`, 'origin', refspec], options.cwd, options.env, mayFail);
  const pushed = { repository: facts.repository, branch, base, commit, remoteBranch, push: true, gitPush: push };
  const { number, created } = await pushAndOpenPullRequest(api, pushed, open, title, body, fail, log);
  let closedPromotion: number | undefined;
  if (options.action === 'rollback' && openPromotion !== undefined) {
    await api('PATCH', `/repos/${facts.repository}/pulls/${openPromotion}`, { state: 'closed' });
    closedPromotion = openPromotion;
    log(`closed promotion pull request #${openPromotion}: it would roll ${env} forward again`);
  }
  return { pullRequest: number, created, images: target.images, restoredFrom, closedPromotion, body };
}
