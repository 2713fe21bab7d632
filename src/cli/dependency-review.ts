/**
 * `projen-gitops dependency-review`: the dependency review of a pull request without GitHub's
 * dependency review action (whose releases readable here run on the deprecated node20
 * runtime). It asks GitHub's dependency graph for the diff between the pull request's base and
 * head commits (REST: `GET /repos/{owner}/{repo}/dependency-graph/compare/{basehead}`, every page
 * of it), fails when an added package has a known vulnerability at or above the threshold, or a
 * license on the deny list, and writes a summary (added and removed packages, vulnerabilities
 * with their advisories, license findings) for `$GITHUB_STEP_SUMMARY`.
 */
import { parseCommandLine } from './args';
import { checkLicenseId, checkSeverity, SEVERITIES } from '../core/checks';
import { isRepository } from '../model/names';

export class DependencyReviewError extends Error {}
DependencyReviewError.prototype.name = 'DependencyReviewError';

export const DEPENDENCY_REVIEW_USAGE = `Usage: projen-gitops dependency-review --base SHA --head SHA [options]

Compares the dependencies of two commits with GitHub's dependency graph (the dependency
review REST API) and exits 1 when the head adds a package with a known vulnerability at or
above --fail-on-severity, or with a license on the deny list. Writes a summary to
$GITHUB_STEP_SUMMARY when set. Token: GITHUB_TOKEN or GH_TOKEN ("Contents: read"); repository:
GITHUB_REPOSITORY; API: GITHUB_API_URL (default https://api.github.com). Needs the dependency
graph on the repository (a private one also needs GitHub Advanced Security or Code Security).

Options:
  --base SHA                the pull request's base commit (40 or 64 hex digits)
  --head SHA                the pull request's head commit
  --fail-on-severity LEVEL  low, moderate, high or critical (default moderate)
  --deny-license ID         an SPDX license identifier to refuse (repeatable)
  -h, --help                show this help`;

/** A vulnerability of a package, as the REST description has it. */
export interface Advisory {
  readonly severity: string;
  readonly advisory_ghsa_id: string;
  readonly advisory_summary: string;
  readonly advisory_url: string;
}

/** One entry of the diff, as the REST description (`dependency-graph-diff`) has it. */
export interface DependencyChange {
  readonly change_type: string;
  readonly manifest: string;
  readonly ecosystem: string;
  readonly name: string;
  readonly version: string;
  readonly package_url: string | null;
  readonly license: string | null;
  readonly source_repository_url: string | null;
  readonly vulnerabilities: ReadonlyArray<Advisory>;
  readonly scope?: string;
}

export interface DependencyReviewOptions {
  /** `owner/name`. */
  readonly repo: string;
  readonly apiUrl: string;
  readonly token: string;
  readonly base: string;
  readonly head: string;
  readonly failOnSeverity: string;
  readonly denyLicenses: string[];
}

export interface DependencyReviewResult {
  /** 0 when nothing is refused, 1 otherwise. */
  readonly exitCode: number;
  /** The Markdown summary for `$GITHUB_STEP_SUMMARY`. */
  readonly summary: string;
  /** Lines for the log: one per refused package, as workflow error annotations, and a verdict. */
  readonly log: string[];
}

const COMMIT = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
/** The most pages followed (a diff of thousands of packages fits well within). */
const MAX_PAGES = 50;
/** Rows per table in the summary; the rest are counted. */
const MAX_ROWS = 100;
/** GitHub refuses a step summary over 1 MiB; ours stays well below. */
export const SUMMARY_LIMIT = 256 * 1024;

/** Parses the command line and the run's environment; `undefined` for --help. */
export function dependencyReviewOptions(argv: string[], env: NodeJS.ProcessEnv): DependencyReviewOptions | undefined {
  const fail = (message: string) => new DependencyReviewError(message);
  const { values, positionals } = parseCommandLine(argv, {
    'base': { type: 'string' },
    'head': { type: 'string' },
    'fail-on-severity': { type: 'string' },
    'deny-license': { type: 'string', multiple: true },
    'help': { type: 'boolean', short: 'h' },
  }, fail);
  if (values.help) return undefined;
  if (positionals.length > 0) throw fail(`unexpected argument '${positionals[0]}' (see --help)`);
  const base = values.base as string | undefined;
  const head = values.head as string | undefined;
  for (const [name, value] of [['--base', base], ['--head', head]] as const) {
    if (value === undefined) throw fail(`${name} SHA is required (see --help)`);
    if (!COMMIT.test(value)) throw fail(`${name} must be a commit SHA (40 or 64 lowercase hex digits), got ${JSON.stringify(value)}`);
  }
  const failOnSeverity = (values['fail-on-severity'] as string | undefined) ?? 'moderate';
  const severityProblem = checkSeverity(failOnSeverity);
  if (severityProblem) throw fail(`--fail-on-severity ${severityProblem}`);
  const denyLicenses = (values['deny-license'] as unknown as string[] | undefined) ?? [];
  for (const id of denyLicenses) {
    const problem = checkLicenseId(id);
    if (problem) throw fail(`--deny-license ${problem}`);
  }
  const token = env.GITHUB_TOKEN || env.GH_TOKEN;
  if (!token) throw fail('no token: set GITHUB_TOKEN (the workflow token, with "contents: read")');
  const repo = env.GITHUB_REPOSITORY;
  if (!repo || !isRepository(repo)) throw fail(`GITHUB_REPOSITORY must be owner/name, got ${JSON.stringify(repo ?? '')}`);
  return { repo, apiUrl: (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, ''), token, base: base!, head: head!, failOnSeverity, denyLicenses };
}

/** Every page of the diff, following the `Link: rel="next"` header on the API's own origin. */
export async function fetchDiff(options: DependencyReviewOptions): Promise<{ changes: DependencyChange[]; warnings: string }> {
  const origin = new URL(options.apiUrl).origin;
  let url: string | undefined = `${options.apiUrl}/repos/${options.repo}/dependency-graph/compare/${options.base}...${options.head}`;
  const changes: DependencyChange[] = [];
  let warnings = '';
  for (let page = 1; url; page++) {
    if (page > MAX_PAGES) throw new DependencyReviewError(`the dependency diff has more than ${MAX_PAGES} pages; review it on GitHub`);
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { 'authorization': `Bearer ${options.token}`, 'accept': 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' },
        signal: AbortSignal.timeout(60_000),
      });
    } catch (error) {
      throw new DependencyReviewError(`cannot reach ${options.apiUrl} (${(error as Error).message})`);
    }
    const text = await response.text();
    if (!response.ok) throw new DependencyReviewError(refusal(response.status, text, options));
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new DependencyReviewError(`the dependency review API answered something that is not JSON (${text.length} characters)`);
    }
    changes.push(...checkedChanges(body));
    const header = response.headers.get('x-github-dependency-graph-snapshot-warnings');
    if (header) warnings = Buffer.from(header, 'base64').toString('utf-8');
    const next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
    if (next && new URL(next, url).origin !== origin) throw new DependencyReviewError(`the next page is on another host (${new URL(next, url).origin}); the token is sent only to ${origin}`);
    url = next ? new URL(next, url).toString() : undefined;
  }
  return { changes, warnings };
}

/** One line that says why GitHub refused, and what to do. */
function refusal(status: number, text: string, options: DependencyReviewOptions): string {
  let message = '';
  try {
    message = String(JSON.parse(text).message ?? '');
  } catch {
    message = text;
  }
  const said = oneLine(message, 200);
  const enable = 'turn on the dependency graph (Settings → Security → Advanced Security → Dependency graph; a private repository also needs GitHub Advanced Security or Code Security)';
  if (status === 403) return `GitHub refused the dependency review of ${options.repo} (403${said ? `: ${said}` : ''}): ${enable}, and give the job "contents: read"`;
  if (status === 404) return `GitHub found no dependency graph to compare for ${options.repo} (404${said ? `: ${said}` : ''}): ${enable}, and check that both commits are pushed`;
  if (status === 401) return `GitHub did not accept the token (401${said ? `: ${said}` : ''}): pass the workflow token as GITHUB_TOKEN`;
  return `the dependency review API answered ${status}${said ? `: ${said}` : ''}`;
}

/** The page, checked against the fields the review reads (the REST description's required ones). */
function checkedChanges(body: unknown): DependencyChange[] {
  if (!Array.isArray(body)) throw new DependencyReviewError('the dependency review API answered something other than a list of changes');
  for (const [i, change] of body.entries()) {
    const ok = change && typeof change === 'object'
      && ['change_type', 'manifest', 'ecosystem', 'name', 'version'].every((k) => typeof change[k] === 'string')
      && (change.license === null || typeof change.license === 'string')
      && Array.isArray(change.vulnerabilities)
      && change.vulnerabilities.every((v: any) => v && ['severity', 'advisory_ghsa_id', 'advisory_summary', 'advisory_url'].every((k) => typeof v[k] === 'string'));
    if (!ok) throw new DependencyReviewError(`change ${i} of the dependency review API's answer lacks a field the review needs`);
  }
  return body as DependencyChange[];
}

/** Is `severity` at or above `threshold`? A severity GitHub does not document counts as critical. */
export function atOrAbove(severity: string, threshold: string): boolean {
  const rank = SEVERITIES.indexOf(severity.toLowerCase());
  return (rank < 0 ? SEVERITIES.length : rank) >= SEVERITIES.indexOf(threshold);
}

/**
 * The denied identifiers a license expression cannot avoid: the expression (SPDX annex
 * "SPDX license expressions": `AND`, `OR`, `WITH`, `+`, parentheses) is written as its
 * alternatives (OR of ANDs); the package is refused when every alternative uses a denied
 * license, and the answer lists those. `MIT OR GPL-3.0-only` is allowed with `GPL-3.0-only`
 * denied (MIT can be chosen); `MIT AND GPL-3.0-only` is not. Identifiers compare without case,
 * `X` as `X-only` and `X+` as `X-or-later` (the SPDX list's deprecated forms); a `WITH`
 * exception does not change the license. `undefined` when the license is unknown
 * (`null`, `NOASSERTION`, `NONE`) or is not an expression.
 */
export function deniedLicenses(license: string | null, deny: string[]): string[] | undefined {
  if (license === null) return undefined;
  const alternatives = alternativesOf(license);
  if (!alternatives) return undefined;
  const denied = new Map(deny.map((id) => [normalId(id), id]));
  const used = alternatives.map((ids) => ids.filter((id) => denied.has(id)));
  if (used.some((ids) => ids.length === 0)) return [];
  return [...new Set(used.flat().map((id) => denied.get(id)!))];
}

function normalId(id: string): string {
  return id.toLowerCase().replace(/\+$/, '-or-later').replace(/-only$/, '');
}

/** The alternatives of an SPDX expression, each the identifiers it needs; `undefined` when it does not parse. */
function alternativesOf(expression: string): string[][] | undefined {
  const tokens = expression.match(/\(|\)|[^\s()]+/g) ?? [];
  let at = 0;
  const word = (w: string) => tokens[at]?.toUpperCase() === w;
  const atom = (): string[][] | undefined => {
    if (tokens[at] === '(') {
      at++;
      const inner = or();
      if (!inner || tokens[at] !== ')') return undefined;
      at++;
      return inner;
    }
    const id = tokens[at];
    if (!id || !/^[A-Za-z0-9][A-Za-z0-9.:-]*\+?$/.test(id) || /^(AND|OR|WITH|NOASSERTION|NONE)$/i.test(id)) return undefined;
    at++;
    if (word('WITH')) {
      at++;
      if (!tokens[at] || !/^[A-Za-z0-9][A-Za-z0-9.:-]*$/.test(tokens[at])) return undefined;
      at++;
    }
    return [[normalId(id)]];
  };
  const and = (): string[][] | undefined => {
    let left = atom();
    while (left && word('AND')) {
      at++;
      const right = atom();
      if (!right) return undefined;
      left = left.flatMap((a) => right.map((b) => [...a, ...b]));
      if (left.length > 256) return undefined;
    }
    return left;
  };
  const or = (): string[][] | undefined => {
    let left = and();
    while (left && word('OR')) {
      at++;
      const right = and();
      if (!right) return undefined;
      left = [...left, ...right];
      if (left.length > 256) return undefined;
    }
    return left;
  };
  const result = or();
  return result && at === tokens.length ? result : undefined;
}

interface Finding {
  readonly change: DependencyChange;
  readonly detail: string;
}

/** Reviews the diff: what is refused, what is reported, and the summary. */
export function review(changes: DependencyChange[], options: Pick<DependencyReviewOptions, 'failOnSeverity' | 'denyLicenses' | 'repo' | 'base' | 'head'>, warnings = ''): DependencyReviewResult {
  const added = changes.filter((c) => c.change_type === 'added');
  const removed = changes.filter((c) => c.change_type === 'removed');
  const vulnerable = added.flatMap((change) =>
    change.vulnerabilities.map((v) => ({ change, v, refused: atOrAbove(v.severity, options.failOnSeverity) })));
  const refusedVulns = vulnerable.filter((x) => x.refused);
  const licensed: Finding[] = [];
  const unknown: DependencyChange[] = [];
  if (options.denyLicenses.length > 0) {
    for (const change of added) {
      const denied = deniedLicenses(change.license, options.denyLicenses);
      if (denied === undefined) unknown.push(change);
      else if (denied.length > 0) licensed.push({ change, detail: denied.join(', ') });
    }
  }
  const refusedPackages = new Set([...refusedVulns.map((x) => x.change), ...licensed.map((x) => x.change)]);
  const exitCode = refusedPackages.size > 0 ? 1 : 0;

  const log: string[] = [];
  for (const { change, v } of refusedVulns) {
    log.push(annotation('Vulnerable dependency', `${pkg(change)} in ${change.manifest} has ${v.severity} advisory ${v.advisory_ghsa_id}: ${v.advisory_summary} (${v.advisory_url})`));
  }
  for (const { change, detail } of licensed) {
    log.push(annotation('Denied license', `${pkg(change)} in ${change.manifest} is licensed ${change.license}, which needs denied ${detail}`));
  }
  log.push(exitCode
    ? `Dependency review: ${refusedVulns.length} vulnerabilit${refusedVulns.length === 1 ? 'y' : 'ies'} at or above ${options.failOnSeverity} and ${licensed.length} denied license${licensed.length === 1 ? '' : 's'} in ${added.length} added package${added.length === 1 ? '' : 's'}.`
    : `Dependency review: no vulnerability at or above ${options.failOnSeverity}${options.denyLicenses.length ? ' and no denied license' : ''} in ${added.length} added package${added.length === 1 ? '' : 's'} (${removed.length} removed).`);

  const lines: string[] = ['## Dependency review', ''];
  lines.push(`Compared \`${options.base.slice(0, 12)}\` (base) with \`${options.head.slice(0, 12)}\` (head): ${added.length} package${added.length === 1 ? '' : 's'} added, ${removed.length} removed. `
    + `Refused: a known vulnerability of ${options.failOnSeverity} or worse${options.denyLicenses.length ? `, a license needing ${options.denyLicenses.map((l) => `\`${cell(l)}\``).join(', ')}` : ''}.`, '');
  lines.push(exitCode
    ? `❌ ${refusedVulns.length} vulnerabilit${refusedVulns.length === 1 ? 'y' : 'ies'} at or above ${options.failOnSeverity}, ${licensed.length} package${licensed.length === 1 ? '' : 's'} with a denied license.`
    : '✅ Nothing refused.', '');
  if (warnings.trim()) lines.push(`> ⚠️ ${cell(warnings)}`, '');
  if (vulnerable.length > 0) {
    lines.push('### Vulnerabilities', '', '| | Package | Version | Manifest | Severity | Advisory |', '|---|---|---|---|---|---|');
    lines.push(...rows(vulnerable, ({ change, v, refused }) => `| ${refused ? '❌' : '⚠️ below threshold'} | ${cell(change.name)} (${cell(change.ecosystem)}) | ${cell(change.version)} | ${cell(change.manifest)} | ${cell(v.severity)} | ${link(v.advisory_ghsa_id, v.advisory_url)}: ${cell(v.advisory_summary)} |`), '');
  }
  if (licensed.length > 0 || unknown.length > 0) {
    lines.push('### Licenses', '', '| | Package | Version | Manifest | License |', '|---|---|---|---|---|');
    lines.push(...rows(licensed, ({ change, detail }) => `| ❌ denied: ${cell(detail)} | ${cell(change.name)} (${cell(change.ecosystem)}) | ${cell(change.version)} | ${cell(change.manifest)} | ${cell(change.license ?? '')} |`));
    lines.push(...rows(unknown, (change) => `| ⚠️ unknown | ${cell(change.name)} (${cell(change.ecosystem)}) | ${cell(change.version)} | ${cell(change.manifest)} | ${cell(change.license ?? 'none reported')} |`), '');
  }
  for (const [title, list] of [['Added packages', added], ['Removed packages', removed]] as const) {
    if (list.length === 0) continue;
    lines.push(`### ${title}`, '', '| Package | Version | Manifest | Scope | License |', '|---|---|---|---|---|');
    lines.push(...rows(list, (c) => `| ${cell(c.name)} (${cell(c.ecosystem)}) | ${cell(c.version)} | ${cell(c.manifest)} | ${cell(c.scope ?? 'unknown')} | ${cell(c.license ?? '')} |`), '');
  }
  let summary = lines.join('\n');
  if (summary.length > SUMMARY_LIMIT) summary = `${summary.slice(0, SUMMARY_LIMIT - 80).replace(/\n[^\n]*$/, '')}\n\n... (cut: the summary had ${summary.length} characters)\n`;
  return { exitCode, summary, log };
}

/** Fetches the diff and reviews it. */
export async function dependencyReview(options: DependencyReviewOptions): Promise<DependencyReviewResult> {
  const { changes, warnings } = await fetchDiff(options);
  return review(changes, options, warnings);
}

function rows<T>(items: readonly T[], row: (item: T) => string): string[] {
  const shown = items.slice(0, MAX_ROWS).map(row);
  return items.length > MAX_ROWS ? [...shown, `| ... and ${items.length - MAX_ROWS} more | | | | | |`] : shown;
}

function pkg(change: DependencyChange): string {
  return `${change.name}@${change.version} (${change.ecosystem})`;
}

/** Text from the API as one line, cut. */
function oneLine(text: string, max: number): string {
  const flat = text.replace(/[\p{C}\p{Zl}\p{Zp}]+/gu, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}

/** Text from the API inside a Markdown table cell: one line, no HTML, no cell break, no code span. */
function cell(text: string): string {
  return oneLine(text, 300).replace(/[\\|`*_[\]<>#!]/g, (c) => `\\${c}`).replace(/&/g, '&amp;');
}

/** A link to an advisory, only to GitHub's advisory pages (else the id as text). */
function link(id: string, url: string): string {
  return /^https:\/\/github\.com\/advisories\/GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}$/.test(url) ? `[${cell(id)}](${url})` : cell(id);
}

/** A workflow error annotation (`::error title=...::message`), its data escaped as the Actions toolkit does. */
function annotation(title: string, message: string): string {
  const data = oneLine(message, 1000).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  return `::error title=${title}::${data}`;
}
