import { oneLine } from './args';

/**
 * A small GitHub REST client for the command-line tools that open pull requests (`promote`,
 * `upgrade`): the API's media type and version, a 30 s timeout, a read sent again when a kept-alive
 * connection was closed meanwhile (never a write), and every failure one line through `fail`,
 * with `permissions` said on a 401 or 403.
 */
export function githubApi(apiUrl: string, token: string, fail: (message: string) => Error, permissions: string) {
  const root = apiUrl.replace(/\/+$/, '');
  return async (method: string, route: string, body?: object): Promise<any> => {
    const send = () => fetch(`${root}${route}`, {
      method,
      headers: {
        'accept': 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
        'user-agent': 'projen-gitops',
        'authorization': `Bearer ${token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(30_000),
    });
    const unreachable = (error: Error) => fail(`cannot reach ${root} (${error.message}${(error.cause as any)?.code ? `: ${(error.cause as any).code}` : ''}); check GITHUB_API_URL`);
    const response = await send().catch((error: Error) => {
      if (method !== 'GET' || !/^(UND_ERR_SOCKET|ECONNRESET|EPIPE)$/.test(String((error.cause as any)?.code))) throw unreachable(error);
      return send().catch((again: Error) => {
        throw unreachable(again);
      });
    });
    const text = await response.text();
    if (!response.ok) {
      const hint = response.status === 403 || response.status === 401 ? `; ${permissions}` : '';
      throw fail(`${method} ${route.split('?')[0]} answered ${response.status} (${oneLine(text, 300)})${hint}`);
    }
    try {
      return text ? JSON.parse(text) : undefined;
    } catch {
      throw fail(`${method} ${route.split('?')[0]} answered ${response.status} with no JSON (${JSON.stringify(oneLine(text, 100))}); check GITHUB_API_URL`);
    }
  };
}

/** What `githubApi` returns. */
export type GitHubApi = ReturnType<typeof githubApi>;

/** The open pull requests from `branch` (in the repository itself) into `base`: GitHub allows at most one. */
export async function openPullRequests(api: GitHubApi, repository: string, branch: string, base: string,
  fail: (message: string) => Error): Promise<any[]> {
  const [owner] = repository.split('/');
  const open = await api('GET', `/repos/${repository}/pulls?state=open&head=${encodeURIComponent(`${owner}:${branch}`)}&base=${encodeURIComponent(base)}`);
  if (!Array.isArray(open)) throw fail(`GET /repos/${repository}/pulls answered no list of pull requests; check GITHUB_API_URL`);
  return open;
}

/** A branch pushed for a pull request, and how to put it back. */
export interface PullRequestBranch {
  readonly repository: string;
  readonly branch: string;
  readonly base: string;
  /** The commit the branch is to hold. */
  readonly commit: string;
  /** The branch's commit on the remote before (undefined: it did not exist). */
  readonly remoteBranch?: string;
  /** `false` when the branch already holds `commit`: nothing is pushed (approvals of it stay), nothing is put back. */
  readonly push: boolean;
  /** `git push --force-with-lease=refs/heads/<branch>:<lease> origin <refspec>` with the caller's credentials. */
  readonly gitPush: (lease: string, refspec: string, mayFail?: boolean) => { status: number | null; stderr: string };
}

/**
 * GitHub opens a pull request only from a pushed branch: the branch is pushed, then the open
 * pull request `open[0]` is updated or a new one opened; when that fails, the branch is put
 * back as it was (or deleted) and the error says which.
 */
export async function pushAndOpenPullRequest(api: GitHubApi, target: PullRequestBranch, open: any[], title: string, body: string,
  fail: (message: string) => Error, log: (line: string) => void): Promise<{ number: number; created: boolean }> {
  const { repository, branch, base, commit, remoteBranch } = target;
  if (target.push) target.gitPush(remoteBranch ?? '', `${commit}:refs/heads/${branch}`);
  try {
    if (open.length > 0) {
      const number = open[0]?.number;
      if (!Number.isSafeInteger(number)) throw fail(`GET /repos/${repository}/pulls answered a pull request with no number; check GITHUB_API_URL`);
      await api('PATCH', `/repos/${repository}/pulls/${number}`, { title, body });
      log(`updated pull request #${number}: ${title}`);
      return { number, created: false };
    }
    const number = (await api('POST', `/repos/${repository}/pulls`, { title, head: branch, base, body, maintainer_can_modify: true }))?.number;
    if (!Number.isSafeInteger(number)) throw fail(`POST /repos/${repository}/pulls answered no pull request number; check GITHUB_API_URL`);
    log(`opened pull request #${number}: ${title}`);
    return { number, created: true };
  } catch (error) {
    if (!target.push) throw error;
    const undo = target.gitPush(commit, remoteBranch ? `${remoteBranch}:refs/heads/${branch}` : `:refs/heads/${branch}`, true);
    const what = remoteBranch ? `${branch} is back at ${remoteBranch.slice(0, 12)}` : `${branch} was deleted again`;
    const undone = undo.status === 0 ? what : `${branch} could not be put back (${(undo.stderr || '').trim().split('\n').pop()}); delete it by hand`;
    throw fail(`${(error as Error).message}; ${undone}`);
  }
}
