/**
 * The promotion gates as `promote` evaluates them: soak and health from the previous
 * environment's deployment records (`model/deployment-record.ts`), windows from the clock, and
 * approvals from the pull request's reviews. `evaluateGates` is pure (the facts and the clock
 * in, a line per gate out); `readDeploymentRecords` and `readReviews` read GitHub's REST API.
 */
import { DeploymentRecord, deploymentEnvironment, DeploymentState, UNHEALTHY_STATES } from '../model/deployment-record';
import { formatDuration, GateFacts, gatesContext, hasGates, MAX_DURATION_MINUTES, RECHECK_MINUTES, windowIntervals } from '../model/gates';

export { RECHECK_MINUTES, gatesContext };

/** A gate's state: met, waiting (re-evaluated later), or failed. */
export type GateState = 'met' | 'waiting' | 'failed';

/** One line of the gate table. */
export interface GateResult {
  readonly gate: 'soak' | 'health' | 'window' | 'approvals';
  readonly state: GateState;
  readonly detail: string;
  /** When the gate can next change by itself (epoch ms): a waiting gate is re-evaluated then. */
  readonly next?: number;
}

/** What the gates are evaluated on. */
export interface GateInputs {
  /** The clock (epoch ms). */
  readonly now: number;
  readonly gates: GateFacts;
  /** The environment the digests come from (none for the first environment). */
  readonly previous?: string;
  /** When the digests reached the previous environment on the default branch (its promotion's merge, epoch ms). */
  readonly mergedAt?: number;
  /**
   * The previous environment's deployment records of a commit that runs these digests;
   * `undefined` when the environment has no deployment records at all (no notifications).
   */
  readonly records?: readonly DeploymentRecord[];
  /** The pull request's labels. */
  readonly labels: readonly string[];
  /** Who approved the pull request's head commit (logins, latest review each). */
  readonly approvedBy: readonly string[];
  /** The environment's approvers (`@user`, `@org/team`). */
  readonly approvers: readonly string[];
}

/** How far ahead a window is looked for. */
const AHEAD_MINUTES = 8 * 24 * 60;

/** An instant for people, in UTC: `2026-12-04 09:00 UTC`. */
export function when(t: number): string {
  return `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The first scheduled run at or after `t` (runs on the schedule's minutes; GitHub may start them a little late). */
export function nextRun(t: number): number {
  const step = RECHECK_MINUTES * 60_000;
  return Math.ceil(t / step) * step;
}

/** Every gate that is on, evaluated. */
export function evaluateGates(input: GateInputs): GateResult[] {
  const g = input.gates;
  const results: GateResult[] = [];
  if (g.soakMinutes > 0) results.push(soak(input));
  if (g.requireHealthy) results.push(health(input));
  if (g.allow.length > 0 || g.deny.length > 0) results.push(window(input));
  if (g.approvals > 0) results.push(approvals(input));
  return results;
}

/** The statuses of the records, oldest first. */
function statusesOf(records: readonly DeploymentRecord[]) {
  return records.flatMap((r) => r.statuses.map((s) => ({ ...s, sha: r.sha, t: Date.parse(s.createdAt) })))
    .filter((s) => Number.isFinite(s.t))
    .sort((a, b) => a.t - b.t);
}

function soak(input: GateInputs): GateResult {
  const need = input.gates.soakMinutes;
  const prev = input.previous ?? '?';
  const recheck = nextRun(input.now + 1);
  if (input.mergedAt === undefined) return { gate: 'soak', state: 'waiting', detail: `these digests are not in ${prev} on the default branch yet`, next: recheck };
  let start: number;
  let from: string;
  if (input.records === undefined) {
    start = input.mergedAt;
    from = `the merge into ${prev} (${when(start)}; ${prev} has no deployment records, so the soak counts from the merge)`;
  } else {
    const statuses = statusesOf(input.records);
    const bad = [...statuses].reverse().find((s) => UNHEALTHY_STATES.includes(s.state));
    const good = statuses.find((s) => s.state === DeploymentState.SUCCESS && (!bad || s.t > bad.t));
    if (!good) {
      return {
        gate: 'soak',
        state: 'waiting',
        detail: bad ? `${prev} reported ${bad.state} at ${when(bad.t)}; the soak starts again at its next healthy report` : `no healthy deployment record of these digests in ${prev} yet`,
        next: recheck,
      };
    }
    start = Math.max(input.mergedAt, good.t);
    from = bad ? `${prev}'s first healthy report after it reported ${bad.state} at ${when(bad.t)} (${when(start)})` : `${start === good.t ? `${prev}'s first healthy report` : `the merge into ${prev}`} (${when(start)})`;
  }
  const ran = Math.max(0, Math.floor((input.now - start) / 60_000));
  if (ran >= need) return { gate: 'soak', state: 'met', detail: `ran ${formatDuration(ran)} in ${prev} (needs ${formatDuration(need)}), since ${from}` };
  return { gate: 'soak', state: 'waiting', detail: `ran ${formatDuration(ran)} of ${formatDuration(need)} in ${prev}, since ${from}; ${formatDuration(need - ran)} to go`, next: start + need * 60_000 };
}

function health(input: GateInputs): GateResult {
  const prev = input.previous ?? '?';
  const recheck = nextRun(input.now + 1);
  if (input.records === undefined) return { gate: 'health', state: 'waiting', detail: `${prev} has no deployment records (Argo CD notifications write them: see docs/promotion.md)`, next: recheck };
  const last = statusesOf(input.records).pop();
  if (!last) return { gate: 'health', state: 'waiting', detail: `no deployment status of these digests in ${prev} yet`, next: recheck };
  const what = `${prev} reported ${last.state} at ${when(last.t)} for \`${last.sha.slice(0, 12)}\``;
  if (last.state === DeploymentState.SUCCESS) return { gate: 'health', state: 'met', detail: `${what} (synced and healthy)` };
  if (UNHEALTHY_STATES.includes(last.state)) return { gate: 'health', state: 'failed', detail: `${what}${last.description ? `: ${cell(last.description, 100)}` : ''}`, next: recheck };
  return { gate: 'health', state: 'waiting', detail: what, next: recheck };
}

function window(input: GateInputs): GateResult {
  const g = input.gates;
  const now = input.now;
  const tz = g.timeZone;
  const deny = windowIntervals(g.deny, tz, now, AHEAD_MINUTES);
  const allow = windowIntervals(g.allow, tz, now, AHEAD_MINUTES);
  const openAt = (list: typeof deny, t: number) => list.filter((w) => w.from <= t && t < w.until);
  if (allow.length > 0 || g.allow.length > 0) {
    const open = openAt(allow, now);
    if (open.length === 0) {
      const next = allow.filter((w) => w.from > now).sort((a, b) => a.from - b.from)[0];
      return {
        gate: 'window',
        state: 'waiting',
        detail: `outside the allow windows (${g.allow.map((w) => w.name).join(', ')}, ${tz}); ${next ? `'${next.name}' opens at ${when(next.from)}` : `none opens in the next ${formatDuration(AHEAD_MINUTES)}`}`,
        next: next?.from ?? nextRun(now + 1),
      };
    }
  }
  const denied = openAt(deny, now);
  if (denied.length > 0) {
    // The freeze lasts until no deny window is open (windows that overlap chain).
    let until = now;
    for (let open = denied; open.length > 0; open = openAt(deny, until)) until = Math.max(...open.map((w) => w.until));
    const names = [...new Set(denied.map((w) => `'${w.name}'`))].join(', ');
    if (input.labels.includes(g.hotfixLabel)) {
      return { gate: 'window', state: 'met', detail: `HOTFIX: deny window ${names} (${tz}) is open until ${when(until)}; passed by the \`${g.hotfixLabel}\` label` };
    }
    return { gate: 'window', state: 'waiting', detail: `inside deny window ${names} (${tz}) until ${when(until)}; a pull request labelled \`${g.hotfixLabel}\` passes it`, next: until };
  }
  const inside = openAt(allow, now);
  return { gate: 'window', state: 'met', detail: inside.length ? `inside allow window '${inside[0].name}' (${tz}) until ${when(Math.max(...inside.map((w) => w.until)))}` : `no deny window open (${tz})` };
}

function approvals(input: GateInputs): GateResult {
  const need = input.gates.approvals;
  const people = input.approvers.length > 0 && input.approvers.every((a) => !a.includes('/'));
  const named = new Set(input.approvers.map((a) => a.replace(/^@/, '').toLowerCase()));
  const counted = [...new Set(input.approvedBy)].filter((login) => !people || named.has(login.toLowerCase())).sort();
  const by = counted.length ? ` by ${counted.map((l) => `@${l}`).join(', ')}` : '';
  const from = people ? ` from ${input.approvers.join(', ')}` : '';
  if (counted.length >= need) return { gate: 'approvals', state: 'met', detail: `${counted.length} of ${need} approval${need === 1 ? '' : 's'}${from}${by}` };
  return { gate: 'approvals', state: 'waiting', detail: `${counted.length} of ${need} approval${need === 1 ? '' : 's'}${from} of the head commit${by}` };
}

/** The commit status of the gates: its state and a description within GitHub's 140 characters. */
export function gatesStatus(results: readonly GateResult[]): { state: 'success' | 'pending' | 'failure'; description: string } {
  const failed = results.filter((r) => r.state === 'failed').map((r) => r.gate);
  const waiting = results.filter((r) => r.state === 'waiting').map((r) => r.gate);
  if (failed.length) return { state: 'failure', description: `failed: ${failed.join(', ')}${waiting.length ? `; waiting: ${waiting.join(', ')}` : ''}`.slice(0, 140) };
  if (waiting.length) return { state: 'pending', description: `waiting: ${waiting.join(', ')} (see the gate table)`.slice(0, 140) };
  return { state: 'success', description: `all ${results.length} gate${results.length === 1 ? '' : 's'} met` };
}


/** Text for a table cell: one line, no pipe or backtick breaking out. */
function cell(text: string, max = 300): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/\|/g, '\\|').replace(/`/g, "'").slice(0, max);
}

/** The gate table for the pull request body. */
export function gateTable(environment: string, results: readonly GateResult[], now: number): string {
  const icon: Record<GateState, string> = { met: 'met', waiting: 'waiting', failed: 'FAILED' };
  const status = gatesStatus(results);
  const waiting = results.filter((r) => r.state !== 'met');
  const next = waiting.length ? nextRun(Math.max(now + 1, Math.min(...waiting.map((r) => r.next ?? now + 1)))) : undefined;
  return [
    `### Gates (${environment}): ${status.state === 'success' ? 'all met' : status.state === 'pending' ? 'waiting' : 'failed'}`,
    '',
    '| gate | state | detail | re-evaluated at |',
    '|---|---|---|---|',
    ...results.map((r) => `| ${r.gate} | ${icon[r.state]} | ${r.detail.replace(/[\r\n]+/g, ' ').replace(/\|/g, '\\|')} | ${r.state === 'met' ? when(now) : `next: ${when(nextRun(Math.max(now + 1, r.next ?? now + 1)))}`} |`),
    '',
    next === undefined
      ? `Evaluated at ${when(now)}: every gate is met; the required check "${gatesContext(environment)}" passes.`
      : `Evaluated at ${when(now)}: the required check "${gatesContext(environment)}" is ${status.state}; the promotion workflow's schedule (every ${RECHECK_MINUTES} minutes) re-evaluates it, next at about ${when(next)}.`,
    '',
  ].join('\n');
}

/** Whether an environment has gates (and so a gate table and a required check). */
export { hasGates };

type Api = (method: string, route: string, body?: object) => Promise<any>;

/**
 * The deployment records of `environment` for the commits `runs` accepts (the ones that run
 * the promoted digests), with their statuses; `undefined` when the environment has none at all.
 */
export async function readDeploymentRecords(
  api: Api, repository: string, environment: string, runs: (sha: string) => boolean,
): Promise<DeploymentRecord[] | undefined> {
  const list = await api('GET', `/repos/${repository}/deployments?environment=${encodeURIComponent(deploymentEnvironment(environment))}&per_page=100`);
  if (!Array.isArray(list)) throw new Error(`GET /repos/${repository}/deployments answered no list; check GITHUB_API_URL`);
  if (list.length === 0) return undefined;
  const records: DeploymentRecord[] = [];
  for (const d of list) {
    if (!Number.isSafeInteger(d?.id) || typeof d?.sha !== 'string' || !/^[0-9a-f]{40,64}$/.test(d.sha) || !runs(d.sha)) continue;
    const statuses = await api('GET', `/repos/${repository}/deployments/${d.id}/statuses?per_page=100`);
    records.push({
      id: d.id,
      environment,
      sha: d.sha,
      createdAt: String(d.created_at),
      statuses: (Array.isArray(statuses) ? statuses : []).map((s: any) => ({ state: String(s?.state), createdAt: String(s?.created_at), description: typeof s?.description === 'string' ? s.description : undefined })),
    });
  }
  return records;
}

/** Who approved `head` (each reviewer's latest review of it is APPROVED). */
export async function readApprovals(api: Api, repository: string, pull: number, head: string): Promise<string[]> {
  const reviews = await api('GET', `/repos/${repository}/pulls/${pull}/reviews?per_page=100`);
  const latest = new Map<string, string>();
  for (const r of Array.isArray(reviews) ? reviews : []) {
    const login = r?.user?.login;
    if (typeof login !== 'string' || r.commit_id !== head || !['APPROVED', 'CHANGES_REQUESTED', 'DISMISSED'].includes(r.state)) continue;
    latest.set(login, r.state);
  }
  return [...latest].filter(([, state]) => state === 'APPROVED').map(([login]) => login);
}

export { MAX_DURATION_MINUTES };
