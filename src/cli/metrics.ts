/**
 * `projen-gitops metrics`: the four delivery metrics per environment, from the repository's own
 * git history of `deploy/environments/<env>/images.yaml` on the default branch (and, with a
 * token, the labels of the pull requests that merged them):
 * - deployment frequency: changes of a digest merged into the environment (rollbacks included);
 * - lead time for changes: from the build commit a digest records (`# commit`) to the merge
 *   that deployed it;
 * - change failure rate: deployments followed by a rollback (a commit that writes a hold) or a
 *   hotfix (a pull request labelled `hotfix`), of the deployments that were not rollbacks;
 * - time to restore: from a failed deployment to the rollback or hotfix that followed it.
 */
import { spawnSync } from 'child_process';
import { apiUrlOf, oneLine, parseCommandLine, strictInteger } from './args';
import { githubApi } from './github-client';
import { readFacts } from './promote';
import { IMAGES_FILE_LIMIT, parseImagesText } from '../model/images-file';
import { checkRepository } from '../model/repository';

/** A failure with a message for people; the CLI prints it and exits 1. */
export class MetricsError extends Error {}

export const METRICS_USAGE = `Usage: projen-gitops metrics [--days N] [--json]

Prints per environment the deployment frequency, lead time (build commit to the merge that
deployed it), change failure rate (deployments followed by a rollback or a hotfix) and time to
restore, over the last N days (default 30), from the git history of each
deploy/environments/ENV/images.yaml on the default branch (origin's, else the local one).
With GH_TOKEN or GITHUB_TOKEN it also reads the merged pull requests: one labelled "hotfix"
counts as a hotfix. Markdown by default (the metrics workflow appends it to its job summary).

Options:
  --days N   the window, in days (1 to 3650; default 30)
  --json     print JSON instead
  -h, --help show this help`;

/** The label that marks a pull request as a hotfix (the gates' hotfix way through a deny window). */
export const HOTFIX_LABEL = 'hotfix';

export interface MetricsOptions {
  readonly cwd: string;
  readonly days: number;
  /** The end of the window (tests pass one). */
  readonly now?: Date;
  readonly apiUrl?: string;
  readonly token?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** A median over a number of values, in seconds (`undefined`: none). */
export interface Median { readonly seconds?: number; readonly count: number }

export interface EnvironmentMetrics {
  readonly environment: string;
  /** Deployments in the window: merges that changed a digest, rollbacks included. */
  readonly deployments: number;
  readonly perWeek: number;
  readonly leadTime: Median;
  readonly rollbacks: number;
  /** `undefined`: not counted (no token to read the pull requests' labels). */
  readonly hotfixes?: number;
  /** Deployments that were not rollbacks, and of them those that failed. */
  readonly changes: number;
  readonly failures: number;
  /** failures / changes, `undefined` with no change. */
  readonly changeFailureRate?: number;
  readonly timeToRestore: Median;
}

export interface MetricsReport {
  readonly repository: string;
  readonly branch: string;
  readonly since: string;
  readonly until: string;
  readonly days: number;
  readonly pullRequestsRead: boolean;
  readonly environments: EnvironmentMetrics[];
}

/** The command's options from its arguments and environment, or `'help'`. */
export function parseMetricsArgs(argv: string[], env: NodeJS.ProcessEnv): { days: number; json: boolean; apiUrl?: string; token?: string } | 'help' {
  const fail = (message: string) => new MetricsError(message);
  const { values, positionals } = parseCommandLine(argv, { days: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, fail);
  if (values.help) return 'help';
  if (positionals.length > 0) throw fail(`unexpected argument ${JSON.stringify(positionals[0])} (see --help)`);
  const given = values.days as string | undefined;
  const days = given === undefined ? 30 : strictInteger(given, 1, 3650);
  if (days === undefined) throw fail(`--days must be a whole number of days from 1 to 3650, got ${JSON.stringify(given)}; try --days 30`);
  const token = env.GH_TOKEN || env.GITHUB_TOKEN || undefined;
  return { days, json: values.json === true, token, apiUrl: token ? apiUrlOf(env, fail) : undefined };
}

interface Deployment { commit: string; time: number; rollback: boolean; leadTimes: number[]; hotfix: boolean }

const median = (values: number[]): Median => {
  if (values.length === 0) return { count: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return { seconds: sorted.length % 2 ? sorted[mid] : Math.round((sorted[mid - 1] + sorted[mid]) / 2), count: sorted.length };
};

/** Computes the metrics of every deployed environment. */
export async function metrics(options: MetricsOptions): Promise<MetricsReport> {
  const git = (...args: string[]) => {
    const r = spawnSync('git', args, { cwd: options.cwd, env: options.env ?? process.env, encoding: 'utf-8', maxBuffer: 256 * 1024 * 1024 });
    if (r.status !== 0) throw new MetricsError(`git ${args[0]} failed: ${oneLine(r.stderr || r.error?.message || '', 300)}`);
    return r.stdout;
  };
  const top = git('rev-parse', '--show-toplevel').trim();
  let facts;
  try {
    facts = readFacts(top);
  } catch (error) {
    throw new MetricsError((error as Error).message);
  }
  const branch = facts.defaultBranch;
  const remote = spawnSync('git', ['rev-parse', '--verify', '--quiet', `refs/remotes/origin/${branch}`], { cwd: top, encoding: 'utf-8' });
  const ref = remote.status === 0 ? `origin/${branch}` : 'HEAD';
  const until = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const since = until - options.days * 86400;

  // Pull requests merged in the window, by the commit they put on the branch (hotfix labels).
  let hotfixCommits: Set<string> | undefined;
  if (options.token && options.apiUrl) {
    const bad = checkRepository(facts.repository);
    if (bad) throw new MetricsError(`deploy/promotion.json: repository ${bad}; set repository in .projenrc.ts and run \`npx projen\``);
    const api = githubApi(options.apiUrl, options.token, (message) => new MetricsError(message), 'the token needs "Pull requests: read" on the repository');
    hotfixCommits = new Set();
    for (let page = 1; page <= 10; page++) {
      const pulls = await api('GET', `/repos/${facts.repository}/pulls?state=closed&base=${encodeURIComponent(branch)}&sort=updated&direction=desc&per_page=100&page=${page}`);
      if (!Array.isArray(pulls)) throw new MetricsError(`GET /repos/${facts.repository}/pulls answered no list of pull requests; check GITHUB_API_URL`);
      for (const pull of pulls) {
        const labels = Array.isArray(pull?.labels) ? pull.labels.map((l: any) => l?.name) : [];
        if (pull?.merged_at && typeof pull.merge_commit_sha === 'string' && labels.includes(HOTFIX_LABEL)) hotfixCommits.add(pull.merge_commit_sha);
      }
      const oldest = Date.parse(pulls[pulls.length - 1]?.updated_at ?? '') / 1000;
      if (pulls.length < 100 || oldest < since) break;
    }
  }

  const commitTimes = new Map<string, number>();
  const commitTime = (commit: string): number | undefined => {
    if (!commitTimes.has(commit)) {
      const r = spawnSync('git', ['show', '-s', '--format=%ct', `${commit}^{commit}`], { cwd: top, encoding: 'utf-8' });
      commitTimes.set(commit, r.status === 0 ? Number(r.stdout.trim()) : NaN);
    }
    const t = commitTimes.get(commit)!;
    return Number.isNaN(t) ? undefined : t;
  };

  const environments = facts.environments.map((env): EnvironmentMetrics => {
    const file = `deploy/environments/${env}/images.yaml`;
    const log = git('log', '--first-parent', '--reverse', '--format=%H %ct', ref, '--', file).split('\n').filter(Boolean);
    const deployments: Deployment[] = [];
    let previous: { digests: Record<string, string>; held: boolean } = { digests: {}, held: false };
    for (const line of log) {
      const [commit, time] = line.split(' ');
      const size = spawnSync('git', ['cat-file', '-s', `${commit}:${file}`], { cwd: top, encoding: 'utf-8' });
      // Deleted in this commit: the environment runs the fallback tags (no digest) from here.
      const text = size.status === 0 && Number(size.stdout.trim()) <= IMAGES_FILE_LIMIT ? git('show', `${commit}:${file}`) : '';
      const read = parseImagesText(text);
      // A version synth refuses was never deployed by a promotion: left out of the history.
      if (read.problem !== undefined) continue;
      const digests = Object.fromEntries(Object.entries(read.images).filter(([, e]) => e.digest).map(([s, e]) => [s, e.digest]));
      const changed = [...new Set([...Object.keys(digests), ...Object.keys(previous.digests)])].filter((s) => digests[s] !== previous.digests[s]);
      const held = read.hold !== undefined;
      if (changed.length > 0) {
        // A digest changes while held only by a rollback (promotion stops at a hold).
        const rollback = held;
        const leadTimes = rollback ? [] : changed.flatMap((s) => {
          const built = read.images[s]?.commit;
          const t = built ? commitTime(built) : undefined;
          return t !== undefined && digests[s] ? [Math.max(0, Number(time) - t)] : [];
        });
        deployments.push({ commit, time: Number(time), rollback, leadTimes, hotfix: hotfixCommits?.has(commit) ?? false });
      }
      previous = { digests, held };
    }
    const inWindow = deployments.filter((d) => d.time > since && d.time <= until);
    const changes = inWindow.filter((d) => !d.rollback);
    const restores: number[] = [];
    let failures = 0;
    for (const d of changes) {
      const next = deployments[deployments.indexOf(d) + 1];
      if (next && (next.rollback || next.hotfix)) {
        failures++;
        restores.push(next.time - d.time);
      }
    }
    return {
      environment: env,
      deployments: inWindow.length,
      perWeek: Math.round((inWindow.length / options.days) * 7 * 100) / 100,
      leadTime: median(changes.flatMap((d) => d.leadTimes)),
      rollbacks: inWindow.filter((d) => d.rollback).length,
      hotfixes: hotfixCommits ? inWindow.filter((d) => d.hotfix).length : undefined,
      changes: changes.length,
      failures,
      changeFailureRate: changes.length ? Math.round((failures / changes.length) * 10000) / 10000 : undefined,
      timeToRestore: median(restores),
    };
  });
  const iso = (t: number) => new Date(t * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    repository: facts.repository,
    branch: ref,
    since: iso(since),
    until: iso(until),
    days: options.days,
    pullRequestsRead: hotfixCommits !== undefined,
    environments,
  };
}

/** A duration for people: `3d 4h` (from two days), `24h 30m`, `45m`, `30s`. */
export function duration(seconds: number | undefined): string {
  if (seconds === undefined) return '-';
  const d = Math.floor(seconds / 86400);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d >= 2) return `${d}d ${h % 24}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m`;
  return `${seconds}s`;
}

/** The report as Markdown (a job summary, or a terminal). */
export function metricsMarkdown(report: MetricsReport): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const rows = report.environments.map((e) => {
    const rate = e.changeFailureRate === undefined ? '-' : `${Math.round(e.changeFailureRate * 100)}% (${e.failures} of ${e.changes})`;
    const why = `${plural(e.rollbacks, 'rollback')}${e.hotfixes === undefined ? '' : `, ${plural(e.hotfixes, 'hotfix').replace(/fixs$/, 'fixes')}`}`;
    const lead = `${duration(e.leadTime.seconds)}${e.leadTime.count ? ` (${e.leadTime.count})` : ''}`;
    const restore = `${duration(e.timeToRestore.seconds)}${e.timeToRestore.count ? ` (${e.timeToRestore.count})` : ''}`;
    return `| ${e.environment} | ${e.deployments} | ${e.perWeek} | ${lead} | ${rate}; ${why} | ${restore} |`;
  });
  return [
    `## Delivery metrics of ${report.repository}, ${report.days} days to ${report.until}`,
    '',
    '| Environment | Deployments | Per week | Lead time, median (changes) | Change failure rate | Time to restore, median (failures) |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    `From the history of \`deploy/environments/<env>/images.yaml\` on \`${report.branch}\`: a merge that changes a digest is a deployment. Lead time: from the build commit a digest records to the merge that deployed it. Change failure rate: deployments followed by a rollback (a hold written) or a hotfix (a pull request labelled \`${HOTFIX_LABEL}\`), of those that were not rollbacks. Time to restore: from the failed deployment to that rollback or hotfix.${report.pullRequestsRead ? '' : ' Hotfixes are not counted: no token to read the pull requests (set GH_TOKEN).'}`,
    '',
  ].join('\n');
}
