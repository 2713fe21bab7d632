/**
 * A small stand-in for GitHub's rulesets and pull requests REST API on 127.0.0.1 that checks
 * every request body against GitHub's own API description, for testing `projen-gitops protect`
 * and `projen-gitops promote`. It answers under `/api/v3` too, as GitHub Enterprise Server
 * serves its REST API, and exchanges a GitHub App's JWT for an installation token (what Argo
 * CD's notifications do through ghinstallation), so a real client can use it as a GitHub.
 */
import { execFileSync } from 'child_process';
import { createHash, KeyObject, randomBytes, verify } from 'crypto';
import * as http from 'http';
import { AddressInfo } from 'net';
import { errorsOf, exampleSchema, queryParameters, requestBodyValidator, responseValidator } from './github-api';

/** One repository of the fake organisation (the fleet report's input). */
export interface FakeFleetRepo {
  readonly name: string;
  readonly topics?: string[];
  readonly defaultBranch?: string;
  /** `.projen-gitops.json` on the default branch (none: 404). */
  readonly metadata?: object;
  /**
   * A bare git repository standing for the repository's contents: `.projen-gitops.json` is read
   * from its default branch (instead of `metadata`), as the contents API reads GitHub's.
   */
  readonly origin?: string;
  /** The drift check's latest run on the default branch. */
  readonly drift?: 'success' | 'failure' | 'in_progress';
  /** The open upgrade pull request (pull requests opened through the API are listed too). */
  readonly upgradePull?: { readonly number: number; readonly createdAt: string };
  /** The date of the last commit of each environment's images.yaml. */
  readonly imagesCommits?: { readonly [env: string]: string };
  /** Custom property values. */
  readonly properties?: { readonly [name: string]: string };
  /** A private repository (its name must not reach a public place). */
  readonly private?: boolean;
}

const COMPARE = '/repos/{owner}/{repo}/dependency-graph/compare/{basehead}';

export interface FakeRequest {
  readonly method: string;
  readonly path: string;
  readonly body?: any;
}

export class FakeGitHub {
  readonly requests: FakeRequest[] = [];
  readonly rulesets = new Map<number, any>();
  /** Pull requests by number, as GitHub returns them (a subset of the fields). */
  readonly pulls = new Map<number, any>();
  private nextPull = 1;
  /** Answer every write with this status and body instead (e.g. 422). */
  failWrites?: { status: number; body: object };
  /** Issues and pull requests by number, and their comments (the plan-comment script's API). */
  readonly issues = new Map<number, any>();
  readonly comments = new Map<number, any>();
  private nextId = 100;
  private server?: http.Server;
  /**
   * The dependency graph's diffs by `base...head` (the dependency review API), served in pages
   * of `comparePageSize` linked by `Link: rel="next"`, each page checked against the REST
   * description's response schema before it is sent.
   */
  readonly dependencyDiffs = new Map<string, any[]>();
  comparePageSize = 100;
  /** Answer the compare endpoint with this status and body instead (403: no GHAS; 404: graph off). */
  compareFails?: { status: number; body: object };
  /** The `X-GitHub-Dependency-Graph-Snapshot-Warnings` text (sent base64-encoded). */
  snapshotWarnings?: string;
  /** Set by the fake when a response it was about to send broke the REST description. */
  readonly responseErrors: string[] = [];

  /** Who the token writes as (GitHub sets a comment's and an issue's `user`): the workflow token's bot. */
  login = 'github-actions[bot]';

  /** The organisation of `fleet` repositories (the platform repository `repo` holds the issue). */
  readonly fleet = new Map<string, FakeFleetRepo>();
  fleetOrg = 'acme';
  /** Whether the repository itself (`repo`) is private: GET /repos/{owner}/{repo} answers it. */
  repoPrivate = true;
  /** Answer the request with this (0-based) number with a rate-limit response, once each. */
  readonly rateLimits = new Map<number, { status: number; headers: Record<string, string> }>();
  /** Answers sent 304 Not Modified (conditional requests GitHub does not count). */
  notModified = 0;
  /** Pull requests opened through the API on each `fleet` repository (by name), by number. */
  readonly fleetPulls = new Map<string, Map<number, any>>();

  /** Deployments (the deployment records) by id, each with its statuses, as GitHub answers them. */
  readonly deployments = new Map<number, { deployment: any; statuses: any[] }>();
  /** Commit statuses set, in order (`POST /repos/{owner}/{repo}/statuses/{sha}`). */
  readonly commitStatuses: Array<{ sha: string; state: string; context: string; description?: string }> = [];
  /** Reviews of each pull request, by number (`GET /repos/{owner}/{repo}/pulls/{n}/reviews`). */
  readonly reviews = new Map<number, any[]>();
  /** The time GitHub stamps `created_at` with (a test sets it; default the time now). */
  time?: Date;
  /**
   * A GitHub App installed on the repository: `POST /app/installations/{installationId}/access_tokens`
   * with a JWT signed by its private key (RS256, `iss` its id) answers an installation token,
   * which is then accepted like `token`.
   */
  app?: { readonly id: number; readonly installationId: number; readonly publicKey: KeyObject };
  /** The installation tokens handed out, in order. */
  readonly installationTokens: string[] = [];
  /**
   * A bare git repository standing for the repository's contents: a deployment's `ref` is
   * resolved in it as GitHub resolves it (`sha` the commit; 422 `No ref found for` when none).
   * Without it a ref is taken for its own sha.
   */
  origin?: string;

  constructor(readonly repo = 'acme/orders', readonly token = 'good-token') {}

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk) => (raw += chunk));
      req.on('end', () => {
        const body = raw ? JSON.parse(raw) : undefined;
        const url = new URL(req.url ?? '/', 'http://localhost');
        this.requests.push({ method: req.method ?? '', path: url.pathname, body });
        // GitHub Enterprise Server's REST API root: the same API under /api/v3.
        if (url.pathname.startsWith('/api/v3/')) url.pathname = url.pathname.slice('/api/v3'.length);
        const limited = this.rateLimits.get(this.requests.length - 1);
        if (limited) {
          this.rateLimits.delete(this.requests.length - 1);
          res.writeHead(limited.status, { 'content-type': 'application/json', ...limited.headers });
          res.end(JSON.stringify({ message: 'You have exceeded a secondary rate limit.', documentation_url: 'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api' }));
          return;
        }
        const [status, answer, headers] = this.handle(req, url, body);
        // Conditional requests: an ETag on every fleet GET, 304 with no body when it matches.
        if (status === 200 && req.method === 'GET' && this.isFleet(url.pathname)) {
          const etag = `"${createHash('sha1').update(JSON.stringify(answer)).digest('hex')}"`;
          if (req.headers['if-none-match'] === etag) {
            this.notModified++;
            res.writeHead(304, { etag });
            res.end();
            return;
          }
          res.writeHead(status, { 'content-type': 'application/json', etag, ...headers });
          res.end(JSON.stringify(answer));
          return;
        }
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(answer));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Requests that would change something. */
  get writes(): FakeRequest[] {
    return this.requests.filter((r) => r.method !== 'GET');
  }

  private handle(req: http.IncomingMessage, url: URL, body: any): [number, any, Record<string, string>?] {
    if (/^\/app\/installations\/[^/]+\/access_tokens$/.test(url.pathname)) return req.method === 'POST' ? this.handleAppToken(req, url, body) : [404, { message: 'Not Found' }];
    // GitHub takes either scheme (`token` is what ghinstallation sends).
    const [, scheme, credential] = /^(Bearer|token) (\S+)$/.exec(req.headers.authorization ?? '') ?? [];
    if (!scheme || (credential !== this.token && !this.installationTokens.includes(credential))) return [401, { message: 'Bad credentials' }];
    if (this.isFleet(url.pathname)) return this.handleFleet(req.method ?? '', url, `http://${req.headers.host}`, body);
    if (url.pathname.startsWith(`/repos/${this.repo}/dependency-graph/compare/`)) return this.handleCompare(req.method ?? '', url, `http://${req.headers.host}`);
    if (url.pathname === `/repos/${this.repo}` && req.method === 'GET') {
      const answer = exampleSchema('full-repository', {
        name: this.repo.split('/')[1], full_name: this.repo, private: this.repoPrivate, visibility: this.repoPrivate ? 'private' : 'public',
      });
      const validate = responseValidator('/repos/{owner}/{repo}', 'get', '200');
      if (!validate(answer)) this.responseErrors.push(`/repos/{owner}/{repo}: ${errorsOf(validate).slice(0, 3).join('; ')}`);
      return [200, answer];
    }
    if (url.pathname.startsWith(`/repos/${this.repo}/issues`)) return this.handleIssues(req.method ?? '', url, body);
    if (url.pathname.startsWith(`/repos/${this.repo}/deployments`) || url.pathname.startsWith(`/repos/${this.repo}/statuses/`) || /^\/repos\/[^/]+\/[^/]+\/pulls\/\d+\/reviews$/.test(url.pathname)) {
      return this.handleRecords(req.method ?? '', url, body);
    }
    if (url.pathname.startsWith(`/repos/${this.repo}/pulls`)) return this.handlePulls(req.method ?? '', url, body, this.repo, this.pulls);
    const base = `/repos/${this.repo}/rulesets`;
    if (!url.pathname.startsWith(base)) return [404, { message: 'Not Found' }];
    const id = Number(url.pathname.slice(base.length + 1)) || undefined;
    if (req.method === 'GET' && !id) {
      // Like GitHub: the list leaves out conditions and rules.
      return [200, [...this.rulesets.values()].map(({ id: rid, name, target, enforcement }) => ({ id: rid, name, target, enforcement, source_type: 'Repository', source: this.repo }))];
    }
    if (req.method === 'GET' && id) {
      const ruleset = this.rulesets.get(id);
      return ruleset ? [200, ruleset] : [404, { message: 'Not Found' }];
    }
    if (this.failWrites) return [this.failWrites.status, this.failWrites.body];
    if (req.method === 'POST' && !id) {
      const validate = requestBodyValidator('/repos/{owner}/{repo}/rulesets', 'post');
      if (!validate(body)) return [422, { message: 'Invalid request.', errors: errorsOf(validate) }];
      const created = this.stored(this.nextId++, body);
      return [201, created];
    }
    if (req.method === 'PUT' && id && this.rulesets.has(id)) {
      const validate = requestBodyValidator('/repos/{owner}/{repo}/rulesets/{ruleset_id}', 'put');
      if (!validate(body)) return [422, { message: 'Invalid request.', errors: errorsOf(validate) }];
      return [200, this.stored(id, body)];
    }
    return [404, { message: 'Not Found' }];
  }

  /** Issues, pull requests (as issues) and their comments, paged like GitHub (per_page at most 100). */
  private handleIssues(method: string, url: URL, body: any): [number, any] {
    const rest = url.pathname.slice(`/repos/${this.repo}/issues`.length);
    const page = (items: any[]) => {
      const per = Math.min(Number(url.searchParams.get('per_page') ?? 30), 100);
      const n = Number(url.searchParams.get('page') ?? 1);
      return items.slice((n - 1) * per, n * per);
    };
    const checked = (route: string, verb: string): [number, any] | undefined => {
      const validate = requestBodyValidator(route, verb);
      return validate(body) ? undefined : [422, { message: 'Invalid request.', errors: errorsOf(validate) }];
    };
    let m: RegExpExecArray | null;
    if (method === 'GET' && rest === '') {
      const labels = url.searchParams.get('labels');
      const state = url.searchParams.get('state') ?? 'open';
      return [200, page([...this.issues.values()].filter((i) => (state === 'all' || i.state === state) && (!labels || i.labels.some((l: any) => l.name === labels))))];
    }
    if (method === 'POST' && rest === '') {
      const bad = checked('/repos/{owner}/{repo}/issues', 'post');
      if (bad) return bad;
      if (body.body.length > 65536) return [422, { message: 'Validation Failed', errors: [{ field: 'body', code: 'custom', message: 'body is too long (maximum is 65536 characters)' }] }];
      const number = this.nextId++;
      const issue = { number, state: 'open', title: body.title, body: body.body, user: this.user(), labels: (body.labels ?? []).map((name: string) => ({ name })) };
      this.issues.set(number, issue);
      return [201, issue];
    }
    if ((m = /^\/(\d+)$/.exec(rest)) && method === 'PATCH' && this.issues.has(Number(m[1]))) {
      const bad = checked('/repos/{owner}/{repo}/issues/{issue_number}', 'patch');
      if (bad) return bad;
      return [200, Object.assign(this.issues.get(Number(m[1])), body)];
    }
    if ((m = /^\/(\d+)\/comments$/.exec(rest)) && this.issues.has(Number(m[1]))) {
      const issue = Number(m[1]);
      if (method === 'GET') return [200, page([...this.comments.values()].filter((c) => c.issue === issue))];
      if (method === 'POST') {
        const bad = checked('/repos/{owner}/{repo}/issues/{issue_number}/comments', 'post');
        if (bad) return bad;
        if (body.body.length > 65536) return [422, { message: 'Validation Failed', errors: [{ field: 'body', code: 'custom', message: 'body is too long (maximum is 65536 characters)' }] }];
        const comment = { id: this.nextId++, issue, body: body.body, user: this.user() };
        this.comments.set(comment.id, comment);
        return [201, comment];
      }
    }
    if ((m = /^\/comments\/(\d+)$/.exec(rest)) && method === 'PATCH' && this.comments.has(Number(m[1]))) {
      const bad = checked('/repos/{owner}/{repo}/issues/comments/{comment_id}', 'patch');
      if (bad) return bad;
      if (body.body.length > 65536) return [422, { message: 'Validation Failed', errors: [{ field: 'body', code: 'custom', message: 'body is too long (maximum is 65536 characters)' }] }];
      return [200, Object.assign(this.comments.get(Number(m[1])), body)];
    }
    return [404, { message: 'Not Found' }];
  }

  /** The dependency review API: GET only, `{base}...{head}`, documented query parameters only. */
  private handleCompare(method: string, url: URL, origin: string): [number, any, Record<string, string>?] {
    const checked = (status: number, answer: any, headers?: Record<string, string>): [number, any, Record<string, string>?] => {
      const validate = responseValidator(COMPARE, 'get', String(status));
      if (!validate(answer)) this.responseErrors.push(`${status}: ${errorsOf(validate).join('; ')}`);
      return [status, answer, headers];
    };
    const basehead = decodeURIComponent(url.pathname.slice(`/repos/${this.repo}/dependency-graph/compare/`.length));
    if (method !== 'GET') return [404, { message: 'Not Found' }];
    // `page` is the fake's own, in the links it hands out.
    const unknown = [...url.searchParams.keys()].filter((k) => k !== 'page' && !queryParameters(COMPARE, 'get').includes(k));
    if (unknown.length > 0 || !/^[^.]+\.\.\.[^.]+$/.test(basehead)) return checked(400, { message: `Bad request: ${unknown.join(', ') || basehead}`, documentation_url: 'https://docs.github.com/rest' });
    if (this.compareFails) return checked(this.compareFails.status, this.compareFails.body);
    const diff = this.dependencyDiffs.get(basehead);
    if (!diff) return checked(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/dependency-graph/dependency-review' });
    const page = Number(url.searchParams.get('page') ?? 1);
    const items = diff.slice((page - 1) * this.comparePageSize, page * this.comparePageSize);
    const headers: Record<string, string> = {};
    if (page * this.comparePageSize < diff.length) headers.link = `<${origin}${url.pathname}?page=${page + 1}>; rel="next"`;
    if (this.snapshotWarnings) headers['x-github-dependency-graph-snapshot-warnings'] = Buffer.from(this.snapshotWarnings).toString('base64');
    return checked(200, items, headers);
  }

  /** The pull requests of `repo` (`owner/name`), kept in `pulls`. */
  private handlePulls(method: string, url: URL, body: any, repo: string, pulls: Map<number, any>): [number, any] {
    const base = `/repos/${repo}/pulls`;
    const number = Number(url.pathname.slice(base.length + 1)) || undefined;
    if (method === 'GET' && !number) {
      const state = url.searchParams.get('state') ?? 'open';
      const head = url.searchParams.get('head');
      const baseBranch = url.searchParams.get('base');
      return [200, [...pulls.values()].filter((p) => (state === 'all' || p.state === state)
        && (!head || head === `${repo.split('/')[0]}:${p.head.ref}`) && (!baseBranch || p.base.ref === baseBranch))];
    }
    if (this.failWrites) return [this.failWrites.status, this.failWrites.body];
    if (method === 'POST' && !number) {
      const validate = requestBodyValidator('/repos/{owner}/{repo}/pulls', 'post');
      if (!validate(body)) return [422, { message: 'Invalid request.', errors: errorsOf(validate) }];
      const tooLong = this.tooLong(body);
      if (tooLong) return tooLong;
      if ([...pulls.values()].some((p) => p.state === 'open' && p.head.ref === body.head && p.base.ref === body.base)) {
        return [422, { message: 'Validation Failed', errors: [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${repo.split('/')[0]}:${body.head}.` }] }];
      }
      const next = pulls === this.pulls ? this.nextPull++ : Math.max(0, ...pulls.keys()) + 1;
      const pull = {
        number: next,
        state: 'open',
        title: body.title,
        body: body.body ?? null,
        head: { ref: body.head },
        base: { ref: body.base },
        created_at: new Date().toISOString(),
        html_url: `https://github.com/${repo}/pull/${next}`,
        labels: [] as Array<{ name: string }>,
      };
      pulls.set(pull.number, pull);
      return [201, pull];
    }
    if (method === 'PATCH' && number && pulls.has(number)) {
      const validate = requestBodyValidator('/repos/{owner}/{repo}/pulls/{pull_number}', 'patch');
      if (!validate(body)) return [422, { message: 'Invalid request.', errors: errorsOf(validate) }];
      const tooLong = this.tooLong(body);
      if (tooLong) return tooLong;
      const pull = pulls.get(number);
      for (const key of ['title', 'body', 'state'] as const) if (body[key] !== undefined) pull[key] = body[key];
      return [200, pull];
    }
    return [404, { message: 'Not Found' }];
  }

  /**
   * Deployments and their statuses (the deployment records), commit statuses and pull request
   * reviews: request bodies checked against the REST description, documented query parameters
   * only, every answer checked against the description's response schema.
   */
  private handleRecords(method: string, url: URL, body: any): [number, any] {
    const rest = url.pathname.slice(`/repos/${this.repo}`.length);
    const checkedBody = (route: string, verb: string): [number, any] | undefined => {
      const validate = requestBodyValidator(route, verb);
      return validate(body) ? undefined : [422, { message: 'Invalid request.', errors: errorsOf(validate) }];
    };
    const answer = (route: string, verb: string, status: string, value: any): [number, any] => {
      const unknown = [...url.searchParams.keys()].filter((k) => !queryParameters(route, verb).includes(k));
      if (unknown.length) return [400, { message: `unknown query parameters: ${unknown.join(', ')}` }];
      const validate = responseValidator(route, verb, status);
      if (!validate(value)) this.responseErrors.push(`${route}: ${errorsOf(validate).slice(0, 3).join('; ')}`);
      return [Number(status), value];
    };
    const api = `https://api.github.com/repos/${this.repo}`;
    let m: RegExpExecArray | null;
    if (rest === '/deployments' && method === 'GET') {
      const env = url.searchParams.get('environment');
      const sha = url.searchParams.get('sha');
      const ref = url.searchParams.get('ref');
      const list = [...this.deployments.values()].map((d) => d.deployment)
        .filter((d) => (!env || d.environment === env) && (!sha || d.sha === sha) && (!ref || d.ref === ref))
        .reverse();
      return answer('/repos/{owner}/{repo}/deployments', 'get', '200', list.slice(0, Math.min(Number(url.searchParams.get('per_page') ?? 30), 100)));
    }
    if (rest === '/deployments' && method === 'POST') {
      const bad = checkedBody('/repos/{owner}/{repo}/deployments', 'post');
      if (bad) return bad;
      const sha = this.origin ? this.resolve(this.origin, body.ref) : body.ref;
      if (!sha) return [422, { message: `No ref found for: ${body.ref}`, documentation_url: 'https://docs.github.com/rest/deployments/deployments#create-a-deployment' }];
      const id = this.nextId++;
      const at = (this.time ?? new Date()).toISOString();
      const deployment = exampleSchema('deployment', {
        id,
        node_id: `DE_${id}`,
        url: `${api}/deployments/${id}`,
        statuses_url: `${api}/deployments/${id}/statuses`,
        repository_url: api,
        sha,
        ref: body.ref,
        task: body.task ?? 'deploy',
        environment: body.environment ?? 'production',
        description: body.description ?? null,
        payload: body.payload ?? {},
        creator: null,
        created_at: at,
        updated_at: at,
      });
      this.deployments.set(id, { deployment, statuses: [] });
      return answer('/repos/{owner}/{repo}/deployments', 'post', '201', deployment);
    }
    if ((m = /^\/deployments\/(\d+)\/statuses$/.exec(rest)) && this.deployments.has(Number(m[1]))) {
      const record = this.deployments.get(Number(m[1]))!;
      if (method === 'GET') return answer('/repos/{owner}/{repo}/deployments/{deployment_id}/statuses', 'get', '200', [...record.statuses].reverse());
      if (method === 'POST') {
        const bad = checkedBody('/repos/{owner}/{repo}/deployments/{deployment_id}/statuses', 'post');
        if (bad) return bad;
        const id = this.nextId++;
        const at = (this.time ?? new Date()).toISOString();
        const status = exampleSchema('deployment-status', {
          id,
          node_id: `DES_${id}`,
          url: `${record.deployment.url}/statuses/${id}`,
          deployment_url: record.deployment.url,
          repository_url: api,
          state: body.state,
          description: body.description ?? '',
          environment: body.environment ?? record.deployment.environment,
          creator: null,
          created_at: at,
          updated_at: at,
        });
        record.statuses.push(status);
        return answer('/repos/{owner}/{repo}/deployments/{deployment_id}/statuses', 'post', '201', status);
      }
    }
    if ((m = /^\/statuses\/([0-9a-f]{40})$/.exec(rest)) && method === 'POST') {
      const bad = checkedBody('/repos/{owner}/{repo}/statuses/{sha}', 'post');
      if (bad) return bad;
      const id = this.nextId++;
      const at = (this.time ?? new Date()).toISOString();
      this.commitStatuses.push({ sha: m[1], state: body.state, context: body.context, description: body.description });
      return answer('/repos/{owner}/{repo}/statuses/{sha}', 'post', '201', exampleSchema('status', {
        id,
        node_id: `SC_${id}`,
        url: `${api}/statuses/${m[1]}`,
        state: body.state,
        context: body.context ?? 'default',
        description: body.description ?? null,
        target_url: body.target_url ?? null,
        avatar_url: null,
        created_at: at,
        updated_at: at,
        creator: null,
      }));
    }
    if ((m = /^\/pulls\/(\d+)\/reviews$/.exec(rest)) && method === 'GET') {
      const reviews = (this.reviews.get(Number(m[1])) ?? []).map((r, i) => exampleSchema('pull-request-review', {
        id: i + 1,
        node_id: `PRR_${i + 1}`,
        user: exampleSchema('simple-user', { login: r.login, id: i + 1, type: 'User' }),
        body: '',
        state: r.state,
        commit_id: r.commitId,
        html_url: `https://github.com/${this.repo}/pull/${m![1]}#pullrequestreview-${i + 1}`,
        pull_request_url: `${api}/pulls/${m![1]}`,
        author_association: 'MEMBER',
        _links: { html: { href: 'https://github.com/x' }, pull_request: { href: 'https://github.com/x' } },
      }));
      return answer('/repos/{owner}/{repo}/pulls/{pull_number}/reviews', 'get', '200', reviews);
    }
    return [404, { message: 'Not Found' }];
  }

  /**
   * `POST /app/installations/{installation_id}/access_tokens`: the App's JWT (RS256 with its
   * private key, `iss` its id, `iat` and `exp` at most 10 minutes apart, not expired) for an
   * installation token, answered as the REST description says (201, `installation-token`).
   */
  private handleAppToken(req: http.IncomingMessage, url: URL, body: any): [number, any] {
    const route = '/app/installations/{installation_id}/access_tokens';
    const denied = (message: string): [number, any] => [401, { message, documentation_url: 'https://docs.github.com/rest' }];
    if (!this.app) return [404, { message: 'Not Found' }];
    const jwt = /^Bearer ([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(req.headers.authorization ?? '');
    if (!jwt) return denied('A JSON web token could not be decoded');
    let header: any;
    let claims: any;
    try {
      header = JSON.parse(Buffer.from(jwt[1], 'base64url').toString());
      claims = JSON.parse(Buffer.from(jwt[2], 'base64url').toString());
    } catch {
      return denied('A JSON web token could not be decoded');
    }
    const signed = header?.alg === 'RS256' && verify('sha256', Buffer.from(`${jwt[1]}.${jwt[2]}`), this.app.publicKey, Buffer.from(jwt[3], 'base64url'));
    if (!signed) return denied("A JSON web token could not be decoded (its signature is not the App's key)");
    const now = Math.floor(Date.now() / 1000);
    if (String(claims.iss) !== String(this.app.id)) return denied(`Integration not found (iss ${JSON.stringify(claims.iss)})`);
    const timely = Number.isInteger(claims.exp) && Number.isInteger(claims.iat)
      && claims.exp > now && claims.iat <= now + 60 && claims.exp - claims.iat <= 600;
    if (!timely) {
      return denied("'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires, at most 10 minutes after 'iat'");
    }
    if (url.pathname !== `/app/installations/${this.app.installationId}/access_tokens`) return [404, { message: 'Not Found' }];
    // ghinstallation sends `null` when it asks for no restriction (a nil options pointer JSON-encoded): GitHub takes it as none.
    if (body !== undefined && body !== null) {
      const validate = requestBodyValidator(route, 'post');
      if (!validate(body)) return [422, { message: 'Invalid request.', errors: errorsOf(validate) }];
    }
    const token = `ghs_${randomBytes(18).toString('hex')}`;
    this.installationTokens.push(token);
    const answer = exampleSchema('installation-token', {
      token,
      expires_at: new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      permissions: { deployments: 'write', statuses: 'write' },
      repository_selection: 'selected',
    });
    const validate = responseValidator(route, 'post', '201');
    if (!validate(answer)) this.responseErrors.push(`${route}: ${errorsOf(validate).slice(0, 3).join('; ')}`);
    return [201, answer];
  }

  /** GitHub's length limits on a pull request (not in the REST description): its 422 answers. */
  private tooLong(body: any): [number, any] | undefined {
    if (typeof body.title === 'string' && body.title.length > 256) return [422, { message: 'Validation Failed', errors: [{ resource: 'Issue', code: 'custom', field: 'title', message: 'title is too long (maximum is 256 characters)' }] }];
    if (typeof body.body === 'string' && body.body.length > 65536) return [422, { message: 'Validation Failed', errors: [{ resource: 'Issue', code: 'custom', field: 'body', message: 'body is too long (maximum is 65536 characters)' }] }];
    return undefined;
  }

  private user() {
    return { login: this.login, type: this.login.endsWith('[bot]') ? 'Bot' : 'User' };
  }

  private isFleet(pathname: string): boolean {
    const m = /^\/(?:orgs\/([^/]+)|repos\/([^/]+)\/([^/]+))/.exec(pathname);
    return Boolean(m && (m[1] === this.fleetOrg || (m[2] === this.fleetOrg && this.fleet.has(m[3]))));
  }

  /**
   * The organisation's repositories, custom property values, and per repository the contents,
   * check runs, pull requests and commits endpoints the fleet report reads: documented query
   * parameters only, pages of `per_page` (at most 100) linked by `Link`, every answer checked
   * against the REST description's response schema.
   */
  private handleFleet(method: string, url: URL, origin: string, body?: any): [number, any, Record<string, string>?] {
    const org = this.fleetOrg;
    // The upgrade command's pull requests on a fleet repository: the same API as the platform repository's.
    const pullsOf = /^\/repos\/[^/]+\/([^/]+)\/pulls(?:\/\d+)?$/.exec(url.pathname);
    if (pullsOf && method !== 'GET') {
      if (!this.fleetPulls.has(pullsOf[1])) this.fleetPulls.set(pullsOf[1], new Map());
      return this.handlePulls(method, url, body, `${org}/${pullsOf[1]}`, this.fleetPulls.get(pullsOf[1])!);
    }
    if (method !== 'GET') return [404, { message: 'Not Found' }];
    const checked = (route: string, answer: any, headers?: Record<string, string>): [number, any, Record<string, string>?] => {
      const unknown = [...url.searchParams.keys()].filter((k) => !queryParameters(route, 'get').includes(k));
      if (unknown.length) return [400, { message: `unknown query parameters: ${unknown.join(', ')}` }];
      const validate = responseValidator(route, 'get', '200');
      if (!validate(answer)) this.responseErrors.push(`${route}: ${errorsOf(validate).slice(0, 3).join('; ')}`);
      return [200, answer, headers];
    };
    const paged = (items: any[]): [any[], Record<string, string>] => {
      const per = Math.min(Number(url.searchParams.get('per_page') ?? 30), 100);
      const n = Number(url.searchParams.get('page') ?? 1);
      const next = new URL(url.toString());
      next.searchParams.set('page', String(n + 1));
      return [items.slice((n - 1) * per, n * per), n * per < items.length ? { link: `<${origin}${next.pathname}${next.search}>; rel="next"` } : {}];
    };
    const repos = [...this.fleet.values()].sort((a, b) => a.name.localeCompare(b.name));
    if (url.pathname === `/orgs/${org}/repos`) {
      const [items, headers] = paged(repos.map((r, i) => exampleSchema('minimal-repository', {
        id: i + 1,
        name: r.name,
        full_name: `${org}/${r.name}`,
        topics: r.topics ?? [],
        default_branch: r.defaultBranch ?? 'main',
        archived: false,
        private: r.private ?? false,
        visibility: r.private ? 'private' : 'public',
      })));
      return checked('/orgs/{org}/repos', items, headers);
    }
    if (url.pathname === `/orgs/${org}/properties/values`) {
      const [items, headers] = paged(repos.map((r, i) => exampleSchema('org-repo-custom-property-values', {
        repository_id: i + 1,
        repository_name: r.name,
        repository_full_name: `${org}/${r.name}`,
        properties: Object.entries(r.properties ?? {}).map(([property_name, value]) => ({ property_name, value })),
      })));
      return checked('/orgs/{org}/properties/values', items, headers);
    }
    const m = /^\/repos\/[^/]+\/([^/]+)\/(.*)$/.exec(url.pathname)!;
    const repo = this.fleet.get(m[1])!;
    const rest = m[2];
    const branch = repo.defaultBranch ?? 'main';
    if (rest === 'contents/.projen-gitops.json') {
      const metadata = repo.origin ? this.fromGit(repo.origin, branch, '.projen-gitops.json') : repo.metadata && JSON.stringify(repo.metadata);
      if (!metadata || (url.searchParams.get('ref') ?? branch) !== branch) return [404, { message: 'Not Found' }];
      return checked('/repos/{owner}/{repo}/contents/{path}', exampleSchema('content-file', {
        type: 'file',
        encoding: 'base64',
        name: '.projen-gitops.json',
        path: '.projen-gitops.json',
        content: Buffer.from(metadata).toString('base64'),
      }));
    }
    if (rest === `commits/${branch}/check-runs`) {
      const runs = repo.drift && url.searchParams.get('check_name') === 'Generated files are up to date'
        ? [exampleSchema('check-run', { id: 1, name: 'Generated files are up to date', status: repo.drift === 'in_progress' ? 'in_progress' : 'completed', conclusion: repo.drift === 'in_progress' ? null : repo.drift })]
        : [];
      return checked('/repos/{owner}/{repo}/commits/{ref}/check-runs', { total_count: runs.length, check_runs: runs });
    }
    if (rest === 'pulls') {
      const head = url.searchParams.get('head');
      const baseBranch = url.searchParams.get('base');
      const state = url.searchParams.get('state') ?? 'open';
      const opened = [...(this.fleetPulls.get(repo.name)?.values() ?? [])]
        .filter((p) => (state === 'all' || p.state === state) && (!head || head === `${org}:${p.head.ref}`) && (!baseBranch || p.base.ref === baseBranch))
        .map((p) => exampleSchema('pull-request-simple', { number: p.number, created_at: p.created_at, html_url: p.html_url, state: p.state, title: p.title, body: p.body }));
      const pulls = repo.upgradePull && head === `${org}:projen-gitops/upgrade`
        ? [exampleSchema('pull-request-simple', { number: repo.upgradePull.number, created_at: repo.upgradePull.createdAt, html_url: `https://github.com/${org}/${repo.name}/pull/${repo.upgradePull.number}`, state: 'open' })]
        : [];
      return checked('/repos/{owner}/{repo}/pulls', [...opened, ...pulls]);
    }
    if (rest === 'commits') {
      const env = /^deploy\/environments\/([^/]+)\/images\.yaml$/.exec(url.searchParams.get('path') ?? '')?.[1];
      const date = env ? (repo.origin ? this.lastCommit(repo.origin, url.searchParams.get('sha') ?? branch, url.searchParams.get('path')!) : repo.imagesCommits?.[env]) : undefined;
      return checked('/repos/{owner}/{repo}/commits', date ? [exampleSchema('commit', { sha: 'a'.repeat(40), commit: { committer: { date } } })] : []);
    }
    return [404, { message: 'Not Found' }];
  }

  /** A file of a bare repository's branch, or undefined when it has none. */
  private fromGit(gitDir: string, branch: string, file: string): string | undefined {
    try {
      return execFileSync('git', ['--git-dir', gitDir, 'show', `${branch}:${file}`], { encoding: 'utf-8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      return undefined;
    }
  }

  /** The commit a ref names in a bare repository, if any. */
  private resolve(gitDir: string, ref: string): string | undefined {
    if (typeof ref !== 'string' || ref === '' || ref.startsWith('-')) return undefined;
    try {
      return execFileSync('git', ['--git-dir', gitDir, 'rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { encoding: 'utf-8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
    } catch {
      return undefined;
    }
  }

  /** The committer date of the last commit of `ref` that changed `file`, if any. */
  private lastCommit(gitDir: string, ref: string, file: string): string | undefined {
    try {
      return execFileSync('git', ['--git-dir', gitDir, 'log', '-1', '--format=%cI', ref, '--', file], { encoding: 'utf-8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
    } catch {
      return undefined;
    }
  }

  /** Stores a ruleset the way GitHub returns it: with ids, links and defaults added. */
  private stored(id: number, body: any): any {
    const ruleset = {
      id,
      source_type: 'Repository',
      source: this.repo,
      node_id: `RRS_${id}`,
      current_user_can_bypass: 'never',
      _links: { self: { href: `https://api.github.com/repos/${this.repo}/rulesets/${id}` } },
      ...JSON.parse(JSON.stringify(body)),
    };
    for (const rule of ruleset.rules ?? []) {
      if (rule.type === 'pull_request') rule.parameters.required_reviewers ??= [];
    }
    // GitHub does not keep the order of the rules.
    ruleset.rules?.reverse();
    this.rulesets.set(id, ruleset);
    return ruleset;
  }
}
