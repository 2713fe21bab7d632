/**
 * `projen-gitops plan-comment`: posts a Terraform/OpenTofu plan of one root as ONE pull request
 * comment, found again by a hidden marker and updated in place (never duplicated), or, for the
 * scheduled drift check, opens or updates one issue per root (and closes it once the drift is
 * gone). The plan is cut to fit GitHub's 65536-character body limit, with a link to the run's
 * log, where the whole plan is.
 */

import { apiUrlOf, oneLine, parseCommandLine, single, strictInteger } from './args';
import { checkRepository } from '../model/repository';

/** GitHub rejects issue and comment bodies longer than this (characters). */
export const BODY_LIMIT = 65536;
/** The label of drift issues. */
export const DRIFT_LABEL = 'infra-drift';

export class PlanCommentError extends Error {}
PlanCommentError.prototype.name = 'PlanCommentError';

export interface PlanCommentOptions {
  /** The root (`shared` or an environment). */
  readonly root: string;
  /** The plan's text. */
  readonly plan: string;
  /** The plan's exit code: 0 no changes (or success), 1 failed, 2 changes (`-detailed-exitcode`). */
  readonly status: number;
  /** The pull request to comment on; without it, the drift issue. */
  readonly pr?: number;
  readonly repo: string;
  readonly apiUrl: string;
  readonly token: string;
  /** The run whose log holds the whole plan. */
  readonly runUrl?: string;
  /**
   * The login the token comments as: only a comment (or drift issue) carrying the marker AND
   * written by it is updated; anyone can write the marker into a comment of their own.
   * @default "github-actions[bot]" (the workflow token)
   */
  readonly author?: string;
}

/** Who comments with the workflow token (GITHUB_TOKEN); a GitHub App's token comments as `<app-slug>[bot]`. */
export const WORKFLOW_TOKEN_AUTHOR = 'github-actions[bot]';
/** A GitHub login: letters, digits and single '-' (at most 39), or an app's `<slug>[bot]`. */
const LOGIN = /^[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}(?:\[bot\])?$/;

export const marker = (root: string) => `<!-- projen-gitops:plan:${root} -->`;

/** The body: marker, title, the plan in a fence (cut to fit), the link to the log. */
export function planBody(options: Pick<PlanCommentOptions, 'root' | 'plan' | 'status' | 'runUrl' | 'pr'>): string {
  const { root, status, runUrl } = options;
  const verdict = status === 1 ? 'failed' : options.pr === undefined ? (status === 2 ? 'found drift' : 'found no drift') : 'succeeded';
  const title = `${marker(root)}\n### ${options.pr === undefined ? 'Drift check' : 'Plan'} of \`${root}\` ${verdict}\n`;
  const log = runUrl ? `[the run's log](${runUrl})` : "the run's log";
  const footer = `\n\nThe whole output is in ${log}.`;
  // A fence longer than any backtick run in the plan, so the plan cannot end it.
  const longest = Math.max(2, ...(options.plan.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const open = `\n${fence}text\n`;
  const close = `\n${fence}`;
  let plan = options.plan.replace(/\s+$/, '');
  const room = BODY_LIMIT - title.length - open.length - close.length - footer.length;
  if (plan.length > room) {
    const cut = `\n... (cut: ${plan.length} characters in all; see the run's log)`;
    plan = plan.slice(0, room - cut.length).replace(/\n[^\n]*$/, '') + cut;
  }
  return `${title}${open}${plan}${close}${footer}`;
}

interface Api {
  (method: string, path: string, body?: object): Promise<any>;
}

function api(options: PlanCommentOptions): Api {
  return async (method, path, body) => {
    const url = `${options.apiUrl.replace(/\/+$/, '')}/repos/${options.repo}${path}`;
    const send = () => fetch(url, {
      method,
      headers: {
        'authorization': `Bearer ${options.token}`,
        'accept': 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(30_000),
    });
    const code = (error: unknown) => String(((error as Error).cause as any)?.code ?? '');
    let response: Response;
    try {
      // A kept-alive connection the server closed meanwhile fails at once: a read is sent again (never a write).
      response = await send().catch((error) => {
        if (method === 'GET' && /^(UND_ERR_SOCKET|ECONNRESET|EPIPE)$/.test(code(error))) return send();
        throw error;
      });
    } catch (error) {
      throw new PlanCommentError(`cannot reach ${options.apiUrl} (${(error as Error).message}${code(error) ? `: ${code(error)}` : ''})`);
    }
    const text = await response.text();
    if (!response.ok) throw new PlanCommentError(`${method} ${url} answered ${response.status}: ${oneLine(text, 300)}`);
    try {
      return text ? JSON.parse(text) : undefined;
    } catch {
      throw new PlanCommentError(`${method} ${url} answered ${response.status} with no JSON (${JSON.stringify(oneLine(text, 100))}); check GITHUB_API_URL`);
    }
  };
}

/** Every page of a list (GitHub pages at most 100 items). */
async function all(call: Api, path: string): Promise<any[]> {
  const items: any[] = [];
  for (let page = 1; ; page++) {
    const batch = await call('GET', `${path}${path.includes('?') ? '&' : '?'}per_page=100&page=${page}`);
    if (!Array.isArray(batch)) throw new PlanCommentError(`GET ${path.split('?')[0]} answered no list; check GITHUB_API_URL`);
    items.push(...batch.filter((item) => item && typeof item === 'object'));
    // A runaway server (or a wrong URL) that pages forever stops here.
    if (page >= 1000) throw new PlanCommentError(`GET ${path.split('?')[0]} has more than 100000 items; stopped`);
    if (batch.length < 100) return items;
  }
}

/** Posts or updates the comment (or drift issue). Returns what it did. */
export async function planComment(options: PlanCommentOptions): Promise<'created' | 'updated' | 'closed' | 'unchanged'> {
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(options.root)) throw new PlanCommentError(`--root must be a root name (a DNS label), got ${JSON.stringify(options.root)}`);
  const badRepo = checkRepository(options.repo);
  if (badRepo) throw new PlanCommentError(`GITHUB_REPOSITORY ${badRepo}`);
  const author = options.author ?? WORKFLOW_TOKEN_AUTHOR;
  if (!LOGIN.test(author)) throw new PlanCommentError(`--author must be a GitHub login (the token's: ${WORKFLOW_TOKEN_AUTHOR} for the workflow token, <app-slug>[bot] for a GitHub App's), got ${JSON.stringify(author)}`);
  const call = api(options);
  const body = planBody(options);
  const mark = marker(options.root);
  // Ours: the marker first AND written by the token's identity (logins ending in [bot] are apps'; no person can take one).
  const ours = (item: any) => typeof item.body === 'string' && item.body.startsWith(mark) && item.user?.login === author;
  if (options.pr !== undefined) {
    const comments = await all(call, `/issues/${options.pr}/comments`);
    const mine = comments.find(ours);
    if (mine) {
      await call('PATCH', `/issues/comments/${mine.id}`, { body });
      return 'updated';
    }
    await call('POST', `/issues/${options.pr}/comments`, { body });
    return 'created';
  }
  const issues = (await all(call, `/issues?state=open&labels=${DRIFT_LABEL}`)).filter((i) => !i.pull_request);
  const open = issues.find(ours);
  if (options.status === 0) {
    if (!open) return 'unchanged';
    await call('POST', `/issues/${open.number}/comments`, { body: `${mark}\nThe drift of \`${options.root}\` is gone: the plan shows no changes.` });
    await call('PATCH', `/issues/${open.number}`, { state: 'closed', state_reason: 'completed' });
    return 'closed';
  }
  if (open) {
    await call('PATCH', `/issues/${open.number}`, { body });
    return 'updated';
  }
  await call('POST', '/issues', { title: `Infra drift in ${options.root}`, body, labels: [DRIFT_LABEL] });
  return 'created';
}

export const PLAN_COMMENT_USAGE = `Usage: projen-gitops plan-comment --root ROOT --plan FILE --status N (--pr NUMBER | --drift) [--author LOGIN]

Posts the plan of one infra root as one pull request comment, updated in place on every run
(--pr), or opens/updates one drift issue per root and closes it when the drift is gone
(--drift). Only a comment or issue written by --author is ever updated. The token comes from
GH_TOKEN or GITHUB_TOKEN; the repository, API and run from GITHUB_REPOSITORY, GITHUB_API_URL,
GITHUB_SERVER_URL and GITHUB_RUN_ID.

Options:
  --root ROOT     the root: shared or an environment
  --plan FILE     the plan's text output
  --status N      the plan's exit code (0, 1, or 2 with -detailed-exitcode)
  --pr NUMBER     the pull request
  --drift         the drift issue instead
  --author LOGIN  who the token comments as (default ${WORKFLOW_TOKEN_AUTHOR}, the workflow token;
                  a GitHub App's token comments as <app-slug>[bot])
  -h, --help      show this help`;

/** Parses the command line and the run's environment. */
export function planCommentOptions(argv: string[], env: NodeJS.ProcessEnv, read: (file: string) => string): PlanCommentOptions | undefined {
  const fail = (message: string) => new PlanCommentError(message);
  const { values, positionals } = parseCommandLine(argv, {
    root: { type: 'string', multiple: true },
    plan: { type: 'string', multiple: true },
    status: { type: 'string', multiple: true },
    pr: { type: 'string', multiple: true },
    author: { type: 'string', multiple: true },
    drift: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  }, fail);
  if (values.help) return undefined;
  if (positionals.length > 0) throw fail(`unexpected argument ${JSON.stringify(positionals[0])} (see --help)`);
  const given = Object.fromEntries(['root', 'plan', 'status', 'pr', 'author'].map((k) => [k, single(values, k, fail)]));
  for (const needed of ['root', 'plan', 'status']) if (given[needed] === undefined) throw fail(`--${needed} is required (see --help)`);
  if ((values.drift === true) === (given.pr !== undefined)) throw fail('give either --pr NUMBER or --drift');
  const status = strictInteger(given.status!, 0, 2);
  if (status === undefined) throw fail(`--status must be 0, 1 or 2 (the plan's exit code), got ${JSON.stringify(given.status)}`);
  const pr = given.pr === undefined ? undefined : strictInteger(given.pr, 1, 2 ** 31 - 1);
  if (given.pr !== undefined && pr === undefined) throw fail(`--pr must be a pull request number (digits), got ${JSON.stringify(given.pr)}`);
  const token = env.GH_TOKEN || env.GITHUB_TOKEN;
  if (!token) throw fail('no token: set GH_TOKEN or GITHUB_TOKEN');
  const repo = env.GITHUB_REPOSITORY;
  if (!repo) throw fail('GITHUB_REPOSITORY is not set (owner/name)');
  const badRepo = checkRepository(repo);
  if (badRepo) throw fail(`GITHUB_REPOSITORY ${badRepo}`);
  const server = env.GITHUB_SERVER_URL || 'https://github.com';
  const runId = env.GITHUB_RUN_ID;
  if (runId !== undefined && runId !== '' && strictInteger(runId, 1, Number.MAX_SAFE_INTEGER) === undefined) throw fail(`GITHUB_RUN_ID must be a run number, got ${JSON.stringify(runId)}`);
  if (!/^https?:\/\/[^\s/?#@]+(\/[^\s?#]*)?$/.test(server)) throw fail(`GITHUB_SERVER_URL must be an http(s) URL, got ${JSON.stringify(oneLine(server, 200))}`);
  let plan: string;
  try {
    plan = read(given.plan!);
  } catch (error) {
    throw fail(`--plan: cannot read ${JSON.stringify(given.plan)} (${oneLine((error as Error).message, 200)})`);
  }
  return {
    root: given.root!,
    plan,
    status,
    pr,
    repo,
    apiUrl: apiUrlOf(env, fail),
    token,
    author: given.author,
    runUrl: runId ? `${server.replace(/\/+$/, '')}/${repo}/actions/runs/${runId}` : undefined,
  };
}
