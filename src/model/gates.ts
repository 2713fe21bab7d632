/**
 * Promotion gates per environment: the options (`EnvironmentOptions.gates`), their checks, and
 * the time arithmetic the `promote` command evaluates them with (durations, 5-field cron rules
 * in an IANA time zone through `Intl`). Every gate is a fact in git or GitHub's API.
 */
import { show } from '../core/checks';
import { Problem } from '../core/validation';

/** A window of time, opened by a cron rule, that lasts a duration. */
export interface PromotionWindow {
  /**
   * When the window opens: a 5-field cron rule (minute hour day-of-month month day-of-week,
   * numbers, `*`, ranges `a-b`, steps `/n` and lists `a,b`), in the windows' `timeZone`;
   * e.g. `0 9 * * 1-5` (09:00 Monday to Friday).
   */
  readonly start: string;

  /**
   * How long the window stays open from each start: whole days, hours and minutes, e.g.
   * `8h`, `1h30m`, `14d` (at most 31 days).
   */
  readonly duration: string;

  /**
   * A name shown in the gate table, e.g. `year-end freeze`: 1 to 80 characters on one line,
   * without control characters, `|`, `` ` ``, `<`, `>`, a space at either end or two in a row.
   * @default - the rule and duration
   */
  readonly name?: string;
}

/** When promotions into an environment may open: allow and deny windows in one time zone. */
export interface PromotionWindowsOptions {
  /**
   * The IANA time zone the rules are read in, e.g. `Europe/Berlin`.
   * @default "UTC"
   */
  readonly timeZone?: string;

  /**
   * Promote only inside one of these windows (e.g. working hours).
   * @default - any time
   */
  readonly allow?: PromotionWindow[];

  /**
   * Never promote inside these windows (freezes), unless the pull request has the hotfix label.
   * @default - none
   */
  readonly deny?: PromotionWindow[];

  /**
   * The pull request label that passes a deny window (a hotfix). Recorded in the gate table.
   * @default "hotfix"
   */
  readonly hotfixLabel?: string;
}

/** What must hold before a promotion into an environment may merge. */
export interface PromotionGatesOptions {
  /**
   * How long the digests must have run in the previous environment: from the later of the
   * merge of their promotion and the first healthy deployment record, and again from the
   * first healthy record after an unhealthy one. Whole days, hours and minutes (`24h`,
   * `1d12h`, `90m`, at most 31 days). Not for the first environment.
   * @default - no soak
   */
  readonly soak?: string;

  /**
   * The previous environment must report the digests synced and healthy (its latest
   * deployment status, written by Argo CD notifications, is `success`). Not for the first
   * environment.
   * @default false
   */
  readonly requireHealthy?: boolean;

  /**
   * Allow and deny windows (change windows, freezes).
   * @default - any time
   */
  readonly windows?: PromotionWindowsOptions;

  /**
   * Approving reviews the promotion pull request needs, counted from its reviews through the
   * API (works on every GitHub plan): from the environment's `approvers` when they are all
   * people (`@user`), else from anyone with write access (teams are enforced by code-owner
   * review). 0 turns the gate off.
   * @default 0
   */
  readonly approvals?: number;
}

/** One window, its name filled in (internal). */
export interface WindowFacts {
  /** The name shown in the gate table. */
  readonly name: string;
  /** The cron rule that opens it. */
  readonly start: string;
  /** How long it stays open. */
  readonly duration: string;
}

/** The gates of an environment, defaults filled in, as `deploy/promotion.json` holds them. */
export interface GateFacts {
  /** Soak in minutes (0: none). */
  readonly soakMinutes: number;
  /** Whether the previous environment must report healthy. */
  readonly requireHealthy: boolean;
  /** The IANA time zone of the windows. */
  readonly timeZone: string;
  /** Allow windows. */
  readonly allow: WindowFacts[];
  /** Deny windows. */
  readonly deny: WindowFacts[];
  /** The label that passes a deny window. */
  readonly hotfixLabel: string;
  /** Approving reviews needed (0: none). */
  readonly approvals: number;
}

/** The commit status context of an environment's gates: its required check. */
export function gatesContext(environment: string): string {
  return `Promotion gates (${environment})`;
}

/** How often the promotion workflow's schedule re-evaluates waiting gates (its cron). */
export const RECHECK_MINUTES = 15;
export const RECHECK_CRON = `*/${RECHECK_MINUTES} * * * *`;

/** The longest duration a soak or window may have (the window search looks back this far). */
export const MAX_DURATION_MINUTES = 31 * 24 * 60;
const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$/;
// What the gate table (Markdown, one row per gate) and deploy/promotion.json show as written: no
// control, format or line-separator character (U+2028 and U+0085 end a line in YAML and in many
// readers of JSON), no '|', '`', '<' or '>', and no space at either end (Markdown drops it).
// A window's name has single spaces between its words too (HTML shows a run of them as one).
const SHOWN = '[^\\p{C}\\p{Zl}\\p{Zp}|`<>';
const NOT_SHOWN = new RegExp(`${SHOWN.replace('[^', '[')}]+`, 'gu');
// A GitHub label: at most 50 characters, no comma.
const LABEL = new RegExp(`^(?!\\s)${SHOWN},]{1,50}(?<!\\s)$`, 'u');
// A window's name: at most 80 characters.
const WINDOW_NAME = new RegExp(`^(?!\\s)(?!.*\\s\\s)${SHOWN}]{1,80}(?<!\\s)$`, 'u');

/**
 * Problem of a window's name (`undefined` when it is fine): shown in the gate table and written
 * to deploy/promotion.json, so one line of characters shown as written. The fix is the name with
 * the rest taken out, when that leaves one.
 */
export function checkWindowName(value: unknown, example: string): string | undefined {
  if (typeof value === 'string' && WINDOW_NAME.test(value)) return undefined;
  const cleaned = [...String(value).replace(NOT_SHOWN, ' ').replace(/\s+/g, ' ').trim()].slice(0, 80).join('').trim();
  const fix = WINDOW_NAME.test(cleaned) ? cleaned : example;
  return `must be 1 to 80 characters on one line, without control characters, '|', '\`', '<', '>', a space at either end or two in a row (it is shown in the gate table), got ${show(value)}; try ${show(fix)}`;
}

/** A duration in minutes, or `undefined` when it is not one. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = DURATION.exec(value);
  if (!m || value === '') return undefined;
  const minutes = Number(m[1] ?? 0) * 1440 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  return minutes > 0 && minutes <= MAX_DURATION_MINUTES ? minutes : undefined;
}

/** A duration for people: `1d 2h`, `45m`. */
export function formatDuration(minutes: number): string {
  const m = Math.max(0, Math.round(minutes));
  const parts = [[Math.floor(m / 1440), 'd'], [Math.floor((m % 1440) / 60), 'h'], [m % 60, 'm']].filter(([n]) => n).map(([n, u]) => `${n}${u}`);
  return parts.length ? parts.join(' ') : '0m';
}

const FIELDS: Array<{ name: string; min: number; max: number }> = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 },
];

/** A parsed cron rule: the allowed values per field, and whether day fields were restricted. */
export interface CronRule {
  readonly sets: ReadonlyArray<ReadonlySet<number>>;
  readonly domRestricted: boolean;
  readonly dowRestricted: boolean;
}

/** Parses a 5-field cron rule; a string is the problem. */
export function parseCron(value: unknown): CronRule | string {
  if (typeof value !== 'string') return `must be a 5-field cron rule, got ${show(value)}; try '0 9 * * 1-5'`;
  const fields = value.trim().split(/\s+/);
  if (fields.length !== 5) return `must be a 5-field cron rule (minute hour day-of-month month day-of-week), got ${show(value)} (${fields.length} field${fields.length === 1 ? '' : 's'}); try '0 9 * * 1-5'`;
  const sets: Array<Set<number>> = [];
  for (let i = 0; i < 5; i++) {
    const { name, min, max } = FIELDS[i];
    const set = new Set<number>();
    for (const part of fields[i].split(',')) {
      const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
      if (!m) return `has a ${name} field ${show(fields[i])} that is no number, '*', range 'a-b', step '/n' or list 'a,b'; try '0 9 * * 1-5'`;
      const from = m[1] === '*' ? min : Number(m[2]);
      const to = m[1] === '*' ? max : m[3] !== undefined ? Number(m[3]) : m[4] !== undefined ? max : from;
      const step = m[4] !== undefined ? Number(m[4]) : 1;
      if (from < min || to > max || from > to || step < 1) return `has a ${name} field ${show(fields[i])} outside ${min}-${max}; try '0 9 * * 1-5'`;
      for (let v = from; v <= to; v += step) set.add(i === 4 && v === 7 ? 0 : v);
    }
    sets.push(set);
  }
  return { sets, domRestricted: fields[2] !== '*', dowRestricted: fields[4] !== '*' };
}

/** Whether a time zone is one `Intl` knows (IANA names, and `UTC`). */
export function isTimeZone(value: unknown): boolean {
  if (typeof value !== 'string' || value === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** The gates with their defaults, from the options (checked by `gateProblems` first). */
export function gateFacts(options: PromotionGatesOptions | undefined): GateFacts {
  const windows = options?.windows;
  const facts = (w: PromotionWindow): WindowFacts => ({ name: w.name ?? `${w.start} for ${w.duration}`, start: w.start, duration: w.duration });
  return {
    soakMinutes: options?.soak === undefined ? 0 : parseDuration(options.soak) ?? 0,
    requireHealthy: options?.requireHealthy ?? false,
    timeZone: windows?.timeZone ?? 'UTC',
    allow: (windows?.allow ?? []).map(facts),
    deny: (windows?.deny ?? []).map(facts),
    hotfixLabel: windows?.hotfixLabel ?? 'hotfix',
    approvals: options?.approvals ?? 0,
  };
}

/** Whether any gate is on. */
export function hasGates(g: GateFacts): boolean {
  return g.soakMinutes > 0 || g.requireHealthy || g.allow.length > 0 || g.deny.length > 0 || g.approvals > 0;
}

/** The problems of an environment's gates, named by their option path (`at` is `environments[i].gates`). */
export function gateProblems(options: PromotionGatesOptions | undefined, at: string, first: boolean): Problem[] {
  if (options === undefined || options === null || typeof options !== 'object') return [];
  const problems: Problem[] = [];
  const report = (option: string, message: string) => problems.push({ option: `${at}.${option}`, message });
  const durationProblem = (value: unknown, example: string) => `must be a duration in whole days, hours and minutes from 1m to 31d (e.g. '${example}'), got ${show(value)}; try '${example}'`;
  if (options.soak !== undefined && parseDuration(options.soak) === undefined) report('soak', durationProblem(options.soak, '24h'));
  if (first && options.soak !== undefined) report('soak', `is set on the first environment, which has no previous one to soak in, got ${show(options.soak)}; remove soak here and set it on the next environment`);
  if (first && options.requireHealthy) report('requireHealthy', 'is true on the first environment, which has no previous one to be healthy in; remove requireHealthy here and set it on the next environment');
  if (options.approvals !== undefined && (!Number.isInteger(options.approvals) || options.approvals < 0 || options.approvals > 10)) {
    report('approvals', `must be an integer from 0 to 10, got ${show(options.approvals)}; try 1`);
  }
  const w = options.windows;
  if (w !== undefined && w !== null && typeof w === 'object') {
    if (w.timeZone !== undefined && !isTimeZone(w.timeZone)) report('windows.timeZone', `must be an IANA time zone, got ${show(w.timeZone)}; try 'Europe/Berlin' or 'UTC'`);
    if (w.hotfixLabel !== undefined && (typeof w.hotfixLabel !== 'string' || !LABEL.test(w.hotfixLabel))) {
      report('windows.hotfixLabel', `must be a GitHub label (1 to 50 characters, no comma, '\`', '|', '<', '>', control character or line break, or leading or trailing space), got ${show(w.hotfixLabel)}; try 'hotfix'`);
    }
    for (const kind of ['allow', 'deny'] as const) {
      (Array.isArray(w[kind]) ? w[kind]! : []).forEach((rule, i) => {
        const path = `windows.${kind}[${i}]`;
        const cron = parseCron(rule?.start);
        if (typeof cron === 'string') report(`${path}.start`, cron);
        if (parseDuration(rule?.duration) === undefined) report(`${path}.duration`, durationProblem(rule?.duration, kind === 'allow' ? '8h' : '14d'));
        if (rule?.name !== undefined) {
          const problem = checkWindowName(rule.name, kind === 'allow' ? 'working hours' : 'year-end freeze');
          if (problem) report(`${path}.name`, problem);
        }
      });
    }
  }
  return problems;
}

/** The wall-clock fields of an instant in a time zone. */
function wallClock(format: Intl.DateTimeFormat, t: number): { minute: number; hour: number; day: number; month: number; weekday: number } {
  const parts: Record<string, string> = {};
  for (const p of format.formatToParts(new Date(t))) parts[p.type] = p.value;
  const weekdays: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
  return {
    minute: Number(parts.minute), hour: Number(parts.hour) % 24, day: Number(parts.day), month: Number(parts.month), weekday: weekdays[parts.weekday],
  };
}

function matches(rule: CronRule, c: ReturnType<typeof wallClock>): boolean {
  const [min, hour, dom, month, dow] = rule.sets;
  if (!min.has(c.minute) || !hour.has(c.hour) || !month.has(c.month)) return false;
  // cron: when both day fields are restricted, either one matching is enough.
  if (rule.domRestricted && rule.dowRestricted) return dom.has(c.day) || dow.has(c.weekday);
  return dom.has(c.day) && dow.has(c.weekday);
}

/** An open window: which, and the minutes (epoch ms) it opened and closes. */
export interface OpenWindow {
  readonly name: string;
  readonly from: number;
  readonly until: number;
}

/**
 * The windows open over `[now - longest duration, now + ahead]`, found minute by minute in
 * the time zone (so daylight saving time moves them as it moves the clock on the wall).
 */
export function windowIntervals(rules: readonly WindowFacts[], timeZone: string, now: number, aheadMinutes: number): OpenWindow[] {
  if (rules.length === 0) return [];
  const parsed = rules.map((r) => ({ name: r.name, cron: parseCron(r.start) as CronRule, minutes: parseDuration(r.duration) ?? 0 }));
  const back = Math.max(...parsed.map((p) => p.minutes));
  const format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', minute: 'numeric', hour: 'numeric', day: 'numeric', month: 'numeric', weekday: 'short' });
  const start = Math.floor(now / 60_000) * 60_000 - back * 60_000;
  const out: OpenWindow[] = [];
  for (let t = start; t <= now + aheadMinutes * 60_000; t += 60_000) {
    const clock = wallClock(format, t);
    for (const p of parsed) if (matches(p.cron, clock)) out.push({ name: p.name, from: t, until: t + p.minutes * 60_000 });
  }
  return out;
}
