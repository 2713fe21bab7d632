/**
 * Promotion gates: every option error names its path, the value and a fix that itself passes
 * (synth is refused and writes nothing); the cron and duration grammar; the gates as promote
 * evaluates them (soak, health, windows with a hotfix label, approvals) at an injected clock.
 */
process.env.PROJEN_DISABLE_POST = 'true';

import * as fs from 'fs';
import fc from 'fast-check';
import { GitOpsProject, GitOpsProjectOptions, PromotionGatesOptions, Runtime } from '../../src';
import { evaluateGates, gatesStatus, gateTable, GateInputs, nextRun } from '../../src/cli/gates';
import { fixOf } from '../../src/core/checks';
import { OptionsError, Problem } from '../../src/core/validation';
import { DeploymentRecord } from '../../src/model/deployment-record';
import { gateFacts, parseCron, parseDuration, windowIntervals } from '../../src/model/gates';
import { hostile } from '../hostile';
import { tempdir } from '../util';

function problemsOf(options: Partial<GitOpsProjectOptions>): Problem[] {
  return synthOrProblems(options, (): Problem[] => []);
}

/** `read(outdir)` after a synth; the problems of one refused (and then no file written). */
function synthOrProblems<T>(options: Partial<GitOpsProjectOptions>, read: (outdir: string) => T): T | Problem[] {
  const outdir = tempdir('gitops-gates-');
  try {
    new GitOpsProject({ name: 'orders', repository: 'acme/orders', runtime: Runtime.NODE, ...options, outdir }).synth();
    return read(outdir);
  } catch (e) {
    if (!(e instanceof OptionsError)) throw e;
    expect(fs.readdirSync(outdir)).toEqual([]);
    return e.problems;
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** The environments with `gates` on staging (index 1). */
const staging = (gates: any): Partial<GitOpsProjectOptions> => ({ environments: [{ name: 'dev' }, { name: 'staging', gates }, { name: 'prod' }] });

/** The one problem at `option`, with a fix that passes when set at `fixAt(gates, fix)`. */
function refusedWithFix(gates: any, option: string, message: RegExp, withFix: (fix: unknown) => any) {
  const found = problemsOf(staging(gates)).filter((p) => p.option === option);
  expect({ option, found: found.map((p) => p.message) }).toEqual({ option, found: [expect.stringMatching(message)] });
  const fix = fixOf(found[0].message);
  expect(fix).toBeDefined();
  expect(problemsOf(staging(withFix(fix)))).toEqual([]);
}

describe('gates options: each error with its path, the value as written and a valid fix', () => {
  test('soak must be a duration', () => {
    refusedWithFix({ soak: '1 day' }, 'environments[1].gates.soak', /must be a duration in whole days, hours and minutes .*got '1 day'; try '24h'$/, (soak) => ({ soak }));
  });
  test('soak over 31 days', () => {
    refusedWithFix({ soak: '40d' }, 'environments[1].gates.soak', /got '40d'; try '24h'$/, (soak) => ({ soak }));
  });
  test('approvals from 0 to 10', () => {
    refusedWithFix({ approvals: 11 }, 'environments[1].gates.approvals', /must be an integer from 0 to 10, got 11; try 1$/, (approvals) => ({ approvals }));
  });
  test('an unknown time zone', () => {
    refusedWithFix({ windows: { timeZone: 'Mars/Olympus', deny: [{ start: '0 0 * * 5', duration: '3d' }] } }, 'environments[1].gates.windows.timeZone', /must be an IANA time zone, got 'Mars\/Olympus'; try 'Europe\/Berlin'/, (timeZone) => ({ windows: { timeZone } }));
  });
  test('a cron rule with four fields', () => {
    refusedWithFix({ windows: { deny: [{ start: '0 9 * *', duration: '8h' }] } }, 'environments[1].gates.windows.deny[0].start', /5-field cron rule .*got '0 9 \* \*' \(4 fields\); try '0 9 \* \* 1-5'$/, (start) => ({ windows: { deny: [{ start, duration: '8h' }] } }));
  });
  test('a cron hour out of range', () => {
    refusedWithFix({ windows: { allow: [{ start: '0 25 * * *', duration: '8h' }] } }, 'environments[1].gates.windows.allow[0].start', /hour field '25' outside 0-23/, (start) => ({ windows: { allow: [{ start, duration: '8h' }] } }));
  });
  test('a window duration that is no duration', () => {
    refusedWithFix({ windows: { deny: [{ start: '0 0 20 12 *', duration: 'two weeks' }] } }, 'environments[1].gates.windows.deny[0].duration', /got 'two weeks'; try '14d'$/, (duration) => ({ windows: { deny: [{ start: '0 0 20 12 *', duration }] } }));
  });
  test('a hotfix label GitHub would not take', () => {
    refusedWithFix({ windows: { hotfixLabel: 'hot,fix' } }, 'environments[1].gates.windows.hotfixLabel', /must be a GitHub label .*got 'hot,fix'; try 'hotfix'$/, (hotfixLabel) => ({ windows: { hotfixLabel } }));
  });
  test('a window name that would break the gate table', () => {
    refusedWithFix({ windows: { deny: [{ start: '0 0 * * 5', duration: '2d', name: 'weekend | freeze' }] } }, 'environments[1].gates.windows.deny[0].name', /got 'weekend \| freeze'; try 'weekend freeze'$/, (name) => ({ windows: { deny: [{ start: '0 0 * * 5', duration: '2d', name }] } }));
  });
  // The fuzz counterexample "     'freeze" (spaces at an end, which the gate table's Markdown drops),
  // the characters that end a line in YAML and in readers of JSON (U+2028, U+2029, U+0085: each
  // was written into deploy/promotion.json as a line break of its own), and invisible or
  // reordering format characters: refused, with the name cleaned up as the fix.
  test.each([
    ["     'freeze", "'freeze"],
    ['freeze ', 'freeze'],
    ['\u00a0freeze', 'freeze'],
    ['year\u2028end freeze', 'year end freeze'],
    ['year\u2029end', 'year end'],
    ['year\u0085end', 'year end'],
    ['freeze\u200b', 'freeze'],
    ['\u202efreeze', 'freeze'],
    ['x'.repeat(81), 'x'.repeat(80)],
    ['', 'year-end freeze'],
    ['   ', 'year-end freeze'],
    ['year-end  freeze', 'year-end freeze'],
  ])('a window name outside the grammar: %j', (name, fix) => {
    const deny = (n: unknown) => ({ windows: { deny: [{ start: '0 0 * * 5', duration: '2d', name: n }] } });
    refusedWithFix(deny(name), 'environments[1].gates.windows.deny[0].name', /^must be 1 to 80 characters on one line, without control characters, .*\(it is shown in the gate table\), got .*; try '.*'$/, deny);
    const [problem] = problemsOf(staging(deny(name)));
    expect(fixOf(problem.message)).toEqual(fix);
  });
  test('a hotfix label with a line separator inside', () => {
    refusedWithFix({ windows: { hotfixLabel: 'hot\u2028fix' } }, 'environments[1].gates.windows.hotfixLabel', /got 'hot\\u2028fix'; try 'hotfix'$/, (hotfixLabel) => ({ windows: { hotfixLabel } }));
  });
  test('soak and requireHealthy on the first environment: there is no previous one', () => {
    const problems = problemsOf({ environments: [{ name: 'dev', gates: { soak: '1h', requireHealthy: true } }, { name: 'prod' }] });
    expect(problems.map((p) => `${p.option}: ${p.message}`)).toEqual([
      "environments[0].gates.soak: is set on the first environment, which has no previous one to soak in, got '1h'; remove soak here and set it on the next environment",
      'environments[0].gates.requireHealthy: is true on the first environment, which has no previous one to be healthy in; remove requireHealthy here and set it on the next environment',
    ]);
  });
  test('a misspelt gate option is named (the jsii manifest check)', () => {
    const problems = problemsOf(staging({ soakTime: '1h' } as PromotionGatesOptions));
    expect(problems.map((p) => p.option)).toContain('environments[1].gates.soakTime');
  });
});

describe('durations and cron rules', () => {
  test('durations', () => {
    expect(['24h', '1d12h', '90m', '1h30m', '31d'].map(parseDuration)).toEqual([1440, 2160, 90, 90, 44640]);
    expect(['', '0m', '32d', '1.5h', 'h', '1 h', 24].map(parseDuration)).toEqual([undefined, undefined, undefined, undefined, undefined, undefined, undefined]);
  });
  test('cron: ranges, steps, lists, 7 is Sunday, and either day field when both are restricted (as cron does)', () => {
    const rule = parseCron('*/20 9-17/4 1,15 * 7') as any;
    expect([...rule.sets[0]]).toEqual([0, 20, 40]);
    expect([...rule.sets[1]]).toEqual([9, 13, 17]);
    expect([...rule.sets[4]]).toEqual([0]);
    // 09:00 UTC on Sunday the 6th of December 2026 (not the 1st or 15th) opens it; so does Tuesday the 15th.
    const opens = (iso: string) => windowIntervals([{ name: 'w', start: '0 9 1,15 * 0', duration: '1h' }], 'UTC', Date.parse(iso), 0).some((w) => w.from === Date.parse(iso));
    expect([opens('2026-12-06T09:00:00Z'), opens('2026-12-15T09:00:00Z'), opens('2026-12-07T09:00:00Z')]).toEqual([true, true, false]);
  });
  test('windows follow the wall clock of their time zone through daylight saving time', () => {
    const rules = [{ name: 'morning', start: '0 9 * * *', duration: '1h' }];
    const starts = (iso: string) => windowIntervals(rules, 'Europe/Berlin', Date.parse(iso), 0).filter((w) => w.from <= Date.parse(iso)).map((w) => new Date(w.from).toISOString());
    expect(starts('2026-01-15T08:30:00Z')).toEqual(['2026-01-15T08:00:00.000Z']); // CET: 09:00 is 08:00 UTC
    expect(starts('2026-07-15T07:30:00Z')).toEqual(['2026-07-15T07:00:00.000Z']); // CEST: 07:00 UTC
  });
});

const HOUR = 3_600_000;
const T0 = Date.parse('2026-12-01T10:00:00Z');
const record = (sha: string, statuses: Array<[string, number]>): DeploymentRecord => ({
  id: 1,
  environment: 'dev',
  sha,
  createdAt: new Date(T0).toISOString(),
  statuses: statuses.map(([state, t]) => ({ state, createdAt: new Date(t).toISOString() })),
});
const inputs = (gates: PromotionGatesOptions, over: Partial<GateInputs> = {}): GateInputs => ({
  now: T0, gates: gateFacts(gates), previous: 'dev', mergedAt: T0, records: [], labels: [], approvedBy: [], approvers: [], ...over,
});

describe('the gates at an injected clock', () => {
  test('soak: waits for a healthy record, then counts from it until the duration has passed', () => {
    expect(evaluateGates(inputs({ soak: '24h' }))).toEqual([{ gate: 'soak', state: 'waiting', detail: 'no healthy deployment record of these digests in dev yet', next: nextRun(T0 + 1) }]);
    const records = [record('a'.repeat(40), [['in_progress', T0 + HOUR], ['success', T0 + 2 * HOUR]])];
    const early = evaluateGates(inputs({ soak: '24h' }, { records, now: T0 + 12 * HOUR }))[0];
    expect(early).toMatchObject({ state: 'waiting', next: T0 + 26 * HOUR });
    expect(early.detail).toBe("ran 10h of 1d in dev, since dev's first healthy report (2026-12-01 12:00 UTC); 14h to go");
    expect(evaluateGates(inputs({ soak: '24h' }, { records, now: T0 + 26 * HOUR }))[0]).toMatchObject({ state: 'met', detail: expect.stringMatching(/^ran 1d in dev \(needs 1d\)/) });
  });
  test('soak: an unhealthy report resets it to the next healthy one', () => {
    const records = [record('a'.repeat(40), [['success', T0], ['failure', T0 + 20 * HOUR], ['success', T0 + 21 * HOUR]])];
    const soak = evaluateGates(inputs({ soak: '24h' }, { records, now: T0 + 30 * HOUR }))[0];
    expect(soak).toMatchObject({ state: 'waiting', next: T0 + 45 * HOUR });
    expect(soak.detail).toContain('after it reported failure at 2026-12-02 06:00 UTC');
    const still = evaluateGates(inputs({ soak: '24h' }, { records: [record('a'.repeat(40), [['success', T0], ['failure', T0 + 20 * HOUR]])], now: T0 + 30 * HOUR }))[0];
    expect(still).toMatchObject({ state: 'waiting', detail: 'dev reported failure at 2026-12-02 06:00 UTC; the soak starts again at its next healthy report' });
  });
  test('soak without any deployment records counts from the merge, and says so', () => {
    const soak = evaluateGates(inputs({ soak: '1h' }, { records: undefined, now: T0 + 2 * HOUR }))[0];
    expect(soak).toMatchObject({ state: 'met' });
    expect(soak.detail).toContain('dev has no deployment records, so the soak counts from the merge');
  });
  test('health: success met, failure failed, in progress waiting, no records waiting', () => {
    const h = (statuses: Array<[string, number]>) => evaluateGates(inputs({ requireHealthy: true }, { records: [record('b'.repeat(40), statuses)] }))[0].state;
    expect([h([['success', T0]]), h([['success', T0], ['failure', T0 + 1]]), h([['in_progress', T0]]), h([])]).toEqual(['met', 'failed', 'waiting', 'waiting']);
    expect(evaluateGates(inputs({ requireHealthy: true }, { records: undefined }))[0].detail).toMatch(/dev has no deployment records/);
  });
  const freeze = { windows: { timeZone: 'Europe/Berlin', deny: [{ name: 'year-end freeze', start: '0 0 20 12 *', duration: '14d' }] } };
  test('a deny window waits until it ends; the hotfix label passes it and is recorded', () => {
    const now = Date.parse('2026-12-24T09:00:00Z');
    const frozen = evaluateGates(inputs(freeze, { now }))[0];
    // 2026-12-20 00:00 in Berlin is 2026-12-19 23:00 UTC; 14 days later.
    expect(frozen).toEqual({ gate: 'window', state: 'waiting', detail: "inside deny window 'year-end freeze' (Europe/Berlin) until 2027-01-02 23:00 UTC; a pull request labelled `hotfix` passes it", next: Date.parse('2027-01-02T23:00:00Z') });
    expect(evaluateGates(inputs(freeze, { now, labels: ['hotfix'] }))[0]).toMatchObject({ state: 'met', detail: expect.stringMatching(/^HOTFIX: deny window 'year-end freeze' .* passed by the `hotfix` label$/) });
    expect(evaluateGates(inputs(freeze, { now: Date.parse('2026-12-10T09:00:00Z') }))[0]).toMatchObject({ state: 'met', detail: 'no deny window open (Europe/Berlin)' });
  });
  test('an allow window: outside it waits for the next opening', () => {
    const hours = { windows: { timeZone: 'UTC', allow: [{ name: 'working hours', start: '0 9 * * 1-5', duration: '8h' }] } };
    // Saturday 2026-12-05: the next opening is Monday 09:00.
    expect(evaluateGates(inputs(hours, { now: Date.parse('2026-12-05T12:00:00Z') }))[0]).toMatchObject({ state: 'waiting', next: Date.parse('2026-12-07T09:00:00Z') });
    expect(evaluateGates(inputs(hours, { now: Date.parse('2026-12-07T12:00:00Z') }))[0]).toMatchObject({ state: 'met', detail: "inside allow window 'working hours' (UTC) until 2026-12-07 17:00 UTC" });
  });
  test('approvals: counted from the named people only when approvers are all people', () => {
    expect(evaluateGates(inputs({ approvals: 2 }, { approvedBy: ['ann', 'bob'], approvers: ['@ann', '@carl'] }))[0]).toMatchObject({ state: 'waiting', detail: '1 of 2 approvals from @ann, @carl of the head commit by @ann' });
    expect(evaluateGates(inputs({ approvals: 2 }, { approvedBy: ['ann', 'bob'], approvers: ['@acme/release'] }))[0]).toMatchObject({ state: 'met' });
  });
  test('the commit status and the table', () => {
    const results = evaluateGates(inputs({ ...freeze, approvals: 1 }, { now: Date.parse('2026-12-24T09:00:00Z'), approvedBy: ['ann'] }));
    expect(gatesStatus(results)).toEqual({ state: 'pending', description: 'waiting: window (see the gate table)' });
    expect(gatesStatus([{ gate: 'health', state: 'failed', detail: '' }])).toEqual({ state: 'failure', description: 'failed: health' });
    const table = gateTable('prod', results, Date.parse('2026-12-24T09:00:00Z'));
    expect(table).toContain('| gate | state | detail | re-evaluated at |');
    expect(table).toContain('| window | waiting | inside deny window');
    expect(table).toContain('| next: 2027-01-02 23:00 UTC |');
    expect(table).toContain('| approvals | met | 1 of 1 approval by @ann | 2026-12-24 09:00 UTC |');
  });
});

/**
 * A window's name, fuzzed: hostile strings near 'freeze', spaces, quotes and line or format
 * characters, and any unicode. Either synth refuses it at its option path with a fix that
 * passes, or the name is data only: deploy/promotion.json keeps its lines (counted at every line
 * terminator a reader may honour: CR, LF, U+0085, U+2028, U+2029) and reads back the name as
 * written, and the gate table keeps its lines and shows the name as written once HTML has
 * collapsed its whitespace. The known-bad fixtures (names the old grammar let through) must
 * fail the oracle.
 */
describe('a window name, fuzzed', () => {
  const RUNS = Number(process.env.FC_NUM_RUNS ?? 60);
  const LINE = /\r\n|\r|\n|\u0085|\u2028|\u2029/;
  const deny = (name: string) => ({ windows: { timeZone: 'UTC', deny: [{ name, start: '0 0 20 12 *', duration: '14d' }] } });
  const promotionOf = (name: string): string | Problem[] => synthOrProblems(staging(deny(name)), (outdir) => fs.readFileSync(`${outdir}/deploy/promotion.json`, 'utf-8'));
  const benign = promotionOf('freeze') as string;
  const table = (name: string) => gateTable('staging', evaluateGates(inputs(deny(name), { now: Date.parse('2026-12-24T09:00:00Z') })), Date.parse('2026-12-24T09:00:00Z'));
  // What a browser shows of the table's HTML: runs of ASCII whitespace as one space.
  const shown = (text: string) => text.replace(/[ \t\n\r\f]+/g, ' ');

  /** What is wrong with the promotion.json written for `name`. */
  function violations(name: string, text: string): string[] {
    const found: string[] = [];
    if (text.split(LINE).length !== benign.split(LINE).length) found.push(`deploy/promotion.json: ${benign.split(LINE).length} lines became ${text.split(LINE).length}`);
    if (JSON.parse(text).gates?.staging?.deny?.[0]?.name !== name) found.push('deploy/promotion.json: the name does not read back as written');
    if (table(name).split(LINE).length !== table('freeze').split(LINE).length) found.push('the gate table has another number of lines');
    if (!shown(table(name)).includes(`'${name}'`)) found.push('the gate table does not show the name as written');
    return found;
  }

  test('the oracle fails on a name with U+2028 written as it is (the old grammar let it through)', () => {
    const bad = benign.replace('"freeze"', '"year\u2028freeze"');
    expect(violations('year\u2028freeze', bad)).toEqual([
      `deploy/promotion.json: ${benign.split(LINE).length} lines became ${benign.split(LINE).length + 1}`,
      'the gate table has another number of lines',
    ]);
    // The fuzz counterexample: the table shows "' 'freeze'".
    expect(violations("     'freeze", benign.replace('"freeze"', '"     \'freeze"'))).toEqual(['the gate table does not show the name as written']);
  });

  test('refused with a fix that passes, or data only', () => {
    const edges = fc.array(fc.constantFrom(' ', "'", '"', '\u00a0', '\u0085', '\u2028', '\u2029', '\u200b', '\u202e', '\ufeff', '\t', 'é'), { minLength: 1, maxLength: 6 })
      .chain((parts) => fc.nat({ max: 6 }).map((i) => `${parts.slice(0, i).join('')}freeze${parts.slice(i).join('')}`));
    const names = fc.oneof(edges, hostile('freeze'), fc.string({ unit: 'binary', maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => `${s}freeze`));
    fc.assert(fc.property(names, (name) => {
      const out = promotionOf(name);
      if (typeof out === 'string') {
        expect({ name, violations: violations(name, out) }).toEqual({ name, violations: [] });
        return;
      }
      const at = 'environments[1].gates.windows.deny[0].name';
      expect({ name, options: out.map((p) => p.option) }).toEqual({ name, options: [at] });
      const fix = fixOf(out[0].message);
      expect(typeof fix).toBe('string');
      const fixed = promotionOf(fix as string);
      expect({ name, fix, fixed: typeof fixed === 'string' ? violations(fix as string, fixed) : fixed }).toEqual({ name, fix, fixed: [] });
    }), { numRuns: RUNS });
  });
});
