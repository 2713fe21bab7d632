/**
 * The fake GitHub API as a GitHub App's client meets it (Argo CD's notifications through
 * ghinstallation and go-github, test/e2e/loop.test.ts): the JWT exchanged for an installation
 * token, the API under GitHub Enterprise Server's `/api/v3`, deployments whose ref is resolved
 * in the repository and listed by ref. Each check has its known-bad case.
 */
import { execFileSync } from 'child_process';
import { generateKeyPairSync, KeyObject, sign } from 'crypto';
import * as path from 'path';
import { FakeGitHub } from './fake-github';
import { responseValidator } from './github-api';
import { tempdir } from './util';

const APP = { id: 12345, installationId: 678 };
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

/** A GitHub App JWT as ghinstallation makes one (RS256; iat 30 s back, exp 2 min on), with `claims` laid over. */
function jwt(key: KeyObject = privateKey, claims: object = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const unsigned = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ iat: now - 30, exp: now + 90, iss: String(APP.id), ...claims })}`;
  return `${unsigned}.${sign('sha256', Buffer.from(unsigned), key).toString('base64url')}`;
}

describe('the fake GitHub API for a GitHub App client', () => {
  let github: FakeGitHub;
  let url: string;
  let commit: string;

  beforeAll(async () => {
    const dir = tempdir('fake-github-');
    const origin = path.join(dir, 'orders.git');
    execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch=main', origin]);
    const work = path.join(dir, 'work');
    execFileSync('git', ['init', '--quiet', '--initial-branch=main', work]);
    execFileSync('git', ['-C', work, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '--quiet', '--allow-empty', '-m', 'one']);
    execFileSync('git', ['-C', work, 'push', '--quiet', origin, 'HEAD:refs/heads/main']);
    commit = execFileSync('git', ['-C', work, 'rev-parse', 'HEAD'], { encoding: 'utf-8' }).trim();
    github = new FakeGitHub('acme/orders');
    github.app = { ...APP, publicKey };
    github.origin = origin;
    url = await github.start();
  });

  afterAll(() => github?.stop());

  const call = async (method: string, route: string, authorization: string, body?: object | null) => {
    const response = await fetch(`${url}${route}`, { method, headers: { authorization, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: await response.json() };
  };
  const tokenRoute = `/api/v3/app/installations/${APP.installationId}/access_tokens`;

  test("the App's JWT is exchanged for an installation token (as the REST description answers it), which then works with either scheme under /api/v3", async () => {
    const answer = await call('POST', tokenRoute, `Bearer ${jwt()}`);
    expect(answer.status).toBe(201);
    expect(responseValidator('/app/installations/{installation_id}/access_tokens', 'post', '201')(answer.body)).toBe(true);
    expect(answer.body.token).toMatch(/^ghs_/);
    expect(Date.parse(answer.body.expires_at)).toBeGreaterThan(Date.now());
    for (const scheme of ['token', 'Bearer']) {
      expect((await call('GET', '/api/v3/repos/acme/orders/deployments', `${scheme} ${answer.body.token}`)).status).toBe(200);
    }
    expect((await call('GET', '/repos/acme/orders/deployments', `token ${answer.body.token}`)).status).toBe(200);
    expect(github.responseErrors).toEqual([]);
  });

  test('known-bad: a JWT of another key, an expired one, one of another App, a token for another installation, and a made-up token are refused', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const now = Math.floor(Date.now() / 1000);
    expect(await call('POST', tokenRoute, `Bearer ${jwt(other)}`)).toEqual({ status: 401, body: expect.objectContaining({ message: expect.stringMatching(/could not be decoded/) }) });
    expect((await call('POST', tokenRoute, `Bearer ${jwt(privateKey, { iat: now - 700, exp: now - 100 })}`)).status).toBe(401);
    expect((await call('POST', tokenRoute, `Bearer ${jwt(privateKey, { exp: now + 3600 })}`)).status).toBe(401);
    expect((await call('POST', tokenRoute, `Bearer ${jwt(privateKey, { iss: '999' })}`)).body.message).toMatch(/Integration not found/);
    expect((await call('POST', '/api/v3/app/installations/1/access_tokens', `Bearer ${jwt()}`)).status).toBe(404);
    // A body the REST description refuses (ghinstallation's `null`, no restriction, is taken).
    expect((await call('POST', tokenRoute, `Bearer ${jwt()}`, { repositories: 'orders' })).status).toBe(422);
    expect((await call('POST', tokenRoute, `Bearer ${jwt()}`, null)).status).toBe(201);
    expect((await call('GET', '/api/v3/repos/acme/orders/deployments', 'token ghs_made-up')).status).toBe(401);
  });

  test("a deployment's ref is resolved in the repository (a ref it has not is refused as GitHub does) and the list filters by ref and environment", async () => {
    const token = (await call('POST', tokenRoute, `Bearer ${jwt()}`)).body.token;
    const auth = `token ${token}`;
    const created = await call('POST', '/api/v3/repos/acme/orders/deployments', auth, { ref: 'main', environment: 'dev', required_contexts: [], auto_merge: false });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ ref: 'main', sha: commit, environment: 'dev' });
    await call('POST', '/api/v3/repos/acme/orders/deployments', auth, { ref: commit, environment: 'dev', required_contexts: [], auto_merge: false });
    expect(await call('POST', '/api/v3/repos/acme/orders/deployments', auth, { ref: '', environment: 'dev', required_contexts: [] })).toEqual({ status: 422, body: expect.objectContaining({ message: 'No ref found for: ' }) });
    expect((await call('POST', '/api/v3/repos/acme/orders/deployments', auth, { ref: 'f'.repeat(40), environment: 'dev' })).status).toBe(422);
    const byRef = await call('GET', `/api/v3/repos/acme/orders/deployments?ref=${commit}&environment=dev`, auth);
    expect(byRef.body.map((d: any) => d.ref)).toEqual([commit]);
    expect((await call('GET', `/api/v3/repos/acme/orders/deployments?ref=${commit}&environment=prod`, auth)).body).toEqual([]);
    expect(github.responseErrors).toEqual([]);
  });
});
