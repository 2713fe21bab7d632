/**
 * `projen-gitops protect`: creates or updates the repository rulesets in `.github/rulesets/`
 * through GitHub's REST API, by name, so running it twice changes nothing.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseCommandLine } from './args';

export interface ProtectOptions {
  /** Folder with the ruleset JSON files. */
  readonly dir: string;
  /** `owner/name`; else $GITHUB_REPOSITORY, else the `origin` remote. */
  readonly repo?: string;
  /** API token; else $GH_TOKEN, else $GITHUB_TOKEN. */
  readonly token?: string;
  /** REST API base URL; else $GITHUB_API_URL, else https://api.github.com. */
  readonly apiUrl?: string;
  /** Print the requests instead of sending the writes. */
  readonly dryRun?: boolean;
  /** Working directory (for the git remote and relative paths). */
  readonly cwd?: string;
  /** Where to print. */
  readonly log?: (line: string) => void;
}

/** A failure with a message for people; the CLI prints it and exits 1. */
export class ProtectError extends Error {}

type Json = any;

/** Applies the rulesets; returns counts. Throws ProtectError with a clear message. */
export async function protect(options: ProtectOptions): Promise<{ created: number; updated: number; unchanged: number }> {
  const cwd = options.cwd ?? process.cwd();
  const log = options.log ?? ((line: string) => console.log(line));
  const env = process.env;
  const token = options.token ?? env.GH_TOKEN ?? env.GITHUB_TOKEN;
  const apiUrl = (options.apiUrl ?? env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, '');
  const repo = options.repo ?? env.GITHUB_REPOSITORY ?? repoFromGitRemote(cwd);
  if (!repo || !/^[\w.-]+\/[\w.-]+$/.test(repo)) {
    throw new ProtectError(`cannot tell which repository to protect${repo ? ` ('${repo}' is not owner/name)` : ''}: pass --repo owner/name, set GITHUB_REPOSITORY, or add a GitHub 'origin' remote`);
  }
  const rulesets = readRulesets(path.resolve(cwd, options.dir));
  if (!token && !options.dryRun) {
    throw new ProtectError(`no token: set GH_TOKEN or GITHUB_TOKEN to a token that may administer ${repo} (fine-grained: "Administration: write"; classic: "repo"), or run with --dry-run`);
  }

  const base = `${apiUrl}/repos/${repo}/rulesets`;
  const call = async (method: string, url: string, body?: Json): Promise<Json> => {
    const response = await fetch(url, {
      method,
      headers: {
        'accept': 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
        'user-agent': 'projen-gitops',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(30_000),
    }).catch((error: Error) => {
      throw new ProtectError(`cannot reach ${apiUrl} (${error.message}); check --api-url or GITHUB_API_URL`);
    });
    const text = await response.text();
    const data = text ? safeJson(text) : undefined;
    if (!response.ok) throw new ProtectError(explain(response.status, data, method, url, repo, body?.name));
    return data;
  };

  const existing = new Map<string, number>();
  if (token) {
    for (let page = 1; ; page++) {
      const list: Json[] = await call('GET', `${base}?includes_parents=false&per_page=100&page=${page}`);
      for (const r of list) existing.set(r.name, r.id);
      if (list.length < 100) break;
    }
  } else {
    log('(dry run without a token: existing rulesets were not looked up; every ruleset is shown as created)');
  }

  const counts = { created: 0, updated: 0, unchanged: 0 };
  for (const { file, body } of rulesets) {
    const id = existing.get(body.name);
    if (id === undefined) {
      if (options.dryRun) {log(`would create '${body.name}' (${file}):\nPOST ${base}\n${JSON.stringify(body, null, 2)}`);} else {
        const created = await call('POST', base, body);
        log(`created '${body.name}' (#${created?.id})`);
      }
      counts.created++;
      continue;
    }
    const current = await call('GET', `${base}/${id}`);
    if (contains(current, body)) {
      log(`unchanged '${body.name}' (#${id})`);
      counts.unchanged++;
      continue;
    }
    if (options.dryRun) {log(`would update '${body.name}' (#${id}, ${file}):\nPUT ${base}/${id}\n${JSON.stringify(body, null, 2)}`);} else {
      await call('PUT', `${base}/${id}`, body);
      log(`updated '${body.name}' (#${id})`);
    }
    counts.updated++;
  }
  const verb = options.dryRun ? 'would change' : 'done';
  log(`${verb}: ${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged (${repo})`);
  return counts;
}

function readRulesets(dir: string): Array<{ file: string; body: Json }> {
  if (!fs.existsSync(dir)) throw new ProtectError(`no ruleset folder at ${dir}; run \`npx projen\` first`);
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  if (files.length === 0) throw new ProtectError(`no ruleset files (*.json) in ${dir}; run \`npx projen\` first`);
  return files.map((file) => {
    const body = safeJson(fs.readFileSync(path.join(dir, file), 'utf-8'));
    if (!body || typeof body.name !== 'string') throw new ProtectError(`${file} is not a ruleset (JSON with a "name"); run \`npx projen\` to regenerate it`);
    return { file, body };
  });
}

/** True when every value in `wanted` is in `actual` (GitHub adds ids, links and defaults). */
function contains(actual: Json, wanted: Json): boolean {
  if (Array.isArray(wanted)) {
    if (!Array.isArray(actual) || actual.length !== wanted.length) return false;
    const key = (x: Json) => (x && typeof x === 'object' && 'type' in x ? String(x.type) : JSON.stringify(x));
    const remaining = [...actual];
    return wanted.every((w) => {
      const index = remaining.findIndex((a) => key(a) === key(w) && contains(a, w));
      return index >= 0 && remaining.splice(index, 1).length === 1;
    });
  }
  if (wanted && typeof wanted === 'object') {
    return !!actual && typeof actual === 'object' && Object.entries(wanted).every(([k, v]) => contains(actual[k], v));
  }
  return actual === wanted;
}

function explain(status: number, data: Json, method: string, url: string, repo: string, name?: string): string {
  const detail = [data?.message, ...(Array.isArray(data?.errors) ? data.errors.map((e: Json) => (typeof e === 'string' ? e : e?.message ?? JSON.stringify(e))) : [])].filter(Boolean).join('; ');
  const what = `${method} ${url} answered ${status}${detail ? ` (${detail})` : ''}`;
  switch (status) {
    case 401: return `${what}: the token was rejected; check that GH_TOKEN or GITHUB_TOKEN holds a valid, unexpired token`;
    case 403: return `${what}: the token may not administer ${repo}; it needs "Administration: write" (fine-grained) or "repo" (classic) and admin rights, and private repositories need a plan with rulesets`;
    case 404: return `${what}: repository ${repo} not found, or the token cannot see it; check --repo and the token's repository access`;
    case 422: return `${what}: GitHub rejected ruleset '${name ?? '?'}'; a required check or setting may not exist yet, or the body is invalid; fix the options in .projenrc.ts and run \`npx projen\``;
    default: return what;
  }
}

function safeJson(text: string): Json {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `owner/name` from the `origin` remote, if it points at a GitHub-style host. */
function repoFromGitRemote(cwd: string): string | undefined {
  const result = spawnSync('git', ['remote', 'get-url', 'origin'], { cwd, encoding: 'utf-8' });
  if (result.status !== 0) return undefined;
  const match = /[/:]([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/.exec(result.stdout.trim());
  return match ? `${match[1]}/${match[2]}` : undefined;
}

/** The `protect` command's options from its arguments, or `'help'` for -h/--help. */
export function parseProtectArgs(argv: string[]): ProtectOptions | 'help' {
  const { values, positionals } = parseCommandLine(argv, {
    'dir': { type: 'string' },
    'repo': { type: 'string' },
    'api-url': { type: 'string' },
    'dry-run': { type: 'boolean' },
    'help': { type: 'boolean', short: 'h' },
  }, (message) => new ProtectError(message));
  if (positionals.length > 0) throw new ProtectError(`unexpected argument '${positionals[0]}' (see --help)`);
  if (values.help) return 'help';
  return {
    dir: (values.dir as string | undefined) ?? '.github/rulesets',
    repo: values.repo as string | undefined,
    apiUrl: values['api-url'] as string | undefined,
    dryRun: values['dry-run'] === true,
  };
}
