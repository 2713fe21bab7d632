import { BODY_LIMIT, DRIFT_LABEL, marker, planComment, planCommentOptions, PlanCommentError } from '../../src/cli/plan-comment';
import { FakeGitHub } from '../fake-github';

// The fake checks bodies with GitHub's REST description, compiled on first use: slow on a loaded machine.
jest.setTimeout(60_000);

const PLAN = 'Terraform will perform the following actions:\n\n  # aws_ecr_repository.image["acme/orders"] will be created\n\nPlan: 1 to add, 0 to change, 0 to destroy.\n';

describe('plan-comment against the fake GitHub API (bodies checked against GitHub\'s REST description)', () => {
  const github = new FakeGitHub();
  let apiUrl: string;
  beforeAll(async () => {
    apiUrl = await github.start();
  });
  afterAll(() => github.stop());
  const options = (more: object) => ({ root: 'dev', plan: PLAN, status: 0, repo: 'acme/orders', apiUrl, token: 'good-token', runUrl: 'https://github.com/acme/orders/actions/runs/42', ...more });

  test('one comment per root: created once, then updated in place, never duplicated', async () => {
    github.issues.set(7, { number: 7, state: 'open', title: 'A pull request', body: '', labels: [], pull_request: {} });
    // Someone else's comments come first, over more than one page.
    for (let i = 0; i < 120; i++) github.comments.set(1000 + i, { id: 1000 + i, issue: 7, body: `comment ${i} mentions ${marker('dev')} later` });
    expect(await planComment(options({ pr: 7 }))).toBe('created');
    expect(await planComment(options({ pr: 7, root: 'prod' }))).toBe('created');
    expect(await planComment(options({ pr: 7, plan: 'No changes. Your infrastructure matches the configuration.' }))).toBe('updated');
    const mine = [...github.comments.values()].filter((c) => c.issue === 7 && c.body.startsWith('<!-- projen-gitops:plan:'));
    expect(mine.map((c) => c.body.split('\n')[0])).toEqual([marker('dev'), marker('prod')]);
    expect(mine[0].body).toMatch(/No changes\. Your infrastructure matches/);
    expect(mine[0].body).toContain('[the run\'s log](https://github.com/acme/orders/actions/runs/42)');
  });

  test('a 200 kB plan is cut to fit GitHub\'s limit, with the link to the full log', async () => {
    const huge = Array.from({ length: 4000 }, (_, i) => `  # resource.number_${i} will be created ${'x'.repeat(40)}`).join('\n');
    expect(huge.length).toBeGreaterThan(200_000);
    github.issues.set(8, { number: 8, state: 'open', title: 'Big', body: '', labels: [], pull_request: {} });
    expect(await planComment(options({ pr: 8, plan: huge }))).toBe('created');
    const [comment] = [...github.comments.values()].filter((c) => c.issue === 8);
    expect(comment.body.length).toBeLessThanOrEqual(BODY_LIMIT);
    expect(comment.body.length).toBeGreaterThan(BODY_LIMIT - 200);
    expect(comment.body).toMatch(/\.\.\. \(cut: \d+ characters in all; see the run's log\)\n````?\n\nThe whole output is in \[the run's log\]/);
  });

  test('a plan with a backtick fence cannot end the comment\'s fence', async () => {
    github.issues.set(9, { number: 9, state: 'open', title: 'Fence', body: '', labels: [], pull_request: {} });
    await planComment(options({ pr: 9, plan: 'before\n```\n# @here injected\nafter' }));
    const [comment] = [...github.comments.values()].filter((c) => c.issue === 9);
    expect(comment.body).toMatch(/\n````text\nbefore\n```\n# @here injected\nafter\n````\n/);
  });

  test('drift: one issue per root, opened, updated, closed when the drift is gone', async () => {
    expect(await planComment(options({ status: 2, root: 'staging' }))).toBe('created');
    expect(await planComment(options({ status: 2, root: 'staging', plan: 'Plan: 0 to add, 2 to change' }))).toBe('updated');
    const open = [...github.issues.values()].filter((i) => i.labels.some((l: any) => l.name === DRIFT_LABEL));
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ state: 'open', title: 'Infra drift in staging' });
    expect(open[0].body).toMatch(/2 to change/);
    expect(await planComment(options({ status: 0, root: 'staging' }))).toBe('closed');
    expect(open[0].state).toBe('closed');
    expect(await planComment(options({ status: 0, root: 'staging' }))).toBe('unchanged');
  });

  test('the fake checks bodies against the REST description (a misspelt key is refused)', async () => {
    const response = await fetch(`${apiUrl}/repos/acme/orders/issues/7/comments`, { method: 'POST', headers: { authorization: 'Bearer good-token' }, body: JSON.stringify({ bdy: 'x' }) });
    expect(response.status).toBe(422);
  });

  test('a rejected request is an error naming the answer', async () => {
    await expect(planComment(options({ pr: 7, token: 'wrong' }))).rejects.toThrow(/answered 401/);
  });
});

describe('plan-comment command line', () => {
  const env = { GH_TOKEN: 't', GITHUB_REPOSITORY: 'acme/orders', GITHUB_RUN_ID: '5' };
  const read = () => PLAN;
  test('parses the options and the run', () => {
    expect(planCommentOptions(['--root', 'dev', '--plan', 'p.txt', '--status', '2', '--drift'], env, read)).toMatchObject({ root: 'dev', status: 2, pr: undefined, runUrl: 'https://github.com/acme/orders/actions/runs/5' });
  });
  test.each([
    [['--root', 'dev', '--plan', 'p', '--status', '0'], /either --pr NUMBER or --drift/],
    [['--root', 'dev', '--plan', 'p', '--status', '3', '--pr', '1'], /--status must be 0, 1 or 2 \(the plan's exit code\), got "3"/],
    [['--root', 'dev', '--plan', 'p', '--status', '0', '--pr', 'x'], /--pr must be a pull request number/],
    [['--bogus'], /unknown option '--bogus'/],
  ])('%j is refused', (argv, message) => {
    expect(() => planCommentOptions(argv, env, read)).toThrow(PlanCommentError);
    expect(() => planCommentOptions(argv, env, read)).toThrow(message);
  });
  test('a root that is no root name is refused before any request', async () => {
    await expect(planComment({ root: 'dev; rm -rf /', plan: '', status: 0, repo: 'a/b', apiUrl: 'http://127.0.0.1:9', token: 't', pr: 1 })).rejects.toThrow(/--root must be a root name/);
  });
});

