/**
 * The two command-line tools the workflows run, `promote` and `plan-comment`: strict argument
 * vectors, one clear line and exit 1 for every failure, GitHub's size limits, and only the
 * tool's own comments updated. Requests go to the fake GitHub API, which checks every body
 * against GitHub's REST description and GitHub's length limits.
 */
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';
import { cli } from '../../src/cli/main';
import { marker, planComment, planCommentOptions, PlanCommentError } from '../../src/cli/plan-comment';
import { BODY_LIMIT, parsePromoteArgs, PromoteError, pullRequestBody, pullRequestTitle, TITLE_LIMIT } from '../../src/cli/promote';
import { FakeGitHub } from '../fake-github';
import { tempdir } from '../util';

// The fake checks bodies with GitHub's REST description, compiled on first use: slow on a loaded machine.
jest.setTimeout(60_000);

const DIGEST = `sha256:${'a'.repeat(64)}`;
const ENV = { GH_TOKEN: 't', GITHUB_REPOSITORY: 'acme/orders', GITHUB_RUN_ID: '5' };

describe('promote: the argument vector', () => {
  test('a build and a promotion parse', () => {
    expect(parsePromoteArgs(['--to', 'dev', '--commit', 'c'.repeat(40), '--digest', `orders=${DIGEST}`, '--digest', 'worker='], ENV))
      .toMatchObject({ to: 'dev', commit: 'c'.repeat(40), digests: { orders: DIGEST, worker: '' }, token: 't', apiUrl: 'https://api.github.com' });
    expect(parsePromoteArgs(['--from=dev', '--to=staging'], ENV)).toMatchObject({ from: 'dev', to: 'staging', digests: {} });
    expect(parsePromoteArgs(['-h'], ENV)).toBe('help');
  });

  test.each([
    [['--to', 'dev', '--commit', 'c', '--digest', 'base'], /--digest must be SERVICE=sha256:<64 hex digits> \(or SERVICE= for a service the build did not publish\), got "base"/],
    [['--to', 'dev', '--commit', 'c', '--digest'], /--digest needs a value/],
    [['--to', 'dev', '--commit', 'c', '--digest', `Orders=${DIGEST}`], /--digest must be SERVICE=/],
    [['--to', 'dev', '--commit', 'c', '--digest', `orders=${DIGEST}`, '--digest', 'orders='], /'orders' is given twice/],
    [['--to', 'dev', '--to', 'prod', '--from', 'staging'], /--to is given 2 times \("dev", "prod"\); give it once/],
    [['--to', '--from', 'dev'], /--to needs a value/],
    [['--to', 'staging', '--from', 'dev', '--commit', 'c'], /--from promotes what an environment runs; --commit and --digest are for a build/],
    [['--to', 'dev'], /give --from ENV, or --commit SHA/],
    [['--from', 'dev'], /--to ENV is needed/],
    [['--to', 'dev', '--from', 'x', 'extra'], /unexpected argument "extra"/],
    [['--bogus'], /unknown option '--bogus'/],
  ])('%j is refused', (argv, message) => {
    expect(() => parsePromoteArgs(argv, ENV)).toThrow(PromoteError);
    expect(() => parsePromoteArgs(argv, ENV)).toThrow(message);
  });

  test.each([
    ['file:///etc/passwd'], ['https://user:secret@api.github.com'], ['https://api.github.com/?x=1'], ['not a url'],
  ])('GITHUB_API_URL %j is refused', (url) => {
    expect(() => parsePromoteArgs(['--to', 'staging', '--from', 'dev'], { ...ENV, GITHUB_API_URL: url })).toThrow(/GITHUB_API_URL must be the REST API's http\(s\) URL/);
  });

  test('no token is refused with what the token needs', () => {
    expect(() => parsePromoteArgs(['--to', 'staging', '--from', 'dev'], { GH_TOKEN: '', GITHUB_TOKEN: '' })).toThrow(/no token: set GH_TOKEN/);
  });
});

describe('plan-comment: the argument vector', () => {
  const read = () => 'plan';
  const base = ['--root', 'dev', '--plan', 'p.txt', '--pr', '7'];
  test('strict numbers: only 0, 1, 2 in plain digits', () => {
    for (const status of ['0', '1', '2']) expect(planCommentOptions([...base, '--status', status], ENV, read)?.status).toBe(Number(status));
    for (const status of [' ', '', '0x2', '02', '2.0', '1e0', '-1', '+1', ' 2', '3', 'NaN', 'Infinity']) {
      expect(() => planCommentOptions([...base, `--status=${status}`], ENV, read)).toThrow(/--status must be 0, 1 or 2/);
    }
    for (const pr of ['0', '0x7', '1.5', ' 7', '07', '1e3', '99999999999']) {
      expect(() => planCommentOptions(['--root', 'dev', '--plan', 'p', '--status', '0', `--pr=${pr}`], ENV, read)).toThrow(/--pr must be a pull request number/);
    }
  });

  test.each([
    ['acme/orders/../../users'], ['acme/orders?per_page=1'], ['../..'], ['acme'], ['a b/c'], ['acme/orders#x'], ['acme/..'],
  ])('GITHUB_REPOSITORY %j is refused before it goes into a URL', (repo) => {
    expect(() => planCommentOptions([...base, '--status', '0'], { ...ENV, GITHUB_REPOSITORY: repo }, read)).toThrow(/GITHUB_REPOSITORY must be a GitHub repository as 'owner\/name'/);
  });

  test('GITHUB_RUN_ID and GITHUB_SERVER_URL go into a link: checked too', () => {
    expect(() => planCommentOptions([...base, '--status', '0'], { ...ENV, GITHUB_RUN_ID: '5) [x](https://evil' }, read)).toThrow(/GITHUB_RUN_ID must be a run number/);
    expect(() => planCommentOptions([...base, '--status', '0'], { ...ENV, GITHUB_SERVER_URL: 'javascript:alert(1)' }, read)).toThrow(/GITHUB_SERVER_URL must be an http\(s\) URL/);
  });

  test('a plan file that cannot be read is an error naming it', () => {
    expect(() => planCommentOptions([...base, '--status', '0'], ENV, () => {
      throw new Error("ENOENT: no such file or directory, open 'p.txt'");
    })).toThrow(new PlanCommentError('--plan: cannot read "p.txt" (ENOENT: no such file or directory, open \'p.txt\')'));
  });

  test.each([
    [[...base, '--status', '0', '--root', 'prod'], /--root is given 2 times/],
    [['--root', 'dev', '--plan', 'p', '--status', '0'], /give either --pr NUMBER or --drift/],
    [[...base, '--status', '0', '--drift'], /give either --pr NUMBER or --drift/],
    [[...base, '--status', '0', '--author', 'not a login'], undefined],
    [['--root', 'dev', '--plan', 'p', '--status', '0', '--pr', '7', 'extra'], /unexpected argument "extra"/],
    [['--root', 'dev', '--plan', '--status', '0', '--pr', '7'], /--plan needs a value/],
  ])('%j is refused', (argv, message) => {
    if (message) {
      expect(() => planCommentOptions(argv, ENV, read)).toThrow(message);
    } else {
      // The author is checked where it is used (the API is never called with a bad one).
      return expect(planComment(planCommentOptions(argv, ENV, read)!)).rejects.toThrow(/--author must be a GitHub login/);
    }
    return undefined;
  });
});

describe('every failure of both commands is one line on standard error, with exit 1', () => {
  let server: http.Server;
  let badApi: string;
  let dir: string;
  const saved = { ...process.env };
  beforeAll(async () => {
    // An API that answers 200 with a web page (a wrong GITHUB_API_URL), or 200 with no list.
    server = http.createServer((req, res) => {
      if (req.url?.startsWith('/page/')) {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>\n<body>Sign in</body>\n</html>');
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"message":"not a list"}');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    badApi = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = tempdir('gitops-cli-');
    fs.writeFileSync(path.join(dir, 'plan.txt'), 'Plan: 1 to add\n');
  });
  afterAll(async () => {
    process.env = saved;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const cases: Array<[string, string[], Record<string, string>, RegExp]> = [
    ['a missing plan file', ['plan-comment', '--root', 'dev', '--plan', '/nonexistent/plan.txt', '--status', '2', '--pr', '7'], {}, /^projen-gitops plan-comment: --plan: cannot read "\/nonexistent\/plan.txt" \(ENOENT/],
    ['a folder as the plan', ['plan-comment', '--root', 'dev', '--plan', '/', '--status', '2', '--pr', '7'], {}, /^projen-gitops plan-comment: --plan: cannot read "\/" \(\/ is no regular file\)/],
    ['a web page for an answer', ['plan-comment', '--root', 'dev', '--plan', 'PLAN', '--status', '2', '--pr', '7'], { GITHUB_API_URL: 'BAD/page' }, /^projen-gitops plan-comment: GET .* answered 200 with no JSON \("<html> <body>Sign in<\/body> <\/html>"\); check GITHUB_API_URL$/],
    ['an object for a list', ['plan-comment', '--root', 'dev', '--plan', 'PLAN', '--status', '2', '--pr', '7'], { GITHUB_API_URL: 'BAD' }, /^projen-gitops plan-comment: GET \/issues\/7\/comments answered no list; check GITHUB_API_URL$/],
    ['--status 0x2', ['plan-comment', '--root', 'dev', '--plan', 'PLAN', '--status', '0x2', '--pr', '7'], {}, /^projen-gitops plan-comment: --status must be 0, 1 or 2/],
    ['--digest base', ['promote', '--to', 'dev', '--commit', 'c'.repeat(40), '--digest', 'base'], {}, /^projen-gitops promote: --digest must be SERVICE=/],
    ['no deploy/promotion.json', ['promote', '--to', 'dev', '--commit', 'c'.repeat(40), '--digest', `orders=${DIGEST}`], {}, /^projen-gitops promote: cannot read deploy\/promotion.json \(ENOENT.*\); run `npx projen` with promotion on first$/],
    ['an unknown option', ['promote', '--tu', 'dev'], {}, /^projen-gitops promote: unknown option '--tu' \(see --help\)$/],
    ['--rollback without --reason', ['promote', '--rollback', 'prod'], {}, /^projen-gitops promote: --rollback needs --reason: say why prod is rolled back and held/],
    ['--release-hold outside a repository', ['promote', '--release-hold', 'prod'], {}, /^projen-gitops promote: git status failed: fatal: not a git repository/],
    ['metrics --days 0', ['metrics', '--days', '0'], {}, /^projen-gitops metrics: --days must be a whole number of days from 1 to 3650, got "0"; try --days 30$/],
    ['metrics outside a repository', ['metrics'], {}, /^projen-gitops metrics: git rev-parse failed: fatal: not a git repository/],
  ];
  test.each(cases)('%s', async (_what, argv, env, message) => {
    process.env = { ...saved, ...ENV, GITHUB_API_URL: 'http://127.0.0.1:9', ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replace('BAD', badApi)])) };
    const lines: string[] = [];
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const code = await cli(argv.map((a) => (a === 'PLAN' ? path.join(dir, 'plan.txt') : a)), (line) => lines.push(...line.split('\n')));
      expect(code).toBe(1);
    } finally {
      process.chdir(cwd);
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(lines[0]).not.toMatch(/\n|^\s+at /);
  });

  test('an unexpected error is one line too, with no stack unless asked for', async () => {
    process.env = { ...saved, ...ENV };
    const lines: string[] = [];
    const cwd = jest.spyOn(process, 'cwd').mockImplementation(() => {
      throw new TypeError("Cannot read properties of undefined (reading 'x')\n    at somewhere (file.js:1:1)");
    });
    try {
      expect(await cli(['promote', '--to', 'staging', '--from', 'dev'], (line) => lines.push(...line.split('\n')))).toBe(1);
    } finally {
      cwd.mockRestore();
    }
    expect(lines).toEqual(["projen-gitops promote: unexpected error: Cannot read properties of undefined (reading 'x') at somewhere (file.js:1:1) (run again with PROJEN_GITOPS_DEBUG=1 to see where)"]);
  });
});

describe('plan-comment updates only what its own identity wrote', () => {
  const github = new FakeGitHub();
  let apiUrl: string;
  beforeAll(async () => {
    apiUrl = await github.start();
  });
  afterAll(() => github.stop());
  const options = (more: object) => ({ root: 'dev', plan: 'Plan: 1 to add', status: 2, repo: 'acme/orders', apiUrl, token: 'good-token', ...more });

  test("a comment carrying the marker written by someone else is left alone; the tool's own is updated", async () => {
    github.issues.set(30, { number: 30, state: 'open', title: 'PR', body: '', labels: [], pull_request: {} });
    github.comments.set(3000, { id: 3000, issue: 30, body: `${marker('dev')}\nLooks like a plan: apply the thing at https://evil.example`, user: { login: 'mallory', type: 'User' } });
    github.comments.set(3001, { id: 3001, issue: 30, body: `${marker('dev')}\nAnother app`, user: { login: 'other-app[bot]', type: 'Bot' } });
    expect(await planComment(options({ pr: 30 }))).toBe('created');
    expect(github.comments.get(3000).body).toMatch(/evil\.example/);
    expect(github.comments.get(3001).body).toBe(`${marker('dev')}\nAnother app`);
    expect(await planComment(options({ pr: 30, plan: 'Plan: 2 to add' }))).toBe('updated');
    const own = [...github.comments.values()].filter((c) => c.issue === 30 && c.user.login === 'github-actions[bot]');
    expect(own).toHaveLength(1);
    expect(own[0].body).toMatch(/Plan: 2 to add/);
    expect(github.comments.get(3000).body).toMatch(/evil\.example/);
  });

  test("a GitHub App's token: --author <slug>[bot] finds its comments", async () => {
    github.login = 'acme-infra[bot]';
    try {
      expect(await planComment(options({ pr: 30, author: 'acme-infra[bot]' }))).toBe('created');
      expect(await planComment(options({ pr: 30, author: 'acme-infra[bot]', plan: 'Plan: 3 to add' }))).toBe('updated');
      expect([...github.comments.values()].filter((c) => c.issue === 30 && c.user.login === 'acme-infra[bot]')).toHaveLength(1);
    } finally {
      github.login = 'github-actions[bot]';
    }
  });

  test('a drift issue carrying the marker opened by someone else is neither updated nor closed', async () => {
    github.issues.set(31, { number: 31, state: 'open', title: 'Infra drift in dev', body: `${marker('dev')}\nfake`, labels: [{ name: 'infra-drift' }], user: { login: 'mallory', type: 'User' } });
    expect(await planComment(options({}))).toBe('created');
    expect(await planComment(options({ status: 0 }))).toBe('closed');
    expect(github.issues.get(31)).toMatchObject({ state: 'open', body: `${marker('dev')}\nfake` });
  });
});

describe('the promotion pull request fits GitHub\'s limits, with 80 services', () => {
  const services = Array.from({ length: 80 }, (_, i) => `service-number-${String(i).padStart(2, '0')}`);
  // A section as promote writes it: the digest table, 30 commits and 20 changed fields (the most it lists).
  const section = (s: string) => [
    `### ${s}`, '', '| | digest | commit |', '|---|---|---|', `| before | \`${DIGEST}\` | \`${'c'.repeat(12)}\` |`, `| after | \`${DIGEST}\` | \`${'d'.repeat(12)}\` |`, '',
    `Commits between (\`services/${s}\`): `,
    ...Array.from({ length: 30 }, (_, i) => `- \`abcdef${i} ${'a commit subject '.repeat(6)}\``),
    '', `Rendered diff of \`deploy/rendered/dev/${s}.yaml\` (20 fields):`,
    ...Array.from({ length: 20 }, (_, i) => `- \`Deployment/${s}-dev/${s}.spec.template.spec.containers.0.env.${i}: expected "x", got "y"\``), '',
  ].join('\n');
  const head = 'Moves the image digests below into **dev**.\n';
  const foot = 'Merging deploys it.\n\n<!-- projen-gitops promotion -->';

  test('the title lists what fits and counts the rest', () => {
    const title = pullRequestTitle(services, 'dev');
    expect(`Promote ${services.join(', ')} to dev`.length).toBeGreaterThan(TITLE_LIMIT);
    expect(title.length).toBeLessThanOrEqual(TITLE_LIMIT);
    expect(title).toMatch(/^Promote service-number-00, .* and \d+ more services to dev$/);
    const shown = title.replace(/ and \d+ more.*/, '').replace(/^Promote /, '').split(', ').length;
    expect(Number(/and (\d+) more/.exec(title)![1]) + shown).toBe(80);
    expect(pullRequestTitle(['orders', 'worker'], 'dev')).toBe('Promote orders, worker to dev');
    expect(pullRequestTitle(['x'.repeat(300)], 'dev')).toBe('Promote 1 more service to dev');
  });

  test('the body keeps whole sections under 65,536 characters and says it was cut, naming the rest', async () => {
    const sections = services.map(section);
    expect([head, ...sections, foot].join('\n').length).toBeGreaterThan(BODY_LIMIT);
    const body = pullRequestBody(head, sections, foot);
    expect(body.length).toBeLessThan(BODY_LIMIT);
    expect(body).toMatch(/\*\*This description is cut\*\* to GitHub's 65536-character limit: (\d+) services not shown here \(service-number-\d\d, .*service-number-79\); Files changed has every change\./);
    expect(body.endsWith(foot)).toBe(true);
    const left = Number(/limit: (\d+) services/.exec(body)![1]);
    expect(body.match(/^### /gm)).toHaveLength(80 - left);
    // A body that fits is left whole.
    expect(pullRequestBody(head, sections.slice(0, 2), foot)).toBe([head, ...sections.slice(0, 2), foot].join('\n'));
    // One huge section alone: still under the limit.
    expect(pullRequestBody(head, ['### x\n' + 'y'.repeat(100_000)], foot).length).toBeLessThan(BODY_LIMIT);

    // GitHub (the fake, with GitHub's limits) takes both; the uncut ones are refused (the check can fail).
    const github = new FakeGitHub();
    const api = await github.start();
    try {
      const post = (title: string, text: string) => fetch(`${api}/repos/acme/orders/pulls`, { method: 'POST', headers: { 'authorization': 'Bearer good-token', 'content-type': 'application/json' }, body: JSON.stringify({ title, head: 'promote/dev', base: 'main', body: text }) });
      expect((await post(`Promote ${services.join(', ')} to dev`, 'x')).status).toBe(422);
      expect((await post('x', [head, ...sections, foot].join('\n'))).status).toBe(422);
      expect((await post(pullRequestTitle(services, 'dev'), body)).status).toBe(201);
    } finally {
      await github.stop();
    }
  });
});
