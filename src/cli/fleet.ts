/**
 * `projen-gitops fleet`: the platform team's view of every repository made from a template.
 * Lists the organisation's repositories by topic and/or custom property, reads each one's
 * `.projen-gitops.json` (template and projen-gitops versions, ring, environments), the drift
 * check of its default branch, its open upgrade pull request and the last commit of each
 * environment's `images.yaml`, and writes a Markdown table into one issue of the platform
 * repository (found by its marker and label, updated in place) and, with `--json`, JSON.
 *
 * Within the REST rate limit at 500 repositories: pages of 100, conditional requests
 * (`If-None-Match` with the ETags of a cache file: a 304 costs no rate limit), bounded waits on
 * 403/429 (`retry-after`, else `x-ratelimit-reset`), and a request budget printed first.
 */
import * as fs from 'fs';
import { imagesFile } from '../model/layout';
import { GITHUB_OWNER, GITHUB_TOPIC, isRepository } from '../model/names';
import { FLEET_CACHE_FILE, METADATA_FILE, UPGRADE_BRANCH } from '../model/upgrades';

export class FleetError extends Error {}

/** The drift check's job name (src/github/drift-check-workflow.ts DRIFT_JOB_NAME). */
const DRIFT_CHECK = 'Generated files are up to date';
const MARKER = '<!-- projen-gitops fleet report -->';
const LABEL = 'projen-gitops-fleet';
const DAY = 86_400_000;

export interface FleetOptions {
  readonly org: string;
  /** Repositories with this topic. */
  readonly topic?: string;
  /** Repositories whose custom property `name` has `value`. */
  readonly property?: { readonly name: string; readonly value: string };
  /** `owner/name` of the platform repository whose issue holds the report; none: no issue. */
  readonly issueRepository?: string;
  readonly apiUrl: string;
  readonly token: string;
  /** The token that writes the issue (the workflow's own, "Issues: write" here only); default `token`. */
  readonly issueToken?: string;
  /** ETags and bodies of earlier answers (JSON), reused with `If-None-Match`. */
  readonly cacheFile?: string;
  /** Longest single wait on a rate-limit answer, in seconds (default 60). */
  readonly maxWaitSeconds?: number;
  readonly now?: Date;
  readonly log?: (line: string) => void;
  /** How to wait (tests pass a clock that records instead of sleeping). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** The time now in milliseconds, for waits until a rate limit's reset (tests pass a fixed one). */
  readonly clock?: () => number;
}

export interface FleetRepository {
  readonly repository: string;
  readonly template?: string;
  readonly templateVersion?: string;
  readonly projenGitops?: string;
  readonly ring?: string;
  /** success, failure, pending, or none (no drift check run on the default branch). */
  readonly drift: string;
  readonly upgradePullRequest?: { readonly number: number; readonly ageDays: number; readonly url: string };
  /** Days since each environment's images.yaml last changed (undefined: never written). */
  readonly deployedAgeDays: { readonly [env: string]: number | null };
  /** Why a part is unknown (no metadata file, ...). */
  readonly note?: string;
}

export interface FleetReport {
  readonly repositories: FleetRepository[];
  readonly markdown: string;
  /** Requests sent (304 answers included), and of those answered 304 from the cache. */
  readonly requests: number;
  readonly notModified: number;
  readonly budget: number;
  readonly issue?: number;
}

interface CacheEntry {
  readonly etag: string;
  readonly body: any;
  readonly link?: string;
}

/** A REST client: pagination, conditional requests, bounded backoff, a request count. */
class Client {
  requests = 0;
  notModified = 0;
  private readonly cache: Record<string, CacheEntry>;
  private readonly root: string;

  constructor(private readonly options: FleetOptions) {
    this.root = options.apiUrl.replace(/\/+$/, '');
    this.cache = readCache(options.cacheFile);
  }

  save() {
    if (this.options.cacheFile) fs.writeFileSync(this.options.cacheFile, JSON.stringify(this.cache));
  }

  /** GET one page; `undefined` on 404. */
  async get(route: string): Promise<{ body: any; link?: string } | undefined> {
    const url = route.startsWith('http') ? route : `${this.root}${route}`;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const maxWait = (this.options.maxWaitSeconds ?? 60) * 1000;
    for (let attempt = 0; ; attempt++) {
      const cached = this.cache[url];
      this.requests++;
      const response = await fetch(url, {
        headers: {
          'accept': 'application/vnd.github+json',
          'x-github-api-version': '2022-11-28',
          'user-agent': 'projen-gitops',
          'authorization': `Bearer ${this.options.token}`,
          ...(cached ? { 'if-none-match': cached.etag } : {}),
        },
        signal: AbortSignal.timeout(30_000),
      }).catch((error: Error) => {
        throw new FleetError(`cannot reach ${this.root} (${error.message}); check --api-url`);
      });
      if (response.status === 304 && cached) {
        this.notModified++;
        return { body: cached.body, link: cached.link };
      }
      const remaining = response.headers.get('x-ratelimit-remaining');
      if (response.status === 429 || (response.status === 403 && (response.headers.has('retry-after') || remaining === '0'))) {
        const retryAfter = Number(response.headers.get('retry-after'));
        const reset = Number(response.headers.get('x-ratelimit-reset'));
        // GitHub: wait `retry-after` seconds; with none, until `x-ratelimit-reset`; else a minute.
        const wait = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000
          : Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - (this.options.clock ?? Date.now)()) + 1000 : 60_000;
        if (wait > maxWait || attempt >= 3) {
          throw new FleetError(`rate limited on ${route.split('?')[0]} (${response.status}); GitHub asks to wait ${Math.ceil(wait / 1000)} s, more than --max-wait ${maxWait / 1000} s or a 4th time: run it again later (the cache file keeps what was read)`);
        }
        this.options.log?.(`rate limited (${response.status}); waiting ${Math.ceil(wait / 1000)} s as GitHub asks`);
        await sleep(wait);
        continue;
      }
      if (response.status === 404) return undefined;
      const text = await response.text();
      if (!response.ok) throw new FleetError(`GET ${route.split('?')[0]} answered ${response.status} (${text.slice(0, 200)}); the token needs read access to the organisation's repositories (Metadata, Contents, Checks, Pull requests: read)`);
      const body = text ? JSON.parse(text) : undefined;
      const link = response.headers.get('link') ?? undefined;
      const etag = response.headers.get('etag');
      if (etag) this.cache[url] = { etag, body, ...(link ? { link } : {}) };
      return { body, link };
    }
  }

  /** Every page of a list (per_page=100, following `Link: rel="next"`). */
  async all(route: string): Promise<any[]> {
    const items: any[] = [];
    let next: string | undefined = `${route}${route.includes('?') ? '&' : '?'}per_page=100`;
    while (next) {
      const page: { body: any; link?: string } | undefined = await this.get(next);
      if (!page) break;
      items.push(...(Array.isArray(page.body) ? page.body : []));
      next = /<([^>]+)>;\s*rel="next"/.exec(page.link ?? '')?.[1];
    }
    return items;
  }

  async write(method: string, route: string, body: object): Promise<any> {
    this.requests++;
    const response = await fetch(`${this.root}${route}`, {
      method,
      headers: {
        'accept': 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
        'user-agent': 'projen-gitops',
        'authorization': `Bearer ${this.options.issueToken ?? this.options.token}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    if (!response.ok) throw new FleetError(`${method} ${route} answered ${response.status} (${text.slice(0, 200)}); the token needs "Issues: write" on the platform repository`);
    return JSON.parse(text);
  }
}

function readCache(file: string | undefined): Record<string, CacheEntry> {
  if (!file || !fs.existsSync(file)) return {};
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf-8'));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : {};
  } catch {
    // A broken cache only costs requests.
    return {};
  }
}

/** Requests the report needs at most: the listing pages, then per repository 3 + one per environment. */
export function requestBudget(repositories: number, listingPages: number, environments: number): number {
  return listingPages + repositories * (3 + environments) + 2;
}

export async function fleet(options: FleetOptions): Promise<FleetReport> {
  const log = options.log ?? (() => undefined);
  const now = (options.now ?? new Date()).getTime();
  const client = new Client(options);
  const org = options.org;

  let repos = (await client.all(`/orgs/${org}/repos?type=all&sort=full_name`)).filter((r) => !r.archived);
  const listingPages = client.requests;
  if (options.topic) repos = repos.filter((r) => (r.topics ?? []).includes(options.topic));
  if (options.property) {
    const values = await client.all(`/orgs/${org}/properties/values`);
    const { name, value } = options.property;
    const matching = new Set(values
      .filter((v) => (v.properties ?? []).some((p: any) => p.property_name === name && p.value === value))
      .map((v) => v.repository_name));
    repos = repos.filter((r) => matching.has(r.name));
  }
  repos.sort((a, b) => String(a.full_name).localeCompare(String(b.full_name)));
  // The report names every repository: where it is published must be no more public than they are.
  if (options.issueRepository) {
    const target = (await client.get(`/repos/${options.issueRepository}`))?.body;
    if (!target) throw new FleetError(`${options.issueRepository} (--issue-repo) was not found, or the token cannot read it`);
    const hidden = repos.filter((r) => r.private === true || (r.visibility !== undefined && r.visibility !== 'public'));
    if (target.private !== true && target.visibility !== 'internal' && hidden.length > 0) {
      throw new FleetError(`${options.issueRepository} is public and the report would name ${hidden.length} private or internal repositories in its issue (and in its workflow's log and summary); keep the report in a private repository of the organisation`);
    }
  }
  // Environments are known once the metadata is read; the default three for the estimate.
  const budget = requestBudget(repos.length, client.requests, 3);
  log(`${repos.length} repositories; request budget at most ${budget} (listing ${listingPages}${options.property ? ' + custom properties' : ''}, then ${repos.length} × (3 + one per environment, 3 assumed)); GitHub allows 5000 an hour, 304 answers from the cache cost none`);

  const rows: FleetRepository[] = [];
  for (const repo of repos) {
    const full = repo.full_name as string;
    const branch = repo.default_branch as string;
    const file = await client.get(`/repos/${full}/contents/${METADATA_FILE}?ref=${encodeURIComponent(branch)}`);
    let meta: any;
    try {
      meta = file?.body?.content ? JSON.parse(Buffer.from(file.body.content, 'base64').toString('utf-8')) : undefined;
    } catch {
      meta = undefined;
    }
    const checks = await client.get(`/repos/${full}/commits/${encodeURIComponent(branch)}/check-runs?check_name=${encodeURIComponent(DRIFT_CHECK)}&filter=latest&per_page=1`);
    const run = checks?.body?.check_runs?.[0];
    const drift = !run ? 'none' : run.status !== 'completed' ? 'pending' : run.conclusion ?? 'pending';
    const pulls = await client.get(`/repos/${full}/pulls?state=open&head=${encodeURIComponent(`${full.split('/')[0]}:${UPGRADE_BRANCH}`)}&per_page=1`);
    const pull = pulls?.body?.[0];
    const deployedAgeDays: Record<string, number | null> = {};
    for (const env of (Array.isArray(meta?.environments) ? meta.environments : []).filter((e: unknown) => typeof e === 'string' && /^[a-z0-9-]{1,63}$/.test(e))) {
      const commits = await client.get(`/repos/${full}/commits?sha=${encodeURIComponent(branch)}&path=${encodeURIComponent(imagesFile(env))}&per_page=1`);
      const date = commits?.body?.[0]?.commit?.committer?.date;
      deployedAgeDays[env] = date ? Math.floor((now - Date.parse(date)) / DAY) : null;
    }
    rows.push({
      repository: full,
      ...(meta?.template?.name ? { template: meta.template.name, templateVersion: meta.template.version } : {}),
      ...(meta?.projenGitops ? { projenGitops: meta.projenGitops } : {}),
      ...(meta?.ring ? { ring: meta.ring } : {}),
      drift,
      ...(pull ? {
        upgradePullRequest: { number: pull.number, ageDays: Math.floor((now - Date.parse(pull.created_at)) / DAY), url: pull.html_url },
      } : {}),
      deployedAgeDays,
      ...(meta ? {} : { note: `no ${METADATA_FILE} on ${branch}` }),
    });
  }

  const markdown = render(rows, org, options, new Date(now));
  let issue: number | undefined;
  if (options.issueRepository) {
    // Ours: the label and the marker (a report someone else wrote by hand is left alone).
    const issues = await client.all(`/repos/${options.issueRepository}/issues?state=open&labels=${LABEL}`);
    const ours = issues.find((i) => typeof i.body === 'string' && i.body.includes(MARKER) && !i.pull_request);
    const title = `Fleet report: ${org}${options.topic ? ` (topic ${options.topic})` : ''}`;
    if (ours) {
      await client.write('PATCH', `/repos/${options.issueRepository}/issues/${ours.number}`, { title, body: markdown });
      issue = ours.number;
      log(`updated issue #${issue} in ${options.issueRepository}`);
    } else {
      issue = (await client.write('POST', `/repos/${options.issueRepository}/issues`, { title, body: markdown, labels: [LABEL] })).number;
      log(`opened issue #${issue} in ${options.issueRepository}`);
    }
  }
  client.save();
  log(`${client.requests} requests sent (${client.notModified} answered 304 from the cache), budget ${budget}`);
  const counts = { requests: client.requests, notModified: client.notModified, budget };
  return { repositories: rows, markdown, ...counts, ...(issue !== undefined ? { issue } : {}) };
}

/** Markdown-safe cell text: repository data never becomes markup. */
function cell(text: string): string {
  return text.replace(/[|`<>\\]/g, (c) => `\\${c}`).replace(/\n/g, ' ');
}

/** GitHub's limit on an issue body (the REST API answers 422 above it). */
const ISSUE_BODY_LIMIT = 65_536;

/** Rows that need a look first: a failing drift check, no metadata, the oldest upgrade pull request. */
function attention(r: FleetRepository): number {
  if (r.drift === 'failure') return 0;
  if (r.note) return 1;
  if (r.upgradePullRequest) return 2 + 1 / (1 + r.upgradePullRequest.ageDays);
  return 4;
}

function render(rows: FleetRepository[], org: string, options: FleetOptions, now: Date): string {
  const all = renderRows(rows, org, options, now, rows);
  if (all.length <= ISSUE_BODY_LIMIT) return all;
  // Too long for one issue: the rows needing attention first, as many as fit; the rest in --json.
  const sorted = [...rows].sort((a, b) => attention(a) - attention(b) || a.repository.localeCompare(b.repository));
  let shown = rows.length;
  let text = all;
  while (text.length > ISSUE_BODY_LIMIT && shown > 0) {
    shown = Math.floor(shown * 0.9);
    text = renderRows(sorted.slice(0, shown), org, options, now, rows);
  }
  return text;
}

function renderRows(rows: FleetRepository[], org: string, options: FleetOptions, now: Date, everything: FleetRepository[]): string {
  const total = everything.length;
  const drift = (d: string) => (d === 'success' ? '✅ up to date' : d === 'none' ? '— no run' : d === 'pending' ? '⏳ pending' : `❌ ${cell(d)}`);
  const versions = new Map<string, number>();
  for (const r of everything) {
    const key = r.note ? 'unknown (no metadata)' : `${r.template ?? 'projen-gitops'} ${r.templateVersion ?? r.projenGitops ?? '?'}`;
    versions.set(key, (versions.get(key) ?? 0) + 1);
  }
  const lines = [
    MARKER,
    `# Fleet report: ${cell(org)}`,
    '',
    `${total} repositories${options.topic ? ` with topic \`${cell(options.topic)}\`` : ''}${options.property ? ` with custom property \`${cell(options.property.name)}=${cell(options.property.value)}\`` : ''}, read ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC by \`projen-gitops fleet\`. Drift failing: ${everything.filter((r) => r.drift !== 'success' && r.drift !== 'none' && r.drift !== 'pending').length}; upgrade pull requests open: ${everything.filter((r) => r.upgradePullRequest).length}.`,
    '',
    `Versions: ${[...versions].sort().map(([v, n]) => `${cell(v)} (${n})`).join(', ')}`,
    '',
    ...(total > rows.length ? [`${total - rows.length} repositories left out to stay within an issue's size (those needing attention are shown first): \`projen-gitops fleet --json\` lists all.`, ''] : []),
    '| Repository | Template | projen-gitops | Ring | Drift check | Upgrade pull request | Deployed digests (days since images.yaml changed) |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => [
      '',
      cell(r.repository.startsWith(`${org}/`) ? r.repository.slice(org.length + 1) : r.repository),
      r.template ? `${cell(r.template)} ${cell(r.templateVersion ?? '?')}` : r.note ? `_${cell(r.note)}_` : '—',
      cell(r.projenGitops ?? '?'),
      cell(r.ring ?? '?'),
      drift(r.drift),
      r.upgradePullRequest ? `#${r.upgradePullRequest.number} (${r.upgradePullRequest.ageDays} d)` : '—',
      Object.entries(r.deployedAgeDays).map(([env, age]) => `${cell(env)}: ${age === null ? 'never' : `${age} d`}`).join(', ') || '—',
      '',
    ].join(' | ').trim()),
    '',
  ];
  return lines.join('\n');
}

export const FLEET_USAGE = `Usage: projen-gitops fleet --org ORG (--topic TOPIC | --property NAME=VALUE) [options]

Lists the organisation's repositories made from a template (by topic and/or custom property)
with their template and projen-gitops versions, ring, drift check on the default branch, open
upgrade pull request and the age of each environment's deployed digests; prints a Markdown
table (or JSON with --json) and, with --issue, keeps it in one issue of that repository.
Token: GH_TOKEN or GITHUB_TOKEN (read access to the repositories), and FLEET_ISSUE_TOKEN for
the issue ("Issues: write" on the platform repository; default the same token); API:
GITHUB_API_URL.

Options:
  --org ORG              the organisation
  --topic TOPIC          repositories with this topic
  --property NAME=VALUE  repositories whose custom property NAME is VALUE
  --issue OWNER/NAME     write the report into the issue of this repository (label ${LABEL})
  --json                 print JSON instead of Markdown
  --cache FILE           ETags of earlier answers (default ${FLEET_CACHE_FILE})
  --max-wait SECONDS     longest wait on a rate-limit answer (default 60)
  -h, --help             show this help`;


export function fleetOptions(argv: string[], env: NodeJS.ProcessEnv): (Omit<FleetOptions, 'log'> & { json: boolean }) | undefined {
  const o: {
    org?: string;
    topic?: string;
    property?: { name: string; value: string };
    issueRepository?: string;
    cacheFile?: string;
    maxWaitSeconds?: number;
    json: boolean;
  } = { json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new FleetError(`${arg} needs a value (see --help)`);
      return v;
    };
    if (arg === '-h' || arg === '--help') {return undefined;} else if (arg === '--org') {o.org = value();} else if (arg === '--topic') {o.topic = value();} else if (arg === '--property') {
      const [name, ...rest] = value().split('=');
      o.property = { name, value: rest.join('=') };
    } else if (arg === '--issue') {o.issueRepository = value();} else if (arg === '--cache') {o.cacheFile = value();} else if (arg === '--max-wait') {o.maxWaitSeconds = Number(value());} else if (arg === '--json') {o.json = true;} else {throw new FleetError(`unknown option '${arg}' (see --help)`);}
  }
  if (!o.org || !GITHUB_OWNER.test(o.org)) throw new FleetError(`--org must be an organisation login, got ${JSON.stringify(o.org)}; try --org acme`);
  if (!o.topic && !o.property) throw new FleetError('--topic or --property says which repositories were made from the template; try --topic gitops-template');
  if (o.topic && !GITHUB_TOPIC.test(o.topic)) throw new FleetError(`--topic must be a GitHub topic (lowercase letters, digits, '-'), got ${JSON.stringify(o.topic)}; try --topic acme-gitops`);
  if (o.property && (!/^[A-Za-z0-9_-]{1,75}$/.test(o.property.name) || !o.property.value)) throw new FleetError(`--property must be NAME=VALUE (a custom property name), got ${JSON.stringify(`${o.property.name}=${o.property.value}`)}; try --property template=acme-gitops`);
  if (o.issueRepository && !isRepository(o.issueRepository)) throw new FleetError(`--issue must be owner/name, got ${JSON.stringify(o.issueRepository)}; try --issue acme/platform`);
  if (o.maxWaitSeconds !== undefined && (!Number.isInteger(o.maxWaitSeconds) || o.maxWaitSeconds < 0 || o.maxWaitSeconds > 3600)) throw new FleetError(`--max-wait must be whole seconds from 0 to 3600, got ${JSON.stringify(o.maxWaitSeconds)}; try --max-wait 60`);
  const token = env.GH_TOKEN ?? env.GITHUB_TOKEN;
  if (!token) throw new FleetError('no token: set GH_TOKEN to one that reads the organisation\'s repositories');
  const issueToken = env.FLEET_ISSUE_TOKEN;
  return {
    org: o.org,
    ...(o.topic ? { topic: o.topic } : {}),
    ...(o.property ? { property: o.property } : {}),
    ...(o.issueRepository ? { issueRepository: o.issueRepository } : {}),
    apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
    token,
    ...(issueToken ? { issueToken } : {}),
    cacheFile: o.cacheFile ?? FLEET_CACHE_FILE,
    ...(o.maxWaitSeconds !== undefined ? { maxWaitSeconds: o.maxWaitSeconds } : {}),
    json: o.json,
  };
}
