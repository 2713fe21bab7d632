import { GitHubApi, openPullRequests, pushAndOpenPullRequest } from '../../src/cli/github-client';

/** An API double: answers by method, records every call; a function answer may throw (as githubApi does on an error status). */
function api(answers: Record<string, (route: string, body?: any) => any>) {
  const calls: string[] = [];
  const call: GitHubApi = async (method: string, route: string, body?: object) => {
    calls.push(`${method} ${route}`);
    return answers[method](route, body);
  };
  return { call, calls };
}

const fail = (message: string) => new Error(message);
const COMMIT = 'c'.repeat(40);
const BEFORE = 'b'.repeat(40);

function pushes(status = 0) {
  const made: string[] = [];
  return { made, gitPush: (lease: string, refspec: string) => (made.push(`lease=${lease} ${refspec}`), { status, stderr: status ? 'error: failed to push\n' : '' }) };
}

describe('pushAndOpenPullRequest', () => {
  const target = { repository: 'acme/orders', branch: 'promote/dev', base: 'main', commit: COMMIT };

  test('pushes, then opens a pull request when none is open', async () => {
    const { call, calls } = api({ POST: () => ({ number: 7 }) });
    const git = pushes();
    const lines: string[] = [];
    expect(await pushAndOpenPullRequest(call, { ...target, push: true, gitPush: git.gitPush }, [], 'Promote', 'body', fail, (l) => lines.push(l))).toEqual({ number: 7, created: true });
    expect(git.made).toEqual([`lease= ${COMMIT}:refs/heads/promote/dev`]);
    expect(calls).toEqual(['POST /repos/acme/orders/pulls']);
    expect(lines).toEqual(['opened pull request #7: Promote']);
  });

  test('updates the open one, and pushes nothing when the branch already holds the commit', async () => {
    const { call, calls } = api({ PATCH: () => ({}) });
    const git = pushes();
    expect(await pushAndOpenPullRequest(call, { ...target, remoteBranch: COMMIT, push: false, gitPush: git.gitPush }, [{ number: 3 }], 'Promote', 'body', fail, () => undefined))
      .toEqual({ number: 3, created: false });
    expect(git.made).toEqual([]);
    expect(calls).toEqual(['PATCH /repos/acme/orders/pulls/3']);
  });

  test('a refused pull request puts the branch back where it was, or deletes a new one, and says so', async () => {
    const refuse = api({
      POST: () => {
        throw fail('POST /repos/acme/orders/pulls answered 422 (Validation Failed)');
      },
    });
    const existing = pushes();
    await expect(pushAndOpenPullRequest(refuse.call, { ...target, remoteBranch: BEFORE, push: true, gitPush: existing.gitPush }, [], 'Promote', 'body', fail, () => undefined))
      .rejects.toThrow(`answered 422 (Validation Failed); promote/dev is back at ${BEFORE.slice(0, 12)}`);
    expect(existing.made).toEqual([`lease=${BEFORE} ${COMMIT}:refs/heads/promote/dev`, `lease=${COMMIT} ${BEFORE}:refs/heads/promote/dev`]);

    const created = pushes();
    await expect(pushAndOpenPullRequest(refuse.call, { ...target, push: true, gitPush: created.gitPush }, [], 'Promote', 'body', fail, () => undefined))
      .rejects.toThrow('; promote/dev was deleted again');
    expect(created.made[1]).toBe(`lease=${COMMIT} :refs/heads/promote/dev`);

    const stuck = pushes(1);
    await expect(pushAndOpenPullRequest(refuse.call, { ...target, push: true, gitPush: stuck.gitPush }, [], 'Promote', 'body', fail, () => undefined))
      .rejects.toThrow('promote/dev could not be put back (error: failed to push); delete it by hand');
  });

  test('known-bad: nothing pushed, nothing put back; an answer without a number is an error', async () => {
    const refuse = api({
      PATCH: () => {
        throw fail('PATCH answered 403');
      },
      POST: () => ({}),
    });
    const git = pushes();
    await expect(pushAndOpenPullRequest(refuse.call, { ...target, remoteBranch: COMMIT, push: false, gitPush: git.gitPush }, [{ number: 3 }], 't', 'b', fail, () => undefined)).rejects.toThrow(/^PATCH answered 403$/);
    expect(git.made).toEqual([]);
    await expect(pushAndOpenPullRequest(refuse.call, { ...target, push: true, gitPush: pushes().gitPush }, [], 't', 'b', fail, () => undefined))
      .rejects.toThrow('POST /repos/acme/orders/pulls answered no pull request number; check GITHUB_API_URL; promote/dev was deleted again');
  });
});

describe('openPullRequests', () => {
  test('asks for the branch of the repository itself into the base, and refuses an answer that is no list', async () => {
    const good = api({ GET: () => [{ number: 1 }] });
    expect(await openPullRequests(good.call, 'acme/orders', 'promote/dev', 'main', fail)).toEqual([{ number: 1 }]);
    expect(good.calls).toEqual(['GET /repos/acme/orders/pulls?state=open&head=acme%3Apromote%2Fdev&base=main']);
    await expect(openPullRequests(api({ GET: () => ({ message: 'x' }) }).call, 'acme/orders', 'b', 'main', fail)).rejects.toThrow('answered no list of pull requests');
  });
});
