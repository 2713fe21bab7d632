/**
 * The gate and verification options of the command line: every refusal names the option, the
 * value as given and a fix; nothing runs before the arguments are understood.
 */
import { parsePromoteArgs, PromoteError } from '../../src/cli/promote';
import { verifyImagesOptions, VerifyImagesError } from '../../src/cli/verify-images';

const env = { GH_TOKEN: 'x' };
const SHA = 'a'.repeat(40);

describe('promote: --now, --recheck, --evidence', () => {
  test('--now takes an ISO 8601 time with its zone, or PROJEN_GITOPS_NOW', () => {
    expect(parsePromoteArgs(['--from', 'dev', '--to', 'staging', '--now', '2026-12-24T09:00:00Z'], env)).toMatchObject({ now: Date.parse('2026-12-24T09:00:00Z') });
    expect(parsePromoteArgs(['--from', 'dev', '--to', 'staging'], { ...env, PROJEN_GITOPS_NOW: '2026-12-24T10:00:00+01:00' })).toMatchObject({ now: Date.parse('2026-12-24T09:00:00Z') });
    for (const bad of ['2026-12-24', '2026-12-24T09:00:00', 'tomorrow', '2026-13-40T09:00:00Z']) {
      expect(() => parsePromoteArgs(['--from', 'dev', '--to', 'staging', '--now', bad], env)).toThrow(new PromoteError(`--now must be an ISO 8601 time with its zone, got ${JSON.stringify(bad)}; try --now 2026-12-24T09:00:00Z`));
    }
  });
  test('--recheck needs neither --from nor --commit, and refuses a build', () => {
    expect(parsePromoteArgs(['--recheck', '--to', 'dev'], env)).toMatchObject({ recheck: true, to: 'dev' });
    expect(() => parsePromoteArgs(['--recheck', '--to', 'dev', '--commit', SHA], env)).toThrow(/--recheck re-evaluates the open pull request and brings in nothing new; leave out --commit and --digest/);
    expect(() => parsePromoteArgs(['--to', 'dev'], env)).toThrow(/give --from ENV, or --commit SHA/);
  });
  test('--evidence and STATUS_TOKEN are passed on', () => {
    expect(parsePromoteArgs(['--from', 'dev', '--to', 'staging', '--evidence', '/tmp/e.md'], { ...env, STATUS_TOKEN: 'job' })).toMatchObject({ evidenceFile: '/tmp/e.md', statusToken: 'job' });
    expect(() => parsePromoteArgs(['--from', 'dev', '--to', 'staging', '--evidence', 'a', '--evidence', 'b'], env)).toThrow(/--evidence is given 2 times/);
  });
});

describe('verify-images: arguments', () => {
  test('--base and --head must be commits', () => {
    expect(verifyImagesOptions(['--base', SHA, '--head', SHA, '--gates-status'], env)).toMatchObject({ base: SHA, head: SHA, gatesStatus: true });
    expect(() => verifyImagesOptions([], env)).toThrow(new VerifyImagesError('--base must be the pull request\'s base commit (40 hex digits), got ""; try --base "$BASE_SHA" with BASE_SHA: ${{ github.event.pull_request.base.sha }}'));
    expect(() => verifyImagesOptions(['--base', 'main'], env)).toThrow(/--base must be .* got "main"/);
    expect(() => verifyImagesOptions(['--base', SHA, '--head', 'HEAD~1'], env)).toThrow(/--head must be a commit \(40 hex digits\), got "HEAD~1"; try --head "\$HEAD_SHA"/);
    expect(() => verifyImagesOptions(['--base', SHA, 'extra'], env)).toThrow(/unexpected argument "extra"/);
    expect(verifyImagesOptions(['--help'], env)).toBe('help');
  });
});
