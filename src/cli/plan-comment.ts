/**
 * `projen-gitops plan-comment`: posts a Terraform/OpenTofu plan of one root as ONE pull request
 * comment, found again by a hidden marker and updated in place (never duplicated), or, for the
 * scheduled drift check, opens or updates one issue per root (and closes it once the drift is
 * gone). The plan is cut to fit GitHub's 65536-character body limit, with a link to the run's
 * log, where the whole plan is.
 */

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
}

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
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          'authorization': `Bearer ${options.token}`,
          'accept': 'application/vnd.github+json',
          'x-github-api-version': '2022-11-28',
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });
    } catch (error) {
      throw new PlanCommentError(`cannot reach ${options.apiUrl} (${(error as Error).message})`);
    }
    const text = await response.text();
    if (!response.ok) throw new PlanCommentError(`${method} ${url} answered ${response.status}: ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : undefined;
  };
}

/** Every page of a list (GitHub pages at most 100 items). */
async function all(call: Api, path: string): Promise<any[]> {
  const items: any[] = [];
  for (let page = 1; ; page++) {
    const batch = await call('GET', `${path}${path.includes('?') ? '&' : '?'}per_page=100&page=${page}`);
    items.push(...batch);
    if (batch.length < 100) return items;
  }
}

/** Posts or updates the comment (or drift issue). Returns what it did. */
export async function planComment(options: PlanCommentOptions): Promise<'created' | 'updated' | 'closed' | 'unchanged'> {
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(options.root)) throw new PlanCommentError(`--root must be a root name (a DNS label), got ${JSON.stringify(options.root)}`);
  const call = api(options);
  const body = planBody(options);
  const mark = marker(options.root);
  if (options.pr !== undefined) {
    const comments = await all(call, `/issues/${options.pr}/comments`);
    const mine = comments.find((c) => typeof c.body === 'string' && c.body.startsWith(mark));
    if (mine) {
      await call('PATCH', `/issues/comments/${mine.id}`, { body });
      return 'updated';
    }
    await call('POST', `/issues/${options.pr}/comments`, { body });
    return 'created';
  }
  const issues = (await all(call, `/issues?state=open&labels=${DRIFT_LABEL}`)).filter((i) => !i.pull_request);
  const open = issues.find((i) => typeof i.body === 'string' && i.body.startsWith(mark));
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

export const PLAN_COMMENT_USAGE = `Usage: projen-gitops plan-comment --root ROOT --plan FILE --status N (--pr NUMBER | --drift)

Posts the plan of one infra root as one pull request comment, updated in place on every run
(--pr), or opens/updates one drift issue per root and closes it when the drift is gone
(--drift). The token comes from GH_TOKEN or GITHUB_TOKEN; the repository, API and run from
GITHUB_REPOSITORY, GITHUB_API_URL, GITHUB_SERVER_URL and GITHUB_RUN_ID.

Options:
  --root ROOT     the root: shared or an environment
  --plan FILE     the plan's text output
  --status N      the plan's exit code (0, 1, or 2 with -detailed-exitcode)
  --pr NUMBER     the pull request
  --drift         the drift issue instead
  -h, --help      show this help`;

/** Parses the command line and the run's environment. */
export function planCommentOptions(argv: string[], env: NodeJS.ProcessEnv, read: (file: string) => string): PlanCommentOptions | undefined {
  const values: Record<string, string> = {};
  let drift = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') return undefined;
    if (arg === '--drift') {
      drift = true;
      continue;
    }
    if (!['--root', '--plan', '--status', '--pr'].includes(arg)) throw new PlanCommentError(`unknown option '${arg}' (see --help)`);
    const value = argv[++i];
    if (value === undefined || value.startsWith('--')) throw new PlanCommentError(`${arg} needs a value`);
    values[arg.slice(2)] = value;
  }
  for (const needed of ['root', 'plan', 'status']) if (!values[needed]) throw new PlanCommentError(`--${needed} is required (see --help)`);
  if (drift === (values.pr !== undefined)) throw new PlanCommentError('give either --pr NUMBER or --drift');
  const status = Number(values.status);
  if (![0, 1, 2].includes(status)) throw new PlanCommentError(`--status must be 0, 1 or 2, got ${JSON.stringify(values.status)}`);
  const pr = values.pr === undefined ? undefined : Number(values.pr);
  if (pr !== undefined && !(Number.isInteger(pr) && pr > 0)) throw new PlanCommentError(`--pr must be a pull request number, got ${JSON.stringify(values.pr)}`);
  const token = env.GH_TOKEN ?? env.GITHUB_TOKEN;
  if (!token) throw new PlanCommentError('no token: set GH_TOKEN or GITHUB_TOKEN');
  if (!env.GITHUB_REPOSITORY) throw new PlanCommentError('GITHUB_REPOSITORY is not set (owner/name)');
  const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
  return {
    root: values.root,
    plan: read(values.plan),
    status,
    pr,
    repo: env.GITHUB_REPOSITORY,
    apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
    token,
    runUrl: env.GITHUB_RUN_ID ? `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` : undefined,
  };
}
