import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { protect, ProtectError } from '../../src/cli/protect';
import { FakeGitHub } from '../fake-github';
import { gitopsProject, tempdir } from '../util';

process.env.PROJEN_DISABLE_POST = 'true'; // no npm install

describe('projen-gitops protect', () => {
  let github: FakeGitHub;
  let apiUrl: string;
  let repoDir: string;
  let lines: string[];
  const run = (extra: Partial<Parameters<typeof protect>[0]> = {}) =>
    protect({ dir: '.github/rulesets', cwd: repoDir, repo: 'acme/orders', token: 'good-token', apiUrl, log: (l) => lines.push(l), ...extra });

  beforeEach(async () => {
    github = new FakeGitHub();
    apiUrl = await github.start();
    const project = gitopsProject();
    project.synth();
    repoDir = project.outdir;
    lines = [];
  });

  afterEach(() => github.stop());

  test('creates every ruleset, then a second run changes nothing', async () => {
    expect(await run()).toEqual({ created: 2, updated: 0, unchanged: 0 });
    expect(github.writes.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /repos/acme/orders/rulesets', 'POST /repos/acme/orders/rulesets']);
    expect([...github.rulesets.values()].map((r) => r.name).sort()).toEqual(['Protect main', 'Protect release tags']);

    lines = [];
    const writesBefore = github.writes.length;
    expect(await run()).toEqual({ created: 0, updated: 0, unchanged: 2 });
    expect(github.writes.length).toBe(writesBefore);
    expect(lines.join('\n')).toMatch(/unchanged 'Protect main' \(#\d+\)/);
  });

  test('updates a ruleset whose options changed, by name', async () => {
    await run();
    const file = path.join(repoDir, '.github/rulesets/protect-main.json');
    const body = JSON.parse(fs.readFileSync(file, 'utf-8'));
    body.rules.find((r: any) => r.type === 'pull_request').parameters.required_approving_review_count = 2;
    fs.chmodSync(file, 0o644);
    fs.writeFileSync(file, JSON.stringify(body));
    expect(await run()).toEqual({ created: 0, updated: 1, unchanged: 1 });
    const put = github.writes.at(-1)!;
    expect(put.method).toBe('PUT');
    expect(put.body.rules.find((r: any) => r.type === 'pull_request').parameters.required_approving_review_count).toBe(2);
  });

  test('--dry-run prints the requests and sends no write', async () => {
    expect(await run({ dryRun: true })).toEqual({ created: 2, updated: 0, unchanged: 0 });
    expect(github.writes).toEqual([]);
    const output = lines.join('\n');
    expect(output).toMatch(/would create 'Protect main' \(protect-main.json\):\nPOST http:\/\/127\.0\.0\.1:\d+\/repos\/acme\/orders\/rulesets\n\{\n {2}"name": "Protect main",/);
    expect(output).toMatch(/would change: 2 created, 0 updated, 0 unchanged \(acme\/orders\)/);
  });

  test('--dry-run without a token still prints the requests', async () => {
    await run({ dryRun: true, token: undefined });
    expect(github.requests).toEqual([]);
    expect(lines[0]).toMatch(/dry run without a token/);
  });

  test('no token: a clear error and no request', async () => {
    const saved = { GH_TOKEN: process.env.GH_TOKEN, GITHUB_TOKEN: process.env.GITHUB_TOKEN };
    delete process.env.GH_TOKEN;
    delete process.env.GITHUB_TOKEN;
    try {
      await expect(run({ token: undefined })).rejects.toThrow(/no token: set GH_TOKEN or GITHUB_TOKEN to a token that may administer acme\/orders/);
      expect(github.requests).toEqual([]);
    } finally {
      Object.assign(process.env, saved);
    }
  });

  test('401: the token was rejected', async () => {
    await expect(run({ token: 'expired' })).rejects.toThrow(/GET .* answered 401 \(Bad credentials\): the token was rejected; check that GH_TOKEN or GITHUB_TOKEN holds a valid, unexpired token/);
  });

  test('403: the token may not administer the repository', async () => {
    github.failWrites = { status: 403, body: { message: 'Resource not accessible by integration' } };
    await expect(run()).rejects.toThrow(/POST .* answered 403 \(Resource not accessible by integration\): the token may not administer acme\/orders; it needs "Administration: write"/);
  });

  test('404: the repository is not found', async () => {
    await expect(run({ repo: 'acme/nope' })).rejects.toThrow(/answered 404 \(Not Found\): repository acme\/nope not found, or the token cannot see it/);
  });

  test('422: GitHub rejected the ruleset, with its reasons', async () => {
    github.failWrites = { status: 422, body: { message: 'Validation Failed', errors: ['Invalid rule "required_status_checks": check "Build image" not found'] } };
    await expect(run()).rejects.toThrow(/answered 422 \(Validation Failed; Invalid rule "required_status_checks": check "Build image" not found\): GitHub rejected ruleset 'Protect main'/);
  });

  test('a body the API description rejects comes back as 422 from the fake server', async () => {
    const file = path.join(repoDir, '.github/rulesets/protect-main.json');
    const body = JSON.parse(fs.readFileSync(file, 'utf-8'));
    body.enforcment = 'active';
    fs.chmodSync(file, 0o644);
    fs.writeFileSync(file, JSON.stringify(body));
    await expect(run()).rejects.toThrow(/answered 422 \(Invalid request\.; \/ must NOT have additional properties 'enforcment'\)/);
  });

  test('the repository comes from the origin remote when not given', async () => {
    spawnSync('git', ['init', '-q'], { cwd: repoDir });
    spawnSync('git', ['remote', 'add', 'origin', 'git@github.com:acme/orders.git'], { cwd: repoDir });
    const saved = process.env.GITHUB_REPOSITORY;
    delete process.env.GITHUB_REPOSITORY;
    try {
      expect(await run({ repo: undefined })).toEqual({ created: 2, updated: 0, unchanged: 0 });
    } finally {
      if (saved !== undefined) process.env.GITHUB_REPOSITORY = saved;
    }
  });

  test('a missing ruleset folder says to run projen', async () => {
    await expect(run({ cwd: tempdir() })).rejects.toThrow(ProtectError);
    await expect(run({ cwd: tempdir() })).rejects.toThrow(/no ruleset folder at .*; run `npx projen` first/);
  });
});

test('an unreachable API gives a clear message', async () => {
  const project = gitopsProject();
  project.synth();
  await expect(protect({ dir: '.github/rulesets', cwd: project.outdir, repo: 'acme/orders', token: 't', apiUrl: 'http://127.0.0.1:9', log: () => {} }))
    .rejects.toThrow(/cannot reach http:\/\/127\.0\.0\.1:9 \(.*\); check --api-url or GITHUB_API_URL/);
});
